//! What the household routes share: checking references against the caller's reach, and the view.

use domain::org::Act;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::json::{Datum, Household, Location};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::store::entity::household;
use crate::store::households::{self, Draft};
use crate::store::{org, users, visits};
use chrono::{DateTime, Utc};

/// Checks that the draft's village and group lie within the caller's write reach and belong
/// together, and that linked cadres are users of the same town. Returns the town.
pub async fn check_refs<C: ConnectionTrait>(db: &C, user: &AuthUser, d: &Draft) -> ApiResult<Uuid> {
    let reach = user.access.reach(Act::WriteHousehold);
    let Some(village) = org::village(db, d.village_id).await?.filter(|v| reach.covers(v.town_id, v.id, d.group_id))
    else {
        return Err(ApiError::field("village_id", "not_found", "村不存在或不在您的管辖范围内"));
    };
    let mut errors = vec![];
    if let Some(g) = d.group_id
        && org::group(db, g).await?.is_none_or(|g| g.village_id != village.id)
    {
        errors.push(FieldError::new("group_id", "not_found", "该社不属于所选的村"));
    }
    for (i, c) in d.cadre_ids.iter().enumerate() {
        if users::by_id(db, *c).await?.is_none_or(|u| u.town_id != Some(village.town_id) || !u.active) {
            errors.push(FieldError::new(format!("cadre_ids[{i}]"), "not_found", "联户干部不存在或不属于本镇"));
        }
    }
    if errors.is_empty() { Ok(village.town_id) } else { Err(ApiError::Validation(errors)) }
}

/// Loads a household's tags, cadre links, place names and visits and shows it (masked), as of `now`.
pub async fn view<C: ConnectionTrait>(db: &C, m: household::Model, now: DateTime<Utc>) -> ApiResult<Household> {
    views(db, vec![m], now).await?.pop().ok_or_else(|| ApiError::Internal(anyhow::anyhow!("view lost a row")))
}

pub async fn views<C: ConnectionTrait>(
    db: &C,
    rows: Vec<household::Model>,
    now: DateTime<Utc>,
) -> ApiResult<Vec<Household>> {
    let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
    let mut tags = households::tags_of(db, &ids).await?;
    let mut cadres = households::cadres_of(db, &ids).await?;
    let mut village_ids: Vec<Uuid> = rows.iter().map(|m| m.village_id).collect();
    village_ids.sort_unstable();
    village_ids.dedup();
    let names = org::place_names(db, &village_ids).await?;
    let (last, covered) = visits::last_and_covered(db, &ids, domain::Quarter::containing(now)).await?;
    Ok(rows
        .into_iter()
        .map(|m| {
            let tags = tags.remove(&m.id).unwrap_or_default();
            Household {
                id: m.id,
                town_id: m.town_id,
                village_id: m.village_id,
                village_name: names.get(&m.village_id).cloned().unwrap_or_default(),
                group_id: m.group_id,
                group_name: m.group_id.and_then(|g| names.get(&g).cloned()),
                last_visit_at: last.get(&m.id).copied(),
                visited_this_quarter: covered.contains(&m.id),
                head_name: m.head_name,
                id_number_masked: m.id_number_masked,
                phones_masked: serde_json::from_str(&m.phones_masked).unwrap_or_default(),
                address: m.address,
                location: match (m.latitude, m.longitude, m.datum.as_deref()) {
                    (Some(latitude), Some(longitude), Some(d)) => Some(Location {
                        latitude,
                        longitude,
                        datum: if d == "gcj02" { Datum::Gcj02 } else { Datum::Wgs84 },
                    }),
                    _ => None,
                },
                member_count: m.member_count,
                is_target: tags.iter().any(|t| t.is_target()),
                tags,
                risk_status: m.risk_status.as_deref().and_then(domain::RiskStatus::parse),
                risk_eliminated_on: m.risk_eliminated_on,
                cadre_ids: cadres.remove(&m.id).unwrap_or_default(),
                notes: m.notes,
                version: m.version,
                created_at: m.created_at,
                updated_at: m.updated_at,
            }
        })
        .collect())
}

/// A stored household back as a draft, for updates.
pub async fn draft_of<C: ConnectionTrait>(
    db: &C,
    m: &household::Model,
    cipher: &crate::crypto::FieldCipher,
) -> ApiResult<Draft> {
    let tags = households::tags_of(db, &[m.id]).await?.remove(&m.id).unwrap_or_default();
    let cadres = households::cadres_of(db, &[m.id]).await?.remove(&m.id).unwrap_or_default();
    Ok(households::to_draft(m, tags, cadres, cipher)?)
}
