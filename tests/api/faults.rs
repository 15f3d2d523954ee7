//! Faults: a hundred identical submissions at once, the database restarted under load, and a
//! shutdown with requests in flight. (Redis faults are in `reminder_queue.rs`.)

use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

use crate::helpers::{TestApp, default_now, into_res, spawn_app, spawn_with, test_settings, visit_body};

const AT: &str = "2026-11-28T09:30:00+08:00";

async fn first_household(app: &TestApp, token: &str) -> Value {
    let list = app.get("/api/v1/households?per_page=1", token).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    list.body["items"][0].clone()
}

async fn visits_of(app: &TestApp, token: &str, household: &Value) -> u64 {
    let path = format!("/api/v1/visits?household_id={}", household["id"].as_str().unwrap());
    app.get(&path, token).await.body["total"].as_u64().unwrap()
}

#[tokio::test]
async fn a_hundred_identical_submissions_with_one_key_make_one_visit_and_one_answer() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    let household = first_household(&app, &cadre).await;
    let body = visit_body(&household, &[], AT);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let (client, url, token, body) = (app.client.clone(), app.url("/api/v1/visits"), cadre.clone(), body.clone());
        tasks.spawn(async move {
            let res =
                client.post(url).bearer_auth(token).header("Idempotency-Key", "same-visit").json(&body).send().await;
            into_res(res.expect("answered")).await
        });
    }
    let answers = tasks.join_all().await;
    let first = &answers[0];
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    for a in &answers {
        assert_eq!(a.status, first.status, "{}", a.text);
        assert_eq!(a.body, first.body, "every repeat gets the first answer");
    }
    assert_eq!(visits_of(&app, &cadre, &household).await, 1);

    // Without a key, the client id alone: the inserts that lost wait for the one that won, then
    // answer with it.
    let body = visit_body(&household, &[], "2026-11-28T08:30:00+08:00");
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..30 {
        let (client, url, token, body) = (app.client.clone(), app.url("/api/v1/visits"), cadre.clone(), body.clone());
        tasks.spawn(async move {
            into_res(client.post(url).bearer_auth(token).json(&body).send().await.expect("answered")).await
        });
    }
    let answers = tasks.join_all().await;
    let created: Vec<_> = answers.iter().filter(|a| a.status == StatusCode::CREATED).collect();
    assert_eq!(created.len(), 1, "{:?}", answers.iter().map(|a| a.status).collect::<Vec<_>>());
    for a in &answers {
        assert!(a.status == StatusCode::CREATED || a.status == StatusCode::OK, "{}", a.text);
        assert_eq!(a.body, created[0].body, "every repeat gets the first answer");
    }
    assert_eq!(visits_of(&app, &cadre, &household).await, 2);

    // The same key with another body is refused and writes nothing.
    let mut other = visit_body(&household, &[], AT);
    other["kind"] = json!("along_the_way");
    let headers = [("Idempotency-Key", "same-visit")];
    app.request(Method::POST, "/api/v1/visits", Some(&cadre), Some(other), &headers)
        .await
        .assert_problem(422, "idempotency_key_reused");
    assert_eq!(visits_of(&app, &cadre, &household).await, 2);

    // The key belongs to its user: the team leader's own visit with the same key is a new visit.
    let lead = app.login("demo-teamlead-a").await;
    let own =
        app.request(Method::POST, "/api/v1/visits", Some(&lead), Some(visit_body(&household, &[], AT)), &headers).await;
    assert_eq!(own.status, StatusCode::CREATED, "{}", own.text);
    assert_ne!(own.body["id"], first.body["id"]);
    assert_eq!(visits_of(&app, &cadre, &household).await, 3);
}

/// Sends a request's head and the first half of its body on a raw connection, so it is in flight.
async fn half_sent(app: &TestApp, token: &str, body: &Value) -> (tokio::net::TcpStream, Vec<u8>) {
    let addr = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let payload = serde_json::to_vec(body).unwrap();
    let head = format!(
        "POST /api/v1/visits HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        payload.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let (now, later) = payload.split_at(payload.len() / 2);
    stream.write_all(now).await.unwrap();
    stream.flush().await.unwrap();
    (stream, later.to_vec())
}

#[tokio::test]
async fn a_shutdown_lets_requests_in_flight_finish_and_exits_within_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
    let mut settings = test_settings(dir.path().to_path_buf(), url);
    settings.shutdown_timeout_seconds = 5;
    let clock = changxiao::clock::Clock::manual(default_now());
    let app = changxiao::startup::Application::build(settings, clock.clone()).await.unwrap();
    let state = app.state();
    changxiao::demo::seed_if_empty(&state.db, &state.cipher, clock.now(), 8).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let client = TestApp::client_for(address, state, clock, url_of(dir.path()), dir);
    let cadre = client.login("demo-cadre-a").await;
    let household = first_household(&client, &cadre).await;
    let body = visit_body(&household, &[], AT);
    let (mut stream, rest) = half_sent(&client, &cadre, &body).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    // The signal arrives (SIGTERM resolves the same future) while the visit is half sent.
    let asked = Instant::now();
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stream.write_all(&rest).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "the accepted request completes: {answer}");

    let finished = tokio::time::timeout(Duration::from_secs(10), server).await;
    assert!(finished.is_ok(), "the server did not exit within its shutdown timeout");
    assert!(asked.elapsed() < Duration::from_secs(7), "exit took {:?}", asked.elapsed());
    // A new connection is refused once it has stopped.
    assert!(reqwest::get(client.url("/healthz")).await.is_err());

    // The visit is whole: reopened, the database has it with its checklist.
    let reopened = spawn_on_file(&client).await;
    let cadre = reopened.login("demo-cadre-a").await;
    let path = format!("/api/v1/visits?household_id={}", household["id"].as_str().unwrap());
    let listed = reopened.get(&path, &cadre).await;
    assert_eq!(listed.body["total"], 1, "{}", listed.text);
    let id = listed.body["items"][0]["id"].as_str().unwrap();
    let visit = reopened.get(&format!("/api/v1/visits/{id}"), &cadre).await;
    assert_eq!(visit.body["checklist"]["satisfaction"], "satisfied", "{}", visit.text);
}

