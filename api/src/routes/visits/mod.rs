//! Visits (SPEC §4): submitted from the phone with photo proof, reviewed when flagged, counted for
//! the quarter's coverage.

mod coverage;
mod create;
mod json;
mod list;
mod review;
mod view;

pub use coverage::*;
pub use json::*;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create::create_visit)
        .service(list::list_visits)
        .service(list::list_monthly_visit_counts)
        .service(list::get_visit)
        .service(review::review_visit)
        .service(coverage::get_coverage);
}
