//! Visits: scoped reads, idempotent inserts keyed by the client's id, review, and the facts that
//! coverage and the monthly counts are computed from.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::coverage::VisitFact;
use domain::geo::{Datum, Position};
use domain::org::{Access, Act};
use domain::visit::{Outcome, PreviousVisit, Review};
use sea_orm::prelude::*;
use sea_orm::sea_query::{
    Alias, Asterisk, CommonTableExpression, ExprTrait, OnConflict, Query, UnionType, WithClause, WithQuery,
};
use sea_orm::{
    ActiveValue::Set, Condition, ConnectionTrait, DbBackend, FromQueryResult, QueryOrder, QuerySelect, QueryTrait,
};
use uuid::Uuid;

use super::ByKey;
use super::entity::{visit, visit_photo, visit_visitor};
use super::scope::{Located, condition};

fn located() -> Located<visit::Column> {
    Located {
        id: visit::Column::Id,
        town: visit::Column::TownId,
        village: visit::Column::VillageId,
        group: Some(visit::Column::GroupId),
        household: Some(visit::Column::HouseholdId),
    }
}

/// Visits the caller may `act` on: those of households within reach, and those they made.
pub fn scope(access: &Access, act: Act) -> Condition {
    let mine = Query::select()
        .column(visit_visitor::Column::VisitId)
        .from(visit_visitor::Entity)
        .and_where(visit_visitor::Column::UserId.eq(access.user_id))
        .take();
    Condition::any().add(condition(access, act, &located())).add(visit::Column::Id.in_subquery(mine))
}

pub async fn find_scoped<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    act: Act,
    id: Uuid,
) -> Result<Option<visit::Model>, DbErr> {
    visit::Entity::find_by_id(id).filter(scope(access, act)).by_key(db).await
}

pub async fn by_client_id<C: ConnectionTrait>(
    db: &C,
    user: Uuid,
    client_id: Uuid,
) -> Result<Option<visit::Model>, DbErr> {
    visit::Entity::find()
        .filter(visit::Column::CreatedBy.eq(user))
        .filter(visit::Column::ClientId.eq(client_id))
        .one(db)
        .await
}

