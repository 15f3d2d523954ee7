//! `POST /problems/{id}/proposals/{proposal_id}`: the town office answers a village meeting's
//! proposal on a problem. The village proposes (its meeting may not assign the town's problems);
//! accepting applies the proposed measure, person and deadline as a decision of the office, with the
//! version check; declining keeps the problem as it is and tells the village why. Answered once.

use actix_web::{post, web};
use chrono::NaiveDate;
use domain::calendar::local_date;
use domain::meetings::{Proposal, ProposalAnswer, may_answer};
use domain::org::Act;
use domain::problem::State as ProblemState;
use domain::reminders::{Kind, Reminder};
use sea_orm::TransactionTrait;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;
use validator::Validate;

use super::json::ProblemView;
use super::lifecycle::relations;
use super::list::views;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, FieldError, validate};
use crate::routes::common::{Json, Problem};
use crate::state::State;
use crate::store::{audit, notifications, problems};

/// Accept or decline.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Accept,
    Decline,
}

#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
pub struct AnswerProposal {
    pub answer: Answer,
    /// Why it is declined (required then), or a note on accepting.
    #[validate(length(max = 1000))]
    #[schema(max_length = 1000)]
    #[serde(default)]
    pub reason: String,
}

/// What a `meeting_proposal` event proposed.
#[derive(Debug, Default, Deserialize)]
struct Proposed {
    meeting_id: Option<Uuid>,
    measure: Option<String>,
    responsible_user_id: Option<Uuid>,
    deadline: Option<NaiveDate>,
}

const ACCEPTED: &str = "meeting_proposal_accepted";
const DECLINED: &str = "meeting_proposal_declined";

/// Accepts or declines a village meeting's proposal on a problem (the proposal is the problem's
/// `meeting_proposal` event). Accepting changes the problem as proposed; declining needs a reason.
/// The meeting's recorder is told either way.
#[utoipa::path(tag = "problems", operation_id = "answer_meeting_proposal", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("proposal_id" = Uuid, Path, description = "The `meeting_proposal` event")),
    request_body = AnswerProposal,
    responses((status = 200, body = ProblemView), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 404, response = Problem), (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/problems/{id}/proposals/{proposal_id}")]
pub async fn answer_meeting_proposal(
    state: State,
    user: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<AnswerProposal>,
) -> ApiResult<web::Json<ProblemView>> {
    validate(&*body)?;
    let (id, proposal_id) = path.into_inner();
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let p = problems::find_scoped(&txn, &user.access, id).await?.ok_or_else(ApiError::not_found)?;
    user.authorize(Act::AnswerProposal, &relations(&txn, &user, &p).await?)?;
    let events = problems::events(&txn, p.id).await?;
    let proposal = events
        .iter()
        .find(|e| e.id == proposal_id && e.action == "meeting_proposal")
        .ok_or_else(ApiError::not_found)?;
    let proposed: Proposed = serde_json::from_str(&proposal.data)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("proposal {proposal_id} is unreadable: {e}")))?;
    let answered = events.iter().any(|e| {
        matches!(e.action.as_str(), ACCEPTED | DECLINED)
            && serde_json::from_str::<Value>(&e.data)
                .is_ok_and(|d| d["proposal_id"].as_str() == Some(proposal_id.to_string().as_str()))
    });
    let answer = match body.answer {
        Answer::Accept => ProposalAnswer::Accept,
        Answer::Decline => ProposalAnswer::Decline,
    };
    let facts = Proposal {
        answered,
        problem_active: ProblemState::parse(&p.status).is_some_and(ProblemState::is_active),
        assigned: ProblemState::parse(&p.status).is_some_and(|s| s != ProblemState::Open),
        deadline: proposed.deadline,
    };
    may_answer(facts, answer, &body.reason, local_date(now)).map_err(|r| match r {
        domain::meetings::ProposalRefusal::AlreadyAnswered
        | domain::meetings::ProposalRefusal::NotActive
        | domain::meetings::ProposalRefusal::NotAssigned => ApiError::conflict(r.code(), r.message_zh(), r.code()),
        domain::meetings::ProposalRefusal::DeadlinePast => {
            ApiError::Validation(vec![FieldError::new("answer", r.code(), r.message_zh())])
        }
        domain::meetings::ProposalRefusal::ReasonRequired => {
            ApiError::Validation(vec![FieldError::new("reason", r.code(), r.message_zh())])
        }
    })?;
    let action = match answer {
        ProposalAnswer::Accept => ACCEPTED,
        ProposalAnswer::Decline => DECLINED,
    };
    let data = json!({ "proposal_id": proposal_id, "meeting_id": proposed.meeting_id, "measure": proposed.measure,
        "responsible_user_id": proposed.responsible_user_id, "deadline": proposed.deadline,
        "previous_deadline": p.deadline });
    let saved = match answer {
        ProposalAnswer::Accept => {
            let decided = problems::Decided {
                measure: proposed.measure.as_deref(),
                responsible: proposed.responsible_user_id,
                deadline: proposed.deadline,
            };
            problems::apply_decided(&txn, &p, decided, now).await?.ok_or_else(|| {
                ApiError::conflict(
                    "version_conflict",
                    "该问题已被他人更新，请刷新后重试",
                    "the problem changed meanwhile",
                )
            })?
        }
        ProposalAnswer::Decline => p.clone(),
    };
    let reason = body.reason.trim();
    problems::record_event(
        &txn,
        problems::NewEvent {
            problem_id: p.id,
            action,
            actor_id: Some(user.id),
            note: reason,
            photo_ids: &[],
            data: data.clone(),
        },
        now,
    )
    .await?;
    audit::record(
        &txn,
        Some(&user),
        audit::Event {
            town_id: Some(p.town_id),
            action: &format!("problem.{action}"),
            object_type: "problem",
            object_id: Some(p.id),
            detail: data,
        },
        now,
    )
    .await?;
    if let Some(recorder) = proposal.actor_id {
        let (title, verdict) = match answer {
            ProposalAnswer::Accept => ("村级会议提议已采纳", "已采纳，按提议调整".to_owned()),
            ProposalAnswer::Decline => ("村级会议提议未采纳", format!("未采纳，理由：{reason}")),
        };
        let reminder = Reminder {
            user: recorder,
            kind: Kind::MeetingProposal,
            key: format!("meeting_proposal_answered:{proposal_id}"),
            title: title.into(),
            body: format!("关于“{}”的提议{verdict}。", p.description.chars().take(40).collect::<String>()),
        };
        notifications::deliver(&txn, &reminder, now).await?;
    }
    txn.commit().await?;
    Ok(web::Json(views(&state, vec![saved]).await?.remove(0)))
}
