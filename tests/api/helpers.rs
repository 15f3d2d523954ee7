//! `spawn_app()` → `TestApp`: one helper per endpoint family, and the demo town seeded small.

use std::net::SocketAddr;
use std::path::PathBuf;

use changxiao::clock::Clock;
use changxiao::settings::{Mode, PhotoSettings, Settings, WeChatSettings, random_key};
use changxiao::startup::Application;
use changxiao::state::State;
use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};
use uuid::Uuid;

pub const PASSWORD: &str = "changxiao-demo";

/// 10:00 in Shanghai on 28 November 2026.
pub fn default_now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-28T02:00:00Z").unwrap().with_timezone(&Utc)
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub clock: Clock,
    pub state: State,
    pub database_url: String,
    _dir: tempfile::TempDir,
}

/// The database for one test: a SQLite file in the test's own folder, or a new PostgreSQL
/// database (named with `TEST_DATABASE_PREFIX`, so a CI run can drop its own afterwards).
async fn fresh_database(dir: &std::path::Path) -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            use sea_orm::{ConnectionTrait, Database, Statement};
            let prefix = std::env::var("TEST_DATABASE_PREFIX").unwrap_or_else(|_| "cxtest".into());
            let name = format!("{prefix}_{}", Uuid::new_v4().simple());
            let admin = Database::connect(&admin_url).await.expect("TEST_DATABASE_URL does not answer");
            admin
                .execute_raw(Statement::from_string(
                    admin.get_database_backend(),
                    format!("CREATE DATABASE \"{name}\""),
                ))
                .await
                .expect("cannot create the test database");
            admin.close().await.ok();
            let (base, _) = admin_url.rsplit_once('/').expect("TEST_DATABASE_URL needs a database name");
            format!("{base}/{name}")
        }
        _ => format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
    }
}

pub fn test_settings(dir: PathBuf, database_url: String) -> Settings {
    let redis_url = std::env::var("TEST_REDIS_URL").ok().filter(|u| !u.is_empty());
    let is_sqlite = database_url.starts_with("sqlite:");
    Settings {
        mode: Mode::Embedded,
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: dir,
        database_url: SecretString::from(database_url),
        database_max_connections: if is_sqlite { 1 } else { 5 },
        report_connections: 2,
        access_cache_seconds: 5,
        household_cache_seconds: 5,
        report_cache_seconds: 10,
        slow_statement_ms: 0,
        redis_url: redis_url.map(SecretString::from),
        redis_prefix: format!(
            "{}:{}:",
            std::env::var("TEST_REDIS_PREFIX").unwrap_or_else(|_| "cxtest".into()),
            Uuid::new_v4().simple()
        ),
        jwt_secret: SecretString::from(random_key()),
        field_key: SecretString::from(random_key()),
        access_ttl_seconds: 900,
        refresh_ttl_days: 30,
        wechat: None,
        login_per_account_per_minute: 100,
        login_per_ip_per_minute: 1000,
        reveals_per_user_per_hour: 30,
        idempotency_days: 30,
        upload_quota: domain::uploads::DailyQuota { files: 500, bytes: 2 << 30 },
        trust_forwarded_for: false,
        max_json_bytes: 1 << 20,
        max_upload_bytes: 2 << 20,
        month_closing_day: 5,
        shutdown_timeout_seconds: 5,
        s3: None,
        photos: PhotoSettings::default(),
        work_calendar: domain::workdays::WorkCalendar::default(),
        joint_verification_workdays: 5,
        // Tests run the reminder pass themselves, on their own clock.
        reminder_interval_seconds: 0,
        reminder_visibility_seconds: 60,
        reminder_retry: domain::reminders::RetryPolicy { max_attempts: 3, base_seconds: 30, cap_seconds: 3600 },
        call_policy: domain::phone_check::CallPolicy::default(),
        admonishment: domain::leadership::AdmonishmentRule::default(),
        interview_questions: 5,
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

/// Spawns the app with adjusted settings, and seeds the demo town (8 households a village).
pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let _ = rustls::crypto::ring::default_provider().install_default();
    if std::env::var("TEST_LOG").is_ok() {
        changxiao::telemetry::init();
    }
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database(dir.path()).await;
    let mut settings = test_settings(dir.path().to_path_buf(), database_url.clone());
    adjust(&mut settings);
    let clock = Clock::manual(default_now());
    let app = Application::build(settings, clock.clone()).await.expect("the app builds");
    let state = app.state();
    changxiao::demo::seed_if_empty(&state.db, &state.cipher, clock.now(), 8).await.expect("the demo town seeds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp { address, client: reqwest::Client::new(), clock, state, database_url, _dir: dir }
}

/// A second instance of `first`'s service: the same database, keys, Redis prefix and clock, its own
/// port and workers — what a second replica in production is.
pub async fn spawn_twin(first: &TestApp) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = first.state.settings.clone();
    settings.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    let app = Application::build(settings, first.clock.clone()).await.expect("the twin builds");
    let state = app.state();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        address,
        client: reqwest::Client::new(),
        clock: first.clock.clone(),
        state,
        database_url: first.database_url.clone(),
        _dir: dir,
    }
}

