//! What a request needs again and again, kept a few seconds in this instance: the caller's session
//! and access (`auth`), and households as they are answered (`routes::households`).
//!
//! An entry lives for the cache's time to live. This instance forgets entries the moment it writes
//! what they were read from; another instance sees such a write within the time to live. A load
//! that began before a forget is not stored after it (the generation), so a write never hides
//! behind a read that raced it.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct TtlCache<K, V> {
    ttl: Duration,
    /// Entries beyond which expired ones are swept on insert; when none has expired, nothing more
    /// is stored until some have.
    capacity: usize,
    /// Bumped by every forget: a load that began before a change is not stored after it.
    generation: AtomicU64,
    entries: Mutex<HashMap<K, (Instant, Arc<V>)>>,
}

impl<K: Eq + Hash, V> TtlCache<K, V> {
    /// A zero `ttl` keeps nothing (every request reads the database).
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self { ttl, capacity, generation: AtomicU64::new(0), entries: Mutex::new(HashMap::new()) }
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<K, (Instant, Arc<V>)>> {
        // A panic elsewhere while holding the lock leaves a map that is still a valid cache.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn get(&self, key: &K, now: Instant) -> Option<Arc<V>> {
        let entries = self.entries();
        let (stored, value) = entries.get(key)?;
        (now.duration_since(*stored) < self.ttl).then(|| value.clone())
    }

    /// Taken before loading from the database, and handed back to `put`.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Keeps `value` loaded since `generation`, unless something was forgotten meanwhile.
    pub fn put(&self, key: K, value: Arc<V>, generation: u64, now: Instant) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries();
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, (stored, _)| now.duration_since(*stored) < self.ttl);
            if entries.len() >= self.capacity {
                return;
            }
        }
        entries.insert(key, (now, value));
    }

    /// What `key` was read from changed.
    pub fn forget(&self, key: &K) {
        self.forget_where(|k, _| k == key);
    }

    /// Forgets every entry `changed` says was read from something that changed.
    pub fn forget_where(&self, changed: impl Fn(&K, &V) -> bool) {
        let mut entries = self.entries();
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.retain(|k, (_, v)| !changed(k, v));
    }

    /// Something every entry may hold changed: all read again.
    pub fn forget_all(&self) {
        let mut entries = self.entries();
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.clear();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries().len()
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn cache(secs: u64) -> TtlCache<u32, &'static str> {
        TtlCache::new(Duration::from_secs(secs), 4)
    }

    #[test]
    fn an_entry_lives_for_its_time_and_no_longer() {
        let (c, t0) = (cache(5), Instant::now());
        assert!(c.get(&1, t0).is_none());
        c.put(1, Arc::new("a"), c.generation(), t0);
        assert_eq!(*c.get(&1, t0 + Duration::from_millis(4999)).unwrap(), "a");
        assert!(c.get(&1, t0 + Duration::from_secs(5)).is_none());
    }

    #[test]
    fn a_change_forgets_the_entry_and_a_load_from_before_it_is_not_kept() {
        let (c, t0) = (cache(5), Instant::now());
        c.put(1, Arc::new("a"), c.generation(), t0);
        // A request starts loading; meanwhile what it reads changes.
        let before = c.generation();
        c.forget(&1);
        assert!(c.get(&1, t0).is_none());
        c.put(1, Arc::new("old"), before, t0);
        assert!(c.get(&1, t0).is_none(), "a load from before the change was kept");
        c.put(1, Arc::new("new"), c.generation(), t0);
        assert_eq!(*c.get(&1, t0).unwrap(), "new");
    }

    #[test]
    fn forgetting_by_a_condition_keeps_the_rest_and_forgetting_all_drops_everything() {
        let (c, t0) = (cache(5), Instant::now());
        for (k, v) in [(1, "town-a"), (2, "town-b"), (3, "town-a")] {
            c.put(k, Arc::new(v), c.generation(), t0);
        }
        c.forget_where(|_, v| *v == "town-a");
        assert!(c.get(&1, t0).is_none() && c.get(&3, t0).is_none());
        assert_eq!(*c.get(&2, t0).unwrap(), "town-b");
        let before = c.generation();
        c.forget_all();
        assert!(c.get(&2, t0).is_none());
        c.put(4, Arc::new("d"), before, t0);
        assert!(c.get(&4, t0).is_none(), "a load from before the change was kept");
    }

    #[test]
    fn a_zero_time_to_live_keeps_nothing() {
        let (c, t0) = (cache(0), Instant::now());
        c.put(1, Arc::new("a"), c.generation(), t0);
        assert!(c.get(&1, t0).is_none());
    }

    #[test]
    fn a_full_cache_sweeps_expired_entries_and_otherwise_stores_no_more() {
        let (c, t0) = (cache(1), Instant::now());
        for k in 0..4 {
            c.put(k, Arc::new("a"), c.generation(), t0);
        }
        c.put(9, Arc::new("full"), c.generation(), t0);
        assert!(c.get(&9, t0).is_none(), "stored beyond its capacity");
        c.put(0, Arc::new("again"), c.generation(), t0);
        assert_eq!(*c.get(&0, t0).unwrap(), "again", "a key already held is replaced");
        let later = t0 + Duration::from_secs(2);
        c.put(9, Arc::new("later"), c.generation(), later);
        assert_eq!(c.len(), 1);
        assert_eq!(*c.get(&9, later).unwrap(), "later");
    }
}
