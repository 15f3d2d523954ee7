//! Reading photos: metadata, thumbnail and display copy for whoever may see the visit; the
//! original (with its EXIF) only for reviewing roles, and each such access is audited.

use actix_web::{HttpResponse, get, web};
use domain::org::Act;
use sea_orm::prelude::*;
use serde_json::json;
use uuid::Uuid;

use super::json::Photo;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::routes::common::Problem;
use crate::state::State;
use crate::store::entity::{photo, visit};
use crate::store::{audit, photos, visits};

/// A photo the caller may see: their own upload, or one that proves a visit within their scope
/// for `act`.
pub async fn visible_photo(state: &State, user: &AuthUser, id: Uuid, act: Act) -> ApiResult<photo::Model> {
    let p = photos::find(&state.db, id).await?.ok_or_else(ApiError::not_found)?;
    if p.uploaded_by == user.id && act == Act::ReadHousehold {
        return Ok(p);
    }
    let used_by = photos::visits_using(&state.db, p.id).await?;
    if used_by.is_empty() {
        return Err(ApiError::not_found());
    }
    let visible = visit::Entity::find()
        .filter(visit::Column::Id.is_in(used_by))
        .filter(visits::scope(&user.access, act))
        .one(&state.db)
        .await?
        .is_some();
    if visible { Ok(p) } else { Err(ApiError::not_found()) }
}

async fn image(state: &State, key: &str) -> ApiResult<HttpResponse> {
    let bytes = state.storage.get(key).await?;
    Ok(HttpResponse::Ok()
        .content_type("image/jpeg")
        .insert_header(("cache-control", "private, max-age=86400"))
        .body(bytes))
}

/// Metadata of a photo.
#[utoipa::path(tag = "photos", operation_id = "get_photo", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Photo), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[get("/photos/{id}")]
pub async fn get_photo(state: State, user: AuthUser, id: web::Path<Uuid>) -> ApiResult<web::Json<Photo>> {
    Ok(web::Json(visible_photo(&state, &user, *id, Act::ReadHousehold).await?.into()))
}

/// A 320-pixel thumbnail (JPEG, no EXIF).
#[utoipa::path(tag = "photos", operation_id = "get_photo_thumbnail", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "image/jpeg", body = Vec<u8>), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[get("/photos/{id}/thumbnail")]
pub async fn get_photo_thumbnail(state: State, user: AuthUser, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let p = visible_photo(&state, &user, *id, Act::ReadHousehold).await?;
    image(&state, &p.thumbnail_key).await
}

/// A display copy, at most 1600 pixels (JPEG, no EXIF).
#[utoipa::path(tag = "photos", operation_id = "get_photo_display", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "image/jpeg", body = Vec<u8>), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[get("/photos/{id}/display")]
pub async fn get_photo_display(state: State, user: AuthUser, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let p = visible_photo(&state, &user, *id, Act::ReadHousehold).await?;
    image(&state, &p.display_key).await
}

/// The original file as uploaded (it may hold exact GPS): reviewing roles only, audited.
#[utoipa::path(tag = "photos", operation_id = "get_photo_original", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 401, response = Problem),
        (status = 403, response = Problem), (status = 404, response = Problem)))]
#[get("/photos/{id}/original")]
pub async fn get_photo_original(state: State, user: AuthUser, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    user.require(Act::ViewOriginalPhoto)?;
    let p = visible_photo(&state, &user, *id, Act::ViewOriginalPhoto).await?;
    audit::record(
        &state.db,
        Some(&user),
        audit::Event {
            town_id: Some(p.town_id),
            action: "photo.original",
            object_type: "photo",
            object_id: Some(p.id),
            detail: json!({}),
        },
        state.clock.now(),
    )
    .await?;
    let bytes = state.storage.get(&p.original_key).await?;
    Ok(HttpResponse::Ok().content_type(p.content_type).insert_header(("cache-control", "no-store")).body(bytes))
}
