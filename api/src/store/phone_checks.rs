//! Phone spot-checks: questionnaires and versions, call lists and cases, attempts, flags.

use chrono::{DateTime, Utc};
use domain::org::{Access, Act, Role};
use sea_orm::prelude::*;
use sea_orm::sea_query::Query;
use sea_orm::{ActiveValue::Set, Condition, ConnectionTrait, QueryOrder};
use uuid::Uuid;

use super::ByKey;
use super::entity::{call_attempt, call_case, call_flag, call_list, questionnaire, questionnaire_version};
use super::scope::{Located, reach_condition};

// Questionnaires -------------------------------------------------------------------------------

pub async fn create_questionnaire<C: ConnectionTrait>(
    db: &C,
    town: Uuid,
    name: &str,
    questions: &str,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<(questionnaire::Model, questionnaire_version::Model), DbErr> {
    let q = questionnaire::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(town),
        name: Set(name.to_owned()),
        created_by: Set(by),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    let v = insert_version(db, q.id, 1, questions, now).await?;
    Ok((q, v))
}

async fn insert_version<C: ConnectionTrait>(
    db: &C,
    questionnaire: Uuid,
    version: i32,
    questions: &str,
    now: DateTime<Utc>,
) -> Result<questionnaire_version::Model, DbErr> {
    questionnaire_version::ActiveModel {
        id: Set(Uuid::now_v7()),
        questionnaire_id: Set(questionnaire),
        version: Set(version),
        status: Set("draft".into()),
        questions: Set(questions.to_owned()),
        published_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await
}

pub async fn questionnaires<C: ConnectionTrait>(db: &C, towns: &[Uuid]) -> Result<Vec<questionnaire::Model>, DbErr> {
    questionnaire::Entity::find()
        .filter(questionnaire::Column::TownId.is_in(towns.iter().copied()))
        .order_by_asc(questionnaire::Column::CreatedAt)
        .all(db)
        .await
}

pub async fn questionnaire<C: ConnectionTrait>(
    db: &C,
    towns: &[Uuid],
    id: Uuid,
) -> Result<Option<questionnaire::Model>, DbErr> {
    questionnaire::Entity::find_by_id(id)
        .filter(questionnaire::Column::TownId.is_in(towns.iter().copied()))
        .one(db)
        .await
}

pub async fn versions_of<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Vec<questionnaire_version::Model>, DbErr> {
    questionnaire_version::Entity::find()
        .filter(questionnaire_version::Column::QuestionnaireId.is_in(ids.iter().copied()))
        .order_by_asc(questionnaire_version::Column::Version)
        .all(db)
        .await
}

pub async fn version<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<questionnaire_version::Model>, DbErr> {
    questionnaire_version::Entity::find_by_id(id).by_key(db).await
}

/// Replaces the draft's questions, or starts a new draft version after the last published one.
pub async fn save_draft<C: ConnectionTrait>(
    db: &C,
    questionnaire: Uuid,
    questions: &str,
    now: DateTime<Utc>,
) -> Result<questionnaire_version::Model, DbErr> {
    let versions = versions_of(db, &[questionnaire]).await?;
    match versions.last() {
        Some(v) if v.status == "draft" => {
            let mut am: questionnaire_version::ActiveModel = v.clone().into();
            am.questions = Set(questions.to_owned());
            am.update(db).await
        }
        last => insert_version(db, questionnaire, last.map_or(1, |v| v.version + 1), questions, now).await,
    }
}

/// Publishes the draft; `None` when there is none.
pub async fn publish<C: ConnectionTrait>(
    db: &C,
    questionnaire: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<questionnaire_version::Model>, DbErr> {
    let versions = versions_of(db, &[questionnaire]).await?;
    let Some(draft) = versions.into_iter().rev().find(|v| v.status == "draft") else { return Ok(None) };
    let mut am: questionnaire_version::ActiveModel = draft.into();
    am.status = Set("published".into());
    am.published_at = Set(Some(now));
    Ok(Some(am.update(db).await?))
}

// Lists and cases ------------------------------------------------------------------------------

fn list_located() -> Located<call_list::Column> {
    Located {
        id: call_list::Column::Id,
        town: call_list::Column::TownId,
        village: call_list::Column::VillageId,
        group: None,
        household: None,
    }
}

fn case_located() -> Located<call_case::Column> {
    Located {
        id: call_case::Column::Id,
        town: call_case::Column::TownId,
        village: call_case::Column::VillageId,
        group: None,
        household: Some(call_case::Column::HouseholdId),
    }
}

/// Lists the caller may read: by their reach (a call taker's town grant does not count), or because
/// a case on the list is assigned to them.
pub fn list_scope(access: &Access) -> Condition {
    let reach = access.reach_except(Act::ReadPhoneChecks, &[Role::CallTaker]);
    let assigned = Query::select()
        .column(call_case::Column::ListId)
        .from(call_case::Entity)
        .and_where(call_case::Column::AssigneeId.eq(access.user_id))
        .take();
    Condition::any()
        .add(reach_condition(&reach, access, &list_located()))
        .add(call_list::Column::Id.in_subquery(assigned))
}

/// Cases the caller may read: by reach (not a call taker's town grant), or assigned to them.
pub fn case_scope(access: &Access) -> Condition {
    let reach = access.reach_except(Act::ReadPhoneChecks, &[Role::CallTaker]);
    Condition::any()
        .add(reach_condition(&reach, access, &case_located()))
        .add(call_case::Column::AssigneeId.eq(access.user_id))
}

pub async fn list_by_village_month<C: ConnectionTrait>(
    db: &C,
    village: Uuid,
    month: &str,
) -> Result<Option<call_list::Model>, DbErr> {
    call_list::Entity::find()
        .filter(call_list::Column::VillageId.eq(village))
        .filter(call_list::Column::Month.eq(month))
        .one(db)
        .await
}

pub struct NewList {
    pub town: Uuid,
    pub village: Uuid,
    pub month: String,
    pub version: Uuid,
    pub sample_rate: Option<f64>,
    pub seed: i64,
    pub by: Uuid,
}

/// A household on the list: who calls it, and whether it has a usable phone.
pub struct NewCase {
    pub household: Uuid,
    pub assignee: Option<Uuid>,
    pub has_phone: bool,
}

pub async fn insert_list<C: ConnectionTrait>(
    db: &C,
    l: NewList,
    cases: &[NewCase],
    now: DateTime<Utc>,
) -> Result<call_list::Model, DbErr> {
    let list = call_list::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(l.town),
        village_id: Set(l.village),
        month: Set(l.month),
        version_id: Set(l.version),
        sample_rate: Set(l.sample_rate),
        seed: Set(l.seed),
        created_by: Set(l.by),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    let rows: Vec<call_case::ActiveModel> = cases
        .iter()
        .map(|c| call_case::ActiveModel {
            id: Set(Uuid::now_v7()),
            list_id: Set(list.id),
            town_id: Set(l.town),
            village_id: Set(l.village),
            household_id: Set(c.household),
            assignee_id: Set(c.assignee),
            status: Set(if c.has_phone { "open" } else { "no_phone" }.into()),
            last_outcome: Set(None),
            attempts: Set(0),
            due_at: Set(None),
            callback: Set(false),
            held_by: Set(None),
            held_until: Set(None),
            satisfied: Set(None),
            problems: Set(0),
            closed_at: Set(None),
        })
        .collect();
    for chunk in rows.chunks(200) {
        call_case::Entity::insert_many(chunk.to_vec()).exec_without_returning(db).await?;
    }
    Ok(list)
}

pub async fn find_list<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    id: Uuid,
) -> Result<Option<call_list::Model>, DbErr> {
    call_list::Entity::find_by_id(id).filter(list_scope(access)).by_key(db).await
}

pub async fn lists<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    month: Option<&str>,
    village: Option<Uuid>,
    page: u64,
    per_page: u64,
) -> Result<(Vec<call_list::Model>, u64), DbErr> {
    let mut q = call_list::Entity::find().filter(list_scope(access));
    if let Some(m) = month {
        q = q.filter(call_list::Column::Month.eq(m));
    }
    if let Some(v) = village {
        q = q.filter(call_list::Column::VillageId.eq(v));
    }
    super::paged(db, q.order_by_desc(call_list::Column::Month).order_by_asc(call_list::Column::Id), page, per_page)
        .await
}

/// Lists of some towns for a month (figures).
pub async fn lists_of_towns<C: ConnectionTrait>(
    db: &C,
    towns: &[Uuid],
    month: &str,
) -> Result<Vec<call_list::Model>, DbErr> {
    call_list::Entity::find()
        .filter(call_list::Column::TownId.is_in(towns.iter().copied()))
        .filter(call_list::Column::Month.eq(month))
        .all(db)
        .await
}

pub async fn cases_of<C: ConnectionTrait>(db: &C, lists: &[Uuid]) -> Result<Vec<call_case::Model>, DbErr> {
    call_case::Entity::find()
        .filter(call_case::Column::ListId.is_in(lists.iter().copied()))
        .order_by_asc(call_case::Column::Id)
        .all(db)
        .await
}

/// The cases of a list the caller may read, in one query.
pub async fn visible_cases<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    list: Uuid,
) -> Result<Vec<call_case::Model>, DbErr> {
    call_case::Entity::find()
        .filter(call_case::Column::ListId.eq(list))
        .filter(case_scope(access))
        .order_by_asc(call_case::Column::Id)
        .all(db)
        .await
}

