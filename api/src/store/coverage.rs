//! Loading what coverage is computed from: the households within reach with their tags and the
//! cadres who answer for them (linked, or responsible for their group), and the quarter's visits.
//!
//! A district's quarter is 100k households and 240k visits; what costs is not the rule
//! (`domain::coverage`, ~0.1 s for the district) but moving rows out of the database one at a time.
//! So only the columns the rule reads are selected (from covering indexes), households and visits
//! are read at once on two connections, and a reach over whole towns is read, kept and refreshed
//! town by town (`InputsCache`).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::coverage::{Coverage, TargetHousehold, VisitFact, coverage};
use domain::org::{Access, Act, Reach};
use domain::{Quarter, Tag};
use sea_orm::prelude::*;
use sea_orm::sea_query::{ColumnRef, Expr, ExprTrait, IntoColumnRef, IntoIden, Query};
use sea_orm::{Condition, ConnectionTrait, DatabaseConnection, DbBackend, QuerySelect};
use uuid::Uuid;

use super::entity::{group_assignment, household, household_cadre, household_tag, village, visit};
use super::households::scope;
use super::visits::{self, Visitors, of_households_in};

/// One read of what `domain::coverage::coverage` takes — for a town, or for a narrower reach —
/// with the quarter's coverage of it, computed once with the read (not by every request).
pub struct Read {
    pub households: Vec<TargetHousehold>,
    pub visits: Vec<VisitFact>,
    pub coverage: Arc<Coverage>,
    /// For a town's read: the town's stamp taken before it, and when.
    stamped: Option<(Stamp, Instant)>,
}

/// What shows that a town's coverage inputs changed: its latest visit submitted, visit reviewed
/// and household written (each one index seek). What it does not show — a group's cadres (包社)
/// changed, or a write through an instance whose clock is behind — is read within
/// `FULL_READ_EVERY` periods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp([Option<DateTimeUtc>; 3]);

/// A town's inputs are read in full at least every this many times to live, changed or not.
const FULL_READ_EVERY: u32 = 6;

pub async fn stamp<C: ConnectionTrait>(db: &C, town: Uuid) -> Result<Stamp, DbErr> {
    async fn latest<C: ConnectionTrait, E: EntityTrait>(
        db: &C,
        town: E::Column,
        at: E::Column,
        town_id: Uuid,
    ) -> Result<Option<DateTimeUtc>, DbErr> {
        let max: Option<Option<DateTimeUtc>> =
            E::find().filter(town.eq(town_id)).select_only().expr(Expr::col(at).max()).into_tuple().one(db).await?;
        Ok(max.flatten())
    }
    Ok(Stamp([
        latest::<_, visit::Entity>(db, visit::Column::TownId, visit::Column::CreatedAt, town).await?,
        latest::<_, visit::Entity>(db, visit::Column::TownId, visit::Column::ReviewedAt, town).await?,
        latest::<_, household::Entity>(db, household::Column::TownId, household::Column::UpdatedAt, town).await?,
    ]))
}

/// What coverage is computed from for a caller's reach — one read, or one per town when the reach
/// spans towns — and the quarter's coverage over all of it.
pub struct Inputs {
    reads: Vec<Arc<Read>>,
    pub coverage: Arc<Coverage>,
}

impl Inputs {
    fn of(reads: Vec<Arc<Read>>) -> Self {
        let coverage = match reads.as_slice() {
            [one] => one.coverage.clone(),
            _ => {
                let mut c = Coverage::default();
                for r in &reads {
                    c.absorb(&r.coverage);
                }
                Arc::new(c)
            }
        };
        Self { reads, coverage }
    }

    pub fn households(&self) -> impl Iterator<Item = &TargetHousehold> {
        self.reads.iter().flat_map(|r| &r.households)
    }

    pub fn visits(&self) -> impl Iterator<Item = &VisitFact> {
        self.reads.iter().flat_map(|r| &r.visits)
    }

