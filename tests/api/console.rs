//! The office console in a real browser: Debian's chromium driven through chromedriver
//! (WebDriver), against the server the other tests start. Screenshots are kept in
//! `$CHANGXIAO_SCREENSHOTS` (default: `<temp dir>/changxiao-console-screenshots`) as CI output,
//! and a script error in the browser's log fails the test.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, spawn_app, visit_body};

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let child = Command::new(&bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{bin} does not start ({e}): install Debian's chromium-driver"));
    // Owned at once, so it is stopped (and reaped) however this ends.
    let driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
    for _ in 0..100 {
        if reqwest::get(format!("{}/status", driver.url)).await.is_ok() {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not answer on {}", driver.url);
}

/// A headless chromium of its own (a fresh profile), at the given window size; below 500 pixels
/// wide (under headless chromium's smallest window), a phone's screen, emulated.
async fn browser(driver: &Driver, width: u32, height: u32) -> Client {
    let profile = tempfile::tempdir().unwrap().keep();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                format!("--user-data-dir={}", profile.display()), format!("--window-size={width},{height}")]
        }),
    );
    if width < 500 {
        caps["goog:chromeOptions"]["mobileEmulation"] =
            json!({ "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0, "touch": true } });
    }
    caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector).capabilities(caps).connect(&driver.url).await.expect("a chromium session")
}

