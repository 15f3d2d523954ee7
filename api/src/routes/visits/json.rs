//! Visit DTOs: the submission from the phone, the checklist (typed, versioned), and the views.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::routes::households::{Datum, Location};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VisitKindName {
    Routine,
    CrossCheck,
    JointVerification,
    Unannounced,
    AlongTheWay,
}

impl From<VisitKindName> for domain::visit::VisitKind {
    fn from(k: VisitKindName) -> Self {
        use domain::visit::VisitKind as K;
        match k {
            VisitKindName::Routine => K::Routine,
            VisitKindName::CrossCheck => K::CrossCheck,
            VisitKindName::JointVerification => K::JointVerification,
            VisitKindName::Unannounced => K::Unannounced,
            VisitKindName::AlongTheWay => K::AlongTheWay,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeName {
    /// The household was met.
    #[default]
    Visited,
    /// Nobody was home; reach them by phone.
    AbsentAttempted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    Satisfied,
    BasicallySatisfied,
    Unsatisfied,
}

/// The household's situation (SPEC §4), version 1: income, 两不愁三保障, safe water, policies, satisfaction.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct Checklist {
    /// Checklist version; only 1 exists.
    #[serde(default = "one")]
    #[validate(range(min = 1, max = 1, message = "检查表版本只能为1"))]
    #[schema(minimum = 1, maximum = 1)]
    pub version: i32,
    /// Whether income is stable this year.
    pub income_stable: bool,
    /// Per-capita net income this year (元), when known.
    #[validate(range(min = 0.0, max = 1000000.0, message = "人均纯收入应在0至100万元之间"))]
    #[schema(minimum = 0.0, maximum = 1000000.0)]
    pub income_per_capita_yuan: Option<f64>,
    /// 不愁吃.
    pub food_secure: bool,
    /// 不愁穿.
    pub clothing_secure: bool,
    /// 义务教育有保障.
    pub compulsory_education_ok: bool,
    /// 基本医疗有保障.
    pub basic_medical_ok: bool,
    /// 住房安全有保障.
    pub housing_safe: bool,
    /// 饮水安全有保障.
    pub drinking_water_safe: bool,
    /// Policies the household enjoys (e.g. 低保, 医疗救助, 产业奖补).
    #[serde(default)]
    #[validate(length(max = 30, message = "享受政策最多30项"))]
    #[schema(max_items = 30)]
    pub policies_enjoyed: Vec<String>,
    pub satisfaction: Satisfaction,
    #[serde(default)]
    #[validate(length(max = 1000, message = "备注最多1000字"))]
    #[schema(max_length = 1000)]
    pub notes: String,
}

fn one() -> i32 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct VisitLocation {
    #[validate(range(min = -90.0, max = 90.0, message = "纬度应在-90至90之间"))]
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub latitude: f64,
    #[validate(range(min = -180.0, max = 180.0, message = "经度应在-180至180之间"))]
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub longitude: f64,
    pub datum: Datum,
    #[validate(range(min = 0.0, max = 100000.0, message = "精度应为非负数"))]
    #[schema(minimum = 0.0, maximum = 100000.0)]
    pub accuracy_m: Option<f64>,
}

/// A problem found on the visit: fixed on the spot (with a photo), or open for the ledger.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct FoundProblem {
    /// income, education, medical, housing, drinking_water, policy_not_enjoyed, satisfaction,
    /// cadre_work_style, archive, other.
    #[validate(length(min = 1, max = 40))]
    #[schema(min_length = 1, max_length = 40)]
    pub category: String,
    #[validate(length(min = 2, max = 500, message = "问题描述应为2至500字"))]
    #[schema(min_length = 2, max_length = 500)]
    pub description: String,
    #[serde(default)]
    pub fixed_on_spot: bool,
    #[serde(default)]
    #[validate(length(max = 9, message = "每个问题最多9张照片"))]
    #[schema(max_items = 9)]
    pub photo_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct CreateVisit {
    /// Made by the phone when the visit is recorded; a repeat with the same id returns the first.
    pub client_id: Uuid,
    pub household_id: Uuid,
    /// Leave it out and the records set it: the assigned checker's visit to their sample household
    /// is `cross_check`, a department's to a household its screening flagged `joint_verification`,
    /// anything else `routine`. A kind that is sent must rest on those records.
    pub kind: Option<VisitKindName>,
    #[serde(default)]
    pub outcome: OutcomeName,
    /// Why nobody was home (needed when `absent_attempted`).
    #[validate(length(max = 200, message = "原因最多200字"))]
    #[schema(max_length = 200)]
    pub absent_reason: Option<String>,
    /// When the visit happened (RFC 3339 with offset).
    pub visited_at: DateTime<Utc>,
    #[validate(nested)]
    pub location: Option<VisitLocation>,
    /// Others who went along (the caller is always a visitor).
    #[serde(default)]
    #[validate(length(max = 10, message = "同行人员最多10人"))]
    #[schema(max_items = 10)]
    pub visitor_ids: Vec<Uuid>,
    #[serde(default)]
    #[validate(length(max = 9, message = "每次走访最多9张照片"))]
    #[schema(max_items = 9)]
    pub photo_ids: Vec<Uuid>,
    /// Needed when the household was met.
    #[validate(nested)]
    pub checklist: Option<Checklist>,
    #[serde(default)]
    #[validate(length(max = 20, message = "每次走访最多记录20个问题"), nested)]
    #[schema(max_items = 20)]
    pub problems: Vec<FoundProblem>,
    /// Needed when the visit's month is already closed.
    #[validate(length(max = 500, message = "补录原因最多500字"))]
    #[schema(max_length = 500)]
    pub late_reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = VisitFlag)]
pub struct FlagView {
    /// no_photo, photo_time_far, photo_place_far, photo_reused, impossible_travel, late_entry.
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    /// not_needed, pending, accepted or rejected.
    pub status: String,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Visit {
    pub id: Uuid,
    pub client_id: Uuid,
    pub household_id: Uuid,
    /// The household's head, by name.
    pub head_name: String,
    pub village_id: Uuid,
    pub village_name: String,
    pub kind: VisitKindName,
    pub outcome: OutcomeName,
    pub absent_reason: Option<String>,
    pub visited_at: DateTime<Utc>,
    /// `YYYY-MM`, local.
    pub month: String,
    pub location: Option<Location>,
    pub accuracy_m: Option<f64>,
    pub visitor_ids: Vec<Uuid>,
    pub photo_ids: Vec<Uuid>,
    pub checklist: Option<Checklist>,
    pub flags: Vec<FlagView>,
    pub review: ReviewView,
    /// Whether it counts for coverage now.
    pub counts: bool,
    pub problem_ids: Vec<Uuid>,
    pub late_reason: Option<String>,
    pub round_id: Option<Uuid>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisitFilter {
    pub household_id: Option<Uuid>,
    pub village_id: Option<Uuid>,
    /// Visits this user took part in.
    pub visitor_id: Option<Uuid>,
    /// Only the caller's own visits.
    pub mine: Option<bool>,
    #[param(value_type = Option<VisitKindName>)]
    pub kind: Option<String>,
    /// `YYYY-MM`.
    pub month: Option<String>,
    /// Visits a flag held for review (pending, accepted or rejected since); a late entry alone is
    /// marked but not held, so not flagged.
    pub flagged: Option<bool>,
    /// not_needed, pending, accepted, rejected — `pending` is the review queue.
    pub review: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ReviewDecision)]
pub enum Decision {
    Accept,
    Reject,
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct ReviewRequest {
    pub decision: Decision,
    #[validate(length(min = 2, max = 500, message = "请填写审核理由（2至500字）"))]
    #[schema(min_length = 2, max_length = 500)]
    pub reason: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// `YYYY-MM`; default this month.
    pub month: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthlyCount {
    pub user_id: Uuid,
    pub display_name: String,
    /// Visits that count, as the cadre's monthly sheet counts them: met, and not awaiting or
    /// failed review.
    pub visits: u64,
    /// Distinct households those visits reached.
    pub households: u64,
    /// Visits that found the household away (not rejected): the visitor went, nobody was met.
    pub absent_attempts: u64,
}
