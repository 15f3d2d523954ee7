//! Photo DTOs.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::routes::households::{Datum, Location};
use crate::store::entity::photo;

/// What the server knows of a photo. The file itself is served re-encoded without EXIF.
#[derive(Debug, Serialize, ToSchema)]
pub struct Photo {
    pub id: Uuid,
    pub sha256: String,
    /// 64-bit perceptual hash, hex.
    pub phash: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub width: i32,
    pub height: i32,
    /// Capture time from EXIF, when the file kept it.
    pub exif_taken_at: Option<DateTime<Utc>>,
    /// GPS position from EXIF (WGS-84), when the file kept it.
    pub exif_location: Option<Location>,
    /// Capture time the mini-program reported.
    pub client_taken_at: Option<DateTime<Utc>>,
    /// Position the mini-program reported (`wx.getLocation`), with its datum.
    pub client_location: Option<Location>,
    pub client_accuracy_m: Option<f64>,
    pub uploaded_by: Uuid,
    pub created_at: DateTime<Utc>,
}

impl From<photo::Model> for Photo {
    fn from(m: photo::Model) -> Self {
        let exif_location = match (m.exif_latitude, m.exif_longitude) {
            (Some(latitude), Some(longitude)) => Some(Location { latitude, longitude, datum: Datum::Wgs84 }),
            _ => None,
        };
        let client_location = match (m.client_latitude, m.client_longitude, m.client_datum.as_deref()) {
            (Some(latitude), Some(longitude), Some(d)) => {
                Some(Location { latitude, longitude, datum: if d == "wgs84" { Datum::Wgs84 } else { Datum::Gcj02 } })
            }
            _ => None,
        };
        Self {
            id: m.id,
            sha256: m.sha256,
            phash: format!("{:016x}", m.phash as u64),
            content_type: m.content_type,
            size_bytes: m.size_bytes,
            width: m.width,
            height: m.height,
            exif_taken_at: m.exif_taken_at,
            exif_location,
            client_taken_at: m.client_taken_at,
            client_location,
            client_accuracy_m: m.client_accuracy_m,
            uploaded_by: m.uploaded_by,
            created_at: m.created_at,
        }
    }
}

/// The upload form: the file and what the mini-program captured with it.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PhotoUpload {
    /// The image: JPEG, PNG or WebP.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// From `wx.getLocation`.
    #[schema(nullable = false)]
    latitude: Option<f64>,
    #[schema(nullable = false)]
    longitude: Option<f64>,
    /// `gcj02` (the `wx.getLocation` default) or `wgs84`.
    #[schema(nullable = false)]
    datum: Option<Datum>,
    /// Accuracy of the position in metres.
    #[schema(nullable = false)]
    accuracy_m: Option<f64>,
    /// The same as `accuracy_m`, under the name `wx.getLocation` gives it (read when `accuracy_m` is absent).
    #[schema(nullable = false)]
    accuracy: Option<f64>,
    /// Capture time, RFC 3339.
    #[schema(nullable = false)]
    taken_at: Option<DateTime<Utc>>,
}
