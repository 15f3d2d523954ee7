//! Photo processing: sniff the format from the bytes, refuse what is too large before decoding,
//! read EXIF capture time and GPS, compute a perceptual hash, and make a thumbnail and a display
//! copy without EXIF (phones put exact GPS in it): a JPEG that needs no shrinking keeps its
//! compressed picture and loses its metadata segments; anything else is re-encoded. Blocking: call
//! it off the workers.

use std::io::Cursor;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use image_hasher::{HashAlg, HasherConfig};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("HEIC images are not accepted")]
    Heic,
    #[error("the image has too many pixels")]
    TooManyPixels,
    #[error("the image is damaged or truncated")]
    Damaged,
}

impl PhotoError {
    pub fn code(self) -> &'static str {
        match self {
            PhotoError::NotAnImage => "unsupported_image",
            PhotoError::Heic => "heic_not_supported",
            PhotoError::TooManyPixels => "image_too_large",
            PhotoError::Damaged => "image_damaged",
        }
    }

    pub fn message_zh(self) -> &'static str {
        match self {
            PhotoError::NotAnImage => "只能上传 JPG、PNG 或 WebP 格式的照片",
            PhotoError::Heic => "暂不支持 HEIC 格式，请在相机设置中选择“兼容性最佳”后重新拍摄",
            PhotoError::TooManyPixels => "照片像素过大，请压缩后再上传",
            PhotoError::Damaged => "照片文件已损坏或不完整，请重新拍摄上传",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Processed {
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
    /// 64-bit gradient hash: near-identical photos differ in few bits.
    pub phash: u64,
    pub exif_taken_at: Option<DateTime<Utc>>,
    /// WGS-84, as GPS writes it.
    pub exif_position: Option<(f64, f64)>,
    pub thumbnail: Vec<u8>,
    pub display: Vec<u8>,
}

const THUMBNAIL_PX: u32 = 320;
const DISPLAY_PX: u32 = 1600;

fn is_heic(bytes: &[u8]) -> bool {
    bytes.len() > 12
        && &bytes[4..8] == b"ftyp"
        && [b"heic", b"heix", b"mif1", b"hevc"].iter().any(|b| &bytes[8..12] == *b)
}

pub fn process(bytes: &[u8], max_pixels: u64) -> Result<Processed, PhotoError> {
    if is_heic(bytes) {
        return Err(PhotoError::Heic);
    }
    let format = image::guess_format(bytes).map_err(|_| PhotoError::NotAnImage)?;
    let content_type = match format {
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::Png => "image/png",
        ImageFormat::WebP => "image/webp",
        _ => return Err(PhotoError::NotAnImage),
    };
    if !looks_complete(format, bytes) {
        return Err(PhotoError::Damaged);
    }
    // Dimensions come from the header: a pixel bomb is refused before any pixel is decoded.
    let (width, height) =
        ImageReader::with_format(Cursor::new(bytes), format).into_dimensions().map_err(|_| PhotoError::Damaged)?;
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(PhotoError::TooManyPixels);
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(max_pixels.saturating_mul(4).saturating_add(64 << 20));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| PhotoError::Damaged)?;
    let orientation = decoder.orientation().ok();
    // Lossless when it can be: re-encoding a phone photo cost half of an upload and made it bigger.
    let stripped = (format == ImageFormat::Jpeg && width.max(height) <= DISPLAY_PX)
        .then(|| jpeg_without_metadata(bytes, orientation.unwrap_or(Orientation::NoTransforms)))
        .flatten();
    // A photo kept as it came is decoded only for its thumbnail (and hash): at a reduced scale.
    let mut img = match stripped.as_ref().and_then(|_| jpeg_reduced(bytes, THUMBNAIL_PX)) {
        Some(small) => small,
        None => DynamicImage::from_decoder(decoder).map_err(|_| PhotoError::Damaged)?,
    };
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
    // The hash is taken of the thumbnail, with a triangle filter: image_hasher's default (Lanczos3
    // over the full picture down to 9×8: a 400-tap kernel on every pixel) was most of a 300 KB
    // upload's 100 ms (`bench/RESULTS.md`); the thumbnail is the same picture for a 64-bit hash.
    let thumbnail = shrink(&img, THUMBNAIL_PX);
    let hasher = HasherConfig::new()
        .hash_size(8, 8)
        .hash_alg(HashAlg::Gradient)
        .resize_filter(image::imageops::FilterType::Triangle)
        .to_hasher();
    let hash = hasher.hash_image(&thumbnail);
    let mut phash_bytes = [0u8; 8];
    for (i, b) in hash.as_bytes().iter().take(8).enumerate() {
        phash_bytes[i] = *b;
    }
    let (exif_taken_at, exif_position) = read_exif(bytes);
    Ok(Processed {
        content_type,
        width,
        height,
        phash: u64::from_be_bytes(phash_bytes),
        exif_taken_at,
        exif_position,
        thumbnail: jpeg(&thumbnail)?,
        display: match stripped {
            Some(display) => display,
            None if img.width().max(img.height()) > DISPLAY_PX => jpeg(&shrink(&img, DISPLAY_PX))?,
            None => jpeg(&img)?,
        },
    })
}

