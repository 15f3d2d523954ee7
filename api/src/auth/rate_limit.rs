//! Login rate limiting per account and per client address (governor's GCRA, in memory).
//!
//! Every attempt counts, successful or not, so guessing is slow either way; the limits come from
//! settings. Limits are per instance: with several instances behind a balancer the effective limit
//! is multiplied by their number, which still bounds guessing.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::{ApiError, ApiResult};

pub struct LoginLimiter {
    per_account: DefaultKeyedRateLimiter<String>,
    per_ip: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl std::fmt::Debug for LoginLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginLimiter(..)")
    }
}

fn quota(per_minute: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN))
}

impl LoginLimiter {
    pub fn new(per_account_per_minute: u32, per_ip_per_minute: u32) -> Self {
        Self {
            per_account: RateLimiter::keyed(quota(per_account_per_minute)),
            per_ip: RateLimiter::keyed(quota(per_ip_per_minute)),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one attempt for this account and address; refuses with 429 once either is spent.
    pub fn check(&self, account: &str, ip: &str) -> ApiResult<()> {
        let now = self.clock.now();
        let account = account.trim().to_lowercase();
        for (limiter, key) in [(&self.per_ip, format!("ip:{ip}")), (&self.per_account, format!("acct:{account}"))] {
            if let Err(not_until) = limiter.check_key(&key) {
                let wait: Duration = not_until.wait_time_from(now);
                return Err(ApiError::RateLimited { retry_after_seconds: wait.as_secs().max(1) });
            }
        }
        Ok(())
    }

    /// Drops the keys whose quota is whole again (idle): the housekeeping task calls it every few
    /// minutes, so a stream of made-up usernames or addresses does not grow the maps without bound.
    pub fn retain_recent(&self) {
        for limiter in [&self.per_account, &self.per_ip] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// How many keys are remembered (accounts and addresses).
    pub fn keys(&self) -> usize {
        self.per_account.len() + self.per_ip.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_keys_are_forgotten_and_busy_ones_kept() {
        // 60,000 a minute: one attempt's cell is whole again after a millisecond.
        let l = LoginLimiter::new(60_000, 60_000);
        for i in 0..100 {
            assert!(l.check(&format!("made-up-{i}"), &format!("10.0.{}.{}", i / 250, i % 250)).is_ok());
        }
        assert_eq!(l.keys(), 200);
        std::thread::sleep(Duration::from_millis(20));
        l.retain_recent();
        assert_eq!(l.keys(), 0, "every key was idle");
        let slow = LoginLimiter::new(1, 1);
        assert!(slow.check("a", "1.1.1.1").is_ok());
        slow.retain_recent();
        assert_eq!(slow.keys(), 2, "a spent quota is remembered until it is whole again");
    }

    #[test]
    fn an_account_is_limited_after_its_quota_whatever_the_address() {
        let l = LoginLimiter::new(3, 100);
        for i in 0..3 {
            assert!(l.check("demo-rro", &format!("10.0.0.{i}")).is_ok());
        }
        assert!(matches!(l.check("DEMO-RRO", "10.0.0.9"), Err(ApiError::RateLimited { .. })));
        assert!(l.check("demo-cadre-a", "10.0.0.9").is_ok());
    }

    #[test]
    fn an_address_is_limited_across_accounts() {
        let l = LoginLimiter::new(100, 2);
        assert!(l.check("a", "1.2.3.4").is_ok());
        assert!(l.check("b", "1.2.3.4").is_ok());
        assert!(l.check("c", "1.2.3.4").is_err());
        assert!(l.check("c", "1.2.3.5").is_ok());
    }
}
