//! What every handler can reach: the pool, settings, the clock, keys and clients.

use domain::org::Access;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::auth::rate_limit::LoginLimiter;
use crate::auth::tokens::TokenKeys;
use crate::auth::wechat::WeChatClient;
use crate::cache::TtlCache;
use crate::clock::Clock;
use crate::crypto::FieldCipher;
use crate::metrics::Metrics;
use crate::settings::Settings;
use crate::storage::Storage;

#[derive(Debug)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// Where long reads run: read-only connections beside the writer on SQLite, the pool otherwise
    /// (`store::connect_reports`).
    pub reports: DatabaseConnection,
    pub settings: Settings,
    pub clock: Clock,
    pub cipher: FieldCipher,
    pub tokens: TokenKeys,
    pub limiter: LoginLimiter,
    pub wechat: WeChatClient,
    pub redis: Option<redis::aio::ConnectionManager>,
    /// The reminder queue, when Redis is configured; otherwise reminders run in-process.
    pub queue: Option<crate::queue::RedisQueue>,
    /// This instance, as the holder of the scheduler lease.
    pub instance: String,
    pub metrics: Metrics,
    pub storage: Storage,
    /// Photos decoded at once: one per core. Each holds a full-size decoded picture (~8 MB for a
    /// phone photo, and copies); fifty uploads finishing together took a gigabyte without it.
    pub media_permits: tokio::sync::Semaphore,
    /// Callers' access (grants, groups, linked households) for a few seconds (`cache`): four
    /// queries on every authenticated request, for what changes a few times a year.
    pub access_cache: TtlCache<Uuid, Access>,
    /// Sessions found active (account active, token family not revoked), by user and token family,
    /// for as long as access is kept.
    pub sessions: TtlCache<(Uuid, Option<Uuid>), crate::auth::extractor::SessionUser>,
    /// Households as answered (masked, serialized), for a few seconds: a cadre opens the same
    /// households again and again on a visit round.
    pub households: TtlCache<Uuid, crate::routes::households::Answered>,
    /// Coverage inputs for a few seconds, one read however many ask (`store::coverage::InputsCache`).
    pub coverage_inputs: crate::store::coverage::InputsCache,
    /// Plain reads of households, logged in batches (`store::audit::ReadLog`).
    pub read_log: crate::store::audit::ReadLog,
}

impl AppState {
    /// Households of `town` were written: the town's coverage inputs are read anew, and so is every
    /// cached access, since a write may link or unlink cadres (联户) and the links are part of it.
    pub fn households_changed(&self, town: Uuid) {
        self.coverage_inputs.forget_town(town);
        self.access_cache.forget_all();
        self.households.forget_where(|_, h| h.town_id == town);
    }

    /// A visit to `household` of `town` was recorded or reviewed: the town's coverage is read anew,
    /// and the household is answered with its new last visit.
    pub fn visits_changed(&self, town: Uuid, household: Uuid) {
        self.coverage_inputs.forget_town(town);
        self.households.forget_where(|id, _| *id == household);
    }

    /// A user's account, grants, groups or sessions changed: their next request reads them anew.
    pub fn user_changed(&self, user: Uuid) {
        self.access_cache.forget(&user);
        self.sessions.forget_where(|(u, _), _| *u == user);
    }
}

pub type State = actix_web::web::Data<AppState>;
