//! Problems and the rectification ledger (SPEC §5): every source, assignment with class and
//! deadline, progress, completion, verification, hand-over to the Discipline Commission.

mod create;
mod json;
mod lifecycle;
mod list;
mod proposal;

pub use json::*;
pub use list::{LedgerNames, label, views};

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list::list_problems)
        .service(create::create_problem)
        .service(list::export_problems)
        .service(list::list_discipline_queue)
        .service(list::get_problem)
        .service(list::list_problem_events)
        .service(lifecycle::assign_problem)
        .service(lifecycle::report_problem_progress)
        .service(lifecycle::claim_problem_completion)
        .service(lifecycle::verify_problem)
        .service(lifecycle::hand_over_problem)
        .service(lifecycle::decide_problem)
        .service(proposal::answer_meeting_proposal)
        .service(lifecycle::reopen_problem);
}

/// Records a problem found in the work (a call's answers, a reviewed contradiction, a form) and
/// writes `problem.create` to the audit trail, in the caller's transaction.
pub(crate) async fn record_found<C: sea_orm::ConnectionTrait>(
    txn: &C,
    user: &crate::auth::AuthUser,
    p: crate::store::problems::NewProblem,
    detail: serde_json::Value,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<crate::store::entity::problem::Model, sea_orm::DbErr> {
    let town = p.town_id;
    let saved = crate::store::problems::insert(txn, p, now).await?;
    crate::store::audit::record(
        txn,
        Some(user),
        crate::store::audit::Event {
            town_id: Some(town),
            action: "problem.create",
            object_type: "problem",
            object_id: Some(saved.id),
            detail,
        },
        now,
    )
    .await?;
    Ok(saved)
}
