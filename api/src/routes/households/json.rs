//! Household DTOs and their conversion into validated domain values, collecting every field error.

use chrono::{DateTime, NaiveDate, Utc};
use domain::household::check_risk;
use domain::{IdNumber, PhoneNumber, RiskStatus, Tag, TagSet};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::error::FieldError;
use crate::routes::common::double_option;
use crate::store::households::Draft;

/// Household tags (SPEC §3).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TagName {
    Alleviated,
    MonitoredUnstable,
    MonitoredEdge,
    MonitoredSudden,
    Subsistence,
    ExtremePoverty,
    Disabled,
    General,
}

/// Risk status of a monitored household.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RiskStatusName {
    AtRisk,
    Eliminated,
}

/// Map datum of a position: WGS-84 (GPS) or GCJ-02 (Chinese maps, `wx.getLocation` default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Datum {
    Wgs84,
    Gcj02,
}

impl Datum {
    pub fn as_str(self) -> &'static str {
        match self {
            Datum::Wgs84 => "wgs84",
            Datum::Gcj02 => "gcj02",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct Location {
    #[validate(range(min = -90.0, max = 90.0, message = "纬度应在-90至90之间"))]
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub latitude: f64,
    #[validate(range(min = -180.0, max = 180.0, message = "经度应在-180至180之间"))]
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub longitude: f64,
    pub datum: Datum,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct CreateHousehold {
    pub village_id: Uuid,
    pub group_id: Option<Uuid>,
    #[validate(length(min = 1, max = 50, message = "户主姓名应为1至50个字"))]
    #[schema(min_length = 1, max_length = 50)]
    pub head_name: String,
    /// 18-digit resident ID number; stored encrypted, shown masked.
    #[schema(example = "11010519491231002X")]
    pub id_number: String,
    /// Mobile or landline numbers; stored encrypted, shown masked.
    #[serde(default)]
    #[validate(length(max = 5, message = "最多填写5个电话"))]
    #[schema(max_items = 5)]
    pub phones: Vec<String>,
    #[serde(default)]
    #[validate(length(max = 200, message = "住址最多200个字"))]
    #[schema(max_length = 200)]
    pub address: String,
    #[validate(nested)]
    pub location: Option<Location>,
    #[validate(range(min = 1, max = 30, message = "家庭人口应为1至30人"))]
    #[schema(minimum = 1, maximum = 30)]
    pub member_count: i32,
    #[schema(value_type = Vec<TagName>, min_items = 1)]
    pub tags: Vec<String>,
    #[schema(value_type = Option<RiskStatusName>)]
    pub risk_status: Option<String>,
    pub risk_eliminated_on: Option<NaiveDate>,
    /// Cadres linked to the household (联户).
    #[serde(default)]
    #[validate(length(max = 10, message = "联户干部最多10人"))]
    #[schema(max_items = 10)]
    pub cadre_ids: Vec<Uuid>,
    #[serde(default)]
    #[validate(length(max = 2000, message = "备注最多2000个字"))]
    #[schema(max_length = 2000)]
    pub notes: String,
}

/// Only the fields present change; `null` clears a nullable field.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, ToSchema)]
pub struct UpdateHousehold {
    /// When given, the update is refused with 409 unless it matches the current version.
    pub version: Option<i32>,
    pub village_id: Option<Uuid>,
    #[serde(default, deserialize_with = "double_option", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub group_id: Option<Option<Uuid>>,
    #[validate(length(min = 1, max = 50, message = "户主姓名应为1至50个字"))]
    #[schema(min_length = 1, max_length = 50)]
    pub head_name: Option<String>,
    pub id_number: Option<String>,
    #[validate(length(max = 5, message = "最多填写5个电话"))]
    #[schema(max_items = 5)]
    pub phones: Option<Vec<String>>,
    #[validate(length(max = 200, message = "住址最多200个字"))]
    #[schema(max_length = 200)]
    pub address: Option<String>,
    #[serde(default, deserialize_with = "double_option", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Location>, nullable)]
    pub location: Option<Option<Location>>,
    #[validate(range(min = 1, max = 30, message = "家庭人口应为1至30人"))]
    #[schema(minimum = 1, maximum = 30)]
    pub member_count: Option<i32>,
    #[schema(value_type = Option<Vec<TagName>>)]
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<RiskStatusName>, nullable)]
    pub risk_status: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub risk_eliminated_on: Option<Option<NaiveDate>>,
    #[validate(length(max = 10, message = "联户干部最多10人"))]
    #[schema(max_items = 10)]
    pub cadre_ids: Option<Vec<Uuid>>,
    #[validate(length(max = 2000, message = "备注最多2000个字"))]
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

/// A household as every response shows it: ID number and phones masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct Household {
    pub id: Uuid,
    pub town_id: Uuid,
    pub village_id: Uuid,
    pub village_name: String,
    pub group_id: Option<Uuid>,
    pub group_name: Option<String>,
    /// When it was last visited (met or found away; a rejected visit is not one).
    pub last_visit_at: Option<DateTime<Utc>>,
    /// Visited this quarter by a visit that counts, inside the m1–m2 window: as `/coverage` has it.
    pub visited_this_quarter: bool,
    pub head_name: String,
    #[schema(example = "110***********002X")]
    pub id_number_masked: String,
    #[schema(example = json!(["138****5678"]))]
    pub phones_masked: Vec<String>,
    pub address: String,
    pub location: Option<Location>,
    pub member_count: i32,
    #[schema(value_type = Vec<TagName>)]
    pub tags: Vec<Tag>,
    /// Whether the household is visited every quarter (any tag but `general`).
    pub is_target: bool,
    #[schema(value_type = Option<RiskStatusName>)]
    pub risk_status: Option<RiskStatus>,
    pub risk_eliminated_on: Option<NaiveDate>,
    pub cadre_ids: Vec<Uuid>,
    pub notes: String,
    /// Increases with every change; send it back on update to avoid overwriting another's edit.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HouseholdFilter {
    pub village_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    #[param(value_type = Option<TagName>)]
    pub tag: Option<String>,
    /// Households linked to this cadre.
    pub cadre_id: Option<Uuid>,
    #[param(value_type = Option<RiskStatusName>)]
    pub risk_status: Option<String>,
    /// Text search in the head's name.
    #[validate(length(max = 50, message = "搜索内容最多50个字"))]
    #[param(max_length = 50)]
    pub q: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct RevealRequest {
    /// Why the full number is needed; kept in the audit trail.
    #[validate(length(min = 2, max = 200, message = "请填写查看原因（2至200字）"))]
    #[schema(min_length = 2, max_length = 200)]
    pub reason: String,
}

/// The full personal data of a household: every reveal is audited.
#[derive(Debug, Serialize, ToSchema)]
pub struct Revealed {
    pub household_id: Uuid,
    pub id_number: String,
    pub phones: Vec<String>,
}

/// One entry of a household's change history; ID numbers and phones appear masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdChange {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    /// `{field: {from, to}}`.
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
}

/// Parsed, checked fields with their errors collected (the same rules serve the API and import).
pub struct Fields<'a> {
    pub prefix: &'a str,
    pub errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    pub fn new(prefix: &'a str) -> Self {
        Self { prefix, errors: vec![] }
    }

