//! A stored visit as the API shows it.

use domain::visit::{Flag, Outcome, Review, counts_as_visited};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::json::{Checklist, FlagView, OutcomeName, ReviewView, Visit, VisitKindName};
use crate::error::{ApiError, ApiResult};
use crate::routes::households::{Datum, Location};
use crate::store::entity::visit;
use crate::store::{households, org, problems, visits};
use std::collections::HashMap;

fn kind(s: &str) -> VisitKindName {
    match s {
        "cross_check" => VisitKindName::CrossCheck,
        "joint_verification" => VisitKindName::JointVerification,
        "unannounced" => VisitKindName::Unannounced,
        "along_the_way" => VisitKindName::AlongTheWay,
        _ => VisitKindName::Routine,
    }
}

pub async fn view<C: ConnectionTrait>(db: &C, m: visit::Model) -> ApiResult<Visit> {
    views(db, vec![m]).await?.pop().ok_or_else(|| ApiError::Internal(anyhow::anyhow!("view lost a row")))
}

pub async fn views<C: ConnectionTrait>(db: &C, rows: Vec<visit::Model>) -> ApiResult<Vec<Visit>> {
    let ids: Vec<_> = rows.iter().map(|v| v.id).collect();
    let mut visitors = visits::visitors_of(db, &ids).await?;
    let mut photos = visits::photos_of(db, &ids).await?;
    let found = problems::of_visits(db, &ids).await?;
    let household_ids: Vec<Uuid> = rows.iter().map(|v| v.household_id).collect();
    let heads: HashMap<Uuid, String> =
        households::by_ids(db, &household_ids).await?.into_iter().map(|h| (h.id, h.head_name)).collect();
    let mut village_ids: Vec<Uuid> = rows.iter().map(|v| v.village_id).collect();
    village_ids.sort_unstable();
    village_ids.dedup();
    let villages = org::place_names(db, &village_ids).await?;
    Ok(rows
        .into_iter()
        .map(|m| {
            let (visitor_ids, photo_ids) =
                (visitors.remove(&m.id).unwrap_or_default(), photos.remove(&m.id).unwrap_or_default());
            let problem_ids = found.iter().filter(|p| p.visit_id == Some(m.id)).map(|p| p.id).collect();
            let names = Names {
                head_name: heads.get(&m.household_id).cloned().unwrap_or_default(),
                village_name: villages.get(&m.village_id).cloned().unwrap_or_default(),
            };
            shown(m, names, visitor_ids, photo_ids, problem_ids)
        })
        .collect())
}

/// Whom and where a visit was to, by name.
pub struct Names {
    pub head_name: String,
    pub village_name: String,
}

/// A visit as shown, from its row and what it links to: its household's and village's names, its
/// visitors (sorted), its photos (in their order) and the problems found on it (in the order they
/// were recorded), as `views` reads them.
pub fn shown(
    m: visit::Model,
    names: Names,
    visitor_ids: Vec<Uuid>,
    photo_ids: Vec<Uuid>,
    problem_ids: Vec<Uuid>,
) -> Visit {
    let flags: Vec<String> = serde_json::from_str(&m.flags).unwrap_or_default();
    let review = Review::parse(&m.review).unwrap_or(Review::Pending);
    let outcome = Outcome::from_stored(&m.outcome);
    Visit {
        id: m.id,
        client_id: m.client_id,
        household_id: m.household_id,
        head_name: names.head_name,
        village_id: m.village_id,
        village_name: names.village_name,
        kind: kind(&m.kind),
        outcome: if outcome == Outcome::Visited { OutcomeName::Visited } else { OutcomeName::AbsentAttempted },
        absent_reason: m.absent_reason,
        visited_at: m.visited_at,
        month: m.month,
        location: match (m.latitude, m.longitude, m.datum.as_deref()) {
            (Some(latitude), Some(longitude), Some(d)) => {
                Some(Location { latitude, longitude, datum: if d == "wgs84" { Datum::Wgs84 } else { Datum::Gcj02 } })
            }
            _ => None,
        },
        accuracy_m: m.accuracy_m,
        visitor_ids,
        photo_ids,
        checklist: serde_json::from_str::<Option<Checklist>>(&m.checklist).unwrap_or(None),
        flags: flags
            .iter()
            .filter_map(|f| Flag::parse(f))
            .map(|f| FlagView { code: f.as_str().to_owned(), message: f.label_zh().to_owned() })
            .collect(),
        review: ReviewView {
            status: review.as_str().to_owned(),
            reviewed_by: m.reviewed_by,
            reviewed_at: m.reviewed_at,
            reason: m.review_reason,
        },
        counts: counts_as_visited(outcome, review),
        problem_ids,
        late_reason: m.late_reason,
        round_id: m.round_id,
        created_by: m.created_by,
        created_at: m.created_at,
    }
}