    fn made_of(&self, reads: &[Arc<Read>]) -> bool {
        self.reads.len() == reads.len() && self.reads.iter().zip(reads).all(|(a, b)| Arc::ptr_eq(a, b))
    }
}

/// Coverage inputs for a few seconds, computed once however many ask at the same time.
///
/// A district's inputs are ~1 s of reading, and dashboards ask for them often and together: without
/// this, concurrent requests each read the district and queue behind each other for seconds. Entries
/// are keyed by what is reachable (not by who asks). A reach over whole towns (a town's office, the
/// district) is read and kept town by town, so a town's office and the district share each town's
/// entry, a write in one town has only that town read again, and the towns' periods end at
/// different moments instead of the whole district's at once; the district's figures are the sum
/// of its towns' (`Coverage::absorb`), summed again only when a town's entry changed.
///
/// A write through this instance that changes what coverage reads (a visit, its review, a
/// household) forgets its town's entries at once; one through another instance shows within the
/// time to live (and the read that follows it). When an entry expires, the request that finds it
/// starts a read in the background and is answered, as are those arriving meanwhile, with the
/// inputs it replaces: a period's re-read keeps no request waiting. Only a first read, or the first
/// after a write in the town, is waited for. Reads run on a thread of their own (`Reader`).
pub struct InputsCache {
    ttl: Duration,
    entries: std::sync::Mutex<HashMap<CacheKey, CacheEntry>>,
    /// The sums of towns' entries for reaches over several towns, with what they were summed from.
    sums: std::sync::Mutex<HashMap<CacheKey, (Instant, Arc<Inputs>)>>,
    reader: Reader,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    reach: Reach,
    /// Whose links a reach over linked households means.
    linked_user: Option<Uuid>,
    village: Option<Uuid>,
    quarter: Quarter,
}

struct CacheEntry {
    created: Instant,
    /// The time to live and up to half as much again, so that entries made together (a district's
    /// towns) do not all expire together.
    lifetime: Duration,
    towns: BTreeSet<Uuid>,
    cell: Arc<tokio::sync::OnceCell<Arc<Read>>>,
    /// The previous period's read, answered while this period's runs in the background (never
    /// after a write in the town: `forget_town` drops the entry).
    stale: Option<Arc<Read>>,
}

