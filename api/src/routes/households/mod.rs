//! Households (SPEC §3): scoped reads and writes, masked personal data, audited reveals, import.

mod create;
mod get;
mod import;
mod json;
mod list;
mod refs;
mod reveal;
mod update;

pub use get::Answered;
pub use json::*;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list::list_households)
        .service(create::create_household)
        .service(import::import_households)
        .service(get::get_household)
        .service(get::list_household_history)
        .service(update::update_household)
        .service(reveal::reveal_household);
}
