//! Health, readiness, metrics, docs, and the error body for what matches no route.

use reqwest::{Method, StatusCode};

use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let res = app.request(Method::GET, "/healthz", None, None, &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body["status"], "ok");
}

#[tokio::test]
async fn readyz_reports_the_database_and_redis_by_name() {
    let app = spawn_app().await;
    let res = app.request(Method::GET, "/readyz", None, None, &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.body["database"], "ok");
    let expected = if std::env::var("TEST_REDIS_URL").is_ok_and(|u| !u.is_empty()) { "ok" } else { "not_configured" };
    assert_eq!(res.body["redis"], expected);
}

#[tokio::test]
#[ignore = "needs a real Redis: set TEST_REDIS_URL (CI runs it with --include-ignored)"]
async fn readyz_reports_a_real_redis_as_ok() {
    let url = std::env::var("TEST_REDIS_URL").expect("TEST_REDIS_URL must be set for this test");
    assert!(!url.is_empty(), "TEST_REDIS_URL is empty");
    let app = spawn_app().await;
    let res = app.request(Method::GET, "/readyz", None, None, &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.body["redis"], "ok");
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set TEST_DATABASE_URL (CI runs it with --include-ignored)"]
async fn the_suite_really_runs_on_postgresql_when_asked() {
    let url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL must be set for this test");
    assert!(url.starts_with("postgres"), "TEST_DATABASE_URL is not PostgreSQL: {url}");
    let app = spawn_app().await;
    assert_eq!(app.state.db.get_database_backend(), sea_orm::DbBackend::Postgres);
}

#[tokio::test]
async fn readyz_says_redis_is_down_when_it_does_not_answer() {
    // Nothing listens on port 1: Redis is "down" from the start, and the API still serves.
    let app = crate::helpers::spawn_with(|s| {
        s.redis_url = Some(secrecy::SecretString::from("redis://127.0.0.1:1/".to_owned()))
    })
    .await;
    let res = app.request(Method::GET, "/readyz", None, None, &[]).await;
    // Degraded, not unavailable: the API serves without Redis, only reminders wait.
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.body["status"], "degraded");
    assert_eq!(res.body["redis"], "down");
    assert_eq!(res.body["database"], "ok");
    let token = app.login("demo-cadre-a").await;
    assert_eq!(app.get("/api/v1/households", &token).await.status, StatusCode::OK);
    let health = app.request(Method::GET, "/healthz", None, None, &[]).await;
    assert_eq!(health.status, StatusCode::OK);
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_not_raw_path() {
    let app = spawn_app().await;
    let token = app.login("demo-rro").await;
    let id = uuid::Uuid::new_v4();
    app.get(&format!("/api/v1/households/{id}"), &token).await;
    let res = app.request(Method::GET, "/metrics", None, None, &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.text.contains("changxiao_http_requests_total"), "{}", res.text);
    assert!(res.text.contains("route=\"/api/v1/households/{id}\""), "{}", res.text);
    assert!(!res.text.contains(&id.to_string()));
}

#[tokio::test]
async fn an_unknown_route_answers_a_problem_body() {
    let app = spawn_app().await;
    let res = app.request(Method::GET, "/api/v1/nothing-here", None, None, &[]).await;
    res.assert_problem(404, "route_not_found");
}

#[tokio::test]
async fn another_method_on_a_known_path_is_405_with_allow_even_where_an_id_route_could_match() {
    let app = spawn_app().await;
    let token = app.login("demo-rro").await;
    // `/households/import` takes POST only; it is not a household id for `PATCH /households/{id}`.
    let res = app.request(Method::PATCH, "/api/v1/households/import", Some(&token), None, &[]).await;
    res.assert_problem(405, "method_not_allowed");
    assert_eq!(res.headers.get("allow").and_then(|v| v.to_str().ok()), Some("POST"));
    let res = app.request(Method::DELETE, "/api/v1/households/import", Some(&token), None, &[]).await;
    res.assert_problem(405, "method_not_allowed");
    assert_eq!(res.headers.get("allow").and_then(|v| v.to_str().ok()), Some("POST"));
    // A malformed id on a route that takes the method names nothing: 404.
    let res = app.request(Method::GET, "/api/v1/households/not-an-id", Some(&token), None, &[]).await;
    res.assert_problem(404, "not_found");
}

#[tokio::test]
async fn the_docs_page_and_its_assets_are_served_by_the_service() {
    let app = spawn_app().await;
    let page = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    let css = app.client.get(app.url("/docs/swagger-ui.css")).send().await.unwrap();
    assert_eq!(css.status(), StatusCode::OK);
    let spec = app.request(Method::GET, "/api/v1/openapi.json", None, None, &[]).await;
    assert_eq!(spec.status, StatusCode::OK);
    assert!(spec.body["openapi"].as_str().unwrap_or("").starts_with("3."));
}
