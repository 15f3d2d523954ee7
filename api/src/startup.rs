//! Building and running the application: the same path in `main` and in tests.

use std::future::Future;
use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::StatusCode;
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::rate_limit::LoginLimiter;
use crate::auth::tokens::TokenKeys;
use crate::auth::wechat::WeChatClient;
use crate::cache::TtlCache;
use crate::clock::Clock;
use crate::crypto::FieldCipher;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::openapi::ApiDoc;
use crate::settings::{Settings, expose};
use crate::state::{AppState, State};
use crate::{routes, store};

pub struct Application {
    port: u16,
    server: Server,
    state: State,
}

/// Opens the database and applies pending migrations.
pub async fn open_database(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    // The data dir holds the SQLite file (embedded mode) and the uploads in progress (always).
    let tmp = settings.data_dir.join("tmp");
    std::fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let db = store::connect(settings).await.context("cannot open the database")?;
    Migrator::up(&db, None).await.context("migrations failed")?;
    Ok(db)
}

/// Callers whose session and access are kept: a district has a few thousand users.
const CALLERS_KEPT: usize = 4096;
/// Households kept as answered: at about a kilobyte each, at most 20 MB.
const HOUSEHOLDS_KEPT: usize = 20_000;

/// Builds the shared state from settings (the database already open).
pub fn build_state(
    settings: Settings,
    clock: Clock,
    db: DatabaseConnection,
    reports: DatabaseConnection,
) -> anyhow::Result<State> {
    let redis = match &settings.redis_url {
        None => None,
        Some(url) => {
            let client = redis::Client::open(expose(url)).context("REDIS_URL is not valid")?;
            let config = redis::aio::ConnectionManagerConfig::new()
                .set_connection_timeout(Some(Duration::from_secs(2)))
                .set_response_timeout(Some(Duration::from_secs(2)))
                .set_number_of_retries(1);
            // Lazy: a Redis that is down at start does not stop the API; /readyz reports it.
            Some(client.get_connection_manager_lazy(config).context("cannot set up Redis")?)
        }
    };
    Ok(web::Data::new(AppState {
        cipher: FieldCipher::from_base64(expose(&settings.field_key))?,
        tokens: TokenKeys::new(expose(&settings.jwt_secret), settings.access_ttl_seconds)?,
        limiter: LoginLimiter::new(settings.login_per_account_per_minute, settings.login_per_ip_per_minute),
        wechat: WeChatClient::new(
            settings.wechat.clone(),
            redis.clone().map(|c| (c, format!("{}wechat:access_token", settings.redis_prefix))),
        )?,
        queue: redis.clone().map(|c| crate::queue::RedisQueue::new(c, &settings.redis_prefix)),
        instance: uuid::Uuid::new_v4().to_string(),
        metrics: Metrics::new()?,
        storage: crate::storage::Storage::from_settings(&settings)?,
        media_permits: tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())),
        access_cache: TtlCache::new(Duration::from_secs(settings.access_cache_seconds), CALLERS_KEPT),
        sessions: TtlCache::new(Duration::from_secs(settings.access_cache_seconds), CALLERS_KEPT),
        households: TtlCache::new(Duration::from_secs(settings.household_cache_seconds), HOUSEHOLDS_KEPT),
        coverage_inputs: crate::store::coverage::InputsCache::new(std::time::Duration::from_secs(
            settings.report_cache_seconds,
        ))
        .context("cannot start the coverage reader")?,
        read_log: crate::store::audit::ReadLog::start(db.clone()),
        db,
        reports,
        redis,
        clock,
        settings,
    }))
}

fn json_error(err: actix_web::error::JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::OverflowKnownLength { .. } | E::Overflow { .. } => ApiError::problem(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "提交的内容过大",
            "the JSON body is too large",
        ),
        E::ContentType => ApiError::problem(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请以 JSON 格式提交",
            "Content-Type must be application/json",
        ),
        E::Deserialize(e) => match crate::routes::common::FieldFault::of(&e.to_string()) {
            Some(fault) => ApiError::Validation(vec![fault.into_field_error()]),
            None => ApiError::bad_request("invalid_json", "提交的内容格式不正确", e.to_string()),
        },
        other => ApiError::bad_request("invalid_json", "提交的内容格式不正确", other.to_string()),
    }
    .into()
}

fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request("invalid_query", "查询条件格式不正确", err.to_string()).into()
}

/// A malformed id in a path cannot name anything: answered as 404 — unless the path is another
/// route's under other methods (`PATCH /households/import` is not a household), which is 405.
fn path_error(_: actix_web::error::PathError, req: &HttpRequest) -> actix_web::Error {
    if let Some(routes) = req.app_data::<web::Data<crate::openapi::KnownRoutes>>()
        && let allowed = routes.methods_of(req.path())
        && !allowed.is_empty()
        && !allowed.contains(&req.method().as_str())
    {
        return actix_web::error::InternalError::from_response("method not allowed", method_not_allowed(req, routes))
            .into();
    }
    ApiError::not_found().into()
}

async fn serve_contract(contract: web::Data<String>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(contract.get_ref().clone())
}

