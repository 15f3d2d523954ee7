//! The append-only audit trail: writes (who, what, when, from where) and sensitive reads.

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, QueryOrder};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::entity::audit_entry;
use crate::auth::AuthUser;

/// One thing that happened, to be recorded.
pub struct Event<'a> {
    pub town_id: Option<Uuid>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<Uuid>,
    pub detail: Value,
}

pub async fn record<C: ConnectionTrait>(
    db: &C,
    actor: Option<&AuthUser>,
    event: Event<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    entry(actor, event, now).insert(db).await?;
    Ok(())
}

fn entry(actor: Option<&AuthUser>, event: Event<'_>, now: DateTime<Utc>) -> audit_entry::ActiveModel {
    audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(event.town_id.or(actor.and_then(|a| a.town_id))),
        actor_id: Set(actor.map(|a| a.id)),
        action: Set(event.action.to_owned()),
        object_type: Set(event.object_type.to_owned()),
        object_id: Set(event.object_id),
        at: Set(now),
        ip: Set(actor.and_then(|a| a.ip.clone())),
        request_id: Set(actor.and_then(|a| a.request_id.clone())),
        detail: Set(event.detail.to_string()),
    }
}

/// Entries one insert writes at most: ten columns each, 20,000 bound values, within SQLite's
/// (32,766) and PostgreSQL's (65,535) limits. The one writer inserts a batch at a time, so this
/// bounds how many reads a second are logged: with 500, PostgreSQL household reads stopped at ~11k/s
/// behind the log (the server at a third of its core); with 2,000, 17–19k/s (`bench/RESULTS.md`,
/// session 9).
const BATCH: usize = 2000;

/// How long the writer lets entries gather after the first of a batch: at thousands of reads a
/// second, an insert of each few entries as they came cost more in thread wake-ups (the task, and
/// sqlx's SQLite worker) than the inserts themselves.
const GATHER: std::time::Duration = std::time::Duration::from_millis(10);

/// The longest [`ReadLog::flush`] waits (a queued batch takes milliseconds to write).
const FLUSH_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Debug)]
#[expect(clippy::large_enum_variant, reason = "entries far outnumber flushes: boxing would allocate once a read")]
enum Logged {
    Entry(audit_entry::ActiveModel),
    Flush(oneshot::Sender<()>),
}

/// The log of plain reads (who read which household), written in batches by one task: a read is
/// otherwise a write transaction of its own, on SQLite through the one writer connection. An entry
/// is queued before the read is answered; the task inserts it with whatever else queued within
/// [`GATHER`] of it, or while the last batch was written. An insert that
/// fails is retried until it succeeds (the queue is bounded: a long outage makes readers wait, it
/// loses nothing). [`ReadLog::flush`] waits until everything queued before it is in the database:
/// the audit list calls it, so what this instance answered is in the log when someone looks, and
/// shutdown calls it after the last request. Reveals and writes are recorded in their own
/// transaction, as before ([`record`]).
#[derive(Debug)]
pub struct ReadLog {
    queue: mpsc::Sender<Logged>,
}

impl ReadLog {
    /// Starts the writing task on the current runtime.
    pub fn start(db: DatabaseConnection) -> Self {
        let (queue, rx) = mpsc::channel(4 * BATCH);
        tokio::spawn(write_batches(db, rx));
        Self { queue }
    }

    pub async fn record(&self, actor: &AuthUser, event: Event<'_>, now: DateTime<Utc>) -> Result<(), DbErr> {
        self.queue
            .send(Logged::Entry(entry(Some(actor), event, now)))
            .await
            .map_err(|_| DbErr::Custom("the read log has stopped".into()))
    }

    /// Waits until every entry queued before the call is written: at most [`FLUSH_WAIT`], so a
    /// database that is down (the writer retrying) neither hangs a request nor keeps the process
    /// from exiting. Whether everything was written.
    pub async fn flush(&self) -> bool {
        let (done, written) = oneshot::channel();
        let wait = async { self.queue.send(Logged::Flush(done)).await.is_ok() && written.await.is_ok() };
        tokio::time::timeout(FLUSH_WAIT, wait).await.unwrap_or(false)
    }
}

