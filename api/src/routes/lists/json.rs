//! Feedback list DTOs.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::routes::problems::ProblemView;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `routine` (monthly) or `cross_check` (quarterly).
    pub kind: String,
    /// `YYYY-MM` for routine, `YYYY-Qn` for cross_check.
    pub period: String,
}

/// Where a village's list stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListStatus {
    pub village_id: Uuid,
    pub village_name: String,
    pub kind: String,
    pub period: String,
    pub due_on: NaiveDate,
    /// `on_time`, `late`, `pending` (not submitted, not yet due) or `missing` (not submitted, past due).
    pub timeliness: String,
    pub submitted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListItem {
    pub problem: ProblemView,
    pub remark: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackList {
    pub village_id: Uuid,
    pub village_name: String,
    pub kind: String,
    pub period: String,
    pub title: String,
    pub due_on: NaiveDate,
    pub timeliness: String,
    pub remarks: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_by: Option<Uuid>,
    /// While a draft: the period's problems as they stand now; once submitted: as submitted.
    pub items: Vec<ListItem>,
    /// The town office's comments, beside the village's own remarks (never over them).
    pub comments: Vec<ListComment>,
    /// On `GET`: what the caller may do with the list now — `edit` and `submit` (its village's
    /// officer and secretary, until submitted), `comment` (the town office) — from the authority table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_actions: Option<Vec<String>>,
}

/// A comment of the town office on a village's list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListComment {
    pub id: Uuid,
    pub author_id: Uuid,
    pub author_name: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CommentOnList {
    #[validate(length(min = 1, max = 2000, message = "意见应为1至2000字"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub body: String,
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct ItemRemark {
    pub problem_id: Uuid,
    #[validate(length(max = 500, message = "备注最多500字"))]
    #[schema(max_length = 500)]
    pub remark: String,
}

/// Changes only what it names: remarks left out stay as they were, and each named item's remark is
/// set (an empty one clears it) while the others keep theirs.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct UpdateList {
    #[validate(length(max = 2000, message = "说明最多2000字"))]
    #[schema(max_length = 2000)]
    pub remarks: Option<String>,
    #[validate(length(max = 1000), nested)]
    #[schema(max_items = 1000)]
    pub items: Option<Vec<ItemRemark>>,
}