/// A JPEG decoded at the smallest DCT scale (1/8, 1/4, 1/2 or 1) whose longer side is still at
/// least `side`: the inverse DCT of a block yields 1, 2 or 4 pixels a side instead of 8, so a phone
/// photo's thumbnail costs a fraction of the time and a sixteenth of the memory of a full decode.
/// `None` when this decoder cannot (CMYK, 16-bit, damaged): the full decode then serves, or refuses.
fn jpeg_reduced(bytes: &[u8], side: u32) -> Option<DynamicImage> {
    let side = u16::try_from(side).ok()?;
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.read_info().ok()?;
    decoder.scale(side, side).ok()?;
    let pixels = decoder.decode().ok()?;
    let info = decoder.info()?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => image::RgbImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgb8),
        jpeg_decoder::PixelFormat::L8 => image::GrayImage::from_raw(w, h, pixels).map(DynamicImage::ImageLuma8),
        _ => None,
    }
}

/// The picture made to fit within `side` pixels a side, its proportions kept; one already within
/// it is kept as it is. A convolution with a triangle (bilinear) kernel sized to the reduction, so
/// every source pixel counts (fast_image_resize: SIMD, a fraction of `image`'s resize).
fn shrink(img: &DynamicImage, side: u32) -> DynamicImage {
    let (w, h) = (img.width(), img.height());
    if w.max(h) <= side {
        return img.clone();
    }
    let scale = f64::from(side) / f64::from(w.max(h));
    let fit = |n: u32| ((f64::from(n) * scale).round() as u32).clamp(1, side);
    let mut out = DynamicImage::new(fit(w), fit(h), img.color());
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    match Resizer::new().resize(img, &mut out, &options) {
        Ok(()) => out,
        // A pixel layout it does not take: `image`'s own resize.
        Err(_) => img.resize(side, side, image::imageops::FilterType::Triangle),
    }
}

/// The JPEG with its compressed picture as it came and no metadata: only the segments a decoder
/// needs (tables, frame, scans, JFIF, an ICC profile, Adobe's colour transform), nothing after the
/// picture's end (a second "multi-picture" image carries its own EXIF), and, where the phone stored
/// the picture turned, an EXIF of one field — the orientation. `None` where the file is not plain
/// enough to be sure of that (a metadata segment between progressive scans): re-encode instead.
fn jpeg_without_metadata(bytes: &[u8], orientation: Orientation) -> Option<Vec<u8>> {
    use img_parts::jpeg::{Jpeg, markers};
    use img_parts::{Bytes, ImageEXIF};
    let mut jpeg = Jpeg::from_bytes(Bytes::copy_from_slice(bytes)).ok()?;
    let kept = |marker: u8, contents: &[u8]| match marker {
        markers::APP0 => contents.starts_with(b"JFIF\0") || contents.starts_with(b"JFXX\0"),
        markers::APP2 => contents.starts_with(b"ICC_PROFILE\0"),
        markers::APP14 => contents.starts_with(b"Adobe"),
        markers::APP1..=markers::APP15 | markers::COM => false,
        _ => true,
    };
    jpeg.segments_mut().retain(|s| kept(s.marker(), s.contents()));
    if orientation != Orientation::NoTransforms {
        let field = exif::Field {
            tag: exif::Tag::Orientation,
            ifd_num: exif::In::PRIMARY,
            value: exif::Value::Short(vec![u16::from(orientation.to_exif())]),
        };
        let mut writer = exif::experimental::Writer::new();
        writer.push_field(&field);
        let mut tiff = Cursor::new(Vec::new());
        writer.write(&mut tiff, false).ok()?;
        jpeg.set_exif(Some(tiff.into_inner().into()));
    }
    // The file's start, its segments (the last is the first scan's header), then the scans.
    let mut i = 2 + jpeg.segments().iter().map(|s| s.len()).sum::<usize>();
    let mut out = Vec::with_capacity(bytes.len());
    jpeg.encoder().write_to(&mut out).ok()?;
    // The scans run to the first end-of-image marker (entropy-coded data escapes 0xFF as FF 00);
    // between progressive scans only tables, restarts and further scan headers may stand.
    while i + 1 < out.len() {
        if out[i] != 0xFF {
            i += 1;
            continue;
        }
        match out[i + 1] {
            markers::EOI => {
                out.truncate(i + 2);
                return Some(out);
            }
            0xFF => i += 1,
            0x00 | markers::RST0..=markers::RST7 => i += 2,
            markers::DHT | markers::DQT | markers::DRI | markers::DAC | markers::SOS => {
                let length = usize::from(u16::from_be_bytes([*out.get(i + 2)?, *out.get(i + 3)?]));
                i += 2 + length;
            }
            _ => return None,
        }
    }
    None
}

