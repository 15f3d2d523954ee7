//! The one clock the whole service reads. Production uses the system clock; tests set it, so month
//! ends and the 25th can be exercised end to end.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};

#[derive(Clone, Debug, Default)]
pub struct Clock {
    manual: Option<Arc<RwLock<DateTime<Utc>>>>,
}

impl Clock {
    pub fn system() -> Self {
        Self { manual: None }
    }

    /// A clock that stands still at `at` until it is set or advanced.
    pub fn manual(at: DateTime<Utc>) -> Self {
        Self { manual: Some(Arc::new(RwLock::new(at))) }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.manual {
            Some(t) => *t.read().unwrap_or_else(std::sync::PoisonError::into_inner),
            None => Utc::now(),
        }
    }

    /// Sets a manual clock; a system clock ignores it.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Some(t) = &self.manual {
            *t.write().unwrap_or_else(std::sync::PoisonError::into_inner) = at;
        }
    }

    pub fn advance(&self, by: Duration) {
        self.set(self.now() + by);
    }
}
