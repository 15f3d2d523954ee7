//! Photos (SPEC §4): the proof of a visit. One file per request, as `wx.uploadFile` sends it.

mod get;
mod json;
mod upload;

pub use get::visible_photo;
pub use json::*;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upload::upload_photo)
        .service(get::get_photo)
        .service(get::get_photo_thumbnail)
        .service(get::get_photo_display)
        .service(get::get_photo_original);
}
