//! `POST /villages/{village_id}/feedback-lists/{kind}/{period}/comments`: the town office writes
//! beside a village's list. The list is the village's own (its officer and secretary write it); the
//! office's view of it is kept apart and shown with it, and the village is told.

use actix_web::{HttpResponse, post, web};
use domain::org::{Act, Role};
use domain::reminders::{Kind, Reminder};
use sea_orm::TransactionTrait;
use serde_json::json;
use uuid::Uuid;

use super::json::{CommentOnList, FeedbackList};
use super::routes::{assemble, parse, village_in_reach};
use crate::auth::AuthUser;
use crate::error::{ApiResult, validate};
use crate::routes::common::{Json, Problem};
use crate::state::State;
use crate::store::{audit, lists, notifications};

/// Comments on a village's list, draft or submitted; the village's officer and secretary are told.
#[utoipa::path(tag = "lists", operation_id = "comment_on_feedback_list", security(("bearer" = [])),
    params(("village_id" = Uuid, Path), ("kind" = String, Path), ("period" = String, Path)), request_body = CommentOnList,
    responses((status = 201, body = FeedbackList), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 404, response = Problem), (status = 422, response = Problem)))]
#[post("/villages/{village_id}/feedback-lists/{kind}/{period}/comments")]
pub async fn comment_on_feedback_list(
    state: State,
    user: AuthUser,
    path: web::Path<(Uuid, String, String)>,
    body: Json<CommentOnList>,
) -> ApiResult<HttpResponse> {
    validate(&*body)?;
    let (village_id, kind, period) = path.into_inner();
    let v = village_in_reach(&state, &user, village_id, Act::CommentOnList).await?;
    user.authorize(Act::CommentOnList, &[])?;
    let (kind, period) = parse(&kind, &period)?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let list = lists::get_or_create(&txn, v.town_id, v.id, kind, &period.label(), now).await?;
    let comment = lists::add_comment(&txn, list.id, user.id, body.body.trim().to_owned(), now).await?;
    audit::record(
        &txn,
        Some(&user),
        audit::Event {
            town_id: Some(v.town_id),
            action: "list.comment",
            object_type: "feedback_list",
            object_id: Some(list.id),
            detail: json!({ "kind": kind.as_str(), "period": period.label(), "comment_id": comment.id }),
        },
        now,
    )
    .await?;
    let title = format!("{}{}", period.label(), kind.title_zh());
    let excerpt: String = comment.body.chars().take(60).collect();
    notifications::tell_roles(&txn, &[(Role::InfoOfficer, &[v.id]), (Role::VillageSecretary, &[v.id])], now, |u| {
        Reminder {
            user: u,
            kind: Kind::ListComment,
            key: format!("list_comment:{}:{u}", comment.id),
            title: "乡村振兴办对清单提出意见".into(),
            body: format!("{}：{excerpt}", title),
        }
    })
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(assemble(&state, &v, kind, period, Some(list)).await?))
}