impl std::fmt::Debug for InputsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InputsCache").field("ttl", &self.ttl).field("entries", &self.entries().len()).finish()
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl InputsCache {
    /// A zero `ttl` computes every time (on the caller's task).
    pub fn new(ttl: Duration) -> std::io::Result<Self> {
        Ok(Self {
            ttl,
            entries: std::sync::Mutex::new(HashMap::new()),
            sums: std::sync::Mutex::new(HashMap::new()),
            reader: Reader::new()?,
        })
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<CacheKey, CacheEntry>> {
        lock(&self.entries)
    }

    /// Something coverage reads changed in `town`: its entries (and the district's) are computed anew.
    pub fn forget_town(&self, town: Uuid) {
        self.entries().retain(|_, e| !e.towns.contains(&town));
        lock(&self.sums).retain(|k, _| !k.reach.towns.contains(&town));
    }

    /// The inputs for the caller's reach: fresh entries', those being read, or read now.
    pub async fn inputs(
        &self,
        db: &DatabaseConnection,
        access: &Access,
        village: Option<Uuid>,
        quarter: Quarter,
    ) -> Result<Arc<Inputs>, DbErr> {
        // Coverage is of the households the caller answers for: a checker's cross-check sample of
        // another village is reached for the check, never counted in the checker's figures.
        let access = &access.clone().with_sample(vec![]);
        if self.ttl.is_zero() {
            return Ok(Arc::new(Inputs::of(vec![Arc::new(read(db, access, village, quarter).await?)])));
        }
        let reach = access.reach(Act::ReadHousehold);
        let whole_towns = village.is_none()
            && reach.villages.is_empty()
            && reach.groups.is_empty()
            && (!reach.linked || access.linked_households.is_empty());
        if !whole_towns {
            let key = CacheKey { linked_user: reach.linked.then_some(access.user_id), reach, village, quarter };
            let (db, access) = (db.clone(), access.clone());
            let one = self
                .shared(key, access.towns(), move |_| async move {
                    read(&db, &access, village, quarter).await.map(Arc::new)
                })
                .await?;
            return Ok(Arc::new(Inputs::of(vec![one])));
        }
        let reads = futures_util::future::try_join_all(reach.towns.iter().map(|town| {
            let (db, town, ttl) = (db.clone(), *town, self.ttl);
            let town_wide = Access::town_wide(town);
            let key =
                CacheKey { reach: town_wide.reach(Act::ReadHousehold), linked_user: None, village: None, quarter };
            self.shared(key, [town].into(), move |previous| async move {
                // Nobody waits for a read given the previous one: that is answered meanwhile.
                let waited_for = previous.is_none();
                // Read again only what changed (or is due a full read): a town whose stamp is
                // unchanged keeps its read, so a district's sum stays valid too.
                let stamp = stamp(&db, town).await?;
                if let Some(previous) = previous.filter(|p| {
                    p.stamped.as_ref().is_some_and(|(s, at)| *s == stamp && at.elapsed() < ttl * FULL_READ_EVERY)
                }) {
                    return Ok(previous);
                }
                let mut read = if waited_for {
                    read(&db, &town_wide, None, quarter).await?
                } else {
                    read_in_steps(&db, town, quarter).await?
                };
                read.stamped = Some((stamp, Instant::now()));
                Ok(Arc::new(read))
            })
        }))
        .await?;
        if reads.len() == 1 {
            return Ok(Arc::new(Inputs::of(reads)));
        }
        let key = CacheKey { reach, linked_user: None, village: None, quarter };
        if let Some((_, sum)) = lock(&self.sums).get(&key).filter(|(_, s)| s.made_of(&reads)) {
            return Ok(sum.clone());
        }
        // A town's entry changed: sum again (a district's is a few milliseconds), off the workers.
        let sum = self
            .reader
            .run_blocking(move || Arc::new(Inputs::of(reads)))
            .await
            .map_err(|e| DbErr::Custom(format!("coverage could not be summed: {e}")))?;
        let now = Instant::now();
        let mut sums = lock(&self.sums);
        sums.retain(|_, (at, _)| now.duration_since(*at) < self.ttl * 3);
        sums.insert(key, (now, sum.clone()));
        Ok(sum)
    }

    /// The entry's value, its computation under way, or `compute` run now and shared; for an
    /// expired entry, the previous value while `compute` runs in the background, given the previous
    /// value (which it may answer again). `compute` always runs on the reader's thread.
    async fn shared<F, Fut>(&self, key: CacheKey, towns: BTreeSet<Uuid>, compute: F) -> Result<Arc<Read>, DbErr>
    where
        F: FnOnce(Option<Arc<Read>>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<Arc<Read>, DbErr>> + Send + 'static,
    {
        let (cell, stale, refresh) = {
            let now = Instant::now();
            // Up to half the time to live again, from the clock's nanoseconds.
            let jitter = self.ttl.mul_f64(f64::from(now_nanos() % 1000) / 2000.0);
            let fresh = |towns: BTreeSet<Uuid>, stale: Option<Arc<Read>>| CacheEntry {
                created: now,
                lifetime: self.ttl + jitter,
                towns,
                cell: Arc::new(tokio::sync::OnceCell::new()),
                stale,
            };
            let mut entries = self.entries();
            // One period more: an expired entry's read is still answered while it is read again.
            entries.retain(|_, e| now.duration_since(e.created) < e.lifetime + self.ttl);
            let entry = entries.entry(key).or_insert_with(|| fresh(towns.clone(), None));
            if now.duration_since(entry.created) >= entry.lifetime {
                // Expired: read anew, answering what it replaces meanwhile (if that was read: a
                // failed period leaves nothing old to answer, and this request waits for the read).
                let previous = entry.cell.get().cloned();
                *entry = fresh(towns, previous.clone());
                (entry.cell.clone(), previous, true)
            } else {
                (entry.cell.clone(), entry.stale.clone(), false)
            }
        };
        if let Some(read) = cell.get() {
            return Ok(read.clone());
        }
        if let Some(stale) = stale {
            if refresh {
                let previous = stale.clone();
                self.reader.spawn(async move {
                    if let Err(e) = cell.get_or_try_init(|| compute(Some(previous))).await {
                        tracing::warn!(error = %e, "coverage inputs could not be read again; the previous ones are answered until they expire");
                    }
                });
            }
            return Ok(stale);
        }
        // Whoever comes first reads; the others wait for that read instead of starting their own.
        self.reader
            .spawn(async move { cell.get_or_try_init(|| compute(None)).await.cloned() })
            .await
            .map_err(|e| DbErr::Custom(format!("coverage inputs could not be read: {e}")))?
    }
}

fn now_nanos() -> u32 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos())
}

