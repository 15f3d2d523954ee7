//! Loading what coverage is computed from: the households within reach with their tags and the
//! cadres who answer for them (linked, or responsible for their group).

use std::collections::HashMap;

use domain::Tag;
use domain::coverage::TargetHousehold;
use domain::org::{Access, Act};
use sea_orm::prelude::*;
use sea_orm::sea_query::Query;
use sea_orm::{Condition, ConnectionTrait, QuerySelect};
use uuid::Uuid;

use super::entity::{group_assignment, household, household_cadre, household_tag};
use super::households::scope;

/// Households within the caller's read reach (optionally one village), ready for coverage.
pub async fn target_households<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    village: Option<Uuid>,
) -> Result<Vec<TargetHousehold>, DbErr> {
    let mut cond = Condition::all().add(scope(access, Act::ReadHousehold));
    if let Some(v) = village {
        cond = cond.add(household::Column::VillageId.eq(v));
    }
    let rows: Vec<(Uuid, Uuid, Option<Uuid>)> = household::Entity::find()
        .filter(cond.clone())
        .select_only()
        .column(household::Column::Id)
        .column(household::Column::VillageId)
        .column(household::Column::GroupId)
        .into_tuple()
        .all(db)
        .await?;
    let ids_in =
        || Query::select().column(household::Column::Id).from(household::Entity).cond_where(cond.clone()).take();
    let mut tags: HashMap<Uuid, Vec<Tag>> = HashMap::new();
    let tag_rows: Vec<(Uuid, String)> = household_tag::Entity::find()
        .filter(household_tag::Column::HouseholdId.in_subquery(ids_in()))
        .select_only()
        .column(household_tag::Column::HouseholdId)
        .column(household_tag::Column::Tag)
        .into_tuple()
        .all(db)
        .await?;
    for (h, t) in tag_rows {
        if let Some(t) = Tag::parse_any(&t) {
            tags.entry(h).or_default().push(t);
        }
    }
    let mut cadres: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    let links: Vec<(Uuid, Uuid)> = household_cadre::Entity::find()
        .filter(household_cadre::Column::HouseholdId.in_subquery(ids_in()))
        .select_only()
        .column(household_cadre::Column::HouseholdId)
        .column(household_cadre::Column::UserId)
        .into_tuple()
        .all(db)
        .await?;
    for (h, u) in links {
        cadres.entry(h).or_default().push(u);
    }
    let groups_in = Query::select().column(household::Column::GroupId).from(household::Entity).cond_where(cond).take();
    let assignments: Vec<(Uuid, Uuid)> = group_assignment::Entity::find()
        .filter(group_assignment::Column::GroupId.in_subquery(groups_in))
        .select_only()
        .column(group_assignment::Column::GroupId)
        .column(group_assignment::Column::UserId)
        .into_tuple()
        .all(db)
        .await?;
    let mut by_group: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (g, u) in assignments {
        by_group.entry(g).or_default().push(u);
    }
    Ok(rows
        .into_iter()
        .map(|(id, village, group)| {
            let mut c = cadres.remove(&id).unwrap_or_default();
            if let Some(g) = group {
                c.extend(by_group.get(&g).into_iter().flatten().copied());
            }
            c.sort();
            c.dedup();
            TargetHousehold { id, village, group, tags: tags.remove(&id).unwrap_or_default(), cadres: c }
        })
        .collect())
}