/// No route matched: 405 with `Allow` when the path is in the contract under other methods, else 404.
async fn not_found(req: HttpRequest, routes: web::Data<crate::openapi::KnownRoutes>) -> HttpResponse {
    if routes.methods_of(req.path()).is_empty() {
        let err = ApiError::problem(StatusCode::NOT_FOUND, "route_not_found", "请求的地址不存在", "no such route");
        return actix_web::ResponseError::error_response(&err);
    }
    method_not_allowed(&req, &routes)
}

/// 405 with `Allow`: the methods the contract declares for this path.
fn method_not_allowed(req: &HttpRequest, routes: &crate::openapi::KnownRoutes) -> HttpResponse {
    let allowed = routes.methods_of(req.path());
    let err = ApiError::problem(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "该地址不支持此操作",
        format!("{} is not allowed here; allowed: {}", req.method(), allowed.join(", ")),
    );
    let mut res = actix_web::ResponseError::error_response(&err);
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&allowed.join(", ")) {
        res.headers_mut().insert(actix_web::http::header::ALLOW, v);
    }
    res
}

impl Application {
    pub async fn build(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        let db = open_database(&settings).await?;
        let listener =
            TcpListener::bind(settings.listen).with_context(|| format!("cannot listen on {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let reports = store::connect_reports(&settings, &db).await.context("cannot open the report connections")?;
        let state = build_state(settings, clock, db, reports)?;
        let server = serve(listener, state.clone())?;
        Ok(Self { port, server, state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> State {
        self.state.clone()
    }

    /// Serves until `shutdown` resolves, then stops accepting, lets in-flight requests finish
    /// (within the shutdown timeout) and closes the pool.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let handle = self.server.handle();
        let server = self.server;
        let interval = self.state.settings.reminder_interval_seconds;
        let scheduler = (interval > 0)
            .then(|| tokio::spawn(crate::reminders::schedule(self.state.clone(), Duration::from_secs(interval))));
        let housekeeping = tokio::spawn(housekeeping(self.state.clone()));
        tokio::pin!(server);
        tokio::select! {
            res = &mut server => res?,
            () = shutdown => {
                tracing::info!("shutting down: finishing in-flight requests");
                // The server future drives its own stop: poll both, or the stop waits forever.
                let ((), res) = tokio::join!(handle.stop(true), &mut server);
                res?;
                tracing::info!("stopped");
            }
        }
        if let Some(s) = scheduler {
            s.abort();
        }
        housekeeping.abort();
        // The reads answered are logged before the pool closes (unless the database is down).
        if !self.state.read_log.flush().await {
            tracing::error!("read log: entries left unwritten at shutdown (the database did not answer)");
        }
        let _ = self.state.db.clone().close().await;
        Ok(())
    }
}

/// Every ten minutes: the sign-in limiter forgets idle keys, Idempotency-Keys older than
/// `CHANGXIAO_IDEMPOTENCY_DAYS` are purged, and past days' upload counts are dropped, so none
/// grows for ever.
async fn housekeeping(state: State) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        state.limiter.retain_recent();
        let before = state.clock.now() - chrono::Duration::days(state.settings.idempotency_days);
        match store::idempotency::purge_before(&state.db, before).await {
            Ok(n) if n > 0 => tracing::info!(idempotency.purged = n, "idempotency keys purged"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error.message = %e, "idempotency purge failed; retrying later"),
        }
        let today = domain::uploads::quota_day(state.clock.now());
        if let Err(e) = store::uploads::purge_before(&state.db, today).await {
            tracing::warn!(error.message = %e, "upload count purge failed; retrying later");
        }
    }
}

fn serve(listener: TcpListener, state: State) -> anyhow::Result<Server> {
    let max_json = state.settings.max_json_bytes;
    let timeout = state.settings.shutdown_timeout_seconds;
    // The contract, served as committed; registered before the `/api/v1` scope so the scope does not shadow it.
    let api = crate::openapi::spec();
    let contract = web::Data::new(crate::openapi::to_json(&api)?);
    let known_routes = web::Data::new(crate::openapi::KnownRoutes::of(&api));
    let gates = web::Data::new(crate::authority::Gates::of(&api));
    let server = HttpServer::new(move || {
        let (app, _) = App::new()
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .map(|app| app.app_data(contract.clone()).route("/api/v1/openapi.json", web::get().to(serve_contract)))
            .app_data(state.clone())
            .app_data(known_routes.clone())
            .app_data(gates.clone())
            .app_data(web::JsonConfig::default().limit(max_json).error_handler(json_error))
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .configure(routes::configure)
            .split_for_parts();
        app.service(SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::from("/api/v1/openapi.json")))
            .service(web::redirect("/docs", "/docs/"))
            .configure(crate::console::configure)
            .default_service(web::to(not_found))
            .wrap(from_fn(crate::authority::gate))
            .wrap(from_fn(crate::metrics::record))
            .wrap(
                DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("Referrer-Policy", "no-referrer"))
                    .add(("Cache-Control", "no-store")),
            )
            .wrap(TracingLogger::default())
    })
    .listen(listener)?
    .disable_signals()
    .shutdown_timeout(timeout)
    .run();
    Ok(server)
}