/// A runtime with one thread of its own for reading coverage inputs.
///
/// A district's inputs are some 340k rows, each handed from the database's thread to the task that
/// collects them, and then the rule over 100k households: done on a request worker, that worker
/// answered nothing else meanwhile. On a thread of its own the operating system shares the core
/// between it and the requests.
struct Reader {
    handle: tokio::runtime::Handle,
    /// Taken only when dropped.
    runtime: Option<tokio::runtime::Runtime>,
}

impl Reader {
    fn new() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(2)
            .thread_name("coverage-reader")
            .enable_all()
            .build()?;
        Ok(Self { handle: runtime.handle().clone(), runtime: Some(runtime) })
    }

    fn spawn<F>(&self, task: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(task)
    }

    fn run_blocking<F, R>(&self, f: F) -> tokio::task::JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        // Dropped from within the server's runtime, where a runtime may not wait for its tasks.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Reads the inputs for `access` (optionally one village) and computes the quarter's coverage.
pub async fn read<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    village: Option<Uuid>,
    quarter: Quarter,
) -> Result<Read, DbErr> {
    // Two connections, two cores.
    let (from, to) = quarter.bounds();
    let (households, visits) = tokio::try_join!(
        target_households(db, access, village),
        visits::facts(db, of_households_in(access, village), from, to, Visitors::Skip)
    )?;
    // The rule over a town is milliseconds; a narrower reach's less.
    let coverage = Arc::new(coverage(quarter, &households, &visits));
    Ok(Read { households, visits, coverage, stamped: None })
}

