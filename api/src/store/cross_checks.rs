//! Cross spot-check rounds: the candidates, the checkers' own villages, rounds and assignments.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use domain::Tag;
use domain::cross_check::Candidate;
use domain::org::Place;
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::ByKey;
use super::entity::{cross_check_assignment, cross_check_round, household, household_tag, village_group, visit};
use super::users;

/// Every target household of the town, with its tags.
pub async fn candidates<C: ConnectionTrait>(db: &C, town: Uuid) -> Result<Vec<Candidate>, DbErr> {
    let rows: Vec<(Uuid, Uuid)> = household::Entity::find()
        .filter(household::Column::TownId.eq(town))
        .select_only()
        .column(household::Column::Id)
        .column(household::Column::VillageId)
        .into_tuple()
        .all(db)
        .await?;
    let in_town = sea_orm::sea_query::Query::select()
        .column(household::Column::Id)
        .from(household::Entity)
        .and_where(household::Column::TownId.eq(town))
        .take();
    let tags: Vec<(Uuid, String)> = household_tag::Entity::find()
        .filter(household_tag::Column::HouseholdId.in_subquery(in_town))
        .select_only()
        .column(household_tag::Column::HouseholdId)
        .column(household_tag::Column::Tag)
        .into_tuple()
        .all(db)
        .await?;
    let mut by_household: HashMap<Uuid, Vec<Tag>> = HashMap::new();
    for (h, t) in tags {
        if let Some(t) = Tag::parse_any(&t) {
            by_household.entry(h).or_default().push(t);
        }
    }
    Ok(rows
        .into_iter()
        .map(|(id, village)| Candidate { id, village, tags: by_household.remove(&id).unwrap_or_default() })
        .filter(|c| c.tags.iter().any(|t| t.is_target()))
        .collect())
}

/// The villages where each user holds a role (village, work team) or answers for a group.
pub async fn own_villages<C: ConnectionTrait>(
    db: &C,
    user_ids: &[Uuid],
) -> Result<HashMap<Uuid, BTreeSet<Uuid>>, DbErr> {
    let mut out: HashMap<Uuid, BTreeSet<Uuid>> = user_ids.iter().map(|u| (*u, BTreeSet::new())).collect();
    let rows = users::grants_of(db, user_ids).await?;
    for row in &rows {
        for g in users::resolve_grants(db, std::slice::from_ref(row)).await? {
            if let Place::Village { village, .. } | Place::WorkTeam { village, .. } = g.place {
                out.entry(row.user_id).or_default().insert(village);
            }
        }
    }
    let assignments = users::groups_of(db, user_ids).await?;
    let group_ids: Vec<Uuid> = assignments.iter().map(|a| a.group_id).collect();
    let villages: HashMap<Uuid, Uuid> = village_group::Entity::find()
        .filter(village_group::Column::Id.is_in(group_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|g| (g.id, g.village_id))
        .collect();
    for a in assignments {
        if let Some(v) = villages.get(&a.group_id) {
            out.entry(a.user_id).or_default().insert(*v);
        }
    }
    Ok(out)
}

pub struct NewRound<'a> {
    pub town: Uuid,
    pub quarter: &'a str,
    pub seed: u64,
    pub size: String,
    pub created_by: Uuid,
    /// (household, village, checker)
    pub assignments: &'a [(Uuid, Uuid, Uuid)],
}