pub fn wechat(base: &str) -> WeChatSettings {
    WeChatSettings {
        app_id: "wx-test-app".into(),
        app_secret: SecretString::from("test-app-secret".to_owned()),
        api_base: base.into(),
        templates: [("unvisited_households".to_owned(), "tmpl-unvisited".to_owned())].into(),
        page: "pages/inbox/index".into(),
        miniprogram_state: "developer".into(),
    }
}

/// A response: status, headers we look at, and the body as JSON (Null when not JSON).
pub struct Res {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Res {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// The field paths of a validation problem's `errors`.
    pub fn fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| a.iter().map(|e| e["field"].as_str().unwrap_or("").to_owned()).collect())
            .unwrap_or_default()
    }

    /// Asserts an RFC 9457 problem body with this status and code, a Chinese message included.
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        assert!(self.content_type.starts_with("application/problem+json"), "content type {}", self.content_type);
        assert_eq!(self.code(), code, "body: {}", self.text);
        let msg = self.body["message"].as_str().unwrap_or("");
        assert!(msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "message is not Chinese: {msg}");
        assert_eq!(self.body["status"].as_u64(), Some(u64::from(status)));
    }
}

impl TestApp {
    /// A client of an app the test built and runs itself.
    pub fn client_for(
        address: String,
        state: State,
        clock: Clock,
        database_url: String,
        dir: tempfile::TempDir,
    ) -> Self {
        Self { address, client: reqwest::Client::new(), clock, state, database_url, _dir: dir }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Res {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        into_res(req.send().await.expect("the request is answered")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Res {
        self.request(Method::GET, path, Some(token), None, &[]).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Res {
        self.request(Method::POST, path, Some(token), Some(body), &[]).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Res {
        self.request(Method::PATCH, path, Some(token), Some(body), &[]).await
    }

    pub async fn login_res(&self, username: &str, password: &str) -> Res {
        self.request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({ "username": username, "password": password })),
            &[],
        )
        .await
    }

    /// Signs in a demo user and returns the access token.
    pub async fn login(&self, username: &str) -> String {
        let res = self.login_res(username, PASSWORD).await;
        assert_eq!(res.status, StatusCode::OK, "login of {username}: {}", res.text);
        res.body["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn upload(&self, path: &str, token: &str, file_name: &str, bytes: Vec<u8>) -> Res {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        let res = self.client.post(self.url(path)).bearer_auth(token).multipart(form).send().await.unwrap();
        into_res(res).await
    }

    /// The demo villages by name.
    pub async fn village_id(&self, token: &str, name: &str) -> Uuid {
        let res = self.get("/api/v1/villages", token).await;
        let v = res
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .unwrap_or_else(|| panic!("no village {name}"));
        v["id"].as_str().unwrap().parse().unwrap()
    }

    /// Households of a village as the RRO sees them.
    pub async fn households_of(&self, village: Uuid) -> Vec<Value> {
        let rro = self.login("demo-rro").await;
        let res = self.get(&format!("/api/v1/households?village_id={village}&per_page=200"), &rro).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        res.body["items"].as_array().unwrap().clone()
    }
}

pub async fn into_res(res: reqwest::Response) -> Res {
    let status = res.status();
    let headers = res.headers().clone();
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let text = res.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Res { status, content_type, headers, body, text }
}

/// A valid ID number built from its first 17 digits.
pub fn id_number(first17: &str) -> String {
    format!("{first17}{}", domain::id_number::check_digit(first17.as_bytes()))
}

/// A phone-like JPEG whose picture is decided by `seed` (different seeds look different).
pub fn jpeg(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(480, 360, |x, y| {
        let band = ((x / 40 + y / 30 + u32::from(seed)) % 7) as u8;
        image::Rgb([band.wrapping_mul(37).wrapping_add(seed), ((x * 3 + y) % 256) as u8 ^ seed, (y % 256) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img).write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

fn rational(v: f64) -> Vec<exif::Rational> {
    let deg = v.trunc();
    let min = ((v - deg) * 60.0).trunc();
    let sec = ((v - deg) * 60.0 - min) * 60.0;
    vec![
        exif::Rational { num: deg as u32, denom: 1 },
        exif::Rational { num: min as u32, denom: 1 },
        exif::Rational { num: (sec * 10000.0).round() as u32, denom: 10000 },
    ]
}

/// The same JPEG with EXIF: capture time (local, as cameras write it) and a WGS-84 GPS position.
pub fn jpeg_with_exif(seed: u8, taken_local: &str, lat: f64, lng: f64) -> Vec<u8> {
    use exif::{Field, In, Tag, Value};
    let fields = [
        Field {
            tag: Tag::DateTimeOriginal,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![taken_local.as_bytes().to_vec()]),
        },
        Field { tag: Tag::GPSLatitudeRef, ifd_num: In::PRIMARY, value: Value::Ascii(vec![b"N".to_vec()]) },
        Field { tag: Tag::GPSLatitude, ifd_num: In::PRIMARY, value: Value::Rational(rational(lat)) },
        Field { tag: Tag::GPSLongitudeRef, ifd_num: In::PRIMARY, value: Value::Ascii(vec![b"E".to_vec()]) },
        Field { tag: Tag::GPSLongitude, ifd_num: In::PRIMARY, value: Value::Rational(rational(lng)) },
    ];
    let mut w = exif::experimental::Writer::new();
    for f in &fields {
        w.push_field(f);
    }
    let mut tiff = std::io::Cursor::new(Vec::new());
    w.write(&mut tiff, false).unwrap();
    let tiff = tiff.into_inner();
    let plain = jpeg(seed);
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(2 + 6 + tiff.len()).unwrap().to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(&tiff);
    out.extend_from_slice(&plain[2..]);
    out
}

impl TestApp {
    /// Uploads a photo with the position and time the mini-program captured.
    pub async fn upload_photo(
        &self,
        token: &str,
        bytes: Vec<u8>,
        at: Option<(f64, f64, &str)>,
        taken_at: Option<&str>,
    ) -> Res {
        let mut form = reqwest::multipart::Form::new();
        if let Some((lat, lng, datum)) = at {
            form = form
                .text("latitude", lat.to_string())
                .text("longitude", lng.to_string())
                .text("datum", datum.to_owned())
                .text("accuracy_m", "15");
        }
        if let Some(t) = taken_at {
            form = form.text("taken_at", t.to_owned());
        }
        form = form.part("file", reqwest::multipart::Part::bytes(bytes).file_name("photo.jpg"));
        let res = self.client.post(self.url("/api/v1/photos")).bearer_auth(token).multipart(form).send().await.unwrap();
        into_res(res).await
    }

    /// Assigns a problem as a small one to its village (the usual first step of the ledger), as `token`.
    pub async fn assign_small(&self, token: &str, problem: &str, village: impl std::fmt::Display) {
        let res = self
            .post(
                &format!("/api/v1/problems/{problem}/assign"),
                token,
                json!({ "class": "small", "measure": "限期整改", "units": [{ "kind": "village", "id": village.to_string() }] }),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    }

    /// A demo user's id, read from the account list as the admin.
    pub async fn user_id(&self, username: &str) -> String {
        let list = self.get("/api/v1/users?per_page=200", &self.login("demo-admin").await).await;
        let user = list.body["items"].as_array().unwrap().iter().find(|u| u["username"] == username);
        user.unwrap_or_else(|| panic!("no user {username}"))["id"].as_str().unwrap().to_owned()
    }
}

/// A household's (GCJ-02) position, as the household list gives it.
pub fn position(h: &Value) -> (f64, f64) {
    (h["location"]["latitude"].as_f64().unwrap(), h["location"]["longitude"].as_f64().unwrap())
}

/// A complete, healthy visit checklist.
pub fn checklist() -> Value {
    json!({
        "version": 1, "income_stable": true, "income_per_capita_yuan": 12800, "food_secure": true, "clothing_secure": true,
        "compulsory_education_ok": true, "basic_medical_ok": true, "housing_safe": true, "drinking_water_safe": true,
        "policies_enjoyed": ["低保", "医疗救助"], "satisfaction": "satisfied", "notes": ""
    })
}

/// A routine visit to `household` from where it stands, with these photos.
pub fn visit_body(household: &Value, photos: &[&str], at: &str) -> Value {
    let (lat, lng) = position(household);
    json!({
        "client_id": Uuid::new_v4(),
        "household_id": household["id"],
        "kind": "routine",
        "visited_at": at,
        "location": { "latitude": lat, "longitude": lng, "datum": "gcj02", "accuracy_m": 12 },
        "photo_ids": photos,
        "checklist": checklist(),
    })
}
