//! Loading what coverage is computed from: the households within reach with their tags and the
//! cadres who answer for them (linked, or responsible for their group), and the quarter's visits.
//!
//! A district's quarter is 100k households and 150k visits; what costs is not the rule
//! (`domain::coverage`, ~100 ms for the district) but moving rows out of the database one at a time.
//! So only the columns the rule reads are selected (from covering indexes), and households and visits
//! are read at once on two connections.

use std::collections::{BTreeSet, HashMap};

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

/// Coverage inputs for a few seconds, computed once however many ask at the same time.
///
/// A district's inputs are ~0.6 s of reading, and dashboards ask for them often and together: without
/// this, concurrent requests each read the district and queue behind each other for seconds. Entries
/// are keyed by what is reachable (not by who asks), so every district officer shares one. A write
/// through this instance that changes what coverage reads (a visit, its review, a household) forgets
/// its town's entries at once; one through another instance shows within the time to live. When an
/// entry expires, the request that finds it reads anew and those arriving meanwhile are answered
/// with the inputs it replaces, so a period's re-read costs one request, not every one.
pub struct InputsCache {
    ttl: std::time::Duration,
    entries: std::sync::Mutex<HashMap<CacheKey, CacheEntry>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    reach: domain::org::Reach,
    /// Whose links a reach over linked households means.
    linked_user: Option<Uuid>,
    village: Option<Uuid>,
    quarter: Quarter,
}

struct CacheEntry {
    created: std::time::Instant,
    towns: BTreeSet<Uuid>,
    cell: std::sync::Arc<tokio::sync::OnceCell<std::sync::Arc<Inputs>>>,
    /// The previous period's inputs, answered while this period's are read (never after a write
    /// in the town: `forget_town` drops the entry).
    stale: Option<std::sync::Arc<Inputs>>,
}

impl std::fmt::Debug for InputsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InputsCache").field("ttl", &self.ttl).field("entries", &self.entries().len()).finish()
    }
}

impl InputsCache {
    /// A zero `ttl` computes every time.
    pub fn new(ttl: std::time::Duration) -> Self {
        Self { ttl, entries: std::sync::Mutex::new(HashMap::new()) }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<CacheKey, CacheEntry>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Something coverage reads changed in `town`: its entries (and the district's) are computed anew.
    pub fn forget_town(&self, town: Uuid) {
        self.entries().retain(|_, e| !e.towns.contains(&town));
    }

    /// The inputs for the caller's reach: a fresh entry's, the one being computed, or computed now.
    pub async fn inputs<C: ConnectionTrait>(
        &self,
        db: &C,
        access: &Access,
        village: Option<Uuid>,
        quarter: Quarter,
    ) -> Result<std::sync::Arc<Inputs>, DbErr> {
        if self.ttl.is_zero() {
            return inputs(db, access, village, quarter).await.map(std::sync::Arc::new);
        }
        let reach = access.reach(Act::ReadHousehold);
        let key = CacheKey { linked_user: reach.linked.then_some(access.user_id), reach, village, quarter };
        self.shared(key, access.towns(), || async {
            inputs(db, access, village, quarter).await.map(std::sync::Arc::new)
        })
        .await
    }

    /// The entry's value, its computation under way, or `compute` run now and shared.
    async fn shared<F, Fut>(
        &self,
        key: CacheKey,
        towns: BTreeSet<Uuid>,
        compute: F,
    ) -> Result<std::sync::Arc<Inputs>, DbErr>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<std::sync::Arc<Inputs>, DbErr>>,
    {
        let (cell, stale) = {
            let now = std::time::Instant::now();
            let mut entries = self.entries();
            // Two periods: an expired entry's inputs are still answered while they are read again.
            entries.retain(|_, e| now.duration_since(e.created) < self.ttl * 2);
            let entry = entries.entry(key).or_insert_with(|| CacheEntry {
                created: now,
                towns: towns.clone(),
                cell: std::sync::Arc::new(tokio::sync::OnceCell::new()),
                stale: None,
            });
            if now.duration_since(entry.created) >= self.ttl {
                // Expired: this request reads anew; those arriving meanwhile get what it replaces
                // (if that was read: a failed period leaves nothing old to answer).
                let previous = entry.cell.get().cloned();
                *entry = CacheEntry {
                    created: now,
                    towns,
                    cell: std::sync::Arc::new(tokio::sync::OnceCell::new()),
                    stale: previous,
                };
                (entry.cell.clone(), None)
            } else {
                (entry.cell.clone(), entry.stale.clone())
            }
        };
        if let (None, Some(stale)) = (cell.get(), stale) {
            return Ok(stale);
        }
        // Whoever comes first reads; the others wait for that read instead of starting their own.
        cell.get_or_try_init(compute).await.cloned()
    }
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

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    fn key(town: Uuid) -> CacheKey {
        let mut reach = domain::org::Reach::default();
        reach.towns.insert(town);
        CacheKey { reach, linked_user: None, village: None, quarter: "2026-Q4".parse().unwrap() }
    }

    async fn read(cache: &InputsCache, town: Uuid, reads: &AtomicUsize) -> Arc<Inputs> {
        cache
            .shared(key(town), [town].into(), || async {
                reads.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(Arc::new(Inputs { households: vec![], visits: vec![] }))
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn requests_at_the_same_time_share_one_read_and_a_write_in_the_town_forgets_it() {
        let cache = InputsCache::new(Duration::from_secs(60));
        let reads = AtomicUsize::new(0);
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
    async fn while_an_expired_entry_is_read_again_the_others_get_the_previous_one() {
        let cache = Arc::new(InputsCache::new(Duration::from_millis(100)));
        let reads = Arc::new(AtomicUsize::new(0));
        let town = Uuid::now_v7();
        read(&cache, town, &reads).await;
        tokio::time::sleep(Duration::from_millis(120)).await;
        // One request reads again (50 ms); one arriving meanwhile is answered at once.
        let refreshing = {
            let (cache, reads) = (cache.clone(), reads.clone());
            tokio::spawn(async move { read(&cache, town, &reads).await })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        let started = std::time::Instant::now();
        read(&cache, town, &reads).await;
        assert!(started.elapsed() < Duration::from_millis(40), "waited {:?}", started.elapsed());
        refreshing.await.unwrap();
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        // After a write in the town nothing old is answered: the next request waits for a read.
        cache.forget_town(town);
        let started = std::time::Instant::now();
        read(&cache, town, &reads).await;
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert_eq!(reads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn entries_expire_and_a_failed_read_is_not_kept() {
        let cache = InputsCache::new(Duration::from_millis(100));
        let reads = AtomicUsize::new(0);
        let town = Uuid::now_v7();
        read(&cache, town, &reads).await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        read(&cache, town, &reads).await;
        assert_eq!(reads.load(Ordering::SeqCst), 2, "an expired entry is read anew");
        let failing = Uuid::now_v7();
        let failed = cache.shared(key(failing), BTreeSet::new(), || async { Err(DbErr::Custom("down".into())) }).await;
        assert!(failed.is_err());
        read(&cache, failing, &reads).await;
        assert_eq!(reads.load(Ordering::SeqCst), 3, "after a failure the next request reads");
    }
}
