//! Typed settings from environment variables. Every variable is documented here where it is read
//! and listed in the README. Secrets are wrapped so that `Debug` never prints them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Secrets may be generated and kept in the data dir (a fresh machine runs with one command).
    Embedded,
    /// Every secret must be given; nothing is generated.
    Production,
}

#[derive(Clone, Debug)]
pub struct WeChatSettings {
    pub app_id: String,
    pub app_secret: SecretString,
    /// Base URL of WeChat's API (`WECHAT_API_BASE`), so tests can point it at a local fake.
    pub api_base: String,
    /// Subscribe-message template id per reminder kind (`WECHAT_SUBSCRIBE_TEMPLATES`); a kind
    /// without one goes to the inbox only.
    pub templates: std::collections::BTreeMap<String, String>,
    /// The mini-program page a subscribe message opens.
    pub page: String,
    /// `formal`, `trial` or `developer`.
    pub miniprogram_state: String,
}

/// Parses `kind=template_id,kind=template_id`, refusing unknown kinds.
pub fn parse_templates(raw: &str) -> anyhow::Result<std::collections::BTreeMap<String, String>> {
    let mut out = std::collections::BTreeMap::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((kind, id)) = pair.split_once('=') else {
            bail!("WECHAT_SUBSCRIBE_TEMPLATES: `{pair}` is not kind=template_id");
        };
        let kind = kind.trim();
        if domain::reminders::Kind::parse(kind).is_none() {
            bail!("WECHAT_SUBSCRIBE_TEMPLATES: unknown reminder kind `{kind}`");
        }
        out.insert(kind.to_owned(), id.trim().to_owned());
    }
    Ok(out)
}

/// An S3-compatible object store (MinIO, Ceph, Alibaba OSS, Tencent COS, AWS).
#[derive(Clone, Debug)]
pub struct S3Settings {
    pub bucket: String,
    pub region: String,
    pub endpoint: Option<String>,
    pub access_key_id: String,
    pub secret_access_key: SecretString,
}

/// Thresholds of the photo-proof rules and the photo limits.
#[derive(Clone, Copy, Debug)]
pub struct PhotoSettings {
    pub max_time_gap_minutes: i64,
    pub max_distance_m: f64,
    pub max_phash_distance: u32,
    pub max_speed_kmh: f64,
    pub max_pixels: u64,
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub mode: Mode,
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: SecretString,
    pub database_max_connections: u32,
    pub report_connections: u32,
    pub access_cache_seconds: u64,
    pub household_cache_seconds: u64,
    pub report_cache_seconds: u64,
    /// Statements slower than this are logged (a warning with the SQL and its time); 0: none.
    pub slow_statement_ms: u64,
    pub redis_url: Option<SecretString>,
    pub redis_prefix: String,
    pub jwt_secret: SecretString,
    pub field_key: SecretString,
    pub access_ttl_seconds: i64,
    pub refresh_ttl_days: i64,
    pub wechat: Option<WeChatSettings>,
    pub login_per_account_per_minute: u32,
    pub login_per_ip_per_minute: u32,
    pub reveals_per_user_per_hour: u32,
    pub idempotency_days: i64,
    pub upload_quota: domain::uploads::DailyQuota,
    pub trust_forwarded_for: bool,
    pub max_json_bytes: usize,
    pub max_upload_bytes: usize,
    pub month_closing_day: u32,
    pub shutdown_timeout_seconds: u64,
    pub s3: Option<S3Settings>,
    pub photos: PhotoSettings,
    pub work_calendar: domain::workdays::WorkCalendar,
    pub joint_verification_workdays: u32,
    pub reminder_interval_seconds: u64,
    /// How long a claimed reminder stays invisible to other workers before it is taken over.
    pub reminder_visibility_seconds: u64,
    pub reminder_retry: domain::reminders::RetryPolicy,
    pub call_policy: domain::phone_check::CallPolicy,
    pub admonishment: domain::leadership::AdmonishmentRule,
    /// Questions drawn for each interview.
    pub interview_questions: usize,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn parsed<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|e| anyhow::anyhow!("{name}={v:?} is not valid: {e}")),
    }
}

/// Secrets the embedded mode generates on first start and keeps in `<data dir>/secrets.json`.
#[derive(Serialize, Deserialize)]
struct GeneratedSecrets {
    jwt_secret: String,
    field_key: String,
}