/// A town's inputs read in steps — its households village by village, its visits week by week —
/// resting after each step twice as long as the step took: the same rows as `read` over the town,
/// on one database connection at a time and a third of the time at most.
///
/// For a read nobody waits for (the previous one is answered meanwhile). Read at once, a town's
/// inputs keep the reader and two database connections busy together for tens of milliseconds,
/// and with the server on one core, requests arriving then got a quarter of it: a town's dashboard
/// had a p99 of 349 ms in the window of its periodic read against 35–42 ms in others
/// (`bench/RESULTS.md`, session 8). Each step is an exact range of a covering index: households by
/// (town, village), visits by (town, time).
async fn read_in_steps<C: ConnectionTrait>(db: &C, town: Uuid, quarter: Quarter) -> Result<Read, DbErr> {
    const LONGEST_REST: Duration = Duration::from_millis(100);
    let rest_after = |began: Instant| tokio::time::sleep((began.elapsed() * 2).min(LONGEST_REST));
    let access = Access::town_wide(town);
    let villages: Vec<Uuid> = village::Entity::find()
        .filter(village::Column::TownId.eq(town))
        .select_only()
        .column(village::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut households = Vec::new();
    for v in villages {
        let began = Instant::now();
        households.extend(target_households(db, &access, Some(v)).await?);
        rest_after(began).await;
    }
    let (from, to) = quarter.bounds();
    let mut visits = Vec::new();
    let mut week = from;
    while week < to {
        let (began, end) = (Instant::now(), Ord::min(week + chrono::Duration::days(7), to));
        visits.extend(visits::facts(db, visits::of_households(&access), week, end, Visitors::Skip).await?);
        rest_after(began).await;
        week = end;
    }
    let coverage = Arc::new(coverage(quarter, &households, &visits));
    Ok(Read { households, visits, coverage, stamped: None })
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

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn key(town: Uuid) -> CacheKey {
        let mut reach = domain::org::Reach::default();
        reach.towns.insert(town);
        CacheKey { reach, linked_user: None, village: None, quarter: "2026-Q4".parse().unwrap() }
    }

    async fn read(cache: &InputsCache, town: Uuid, reads: &Arc<AtomicUsize>) -> Arc<Read> {
        let reads = reads.clone();
        cache
            .shared(key(town), [town].into(), move |_| async move {
                reads.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(Arc::new(Read { households: vec![], visits: vec![], coverage: Arc::default(), stamped: None }))
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_town_read_in_steps_is_the_town_read_at_once() {
        use base64::Engine;
        let (_dir, db) = crate::store::test_database().await;
        let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        let cipher = crate::crypto::FieldCipher::from_base64(&key).unwrap();
        // Mid-quarter, whatever the date the test runs on: the quarter has weeks of visits.
        let now = "2026-11-15T04:00:00Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        let plan = crate::generator::Plan { households: 900, months: 4, towns: 2, seed: 9 };
        let storage = crate::storage::Storage::new(std::sync::Arc::new(object_store::memory::InMemory::new()));
        crate::generator::generate(&db, &storage, &cipher, now, &plan).await.unwrap();
        let quarter = Quarter::containing(now);
        let towns = super::super::entity::town::Entity::find().all(&db).await.unwrap();
        assert_eq!(towns.len(), 2);
        for town in towns {
            let whole = super::read(&db, &Access::town_wide(town.id), None, quarter).await.unwrap();
            let steps = read_in_steps(&db, town.id, quarter).await.unwrap();
            assert!(whole.households.len() > 400 && !whole.visits.is_empty(), "a town with visits");
            assert_eq!(steps.households.len(), whole.households.len());
            assert_eq!(steps.visits.len(), whole.visits.len());
            let (a, b) = (&whole.coverage, &steps.coverage);
            assert!(a.by_village.len() > 1, "a town of several villages");
            assert_eq!(a.total, b.total);
            assert_eq!(a.by_village, b.by_village);
            assert_eq!(a.by_group, b.by_group);
            assert_eq!(a.by_cadre, b.by_cadre);
            assert_eq!(a.by_tag, b.by_tag);
            assert_eq!(a.status, b.status);
        }
    }

    #[tokio::test]
    async fn requests_at_the_same_time_share_one_read_and_a_write_in_the_town_forgets_it() {
        let cache = InputsCache::new(Duration::from_secs(60)).unwrap();
        let reads = Arc::new(AtomicUsize::new(0));
        let (town, other) = (Uuid::now_v7(), Uuid::now_v7());
        let all = futures_util::future::join_all((0..20).map(|_| read(&cache, town, &reads))).await;
        assert_eq!(all.len(), 20);
        assert_eq!(reads.load(Ordering::SeqCst), 1, "twenty requests at once read once");
        read(&cache, town, &reads).await;
        assert_eq!(reads.load(Ordering::SeqCst), 1, "a later request within the time to live reads nothing");
        cache.forget_town(other);
        read(&cache, town, &reads).await;
        assert_eq!(reads.load(Ordering::SeqCst), 1, "a write elsewhere keeps the entry");
        cache.forget_town(town);
        read(&cache, town, &reads).await;
        assert_eq!(reads.load(Ordering::SeqCst), 2, "a write in the town is read anew");
    }

    #[tokio::test]
    async fn an_expired_entry_is_read_again_in_the_background_while_the_previous_one_is_answered() {
        // Entries live 200–300 ms, and are answered while read again until 400–500 ms.
        let cache = InputsCache::new(Duration::from_millis(200)).unwrap();
        let reads = Arc::new(AtomicUsize::new(0));
        let town = Uuid::now_v7();
        let first = read(&cache, town, &reads).await;
        tokio::time::sleep(Duration::from_millis(280)).await;
        // Expired: the request that finds it and one arriving meanwhile are answered at once with
        // the previous inputs, while one read (50 ms) runs in the background.
        let started = std::time::Instant::now();
        let finder = read(&cache, town, &reads).await;
        let meanwhile = read(&cache, town, &reads).await;
        assert!(started.elapsed() < Duration::from_millis(40), "waited {:?}", started.elapsed());
        assert!(Arc::ptr_eq(&first, &finder) && Arc::ptr_eq(&first, &meanwhile));
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert_eq!(reads.load(Ordering::SeqCst), 2, "one read in the background");
        let started = std::time::Instant::now();
        let fresh = read(&cache, town, &reads).await;
        assert!(started.elapsed() < Duration::from_millis(40), "waited {:?}", started.elapsed());
        assert!(!Arc::ptr_eq(&first, &fresh), "the background read is answered once it is done");
        // After a write in the town nothing old is answered: the next request waits for a read.
        cache.forget_town(town);
        let started = std::time::Instant::now();
        read(&cache, town, &reads).await;
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert_eq!(reads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn entries_expire_and_a_failed_read_is_not_kept() {
        let cache = InputsCache::new(Duration::from_millis(100)).unwrap();
        let reads = Arc::new(AtomicUsize::new(0));
        let town = Uuid::now_v7();
        read(&cache, town, &reads).await;
        // Past two periods nothing old is answered: the request waits for a read.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let started = std::time::Instant::now();
        read(&cache, town, &reads).await;
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert_eq!(reads.load(Ordering::SeqCst), 2, "an entry two periods old is read anew");
        let failing = Uuid::now_v7();
        let failed = cache.shared(key(failing), BTreeSet::new(), |_| async { Err(DbErr::Custom("down".into())) }).await;
        assert!(failed.is_err());
        read(&cache, failing, &reads).await;
        assert_eq!(reads.load(Ordering::SeqCst), 3, "after a failure the next request reads");
    }

    #[tokio::test]
    async fn a_read_again_is_given_the_previous_one_and_may_keep_it() {
        // Entries live 200–300 ms, and are answered while read again until 400–500 ms.
        let cache = InputsCache::new(Duration::from_millis(200)).unwrap();
        let town = Uuid::now_v7();
        let given = Arc::new(std::sync::Mutex::new(Vec::new()));
        let get = || {
            let given = given.clone();
            cache.shared(key(town), [town].into(), move |previous: Option<Arc<Read>>| async move {
                given.lock().unwrap().push(previous.is_some());
                // Unchanged: the previous read is kept.
                Ok(previous.unwrap_or_else(|| {
                    Arc::new(Read { households: vec![], visits: vec![], coverage: Arc::default(), stamped: None })
                }))
            })
        };
        let first = get().await.unwrap();
        tokio::time::sleep(Duration::from_millis(320)).await;
        let during = get().await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let after = get().await.unwrap();
        assert_eq!(*given.lock().unwrap(), [false, true], "a first read, then one given the previous");
        assert!(Arc::ptr_eq(&first, &during) && Arc::ptr_eq(&first, &after));
    }
}