pub async fn find_case<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    id: Uuid,
) -> Result<Option<call_case::Model>, DbErr> {
    call_case::Entity::find_by_id(id).filter(case_scope(access)).by_key(db).await
}

/// The caller's open cases (their queue is ordered by the domain rule).
pub async fn open_cases_of<C: ConnectionTrait>(db: &C, caller: Uuid) -> Result<Vec<call_case::Model>, DbErr> {
    call_case::Entity::find()
        .filter(call_case::Column::AssigneeId.eq(caller))
        .filter(call_case::Column::Status.eq("open"))
        .all(db)
        .await
}

pub async fn list_by_id<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<call_list::Model>, DbErr> {
    call_list::Entity::find_by_id(id).by_key(db).await
}

// Attempts and flags ---------------------------------------------------------------------------

pub async fn attempt_by_client_id<C: ConnectionTrait>(
    db: &C,
    client_id: Uuid,
) -> Result<Option<call_attempt::Model>, DbErr> {
    call_attempt::Entity::find().filter(call_attempt::Column::ClientId.eq(client_id)).one(db).await
}

pub async fn attempts_of<C: ConnectionTrait>(db: &C, cases: &[Uuid]) -> Result<Vec<call_attempt::Model>, DbErr> {
    call_attempt::Entity::find()
        .filter(call_attempt::Column::CaseId.is_in(cases.iter().copied()))
        .order_by_asc(call_attempt::Column::CalledAt)
        .order_by_asc(call_attempt::Column::Id)
        .all(db)
        .await
}

