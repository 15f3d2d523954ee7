//! Problems: recorded with their source and evidence; scoped like the households they concern.

use chrono::{DateTime, NaiveDate, Utc};
use domain::org::{Access, Act};
use domain::problem::{Category, Source, State};
use sea_orm::prelude::*;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveValue::Set, Condition, ConnectionTrait, QueryOrder};
use uuid::Uuid;

use super::ByKey;
use super::entity::{problem, problem_event, problem_unit};
use super::scope::{Located, condition};

fn located() -> Located<problem::Column> {
    Located {
        id: problem::Column::Id,
        town: problem::Column::TownId,
        village: problem::Column::VillageId,
        group: Some(problem::Column::GroupId),
        household: Some(problem::Column::HouseholdId),
    }
}

/// Problems the caller may see: those located within reach, those they found or answer for, and
/// those assigned to a department they belong to.
pub fn scope(access: &Access, act: Act) -> Condition {
    let departments = access.departments();
    let mut c = Condition::any()
        .add(condition(access, act, &located()))
        .add(problem::Column::FoundBy.eq(access.user_id))
        .add(problem::Column::ResponsibleUserId.eq(access.user_id));
    if !departments.is_empty() {
        let assigned = Query::select()
            .column(problem_unit::Column::ProblemId)
            .from(problem_unit::Entity)
            .and_where(problem_unit::Column::UnitKind.eq("department"))
            .and_where(problem_unit::Column::UnitId.is_in(departments))
            .take();
        c = c.add(problem::Column::Id.in_subquery(assigned));
    }
    c
}

pub struct NewProblem {
    pub town_id: Uuid,
    pub village_id: Uuid,
    pub group_id: Option<Uuid>,
    pub household_id: Option<Uuid>,
    pub source: Source,
    pub category: Category,
    pub description: String,
    pub status: State,
    pub found_by: Uuid,
    pub found_at: DateTime<Utc>,
    pub visit_id: Option<Uuid>,
    pub evidence_photo_ids: Vec<Uuid>,
    pub call_attempt_id: Option<Uuid>,
    pub unannounced_visit_id: Option<Uuid>,
}

/// A meeting's decision on a problem (or a village proposal the office accepted): the measure,
/// responsible person and deadline it names, each left as it was when not named.
pub struct Decided<'a> {
    pub measure: Option<&'a str>,
    pub responsible: Option<Uuid>,
    pub deadline: Option<chrono::NaiveDate>,
}

/// Applies a decision with the version check; `None` when the problem changed meanwhile.
pub async fn apply_decided<C: ConnectionTrait>(
    db: &C,
    p: &problem::Model,
    d: Decided<'_>,
    now: DateTime<Utc>,
) -> Result<Option<problem::Model>, DbErr> {
    let mut am: problem::ActiveModel = p.clone().into();
    if let Some(measure) = d.measure {
        am.measure = Set(Some(measure.trim().to_owned()));
    }
    if let Some(u) = d.responsible {
        am.responsible_user_id = Set(Some(u));
    }
    if let Some(dl) = d.deadline {
        am.deadline = Set(Some(dl));
    }
    save(db, am, p.version, now).await
}

/// Records a problem and its first event, `found`: its history starts where it was found (by
/// whom, in which flow), not at its assignment.
pub async fn insert<C: ConnectionTrait>(db: &C, p: NewProblem, now: DateTime<Utc>) -> Result<problem::Model, DbErr> {
    let m = new_active(p, now).insert(db).await?;
    record_event(
        db,
        NewEvent {
            problem_id: m.id,
            action: "found",
            actor_id: Some(m.found_by),
            note: &m.description,
            photo_ids: &serde_json::from_str::<Vec<Uuid>>(&m.evidence_photo_ids).unwrap_or_default(),
            data: serde_json::json!({ "source": m.source, "found_at": m.found_at, "visit_id": m.visit_id,
                "call_attempt_id": m.call_attempt_id, "unannounced_visit_id": m.unannounced_visit_id,
                "fixed_on_spot": m.status == State::FixedOnSpot.as_str() }),
        },
        now,
    )
    .await?;
    Ok(m)
}