/// Decoders are lenient with cut-off files (a phone that lost signal mid-upload): check the end.
fn looks_complete(format: ImageFormat, b: &[u8]) -> bool {
    let find = |hay: &[u8], needle: &[u8], from: usize| {
        hay.get(from..).and_then(|h| h.windows(needle.len()).position(|w| w == needle)).map(|p| p + from)
    };
    match format {
        // An end-of-image marker after the first start-of-scan (trailers after it are allowed).
        ImageFormat::Jpeg => find(b, &[0xFF, 0xDA], 2).and_then(|sos| find(b, &[0xFF, 0xD9], sos)).is_some(),
        ImageFormat::Png => find(b, b"IEND", 8).is_some(),
        // The RIFF header states the file's length.
        ImageFormat::WebP => b.len() >= 12 && u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize + 8 <= b.len(),
        _ => false,
    }
}

/// Hamming distance between two perceptual hashes.
pub fn phash_distance(a: u64, b: u64) -> u32 {
    domain::phash::distance(a, b)
}

/// Re-encodes as JPEG (jpeg-encoder: SIMD, three times `image`'s encoder); the encoder writes no
/// EXIF, so nothing of the original's metadata survives.
fn jpeg(img: &DynamicImage) -> Result<Vec<u8>, PhotoError> {
    let rgb = match img {
        DynamicImage::ImageRgb8(rgb) => std::borrow::Cow::Borrowed(rgb),
        other => std::borrow::Cow::Owned(other.to_rgb8()),
    };
    let (w, h) = (u16::try_from(rgb.width()), u16::try_from(rgb.height()));
    let (Ok(w), Ok(h)) = (w, h) else { return Err(PhotoError::TooManyPixels) };
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 82)
        .encode(rgb.as_raw(), w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(|_| PhotoError::Damaged)?;
    Ok(out)
}

fn read_exif(bytes: &[u8]) -> (Option<DateTime<Utc>>, Option<(f64, f64)>) {
    let Ok(exif) = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) else { return (None, None) };
    let taken = [exif::Tag::DateTimeOriginal, exif::Tag::DateTime].into_iter().find_map(|tag| {
        let field = exif.get_field(tag, exif::In::PRIMARY)?;
        let exif::Value::Ascii(v) = &field.value else { return None };
        let dt = exif::DateTime::from_ascii(v.first()?).ok()?;
        let date = NaiveDate::from_ymd_opt(i32::from(dt.year), u32::from(dt.month), u32::from(dt.day))?;
        let naive = date.and_hms_opt(u32::from(dt.hour), u32::from(dt.minute), u32::from(dt.second))?;
        // Without an offset tag the camera's clock is taken as Beijing time, as phones sold here set it.
        let offset_minutes = exif
            .get_field(exif::Tag::OffsetTimeOriginal, exif::In::PRIMARY)
            .and_then(|f| match &f.value {
                exif::Value::Ascii(v) => v.first().and_then(|s| parse_offset(s)),
                _ => None,
            })
            .unwrap_or(8 * 60);
        let offset = chrono::FixedOffset::east_opt(offset_minutes * 60)?;
        offset.from_local_datetime(&naive).single().map(|t| t.with_timezone(&Utc))
    });
    let coord = |value: exif::Tag, reference: exif::Tag, negative: u8| -> Option<f64> {
        let f = exif.get_field(value, exif::In::PRIMARY)?;
        let exif::Value::Rational(r) = &f.value else { return None };
        if r.len() < 3 {
            return None;
        }
        let deg = r[0].to_f64() + r[1].to_f64() / 60.0 + r[2].to_f64() / 3600.0;
        let sign = match exif.get_field(reference, exif::In::PRIMARY).map(|f| &f.value) {
            Some(exif::Value::Ascii(v)) if v.first().and_then(|s| s.first()) == Some(&negative) => -1.0,
            _ => 1.0,
        };
        deg.is_finite().then_some(sign * deg)
    };
    let position = match (
        coord(exif::Tag::GPSLatitude, exif::Tag::GPSLatitudeRef, b'S'),
        coord(exif::Tag::GPSLongitude, exif::Tag::GPSLongitudeRef, b'W'),
    ) {
        (Some(lat), Some(lng))
            if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng) && (lat, lng) != (0.0, 0.0) =>
        {
            Some((lat, lng))
        }
        _ => None,
    };
    (taken, position)
}

