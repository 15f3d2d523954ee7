//! `POST /photos`: the body is streamed to a temporary file (hashed on the way), never held whole;
//! the image work runs on the blocking pool. The same bytes from the same user give the same photo.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, post};
use chrono::{DateTime, Utc};
use domain::geo::{Datum, Position};
use domain::org::Act;
use futures_util::StreamExt;
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;
use serde_json::json;
use uuid::Uuid;

use super::json::{Photo, PhotoUpload};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::media::{self, PhotoError};
use crate::routes::common::{Problem, Spooled, count_upload, spool, unreadable_form};
use crate::state::State;
use crate::store::entity::photo;
use crate::store::{audit, photos};

struct Received {
    file: tempfile::NamedTempFile,
    sha256: String,
    size: u64,
    fields: Vec<(String, String)>,
}

/// The parts of the upload form (`PhotoUpload`) the server reads; `accuracy` is what
/// `wx.getLocation` calls `accuracy_m`. Other text parts are read (bounded) and ignored: mini-program
/// pages add their own to `wx.uploadFile`'s `formData`.
const PARTS: [&str; 7] = ["file", "taken_at", "latitude", "longitude", "accuracy_m", "accuracy", "datum"];

/// How many parts a form may have in all, so that a form of endless small parts ends.
const MAX_PARTS: usize = 32;

async fn receive(mut payload: Multipart, state: &State) -> ApiResult<Received> {
    // 422, not 400: the form may carry parts of the mini-program's own, and one whose header
    // cannot be read is a part we refuse, not a broken request.
    let bad = |d: String| ApiError::unprocessable("invalid_multipart", "上传内容格式不正确，请重新上传", d);
    let max = state.settings.max_upload_bytes;
    let mut fields = Vec::new();
    let mut received: Option<Spooled> = None;
    let mut parts = 0;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| unreadable_form(&e, parts == 0))?;
        let name = field.name().unwrap_or_default().to_owned();
        parts += 1;
        if parts > MAX_PARTS {
            return Err(ApiError::field("file", "too_many_parts", "上传表单的字段过多"));
        }
        if name == "file" && received.is_some() {
            // `wx.uploadFile` sends one file a request: a second would silently replace the first.
            return Err(ApiError::field("file", "too_many", "一次只能上传一张照片，请逐张上传"));
        }
        if name == "file" {
            received = Some(spool(&mut field, &state.settings.data_dir.join("tmp"), max, "照片").await?);
        } else {
            let mut text = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|e| bad(e.to_string()))?;
                if text.len() + chunk.len() > 256 {
                    return Err(ApiError::field(&name, "length", "字段内容过长"));
                }
                text.extend_from_slice(&chunk);
            }
            if PARTS.contains(&name.as_str()) {
                fields.push((name, String::from_utf8_lossy(&text).trim().to_owned()));
            }
        }
    }
    let Spooled { file, sha256, size } =
        received.ok_or_else(|| ApiError::field("file", "required", "请选择要上传的照片（字段名 file）"))?;
    Ok(Received { file, sha256, size, fields })
}

/// The capture metadata the mini-program sent, checked field by field.
struct Captured {
    position: Option<Position>,
    accuracy_m: Option<f64>,
    taken_at: Option<DateTime<Utc>>,
}

fn captured(fields: &[(String, String)]) -> ApiResult<Captured> {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
    let mut errors = Vec::new();
    let mut num = |k: &str| match get(k).map(str::parse::<f64>) {
        None => None,
        Some(Ok(v)) if v.is_finite() => Some(v),
        Some(_) => {
            errors.push(FieldError::new(k, "invalid", "应为数字"));
            None
        }
    };
    let (lat, lng) = (num("latitude"), num("longitude"));
    let accuracy_m = if get("accuracy_m").is_some() { num("accuracy_m") } else { num("accuracy") };
    let datum = match get("datum") {
        None => Datum::Gcj02,
        Some(d) => Datum::parse(d).unwrap_or_else(|| {
            errors.push(FieldError::new("datum", "invalid", "坐标系应为 gcj02 或 wgs84"));
            Datum::Gcj02
        }),
    };
    let position = match (lat, lng) {
        (Some(lat), Some(lng)) => Position::new(lat, lng, datum).or_else(|| {
            errors.push(FieldError::new("latitude", "range", "经纬度超出范围"));
            None
        }),
        (None, None) => None,
        _ => {
            errors.push(FieldError::new("longitude", "required", "经度和纬度需同时填写"));
            None
        }
    };
    let taken_at = match get("taken_at").map(DateTime::parse_from_rfc3339) {
        None => None,
        Some(Ok(t)) => Some(t.with_timezone(&Utc)),
        Some(Err(_)) => {
            errors.push(FieldError::new("taken_at", "invalid", "拍摄时间格式应为 2026-11-28T10:00:00+08:00"));
            None
        }
    };
    if accuracy_m.is_some_and(|a| a < 0.0) {
        errors.push(FieldError::new("accuracy_m", "range", "精度不能为负数"));
    }
    if errors.is_empty() { Ok(Captured { position, accuracy_m, taken_at }) } else { Err(ApiError::Validation(errors)) }
}

