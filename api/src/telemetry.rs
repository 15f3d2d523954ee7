//! Structured logs: `tracing` with a span per request (request id, matched route template).
//! No secrets and no personal data are ever logged: ID numbers and phones have masking `Debug`s.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// Installs the global subscriber. `CHANGXIAO_LOG_FORMAT=json` logs JSON lines (production);
/// otherwise compact text. `RUST_LOG` sets the filter (default `info`).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let json = std::env::var("CHANGXIAO_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_span_events(FmtSpan::NONE);
    let _ = if json { builder.json().try_init() } else { builder.compact().try_init() };
}
