//! The reminder scheduler: every interval it derives what is due from the records
//! (`domain::reminders`). With Redis, the instance holding the scheduler lease queues what is due
//! and not yet delivered, and every instance's workers claim and deliver from the queue; without
//! Redis (the embedded default) the same pass delivers in-process. Either way nothing is kept only
//! in memory or in Redis: a restart or a flush derives the same reminders again, and the key
//! recorded in the database at delivery stops a second one.

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::lists::{ListKind, Period, timeliness};
use domain::org::Role;
use domain::problem::{State, is_overdue};
use domain::reminders::{self, AfterFailure, CadreBacklog, CallerDuty, ListDuty, MustKnowDuty, ProblemDuty, Reminder};
use domain::{Month, Quarter};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::delivery;
use crate::queue::RedisQueue;
use crate::state::AppState;
use crate::store::entity::{archive_submission, meeting, must_know_version, town};
use crate::store::{
    coverage as load, cross_checks, households, lists, notifications, org, phone_checks, problems, users,
};

/// Everything due in one town now.
pub async fn due_in_town(db: &DatabaseConnection, town: Uuid, now: DateTime<Utc>) -> Result<Vec<Reminder>, DbErr> {
    let access = domain::Access::town_wide(town);
    let today = domain::calendar::local_date(now);
    let month = Month::containing(now);
    let quarter = Quarter::containing(now);
    let mut out = Vec::new();
    let live = org::live_from(db, town).await?;

    // Cadres with target households still unvisited this quarter (once the quarter's coverage is
    // owed: a window under way when the town went live is not).
    if live.owes_coverage(quarter) {
        let cov = load::read(db, &access, None, quarter).await?.coverage;
        let backlog: Vec<CadreBacklog> = cov
            .by_cadre
            .iter()
            .map(|(c, t)| CadreBacklog { cadre: *c, not_visited: t.not_visited + t.attempted_absent })
            .collect();
        out.extend(reminders::unvisited(now, &backlog));
    }

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
            timeliness: timeliness(period.due_on(), submitted.get(&v.id).copied().flatten(), now, live),
        })
        .collect();
    out.extend(reminders::lists(now, month, &duties));

    // Department information officers and their must-know updates.
    let departments = org::departments(db, &[town]).await?;
    let dept_ids: Vec<Uuid> = departments.iter().map(|d| d.id).collect();
    let dept_officers = users::with_role(db, Role::InfoOfficer, &dept_ids).await?;
    let updates = must_know_version::Entity::find()
        .filter(must_know_version::Column::TownId.eq(town))
        .filter(must_know_version::Column::Month.eq(month.to_string()))
        .all(db)
        .await?;
    let duties: Vec<MustKnowDuty> = departments
        .iter()
        .map(|d| {
            let first = updates
                .iter()
                .filter(|u| u.owner_kind == "department" && u.owner_id == d.id)
                .map(|u| u.submitted_at)
                .min();
            MustKnowDuty {
                department: d.id,
                department_name: d.name.clone(),
                officers: dept_officers.iter().filter(|(_, s)| *s == d.id).map(|(u, _)| *u).collect(),
                timeliness: domain::leadership::must_know_timeliness(month, first, now, live),
            }
        })
        .collect();
    out.extend(reminders::must_know(now, month, &duties));

    // Archive clerks and the month's materials.
    let clerks = users::with_role(db, Role::ArchiveClerk, &dept_ids).await?;
    let submissions = archive_submission::Entity::find()
        .filter(archive_submission::Column::TownId.eq(town))
        .filter(archive_submission::Column::Month.eq(month.to_string()))
        .all(db)
        .await?;
    let duties: Vec<MustKnowDuty> = departments
        .iter()
        .filter(|d| d.owes_archives)
        .map(|d| {
            let first = submissions.iter().filter(|s| s.department_id == d.id).map(|s| s.submitted_at).min();
            MustKnowDuty {
                department: d.id,
                department_name: d.name.clone(),
                officers: clerks.iter().filter(|(_, s)| *s == d.id).map(|(u, _)| *u).collect(),
                timeliness: timeliness(month.list_deadline(), first, now, live),
            }
        })
        .collect();
    out.extend(reminders::archives(now, month, &duties));

    // The RRO and the cross spot-check.
    let rro: Vec<Uuid> = users::with_role(db, Role::RroStaff, &[town]).await?.into_iter().map(|(u, _)| u).collect();
    let round_open = cross_checks::standing(db, town, &quarter.to_string()).await?.is_some();
    out.extend(reminders::cross_check(now, round_open, &rro));
    let held = meeting::Entity::find().filter(meeting::Column::TownId.eq(town)).all(db).await?;
    let joint_held = held.iter().any(|m| m.kind == "joint_monthly" && m.period == month.to_string());
    let party_held = held.iter().any(|m| m.kind == "party_quarterly" && m.period == quarter.to_string());
    out.extend(reminders::meetings(now, joint_held, party_held, &rro));

    // Problem deadlines, and overdue problems for the Discipline Commission.
    let discipline: Vec<Uuid> =
        users::with_role(db, Role::Discipline, &[town]).await?.into_iter().map(|(u, _)| u).collect();
    let f = problems::ListFilter { active: Some(true), ..Default::default() };
    let (active, _) = problems::list(db, &access, &f, 1, 10_000).await?;
    // Who answers for a unit: a department's staff, a village's secretary, a work team's leader.
    let active_ids: Vec<Uuid> = active.iter().map(|p| p.id).collect();
    let units = problems::units_of(db, &active_ids).await?;
    let team_ids: Vec<Uuid> = org::work_teams(db, &[town]).await?.into_iter().map(|t| t.id).collect();
    let mut members: std::collections::HashMap<Uuid, Vec<Uuid>> = std::collections::HashMap::new();
    for (role, scopes) in
        [(Role::DeptStaff, &dept_ids), (Role::VillageSecretary, &village_ids), (Role::WorkTeamLeader, &team_ids)]
    {
        for (user, scope) in users::with_role(db, role, scopes).await? {
            members.entry(scope).or_default().push(user);
        }
    }
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
                unit_members: units
                    .iter()
                    .filter(|u| u.problem_id == p.id)
                    .flat_map(|u| members.get(&u.unit_id).cloned().unwrap_or_default())
                    .collect(),
            })
        })
        .collect();
    out.extend(reminders::problems(now, &duties, &discipline));

    // Call takers: cases due now and agreed callbacks.
    let cases = phone_checks::open_cases_of_town(db, town).await?;
    let callback_households: Vec<Uuid> = cases.iter().filter(|c| c.callback).map(|c| c.household_id).collect();
    let heads: std::collections::HashMap<Uuid, String> =
        households::by_ids(db, &callback_households).await?.into_iter().map(|h| (h.id, h.head_name)).collect();
    let mut by_caller: std::collections::BTreeMap<Uuid, CallerDuty> = std::collections::BTreeMap::new();
    for c in &cases {
        let Some(caller) = c.assignee_id else { continue };
        let d = by_caller.entry(caller).or_insert_with(|| CallerDuty { caller, due_now: 0, callbacks: vec![] });
        match (c.callback, c.due_at) {
            (true, Some(at)) => d.callbacks.push((c.id, at, heads.get(&c.household_id).cloned().unwrap_or_default())),
            (false, due) if c.attempts == 0 || due.is_some_and(|t| t <= now) => d.due_now += 1,
            _ => {}
        }
    }
    out.extend(reminders::calls(now, &by_caller.into_values().collect::<Vec<_>>()));
    Ok(out)
}

