//! The reminder scheduler, in-process: every interval it derives what is due from the records
//! (`domain::reminders`) and delivers it to the inbox, once per key. Nothing is kept only in memory:
//! a restart derives the same reminders, and the key stops a second delivery.

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::coverage::coverage;
use domain::lists::{ListKind, Period, timeliness};
use domain::org::{Access, Grant, Place, Role};
use domain::problem::{State, is_overdue};
use domain::reminders::{self, CadreBacklog, ListDuty, ProblemDuty, Reminder};
use domain::{Month, Quarter};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};
use uuid::Uuid;

use crate::state::State as AppState;
use crate::store::entity::town;
use crate::store::{coverage as load, cross_checks, lists, notifications, org, problems, users, visits};

/// A town-wide view, for the scheduler: the same scope mechanism as any caller's.
fn town_access(town: Uuid) -> Access {
    Access::build(Uuid::nil(), vec![Grant { role: Role::RroStaff, place: Place::Town { town } }], vec![])
}

/// Everything due in one town now.
pub async fn due_in_town(db: &DatabaseConnection, town: Uuid, now: DateTime<Utc>) -> Result<Vec<Reminder>, DbErr> {
    let access = town_access(town);
    let today = domain::calendar::local_date(now);
    let month = Month::containing(now);
    let quarter = Quarter::containing(now);
    let mut out = Vec::new();

    // Cadres with target households still unvisited this quarter.
    let households = load::target_households(db, &access, None).await?;
    let (from, to) = quarter.bounds();
    let facts = visits::facts(db, visits::of_households(&access), from, to).await?;
    let cov = coverage(quarter, &households, &facts);
    let backlog: Vec<CadreBacklog> = cov
        .by_cadre
        .iter()
        .map(|(c, t)| CadreBacklog { cadre: *c, not_visited: t.not_visited + t.attempted_absent })
        .collect();
    out.extend(reminders::unvisited(now, &backlog));

    // Village information officers and their lists.
    let villages = org::villages(db, &[town]).await?;
    let village_ids: Vec<Uuid> = villages.iter().map(|v| v.id).collect();
    let officers = users::with_role(db, Role::InfoOfficer, &village_ids).await?;
    let period = Period::Month(month);
    let submitted: std::collections::HashMap<Uuid, Option<DateTime<Utc>>> =
        lists::of_towns(db, &[town], ListKind::Routine, &month.to_string())
            .await?
            .into_iter()
            .map(|l| (l.village_id, l.submitted_at))
            .collect();
    let duties: Vec<ListDuty> = villages
        .iter()
        .map(|v| ListDuty {
            village: v.id,
            village_name: v.name.clone(),
            officers: officers.iter().filter(|(_, s)| *s == v.id).map(|(u, _)| *u).collect(),
            timeliness: timeliness(period.due_on(), submitted.get(&v.id).copied().flatten(), now),
        })
        .collect();
    out.extend(reminders::lists(now, month, &duties));

    // The RRO and the cross spot-check.
    let rro: Vec<Uuid> = users::with_role(db, Role::RroStaff, &[town]).await?.into_iter().map(|(u, _)| u).collect();
    let round_open = !cross_checks::rounds(db, &[town], Some(&quarter.to_string())).await?.is_empty();
    out.extend(reminders::cross_check(now, round_open, &rro));

    // Problem deadlines, and overdue problems for the Discipline Commission.
    let discipline: Vec<Uuid> =
        users::with_role(db, Role::Discipline, &[town]).await?.into_iter().map(|(u, _)| u).collect();
    let f = problems::ListFilter { active: Some(true), ..Default::default() };
    let (active, _) = problems::list(db, &access, &f, 1, 10_000).await?;
    let duties: Vec<ProblemDuty> = active
        .into_iter()
        .filter_map(|p| {
            let deadline = p.deadline?;
            let state = State::parse(&p.status).unwrap_or(State::Open);
            Some(ProblemDuty {
                problem: p.id,
                description: p.description.chars().take(30).collect(),
                deadline,
                overdue: is_overdue(state, Some(deadline), p.claimed_on, today),
                responsible: p.responsible_user_id,
            })
        })
        .collect();
    out.extend(reminders::problems(now, &duties, &discipline));
    Ok(out)
}

/// One pass over every town: derive, deliver once. Returns how many were newly delivered.
pub async fn run_once(state: &AppState) -> Result<usize, DbErr> {
    let now = state.clock.now();
    let towns: Vec<Uuid> = town::Entity::find().all(&state.db).await?.into_iter().map(|t| t.id).collect();
    let mut delivered = 0;
    for t in towns {
        for r in due_in_town(&state.db, t, now).await? {
            if notifications::deliver(&state.db, &r, now).await? {
                delivered += 1;
            }
        }
    }
    Ok(delivered)
}

/// Runs `run_once` every `interval` until the task is dropped (at shutdown).
pub async fn schedule(state: AppState, interval: Duration) {
    loop {
        match run_once(&state).await {
            Ok(n) if n > 0 => tracing::info!(reminders.delivered = n, "reminders delivered"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error.message = %e, "reminder pass failed; retrying next interval"),
        }
        tokio::time::sleep(interval).await;
    }
}
