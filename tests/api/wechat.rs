//! WeChat sign-in against a local fake of `code2session` (no machine here reaches WeChat).

use reqwest::{Method, StatusCode};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{PASSWORD, spawn_app, spawn_with, wechat};

const SESSION_KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";

async fn fake_wechat(code: &str, answer: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/sns/jscode2session"))
        .and(query_param("appid", "wx-test-app"))
        .and(query_param("secret", "test-app-secret"))
        .and(query_param("js_code", code))
        .and(query_param("grant_type", "authorization_code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn an_unbound_wechat_user_binds_once_then_signs_in_with_a_code() {
    let server =
        fake_wechat("code-1", json!({ "openid": "o-cadre-a", "session_key": SESSION_KEY, "unionid": "u-1" })).await;
    let app = spawn_with(|s| s.wechat = Some(wechat(&server.uri()))).await;

    let first = app.request(Method::POST, "/api/v1/auth/wechat", None, Some(json!({ "code": "code-1" })), &[]).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert!(!first.text.contains(SESSION_KEY), "session_key leaked");
    let ticket = first.body["bind_ticket"].as_str().expect("a bind ticket").to_owned();
    assert!(first.body.get("access_token").is_none());

    let wrong = app
        .request(
            Method::POST,
            "/api/v1/auth/wechat/bind",
            None,
            Some(json!({ "bind_ticket": ticket, "username": "demo-cadre-a", "password": "wrong-password" })),
            &[],
        )
        .await;
    wrong.assert_problem(401, "invalid_credentials");
    let bound = app
        .request(
            Method::POST,
            "/api/v1/auth/wechat/bind",
            None,
            Some(json!({ "bind_ticket": ticket, "username": "demo-cadre-a", "password": PASSWORD })),
            &[],
        )
        .await;
    assert_eq!(bound.status, StatusCode::OK, "{}", bound.text);
    assert_eq!(bound.body["user"]["username"], "demo-cadre-a");

    let again = app.request(Method::POST, "/api/v1/auth/wechat", None, Some(json!({ "code": "code-1" })), &[]).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["user"]["username"], "demo-cadre-a");
    assert!(!again.text.contains(SESSION_KEY));

    // The same WeChat account cannot be bound to a second user.
    let twice = app
        .request(
            Method::POST,
            "/api/v1/auth/wechat/bind",
            None,
            Some(json!({ "bind_ticket": ticket, "username": "demo-cadre-b", "password": PASSWORD })),
            &[],
        )
        .await;
    twice.assert_problem(409, "wechat_already_bound");
}

#[tokio::test]
async fn an_invalid_code_is_refused() {
    let server = fake_wechat("bad", json!({ "errcode": 40029, "errmsg": "invalid code" })).await;
    let app = spawn_with(|s| s.wechat = Some(wechat(&server.uri()))).await;
    let res = app.request(Method::POST, "/api/v1/auth/wechat", None, Some(json!({ "code": "bad" })), &[]).await;
    res.assert_problem(401, "wechat_code_invalid");
}

#[tokio::test]
async fn wechat_down_is_a_clean_502() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(500)).mount(&server).await;
    let app = spawn_with(|s| s.wechat = Some(wechat(&server.uri()))).await;
    let res = app.request(Method::POST, "/api/v1/auth/wechat", None, Some(json!({ "code": "c" })), &[]).await;
    res.assert_problem(502, "wechat_unavailable");
}

#[tokio::test]
async fn wechat_login_without_configuration_says_so() {
    let app = spawn_app().await;
    let res = app.request(Method::POST, "/api/v1/auth/wechat", None, Some(json!({ "code": "c" })), &[]).await;
    res.assert_problem(503, "wechat_not_configured");
}

#[tokio::test]
async fn a_forged_bind_ticket_is_refused() {
    let app = spawn_app().await;
    let res = app
        .request(
            Method::POST,
            "/api/v1/auth/wechat/bind",
            None,
            Some(json!({ "bind_ticket": "x.y.z", "username": "demo-cadre-a", "password": PASSWORD })),
            &[],
        )
        .await;
    res.assert_problem(401, "invalid_bind_ticket");
}

#[tokio::test]
async fn a_binding_is_listed_and_removed_by_its_owner_only() {
    let server = fake_wechat("code-own", json!({ "openid": "o-own", "session_key": SESSION_KEY })).await;
    let app = spawn_with(|s| s.wechat = Some(wechat(&server.uri()))).await;
    let first = app.request(Method::POST, "/api/v1/auth/wechat", None, Some(json!({ "code": "code-own" })), &[]).await;
    let ticket = first.body["bind_ticket"].as_str().expect("a bind ticket").to_owned();
    let bound = app
        .request(
            Method::POST,
            "/api/v1/auth/wechat/bind",
            None,
            Some(json!({ "bind_ticket": ticket, "username": "demo-cadre-a", "password": PASSWORD })),
            &[],
        )
        .await;
    assert_eq!(bound.status, StatusCode::OK, "{}", bound.text);
    let owner = app.login("demo-cadre-a").await;
    let mine = app.get("/api/v1/me/wechat-bindings", &owner).await;
    let binding = mine.body[0]["id"].as_str().expect("the owner sees the binding").to_owned();
    let path = format!("/api/v1/me/wechat-bindings/{binding}");

    // Another user (even the admin) cannot see or remove it: it is not theirs.
    for other in ["demo-cadre-b", "demo-admin", "demo-rro"] {
        let token = app.login(other).await;
        assert_eq!(app.get("/api/v1/me/wechat-bindings", &token).await.body, json!([]), "{other}");
        app.request(Method::DELETE, &path, Some(&token), None, &[]).await.assert_problem(404, "not_found");
    }
    let still = app.request(Method::POST, "/api/v1/auth/wechat", None, Some(json!({ "code": "code-own" })), &[]).await;
    assert_eq!(still.body["user"]["username"], "demo-cadre-a", "the binding survived: {}", still.text);

    let removed = app.request(Method::DELETE, &path, Some(&owner), None, &[]).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    let after = app.request(Method::POST, "/api/v1/auth/wechat", None, Some(json!({ "code": "code-own" })), &[]).await;
    assert!(after.body["bind_ticket"].is_string(), "unbound again: {}", after.text);
}
