//! Reminders as WeChat subscribe messages, against a local fake of WeChat's API: one message per
//! one-time consent, the access token fetched once and again when it expires, a refusal believed,
//! and the inbox always. Runs in-process, and through the Redis queue when `TEST_REDIS_URL` is set.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{PASSWORD, TestApp, spawn_with, wechat};

const SEND: &str = "/cgi-bin/message/subscribe/send";

/// A fake WeChat that signs `username` in as `openid` and hands out access token `tok-1`.
async fn fake_wechat() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/cgi-bin/token"))
        .and(query_param("grant_type", "client_credential"))
        .and(query_param("appid", "wx-test-app"))
        .and(query_param("secret", "test-app-secret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "access_token": "tok-1", "expires_in": 7200 })))
        .mount(&server)
        .await;
    server
}

/// Binds `username` to WeChat account `openid` through the real sign-in flow.
async fn bind(app: &TestApp, server: &MockServer, username: &str, openid: &str) {
    let code = format!("code-{openid}");
    Mock::given(method("GET"))
        .and(path("/sns/jscode2session"))
        .and(query_param("js_code", code.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "openid": openid, "session_key": "k" })))
        .mount(server)
        .await;
    let first = app.request(Method::POST, "/api/v1/auth/wechat", None, Some(json!({ "code": code })), &[]).await;
    let ticket = first.body["bind_ticket"].as_str().expect("a bind ticket").to_owned();
    let bound = app
        .request(
            Method::POST,
            "/api/v1/auth/wechat/bind",
            None,
            Some(json!({ "bind_ticket": ticket, "username": username, "password": PASSWORD })),
            &[],
        )
        .await;
    assert_eq!(bound.status, StatusCode::OK, "{}", bound.text);
}

async fn consent(app: &TestApp, username: &str, answer: &str) -> Value {
    let token = app.login(username).await;
    let res = app
        .post("/api/v1/notifications/subscriptions", &token, json!({ "results": { "tmpl-unvisited": answer } }))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    res.body
}

async fn sends(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == SEND)
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

async fn token_fetches(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().iter().filter(|r| r.url.path() == "/cgi-bin/token").count()
}

async fn inbox_kinds(app: &TestApp, username: &str) -> Vec<String> {
    let token = app.login(username).await;
    let inbox = app.get("/api/v1/notifications", &token).await;
    inbox.body["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_consenting_user_gets_one_subscribe_message_and_the_rest_get_the_inbox() {
    let server = fake_wechat().await;
    Mock::given(method("POST"))
        .and(path(SEND))
        .and(query_param("access_token", "tok-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "errcode": 0, "errmsg": "ok", "msgid": 1 })))
        .mount(&server)
        .await;
    let app = spawn_with(|s| s.wechat = Some(wechat(&server.uri()))).await;
    bind(&app, &server, "demo-cadre-a", "o-cadre-a").await;
    bind(&app, &server, "demo-cadre-b", "o-cadre-b").await; // bound, but never consents
    let offered = app.get("/api/v1/notifications/subscriptions", &app.login("demo-cadre-a").await).await;
    assert_eq!(
        offered.body,
        json!([{ "kind": "unvisited_households", "template_id": "tmpl-unvisited", "remaining": 0 }])
    );
    let after = consent(&app, "demo-cadre-a", "accept").await;
    assert_eq!(after[0]["remaining"], 1);

    changxiao::reminders::run_once(&app.state).await.unwrap();
    changxiao::reminders::run_once(&app.state).await.unwrap();

    let sent = sends(&server).await;
    assert_eq!(sent.len(), 1, "one consent, one message: {sent:?}");
    assert_eq!(sent[0]["touser"], "o-cadre-a");
    assert_eq!(sent[0]["template_id"], "tmpl-unvisited");
    assert_eq!(sent[0]["page"], "pages/inbox/index");
    assert_eq!(sent[0]["miniprogram_state"], "developer");
    assert_eq!(sent[0]["data"]["thing1"]["value"], "本季度入户走访即将截止");
    assert!(sent[0]["data"]["thing2"]["value"].as_str().unwrap().chars().count() <= 20);
    assert_eq!(sent[0]["data"]["date3"]["value"], "2026年11月28日");
    assert_eq!(token_fetches(&server).await, 1);
    // The consent is used up; both cadres have the reminder in the inbox.
    let left = app.get("/api/v1/notifications/subscriptions", &app.login("demo-cadre-a").await).await;
    assert_eq!(left.body[0]["remaining"], 0);
    assert!(inbox_kinds(&app, "demo-cadre-a").await.contains(&"unvisited_households".to_owned()));
    assert!(inbox_kinds(&app, "demo-cadre-b").await.contains(&"unvisited_households".to_owned()));
}

#[tokio::test]
async fn an_expired_access_token_is_fetched_again_once_and_the_message_goes_out() {
    let server = MockServer::start().await;
    // The first token WeChat hands out has expired by the time it is used; the second works.
    Mock::given(method("GET"))
        .and(path("/cgi-bin/token"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "access_token": "tok-old", "expires_in": 7200 })),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/cgi-bin/token"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "access_token": "tok-new", "expires_in": 7200 })),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(SEND))
        .and(query_param("access_token", "tok-old"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "errcode": 42001, "errmsg": "access_token expired" })),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(SEND))
        .and(query_param("access_token", "tok-new"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "errcode": 0, "errmsg": "ok" })))
        .mount(&server)
        .await;
    let app = spawn_with(|s| s.wechat = Some(wechat(&server.uri()))).await;
    bind(&app, &server, "demo-cadre-a", "o-cadre-a").await;
    consent(&app, "demo-cadre-a", "accept").await;
    consent(&app, "demo-cadre-a", "accept").await;

    changxiao::reminders::run_once(&app.state).await.unwrap();

    assert_eq!(token_fetches(&server).await, 2);
    let sent = sends(&server).await;
    assert_eq!(sent.len(), 2, "the refused attempt and the one that went out");
    let left = app.get("/api/v1/notifications/subscriptions", &app.login("demo-cadre-a").await).await;
    assert_eq!(left.body[0]["remaining"], 1, "one message, one consent used");
}