/// The row of a new problem (for bulk inserts too).
pub fn new_active(p: NewProblem, now: DateTime<Utc>) -> problem::ActiveModel {
    problem::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(p.town_id),
        village_id: Set(p.village_id),
        group_id: Set(p.group_id),
        household_id: Set(p.household_id),
        source: Set(p.source.as_str().to_owned()),
        category: Set(p.category.as_str().to_owned()),
        description: Set(p.description),
        status: Set(p.status.as_str().to_owned()),
        found_by: Set(p.found_by),
        found_at: Set(p.found_at),
        visit_id: Set(p.visit_id),
        evidence_photo_ids: Set(serde_json::to_string(&p.evidence_photo_ids).unwrap_or_else(|_| "[]".into())),
        class: Set(None),
        deadline: Set(None),
        responsible_user_id: Set(None),
        measure: Set(None),
        plan: Set(None),
        claimed_by: Set(None),
        claimed_at: Set(None),
        claimed_on: Set(None),
        closed_at: Set(if p.status == State::FixedOnSpot { Some(now) } else { None }),
        handed_over_at: Set(None),
        decided_at: Set(None),
        decision: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        call_attempt_id: Set(p.call_attempt_id),
        unannounced_visit_id: Set(p.unannounced_visit_id),
    }
}

pub async fn of_visits<C: ConnectionTrait>(db: &C, visit_ids: &[Uuid]) -> Result<Vec<problem::Model>, DbErr> {
    problem::Entity::find()
        .filter(problem::Column::VisitId.is_in(visit_ids.iter().copied()))
        .order_by_asc(problem::Column::CreatedAt)
        .order_by_asc(problem::Column::Id)
        .all(db)
        .await
}

pub async fn find_scoped<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    id: Uuid,
) -> Result<Option<problem::Model>, DbErr> {
    problem::Entity::find_by_id(id).filter(scope(access, Act::ReadHousehold)).by_key(db).await
}

#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    /// Only problems still being rectified (open, assigned, completion claimed).
    pub active: Option<bool>,
    pub village_id: Option<Uuid>,
    pub household_id: Option<Uuid>,
    pub source: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub visit_id: Option<Uuid>,
    pub class: Option<String>,
    pub unit_id: Option<Uuid>,
    /// Answered for by this person: named as responsible, or of one of these units.
    pub answered_by: Option<(Uuid, Vec<Uuid>)>,
    /// Overdue as of this local date.
    pub overdue_on: Option<NaiveDate>,
    pub handed_over: Option<bool>,
    /// Found within [from, to).
    pub found_between: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// The states of a problem being rectified (`State::is_active`), as stored.
fn active_statuses() -> impl Iterator<Item = &'static str> {
    State::ALL.into_iter().filter(|s| s.is_active()).map(State::as_str)
}

/// Overdue as of `today` (the SQL form of `domain::problem::is_overdue`).
pub fn overdue_condition(today: NaiveDate) -> Condition {
    Condition::all()
        .add(problem::Column::Status.is_in(["assigned", "completion_claimed"]))
        .add(problem::Column::Deadline.lt(today))
        .add(
            Condition::any()
                .add(problem::Column::ClaimedOn.is_null())
                .add(Expr::col(problem::Column::ClaimedOn).gt(Expr::col(problem::Column::Deadline))),
        )
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    f: &ListFilter,
    page: u64,
    per_page: u64,
) -> Result<(Vec<problem::Model>, u64), DbErr> {
    let mut q = problem::Entity::find().filter(scope(access, Act::ReadHousehold));
    if let Some(v) = f.village_id {
        q = q.filter(problem::Column::VillageId.eq(v));
    }
    if let Some(h) = f.household_id {
        q = q.filter(problem::Column::HouseholdId.eq(h));
    }
    if let Some(s) = &f.source {
        q = q.filter(problem::Column::Source.eq(s.clone()));
    }
    if let Some(c) = &f.category {
        q = q.filter(problem::Column::Category.eq(c.clone()));
    }
    if let Some(s) = &f.status {
        q = q.filter(problem::Column::Status.eq(s.clone()));
    }
    if let Some(v) = f.visit_id {
        q = q.filter(problem::Column::VisitId.eq(v));
    }
    if let Some(c) = &f.class {
        q = q.filter(problem::Column::Class.eq(c.clone()));
    }
    if let Some(u) = f.unit_id {
        let with_unit = Query::select()
            .column(problem_unit::Column::ProblemId)
            .from(problem_unit::Entity)
            .and_where(problem_unit::Column::UnitId.eq(u))
            .take();
        q = q.filter(problem::Column::Id.in_subquery(with_unit));
    }
    if let Some((person, units)) = &f.answered_by {
        let of_units = Query::select()
            .column(problem_unit::Column::ProblemId)
            .from(problem_unit::Entity)
            .and_where(problem_unit::Column::UnitId.is_in(units.iter().copied()))
            .take();
        q = q.filter(
            Condition::any()
                .add(problem::Column::ResponsibleUserId.eq(*person))
                .add(problem::Column::Id.in_subquery(of_units)),
        );
    }
    if let Some(today) = f.overdue_on {
        q = q.filter(overdue_condition(today));
    }
    match f.handed_over {
        Some(true) => q = q.filter(problem::Column::HandedOverAt.is_not_null()),
        Some(false) => q = q.filter(problem::Column::HandedOverAt.is_null()),
        None => {}
    }
    if f.active == Some(true) {
        q = q.filter(problem::Column::Status.is_in(active_statuses()));
    }
    if let Some((from, to)) = f.found_between {
        q = q.filter(problem::Column::FoundAt.gte(from)).filter(problem::Column::FoundAt.lt(to));
    }
    super::paged(db, q.order_by_desc(problem::Column::FoundAt).order_by_desc(problem::Column::Id), page, per_page).await
}