impl Settings {
    /// Reads the environment. In embedded mode missing secrets are generated once and kept in the
    /// data dir; in production (`CHANGXIAO_ENV=production`) a missing secret is an error.
    pub fn from_env() -> anyhow::Result<Self> {
        // CHANGXIAO_ENV: `embedded` (default) or `production`.
        let mode = match var("CHANGXIAO_ENV").as_deref() {
            None | Some("embedded") | Some("development") => Mode::Embedded,
            Some("production") => Mode::Production,
            Some(other) => bail!("CHANGXIAO_ENV={other:?}: use `embedded` or `production`"),
        };
        // CHANGXIAO_DATA_DIR: the SQLite file, stored files and generated secrets. Default `./data`.
        let data_dir = PathBuf::from(var("CHANGXIAO_DATA_DIR").unwrap_or_else(|| "./data".into()));
        // DATABASE_URL: default SQLite in the data dir.
        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data_dir.join("changxiao.db").display()));
        let is_sqlite = database_url.starts_with("sqlite:");
        let (jwt, field) = (var("CHANGXIAO_JWT_SECRET"), var("CHANGXIAO_FIELD_KEY"));
        let (jwt_secret, field_key) = match (jwt, field, mode) {
            (Some(j), Some(f), _) => (j, f),
            (j, f, Mode::Embedded) => {
                let kept = load_or_generate_secrets(&data_dir)?;
                (j.unwrap_or(kept.jwt_secret), f.unwrap_or(kept.field_key))
            }
            (_, _, Mode::Production) => {
                bail!("production mode needs CHANGXIAO_JWT_SECRET and CHANGXIAO_FIELD_KEY")
            }
        };
        check_field_key(&field_key)?;
        if jwt_secret.len() < 32 {
            bail!("CHANGXIAO_JWT_SECRET must be at least 32 characters");
        }
        let wechat = match (var("WECHAT_APP_ID"), var("WECHAT_APP_SECRET")) {
            (Some(app_id), Some(secret)) => Some(WeChatSettings {
                app_id,
                app_secret: SecretString::from(secret),
                // WECHAT_API_BASE: default https://api.weixin.qq.com
                api_base: var("WECHAT_API_BASE").unwrap_or_else(|| "https://api.weixin.qq.com".into()),
                // WECHAT_SUBSCRIBE_TEMPLATES: `kind=template_id,…` for subscribe messages, e.g.
                // `unvisited_households=AbC…,list_due=DeF…`. Templates need the fields thing1 (title),
                // thing2 (summary) and date3 (date). Default: none (inbox only).
                templates: parse_templates(&var("WECHAT_SUBSCRIBE_TEMPLATES").unwrap_or_default())?,
                // WECHAT_SUBSCRIBE_PAGE: the page a subscribe message opens. Default pages/inbox/index.
                page: var("WECHAT_SUBSCRIBE_PAGE").unwrap_or_else(|| "pages/inbox/index".into()),
                // WECHAT_MINIPROGRAM_STATE: formal, trial or developer. Default formal.
                miniprogram_state: var("WECHAT_MINIPROGRAM_STATE").unwrap_or_else(|| "formal".into()),
            }),
            (None, None) => None,
            _ => bail!("set both WECHAT_APP_ID and WECHAT_APP_SECRET, or neither"),
        };
        Ok(Self {
            mode,
            // CHANGXIAO_LISTEN: address to serve on. Default 127.0.0.1:8080.
            listen: parsed("CHANGXIAO_LISTEN", SocketAddr::from(([127, 0, 0, 1], 8080)))?,
            data_dir,
            database_url: SecretString::from(database_url),
            // DATABASE_MAX_CONNECTIONS: pool size. Default 1 on SQLite (one writer, no "database busy"), 16 on PostgreSQL.
            database_max_connections: parsed("DATABASE_MAX_CONNECTIONS", if is_sqlite { 1 } else { 16 })?,
            // CHANGXIAO_REPORT_CONNECTIONS: on SQLite, read-only connections for long reads (coverage,
            // dashboards) beside the one writer. Default 2.
            report_connections: parsed("CHANGXIAO_REPORT_CONNECTIONS", 2)?,
            // CHANGXIAO_ACCESS_CACHE_SECONDS: how long a caller's session and grants are kept between
            // requests; a change made through this instance applies at once, one made on another
            // instance (a logout, a disabled account, a grant) within it. 0 reads them every request.
            // Default 5.
            access_cache_seconds: parsed("CHANGXIAO_ACCESS_CACHE_SECONDS", 5)?,
            // CHANGXIAO_HOUSEHOLD_CACHE_SECONDS: how long a household, as answered, is kept for the
            // next reader (each read is still checked against the reader's reach and logged); a write
            // through this instance applies at once, one on another instance within it. 0 reads every
            // time. Default 5.
            household_cache_seconds: parsed("CHANGXIAO_HOUSEHOLD_CACHE_SECONDS", 5)?,
            // CHANGXIAO_REPORT_CACHE_SECONDS: how long coverage inputs (households and the quarter's
            // visits within a reach) are shared between coverage, dashboard and assessment requests; a
            // visit, review or household change through this instance applies at once. 0 reads every
            // time. Default 10.
            report_cache_seconds: parsed("CHANGXIAO_REPORT_CACHE_SECONDS", 10)?,
            // CHANGXIAO_SLOW_STATEMENT_MS: log each database statement slower than this many
            // milliseconds, with its SQL (never its values). 0 logs none. Default 0.
            slow_statement_ms: parsed("CHANGXIAO_SLOW_STATEMENT_MS", 0)?,
            // REDIS_URL: unset means reminders run in-process.
            redis_url: var("REDIS_URL").map(SecretString::from),
            // CHANGXIAO_REDIS_PREFIX: prefix of every Redis key. Default `changxiao:`.
            redis_prefix: var("CHANGXIAO_REDIS_PREFIX").unwrap_or_else(|| "changxiao:".into()),
            jwt_secret: SecretString::from(jwt_secret),
            field_key: SecretString::from(field_key),
            // CHANGXIAO_ACCESS_TTL_SECONDS: access token lifetime. Default 900 (15 minutes).
            access_ttl_seconds: parsed("CHANGXIAO_ACCESS_TTL_SECONDS", 900)?,
            // CHANGXIAO_REFRESH_TTL_DAYS: refresh token lifetime. Default 30.
            refresh_ttl_days: parsed("CHANGXIAO_REFRESH_TTL_DAYS", 30)?,
            wechat,
            // CHANGXIAO_LOGIN_PER_ACCOUNT_PER_MINUTE: login attempts per account. Default 10.
            login_per_account_per_minute: parsed("CHANGXIAO_LOGIN_PER_ACCOUNT_PER_MINUTE", 10)?,
            // CHANGXIAO_LOGIN_PER_IP_PER_MINUTE: login attempts per client address. Default 60.
            login_per_ip_per_minute: parsed("CHANGXIAO_LOGIN_PER_IP_PER_MINUTE", 60)?,
            // CHANGXIAO_REVEALS_PER_USER_PER_HOUR: full ID numbers and phones one user may reveal in
            // an hour; past it the reveal is refused and the RRO is told. Default 30.
            reveals_per_user_per_hour: parsed("CHANGXIAO_REVEALS_PER_USER_PER_HOUR", 30)?,
            // CHANGXIAO_IDEMPOTENCY_DAYS: how long an Idempotency-Key's answer is kept for a repeat.
            // Default 30 (a phone that stayed offline a month still gets its first answer).
            idempotency_days: parsed("CHANGXIAO_IDEMPOTENCY_DAYS", 30)?,
            // CHANGXIAO_UPLOAD_FILES_PER_USER_PER_DAY and CHANGXIAO_UPLOAD_MB_PER_USER_PER_DAY: what
            // one user may upload in a local day (photos, rosters, screenings, archive files).
            // Defaults 500 files and 2048 MB: a cadre's busiest day of visits is well inside both.
            upload_quota: domain::uploads::DailyQuota {
                files: parsed("CHANGXIAO_UPLOAD_FILES_PER_USER_PER_DAY", 500)?,
                bytes: parsed::<u64>("CHANGXIAO_UPLOAD_MB_PER_USER_PER_DAY", 2048)?.saturating_mul(1 << 20),
            },
            // CHANGXIAO_TRUST_FORWARDED_FOR: take the client address from X-Forwarded-For (behind a proxy). Default false.
            trust_forwarded_for: parsed("CHANGXIAO_TRUST_FORWARDED_FOR", false)?,
            // CHANGXIAO_MAX_JSON_BYTES: largest JSON body. Default 1 MiB.
            max_json_bytes: parsed("CHANGXIAO_MAX_JSON_BYTES", 1 << 20)?,
            // CHANGXIAO_MAX_UPLOAD_BYTES: largest uploaded file (rosters, photos). Default 10 MiB.
            max_upload_bytes: parsed("CHANGXIAO_MAX_UPLOAD_BYTES", 10 << 20)?,
            // CHANGXIAO_MONTH_CLOSING_DAY: day of the next month on which a month closes. Default 5.
            month_closing_day: parsed("CHANGXIAO_MONTH_CLOSING_DAY", 5)?,
            // CHANGXIAO_SHUTDOWN_TIMEOUT_SECONDS: grace period for in-flight requests. Default 30.
            shutdown_timeout_seconds: parsed("CHANGXIAO_SHUTDOWN_TIMEOUT_SECONDS", 30)?,
            // CHANGXIAO_S3_BUCKET (+ _REGION, _ENDPOINT, _ACCESS_KEY_ID, _SECRET_ACCESS_KEY): store files
            // in an S3-compatible store instead of the data dir.
            s3: var("CHANGXIAO_S3_BUCKET").map(|bucket| S3Settings {
                bucket,
                region: var("CHANGXIAO_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
                endpoint: var("CHANGXIAO_S3_ENDPOINT"),
                access_key_id: var("CHANGXIAO_S3_ACCESS_KEY_ID").unwrap_or_default(),
                secret_access_key: SecretString::from(var("CHANGXIAO_S3_SECRET_ACCESS_KEY").unwrap_or_default()),
            }),
            // CHANGXIAO_HOLIDAYS / CHANGXIAO_MAKEUP_WORKDAYS: public holidays and make-up working days,
            // e.g. "2026-10-01..2026-10-07,2027-01-01". Weekends are never working days unless listed.
            work_calendar: domain::workdays::WorkCalendar {
                holidays: domain::workdays::parse_dates(&var("CHANGXIAO_HOLIDAYS").unwrap_or_default())?,
                makeup_workdays: domain::workdays::parse_dates(&var("CHANGXIAO_MAKEUP_WORKDAYS").unwrap_or_default())?,
            },
            // CHANGXIAO_JOINT_VERIFICATION_WORKDAYS: working days a joint household verification is due in. Default 5.
            joint_verification_workdays: parsed("CHANGXIAO_JOINT_VERIFICATION_WORKDAYS", 5)?,
            // CHANGXIAO_REMINDER_INTERVAL_SECONDS: how often reminders are derived and delivered; 0 turns the scheduler off. Default 30.
            reminder_interval_seconds: parsed("CHANGXIAO_REMINDER_INTERVAL_SECONDS", 30)?,
            // CHANGXIAO_REMINDER_VISIBILITY_SECONDS: a claimed reminder not delivered in this time is taken over
            // by another worker. Default 60.
            reminder_visibility_seconds: parsed("CHANGXIAO_REMINDER_VISIBILITY_SECONDS", 60)?,
            reminder_retry: domain::reminders::RetryPolicy {
                // CHANGXIAO_REMINDER_MAX_ATTEMPTS: attempts before a reminder goes to the dead letters. Default 5.
                max_attempts: parsed("CHANGXIAO_REMINDER_MAX_ATTEMPTS", 5)?,
                // CHANGXIAO_REMINDER_RETRY_BASE_SECONDS: first retry delay, doubled each time up to an hour. Default 30.
                base_seconds: parsed("CHANGXIAO_REMINDER_RETRY_BASE_SECONDS", 30)?,
                cap_seconds: 3600,
            },
            call_policy: domain::phone_check::CallPolicy {
                // CHANGXIAO_CALL_MAX_UNREACHED: phone-check attempts that reach nobody before a case closes. Default 3.
                max_unreached: parsed("CHANGXIAO_CALL_MAX_UNREACHED", 3)?,
                // CHANGXIAO_CALL_MAX_ATTEMPTS: phone-check attempts of any kind before a case closes. Default 6.
                max_attempts: parsed("CHANGXIAO_CALL_MAX_ATTEMPTS", 6)?,
                // CHANGXIAO_CALL_MIN_SPACING_MINUTES: least time between two attempts (unless a callback was agreed). Default 60.
                min_spacing: chrono::Duration::minutes(parsed("CHANGXIAO_CALL_MIN_SPACING_MINUTES", 60)?),
                // CHANGXIAO_CALL_HOURS: when households may be called, Beijing time. Default 08:30-12:00,14:00-20:30.
                hours: domain::phone_check::parse_hours(
                    &var("CHANGXIAO_CALL_HOURS").unwrap_or_else(|| "08:30-12:00,14:00-20:30".into()),
                )
                .map_err(|e| anyhow::anyhow!("CHANGXIAO_CALL_HOURS: {e}"))?,
            },
            admonishment: domain::leadership::AdmonishmentRule {
                // CHANGXIAO_ADMONISH_MIN_PROBLEMS_PER_100: problems a month per 100 target households. Default 10.
                min_problems_per_100: parsed("CHANGXIAO_ADMONISH_MIN_PROBLEMS_PER_100", 10.0)?,
                // CHANGXIAO_ADMONISH_MIN_PROBLEMS: and at least this many problems. Default 3.
                min_problems: parsed("CHANGXIAO_ADMONISH_MIN_PROBLEMS", 3)?,
                // CHANGXIAO_ADMONISH_MIN_OVERDUE_SHARE: slow: overdue share of active problems. Default 0.3.
                min_overdue_share: parsed("CHANGXIAO_ADMONISH_MIN_OVERDUE_SHARE", 0.3)?,
                // CHANGXIAO_ADMONISH_MIN_MEDIAN_DAYS: slow: median days to close. Default 20.
                min_median_days_to_close: parsed("CHANGXIAO_ADMONISH_MIN_MEDIAN_DAYS", 20.0)?,
            },
            // CHANGXIAO_INTERVIEW_QUESTIONS: must-know questions drawn for each interview. Default 5.
            interview_questions: parsed("CHANGXIAO_INTERVIEW_QUESTIONS", 5)?,
            photos: PhotoSettings {
                // CHANGXIAO_PHOTO_MAX_TIME_GAP_MINUTES: photo time vs visit time. Default 120.
                max_time_gap_minutes: parsed("CHANGXIAO_PHOTO_MAX_TIME_GAP_MINUTES", 120)?,
                // CHANGXIAO_PHOTO_MAX_DISTANCE_M: photo position vs the household. Default 300.
                max_distance_m: parsed("CHANGXIAO_PHOTO_MAX_DISTANCE_M", 300.0)?,
                // CHANGXIAO_PHOTO_MAX_PHASH_DISTANCE: bits apart still "the same photo". Default 6 (of 64).
                max_phash_distance: parsed("CHANGXIAO_PHOTO_MAX_PHASH_DISTANCE", 6)?,
                // CHANGXIAO_MAX_TRAVEL_KMH: fastest plausible travel between two visits. Default 80.
                max_speed_kmh: parsed("CHANGXIAO_MAX_TRAVEL_KMH", 80.0)?,
                // CHANGXIAO_PHOTO_MAX_PIXELS: larger images are refused before decoding. Default 40 MP.
                max_pixels: parsed("CHANGXIAO_PHOTO_MAX_PIXELS", 40_000_000)?,
            },
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.expose_secret().starts_with("sqlite:")
    }
}

fn check_field_key(key: &str) -> anyhow::Result<()> {
    let bytes = STANDARD.decode(key).context("CHANGXIAO_FIELD_KEY must be base64")?;
    if bytes.len() != 32 {
        bail!("CHANGXIAO_FIELD_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)");
    }
    Ok(())
}

/// Generates a random 32-byte key, base64-encoded.
impl PhotoSettings {
    pub fn thresholds(&self) -> domain::visit::Thresholds {
        domain::visit::Thresholds {
            max_time_gap_minutes: self.max_time_gap_minutes,
            max_distance_m: self.max_distance_m,
            max_phash_distance: self.max_phash_distance,
            max_speed_kmh: self.max_speed_kmh,
        }
    }
}

impl Default for PhotoSettings {
    fn default() -> Self {
        Self {
            max_time_gap_minutes: 120,
            max_distance_m: 300.0,
            max_phash_distance: 6,
            max_speed_kmh: 80.0,
            max_pixels: 40_000_000,
        }
    }
}

pub fn random_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    STANDARD.encode(bytes)
}

fn load_or_generate_secrets(data_dir: &Path) -> anyhow::Result<GeneratedSecrets> {
    let path = data_dir.join("secrets.json");
    if let Ok(text) = std::fs::read_to_string(&path) {
        return serde_json::from_str(&text).with_context(|| format!("{} is not valid", path.display()));
    }
    std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create {}", data_dir.display()))?;
    let secrets = GeneratedSecrets { jwt_secret: random_key(), field_key: random_key() };
    let text = serde_json::to_string_pretty(&secrets)?;
    write_private(&path, text.as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(secrets)
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// Exposes a secret for the few places that must use it.
pub fn expose(s: &SecretString) -> &str {
    s.expose_secret()
}
