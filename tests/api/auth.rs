//! Sign-in: every demo login, wrong passwords, rate limits, tokens tampered, expired, revoked.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{PASSWORD, spawn_app, spawn_with};

#[tokio::test]
async fn every_demo_login_signs_in_with_its_roles() {
    let app = spawn_app().await;
    let expected = [
        ("demo-rro", "rro_staff"),
        ("demo-leader", "leader"),
        ("demo-deputy", "deputy_mayor"),
        ("demo-discipline", "discipline"),
        ("demo-dept", "dept_staff"),
        ("demo-dept", "info_officer"),
        ("demo-clerk", "archive_clerk"),
        ("demo-calltaker", "call_taker"),
        ("demo-secretary-a", "village_secretary"),
        ("demo-teamlead-a", "work_team_leader"),
        ("demo-cadre-a", "cadre"),
        ("demo-cadre-b", "cadre"),
        ("demo-officer-a", "info_officer"),
    ];
    for (user, role) in expected {
        let res = app.login_res(user, PASSWORD).await;
        assert_eq!(res.status, StatusCode::OK, "{user}: {}", res.text);
        let roles: Vec<&str> =
            res.body["user"]["grants"].as_array().unwrap().iter().filter_map(|g| g["role"].as_str()).collect();
        assert!(roles.contains(&role), "{user} lacks {role}: {roles:?}");
        assert_eq!(res.body["token_type"], "Bearer");
        assert_eq!(res.body["expires_in"], 900);
        let me = app.get("/api/v1/me", res.body["access_token"].as_str().unwrap()).await;
        assert_eq!(me.body["username"], user);
    }
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_a_chinese_message() {
    let app = spawn_app().await;
    app.login_res("demo-rro", "not-the-password").await.assert_problem(401, "invalid_credentials");
    app.login_res("no-such-user", "whatever-password").await.assert_problem(401, "invalid_credentials");
}

#[tokio::test]
async fn an_empty_login_lists_both_fields() {
    let app = spawn_app().await;
    let res = app
        .request(Method::POST, "/api/v1/auth/login", None, Some(json!({ "username": "", "password": "" })), &[])
        .await;
    res.assert_problem(422, "validation_failed");
    assert_eq!(res.fields(), ["password", "username"]);
}

#[tokio::test]
async fn malformed_json_is_a_clear_400() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .unwrap();
    crate::helpers::into_res(res).await.assert_problem(400, "invalid_json");
}

#[tokio::test]
async fn login_is_rate_limited_per_account() {
    let app = spawn_with(|s| s.login_per_account_per_minute = 3).await;
    for _ in 0..3 {
        app.login_res("demo-rro", "wrong-password").await.assert_problem(401, "invalid_credentials");
    }
    let res = app.login_res("demo-rro", PASSWORD).await;
    res.assert_problem(429, "too_many_requests");
    assert!(res.headers.get("retry-after").is_some());
    // Another account from the same address is not blocked.
    assert_eq!(app.login_res("demo-leader", PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_request_without_a_token_is_401() {
    let app = spawn_app().await;
    app.request(Method::GET, "/api/v1/me", None, None, &[]).await.assert_problem(401, "unauthenticated");
}

#[tokio::test]
async fn a_tampered_token_is_refused() {
    let app = spawn_app().await;
    let token = app.login("demo-cadre-a").await;
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    claims["sub"] = json!(uuid::Uuid::new_v4());
    parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
    app.get("/api/v1/me", &parts.join(".")).await.assert_problem(401, "invalid_token");
    // alg: none with the original claims.
    let none =
        format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#), token.split('.').nth(1).unwrap());
    app.get("/api/v1/me", &none).await.assert_problem(401, "invalid_token");
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_refused() {
    let app = spawn_app().await;
    let token = app.login("demo-cadre-a").await;
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap();
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"a key that is not the server's key").unwrap(),
    )
    .unwrap();
    app.get("/api/v1/me", &forged).await.assert_problem(401, "invalid_token");
    app.get("/api/v1/me", "not.a.jwt").await.assert_problem(401, "invalid_token");
}

#[tokio::test]
async fn an_access_token_expires_with_the_service_clock() {
    let app = spawn_app().await;
    let token = app.login("demo-cadre-a").await;
    app.clock.advance(Duration::seconds(899));
    assert_eq!(app.get("/api/v1/me", &token).await.status, StatusCode::OK);
    app.clock.advance(Duration::seconds(2));
    app.get("/api/v1/me", &token).await.assert_problem(401, "token_expired");
}

#[tokio::test]
async fn a_refresh_token_is_not_an_access_token() {
    let app = spawn_app().await;
    let res = app.login_res("demo-cadre-a", PASSWORD).await;
    let refresh = res.body["refresh_token"].as_str().unwrap();
    app.get("/api/v1/me", refresh).await.assert_problem(401, "invalid_token");
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_whole_family() {
    let app = spawn_app().await;
    let first = app.login_res("demo-cadre-a", PASSWORD).await;
    let r1 = first.body["refresh_token"].as_str().unwrap().to_owned();
    let second =
        app.request(Method::POST, "/api/v1/auth/refresh", None, Some(json!({ "refresh_token": r1 })), &[]).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    let r2 = second.body["refresh_token"].as_str().unwrap().to_owned();
    let access2 = second.body["access_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    assert_eq!(app.get("/api/v1/me", &access2).await.status, StatusCode::OK);
    // r1 again: someone copied it. The family is revoked, r2 and its access token included.
    let reuse =
        app.request(Method::POST, "/api/v1/auth/refresh", None, Some(json!({ "refresh_token": r1 })), &[]).await;
    reuse.assert_problem(401, "refresh_token_reused");
    let after =
        app.request(Method::POST, "/api/v1/auth/refresh", None, Some(json!({ "refresh_token": r2 })), &[]).await;
    after.assert_problem(401, "invalid_refresh_token");
    app.get("/api/v1/me", &access2).await.assert_problem(401, "session_revoked");
    // A fresh login still works.
    assert_eq!(app.login_res("demo-cadre-a", PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn logout_ends_the_session_and_its_access_token() {
    let app = spawn_app().await;
    let res = app.login_res("demo-rro", PASSWORD).await;
    let access = res.body["access_token"].as_str().unwrap();
    let refresh = res.body["refresh_token"].as_str().unwrap();
    let other = app.login("demo-rro").await;
    let out = app.request(Method::POST, "/api/v1/auth/logout", Some(access), None, &[]).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    app.get("/api/v1/me", access).await.assert_problem(401, "session_revoked");
    app.request(Method::POST, "/api/v1/auth/refresh", None, Some(json!({ "refresh_token": refresh })), &[])
        .await
        .assert_problem(401, "invalid_refresh_token");
    // Another device's session goes on.
    assert_eq!(app.get("/api/v1/me", &other).await.status, StatusCode::OK);
}