pub async fn insert<C: ConnectionTrait>(
    db: &C,
    r: NewRound<'_>,
    now: DateTime<Utc>,
) -> Result<cross_check_round::Model, DbErr> {
    let round = cross_check_round::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(r.town),
        quarter: Set(r.quarter.to_owned()),
        // Stored bit for bit in a signed column.
        seed: Set(r.seed as i64),
        size: Set(r.size),
        created_by: Set(r.created_by),
        created_at: Set(now),
        cancelled_at: Set(None),
        cancelled_by: Set(None),
        cancel_reason: Set(None),
    }
    .insert(db)
    .await?;
    for chunk in r.assignments.chunks(200) {
        cross_check_assignment::Entity::insert_many(chunk.iter().map(|(h, v, c)| {
            cross_check_assignment::ActiveModel {
                round_id: Set(round.id),
                household_id: Set(*h),
                village_id: Set(*v),
                checker_id: Set(*c),
            }
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(round)
}

pub async fn find<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<cross_check_round::Model>, DbErr> {
    cross_check_round::Entity::find_by_id(id).by_key(db).await
}

pub async fn rounds<C: ConnectionTrait>(
    db: &C,
    towns: &[Uuid],
    quarter: Option<&str>,
) -> Result<Vec<cross_check_round::Model>, DbErr> {
    let mut q =
        cross_check_round::Entity::find().filter(cross_check_round::Column::TownId.is_in(towns.iter().copied()));
    if let Some(qq) = quarter {
        q = q.filter(cross_check_round::Column::Quarter.eq(qq));
    }
    q.order_by_desc(cross_check_round::Column::Quarter).all(db).await
}

/// The quarter's round that stands (not cancelled), if any.
pub async fn standing<C: ConnectionTrait>(
    db: &C,
    town: Uuid,
    quarter: &str,
) -> Result<Option<cross_check_round::Model>, DbErr> {
    cross_check_round::Entity::find()
        .filter(cross_check_round::Column::TownId.eq(town))
        .filter(cross_check_round::Column::Quarter.eq(quarter))
        .filter(cross_check_round::Column::CancelledAt.is_null())
        .one(db)
        .await
}

/// Cancels a round: it stays, marked with when, by whom and why.
pub async fn cancel<C: ConnectionTrait>(
    db: &C,
    round: cross_check_round::Model,
    by: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<cross_check_round::Model, DbErr> {
    let mut am: cross_check_round::ActiveModel = round.into();
    am.cancelled_at = Set(Some(now));
    am.cancelled_by = Set(Some(by));
    am.cancel_reason = Set(Some(reason.to_owned()));
    am.update(db).await
}

/// The households a checker checks in a standing round of `quarter` (what their sample opens).
pub async fn sample_of_checker<C: ConnectionTrait>(db: &C, user: Uuid, quarter: &str) -> Result<Vec<Uuid>, DbErr> {
    let standing: Vec<Uuid> = cross_check_round::Entity::find()
        .filter(cross_check_round::Column::Quarter.eq(quarter))
        .filter(cross_check_round::Column::CancelledAt.is_null())
        .select_only()
        .column(cross_check_round::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    if standing.is_empty() {
        return Ok(vec![]);
    }
    cross_check_assignment::Entity::find()
        .filter(cross_check_assignment::Column::CheckerId.eq(user))
        .filter(cross_check_assignment::Column::RoundId.is_in(standing))
        .select_only()
        .column(cross_check_assignment::Column::HouseholdId)
        .into_tuple()
        .all(db)
        .await
}

/// Rounds in which the user checks households.
pub async fn rounds_of_checker<C: ConnectionTrait>(db: &C, user: Uuid) -> Result<Vec<Uuid>, DbErr> {
    let ids: Vec<Uuid> = cross_check_assignment::Entity::find()
        .filter(cross_check_assignment::Column::CheckerId.eq(user))
        .select_only()
        .column(cross_check_assignment::Column::RoundId)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids)
}

pub async fn assignments<C: ConnectionTrait>(db: &C, round: Uuid) -> Result<Vec<cross_check_assignment::Model>, DbErr> {
    cross_check_assignment::Entity::find()
        .filter(cross_check_assignment::Column::RoundId.eq(round))
        .order_by_asc(cross_check_assignment::Column::VillageId)
        .order_by_asc(cross_check_assignment::Column::HouseholdId)
        .all(db)
        .await
}

/// The cross-check visit that settled each household of the round.
pub async fn done<C: ConnectionTrait>(db: &C, round: Uuid) -> Result<HashMap<Uuid, Uuid>, DbErr> {
    let rows: Vec<(Uuid, Uuid)> = visit::Entity::find()
        .filter(visit::Column::RoundId.eq(round))
        .filter(visit::Column::Review.ne("rejected"))
        .select_only()
        .column(visit::Column::HouseholdId)
        .column(visit::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}