/// Attempts made in [from, to) on cases of these towns (per-caller figures).
pub async fn attempts_in<C: ConnectionTrait>(db: &C, lists: &[Uuid]) -> Result<Vec<call_attempt::Model>, DbErr> {
    let cases = Query::select()
        .column(call_case::Column::Id)
        .from(call_case::Entity)
        .and_where(call_case::Column::ListId.is_in(lists.iter().copied()))
        .take();
    call_attempt::Entity::find().filter(call_attempt::Column::CaseId.in_subquery(cases)).all(db).await
}

pub async fn flags<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    status: Option<&str>,
    page: u64,
    per_page: u64,
) -> Result<(Vec<call_flag::Model>, u64), DbErr> {
    let reach = access.reach_except(Act::ReadPhoneChecks, &[Role::CallTaker]);
    let located = Located {
        id: call_flag::Column::Id,
        town: call_flag::Column::TownId,
        village: call_flag::Column::VillageId,
        group: None,
        household: Some(call_flag::Column::HouseholdId),
    };
    let mut q = call_flag::Entity::find().filter(reach_condition(&reach, access, &located));
    if let Some(s) = status {
        q = q.filter(call_flag::Column::Status.eq(s));
    }
    super::paged(db, q.order_by_desc(call_flag::Column::CreatedAt).order_by_asc(call_flag::Column::Id), page, per_page)
        .await
}

pub async fn flag_in_towns<C: ConnectionTrait>(
    db: &C,
    towns: &[Uuid],
    id: Uuid,
) -> Result<Option<call_flag::Model>, DbErr> {
    call_flag::Entity::find_by_id(id).filter(call_flag::Column::TownId.is_in(towns.iter().copied())).by_key(db).await
}

pub async fn flags_of_attempts<C: ConnectionTrait>(db: &C, attempts: &[Uuid]) -> Result<Vec<call_flag::Model>, DbErr> {
    call_flag::Entity::find().filter(call_flag::Column::AttemptId.is_in(attempts.iter().copied())).all(db).await
}

pub async fn attempt<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<call_attempt::Model>, DbErr> {
    call_attempt::Entity::find_by_id(id).by_key(db).await
}

pub async fn case_by_id<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<call_case::Model>, DbErr> {
    call_case::Entity::find_by_id(id).by_key(db).await
}

pub async fn problems_of_attempt<C: ConnectionTrait>(db: &C, attempt: Uuid) -> Result<Vec<Uuid>, DbErr> {
    use super::entity::problem;
    use sea_orm::QuerySelect;
    problem::Entity::find()
        .select_only()
        .column(problem::Column::Id)
        .filter(problem::Column::CallAttemptId.eq(attempt))
        .order_by_asc(problem::Column::Id)
        .into_tuple()
        .all(db)
        .await
}

/// Whether the household has a visit recorded in [from, to).
pub async fn visited_between<C: ConnectionTrait>(
    db: &C,
    household: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<bool, DbErr> {
    use super::entity::visit;
    use sea_orm::PaginatorTrait;
    Ok(visit::Entity::find()
        .filter(visit::Column::HouseholdId.eq(household))
        .filter(visit::Column::VisitedAt.gte(from))
        .filter(visit::Column::VisitedAt.lt(to))
        .filter(visit::Column::Outcome.ne(domain::visit::Outcome::AbsentAttempted.as_str()))
        .count(db)
        .await?
        > 0)
}

/// Open, assigned cases of a town (for reminders).
pub async fn open_cases_of_town<C: ConnectionTrait>(db: &C, town: Uuid) -> Result<Vec<call_case::Model>, DbErr> {
    call_case::Entity::find()
        .filter(call_case::Column::TownId.eq(town))
        .filter(call_case::Column::Status.eq("open"))
        .filter(call_case::Column::AssigneeId.is_not_null())
        .all(db)
        .await
}