async fn write_batches(db: DatabaseConnection, mut rx: mpsc::Receiver<Logged>) {
    let (mut batch, mut waiting) = (Vec::with_capacity(BATCH), Vec::new());
    while let Some(first) = rx.recv().await {
        if matches!(first, Logged::Entry(_)) {
            tokio::time::sleep(GATHER).await;
        }
        let mut next = Some(first);
        while let Some(logged) = next.take() {
            match logged {
                Logged::Entry(e) => batch.push(e),
                Logged::Flush(done) => waiting.push(done),
            }
            if batch.len() < BATCH {
                next = rx.try_recv().ok();
            }
        }
        let mut pause = std::time::Duration::from_millis(100);
        while !batch.is_empty() {
            // An insert whose answer was lost (the connection failed after the statement ran) may
            // have been written: entries already there, by their id, are skipped on the retry
            // instead of failing it, and the retries, for ever.
            let insert = audit_entry::Entity::insert_many(batch.iter().cloned())
                .on_conflict(OnConflict::column(audit_entry::Column::Id).do_nothing().to_owned());
            match insert.exec_without_returning(&db).await {
                Ok(_) => batch.clear(),
                Err(e) => {
                    tracing::error!(error = %e, entries = batch.len(), "read log: insert failed, retrying");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(std::time::Duration::from_secs(5));
                }
            }
        }
        for done in waiting.drain(..) {
            let _ = done.send(());
        }
    }
}

#[derive(Debug, Default)]
pub struct Filter {
    pub action: Option<String>,
    pub object_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    towns: &[Uuid],
    f: &Filter,
    page: u64,
    per_page: u64,
) -> Result<(Vec<audit_entry::Model>, u64), DbErr> {
    let mut q = audit_entry::Entity::find().filter(audit_entry::Column::TownId.is_in(towns.iter().copied()));
    if let Some(a) = &f.action {
        q = q.filter(audit_entry::Column::Action.eq(a.clone()));
    }
    if let Some(o) = f.object_id {
        q = q.filter(audit_entry::Column::ObjectId.eq(o));
    }
    if let Some(a) = f.actor_id {
        q = q.filter(audit_entry::Column::ActorId.eq(a));
    }
    if let Some(t) = f.from {
        q = q.filter(audit_entry::Column::At.gte(t));
    }
    if let Some(t) = f.to {
        q = q.filter(audit_entry::Column::At.lt(t));
    }
    super::paged(db, q.order_by_desc(audit_entry::Column::At).order_by_desc(audit_entry::Column::Id), page, per_page)
        .await
}

/// How many entries of `action` the actor left since `since` (the reveal limit counts its reveals).
pub async fn count_by_actor<C: ConnectionTrait>(
    db: &C,
    actor: Uuid,
    action: &str,
    since: DateTime<Utc>,
) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    audit_entry::Entity::find()
        .filter(audit_entry::Column::ActorId.eq(actor))
        .filter(audit_entry::Column::At.gte(since))
        .filter(audit_entry::Column::Action.eq(action))
        .count(db)
        .await
}

/// Whether the actor ever took `action` on the object (an editor of a draft is one of its authors).
pub async fn acted_on<C: ConnectionTrait>(db: &C, actor: Uuid, action: &str, object: Uuid) -> Result<bool, DbErr> {
    use sea_orm::PaginatorTrait;
    Ok(audit_entry::Entity::find()
        .filter(audit_entry::Column::ActorId.eq(actor))
        .filter(audit_entry::Column::ObjectId.eq(object))
        .filter(audit_entry::Column::Action.eq(action))
        .count(db)
        .await?
        > 0)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use sea_orm::{EntityTrait, PaginatorTrait};

    use super::*;

    #[tokio::test]
    async fn a_batch_retried_after_part_of_it_was_written_is_completed() {
        let (_dir, db) = crate::store::test_database().await;
        let log = ReadLog::start(db.clone());
        let event = |action| Event {
            town_id: None,
            action,
            object_type: "household",
            object_id: Some(Uuid::now_v7()),
            detail: Value::Null,
        };
        let (first, second) =
            (entry(None, event("household.read"), Utc::now()), entry(None, event("household.read"), Utc::now()));
        // The first was written by an insert whose answer never came back.
        audit_entry::Entity::insert(first.clone()).exec_without_returning(&db).await.unwrap();
        for e in [first, second] {
            log.queue.send(Logged::Entry(e)).await.unwrap();
        }
        assert!(log.flush().await, "the batch is written, not retried until the flush gives up");
        assert_eq!(audit_entry::Entity::find().count(&db).await.unwrap(), 2);
    }
}
