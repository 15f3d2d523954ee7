//! HTTP routes, registered together with their OpenAPI operations (`utoipa-actix-web`).

pub mod archives;
pub mod assessments;
pub mod audit;
pub mod auth;
pub mod common;
pub mod cross_checks;
pub mod health;
pub mod households;
pub mod inspections;
pub mod interviews;
pub mod lists;
pub mod meetings;
pub mod notifications;
pub mod org;
pub mod phone_checks;
pub mod photos;
pub mod problems;
pub mod reminders;
pub mod screenings;
pub mod supervisions;
pub mod visits;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every route; the same function builds the served app and the committed contract.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz).service(health::readyz).service(health::metrics).service(
        scope("/api/v1")
            .configure(auth::configure)
            .configure(org::configure)
            .configure(households::configure)
            .configure(photos::configure)
            .configure(visits::configure)
            .configure(problems::configure)
            .configure(cross_checks::configure)
            .configure(lists::configure)
            .configure(screenings::configure)
            .configure(supervisions::configure)
            .configure(phone_checks::configure)
            .configure(inspections::configure)
            .configure(interviews::configure)
            .configure(meetings::configure)
            .configure(archives::configure)
            .configure(assessments::configure)
            .configure(notifications::configure)
            .configure(reminders::configure)
            .configure(audit::configure),
    );
}