    fn err(&mut self, field: &str, code: &str, message: &str) {
        self.errors.push(FieldError::new(format!("{}{field}", self.prefix), code, message));
    }

    pub fn id_number(&mut self, raw: &str, today: NaiveDate) -> Option<IdNumber> {
        IdNumber::parse_as_of(raw, today).map_err(|e| self.err("id_number", "invalid_id_number", e.message_zh())).ok()
    }

    pub fn phones(&mut self, raw: &[String]) -> Vec<PhoneNumber> {
        let mut out = Vec::new();
        for (i, p) in raw.iter().enumerate() {
            match PhoneNumber::parse(p) {
                Ok(p) if !out.contains(&p) => out.push(p),
                Ok(_) => {}
                Err(e) => self.err(&format!("phones[{i}]"), "invalid_phone", e.message_zh()),
            }
        }
        out
    }

    pub fn tags(&mut self, raw: &[String]) -> Option<TagSet> {
        let mut tags = Vec::new();
        let mut unknown = false;
        for (i, t) in raw.iter().enumerate() {
            match Tag::parse_label(t) {
                Ok(t) => tags.push(t),
                Err(e) => {
                    unknown = true;
                    let code =
                        if e == domain::household::TagError::SubtypeNeeded { "subtype_needed" } else { "unknown_tag" };
                    self.err(&format!("tags[{i}]"), code, e.message_zh());
                }
            }
        }
        if unknown {
            return None;
        }
        TagSet::new(tags).map_err(|e| self.err("tags", "invalid_tags", e.message_zh())).ok()
    }