/// Uploads one photo with its capture position and time.
#[utoipa::path(
    tag = "photos",
    operation_id = "create_photo",
    security(("bearer" = [])),
    request_body(content = PhotoUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = Photo, description = "Stored"),
        (status = 200, body = Photo, description = "The same bytes were uploaded before by this user: the same photo"),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 413, response = Problem),
        (status = 429, response = Problem),
        (status = 422, response = Problem),
    )
)]
#[post("/photos")]
pub async fn upload_photo(state: State, user: AuthUser, payload: Multipart) -> ApiResult<HttpResponse> {
    user.require(Act::RecordVisit)?;
    let town_id = user
        .town_id
        .or_else(|| user.access.towns().into_iter().next())
        .ok_or_else(|| ApiError::forbidden("no town"))?;
    let received = receive(payload, &state).await?;
    let cap = captured(&received.fields)?;
    if let Some(existing) = photos::by_uploader_and_hash(&state.db, user.id, &received.sha256).await? {
        return Ok(HttpResponse::Ok().json(Photo::from(existing)));
    }
    // A repeat of a photo already taken (above) is free; a new one counts against the day.
    count_upload(&state, &user, received.size).await?;
    let path = received.file.path().to_owned();
    let max_pixels = state.settings.photos.max_pixels;
    let decoding = state
        .media_permits
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("media permits closed: {e}")))?;
    let (bytes, processed) = actix_web::web::block(move || {
        let bytes = std::fs::read(&path)?;
        let processed = media::process(&bytes, max_pixels);
        Ok::<_, std::io::Error>((bytes, processed))
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("blocking pool: {e}")))?
    .map_err(anyhow::Error::from)?;
    drop(received.file);
    drop(decoding);
    let p = processed.map_err(|e: PhotoError| ApiError::Rejected {
        code: e.code(),
        message: e.message_zh().to_owned(),
        errors: vec![FieldError::new("file", e.code(), e.message_zh())],
    })?;
    let sha = received.sha256;
    let original_key = format!("originals/{sha}");
    if !state.storage.exists(&original_key).await {
        state.storage.put(&original_key, bytes).await?;
    }
    let thumbnail_key = format!("thumbnails/{sha}.jpg");
    let display_key = format!("display/{sha}.jpg");
    state.storage.put(&thumbnail_key, p.thumbnail).await?;
    state.storage.put(&display_key, p.display).await?;
    let now = state.clock.now();
    let model = photo::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(town_id),
        uploaded_by: Set(user.id),
        sha256: Set(sha.clone()),
        phash: Set(p.phash as i64),
        content_type: Set(p.content_type.to_owned()),
        size_bytes: Set(i64::try_from(received.size).unwrap_or(i64::MAX)),
        width: Set(i32::try_from(p.width).unwrap_or(i32::MAX)),
        height: Set(i32::try_from(p.height).unwrap_or(i32::MAX)),
        original_key: Set(original_key),
        thumbnail_key: Set(thumbnail_key),
        display_key: Set(display_key),
        exif_taken_at: Set(p.exif_taken_at),
        exif_latitude: Set(p.exif_position.map(|x| x.0)),
        exif_longitude: Set(p.exif_position.map(|x| x.1)),
        client_taken_at: Set(cap.taken_at),
        client_latitude: Set(cap.position.map(|x| x.lat)),
        client_longitude: Set(cap.position.map(|x| x.lng)),
        client_datum: Set(cap.position.map(|x| x.datum.as_str().to_owned())),
        client_accuracy_m: Set(cap.accuracy_m),
        created_at: Set(now),
    };
    let model = match model.insert(&state.db).await {
        Ok(m) => m,
        // The same upload raced itself: answer with the stored one.
        Err(e) if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => {
            let found = photos::by_uploader_and_hash(&state.db, user.id, &sha).await.ok().flatten();
            return found.map(|m| HttpResponse::Ok().json(Photo::from(m))).ok_or_else(|| ApiError::from(e));
        }
        Err(e) => return Err(e.into()),
    };
    photos::index_bands(&state.db, model.id, model.town_id, model.phash).await?;
    audit::record(
        &state.db,
        Some(&user),
        audit::Event {
            town_id: Some(town_id),
            action: "photo.upload",
            object_type: "photo",
            object_id: Some(model.id),
            detail: json!({ "size_bytes": model.size_bytes }),
        },
        now,
    )
    .await?;
    Ok(HttpResponse::Created().json(Photo::from(model)))
}