/// The Discipline Commission's queue: problems handed over, or overdue as of `today`.
pub fn discipline_condition(today: NaiveDate) -> Condition {
    Condition::any().add(problem::Column::HandedOverAt.is_not_null()).add(overdue_condition(today))
}

pub async fn discipline_queue<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    today: NaiveDate,
    page: u64,
    per_page: u64,
) -> Result<(Vec<problem::Model>, u64), DbErr> {
    let q = problem::Entity::find().filter(scope(access, Act::ReadHousehold)).filter(discipline_condition(today));
    super::paged(db, q.order_by_asc(problem::Column::Deadline).order_by_asc(problem::Column::Id), page, per_page).await
}

pub async fn units_of<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Vec<problem_unit::Model>, DbErr> {
    problem_unit::Entity::find().filter(problem_unit::Column::ProblemId.is_in(ids.iter().copied())).all(db).await
}

pub async fn set_units<C: ConnectionTrait>(db: &C, id: Uuid, units: &[(String, Uuid)]) -> Result<(), DbErr> {
    problem_unit::Entity::delete_many().filter(problem_unit::Column::ProblemId.eq(id)).exec(db).await?;
    if !units.is_empty() {
        problem_unit::Entity::insert_many(units.iter().map(|(k, u)| problem_unit::ActiveModel {
            problem_id: Set(id),
            unit_kind: Set(k.clone()),
            unit_id: Set(*u),
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

pub struct NewEvent<'a> {
    pub problem_id: Uuid,
    pub action: &'a str,
    pub actor_id: Option<Uuid>,
    pub note: &'a str,
    pub photo_ids: &'a [Uuid],
    pub data: serde_json::Value,
}

pub async fn record_event<C: ConnectionTrait>(db: &C, e: NewEvent<'_>, at: DateTime<Utc>) -> Result<(), DbErr> {
    problem_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        problem_id: Set(e.problem_id),
        action: Set(e.action.to_owned()),
        actor_id: Set(e.actor_id),
        at: Set(at),
        note: Set(e.note.to_owned()),
        photo_ids: Set(serde_json::to_string(e.photo_ids).unwrap_or_else(|_| "[]".into())),
        data: Set(e.data.to_string()),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn events<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Vec<problem_event::Model>, DbErr> {
    problem_event::Entity::find()
        .filter(problem_event::Column::ProblemId.eq(id))
        .order_by_asc(problem_event::Column::At)
        .order_by_asc(problem_event::Column::Id)
        .all(db)
        .await
}

/// Saves a changed problem only if nobody changed it meanwhile (optimistic lock on `version`).
pub async fn save<C: ConnectionTrait>(
    db: &C,
    mut am: problem::ActiveModel,
    version: i32,
    now: DateTime<Utc>,
) -> Result<Option<problem::Model>, DbErr> {
    am.version = Set(version + 1);
    am.updated_at = Set(now);
    let id = match &am.id {
        sea_orm::ActiveValue::Set(id) | sea_orm::ActiveValue::Unchanged(id) => *id,
        sea_orm::ActiveValue::NotSet => return Ok(None),
    };
    let res = problem::Entity::update_many()
        .set(am)
        .filter(problem::Column::Id.eq(id))
        .filter(problem::Column::Version.eq(version))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Ok(None);
    }
    problem::Entity::find_by_id(id).by_key(db).await
}

pub async fn by_ids<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Vec<problem::Model>, DbErr> {
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        rows.extend(problem::Entity::find().filter(problem::Column::Id.is_in(chunk.iter().copied())).all(db).await?);
    }
    Ok(rows)
}

/// How a problem is assigned on the spot.
pub struct OnTheSpot<'a> {
    pub class: domain::problem::Class,
    pub deadline: NaiveDate,
    pub units: &'a [(String, Uuid)],
    pub responsible: Option<Uuid>,
    pub measure: &'a str,
}

/// Records a problem and assigns it at once (units, person, class, deadline), with the ledger's
/// history saying so.
pub async fn insert_assigned<C: ConnectionTrait>(
    db: &C,
    p: NewProblem,
    a: OnTheSpot<'_>,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<problem::Model, DbErr> {
    let m = insert(db, p, now).await?;
    let version = m.version;
    let mut am: problem::ActiveModel = m.into();
    am.status = Set(State::Assigned.as_str().to_owned());
    am.class = Set(Some(a.class.as_str().to_owned()));
    am.deadline = Set(Some(a.deadline));
    am.responsible_user_id = Set(a.responsible);
    am.measure = Set(Some(a.measure.to_owned()));
    let saved = save(db, am, version, now).await?.ok_or_else(|| DbErr::RecordNotUpdated)?;
    set_units(db, saved.id, a.units).await?;
    let units: Vec<serde_json::Value> =
        a.units.iter().map(|(kind, id)| serde_json::json!({ "kind": kind, "id": id })).collect();
    record_event(
        db,
        NewEvent {
            problem_id: saved.id,
            action: "assign",
            actor_id: Some(actor),
            note: a.measure,
            photo_ids: &[],
            data: serde_json::json!({ "class": a.class.as_str(), "deadline": a.deadline, "units": units,
                "responsible_user_id": a.responsible, "on_the_spot": true }),
        },
        now,
    )
    .await?;
    Ok(saved)
}

/// A village's problems as the dashboard counts them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct VillageTally {
    /// Being rectified (open, assigned, completion claimed).
    pub active: u64,
    /// Of those, overdue as of the day asked.
    pub overdue: u64,
    /// Closed within the period asked.
    pub closed: u64,
}

/// The problems in the caller's reach counted per village in one grouped scan: being rectified,
/// overdue as of `today`, and closed in [from, to). (Three counts and the overdue rows read apart
/// were most of a district dashboard's time.)
pub async fn tallies_by_village<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    today: NaiveDate,
    closed_between: (DateTime<Utc>, DateTime<Utc>),
) -> Result<std::collections::HashMap<Uuid, VillageTally>, DbErr> {
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::{Func, IntoCondition};
    let active = || problem::Column::Status.is_in(active_statuses());
    let closed = Condition::all()
        .add(problem::Column::Status.is_in(State::RECTIFIED.map(State::as_str)))
        .add(problem::Column::ClosedAt.gte(closed_between.0))
        .add(problem::Column::ClosedAt.lt(closed_between.1));
    let counted = |c: Condition| Func::sum(Expr::case(c, 1).finally(0));
    // A village and its three sums (NULL for no row, which a group never has).
    type Row = (Uuid, Option<i64>, Option<i64>, Option<i64>);
    let rows: Vec<Row> = problem::Entity::find()
        .filter(scope(access, Act::ReadHousehold))
        .filter(Condition::any().add(active()).add(closed.clone()))
        .select_only()
        .column(problem::Column::VillageId)
        .expr(counted(active().into_condition()))
        .expr(counted(overdue_condition(today)))
        .expr(counted(closed))
        .group_by(problem::Column::VillageId)
        .into_tuple()
        .all(db)
        .await?;
    let n = |v: Option<i64>| u64::try_from(v.unwrap_or(0)).unwrap_or(0);
    Ok(rows
        .into_iter()
        .map(|(village, active, overdue, closed)| {
            (village, VillageTally { active: n(active), overdue: n(overdue), closed: n(closed) })
        })
        .collect())
}