    pub fn risk_status(&mut self, raw: Option<&str>) -> Option<RiskStatus> {
        let raw = raw?;
        let parsed = RiskStatus::parse(raw);
        if parsed.is_none() {
            self.err("risk_status", "invalid_risk_status", "风险状态应为 at_risk（未消除）或 eliminated（已消除）");
        }
        parsed
    }

    pub fn risk(&mut self, tags: &TagSet, status: Option<RiskStatus>, on: Option<NaiveDate>, today: NaiveDate) {
        if let Err(e) = check_risk(tags, status, on, today) {
            self.err("risk_status", "invalid_risk", e.message_zh());
        }
    }
}

impl CreateHousehold {
    pub fn into_draft(self, today: NaiveDate) -> Result<Draft, Vec<FieldError>> {
        let mut f = Fields::new("");
        let id_number = f.id_number(&self.id_number, today);
        let phones = f.phones(&self.phones);
        let tags = f.tags(&self.tags);
        let risk_status = f.risk_status(self.risk_status.as_deref());
        if let Some(tags) = &tags {
            f.risk(tags, risk_status, self.risk_eliminated_on, today);
        }
        match (id_number, tags, f.errors.is_empty()) {
            (Some(id_number), Some(tags), true) => Ok(Draft {
                village_id: self.village_id,
                group_id: self.group_id,
                head_name: self.head_name.trim().to_owned(),
                id_number,
                phones,
                address: self.address.trim().to_owned(),
                location: self.location.map(|l| (l.latitude, l.longitude, l.datum.as_str().to_owned())),
                member_count: self.member_count,
                tags: tags.iter().collect(),
                risk_status,
                risk_eliminated_on: self.risk_eliminated_on,
                notes: self.notes,
                cadre_ids: dedup(self.cadre_ids),
            }),
            _ => Err(f.errors),
        }
    }
}

pub fn dedup(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort();
    ids.dedup();
    ids
}

impl UpdateHousehold {
    /// Applies the present fields to the current draft and re-checks the whole.
    pub fn apply(self, old: &Draft, today: NaiveDate) -> Result<Draft, Vec<FieldError>> {
        let mut f = Fields::new("");
        let mut d = old.clone();
        if let Some(v) = self.village_id {
            d.village_id = v;
        }
        if let Some(g) = self.group_id {
            d.group_id = g;
        }
        if let Some(n) = self.head_name {
            d.head_name = n.trim().to_owned();
        }
        if let Some(raw) = &self.id_number
            && let Some(id) = f.id_number(raw, today)
        {
            d.id_number = id;
        }
        if let Some(raw) = &self.phones {
            d.phones = f.phones(raw);
        }
        if let Some(a) = self.address {
            d.address = a.trim().to_owned();
        }
        if let Some(l) = self.location {
            d.location = l.map(|l| (l.latitude, l.longitude, l.datum.as_str().to_owned()));
        }
        if let Some(m) = self.member_count {
            d.member_count = m;
        }
        let tags = match &self.tags {
            Some(raw) => f.tags(raw),
            None => TagSet::new(d.tags.clone()).ok(),
        };
        if let Some(r) = self.risk_status {
            d.risk_status = match r {
                None => None,
                Some(raw) => f.risk_status(Some(&raw)),
            };
        }
        if let Some(on) = self.risk_eliminated_on {
            d.risk_eliminated_on = on;
        }
        if let Some(c) = self.cadre_ids {
            d.cadre_ids = dedup(c);
        }
        if let Some(n) = self.notes {
            d.notes = n;
        }
        if let Some(tags) = tags {
            f.risk(&tags, d.risk_status, d.risk_eliminated_on, today);
            d.tags = tags.iter().collect();
        }
        if f.errors.is_empty() { Ok(d) } else { Err(f.errors) }
    }
}
