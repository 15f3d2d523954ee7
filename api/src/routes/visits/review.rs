//! `POST /visits/{id}/review`: a reviewer (RRO, work team leader) accepts or rejects a flagged visit.

use crate::routes::common::Json;
use actix_web::{post, web};
use domain::org::Act;
use domain::visit::{Review, ReviewError, review};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, TransactionTrait};
use serde_json::json;

use super::json::{Decision, ReviewRequest, Visit};
use super::view::view;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, validate};
use crate::routes::common::Problem;
use crate::state::State;
use crate::store::entity::visit;
use crate::store::{audit, visits};

/// Accepts or rejects a flagged visit, with a reason. Nobody reviews a visit they took part in.
#[utoipa::path(tag = "visits", operation_id = "review_visit", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = ReviewRequest,
    responses((status = 200, body = Visit), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 404, response = Problem), (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/visits/{id}/review")]
pub async fn review_visit(
    state: State,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<ReviewRequest>,
) -> ApiResult<web::Json<Visit>> {
    user.require(Act::ReviewVisit)?;
    validate(&*body)?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let v = visits::find_scoped(&txn, &user.access, Act::ReviewVisit, *id).await?.ok_or_else(ApiError::not_found)?;
    let visitors = visits::visitors_of(&txn, &[v.id]).await?.remove(&v.id).unwrap_or_default();
    if visitors.contains(&user.id) {
        return Err(ApiError::forbidden("a visitor cannot review their own visit"));
    }
    let current = Review::parse(&v.review).unwrap_or(Review::Pending);
    let next = review(current, body.decision == Decision::Accept).map_err(|e| match e {
        ReviewError::NotFlagged => {
            ApiError::conflict("visit_not_flagged", "该走访没有疑点，无需审核", "the visit has no flag to review")
        }
        ReviewError::AlreadyReviewed => {
            ApiError::conflict("visit_already_reviewed", "该走访已审核", "the visit was already reviewed")
        }
    })?;
    let mut am: visit::ActiveModel = v.into();
    am.review = Set(next.as_str().to_owned());
    am.reviewed_by = Set(Some(user.id));
    am.reviewed_at = Set(Some(now));
    am.review_reason = Set(Some(body.reason.trim().to_owned()));
    let saved = am.update(&txn).await?;
    audit::record(
        &txn,
        Some(&user),
        audit::Event {
            town_id: Some(saved.town_id),
            action: "visit.review",
            object_type: "visit",
            object_id: Some(saved.id),
            detail: json!({ "review": next.as_str(), "reason": body.reason.trim() }),
        },
        now,
    )
    .await?;
    let (town, household) = (saved.town_id, saved.household_id);
    let dto = view(&txn, saved).await?;
    txn.commit().await?;
    state.visits_changed(town, household);
    Ok(web::Json(dto))
}
