//! Problem DTOs.

use chrono::{DateTime, NaiveDate, Utc};
use domain::problem::is_overdue;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::store::entity::{problem, problem_event, problem_unit};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Unit {
    /// `village`, `work_team` or `department`.
    pub kind: String,
    pub id: Uuid,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct Milestone {
    pub date: NaiveDate,
    #[validate(length(min = 2, max = 500, message = "节点内容应为2至500字"))]
    #[schema(min_length = 2, max_length = 500)]
    pub description: String,
}

/// The rectification plan (整改思路和方案) a special problem needs.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct Plan {
    #[validate(length(min = 2, max = 2000, message = "整改思路应为2至2000字"))]
    #[schema(min_length = 2, max_length = 2000)]
    pub summary: String,
    #[validate(length(min = 1, max = 20, message = "整改方案需要1至20个节点"), nested)]
    #[schema(min_items = 1, max_items = 20)]
    pub milestones: Vec<Milestone>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemView {
    pub id: Uuid,
    pub village_id: Uuid,
    pub village_name: String,
    pub group_id: Option<Uuid>,
    /// The group's (社) name, when the problem is of a group.
    pub group_name: Option<String>,
    pub household_id: Option<Uuid>,
    /// visit, cross_check, phone_check, dept_screening, supervision, unannounced, interview, meeting.
    pub source: String,
    /// income, education, medical, housing, drinking_water, policy_not_enjoyed, satisfaction,
    /// cadre_work_style, archive, other.
    pub category: String,
    pub description: String,
    /// fixed_on_spot, open, assigned, completion_claimed, closed, decided.
    pub status: String,
    pub found_by: Uuid,
    pub found_at: DateTime<Utc>,
    pub visit_id: Option<Uuid>,
    /// The phone spot-check call whose answers raised it.
    pub call_attempt_id: Option<Uuid>,
    /// The leader's unannounced visit that found it.
    pub unannounced_visit_id: Option<Uuid>,
    pub evidence_photo_ids: Vec<Uuid>,
    /// small, large or special, once assigned.
    pub class: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub overdue: bool,
    pub units: Vec<Unit>,
    pub responsible_user_id: Option<Uuid>,
    pub measure: Option<String>,
    pub plan: Option<Plan>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// When it was handed to the Discipline Commission.
    pub handed_over_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    /// On `GET /problems/{id}`: the steps of its lifecycle the caller may take now (`assign`,
    /// `report_progress`, `claim_completion`, `verify`, `send_back`, `hand_to_discipline`,
    /// `decide`, `reopen`), from its state and the authority table — what a screen offers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_actions: Option<Vec<String>>,
}

impl ProblemView {
    pub fn new(m: problem::Model, units: &[problem_unit::Model], today: NaiveDate) -> Self {
        let state = domain::problem::State::parse(&m.status).unwrap_or(domain::problem::State::Open);
        Self {
            overdue: is_overdue(state, m.deadline, m.claimed_on, today),
            units: units
                .iter()
                .filter(|u| u.problem_id == m.id)
                .map(|u| Unit { kind: u.unit_kind.clone(), id: u.unit_id })
                .collect(),
            id: m.id,
            village_id: m.village_id,
            group_id: m.group_id,
            household_id: m.household_id,
            source: m.source,
            category: m.category,
            description: m.description,
            status: m.status,
            found_by: m.found_by,
            found_at: m.found_at,
            visit_id: m.visit_id,
            evidence_photo_ids: serde_json::from_str(&m.evidence_photo_ids).unwrap_or_default(),
            call_attempt_id: m.call_attempt_id,
            unannounced_visit_id: m.unannounced_visit_id,
            class: m.class,
            deadline: m.deadline,
            responsible_user_id: m.responsible_user_id,
            measure: m.measure,
            plan: m.plan.as_deref().and_then(|p| serde_json::from_str(p).ok()),
            claimed_at: m.claimed_at,
            closed_at: m.closed_at,
            handed_over_at: m.handed_over_at,
            decided_at: m.decided_at,
            decision: m.decision,
            version: m.version,
            created_at: m.created_at,
            allowed_actions: None,
            village_name: String::new(),
            group_name: None,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemEvent {
    pub id: Uuid,
    /// assign, report_progress, claim_completion, verify, send_back, hand_to_discipline, decide, reopen.
    pub action: String,
    pub actor_id: Option<Uuid>,
    pub at: DateTime<Utc>,
    pub note: String,
    pub photo_ids: Vec<Uuid>,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl From<problem_event::Model> for ProblemEvent {
    fn from(e: problem_event::Model) -> Self {
        Self {
            id: e.id,
            action: e.action,
            actor_id: e.actor_id,
            at: e.at,
            note: e.note,
            photo_ids: serde_json::from_str(&e.photo_ids).unwrap_or_default(),
            data: serde_json::from_str(&e.data).unwrap_or_default(),
        }
    }
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProblemFilter {
    pub village_id: Option<Uuid>,
    pub household_id: Option<Uuid>,
    pub visit_id: Option<Uuid>,
    /// A responsible unit (village, work team or department id).
    pub unit_id: Option<Uuid>,
    /// Only the problems the caller answers for ("assigned to me"): named as the responsible person,
    /// or of a unit they belong to.
    pub mine: Option<bool>,
    #[validate(length(max = 40))]
    #[param(max_length = 40)]
    pub source: Option<String>,
    #[validate(length(max = 40))]
    #[param(max_length = 40)]
    pub category: Option<String>,
    #[validate(length(max = 40))]
    #[param(max_length = 40)]
    pub status: Option<String>,
    #[validate(length(max = 20))]
    #[param(max_length = 20)]
    pub class: Option<String>,
    /// Only overdue problems (as of today, local).
    pub overdue: Option<bool>,
    /// Only problems still being rectified. With `quarter` set to last quarter, this is the list
    /// the quarterly Party committee meeting decides on.
    pub active: Option<bool>,
    pub handed_over: Option<bool>,
    /// Found in this month, `YYYY-MM`.
    pub month: Option<String>,
    /// Found in this quarter, `YYYY-Qn`.
    pub quarter: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct CreateProblem {
    /// Made by the client; a repeat with the same id returns the first.
    pub client_id: Uuid,
    /// phone_check, dept_screening, supervision, unannounced, interview or meeting (visits record their own).
    #[validate(length(min = 1, max = 40))]
    #[schema(min_length = 1, max_length = 40)]
    pub source: String,
    /// Give the household, or the village when the problem concerns no single household.
    pub household_id: Option<Uuid>,
    pub village_id: Option<Uuid>,
    #[validate(length(min = 1, max = 40))]
    #[schema(min_length = 1, max_length = 40)]
    pub category: String,
    #[validate(length(min = 2, max = 1000, message = "问题描述应为2至1000字"))]
    #[schema(min_length = 2, max_length = 1000)]
    pub description: String,
    pub found_at: Option<DateTime<Utc>>,
    /// Why a problem found in a month already closed is entered only now (required then).
    #[validate(length(max = 500, message = "原因最多500字"))]
    #[schema(max_length = 500, nullable = false)]
    pub late_reason: Option<String>,
    #[serde(default)]
    #[validate(length(max = 9, message = "最多9张照片"))]
    #[schema(max_items = 9)]
    pub photo_ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct AssignRequest {
    /// `small` (cleared this month), `large` (by `deadline`) or `special` (needs `plan`).
    #[validate(length(min = 1, max = 20))]
    #[schema(min_length = 1, max_length = 20)]
    pub class: String,
    /// One or more responsible units.
    #[validate(length(min = 1, max = 10, message = "请选择1至10个责任单位"))]
    #[schema(min_items = 1, max_items = 10)]
    pub units: Vec<Unit>,
    pub responsible_user_id: Option<Uuid>,
    #[validate(length(min = 2, max = 2000, message = "整改措施应为2至2000字"))]
    #[schema(min_length = 2, max_length = 2000)]
    pub measure: String,
    /// For `large` (required) or `special` (optional: defaults to the last milestone).
    pub deadline: Option<NaiveDate>,
    #[validate(nested)]
    pub plan: Option<Plan>,
    /// The version last seen; refused with 409 if the problem changed since.
    pub version: Option<i32>,
}

/// A claim that the rectification is done: what was done, and the photos after it (at least one).
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct CompletionRequest {
    #[validate(length(min = 2, max = 2000, message = "说明应为2至2000字"))]
    #[schema(min_length = 2, max_length = 2000)]
    pub note: String,
    /// Read as empty when left out, and refused (`required`) like an empty list.
    #[serde(default)]
    #[validate(length(max = 9, message = "最多9张照片"))]
    #[schema(required = true, min_items = 1, max_items = 9)]
    pub photo_ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct NoteRequest {
    #[validate(length(min = 2, max = 2000, message = "说明应为2至2000字"))]
    #[schema(min_length = 2, max_length = 2000)]
    pub note: String,
    #[serde(default)]
    #[validate(length(max = 9, message = "最多9张照片"))]
    #[schema(max_items = 9)]
    pub photo_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Verified: the problem is closed (销号).
    Accept,
    /// Not done: back to the responsible unit.
    SendBack,
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct VerifyRequest {
    pub verdict: Verdict,
    #[validate(length(min = 2, max = 2000, message = "核验意见应为2至2000字"))]
    #[schema(min_length = 2, max_length = 2000)]
    pub note: String,
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct DecideRequest {
    /// The Party committee meeting (quarterly or expanded) that decided it, recorded first.
    pub meeting_id: Uuid,
    /// The quarterly Party committee meeting's decision (议定).
    #[validate(length(min = 2, max = 2000, message = "议定意见应为2至2000字"))]
    #[schema(min_length = 2, max_length = 2000)]
    pub decision: String,
}