fn url_of(dir: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("test.db").display())
}

/// The same SQLite file served again after a shutdown.
async fn spawn_on_file(stopped: &TestApp) -> TestApp {
    let url = stopped.database_url.clone();
    spawn_with(move |s| {
        s.database_url = secrecy::SecretString::from(url);
    })
    .await
}

/// A private PostgreSQL cluster, restarted at will (the shared one serves other tests).
struct PrivatePostgres {
    dir: std::path::PathBuf,
    port: u16,
    bin: std::path::PathBuf,
}

impl PrivatePostgres {
    fn start() -> Self {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL is installed (CI installs it)")
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .max()
            .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("cx-pg-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        run(Command::new("chown").arg("postgres:postgres").arg(&dir));
        run(as_postgres(&bin.join("initdb")).args(["-A", "trust", "-U", "postgres", "-D"]).arg(&dir));
        let pg = Self { dir, port, bin };
        pg.ctl("start");
        pg
    }

    fn ctl(&self, action: &str) {
        let opts = format!("-p {} -k /tmp -c listen_addresses=127.0.0.1", self.port);
        run(as_postgres(&self.bin.join("pg_ctl"))
            .args([action, "-w", "-m", "fast", "-D"])
            .arg(&self.dir)
            .args(["-o", &opts, "-l"])
            .arg(self.dir.join("log")));
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = as_postgres(&self.bin.join("pg_ctl")).args(["stop", "-m", "immediate", "-D"]).arg(&self.dir).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn as_postgres(program: &std::path::Path) -> Command {
    let mut c = Command::new("runuser");
    c.args(["-u", "postgres", "--"]).arg(program);
    c
}

fn run(c: &mut Command) {
    let out = c.output().expect("the command runs");
    assert!(out.status.success(), "{c:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
#[ignore = "needs PostgreSQL installed: set TEST_DATABASE_URL (CI runs it with --include-ignored)"]
async fn postgres_restarted_under_load_gives_clean_503s_then_full_service_without_restarting_the_api() {
    let pg = PrivatePostgres::start();
    let url = pg.url();
    let app = spawn_with(move |s| {
        s.database_url = secrecy::SecretString::from(url);
        s.database_max_connections = 5;
    })
    .await;
    let cadre = app.login("demo-cadre-a").await;
    let household = first_household(&app, &cadre).await;
    let read = format!("/api/v1/households/{}", household["id"].as_str().unwrap());

    let load = {
        let (client, url, token) = (app.client.clone(), app.url(&read), cadre.clone());
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let until = Instant::now() + Duration::from_secs(12);
            while Instant::now() < until {
                let started = Instant::now();
                let res = client.get(&url).bearer_auth(&token).timeout(Duration::from_secs(15)).send().await;
                let res = into_res(res.expect("the API answers even with the database away")).await;
                seen.push((res.status.as_u16(), res.code().to_owned(), res.content_type.clone(), started.elapsed()));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            seen
        })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    pg.ctl("stop");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let ready = app.request(Method::GET, "/readyz", None, None, &[]).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE, "{}", ready.text);
    pg.ctl("start");

    let seen = load.await.unwrap();
    let failures: Vec<_> = seen.iter().filter(|(s, ..)| *s != 200).collect();
    assert!(!failures.is_empty(), "the load ran through the outage");
    for (status, code, content_type, took) in &failures {
        assert_eq!(*status, 503, "only 503 while the database is down: {code}");
        assert_eq!(code, "service_unavailable");
        assert!(content_type.starts_with("application/problem+json"));
        assert!(*took < Duration::from_secs(8), "a request hung for {took:?}");
    }
    let last = seen.last().unwrap();
    assert_eq!(last.0, 200, "full service after the restart: {last:?}");
    // Writes work again too, on the same API process.
    let visit = app.post("/api/v1/visits", &cadre, visit_body(&household, &[], AT)).await;
    assert_eq!(visit.status, StatusCode::CREATED, "{}", visit.text);
    assert_eq!(app.request(Method::GET, "/readyz", None, None, &[]).await.status, StatusCode::OK);
}
