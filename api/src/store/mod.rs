//! Persistence: the database connection, sea-orm entities and the queries of each area.
//! Queries return entities or domain types; routes never build SQL.

pub mod audit;
pub mod coverage;
pub mod cross_checks;
pub mod entity;
pub mod households;
pub mod idempotency;
pub mod lists;
pub mod meetings;
pub mod notifications;
pub mod org;
pub mod phone_checks;
pub mod photos;
pub mod problems;
pub mod scope;
pub mod screenings;
pub mod sessions;
pub mod supervisions;
pub mod uploads;
pub mod users;
pub mod visits;

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, Statement};

use crate::settings::{Settings, expose};

/// Opens the pool. On SQLite every connection of the pool gets WAL (readers never wait for the
/// writer), a busy timeout, foreign keys and `synchronous=NORMAL` (set per connection when it is
/// opened: a `PRAGMA` run once reaches only the connection that ran it), and a row buffer large
/// enough that reading a quarter's visits does not hand rows to the async side fifty at a time.
/// Foreign keys are enforced on both databases.
pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(expose(&settings.database_url).to_owned());
    opts.max_connections(settings.database_max_connections)
        .min_connections(if settings.is_sqlite() { 1 } else { 0 })
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .map_sqlx_sqlite_opts(|o| {
            sqlite_reads(
                o.journal_mode(SqliteJournalMode::Wal).foreign_keys(true).synchronous(SqliteSynchronous::Normal),
            )
        });
    log_slow_statements(&mut opts, settings);
    let db = Database::connect(opts).await?;
    if !settings.is_sqlite() {
        require_postgres_14(&db).await?;
    }
    Ok(db)
}

/// The reused-photo check counts differing bits with `bit_count`, new in PostgreSQL 14: an older
/// server is refused when the service starts, not at the first visit submit.
async fn require_postgres_14(db: &DatabaseConnection) -> Result<(), DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), "SHOW server_version_num"))
        .await?
        .ok_or_else(|| DbErr::Custom("PostgreSQL did not report its version".into()))?;
    let version: String = row.try_get("", "server_version_num")?;
    if has_bit_count(&version) {
        Ok(())
    } else {
        Err(DbErr::Custom(format!("PostgreSQL 14 or later is needed; this server is version {version}")))
    }
}

/// Whether a `server_version_num` (e.g. `150020` for 15.20, `90624` for 9.6.24) is 14 or later.
fn has_bit_count(server_version_num: &str) -> bool {
    server_version_num.trim().parse::<u32>().is_ok_and(|v| v >= 140_000)
}

/// Statements slower than `CHANGXIAO_SLOW_STATEMENT_MS` are logged as warnings with their SQL (its
/// parameters are placeholders, so no personal data); every other statement only at `trace` level
/// for `sqlx`. How a full table scan behind an `OR` was found (`bench/RESULTS.md`, session 9).
fn log_slow_statements(opts: &mut ConnectOptions, settings: &Settings) {
    if settings.slow_statement_ms == 0 {
        opts.sqlx_logging(false);
    } else {
        opts.sqlx_logging(true).sqlx_logging_level(log::LevelFilter::Trace).sqlx_slow_statements_logging_settings(
            log::LevelFilter::Warn,
            Duration::from_millis(settings.slow_statement_ms),
        );
    }
}

/// What every SQLite connection reads with: a busy timeout, a row buffer large enough that a
/// quarter's visits are not handed to the async side fifty at a time, and pages from a memory map
/// and a 16 MB cache rather than a `pread` each.
fn sqlite_reads(o: SqliteConnectOptions) -> SqliteConnectOptions {
    o.busy_timeout(Duration::from_secs(5))
        .row_buffer_size(4096)
        .pragma("mmap_size", "268435456")
        .pragma("cache_size", "-16384")
}

/// The connections long reads run on (coverage, dashboards, assessments). On SQLite, a pool of
/// read-only connections beside the single writer: in WAL mode they read while it writes, so a
/// district's coverage (most of a second) neither holds the one connection visits are written on
/// nor waits for it, and runs on the other core. On PostgreSQL (or an in-memory SQLite) the pool.
pub async fn connect_reports(settings: &Settings, db: &DatabaseConnection) -> Result<DatabaseConnection, DbErr> {
    let url = expose(&settings.database_url);
    if !settings.is_sqlite() || url.contains(":memory:") || url.contains("mode=memory") {
        return Ok(db.clone());
    }
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(settings.report_connections)
        .min_connections(0)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(30))
        .map_sqlx_sqlite_opts(|o| sqlite_reads(o.read_only(true)));
    log_slow_statements(&mut opts, settings);
    Database::connect(opts).await
}

/// Whether the database answers a trivial query (for `/readyz`).
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_raw(Statement::from_string(db.get_database_backend(), "SELECT 1")).await.is_ok()
}

/// A lookup by primary key, read without `LIMIT`. sea-orm's `one()` binds `LIMIT ?`, and SQLite
/// (3.4x) plans a bound limit by its value: the statement expires whenever it is bound again and is
/// compiled anew on every run — a tenth of a household read went to re-preparing. A key matches at
/// most one row, so the limit is not needed.
pub trait ByKey: Sized {
    type Model;
    fn by_key<C: ConnectionTrait>(self, db: &C) -> impl Future<Output = Result<Option<Self::Model>, DbErr>> + Send;
}

impl<E> ByKey for sea_orm::Select<E>
where
    E: sea_orm::EntityTrait,
    E::Model: Send + Sync,
{
    type Model = E::Model;
    async fn by_key<C: ConnectionTrait>(self, db: &C) -> Result<Option<E::Model>, DbErr> {
        Ok(self.all(db).await?.into_iter().next())
    }
}

/// One page of an ordered query, and the total it pages through.
pub async fn paged<E, C>(db: &C, q: sea_orm::Select<E>, page: u64, per_page: u64) -> Result<(Vec<E::Model>, u64), DbErr>
where
    E: sea_orm::EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
{
    use sea_orm::{PaginatorTrait, QuerySelect};
    let total = q.clone().count(db).await?;
    let rows = q.offset(page.saturating_sub(1) * per_page).limit(per_page).all(db).await?;
    Ok((rows, total))
}

/// A migrated SQLite database in a directory of its own, for the stores' unit tests; the directory
/// goes when the returned guard is dropped.
#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
pub async fn test_database() -> (tempfile::TempDir, DatabaseConnection) {
    use migration::MigratorTrait;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
    let db = Database::connect(url).await.unwrap();
    migration::Migrator::up(&db, None).await.unwrap();
    (dir, db)
}

#[cfg(test)]
mod tests {
    use super::has_bit_count;

    #[test]
    fn postgresql_14_and_later_have_bit_count() {
        assert!(has_bit_count("140000"));
        assert!(has_bit_count("150020"));
        assert!(has_bit_count("170002\n"));
        assert!(!has_bit_count("139999"));
        assert!(!has_bit_count("90624"));
        assert!(!has_bit_count(""));
        assert!(!has_bit_count("15.2"));
    }
}
