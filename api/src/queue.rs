//! The reminder queue in Redis: a delayed queue (sorted set by due time), a ready list, jobs in
//! flight with a visibility deadline, and dead letters. Every move between them is one Lua script,
//! so it is atomic across any number of service instances.
//!
//! Redis only carries the delivery: what is due is derived from the database by the scheduler, and
//! a delivery is recorded in the database under the reminder's key. A flushed or restarted Redis
//! loses nothing — the next scheduler pass enqueues again whatever is due and not yet delivered.

use chrono::{DateTime, Utc};
use domain::reminders::Reminder;
use redis::Script;
use redis::aio::ConnectionManager;
use serde::Serialize;

/// A claimed job: the reminder, and which attempt this is (1 for the first).
#[derive(Debug, Clone)]
pub struct Claimed {
    pub key: String,
    pub reminder: Reminder,
    pub attempt: u32,
}

/// How many jobs wait in each part of the queue.
#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct Depth {
    pub delayed: u64,
    pub ready: u64,
    pub in_flight: u64,
    pub dead: u64,
}

/// A job that ran out of attempts.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    pub key: String,
    pub reminder: Option<Reminder>,
    pub attempts: u32,
    pub dead_since: DateTime<Utc>,
}

#[derive(Clone)]
pub struct RedisQueue {
    conn: ConnectionManager,
    prefix: String,
    scripts: std::sync::Arc<Scripts>,
}

impl std::fmt::Debug for RedisQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisQueue").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

struct Scripts {
    enqueue: Script,
    claim: Script,
    ack: Script,
    fail: Script,
    replay: Script,
    lease: Script,
}

/// Adds a job unless one with the key is queued, in flight or dead.
const ENQUEUE: &str = r"
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
  return 1
end
return 0";

/// Moves due jobs and jobs whose visibility ran out to the ready list, then takes the first ready
/// job: it goes in flight until `ARGV[2]` and its attempt count goes up.
const CLAIM: &str = r"
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 500)
for _, k in ipairs(due) do
  redis.call('ZREM', KEYS[1], k)
  redis.call('RPUSH', KEYS[2], k)
end
local lost = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'LIMIT', 0, 500)
for _, k in ipairs(lost) do
  redis.call('ZREM', KEYS[3], k)
  redis.call('RPUSH', KEYS[2], k)
end
while true do
  local k = redis.call('LPOP', KEYS[2])
  if not k then return false end
  local payload = redis.call('HGET', KEYS[4], k)
  if payload then
    redis.call('ZADD', KEYS[3], ARGV[2], k)
    local n = redis.call('HINCRBY', KEYS[5], k, 1)
    return {k, payload, n}
  end
end";

/// Done: the job leaves the queue.
const ACK: &str = r"
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1";

/// Failed: back to the delayed queue at `ARGV[2]`, or to the dead letters when it is `dead`.
/// Nothing happens when the job is no longer in flight (another worker took it over).
const FAIL: &str = r"
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[2] == 'dead' then
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
else
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
end
return 1";

/// A dead letter goes back to the delayed queue, due now, with its attempts reset.
const REPLAY: &str = r"
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1";

/// Takes or renews the scheduler lease; `1` when this instance holds it.
const LEASE: &str = r"
local cur = redis.call('GET', KEYS[1])
if not cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0";

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

impl RedisQueue {
    pub fn new(conn: ConnectionManager, prefix: &str) -> Self {
        let scripts = Scripts {
            enqueue: Script::new(ENQUEUE),
            claim: Script::new(CLAIM),
            ack: Script::new(ACK),
            fail: Script::new(FAIL),
            replay: Script::new(REPLAY),
            lease: Script::new(LEASE),
        };
        Self { conn, prefix: format!("{prefix}reminders:"), scripts: std::sync::Arc::new(scripts) }
    }