/// "+08:00" → 480.
fn parse_offset(s: &[u8]) -> Option<i32> {
    let s = std::str::from_utf8(s).ok()?;
    let sign = match s.chars().next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    let (h, m) = s[1..].split_once(':')?;
    Some(sign * (h.parse::<i32>().ok()? * 60 + m.parse::<i32>().ok()?))
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    fn picture(seed: u8, w: u32, h: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
            Rgb([
                ((x * 7 + u32::from(seed) * 31) % 256) as u8,
                ((y * 5 + x / 3) % 256) as u8,
                ((x ^ y) % 256) as u8 ^ seed,
            ])
        }))
    }

    fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_jpeg_is_processed_into_a_thumbnail_and_a_display_copy() {
        let bytes = encode(&picture(1, 800, 600), ImageFormat::Jpeg);
        let p = process(&bytes, 40_000_000).unwrap();
        assert_eq!((p.content_type, p.width, p.height), ("image/jpeg", 800, 600));
        let thumb = image::load_from_memory(&p.thumbnail).unwrap();
        assert_eq!(thumb.width().max(thumb.height()), THUMBNAIL_PX);
        assert!(p.exif_taken_at.is_none() && p.exif_position.is_none());
    }

    #[test]
    fn a_re_encoded_copy_is_near_and_another_picture_far_in_hash_distance() {
        let a = process(&encode(&picture(1, 640, 480), ImageFormat::Png), 40_000_000).unwrap();
        let a_again = process(&encode(&picture(1, 640, 480), ImageFormat::Jpeg), 40_000_000).unwrap();
        let b = process(&encode(&picture(90, 640, 480).rotate90(), ImageFormat::Png), 40_000_000).unwrap();
        assert!(phash_distance(a.phash, a_again.phash) <= 6, "{}", phash_distance(a.phash, a_again.phash));
        assert!(phash_distance(a.phash, b.phash) > 6, "{}", phash_distance(a.phash, b.phash));
    }

    #[test]
    fn a_picture_is_shrunk_to_fit_its_proportions_kept_and_a_small_one_is_not_enlarged() {
        let full = picture(3, 1600, 1200);
        let small = shrink(&full, THUMBNAIL_PX);
        assert_eq!((small.width(), small.height()), (320, 240));
        let tall = shrink(&full.rotate90(), THUMBNAIL_PX);
        assert_eq!((tall.width(), tall.height()), (240, 320));
        let strip = shrink(&picture(3, 4000, 10), THUMBNAIL_PX);
        assert_eq!((strip.width(), strip.height()), (320, 1), "never shrunk to nothing");
        let tiny = shrink(&picture(3, 300, 200), THUMBNAIL_PX);
        assert_eq!((tiny.width(), tiny.height()), (300, 200), "a photo under the thumbnail's size is not enlarged");
        let grey = shrink(&DynamicImage::ImageLuma8(full.to_luma8()), THUMBNAIL_PX);
        assert_eq!((grey.width(), grey.height(), grey.color()), (320, 240, image::ColorType::L8));
        // Shrinking averages: a picture of one colour stays that colour.
        let flat = shrink(&DynamicImage::ImageRgb8(RgbImage::from_pixel(1000, 800, Rgb([200, 40, 90]))), 100);
        assert!(flat.to_rgb8().pixels().all(|p| p.0.iter().zip([200u8, 40, 90]).all(|(a, b)| a.abs_diff(b) <= 1)));
    }

    #[test]
    fn a_photo_kept_as_it_came_is_decoded_at_the_smallest_scale_still_as_large_as_its_thumbnail() {
        let full = picture(3, 1600, 1200);
        let small = jpeg_reduced(&encode(&full, ImageFormat::Jpeg), THUMBNAIL_PX).unwrap();
        assert_eq!((small.width(), small.height()), (400, 300), "1/4: 1/8 would be under 320 a side");
        let tall = jpeg_reduced(&encode(&full.rotate90(), ImageFormat::Jpeg), THUMBNAIL_PX).unwrap();
        assert_eq!((tall.width(), tall.height()), (300, 400));
        let tiny = jpeg_reduced(&encode(&picture(3, 300, 200), ImageFormat::Jpeg), THUMBNAIL_PX).unwrap();
        assert_eq!((tiny.width(), tiny.height()), (300, 200), "a photo under the thumbnail's size is not reduced");
    }

    #[test]
    fn a_photo_kept_as_it_came_hashes_as_its_re_encoded_copy_and_has_its_thumbnail() {
        // The same photo is still the same photo to the reused-photo check, whichever way it was
        // decoded (a scene, not `picture`'s pixel-level pattern, which no two filters shrink alike).
        let scene = DynamicImage::ImageRgb8(RgbImage::from_fn(1600, 1200, |x, y| {
            let (fx, fy) = (f64::from(x), f64::from(y));
            let hill = if fy > 700.0 + (fx / 150.0).sin() * 120.0 { 60 } else { 170 };
            let sun = if (fx - 1200.0).hypot(fy - 300.0) < 140.0 { 80 } else { 0 };
            Rgb([(hill + sun).min(255) as u8, (fx / 8.0) as u8, (fy / 6.0).min(255.0) as u8])
        }));
        let kept = process(&encode(&scene, ImageFormat::Jpeg), 40_000_000).unwrap();
        let decoded_fully = process(&encode(&scene, ImageFormat::Png), 40_000_000).unwrap();
        let d = phash_distance(kept.phash, decoded_fully.phash);
        assert!(d <= 2, "{d}");
        let thumb = image::load_from_memory(&kept.thumbnail).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (THUMBNAIL_PX, 240));
    }

    #[test]
    fn a_pixel_bomb_is_refused_before_decoding() {
        let bytes = encode(&picture(1, 400, 300), ImageFormat::Png);
        assert_eq!(process(&bytes, 100_000).unwrap_err(), PhotoError::TooManyPixels);
    }

    #[test]
    fn things_that_are_not_photos_are_refused() {
        assert_eq!(process(b"<?php system($_GET['c']); ?>", 1_000_000).unwrap_err(), PhotoError::NotAnImage);
        assert_eq!(
            process(b"<svg xmlns='http://www.w3.org/2000/svg'/>", 1_000_000).unwrap_err(),
            PhotoError::NotAnImage
        );
        let mut heic = vec![0, 0, 0, 24];
        heic.extend_from_slice(b"ftypheic0000");
        assert_eq!(process(&heic, 1_000_000).unwrap_err(), PhotoError::Heic);
        let bytes = encode(&picture(1, 400, 300), ImageFormat::Jpeg);
        assert_eq!(process(&bytes[..bytes.len() / 3], 1_000_000).unwrap_err(), PhotoError::Damaged);
    }

    /// A phone's JPEG: EXIF with GPS (and an orientation, if given), an XMP packet, a comment, and a
    /// second picture after the first's end with EXIF of its own, as "multi-picture" files carry.
    fn phone_jpeg(img: &DynamicImage, orientation: Option<u16>) -> Vec<u8> {
        use exif::{Field, In, Rational, Tag, Value};
        let field = |tag, value| Field { tag, ifd_num: In::PRIMARY, value };
        let degrees = |d: u32, m: u32, s_hundredths: u32| {
            Value::Rational(vec![
                Rational { num: d, denom: 1 },
                Rational { num: m, denom: 1 },
                Rational { num: s_hundredths, denom: 100 },
            ])
        };
        let mut fields = vec![
            field(Tag::GPSLatitudeRef, Value::Ascii(vec![b"N".to_vec()])),
            field(Tag::GPSLatitude, degrees(29, 17, 2400)),
            field(Tag::GPSLongitudeRef, Value::Ascii(vec![b"E".to_vec()])),
            field(Tag::GPSLongitude, degrees(106, 15, 0)),
        ];
        if let Some(o) = orientation {
            fields.push(field(Tag::Orientation, Value::Short(vec![o])));
        }
        let mut writer = exif::experimental::Writer::new();
        fields.iter().for_each(|f| writer.push_field(f));
        let mut tiff = Cursor::new(Vec::new());
        writer.write(&mut tiff, false).unwrap();
        let segment = |marker: u8, body: &[u8]| {
            let mut s = vec![0xFF, marker];
            s.extend_from_slice(&u16::try_from(body.len() + 2).unwrap().to_be_bytes());
            s.extend_from_slice(body);
            s
        };
        let plain = encode(img, ImageFormat::Jpeg);
        let mut out = plain[..2].to_vec();
        out.extend(segment(0xE1, &[b"Exif\0\0".as_slice(), &tiff.into_inner()].concat()));
        out.extend(segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>secret-xmp</x:xmpmeta>"));
        out.extend(segment(0xFE, b"secret-comment"));
        out.extend_from_slice(&plain[2..]);
        let second = encode(&picture(9, 64, 48), ImageFormat::Jpeg);
        out.extend_from_slice(&second[..2]);
        out.extend(segment(0xE1, b"Exif\0\0secret-second-exif"));
        out.extend_from_slice(&second[2..]);
        out
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_phone_jpeg_keeps_its_picture_bit_for_bit_and_loses_every_metadata_segment() {
        let img = picture(3, 800, 600);
        let bytes = phone_jpeg(&img, None);
        let p = process(&bytes, 40_000_000).unwrap();
        assert_eq!(p.exif_position.map(|(lat, _)| (lat * 100.0).round()), Some(2929.0));
        for secret in [b"Exif".as_slice(), b"secret-xmp", b"secret-comment", b"secret-second-exif"] {
            assert!(!contains(&p.display, secret), "{:?} survived", String::from_utf8_lossy(secret));
        }
        // Not re-encoded: the same compressed picture, so the same pixels as the original decodes to.
        let original = image::load_from_memory(&bytes).unwrap().to_rgb8();
        let display = image::load_from_memory(&p.display).unwrap().to_rgb8();
        assert_eq!(original, display);
        assert!(p.display.len() < bytes.len());
        assert_eq!(&p.display[p.display.len() - 2..], &[0xFF, 0xD9]);
    }

    #[test]
    fn a_turned_phone_jpeg_keeps_only_its_orientation() {
        let bytes = phone_jpeg(&picture(4, 640, 480), Some(6));
        let p = process(&bytes, 40_000_000).unwrap();
        let exif = exif::Reader::new().read_from_container(&mut Cursor::new(&p.display)).unwrap();
        let tags: Vec<exif::Tag> = exif.fields().map(|f| f.tag).collect();
        assert_eq!(tags, vec![exif::Tag::Orientation]);
        assert_eq!(exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY).unwrap().value.get_uint(0), Some(6));
        // A viewer turns it as the original would be turned.
        let mut decoder =
            ImageReader::new(Cursor::new(&p.display)).with_guessed_format().unwrap().into_decoder().unwrap();
        assert_eq!(decoder.orientation().unwrap(), Orientation::Rotate90);
    }

    #[test]
    fn a_jpeg_larger_than_the_display_size_is_shrunk_and_re_encoded_without_exif() {
        let bytes = phone_jpeg(&picture(5, DISPLAY_PX + 400, 900), None);
        let p = process(&bytes, 40_000_000).unwrap();
        let display = image::load_from_memory(&p.display).unwrap();
        assert_eq!(display.width(), DISPLAY_PX);
        assert!(!contains(&p.display, b"Exif") && !contains(&p.display, b"secret"));
    }

    #[test]
    fn exif_offsets_parse() {
        assert_eq!(parse_offset(b"+08:00"), Some(480));
        assert_eq!(parse_offset(b"-05:30"), Some(-330));
        assert_eq!(parse_offset(b"08:00"), None);
    }
}
