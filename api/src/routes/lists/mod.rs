//! The village information officer's feedback lists (SPEC §9): drafted from the recorded problems,
//! edited (remarks), submitted to the RRO; submission time against the 25th is kept, and late or
//! missing lists are listable. Both lists export to xlsx.

mod comment;
mod json;
mod routes;

pub use json::*;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(routes::list_feedback_lists)
        .service(routes::get_feedback_list)
        .service(routes::update_feedback_list)
        .service(routes::submit_feedback_list)
        .service(comment::comment_on_feedback_list)
        .service(routes::export_feedback_list);
}
