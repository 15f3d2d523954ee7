//! Sign-in routes: password, WeChat, refresh, logout, and who am I.

mod account;
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
        .service(me::get_me)
        .service(account::change_my_password)
        .service(account::list_my_wechat_bindings)
        .service(account::delete_my_wechat_binding);
}
