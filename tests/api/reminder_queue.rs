//! The reminder queue in a real Redis: two instances deliver each reminder once, a worker that dies
//! mid-delivery loses nothing, FLUSHALL and a Redis restart lose nothing and double nothing, Redis
//! down leaves the API serving, and dead letters can be seen and replayed.
//!
//! Each test starts its own `redis-server` on a free port, so FLUSHALL and restarts touch no other
//! test. They need the `redis-server` binary, which CI installs; `TEST_REDIS_URL` marks a machine
//! that has it.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use changxiao::queue::RedisQueue;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use secrecy::SecretString;

use crate::helpers::{TestApp, spawn_twin, spawn_with};

/// A private Redis on a free port, killed when dropped.
struct PrivateRedis {
    port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut r = Self { port, child: None };
        r.restart().await;
        r
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    async fn restart(&mut self) {
        self.stop();
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed (CI installs it)");
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server did not start");
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    async fn flushall(&self) {
        let client = redis::Client::open(self.url()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let _: () = redis::cmd("FLUSHALL").query_async(&mut conn).await.unwrap();
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn spawn_on(redis: &PrivateRedis) -> TestApp {
    let url = redis.url();
    spawn_with(|s| s.redis_url = Some(SecretString::from(url))).await
}

fn queue(app: &TestApp) -> &RedisQueue {
    app.state.queue.as_ref().expect("Redis is configured")
}

/// Every reminder due now, by key.
async fn due_keys(app: &TestApp) -> Vec<String> {
    let mut keys: Vec<String> =
        changxiao::reminders::due_now(&app.state).await.unwrap().into_iter().map(|r| r.key).collect();
    keys.sort();
    keys
}

/// Delivered keys, with how many rows each has (the database would refuse a second, but the count
/// is what the property is about).
async fn delivered(app: &TestApp) -> Vec<(String, i64)> {
    let db = &app.state.db;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT dedup_key, COUNT(*) FROM notifications GROUP BY dedup_key ORDER BY dedup_key",
        ))
        .await
        .unwrap();
    rows.into_iter().map(|r| (r.try_get_by_index(0).unwrap(), r.try_get_by_index(1).unwrap())).collect()
}

fn each_once(keys: &[String]) -> Vec<(String, i64)> {
    keys.iter().map(|k| (k.clone(), 1)).collect()
}

#[tokio::test]
#[ignore = "needs redis-server: set TEST_REDIS_URL (CI runs it with --include-ignored)"]
async fn two_instances_on_one_redis_deliver_each_reminder_exactly_once() {
    let redis = PrivateRedis::start().await;
    let a = spawn_on(&redis).await;
    let b = spawn_twin(&a).await;
    let keys = due_keys(&a).await;
    assert!(keys.len() >= 3, "the demo town has reminders due: {keys:?}");

    for _ in 0..3 {
        let (x, y) = tokio::join!(changxiao::reminders::run_once(&a.state), changxiao::reminders::run_once(&b.state));
        x.unwrap();
        y.unwrap();
    }
    assert_eq!(delivered(&a).await, each_once(&keys));
    let inbox = a.state.metrics.reminder_count("inbox") + b.state.metrics.reminder_count("inbox");
    assert_eq!(inbox, keys.len() as u64, "each reminder reached an inbox once across both instances");
    let depth = queue(&a).depth().await.unwrap();
    assert_eq!((depth.delayed, depth.ready, depth.in_flight, depth.dead), (0, 0, 0, 0));
    // Only one instance held the scheduler lease.
    let a_leads = queue(&a).lease(&a.state.instance, Duration::from_secs(10)).await.unwrap();
    let b_leads = queue(&b).lease(&b.state.instance, Duration::from_secs(10)).await.unwrap();
    assert!(a_leads ^ b_leads, "exactly one instance holds the lease");
}

#[tokio::test]
#[ignore = "needs redis-server: set TEST_REDIS_URL (CI runs it with --include-ignored)"]
async fn a_worker_killed_mid_delivery_loses_nothing() {
    let redis = PrivateRedis::start().await;
    let app = spawn_on(&redis).await;
    let keys = due_keys(&app).await;
    let q = queue(&app);
    changxiao::reminders::schedule_pass(&app.state, q).await.unwrap();
    // A worker claims a job and dies before delivering it.
    let claimed = q.claim(app.clock.now(), chrono::Duration::seconds(60)).await.unwrap().expect("a job");
    let others = changxiao::reminders::drain(&app.state, q).await.unwrap();
    assert_eq!(others, keys.len() - 1, "the claimed job is invisible while its worker may still deliver it");
    assert!(!delivered(&app).await.iter().any(|(k, _)| *k == claimed.key));
    // Its visibility runs out: another worker takes it over.
    app.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(changxiao::reminders::drain(&app.state, q).await.unwrap(), 1);
    assert_eq!(delivered(&app).await, each_once(&keys));
    // The dead worker, were it to come back and fail, no longer owns the job.
    assert!(!q.fail(&claimed.key, None, app.clock.now()).await.unwrap());
}

#[tokio::test]
#[ignore = "needs redis-server: set TEST_REDIS_URL (CI runs it with --include-ignored)"]
async fn flushall_and_a_restart_lose_nothing_and_deliver_nothing_twice() {
    let mut redis = PrivateRedis::start().await;
    let app = spawn_on(&redis).await;
    let keys = due_keys(&app).await;
    let q = queue(&app);
    // Queued, half delivered, then Redis is flushed.
    changxiao::reminders::schedule_pass(&app.state, q).await.unwrap();
    let first = q.claim(app.clock.now(), chrono::Duration::seconds(60)).await.unwrap().unwrap();
    changxiao::delivery::deliver(&app.state, &first.reminder, app.clock.now()).await.unwrap();
    q.ack(&first.key).await.unwrap();
    redis.flushall().await;
    assert_eq!(q.depth().await.unwrap().delayed, 0, "the queue is gone");
    changxiao::reminders::run_once(&app.state).await.unwrap();
    assert_eq!(delivered(&app).await, each_once(&keys));

    // A reminder due after a restart: Redis comes back empty and the next pass delivers it.
    redis.restart().await;
    app.clock.advance(chrono::Duration::days(3)); // 1 December: m3, the cross-check reminder is due
    let later = due_keys(&app).await;
    assert!(later.iter().any(|k| k.starts_with("cross_check:")), "{later:?}");
    let mut tries = 0;
    while changxiao::reminders::run_once(&app.state).await.is_err() {
        tries += 1;
        assert!(tries < 50, "the connection manager reconnects");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = delivered(&app).await;
    assert!(got.iter().all(|(_, n)| *n == 1));
    for k in later {
        assert!(got.iter().any(|(d, _)| *d == k), "{k} delivered after the restart");
    }
}

#[tokio::test]
#[ignore = "needs redis-server: set TEST_REDIS_URL (CI runs it with --include-ignored)"]
async fn with_redis_down_the_api_serves_readyz_says_so_and_reminders_resume_when_it_returns() {
    let mut redis = PrivateRedis::start().await;
    let app = spawn_on(&redis).await;
    redis.stop();
    let ready = app.request(reqwest::Method::GET, "/readyz", None, None, &[]).await;
    assert_eq!(ready.status, StatusCode::OK, "Redis down degrades, it does not take the API out: {}", ready.text);
    assert_eq!((ready.body["status"].as_str(), ready.body["redis"].as_str()), (Some("degraded"), Some("down")));
    let token = app.login("demo-cadre-a").await;
    assert_eq!(app.get("/api/v1/households", &token).await.status, StatusCode::OK, "the API keeps serving");
    assert!(changxiao::reminders::run_once(&app.state).await.is_err(), "nothing can be queued");
    assert!(delivered(&app).await.is_empty());

    redis.restart().await;
    let mut tries = 0;
    while changxiao::reminders::run_once(&app.state).await.is_err() {
        tries += 1;
        assert!(tries < 50, "the connection manager reconnects");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(delivered(&app).await, each_once(&due_keys(&app).await));
    assert_eq!(app.request(reqwest::Method::GET, "/readyz", None, None, &[]).await.body["redis"], "ok");
}

#[tokio::test]
#[ignore = "needs redis-server: set TEST_REDIS_URL (CI runs it with --include-ignored)"]
async fn a_reminder_that_fails_every_attempt_is_dead_lettered_seen_by_the_rro_and_replayed() {
    use serde_json::json;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let redis = PrivateRedis::start().await;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/cgi-bin/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "access_token": "t", "expires_in": 7200 })))
        .mount(&server)
        .await;
    let failing = Mock::given(method("POST"))
        .and(path("/cgi-bin/message/subscribe/send"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "errcode": -1, "errmsg": "system error" })))
        .mount_as_scoped(&server)
        .await;
    let url = redis.url();
    let uri = server.uri();
    let app = spawn_with(|s| {
        s.redis_url = Some(SecretString::from(url));
        s.wechat = Some(crate::helpers::wechat(&uri));
    })
    .await;
    // Cadre A is bound to WeChat (inserted directly: the sign-in flow is tested elsewhere) and consents.
    let me = app.get("/api/v1/me", &app.login("demo-cadre-a").await).await.body["id"].as_str().unwrap().to_owned();
    let db = &app.state.db;
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "INSERT INTO wechat_bindings (id, user_id, openid, unionid, created_at) VALUES ($1, $2, $3, NULL, $4)",
        [
            uuid::Uuid::new_v4().into(),
            uuid::Uuid::parse_str(&me).unwrap().into(),
            "o-cadre-a".into(),
            app.clock.now().into(),
        ],
    ))
    .await
    .unwrap();
    let token = app.login("demo-cadre-a").await;
    app.post("/api/v1/notifications/subscriptions", &token, json!({ "results": { "tmpl-unvisited": "accept" } })).await;

    // Three attempts (the test policy), the clock moving past each backoff.
    for _ in 0..4 {
        changxiao::reminders::run_once(&app.state).await.unwrap();
        app.clock.advance(chrono::Duration::minutes(5));
    }
    let rro = app.login("demo-rro").await;
    let status = app.get("/api/v1/reminders/queue", &rro).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.text);
    assert_eq!(status.body["backend"], "redis");
    let dead = status.body["dead_letters"].as_array().unwrap();
    assert_eq!(dead.len(), 1, "{}", status.text);
    assert_eq!(dead[0]["attempts"], 3);
    assert_eq!(dead[0]["user_id"], me.as_str());
    assert_eq!(app.state.metrics.reminder_count("dead_lettered"), 1);
    let key = dead[0]["key"].as_str().unwrap().to_owned();
    // A cadre may not see or replay the queue.
    let cadre = app.login("demo-cadre-b").await;
    app.get("/api/v1/reminders/queue", &cadre).await.assert_problem(403, "not_permitted");

    // WeChat recovers; the RRO replays; the message goes out once.
    drop(failing);
    Mock::given(method("POST"))
        .and(path("/cgi-bin/message/subscribe/send"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "errcode": 0, "errmsg": "ok" })))
        .expect(1)
        .mount(&server)
        .await;
    let replay_path = format!("/api/v1/reminders/dead-letters/{}/replay", urlencode(&key));
    let replayed = app.request(reqwest::Method::POST, &replay_path, Some(&rro), None, &[]).await;
    assert_eq!(replayed.status, StatusCode::NO_CONTENT, "{}", replayed.text);
    app.request(reqwest::Method::POST, &replay_path, Some(&rro), None, &[]).await.assert_problem(404, "not_found");
    changxiao::reminders::run_once(&app.state).await.unwrap();
    changxiao::reminders::run_once(&app.state).await.unwrap();
    assert!(app.get("/api/v1/reminders/queue", &rro).await.body["dead_letters"].as_array().unwrap().is_empty());
    server.verify().await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