/// Everything due now in every town.
pub async fn due_now(state: &AppState) -> Result<Vec<Reminder>, DbErr> {
    let now = state.clock.now();
    let mut out = Vec::new();
    for t in town::Entity::find().all(&state.db).await? {
        out.extend(due_in_town(&state.db, t.id, now).await?);
    }
    Ok(out)
}

/// One pass: derive and deliver (in-process), or schedule and drain the queue (Redis).
/// Returns how many reminders reached an inbox for the first time.
pub async fn run_once(state: &AppState) -> anyhow::Result<usize> {
    match &state.queue {
        Some(queue) => {
            schedule_pass(state, queue).await?;
            drain(state, queue).await
        }
        None => {
            let now = state.clock.now();
            let mut delivered = 0;
            let due = due_now(state).await?;
            clear_done(state, &due, now).await?;
            for r in due {
                // A failure is retried by the next pass, which derives the reminder again.
                match delivery::deliver(state, &r, now).await {
                    Ok(d) => delivered += usize::from(d.new_in_inbox),
                    Err(e) => {
                        state.metrics.reminder("failed");
                        tracing::warn!(reminder.key = %r.key, error.message = %e, "delivery failed; retrying next pass");
                    }
                }
            }
            Ok(delivered)
        }
    }
}

/// Reminders of work now done clear themselves: an unread reminder of a kind that stands for work
/// to do, which the records no longer give, is marked read.
async fn clear_done(state: &AppState, due: &[Reminder], now: DateTime<Utc>) -> Result<(), DbErr> {
    let still: std::collections::HashSet<&str> = due.iter().map(|r| r.key.as_str()).collect();
    let cleared = notifications::clear_unless(&state.db, &still, now).await?;
    if cleared > 0 {
        tracing::info!(reminders.cleared = cleared, "reminders of work done cleared");
    }
    Ok(())
}

