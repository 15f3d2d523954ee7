//! The caller's access — grants resolved to places, and the groups they answer for — kept a few
//! seconds per user: it is four queries, on every authenticated request, for something that changes
//! a few times a year. This instance forgets a user's entry the moment it changes their grants or
//! groups; another instance sees such a change within the time to live. The session itself (account
//! active, token family not revoked) is still read on every request.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use domain::org::Access;
use uuid::Uuid;

/// Entries beyond which expired ones are swept on insert (a town has hundreds of users).
const SWEEP_ABOVE: usize = 4096;

#[derive(Debug)]
pub struct AccessCache {
    ttl: Duration,
    /// Bumped by every `forget`: a load that began before a change is not stored after it.
    generation: AtomicU64,
    entries: Mutex<HashMap<Uuid, (Instant, Arc<Access>)>>,
}

impl AccessCache {
    /// A zero `ttl` keeps nothing (every request reads the grants).
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, generation: AtomicU64::new(0), entries: Mutex::new(HashMap::new()) }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, (Instant, Arc<Access>)>> {
        // A panic elsewhere while holding the lock leaves a map that is still a valid cache.
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn get(&self, user: Uuid, now: Instant) -> Option<Arc<Access>> {
        let entries = self.entries();
        let (stored, access) = entries.get(&user)?;
        (now.duration_since(*stored) < self.ttl).then(|| access.clone())
    }

    /// Taken before loading from the database, and handed back to `put`.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Keeps `access` loaded since `generation`, unless something was forgotten meanwhile.
    pub fn put(&self, user: Uuid, access: Arc<Access>, generation: u64, now: Instant) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries();
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if entries.len() >= SWEEP_ABOVE {
            entries.retain(|_, (stored, _)| now.duration_since(*stored) < self.ttl);
        }
        entries.insert(user, (now, access));
    }

    /// The user's grants or groups changed: their next request reads them again.
    pub fn forget(&self, user: Uuid) {
        let mut entries = self.entries();
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.remove(&user);
    }

    /// Something every caller's access may hold changed (a household's cadre links): all read again.
    pub fn forget_all(&self) {
        let mut entries = self.entries();
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.clear();
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn access(user: Uuid) -> Arc<Access> {
        Arc::new(Access::build(user, vec![], vec![]))
    }

    #[test]
    fn an_entry_lives_for_its_time_and_no_longer() {
        let cache = AccessCache::new(Duration::from_secs(5));
        let (u, t0) = (Uuid::now_v7(), Instant::now());
        assert!(cache.get(u, t0).is_none());
        cache.put(u, access(u), cache.generation(), t0);
        assert_eq!(cache.get(u, t0 + Duration::from_millis(4999)).unwrap().user_id, u);
        assert!(cache.get(u, t0 + Duration::from_secs(5)).is_none());
    }

    #[test]
    fn a_change_forgets_the_user_and_a_load_from_before_it_is_not_kept() {
        let cache = AccessCache::new(Duration::from_secs(5));
        let (u, t0) = (Uuid::now_v7(), Instant::now());
        cache.put(u, access(u), cache.generation(), t0);
        // A request starts loading the grants; meanwhile the grants change.
        let before = cache.generation();
        cache.forget(u);
        assert!(cache.get(u, t0).is_none());
        cache.put(u, access(u), before, t0);
        assert!(cache.get(u, t0).is_none(), "a load from before the change was kept");
        cache.put(u, access(u), cache.generation(), t0);
        assert!(cache.get(u, t0).is_some());
    }

    #[test]
    fn forgetting_all_drops_every_entry_and_loads_from_before() {
        let cache = AccessCache::new(Duration::from_secs(5));
        let (u, v, t0) = (Uuid::now_v7(), Uuid::now_v7(), Instant::now());
        cache.put(u, access(u), cache.generation(), t0);
        let before = cache.generation();
        cache.forget_all();
        assert!(cache.get(u, t0).is_none());
        cache.put(v, access(v), before, t0);
        assert!(cache.get(v, t0).is_none(), "a load from before the change was kept");
    }

    #[test]
    fn a_zero_time_to_live_keeps_nothing_and_expired_entries_are_swept() {
        let off = AccessCache::new(Duration::ZERO);
        let (u, t0) = (Uuid::now_v7(), Instant::now());
        off.put(u, access(u), off.generation(), t0);
        assert!(off.get(u, t0).is_none());
        let cache = AccessCache::new(Duration::from_secs(1));
        for _ in 0..SWEEP_ABOVE {
            let v = Uuid::now_v7();
            cache.put(v, access(v), cache.generation(), t0);
        }
        let later = t0 + Duration::from_secs(2);
        cache.put(u, access(u), cache.generation(), later);
        assert_eq!(cache.entries().len(), 1);
    }
}
