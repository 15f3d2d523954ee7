//! Prometheus metrics: requests by matched route template (never the raw path, which holds ids).

use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder};

#[derive(Clone, Debug)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    reminders: IntCounterVec,
    queue: IntGaugeVec,
}

impl Metrics {
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new_custom(Some("changxiao".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered, by method, route template and status"),
            &["method", "route", "status"],
        )?;
        let duration = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "Time to answer an HTTP request, by route template")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]),
            &["method", "route"],
        )?;
        let reminders = IntCounterVec::new(
            Opts::new(
                "reminder_deliveries_total",
                "Reminder deliveries by outcome: inbox, wechat_sent, wechat_refused, wechat_no_consent, \
                 wechat_unbound, failed, dead_lettered",
            ),
            &["outcome"],
        )?;
        let queue = IntGaugeVec::new(
            Opts::new("reminder_queue_depth", "Reminder jobs in the Redis queue: delayed, ready, in_flight, dead"),
            &["part"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        registry.register(Box::new(reminders.clone()))?;
        registry.register(Box::new(queue.clone()))?;
        Ok(Self { registry, requests, duration, reminders, queue })
    }

    pub fn reminder(&self, outcome: &str) {
        self.reminders.with_label_values(&[outcome]).inc();
    }

    pub fn reminder_count(&self, outcome: &str) -> u64 {
        self.reminders.with_label_values(&[outcome]).get()
    }

    pub fn queue_depth(&self, d: &crate::queue::Depth) {
        for (part, n) in [("delayed", d.delayed), ("ready", d.ready), ("in_flight", d.in_flight), ("dead", d.dead)] {
            self.queue.with_label_values(&[part]).set(i64::try_from(n).unwrap_or(i64::MAX));
        }
    }

    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests.with_label_values(&[method, route, &status.to_string()]).inc();
        self.duration.with_label_values(&[method, route]).observe(seconds);
    }

    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}

/// Middleware recording every request.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let metrics = req.app_data::<actix_web::web::Data<crate::state::AppState>>().map(|s| s.metrics.clone());
    let res = next.call(req).await?;
    if let Some(m) = metrics {
        m.observe(&method, &route, res.status().as_u16(), started.elapsed().as_secs_f64());
    }
    Ok(res)
}