/// How long the scheduler lease lasts without renewal.
fn lease_ttl(state: &AppState) -> Duration {
    Duration::from_secs((state.settings.reminder_interval_seconds * 3).max(10))
}

/// If this instance holds the scheduler lease: queue everything due and not yet delivered.
/// Returns how many jobs were newly queued.
pub async fn schedule_pass(state: &AppState, queue: &RedisQueue) -> anyhow::Result<usize> {
    if !queue.lease(&state.instance, lease_ttl(state)).await? {
        return Ok(0);
    }
    let now = state.clock.now();
    let due = due_now(state).await?;
    clear_done(state, &due, now).await?;
    let keys: Vec<String> = due.iter().map(|r| r.key.clone()).collect();
    let done = notifications::delivered(&state.db, &keys).await?;
    let mut queued = 0;
    for r in due.iter().filter(|r| !done.contains(&r.key)) {
        queued += usize::from(queue.enqueue(r, now).await?);
    }
    state.metrics.queue_depth(&queue.depth().await?);
    Ok(queued)
}

/// Claims and delivers until nothing is due. Returns how many reached an inbox for the first time.
pub async fn drain(state: &AppState, queue: &RedisQueue) -> anyhow::Result<usize> {
    let visibility = chrono::Duration::seconds(i64::try_from(state.settings.reminder_visibility_seconds).unwrap_or(60));
    let mut delivered = 0;
    loop {
        let now = state.clock.now();
        let Some(job) = queue.claim(now, visibility).await? else { break };
        match delivery::deliver(state, &job.reminder, now).await {
            Ok(d) => {
                queue.ack(&job.key).await?;
                delivered += usize::from(d.new_in_inbox);
            }
            Err(e) => {
                state.metrics.reminder("failed");
                let retry_at = match state.settings.reminder_retry.after_failure(job.attempt) {
                    AfterFailure::RetryIn(s) => Some(now + chrono::Duration::seconds(i64::try_from(s).unwrap_or(3600))),
                    AfterFailure::DeadLetter => None,
                };
                if retry_at.is_none() {
                    state.metrics.reminder("dead_lettered");
                    tracing::error!(reminder.key = %job.key, attempts = job.attempt, error.message = %e, "reminder dead-lettered");
                } else {
                    tracing::warn!(reminder.key = %job.key, attempt = job.attempt, error.message = %e, "delivery failed; will retry");
                }
                queue.fail(&job.key, retry_at, now).await?;
            }
        }
    }
    state.metrics.queue_depth(&queue.depth().await?);
    Ok(delivered)
}

/// Runs until the task is dropped (at shutdown): in-process, a pass every `interval`; with Redis,
/// a scheduling pass every `interval` and the workers draining the queue every second.
pub async fn schedule(state: crate::state::State, interval: Duration) {
    if let Some(q) = &state.queue {
        q.check_eviction_policy().await;
    }
    let mut last_scheduled: Option<std::time::Instant> = None;
    loop {
        let result = match &state.queue {
            None => run_once(&state).await,
            Some(q) => {
                let mut r = Ok(0);
                if last_scheduled.is_none_or(|t| t.elapsed() >= interval) {
                    last_scheduled = Some(std::time::Instant::now());
                    r = schedule_pass(&state, q).await;
                }
                match r {
                    Ok(_) => drain(&state, q).await,
                    Err(e) => Err(e),
                }
            }
        };
        match result {
            Ok(n) if n > 0 => tracing::info!(reminders.delivered = n, "reminders delivered"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error.message = %e, "reminder pass failed; retrying"),
        }
        let pause = if state.queue.is_some() { interval.min(Duration::from_secs(1)) } else { interval };
        tokio::time::sleep(pause).await;
    }
}
