//! What every handler can reach: the pool, settings, the clock, keys and clients.

use sea_orm::DatabaseConnection;

use crate::auth::rate_limit::LoginLimiter;
use crate::auth::tokens::TokenKeys;
use crate::auth::wechat::WeChatClient;
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
    /// Callers' access for a few seconds (`auth::access_cache`).
    pub access_cache: crate::auth::access_cache::AccessCache,
    /// Coverage inputs for a few seconds, one read however many ask (`store::coverage::InputsCache`).
    pub coverage_inputs: crate::store::coverage::InputsCache,
    /// Plain reads of households, logged in batches (`store::audit::ReadLog`).
    pub read_log: crate::store::audit::ReadLog,
}

impl AppState {
    /// Households of `town` were written: the town's coverage inputs are read anew, and so is every
    /// cached access, since a write may link or unlink cadres (联户) and the links are part of it.
    pub fn households_changed(&self, town: uuid::Uuid) {
        self.coverage_inputs.forget_town(town);
        self.access_cache.forget_all();
    }
}

pub type State = actix_web::web::Data<AppState>;
