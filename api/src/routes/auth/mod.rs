//! Sign-in routes: password, WeChat, refresh, logout, and who am I.

mod json;
mod login;
mod me;
mod session;
mod wechat;

pub use json::*;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login::login)
        .service(login::refresh)
        .service(login::logout)
        .service(wechat::wechat_login)
        .service(wechat::wechat_bind)
        .service(me::get_me);
}
