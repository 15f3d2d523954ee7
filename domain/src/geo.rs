//! Positions and distances. Chinese maps (and `wx.getLocation` by default) give GCJ-02; GPS and EXIF
//! give WGS-84. Every position records its datum, and distances are computed in WGS-84.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Datum {
    Wgs84,
    Gcj02,
}

impl Datum {
    pub fn as_str(self) -> &'static str {
        match self {
            Datum::Wgs84 => "wgs84",
            Datum::Gcj02 => "gcj02",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "wgs84" | "wgs-84" | "gps" => Some(Datum::Wgs84),
            "gcj02" | "gcj-02" => Some(Datum::Gcj02),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub lat: f64,
    pub lng: f64,
    pub datum: Datum,
}

impl Position {
    pub fn new(lat: f64, lng: f64, datum: Datum) -> Option<Self> {
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng) && lat.is_finite() && lng.is_finite())
            .then_some(Self { lat, lng, datum })
    }

    /// The same place in WGS-84.
    pub fn to_wgs84(self) -> Self {
        match self.datum {
            Datum::Wgs84 => self,
            Datum::Gcj02 => {
                let (lat, lng) = gcj02_to_wgs84(self.lat, self.lng);
                Self { lat, lng, datum: Datum::Wgs84 }
            }
        }
    }

    /// Great-circle distance in metres, both positions taken to WGS-84 first.
    pub fn distance_m(self, other: Position) -> f64 {
        let (a, b) = (self.to_wgs84(), other.to_wgs84());
        haversine_m(a.lat, a.lng, b.lat, b.lng)
    }
}

const EARTH_RADIUS_M: f64 = 6_371_008.8;

pub fn haversine_m(lat1: f64, lng1: f64, lat2: f64, lng2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lng2 - lng1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

// GCJ-02 is WGS-84 plus a published obfuscation offset (Krasovsky ellipsoid constants).
const A: f64 = 6_378_245.0;
const EE: f64 = 0.006_693_421_622_965_943;

fn out_of_china(lat: f64, lng: f64) -> bool {
    !(72.004..=137.8347).contains(&lng) || !(0.8293..=55.8271).contains(&lat)
}

fn transform_lat(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn transform_lng(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// WGS-84 → GCJ-02 (identity outside China).
pub fn wgs84_to_gcj02(lat: f64, lng: f64) -> (f64, f64) {
    use std::f64::consts::PI;
    if out_of_china(lat, lng) {
        return (lat, lng);
    }
    let d_lat = transform_lat(lng - 105.0, lat - 35.0);
    let d_lng = transform_lng(lng - 105.0, lat - 35.0);
    let rad_lat = lat / 180.0 * PI;
    let magic = 1.0 - EE * rad_lat.sin().powi(2);
    let sqrt_magic = magic.sqrt();
    let d_lat = (d_lat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    let d_lng = (d_lng * 180.0) / (A / sqrt_magic * rad_lat.cos() * PI);
    (lat + d_lat, lng + d_lng)
}

/// GCJ-02 → WGS-84 by fixed-point iteration on the forward transform (error under a millimetre).
pub fn gcj02_to_wgs84(lat: f64, lng: f64) -> (f64, f64) {
    if out_of_china(lat, lng) {
        return (lat, lng);
    }
    let (mut w_lat, mut w_lng) = (lat, lng);
    for _ in 0..30 {
        let (g_lat, g_lng) = wgs84_to_gcj02(w_lat, w_lng);
        let (e_lat, e_lng) = (lat - g_lat, lng - g_lng);
        w_lat += e_lat;
        w_lng += e_lng;
        if e_lat.abs() < 1e-10 && e_lng.abs() < 1e-10 {
            break;
        }
    }
    (w_lat, w_lng)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn one_degree_of_latitude_is_about_111_km() {
        let d = haversine_m(29.0, 106.0, 30.0, 106.0);
        assert!((d - 111_195.0).abs() < 50.0, "{d}");
        assert_eq!(haversine_m(29.37, 106.30, 29.37, 106.30), 0.0);
    }

    #[test]
    fn the_gcj02_offset_in_chongqing_is_a_few_hundred_metres() {
        let (lat, lng) = wgs84_to_gcj02(29.3712, 106.3021);
        let d = haversine_m(29.3712, 106.3021, lat, lng);
        assert!((100.0..900.0).contains(&d), "offset {d} m");
    }

    #[test]
    fn gcj02_round_trips_to_wgs84_within_a_millimetre() {
        for (lat, lng) in [(29.3712, 106.3021), (39.9087, 116.3975), (22.54, 114.05), (45.75, 126.63)] {
            let (g_lat, g_lng) = wgs84_to_gcj02(lat, lng);
            let (w_lat, w_lng) = gcj02_to_wgs84(g_lat, g_lng);
            assert!(haversine_m(lat, lng, w_lat, w_lng) < 0.001, "({lat},{lng})");
        }
    }

    #[test]
    fn outside_china_the_datums_agree() {
        assert_eq!(wgs84_to_gcj02(48.85, 2.35), (48.85, 2.35));
        assert_eq!(gcj02_to_wgs84(-33.86, 151.2), (-33.86, 151.2));
    }

    #[test]
    fn distances_compare_positions_in_one_datum() {
        // The same house, given once in each datum, is the same place.
        let w = Position::new(29.3712, 106.3021, Datum::Wgs84).unwrap();
        let (glat, glng) = wgs84_to_gcj02(w.lat, w.lng);
        let g = Position::new(glat, glng, Datum::Gcj02).unwrap();
        assert!(w.distance_m(g) < 0.01);
        // Naively comparing the raw numbers would put them hundreds of metres apart.
        assert!(haversine_m(w.lat, w.lng, g.lat, g.lng) > 100.0);
    }

    #[test]
    fn positions_outside_the_globe_are_refused() {
        assert!(Position::new(91.0, 0.0, Datum::Wgs84).is_none());
        assert!(Position::new(0.0, f64::NAN, Datum::Wgs84).is_none());
    }
}
