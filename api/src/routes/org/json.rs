//! DTOs of the organisation routes.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::routes::auth::RoleGrantView;

#[derive(Debug, Serialize, ToSchema)]
pub struct Town {
    pub id: Uuid,
    pub district_id: Option<Uuid>,
    pub name: String,
    pub code: String,
    /// The day the town started using Changxiao: months and quarters before it owe nothing (no
    /// list or archive late, no cadre barred from "good", no coverage due).
    pub live_from: chrono::NaiveDate,
}

impl From<crate::store::entity::town::Model> for Town {
    fn from(t: crate::store::entity::town::Model) -> Self {
        let live_from = crate::store::org::live_of(&t).0;
        Self { id: t.id, district_id: t.district_id, name: t.name, code: t.code, live_from }
    }
}

/// What the town's administrator may change of the town.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTown {
    /// The go-live day: from the mechanism's start (2022-01-01) to a year from today.
    pub live_from: chrono::NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Village {
    pub id: Uuid,
    pub town_id: Uuid,
    pub name: String,
    /// `village` (村) or `community` (社区).
    pub kind: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Group {
    pub id: Uuid,
    pub village_id: Uuid,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkTeam {
    pub id: Uuid,
    pub town_id: Uuid,
    pub village_id: Uuid,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Department {
    pub id: Uuid,
    pub town_id: Uuid,
    pub name: String,
    /// Files monthly archive materials (the RRO's office and the Discipline Commission do not).
    pub owes_archives: bool,
    /// The screening findings that are its own; empty: not configured, any is taken.
    pub findings: Vec<FindingName>,
}

/// A department's screening finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingName {
    LargeMedicalExpense,
    DangerousHousing,
    Dropout,
    DrinkingWater,
}

impl From<FindingName> for domain::screening::Finding {
    fn from(f: FindingName) -> Self {
        use domain::screening::Finding as F;
        match f {
            FindingName::LargeMedicalExpense => F::LargeMedicalExpense,
            FindingName::DangerousHousing => F::DangerousHousing,
            FindingName::Dropout => F::Dropout,
            FindingName::DrinkingWater => F::DrinkingWater,
        }
    }
}

impl From<domain::screening::Finding> for FindingName {
    fn from(f: domain::screening::Finding) -> Self {
        use domain::screening::Finding as F;
        match f {
            F::LargeMedicalExpense => FindingName::LargeMedicalExpense,
            F::DangerousHousing => FindingName::DangerousHousing,
            F::Dropout => FindingName::Dropout,
            F::DrinkingWater => FindingName::DrinkingWater,
        }
    }
}

impl Department {
    /// The stored department as answered; its findings must read back (a corrupt list is an error).
    pub fn of(d: crate::store::entity::department::Model) -> Result<Self, crate::error::ApiError> {
        let findings = domain::screening::DepartmentDuties::parse_findings(&d.findings).map_err(|bad| {
            crate::error::ApiError::Internal(anyhow::anyhow!("department {} has an unknown finding {bad:?}", d.id))
        })?;
        Ok(Self {
            id: d.id,
            town_id: d.town_id,
            name: d.name,
            owes_archives: d.owes_archives,
            findings: findings.into_iter().map(FindingName::from).collect(),
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TownQuery {
    /// Limit to one town (default: every town the caller belongs to).
    pub town_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GroupQuery {
    pub village_id: Option<Uuid>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum VillageKind {
    Village,
    Community,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateVillage {
    /// Needed only when the caller manages several towns.
    pub town_id: Option<Uuid>,
    #[validate(length(min = 1, max = 50, message = "名称应为1至50个字"))]
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    pub kind: Option<VillageKind>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateGroup {
    pub village_id: Uuid,
    #[validate(length(min = 1, max = 50, message = "名称应为1至50个字"))]
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateWorkTeam {
    pub village_id: Uuid,
    #[validate(length(min = 1, max = 50, message = "名称应为1至50个字"))]
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateDepartment {
    pub town_id: Option<Uuid>,
    #[validate(length(min = 1, max = 50, message = "名称应为1至50个字"))]
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    /// Default: by the notice (true, except for 乡村振兴办 and 镇纪委).
    pub owes_archives: Option<bool>,
    /// Default: by the notice's names (卫健 → large_medical_expense, 规建 → dangerous_housing…).
    #[validate(length(max = 4, message = "最多4种筛查发现"))]
    #[schema(max_items = 4)]
    pub findings: Option<Vec<FindingName>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub town_id: Option<Uuid>,
    pub active: bool,
    pub grants: Vec<RoleGrantView>,
    pub group_ids: Vec<Uuid>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateUser {
    pub town_id: Option<Uuid>,
    /// Letters, digits, `-`, `_` and `.`; stored lower-case.
    #[validate(length(min = 3, max = 64, message = "用户名应为3至64个字符"), custom(function = "check_username"))]
    #[schema(min_length = 3, max_length = 64, pattern = "^[A-Za-z0-9._-]+$")]
    pub username: String,
    #[validate(length(min = 1, max = 50, message = "姓名应为1至50个字"))]
    #[schema(min_length = 1, max_length = 50)]
    pub display_name: String,
    #[validate(length(min = 10, max = 256, message = "密码至少10个字符"))]
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
}

pub fn check_username(u: &str) -> Result<(), validator::ValidationError> {
    if u.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("charset").with_message("用户名只能包含字母、数字、-、_ 和 .".into()))
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateUser {
    #[validate(length(min = 1, max = 50, message = "姓名应为1至50个字"))]
    #[schema(min_length = 1, max_length = 50)]
    pub display_name: Option<String>,
    /// A disabled user cannot sign in; their sessions end at once.
    pub active: Option<bool>,
    /// A new password; the user's sessions end.
    #[validate(length(min = 10, max = 256, message = "密码至少10个字符"))]
    #[schema(min_length = 10, max_length = 256)]
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateGrant {
    /// One of the roles in SPEC §2, e.g. `cadre`.
    #[validate(length(min = 1, max = 40))]
    #[schema(min_length = 1, max_length = 40)]
    pub role: String,
    /// `district`, `town`, `village`, `work_team` or `department`, as the role allows.
    #[validate(length(min = 1, max = 40))]
    #[schema(min_length = 1, max_length = 40)]
    pub scope_kind: String,
    pub scope_id: Uuid,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct SetGroups {
    /// The groups (社) the user is responsible for (包社); replaces the current set.
    #[validate(length(max = 100, message = "最多100个社"))]
    #[schema(max_items = 100)]
    pub group_ids: Vec<Uuid>,
}