/// Inserts a visit with its visitors and photos; `None` when the creator's client id is taken (the
/// transaction stays usable: the insert does nothing rather than fail).
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    m: visit::ActiveModel,
    visitors: &[Uuid],
    photos: &[Uuid],
) -> Result<Option<visit::Model>, DbErr> {
    let taken = OnConflict::columns([visit::Column::CreatedBy, visit::Column::ClientId]).do_nothing().to_owned();
    if db.get_database_backend() == DbBackend::Postgres {
        let statement = db.get_database_backend().build(&insert_with_links(m, taken, visitors, photos)?);
        return match db.query_one_raw(statement).await? {
            Some(row) => Ok(Some(visit::Model::from_query_result(&row, "")?)),
            None => Ok(None),
        };
    }
    let m = match visit::Entity::insert(m).on_conflict(taken).exec_with_returning(db).await {
        Ok(m) => m,
        // Nothing returned: the insert did nothing (sea-orm says "not found" for an insert whose
        // `RETURNING` gave no row).
        Err(DbErr::RecordNotInserted | DbErr::RecordNotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    visit_visitor::Entity::insert_many(visitors.iter().map(|u| visit_visitor::ActiveModel {
        visit_id: Set(m.id),
        user_id: Set(*u),
        visited_at: Set(Some(m.visited_at)),
    }))
    .exec_without_returning(db)
    .await?;
    if !photos.is_empty() {
        visit_photo::Entity::insert_many(photos.iter().enumerate().map(|(i, p)| visit_photo::ActiveModel {
            visit_id: Set(m.id),
            photo_id: Set(*p),
            position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
            household_id: Set(Some(m.household_id)),
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(Some(m))
}

/// [`insert`] on PostgreSQL: the visit, its visitors and its photo links in one statement (one
/// round trip instead of three: `bench/RESULTS.md`, sessions 12 and 13). The links are inserted
/// from the visit's `RETURNING` row, so a visit whose client id is taken inserts none.
fn insert_with_links(
    m: visit::ActiveModel,
    taken: OnConflict,
    visitors: &[Uuid],
    photos: &[Uuid],
) -> Result<WithQuery, DbErr> {
    let inserted = Alias::new("inserted");
    let mut visit_insert = visit::Entity::insert(m).on_conflict(taken).into_query();
    visit_insert.returning_all();
    let mut with = WithClause::new();
    with.cte(CommonTableExpression::new().query(visit_insert).table_name(inserted.clone()).to_owned());
    let col = |c: visit::Column| Expr::col((inserted.clone(), c));
    let visitor_rows =
        visitors.iter().map(|u| vec![col(visit::Column::Id), Expr::val(*u), col(visit::Column::VisitedAt)]).collect();
    let photo_rows = photos
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let position = i32::try_from(i).unwrap_or(i32::MAX);
            vec![col(visit::Column::Id), Expr::val(*p), Expr::val(position), col(visit::Column::HouseholdId)]
        })
        .collect();
    let links = [
        (
            "visitors",
            links_from(
                &inserted,
                visit_visitor::Entity,
                [visit_visitor::Column::VisitId, visit_visitor::Column::UserId, visit_visitor::Column::VisitedAt],
                visitor_rows,
            )?,
        ),
        (
            "photo_links",
            links_from(
                &inserted,
                visit_photo::Entity,
                [
                    visit_photo::Column::VisitId,
                    visit_photo::Column::PhotoId,
                    visit_photo::Column::Position,
                    visit_photo::Column::HouseholdId,
                ],
                photo_rows,
            )?,
        ),
    ];
    for (name, insert) in links {
        if let Some(insert) = insert {
            with.cte(CommonTableExpression::new().query(insert).table_name(Alias::new(name)).to_owned());
        }
    }
    Ok(with.query(Query::select().column(Asterisk).from(inserted).take()))
}

/// `INSERT INTO table (columns) SELECT … FROM inserted UNION ALL SELECT … FROM inserted …`, one
/// `SELECT` a row (a visit has a few visitors and photos); none when there are no rows.
fn links_from<T: EntityTrait, const N: usize>(
    inserted: &Alias,
    table: T,
    columns: [T::Column; N],
    rows: Vec<Vec<Expr>>,
) -> Result<Option<sea_orm::sea_query::InsertStatement>, DbErr> {
    let select = rows.into_iter().map(|exprs| Query::select().exprs(exprs).from(inserted.clone()).take()).reduce(
        |mut all, row| {
            all.union(UnionType::All, row);
            all
        },
    );
    let Some(select) = select else { return Ok(None) };
    let mut insert = Query::insert();
    insert.into_table(table).columns(columns).select_from(select).map_err(|e| DbErr::Custom(e.to_string()))?;
    Ok(Some(insert))
}

pub fn position_of(m: &visit::Model) -> Option<Position> {
    position(m.latitude, m.longitude, m.datum.as_deref())
}

/// A stored position, when all three of its columns are there.
fn position(lat: Option<f64>, lng: Option<f64>, datum: Option<&str>) -> Option<Position> {
    Position::new(lat?, lng?, Datum::parse(datum?)?)
}

/// The visitor's visit nearest before `at` that has a position (for the travel-speed rule).
pub async fn previous_of<C: ConnectionTrait>(
    db: &C,
    user: Uuid,
    at: DateTime<Utc>,
) -> Result<Option<PreviousVisit>, DbErr> {
    // The visitor's newest twenty along the (user_id, visited_at) timeline index, and of those the
    // newest with a position: one further back says nothing about how fast they travelled. Ordered
    // by the timeline's own column, so that the visits are read newest first and the reading stops
    // at the first with a position (ordered by the visit's copy of it, all twenty were read and
    // sorted: a sixth of a visit submit's time in PostgreSQL, `bench/RESULTS.md` session 10).
    let newest = Alias::new("newest");
    let timeline = Query::select()
        .column(visit_visitor::Column::VisitId)
        .column(visit_visitor::Column::VisitedAt)
        .from(visit_visitor::Entity)
        .and_where(visit_visitor::Column::UserId.eq(user))
        .and_where(visit_visitor::Column::VisitedAt.lte(at))
        .order_by(visit_visitor::Column::VisitedAt, sea_orm::Order::Desc)
        .limit(20)
        .take();
    let query = Query::select()
        .column((visit::Entity, visit::Column::VisitedAt))
        .column((visit::Entity, visit::Column::Latitude))
        .column((visit::Entity, visit::Column::Longitude))
        .column((visit::Entity, visit::Column::Datum))
        .from_subquery(timeline, newest.clone())
        .inner_join(
            visit::Entity,
            Expr::col((visit::Entity, visit::Column::Id)).equals((newest.clone(), visit_visitor::Column::VisitId)),
        )
        .and_where(Expr::col((visit::Entity, visit::Column::Latitude)).is_not_null())
        .order_by((newest, visit_visitor::Column::VisitedAt), sea_orm::Order::Desc)
        .limit(1)
        .take();
    let prev = Placed::find_by_statement(db.get_database_backend().build(&query)).one(db).await?;
    Ok(prev.and_then(|v| {
        Some(PreviousVisit { at: v.visited_at, position: position(v.latitude, v.longitude, v.datum.as_deref())? })
    }))
}

/// Where and when a visit was made.
#[derive(Debug, FromQueryResult)]
struct Placed {
    visited_at: DateTime<Utc>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    datum: Option<String>,
}

#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub household_id: Option<Uuid>,
    pub village_id: Option<Uuid>,
    pub visitor_id: Option<Uuid>,
    pub kind: Option<String>,
    pub month: Option<String>,
    pub flagged: Option<bool>,
    pub review: Option<String>,
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    f: &ListFilter,
    page: u64,
    per_page: u64,
) -> Result<(Vec<visit::Model>, u64), DbErr> {
    let mut q = visit::Entity::find().filter(scope(access, Act::ReadHousehold));
    if let Some(h) = f.household_id {
        q = q.filter(visit::Column::HouseholdId.eq(h));
    }
    if let Some(v) = f.village_id {
        q = q.filter(visit::Column::VillageId.eq(v));
    }
    if let Some(u) = f.visitor_id {
        let theirs = Query::select()
            .column(visit_visitor::Column::VisitId)
            .from(visit_visitor::Entity)
            .and_where(visit_visitor::Column::UserId.eq(u))
            .take();
        q = q.filter(visit::Column::Id.in_subquery(theirs));
    }
    if let Some(k) = &f.kind {
        q = q.filter(visit::Column::Kind.eq(k.clone()));
    }
    if let Some(m) = &f.month {
        q = q.filter(visit::Column::Month.eq(m.clone()));
    }
    // Flagged: a flag held it for review (whatever the review's outcome since). A late entry alone
    // is marked, not held (`domain::visit::Review::initial`).
    let not_held = domain::visit::Review::NotNeeded.as_str();
    match f.flagged {
        Some(true) => q = q.filter(visit::Column::Review.ne(not_held)),
        Some(false) => q = q.filter(visit::Column::Review.eq(not_held)),
        None => {}
    }
    if let Some(r) = &f.review {
        q = q.filter(visit::Column::Review.eq(r.clone()));
    }
    super::paged(db, q.order_by_desc(visit::Column::VisitedAt).order_by_desc(visit::Column::Id), page, per_page).await
}

pub async fn visitors_of<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<Uuid>>, DbErr> {
    let mut out: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for r in
        visit_visitor::Entity::find().filter(visit_visitor::Column::VisitId.is_in(ids.iter().copied())).all(db).await?
    {
        out.entry(r.visit_id).or_default().push(r.user_id);
    }
    for v in out.values_mut() {
        v.sort();
    }
    Ok(out)
}

pub async fn photos_of<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<Uuid>>, DbErr> {
    let mut out: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    let rows = visit_photo::Entity::find()
        .filter(visit_photo::Column::VisitId.is_in(ids.iter().copied()))
        .order_by_asc(visit_photo::Column::Position)
        .all(db)
        .await?;
    for r in rows {
        out.entry(r.visit_id).or_default().push(r.photo_id);
    }
    Ok(out)
}

/// Whether facts carry who went: the monthly counts per visitor need it; coverage, which credits
/// the cadres who answer for a household, does not — and a district's quarter is 150k links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visitors {
    Read,
    Skip,
}

/// Visits in [from, to) of the households matching `cond` (a scope condition on visits), as the
/// facts coverage and the monthly counts are computed from: only the columns the rules read (a
/// covering index holds them) — whole rows cost more to decode than the rules cost to run.
pub async fn facts<C: ConnectionTrait>(
    db: &C,
    cond: Condition,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    with: Visitors,
) -> Result<Vec<VisitFact>, DbErr> {
    let cond = Condition::all().add(cond).add(visit::Column::VisitedAt.gte(from)).add(visit::Column::VisitedAt.lt(to));
    let rows: Vec<(Uuid, Uuid, DateTime<Utc>, String, String)> = visit::Entity::find()
        .filter(cond.clone())
        .select_only()
        .column(visit::Column::Id)
        .column(visit::Column::HouseholdId)
        .column(visit::Column::VisitedAt)
        .column(visit::Column::Outcome)
        .column(visit::Column::Review)
        .into_tuple()
        .all(db)
        .await?;
    let mut visitors: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    if with == Visitors::Read {
        let ids = Query::select().column(visit::Column::Id).from(visit::Entity).cond_where(cond).take();
        let links: Vec<(Uuid, Uuid)> = visit_visitor::Entity::find()
            .filter(visit_visitor::Column::VisitId.in_subquery(ids))
            .select_only()
            .column(visit_visitor::Column::VisitId)
            .column(visit_visitor::Column::UserId)
            .into_tuple()
            .all(db)
            .await?;
        for (v, u) in links {
            visitors.entry(v).or_default().push(u);
        }
    }
    Ok(rows
        .into_iter()
        .map(|(id, household, at, outcome, review)| VisitFact {
            household,
            at,
            outcome: Outcome::from_stored(&outcome),
            review: Review::parse(&review).unwrap_or(Review::Pending),
            visitors: {
                let mut v = visitors.remove(&id).unwrap_or_default();
                v.sort();
                v
            },
        })
        .collect())
}

/// The condition "visits of households in this reach" for coverage (not the caller's own visits
/// elsewhere).
pub fn of_households(access: &Access) -> Condition {
    condition(access, Act::ReadHousehold, &located())
}

/// The same, limited to one village when given.
/// Each household's latest visit (met or found away; not rejected), and whether a visit of it counts
/// in the quarter's visiting window — the same rule as `/coverage` (`domain::coverage`).
pub async fn last_and_covered<C: ConnectionTrait>(
    db: &C,
    households: &[Uuid],
    quarter: domain::Quarter,
) -> Result<(HashMap<Uuid, DateTime<Utc>>, std::collections::HashSet<Uuid>), DbErr> {
    if households.is_empty() {
        return Ok(Default::default());
    }
    let latest: Vec<(Uuid, Option<DateTime<Utc>>)> = visit::Entity::find()
        .filter(visit::Column::HouseholdId.is_in(households.iter().copied()))
        .filter(visit::Column::Review.ne(Review::Rejected.as_str()))
        .select_only()
        .column(visit::Column::HouseholdId)
        .expr(Expr::col(visit::Column::VisitedAt).max())
        .group_by(visit::Column::HouseholdId)
        .into_tuple()
        .all(db)
        .await?;
    let (from, to) = quarter.bounds();
    let window = facts(
        db,
        Condition::all().add(visit::Column::HouseholdId.is_in(households.iter().copied())),
        from,
        to,
        Visitors::Skip,
    )
    .await?;
    let (visited, _) = domain::coverage::reached(quarter, &window);
    Ok((latest.into_iter().filter_map(|(h, at)| Some((h, at?))).collect(), visited))
}

pub fn of_households_in(access: &Access, village: Option<Uuid>) -> Condition {
    let c = Condition::all().add(of_households(access));
    match village {
        Some(v) => c.add(visit::Column::VillageId.eq(v)),
        None => c,
    }
}
