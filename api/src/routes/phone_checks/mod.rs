//! Phone spot-checks (SPEC §8.1): questionnaires, monthly call lists, a call taker's queue, call
//! attempts with their answers, contradictions with the records, and the figures.

mod calls;
pub mod figures;
mod questionnaires;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::phone_check as pc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::error::{ApiError, FieldError};
use crate::store::entity::{call_attempt, call_case, call_flag, questionnaire_version};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(questionnaires::create_questionnaire)
        .service(questionnaires::list_questionnaires)
        .service(questionnaires::get_questionnaire)
        .service(questionnaires::save_questionnaire_draft)
        .service(questionnaires::publish_questionnaire)
        .service(calls::create_call_list)
        .service(calls::list_call_lists)
        .service(calls::get_call_list)
        .service(calls::get_call_queue)
        .service(calls::hold_call_case)
        .service(calls::record_call_attempt)
        .service(figures::list_call_flags)
        .service(figures::review_call_flag)
        .service(figures::get_phone_check_figures)
        .service(figures::export_phone_check_figures);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    SingleChoice,
    MultipleChoice,
    YesNo,
    Scale,
    Number,
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionCheck {
    /// "Did a cadre visit you this month?" (yes/no): "no" while a visit is recorded is flagged.
    CadreVisitedThisMonth,
    /// "Which policies do you enjoy?" (multiple choice): a policy the household's tags entitle it to,
    /// not chosen, is flagged.
    PoliciesByTag,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChoiceJson {
    pub value: String,
    pub label: String,
    /// Household tags entitled to this policy (e.g. `subsistence`), for `policies_by_tag`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entitled_tags: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ShowIfJson {
    /// An earlier question's id.
    pub question: String,
    /// Its answers that show this question (`yes`/`no`, option values, scale points).
    pub any_of: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RaiseJson {
    pub any_of: Vec<String>,
    /// The problem's category (`drinking_water`, `housing`, `policy_not_enjoyed`…).
    pub category: String,
}

/// A question. Answers are matched as tokens: `yes`/`no`, option values, scale points ("4").
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QuestionJson {
    /// 1–32 letters, digits, `_` or `-`; unique in the questionnaire.
    #[schema(pattern = "^[A-Za-z0-9_-]{1,32}$")]
    pub id: String,
    /// 1–500 characters, not only spaces.
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub text: String,
    pub kind: QuestionKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ChoiceJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<ShowIfJson>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub satisfied: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unsatisfied: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raises: Option<RaiseJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<QuestionCheck>,
}

/// Turns the request's questions into the domain's, then checks the questionnaire; every problem is
/// reported at its path.
pub fn to_domain(questions: &[QuestionJson]) -> Result<Vec<pc::Question>, ApiError> {
    let mut errors = vec![];
    for (i, q) in questions.iter().enumerate() {
        if let Some(r) = &q.raises
            && domain::problem::Category::parse(&r.category).is_none()
        {
            errors.push(FieldError::new(format!("questions[{i}].raises.category"), "invalid", "问题类型不正确"));
        }
        for (j, o) in q.options.iter().enumerate() {
            for (k, t) in o.entitled_tags.iter().enumerate() {
                if !domain::Tag::ALL.iter().any(|x| x.as_str() == t) {
                    errors.push(FieldError::new(
                        format!("questions[{i}].options[{j}].entitled_tags[{k}]"),
                        "invalid",
                        "户类型不正确",
                    ));
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let domain: Vec<pc::Question> = serde_json::to_value(questions)
        .and_then(serde_json::from_value)
        .map_err(|e| ApiError::bad_request("invalid_json", "问卷格式不正确", e.to_string()))?;
    let issues = pc::validate_template(&domain);
    if !issues.is_empty() {
        return Err(ApiError::Validation(
            issues.into_iter().map(|i| FieldError::new(i.path, i.code, &i.message)).collect(),
        ));
    }
    Ok(domain)
}

pub fn questions_of(v: &questionnaire_version::Model) -> Vec<pc::Question> {
    serde_json::from_str(&v.questions).unwrap_or_default()
}

fn questions_json(v: &questionnaire_version::Model) -> Vec<QuestionJson> {
    serde_json::from_str(&v.questions).unwrap_or_default()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    pub id: Uuid,
    pub version: i32,
    /// `draft` (editable) or `published` (never edited; calls keep the version they used).
    pub status: String,
    pub published_at: Option<DateTime<Utc>>,
    pub questions: Vec<QuestionJson>,
}

impl From<&questionnaire_version::Model> for VersionView {
    fn from(v: &questionnaire_version::Model) -> Self {
        Self {
            id: v.id,
            version: v.version,
            status: v.status.clone(),
            published_at: v.published_at,
            questions: questions_json(v),
        }
    }
}

/// An answer: `true`/`false` (yes/no), a number (scale, number), a string (single choice value or
/// text), or a list of option values (multiple choice).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum AnswerJson {
    Bool(bool),
    Number(f64),
    Text(String),
    Many(Vec<String>),
}

impl From<&AnswerJson> for pc::Answer {
    fn from(a: &AnswerJson) -> Self {
        match a {
            AnswerJson::Bool(b) => pc::Answer::Bool(*b),
            AnswerJson::Number(n) => pc::Answer::Number(*n),
            AnswerJson::Text(t) => pc::Answer::Text(t.clone()),
            AnswerJson::Many(v) => pc::Answer::Many(v.clone()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeJson {
    /// Answered and completed (AAPOR 1.1).
    Completed,
    /// Answered, partially completed (1.2).
    Partial,
    /// No answer (3.13).
    NoAnswer,
    /// Busy (3.12).
    Busy,
    /// Refused (2.11).
    Refused,
    /// Wrong or empty number (4.31).
    WrongNumber,
    /// Asked to call back at a time (2.21).
    Callback,
}

impl From<OutcomeJson> for pc::Outcome {
    fn from(o: OutcomeJson) -> Self {
        match o {
            OutcomeJson::Completed => pc::Outcome::Completed,
            OutcomeJson::Partial => pc::Outcome::Partial,
            OutcomeJson::NoAnswer => pc::Outcome::NoAnswer,
            OutcomeJson::Busy => pc::Outcome::Busy,
            OutcomeJson::Refused => pc::Outcome::Refused,
            OutcomeJson::WrongNumber => pc::Outcome::WrongNumber,
            OutcomeJson::Callback => pc::Outcome::Callback,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub id: Uuid,
    pub list_id: Uuid,
    pub village_id: Uuid,
    pub household_id: Uuid,
    pub head_name: String,
    /// Masked; the holder of the case sees the full number (audited).
    pub phones: Vec<String>,
    pub assignee_id: Option<Uuid>,
    /// `open`, `closed`, or `no_phone` (no usable number: reported, never dialled).
    pub status: String,
    pub last_outcome: Option<String>,
    /// AAPOR disposition of the last outcome (3.11 when never attempted).
    pub disposition: String,
    pub attempts: i32,
    /// When it may be called next.
    pub due_at: Option<DateTime<Utc>>,
    /// A callback was agreed for `due_at`.
    pub callback: bool,
    pub held_by: Option<Uuid>,
    pub held_until: Option<DateTime<Utc>>,
    pub satisfied: Option<bool>,
    pub problems: i32,
}

impl CaseView {
    pub fn new(c: &call_case::Model, head_name: String, phones: Vec<String>) -> Self {
        let disposition = c
            .last_outcome
            .as_deref()
            .and_then(pc::Outcome::parse)
            .map_or(pc::NOT_ATTEMPTED, |o| o.aapor().0)
            .to_owned();
        Self {
            id: c.id,
            list_id: c.list_id,
            village_id: c.village_id,
            household_id: c.household_id,
            head_name,
            phones,
            assignee_id: c.assignee_id,
            status: c.status.clone(),
            last_outcome: c.last_outcome.clone(),
            disposition,
            attempts: c.attempts,
            due_at: c.due_at,
            callback: c.callback,
            held_by: c.held_by,
            held_until: c.held_until,
            satisfied: c.satisfied,
            problems: c.problems,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CallFlag)]
pub struct FlagView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub attempt_id: Uuid,
    pub village_id: Uuid,
    pub household_id: Uuid,
    /// `visit_denied` or `policy_unknown`.
    pub kind: String,
    pub question: String,
    pub message: String,
    /// `open`, `dismissed`, or `raised`.
    pub status: String,
    pub problem_id: Option<Uuid>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

impl From<&call_flag::Model> for FlagView {
    fn from(f: &call_flag::Model) -> Self {
        Self {
            id: f.id,
            case_id: f.case_id,
            attempt_id: f.attempt_id,
            village_id: f.village_id,
            household_id: f.household_id,
            kind: f.kind.clone(),
            question: f.question.clone(),
            message: f.message.clone(),
            status: f.status.clone(),
            problem_id: f.problem_id,
            reviewed_at: f.reviewed_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub caller_id: Uuid,
    pub called_at: DateTime<Utc>,
    pub outcome: String,
    /// AAPOR disposition code.
    pub aapor_code: String,
    pub callback_at: Option<DateTime<Utc>>,
    /// The questionnaire version the answers were taken with.
    pub version_id: Option<Uuid>,
    pub answers: Option<BTreeMap<String, AnswerJson>>,
    pub note: String,
}

impl From<&call_attempt::Model> for AttemptView {
    fn from(a: &call_attempt::Model) -> Self {
        Self {
            id: a.id,
            case_id: a.case_id,
            caller_id: a.caller_id,
            called_at: a.called_at,
            outcome: a.outcome.clone(),
            aapor_code: a.aapor_code.clone(),
            callback_at: a.callback_at,
            version_id: a.version_id,
            answers: a.answers.as_deref().and_then(|s| serde_json::from_str(s).ok()),
            note: a.note.clone(),
        }
    }
}