    fn k(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Queues a reminder due at `due`; `false` when a job with its key is already queued.
    pub async fn enqueue(&self, r: &Reminder, due: DateTime<Utc>) -> redis::RedisResult<bool> {
        let payload = serde_json::to_string(r).map_err(|e| redis_error("cannot encode job", e))?;
        let n: i64 = self
            .scripts
            .enqueue
            .key(self.k("jobs"))
            .key(self.k("delayed"))
            .arg(&r.key)
            .arg(payload)
            .arg(ms(due))
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(n == 1)
    }

    /// Claims the next job due at `now`, invisible to other workers until `now + visibility`.
    pub async fn claim(&self, now: DateTime<Utc>, visibility: chrono::Duration) -> redis::RedisResult<Option<Claimed>> {
        let got: Option<(String, String, u32)> = self
            .scripts
            .claim
            .key(self.k("delayed"))
            .key(self.k("ready"))
            .key(self.k("inflight"))
            .key(self.k("jobs"))
            .key(self.k("attempts"))
            .arg(ms(now))
            .arg(ms(now + visibility))
            .invoke_async(&mut self.conn.clone())
            .await?;
        let Some((key, payload, attempt)) = got else { return Ok(None) };
        match serde_json::from_str::<Reminder>(&payload) {
            Ok(reminder) => Ok(Some(Claimed { key, reminder, attempt })),
            Err(e) => {
                // A job this version cannot read goes straight to the dead letters.
                tracing::error!(job.key = %key, error.message = %e, "unreadable reminder job");
                self.fail(&key, None, now).await?;
                Box::pin(self.claim(now, visibility)).await
            }
        }
    }

    pub async fn ack(&self, key: &str) -> redis::RedisResult<()> {
        let _: i64 = self
            .scripts
            .ack
            .key(self.k("inflight"))
            .key(self.k("jobs"))
            .key(self.k("attempts"))
            .arg(key)
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(())
    }

    /// A failed attempt: retried at `retry_at`, or dead when `None`. `false` when the job was no
    /// longer this worker's.
    pub async fn fail(
        &self,
        key: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> redis::RedisResult<bool> {
        let to = retry_at.map_or_else(|| "dead".to_owned(), |t| ms(t).to_string());
        let n: i64 = self
            .scripts
            .fail
            .key(self.k("inflight"))
            .key(self.k("delayed"))
            .key(self.k("dead"))
            .arg(key)
            .arg(to)
            .arg(ms(now))
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(n == 1)
    }

    pub async fn replay(&self, key: &str, now: DateTime<Utc>) -> redis::RedisResult<bool> {
        let n: i64 = self
            .scripts
            .replay
            .key(self.k("dead"))
            .key(self.k("delayed"))
            .key(self.k("attempts"))
            .arg(key)
            .arg(ms(now))
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(n == 1)
    }

    pub async fn dead_letters(&self, limit: isize) -> redis::RedisResult<Vec<DeadLetter>> {
        let mut conn = self.conn.clone();
        let rows: Vec<(String, f64)> = redis::cmd("ZRANGE")
            .arg(self.k("dead"))
            .arg(0)
            .arg(limit - 1)
            .arg("WITHSCORES")
            .query_async(&mut conn)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (key, score) in rows {
            let payload: Option<String> =
                redis::cmd("HGET").arg(self.k("jobs")).arg(&key).query_async(&mut conn).await?;
            let attempts: Option<u32> =
                redis::cmd("HGET").arg(self.k("attempts")).arg(&key).query_async(&mut conn).await?;
            #[expect(clippy::cast_possible_truncation, reason = "milliseconds since 1970 fit in i64")]
            let dead_since = DateTime::from_timestamp_millis(score as i64).unwrap_or_default();
            out.push(DeadLetter {
                reminder: payload.and_then(|p| serde_json::from_str(&p).ok()),
                key,
                attempts: attempts.unwrap_or(0),
                dead_since,
            });
        }
        Ok(out)
    }

    pub async fn depth(&self) -> redis::RedisResult<Depth> {
        let (delayed, ready, in_flight, dead): (u64, u64, u64, u64) = redis::pipe()
            .zcard(self.k("delayed"))
            .llen(self.k("ready"))
            .zcard(self.k("inflight"))
            .zcard(self.k("dead"))
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(Depth { delayed, ready, in_flight, dead })
    }

    /// Takes or renews the scheduler lease for `holder`; `true` while it holds it.
    pub async fn lease(&self, holder: &str, ttl: std::time::Duration) -> redis::RedisResult<bool> {
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        let n: i64 = self
            .scripts
            .lease
            .key(self.k("lease"))
            .arg(holder)
            .arg(ttl_ms)
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(n == 1)
    }

    /// Warns loudly when Redis may evict the queue's keys.
    pub async fn check_eviction_policy(&self) {
        let got: redis::RedisResult<Vec<String>> =
            redis::cmd("CONFIG").arg("GET").arg("maxmemory-policy").query_async(&mut self.conn.clone()).await;
        match got.as_deref() {
            Ok([_, policy]) if policy == "noeviction" => {
                tracing::info!(redis.maxmemory_policy = %policy, "Redis keeps the reminder queue (noeviction)");
            }
            Ok([_, policy]) => tracing::error!(
                redis.maxmemory_policy = %policy,
                "Redis maxmemory-policy is `{policy}`: under memory pressure Redis may EVICT reminder queue keys. \
                 Set `maxmemory-policy noeviction` (reminders are re-derived from the database, but deliveries are delayed)"
            ),
            Ok(_) => tracing::warn!("Redis did not report its maxmemory-policy"),
            Err(e) => tracing::warn!(error.message = %e, "cannot read Redis maxmemory-policy (CONFIG may be disabled)"),
        }
    }
}

fn redis_error(what: &'static str, e: impl std::fmt::Display) -> redis::RedisError {
    redis::RedisError::from((redis::ErrorKind::Client, what, e.to_string()))
}
