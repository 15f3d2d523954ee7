//! Loading what coverage is computed from: the households within reach with their tags and the
//! cadres who answer for them (linked, or responsible for their group), and the quarter's visits.
//!
//! A district's quarter is 100k households and 150k visits; what costs is not the rule
//! (`domain::coverage`, ~100 ms for the district) but moving rows out of the database one at a time.
//! So only the columns the rule reads are selected (from covering indexes), and households and visits
//! are read at once on two connections.

use std::collections::HashMap;

use domain::coverage::{TargetHousehold, VisitFact};
use domain::org::{Access, Act};
use domain::{Quarter, Tag};
use sea_orm::prelude::*;
use sea_orm::sea_query::{ColumnRef, Expr, ExprTrait, IntoColumnRef, IntoIden, Query};
use sea_orm::{Condition, ConnectionTrait, DbBackend, QuerySelect};
use uuid::Uuid;

use super::entity::{group_assignment, household, household_cadre, household_tag};
use super::households::scope;
use super::visits::{self, Visitors, of_households_in};

/// What `domain::coverage::coverage` takes, for the caller's reach (optionally one village).
pub struct Inputs {
    pub households: Vec<TargetHousehold>,
    pub visits: Vec<VisitFact>,
}

pub async fn inputs<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    village: Option<Uuid>,
    quarter: Quarter,
) -> Result<Inputs, DbErr> {
    // Two connections, two cores.
    let (from, to) = quarter.bounds();
    let (households, visits) = tokio::try_join!(
        target_households(db, access, village),
        visits::facts(db, of_households_in(access, village), from, to, Visitors::Skip)
    )?;
    Ok(Inputs { households, visits })
}

/// A household's id, village and group.
type Place = (Uuid, Uuid, Option<Uuid>);
/// The same with its tags and linked cadres, comma-separated.
type PlaceAndLists = (Uuid, Uuid, Option<Uuid>, Option<String>, Option<String>);

/// Households within the caller's read reach (optionally one village), ready for coverage.
///
/// The two backends want opposite shapes (measured on a 100k-household district, `bench/RESULTS.md`):
/// SQLite hands each row from its worker thread to the request one at a time, so rows are what
/// cost and each household comes as one row with its tags and cadres aggregated; PostgreSQL streams
/// rows cheaply but runs a correlated aggregate as a sub-plan per household (0.8 s for the district
/// against 0.15 s for three plain scans), so it reads the three tables apart.
pub async fn target_households<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    village: Option<Uuid>,
) -> Result<Vec<TargetHousehold>, DbErr> {
    let backend = db.get_database_backend();
    let mut cond = Condition::all().add(scope(access, Act::ReadHousehold));
    if let Some(v) = village {
        cond = cond.add(household::Column::VillageId.eq(v));
    }
    let places = household::Entity::find()
        .filter(cond.clone())
        .select_only()
        .column(household::Column::Id)
        .column(household::Column::VillageId)
        .column(household::Column::GroupId);
    let mut tags: HashMap<Uuid, Vec<Tag>> = HashMap::new();
    let mut cadres: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    let rows: Vec<Place> = if backend == DbBackend::Sqlite {
        // `(SELECT group_concat(…) FROM link WHERE link.household_id = households.id)`
        let listed = |aggregate: &str, link: DynIden, household_id: ColumnRef| {
            let list = Query::select()
                .expr(Expr::cust(aggregate.to_owned()))
                .from(link)
                .and_where(Expr::col(household_id).equals((household::Entity, household::Column::Id)))
                .take();
            Expr::SubQuery(None, Box::new(list.into()))
        };
        let rows: Vec<PlaceAndLists> = places
            .expr_as(
                listed(
                    "group_concat(household_tags.tag, ',')",
                    household_tag::Entity.into_iden(),
                    (household_tag::Entity, household_tag::Column::HouseholdId).into_column_ref(),
                ),
                "tags",
            )
            .expr_as(
                listed(
                    "group_concat(hex(household_cadres.user_id), ',')",
                    household_cadre::Entity.into_iden(),
                    (household_cadre::Entity, household_cadre::Column::HouseholdId).into_column_ref(),
                ),
                "cadres",
            )
            .into_tuple()
            .all(db)
            .await?;
        let split = |s: Option<String>| s.unwrap_or_default().split(',').map(str::to_owned).collect::<Vec<_>>();
        rows.into_iter()
            .map(|(id, village, group, t, c)| {
                tags.insert(id, split(t).iter().filter_map(|t| Tag::parse_any(t)).collect());
                cadres.insert(id, split(c).iter().filter_map(|c| Uuid::try_parse(c).ok()).collect());
                (id, village, group)
            })
            .collect()
    } else {
        let ids_in =
            || Query::select().column(household::Column::Id).from(household::Entity).cond_where(cond.clone()).take();
        let (rows, tag_rows, links) = tokio::try_join!(
            places.into_tuple::<Place>().all(db),
            household_tag::Entity::find()
                .filter(household_tag::Column::HouseholdId.in_subquery(ids_in()))
                .select_only()
                .column(household_tag::Column::HouseholdId)
                .column(household_tag::Column::Tag)
                .into_tuple::<(Uuid, String)>()
                .all(db),
            household_cadre::Entity::find()
                .filter(household_cadre::Column::HouseholdId.in_subquery(ids_in()))
                .select_only()
                .column(household_cadre::Column::HouseholdId)
                .column(household_cadre::Column::UserId)
                .into_tuple::<(Uuid, Uuid)>()
                .all(db),
        )?;
        for (h, t) in tag_rows {
            if let Some(t) = Tag::parse_any(&t) {
                tags.entry(h).or_default().push(t);
            }
        }
        for (h, u) in links {
            cadres.entry(h).or_default().push(u);
        }
        rows
    };
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