#[tokio::test]
async fn a_refusal_by_wechat_is_believed_and_a_failure_is_retried_without_a_second_message() {
    let server = fake_wechat().await;
    Mock::given(method("POST"))
        .and(path(SEND))
        .and(wiremock::matchers::body_partial_json(json!({ "touser": "o-cadre-a" })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "errcode": 43101, "errmsg": "user refuse to accept the msg" })),
        )
        .mount(&server)
        .await;
    // WeChat is busy once for cadre B, then accepts.
    Mock::given(method("POST"))
        .and(path(SEND))
        .and(wiremock::matchers::body_partial_json(json!({ "touser": "o-cadre-b" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "errcode": -1, "errmsg": "system error" })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(SEND))
        .and(wiremock::matchers::body_partial_json(json!({ "touser": "o-cadre-b" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "errcode": 0, "errmsg": "ok" })))
        .with_priority(2)
        .mount(&server)
        .await;
    let app = spawn_with(|s| s.wechat = Some(wechat(&server.uri()))).await;
    bind(&app, &server, "demo-cadre-a", "o-cadre-a").await;
    bind(&app, &server, "demo-cadre-b", "o-cadre-b").await;
    consent(&app, "demo-cadre-a", "accept").await;
    consent(&app, "demo-cadre-a", "accept").await;
    consent(&app, "demo-cadre-b", "accept").await;

    changxiao::reminders::run_once(&app.state).await.unwrap();
    // The retry: in-process the next pass; through Redis the backoff, so the clock moves past it.
    app.clock.advance(chrono::Duration::minutes(1));
    changxiao::reminders::run_once(&app.state).await.unwrap();
    app.clock.advance(chrono::Duration::minutes(1));
    changxiao::reminders::run_once(&app.state).await.unwrap();

    let sent = sends(&server).await;
    let to = |who: &str| sent.iter().filter(|m| m["touser"] == who).count();
    assert_eq!(to("o-cadre-a"), 1, "a refusal is not retried");
    assert_eq!(to("o-cadre-b"), 2, "the failed push and its retry, nothing more");
    let a = app.get("/api/v1/notifications/subscriptions", &app.login("demo-cadre-a").await).await;
    assert_eq!(a.body[0]["remaining"], 0, "WeChat says no consent is left");
    let b = app.get("/api/v1/notifications/subscriptions", &app.login("demo-cadre-b").await).await;
    assert_eq!(b.body[0]["remaining"], 0, "the failed push gave its consent back, the good one used it");
    assert!(inbox_kinds(&app, "demo-cadre-a").await.contains(&"unvisited_households".to_owned()));
    assert_eq!(app.state.metrics.reminder_count("wechat_refused"), 1);
    assert_eq!(app.state.metrics.reminder_count("wechat_sent"), 1);
}

#[tokio::test]
async fn consents_for_unknown_templates_or_answers_are_refused_per_field_and_nothing_is_counted() {
    let server = fake_wechat().await;
    let app = spawn_with(|s| s.wechat = Some(wechat(&server.uri()))).await;
    let token = app.login("demo-cadre-a").await;
    let res = app
        .post(
            "/api/v1/notifications/subscriptions",
            &token,
            json!({ "results": { "tmpl-unvisited": "accept", "tmpl-other": "accept" } }),
        )
        .await;
    res.assert_problem(422, "invalid_subscriptions");
    assert_eq!(res.body["errors"][0]["field"], "results.tmpl-other");
    let bad = app
        .post("/api/v1/notifications/subscriptions", &token, json!({ "results": { "tmpl-unvisited": "yes" } }))
        .await;
    bad.assert_problem(422, "invalid_subscriptions");
    let held = app.get("/api/v1/notifications/subscriptions", &token).await;
    assert_eq!(held.body[0]["remaining"], 0, "a refused report counts nothing");
    // "ban" turns the template off.
    consent(&app, "demo-cadre-a", "accept").await;
    let banned = consent(&app, "demo-cadre-a", "ban").await;
    assert_eq!(banned[0]["remaining"], 0);
}