/// The browser's console messages of level SEVERE (script errors, failed loads): none is allowed.
async fn script_errors(driver: &Driver, c: &Client) -> Vec<String> {
    let session = c.session_id().await.unwrap().unwrap();
    let res = reqwest::Client::new()
        .post(format!("{}/session/{session}/se/log", driver.url))
        .json(&json!({ "type": "browser" }))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    body["value"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter(|e| e["level"] == "SEVERE")
                .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn screenshot(c: &Client, name: &str) {
    let dir = std::env::var_os("CHANGXIAO_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("changxiao-console-screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, c.screenshot().await.unwrap()).unwrap();
    println!("screenshot: {}", path.display());
}

async fn sign_in(c: &Client, username: &str) {
    let form = c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("form.login")).await.unwrap();
    form.find(Locator::Css("input[name=username]")).await.unwrap().send_keys(username).await.unwrap();
    form.find(Locator::Css("input[name=password]")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
}

/// The text of the first element `css` finds, waiting for it; a page that re-renders meanwhile is
/// read again.
async fn text_of(c: &Client, css: &str) -> String {
    let mut last = None;
    for _ in 0..100 {
        match c.find(Locator::Css(css)).await {
            Ok(el) => match el.text().await {
                Ok(t) => return t,
                Err(e) => last = Some(e),
            },
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {css}: {last:?}");
}

/// A problem of village A, assigned small in November and so overdue on 1 December.
async fn overdue_problem(app: &TestApp) -> String {
    let cadre = app.login("demo-cadre-a").await;
    let list = app.get("/api/v1/households?per_page=1", &cadre).await;
    let mut body = visit_body(&list.body["items"][0], &[], "2026-11-28T09:00:00+08:00");
    body["problems"] = json!([{ "category": "housing", "description": "厨房屋顶漏雨", "fixed_on_spot": false }]);
    let visit = app.post("/api/v1/visits", &cadre, body).await;
    assert_eq!(visit.status, StatusCode::CREATED, "{}", visit.text);
    let found = app.get(&format!("/api/v1/problems?visit_id={}", visit.body["id"].as_str().unwrap()), &cadre).await;
    let id = found.body["items"][0]["id"].as_str().unwrap().to_owned();
    let rro = app.login("demo-rro").await;
    let a = app.village_id(&rro, "红光村").await;
    let r = app
        .post(
            &format!("/api/v1/problems/{id}/assign"),
            &rro,
            json!({ "class": "small", "units": [{ "kind": "village", "id": a }], "measure": "月底前修好" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.clock.advance(chrono::Duration::days(3));
    id
}

#[tokio::test]
#[ignore = "needs Debian's chromium and chromium-driver (CI installs them and runs it with --include-ignored)"]
async fn the_office_signs_in_reads_the_dashboard_and_hands_an_overdue_problem_over() {
    let app = spawn_app().await;
    let problem = overdue_problem(&app).await;
    let driver = driver().await;
    let c = browser(&driver, 1366, 768).await;

    // A link to the overdue ledger asks for sign-in first, then opens where it pointed.
    c.goto(&format!("{}/console/ledger?overdue=true", app.address)).await.unwrap();
    screenshot(&c, "01-sign-in").await;
    sign_in(&c, "demo-rro").await;
    let row = c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("table tbody tr a")).await.unwrap();
    assert_eq!(c.current_url().await.unwrap().query(), Some("overdue=true"), "back to the page asked for");
    assert_eq!(row.text().await.unwrap(), "厨房屋顶漏雨");
    assert!(text_of(&c, "table tbody tr").await.contains("逾期"));
    screenshot(&c, "02-ledger-overdue").await;

    // The filters are in the address: a reload keeps them.
    c.refresh().await.unwrap();
    let select =
        c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("select[name=overdue]")).await.unwrap();
    assert_eq!(select.prop("value").await.unwrap().as_deref(), Some("true"));

    // The problem's page offers what the API allows; handing over needs a note, in Chinese if missing.
    c.wait().for_element(Locator::Css("table tbody tr a")).await.unwrap().click().await.unwrap();
    let hand = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("button[data-action=hand_to_discipline]"))
        .await
        .unwrap();
    assert!(c.find(Locator::Css("button[data-action=verify]")).await.is_err(), "nothing to verify yet");
    hand.click().await.unwrap();
    let refused = text_of(&c, "[role=alert]").await;
    assert!(refused.chars().any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)), "a Chinese message: {refused}");
    c.find(Locator::Css("textarea[name=note]")).await.unwrap().send_keys("逾期未整改，移交镇纪委").await.unwrap();
    c.find(Locator::Css("button[data-action=hand_to_discipline]")).await.unwrap().click().await.unwrap();
    // Once handed over, the page reloads the problem and the step is no longer offered.
    let mut gone = false;
    for _ in 0..100 {
        if c.find(Locator::Css("button[data-action=hand_to_discipline]")).await.is_err() {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(gone, "the hand-over is still offered");
    screenshot(&c, "03-problem-handed-over").await;
    let page = text_of(&c, "main").await;
    assert!(page.contains("移交镇纪委") && !page.contains("null") && !page.contains("undefined"), "{page}");
    let rro = app.login("demo-rro").await;
    let p = app.get(&format!("/api/v1/problems/{problem}"), &rro).await;
    assert!(p.body["handed_over_at"].is_string(), "the browser's hand-over reached the ledger: {}", p.text);

    // The dashboard: its figures are the API's, the overdue one opens the ledger it counts.
    c.goto(&format!("{}/console/dashboard", app.address)).await.unwrap();
    let overdue = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("a.card[href='/console/ledger?overdue=true'] .n"))
        .await
        .unwrap();
    let d = app.get("/api/v1/dashboard", &rro).await;
    assert_eq!(overdue.text().await.unwrap(), d.body["problems_overdue"].to_string());
    c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(".chart canvas")).await.unwrap();
    screenshot(&c, "04-dashboard").await;
    let page = text_of(&c, "main").await;
    assert!(!page.contains("null") && !page.contains("undefined") && !page.contains("NaN"), "{page}");
    let errors = script_errors(&driver, &c).await;
    assert!(errors.iter().all(|e| e.contains("/api/v1/problems/") && e.contains("422")), "script errors: {errors:?}");
    c.close().await.unwrap();

    // The Discipline Commission finds it in its queue.
    let c = browser(&driver, 1366, 768).await;
    c.goto(&format!("{}/console/discipline", app.address)).await.unwrap();
    sign_in(&c, "demo-discipline").await;
    assert!(text_of(&c, "table tbody").await.contains("厨房屋顶漏雨"));
    screenshot(&c, "05-discipline-queue").await;
    assert_eq!(script_errors(&driver, &c).await, Vec::<String>::new());
    c.close().await.unwrap();

    // The leader reads the dashboard on a phone.
    let c = browser(&driver, 390, 844).await;
    c.goto(&format!("{}/console/", app.address)).await.unwrap();
    sign_in(&c, "demo-leader").await;
    let coverage = text_of(&c, ".cards .card .t").await;
    assert!(coverage.contains("入户覆盖"), "{coverage}");
    screenshot(&c, "06-leader-phone").await;
    let wide: Value = c
        .execute(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth,              [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map(e => e.tagName + '.' + e.className).slice(0, 5)]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(wide[1], 390, "the phone's width: {wide}");
    assert!(wide[0].as_u64() <= wide[1].as_u64(), "no sideways scrolling at phone width: {wide}");
    assert_eq!(script_errors(&driver, &c).await, Vec::<String>::new());
    c.close().await.unwrap();
}

#[tokio::test]
async fn the_console_is_served_by_the_binary_with_its_shell_at_every_screen_address() {
    let app = spawn_app().await;
    let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let root = plain.get(app.url("/")).send().await.unwrap();
    assert!(root.status().is_redirection());
    assert_eq!(root.headers()["location"], "/console/");
    for path in ["/console/", "/console/ledger", "/console/problem/0195a3d6-0000-7000-8000-000000000000"] {
        let res = plain.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let csp = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains("script-src 'self'") && csp.contains("connect-src 'self'"), "{csp}");
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        assert!(res.text().await.unwrap().contains(r#"<script type="module" src="/console/app.js">"#), "{path}");
    }
    let js = plain.get(app.url("/console/app.js")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(js.headers()["content-type"], "text/javascript; charset=utf-8");
    let etag = js.headers()["etag"].clone();
    let again = plain.get(app.url("/console/app.js")).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    // A file that is not there is a 404, not the shell; nothing outside the folder is reached.
    for path in ["/console/nope.js", "/console/../Cargo.toml", "/console/%2e%2e/src/console.rs"] {
        let res = plain.get(app.url(path)).send().await.unwrap();
        assert_ne!(res.status(), StatusCode::OK, "{path}");
    }
    // Every module the shell imports is there.
    for path in ["/console/api.js", "/console/ui.js", "/console/style.css", "/console/vendor/echarts.simple.min.js"] {
        assert_eq!(plain.get(app.url(path)).send().await.unwrap().status(), StatusCode::OK, "{path}");
    }
}

#[tokio::test]
#[ignore = "needs Debian's chromium and chromium-driver (CI installs them and runs it with --include-ignored)"]
async fn the_village_officer_writes_and_submits_the_months_list_by_the_25th() {
    let app = spawn_app().await;
    app.clock.set(chrono::DateTime::parse_from_rfc3339("2026-11-20T10:00:00+08:00").unwrap().to_utc());
    let cadre = app.login("demo-cadre-a").await;
    let list = app.get("/api/v1/households?per_page=1", &cadre).await;
    let mut body = visit_body(&list.body["items"][0], &[], "2026-11-20T09:00:00+08:00");
    body["problems"] =
        json!([{ "category": "drinking_water", "description": "自来水压力不足", "fixed_on_spot": false }]);
    let visit = app.post("/api/v1/visits", &cadre, body).await;
    assert_eq!(visit.status, StatusCode::CREATED, "{}", visit.text);

    let driver = driver().await;
    let c = browser(&driver, 1366, 768).await;
    c.goto(&format!("{}/console/lists?period=2026-11", app.address)).await.unwrap();
    sign_in(&c, "demo-officer-a").await;
    let remark =
        c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("input[data-problem]")).await.unwrap();
    assert!(text_of(&c, "table tbody").await.contains("自来水压力不足"));
    remark.send_keys("已联系水厂，月底前加装增压泵").await.unwrap();
    screenshot(&c, "07-list-draft").await;
    c.find(Locator::Css("button[data-action=submit-list]")).await.unwrap().click().await.unwrap();
    let mut state = String::new();
    for _ in 0..100 {
        state = c.find(Locator::Css("main p strong")).await.unwrap().text().await.unwrap_or_default();
        if state == "按时报送" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(state, "按时报送");
    assert!(c.find(Locator::Css("button[data-action=submit-list]")).await.is_err(), "nothing more to submit");
    screenshot(&c, "08-list-submitted").await;
    assert_eq!(script_errors(&driver, &c).await, Vec::<String>::new());
    c.close().await.unwrap();

    let rro = app.login("demo-rro").await;
    let a = app.village_id(&rro, "红光村").await;
    let saved = app.get(&format!("/api/v1/villages/{a}/feedback-lists/routine/2026-11"), &rro).await;
    assert_eq!(saved.body["timeliness"], "on_time", "{}", saved.text);
    assert_eq!(saved.body["items"][0]["remark"], "已联系水厂，月底前加装增压泵");
}

#[tokio::test]
#[ignore = "needs Debian's chromium and chromium-driver (CI installs them and runs it with --include-ignored)"]
async fn the_clerk_uploads_the_months_materials_and_the_office_sees_them_on_time() {
    let app = spawn_app().await;
    app.clock.set(chrono::DateTime::parse_from_rfc3339("2026-11-20T10:00:00+08:00").unwrap().to_utc());
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("低保台账.pdf");
    std::fs::write(&ledger, b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
        .unwrap();

    let driver = driver().await;
    let c = browser(&driver, 1366, 768).await;
    c.goto(&format!("{}/console/archives?month=2026-11", app.address)).await.unwrap();
    sign_in(&c, "demo-clerk").await;
    let input = c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("input[type=file]")).await.unwrap();
    input.send_keys(ledger.to_str().unwrap()).await.unwrap();
    c.find(Locator::Css("input[name=note]")).await.unwrap().send_keys("11月低保台账").await.unwrap();
    c.find(Locator::Css("button[data-action=upload-archives]")).await.unwrap().click().await.unwrap();
    let mut listed = String::new();
    for _ in 0..100 {
        listed = c.find(Locator::Css("main")).await.unwrap().text().await.unwrap_or_default();
        if listed.contains("低保台账.pdf") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(listed.contains("低保台账.pdf") && listed.contains("待审核"), "{listed}");
    screenshot(&c, "09-archives-uploaded").await;
    assert_eq!(script_errors(&driver, &c).await, Vec::<String>::new());
    c.close().await.unwrap();

    // The office's summary shows 民政办 on time, from the same API.
    let c = browser(&driver, 1366, 768).await;
    c.goto(&format!("{}/console/archives?month=2026-11", app.address)).await.unwrap();
    sign_in(&c, "demo-rro").await;
    let table = text_of(&c, "table tbody").await;
    let row = table.lines().find(|l| l.contains("民政办")).unwrap_or_else(|| panic!("{table}"));
    assert!(row.contains("按时报送") && row.contains("待审核"), "{row}");
    screenshot(&c, "10-archives-summary").await;
    assert_eq!(script_errors(&driver, &c).await, Vec::<String>::new());
    c.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs Debian's chromium and chromium-driver (CI installs them and runs it with --include-ignored)"]
async fn the_call_taker_takes_a_case_and_completes_the_questionnaire_one_question_at_a_time() {
    let app = spawn_app().await;
    app.clock.set(chrono::DateTime::parse_from_rfc3339("2026-11-27T14:00:00+08:00").unwrap().to_utc());
    let rro = app.login("demo-rro").await;
    let qs = app.get("/api/v1/phone-checks/questionnaires", &rro).await;
    let version = qs.body[0]["versions"][0]["id"].clone();
    let village = app.village_id(&rro, "红光村").await;
    let drawn = app
        .post(
            "/api/v1/phone-checks/lists",
            &rro,
            json!({ "village_id": village, "month": "2026-11", "version_id": version,
                "caller_ids": [app.user_id("demo-calltaker").await] }),
        )
        .await;
    assert_eq!(drawn.status, StatusCode::CREATED, "{}", drawn.text);

    let driver = driver().await;
    let c = browser(&driver, 1366, 768).await;
    c.goto(&format!("{}/console/", app.address)).await.unwrap();
    sign_in(&c, "demo-calltaker").await;
    let take = c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("button[data-case]")).await.unwrap();
    let case = take.attr("data-case").await.unwrap().unwrap();
    screenshot(&c, "11-call-queue").await;
    take.click().await.unwrap();
    // The answers a satisfied household gives, by question; a text question is left empty.
    let good = [
        ("food", "yes"),
        ("school", "no"),
        ("medical", "no"),
        ("housing", "yes"),
        ("water", "yes"),
        ("policies", "medical_aid"),
        ("aware", "yes"),
        ("cadre_known", "yes"),
        ("visited", "yes"),
        ("overall", "5"),
    ];
    let mut asked = vec![];
    for _ in 0..20 {
        if c.find(Locator::Css("button[data-action=complete]")).await.is_ok() {
            break;
        }
        let q = c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("h2[data-question]")).await.unwrap();
        let id = q.attr("data-question").await.unwrap().unwrap();
        if asked.is_empty() {
            screenshot(&c, "12-call-first-question").await;
            // A required question left unanswered is not passed over.
            c.find(Locator::Css("button[data-action=next]")).await.unwrap().click().await.unwrap();
            assert!(text_of(&c, "p.error").await.contains("必答"));
        }
        if let Some((_, v)) = good.iter().find(|(q, _)| *q == id) {
            c.find(Locator::Css(&format!("input[name='{id}'][value='{v}']"))).await.unwrap().click().await.unwrap();
        }
        asked.push(id);
        c.find(Locator::Css("button[data-action=next]")).await.unwrap().click().await.unwrap();
    }
    assert!(
        !asked.contains(&"water_issue".to_owned()),
        "a question shown only for unsafe water was skipped: {asked:?}"
    );
    assert_eq!(asked.first().map(String::as_str), Some("food"));
    c.find(Locator::Css("button[data-action=complete]")).await.unwrap().click().await.unwrap();
    c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("h1")).await.unwrap();
    let mut back = false;
    for _ in 0..100 {
        if c.find(Locator::Css(&format!("button[data-case='{case}']"))).await.is_err()
            && text_of(&c, "h1").await == "电话抽查"
        {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "the completed case left the queue");
    screenshot(&c, "13-call-done").await;
    assert_eq!(script_errors(&driver, &c).await, Vec::<String>::new());
    c.close().await.unwrap();

    let list = app.get(&format!("/api/v1/phone-checks/lists/{}", drawn.body["id"].as_str().unwrap()), &rro).await;
    let done = list.body["cases"].as_array().unwrap().iter().find(|x| x["id"] == case.as_str()).unwrap().clone();
    assert_eq!((done["last_outcome"].as_str(), done["status"].as_str()), (Some("completed"), Some("closed")), "{done}");
    assert_eq!(done["satisfied"], true, "the answers reached the case: {done}");
}

/// Every call the console's pages make names an operation of the committed contract, with its
/// method: the pages are checked against the contract as the mini-program's code would be.
#[test]
fn every_call_of_the_console_is_an_operation_of_the_contract() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../api/console");
    let contract: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("../../openapi/openapi.json")).unwrap()).unwrap();
    let paths = contract["paths"].as_object().unwrap();
    // get("/x"), post(`/x/${id}`), call("PUT", path) with `const path = `/…`` in the same file.
    let call = regex::Regex::new(r#"\b(get|post|call)\((?:"([A-Z]+)",\s*)?(?:[`"]([^`"]*)[`"]|(path))"#).unwrap();
    let named = regex::Regex::new(r#"const path = `([^`]*)`"#).unwrap();
    let placeholder = regex::Regex::new(r"\$\{[^}]*\}").unwrap();
    let mut checked = 0;
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("screens")).unwrap().map(|e| e.unwrap().path()).collect();
    // api.js is the wrapper these calls go through (its own sign-in calls are the browser tests').
    files.push(root.join("app.js"));
    for file in files {
        let src = std::fs::read_to_string(&file).unwrap();
        let path_var = named.captures(&src).map(|c| c[1].to_owned());
        for c in call.captures_iter(&src) {
            let method = match (&c[1], c.get(2)) {
                ("get", _) => "get".to_owned(),
                ("post", _) => "post".to_owned(),
                (_, Some(m)) => m.as_str().to_lowercase(),
                _ => continue,
            };
            let raw = match (c.get(3), c.get(4)) {
                (Some(lit), _) => lit.as_str().replace("${path}", path_var.as_deref().unwrap_or("${path}")),
                (None, Some(_)) => {
                    path_var.clone().unwrap_or_else(|| panic!("{}: `path` is not named", file.display()))
                }
                _ => continue,
            };
            if !raw.starts_with('/') || raw.starts_with("/console") {
                continue;
            }
            let route = placeholder.replace_all(raw.split('?').next().unwrap(), "{}").into_owned();
            let want: Vec<&str> = route.split('/').collect();
            let found = paths.iter().any(|(p, item)| {
                let have: Vec<&str> = p.trim_start_matches("/api/v1").split('/').collect();
                have.len() == want.len()
                    && have.iter().zip(&want).all(|(h, w)| h == w || h.starts_with('{'))
                    && item.get(&method).is_some()
            });
            assert!(found, "{}: {} {raw} is no operation of the contract", file.display(), method.to_uppercase());
            checked += 1;
        }
    }
    assert!(checked >= 20, "the scan found only {checked} calls");
}
