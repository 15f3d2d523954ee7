//! `GET /coverage?quarter=`: the headline figure (村级入户全覆盖) per village, group, cadre and tag,
//! for the households within the caller's scope. The rule is `domain::coverage`'s.

use std::collections::HashMap;

use actix_web::{get, web};
use chrono::NaiveDate;
use domain::Quarter;
use domain::coverage::{Status, Tally};
use domain::org::Act;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::routes::common::Problem;
use crate::routes::households::TagName;
use crate::state::State;
use crate::store::{households, org, users};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    /// `YYYY-Qn`; default the current quarter.
    pub quarter: Option<String>,
    pub village_id: Option<Uuid>,
    /// List the target households not visited (and those found absent).
    #[serde(default)]
    pub include_unvisited: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Figures {
    pub targets: u64,
    pub visited: u64,
    pub attempted_absent: u64,
    pub not_visited: u64,
    /// visited ÷ targets, percent with one decimal; `null` when there is no target (shown "—").
    pub percent: Option<f64>,
}

impl From<Tally> for Figures {
    fn from(t: Tally) -> Self {
        Self {
            targets: t.targets,
            visited: t.visited,
            attempted_absent: t.attempted_absent,
            not_visited: t.not_visited,
            percent: t.percent(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NamedFigures {
    pub id: Uuid,
    pub name: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TagFigures {
    #[schema(value_type = TagName)]
    pub tag: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Unvisited {
    pub household_id: Uuid,
    pub head_name: String,
    pub village_id: Uuid,
    pub group_id: Option<Uuid>,
    /// `not_visited` or `attempted_absent`.
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageReport {
    pub quarter: String,
    /// The visiting window: m1's first day to m2's last (local dates).
    pub window_from: NaiveDate,
    pub window_to: NaiveDate,
    pub total: Figures,
    pub by_village: Vec<NamedFigures>,
    pub by_group: Vec<NamedFigures>,
    pub by_cadre: Vec<NamedFigures>,
    pub by_tag: Vec<TagFigures>,
    /// Present when `include_unvisited=true`.
    pub unvisited: Option<Vec<Unvisited>>,
}

/// Coverage of the quarter for the caller's scope. Only visits inside the m1–m2 window count, and
/// only once they count (no flag, or accepted); target households are those tagged as targets now.
#[utoipa::path(tag = "visits", operation_id = "get_coverage", security(("bearer" = [])), params(CoverageQuery),
    responses((status = 200, body = CoverageReport), (status = 401, response = Problem), (status = 403, response = Problem), (status = 404, response = Problem), (status = 422, response = Problem)))]
#[get("/coverage")]
pub async fn get_coverage(
    state: State,
    user: AuthUser,
    q: web::Query<CoverageQuery>,
) -> ApiResult<web::Json<CoverageReport>> {
    user.require(Act::ReadHousehold)?;
    let quarter: Quarter = match q.quarter.as_deref() {
        None => Quarter::containing(state.clock.now()),
        Some(s) => s.parse().map_err(|_| ApiError::field("quarter", "invalid", "季度格式应为 2026-Q4"))?,
    };
    // A quarter not begun has nothing to cover yet: no "0.0 %" for it.
    if quarter > Quarter::containing(state.clock.now()) {
        return Err(ApiError::field("quarter", "not_started", "该季度尚未开始，还没有走访覆盖情况"));
    }
    // A village beyond the caller's reach has no figure for them: 404, as if it did not exist
    // (not an empty "100 %").
    if let Some(v) = q.village_id {
        org::village(&state.db, v)
            .await?
            .filter(|v| user.access.touches_village(Act::ReadHousehold, v.town_id, v.id))
            .ok_or_else(ApiError::not_found)?;
    }
    let inputs = state.coverage_inputs.inputs(&state.reports, &user.access, q.village_id, quarter).await?;
    let c = &inputs.coverage;

    let towns: Vec<Uuid> = user.access.towns().into_iter().collect();
    let villages: HashMap<Uuid, String> =
        org::villages(&state.db, &towns).await?.into_iter().map(|v| (v.id, v.name)).collect();
    let village_ids: Vec<Uuid> = villages.keys().copied().collect();
    let groups: HashMap<Uuid, String> =
        org::groups(&state.db, &village_ids).await?.into_iter().map(|g| (g.id, g.name)).collect();
    let cadre_ids: Vec<Uuid> = c.by_cadre.keys().copied().collect();
    let cadre_names = users::names(&state.db, &cadre_ids).await?;
    let named = |m: &std::collections::BTreeMap<Uuid, Tally>, names: &HashMap<Uuid, String>| {
        m.iter()
            .map(|(id, t)| NamedFigures {
                id: *id,
                name: names.get(id).cloned().unwrap_or_default(),
                figures: (*t).into(),
            })
            .collect::<Vec<_>>()
    };
    let unvisited = if q.include_unvisited {
        let ids: Vec<Uuid> = c.status.iter().filter(|(_, s)| **s != Status::Visited).map(|(id, _)| *id).collect();
        let mut rows = households::by_ids(&state.db, &ids).await?;
        rows.sort_by(|a, b| (a.village_id, &a.head_name).cmp(&(b.village_id, &b.head_name)));
        Some(
            rows.into_iter()
                .map(|h| Unvisited {
                    status: if c.status.get(&h.id) == Some(&Status::AttemptedAbsent) {
                        "attempted_absent"
                    } else {
                        "not_visited"
                    }
                    .into(),
                    household_id: h.id,
                    head_name: h.head_name,
                    village_id: h.village_id,
                    group_id: h.group_id,
                })
                .collect(),
        )
    } else {
        None
    };
    let (window_from, window_to) = quarter.visiting_window();
    Ok(web::Json(CoverageReport {
        quarter: quarter.to_string(),
        window_from,
        window_to,
        total: c.total.into(),
        by_village: named(&c.by_village, &villages),
        by_group: named(&c.by_group, &groups),
        by_cadre: named(&c.by_cadre, &cadre_names),
        by_tag: c.by_tag.iter().map(|(t, f)| TagFigures { tag: t.as_str().to_owned(), figures: (*f).into() }).collect(),
        unvisited,
    }))
}
