//! The town cross spot-check: a reproducible sample, nobody checking their own village.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_same_seed_draws_the_same_sample_and_nobody_checks_their_own_village() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let (a, b, sec) =
        (app.user_id("demo-cadre-a").await, app.user_id("demo-cadre-b").await, app.user_id("demo-secretary-a").await);
    let body =
        json!({ "quarter": "2026-Q4", "rate": 0.5, "seed": "20261201", "checker_ids": [a, b, sec], "dry_run": true });
    let p1 = app.post("/api/v1/cross-check-rounds", &rro, body.clone()).await;
    assert_eq!(p1.status, StatusCode::OK, "{}", p1.text);
    let p2 = app.post("/api/v1/cross-check-rounds", &rro, body.clone()).await;
    assert_eq!(p1.body["assignments"], p2.body["assignments"]);
    assert_eq!(p1.body["due_on"], "2026-12-20");
    // A preview, nothing stored, naming whom each checker would go to.
    assert_eq!(p1.body["status"], "preview");
    assert!(
        p1.body["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["head_name"].is_string() && x["village_name"].is_string()),
        "{}",
        p1.text
    );

    let mut real = body;
    real["dry_run"] = json!(false);
    let round = app.post("/api/v1/cross-check-rounds", &rro, real.clone()).await;
    assert_eq!(round.status, StatusCode::CREATED, "{}", round.text);
    let pairs = |v: &serde_json::Value| -> Vec<(String, String)> {
        v.as_array().unwrap().iter().map(|a| (a["household_id"].to_string(), a["checker_id"].to_string())).collect()
    };
    assert_eq!(
        pairs(&round.body["assignments"]),
        pairs(&p1.body["assignments"]),
        "the stored round is the previewed draw"
    );
    let village_a = app.village_id(&rro, "红光村").await.to_string();
    let village_b = app.village_id(&rro, "双桥村").await.to_string();
    for asg in round.body["assignments"].as_array().unwrap() {
        let v = asg["village_id"].as_str().unwrap();
        if asg["checker_id"] == a || asg["checker_id"] == sec {
            assert_ne!(v, village_a, "a village A person checks village A");
        }
        if asg["checker_id"] == b {
            assert_ne!(v, village_b);
        }
    }
    app.post("/api/v1/cross-check-rounds", &rro, real).await.assert_problem(409, "round_exists");
    // Someone neither checking nor holding a town role does not see the round.
    let officer = app.login("demo-officer-a").await;
    app.get(&format!("/api/v1/cross-check-rounds/{}", round.body["id"].as_str().unwrap()), &officer)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(app.get("/api/v1/cross-check-rounds", &officer).await.body, json!([]));

    // A checker visits an assigned household outside their usual scope; the round progresses.
    let cadre = app.login("demo-cadre-b").await;
    let mine = app.get(&format!("/api/v1/cross-check-rounds/{}", round.body["id"].as_str().unwrap()), &cadre).await;
    assert_eq!(mine.status, StatusCode::OK);
    let my = mine.body["assignments"].as_array().unwrap();
    assert!(!my.is_empty() && my.iter().all(|x| x["checker_id"] == b));
    let target = my[0]["household_id"].clone();
    let visit = app
        .post(
            "/api/v1/visits",
            &cadre,
            json!({
                "client_id": uuid::Uuid::new_v4(), "household_id": target, "visited_at": "2026-11-28T09:00:00+08:00",
                "checklist": { "income_stable": false, "food_secure": true, "clothing_secure": true, "compulsory_education_ok": true,
                    "basic_medical_ok": false, "housing_safe": true, "drinking_water_safe": true, "satisfaction": "basically_satisfied" },
                "problems": [{ "category": "medical", "description": "慢性病卡未办理", "fixed_on_spot": false }]
            }),
        )
        .await;
    assert_eq!(visit.status, StatusCode::CREATED, "{}", visit.text);
    assert_eq!(visit.body["kind"], "cross_check", "the assignment sets the kind the phone left out");
    assert_eq!(visit.body["round_id"], round.body["id"]);
    let after = app.get(&format!("/api/v1/cross-check-rounds/{}", round.body["id"].as_str().unwrap()), &rro).await;
    assert_eq!(after.body["done"], 1);
    let problems = app.get(&format!("/api/v1/problems?visit_id={}", visit.body["id"].as_str().unwrap()), &rro).await;
    assert_eq!(problems.body["items"][0]["source"], "cross_check");
    // A household not assigned to the checker stays out of reach.
    let other = round.body["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| {
            x["checker_id"] != b && x["village_id"] != village_a.as_str() && x["village_id"] != village_b.as_str()
        })
        .unwrap()["household_id"]
        .clone();
    let refused = app
        .post(
            "/api/v1/visits",
            &cadre,
            json!({ "client_id": uuid::Uuid::new_v4(), "household_id": other, "kind": "cross_check", "visited_at": "2026-11-28T09:00:00+08:00", "outcome": "absent_attempted", "absent_reason": "无人" }),
        )
        .await;
    assert_eq!(refused.fields(), ["household_id"]);
}

#[tokio::test]
async fn a_round_whose_only_checkers_live_in_the_sampled_village_is_refused() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let a = app.user_id("demo-teamlead-a").await;
    let res = app
        .post(
            "/api/v1/cross-check-rounds",
            &rro,
            json!({ "quarter": "2026-Q4", "count": 40, "seed": "1", "checker_ids": [a] }),
        )
        .await;
    res.assert_problem(422, "cross_check_unassignable");
    let cadre = app.login("demo-cadre-a").await;
    app.post("/api/v1/cross-check-rounds", &cadre, json!({ "quarter": "2026-Q4", "count": 4, "checker_ids": [a] }))
        .await
        .assert_problem(403, "not_permitted");
    app.post("/api/v1/cross-check-rounds", &rro, json!({ "quarter": "2026-Q5", "count": 4, "checker_ids": [a] }))
        .await
        .assert_problem(422, "validation_failed");
}

#[tokio::test]
async fn a_checker_reaches_the_sample_households_only_and_a_round_is_redrawn_before_it_starts() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let (a, b) = (app.user_id("demo-cadre-a").await, app.user_id("demo-cadre-b").await);
    let body = json!({ "quarter": "2026-Q4", "rate": 0.3, "seed": "7", "checker_ids": [a, b] });
    let round = app.post("/api/v1/cross-check-rounds", &rro, body.clone()).await;
    assert_eq!(round.status, StatusCode::CREATED, "{}", round.text);
    let of_b = |r: &serde_json::Value| {
        r["assignments"].as_array().unwrap().iter().find(|x| x["checker_id"] == b.as_str()).unwrap().clone()
    };
    let first = of_b(&round.body);
    // What to go to: whom, where, and the position.
    assert!(first["head_name"].as_str().is_some_and(|n| !n.is_empty()), "{first}");
    assert!(first["village_name"].as_str().is_some_and(|n| !n.is_empty()), "{first}");
    assert!(first["address"].is_string() && first.get("latitude").is_some(), "{first}");

    let checker = app.login("demo-cadre-b").await;
    // The sample of another village is checked, not counted in the checker's own coverage.
    let own = app.get("/api/v1/coverage?quarter=2026-Q4", &checker).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    let villages: Vec<&serde_json::Value> =
        own.body["by_village"].as_array().unwrap().iter().map(|v| &v["id"]).collect();
    assert!(!villages.contains(&&first["village_id"]), "{}", own.text);
    let all = app.get("/api/v1/coverage?quarter=2026-Q4", &rro).await;
    let of_own = all.body["by_cadre"].as_array().unwrap().iter().find(|c| c["id"] == b.as_str()).unwrap();
    for figure in ["targets", "visited"] {
        assert_eq!(own.body["total"][figure], of_own[figure], "{figure}: {}", own.text);
    }
    let target = first["household_id"].as_str().unwrap().to_owned();
    let read = app.get(&format!("/api/v1/households/{target}"), &checker).await;
    assert_eq!(read.status, StatusCode::OK, "the checker reads the sample household: {}", read.text);
    let reveal = app
        .post(&format!("/api/v1/households/{target}/reveal"), &checker, json!({ "reason": "交叉抽查联系农户" }))
        .await;
    assert_eq!(reveal.status, StatusCode::OK, "{}", reveal.text);
    // Nothing else of that village.
    let sampled: Vec<String> = round.body["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["household_id"].as_str().unwrap().to_owned())
        .collect();
    let village = first["village_id"].as_str().unwrap().parse().unwrap();
    let other = app
        .households_of(village)
        .await
        .into_iter()
        .find(|h| !sampled.contains(&h["id"].as_str().unwrap().to_owned()))
        .unwrap();
    app.get(&format!("/api/v1/households/{}", other["id"].as_str().unwrap()), &checker)
        .await
        .assert_problem(404, "not_found");

    // Cancelled before it starts: kept as history, the sample closed again, the quarter redrawn.
    let id = round.body["id"].as_str().unwrap().to_owned();
    let cancel = |reason: &'static str| {
        let (app, rro, id) = (&app, rro.clone(), id.clone());
        async move { app.post(&format!("/api/v1/cross-check-rounds/{id}/cancel"), &rro, json!({ "reason": reason })).await }
    };
    app.post(&format!("/api/v1/cross-check-rounds/{id}/cancel"), &checker, json!({ "reason": "越权撤销" }))
        .await
        .assert_problem(403, "not_permitted");
    let cancelled = cancel("抽查比例填错").await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(cancelled.body["cancel_reason"], "抽查比例填错");
    cancel("再撤一次").await.assert_problem(409, "round_cancelled");
    app.get(&format!("/api/v1/households/{target}"), &checker).await.assert_problem(404, "not_found");
    let redrawn = app
        .post(
            "/api/v1/cross-check-rounds",
            &rro,
            json!({ "quarter": "2026-Q4", "rate": 0.3, "seed": "8", "checker_ids": [a, b] }),
        )
        .await;
    assert_eq!(redrawn.status, StatusCode::CREATED, "{}", redrawn.text);
    let rounds = app.get("/api/v1/cross-check-rounds?quarter=2026-Q4", &rro).await;
    let statuses: Vec<&str> = rounds.body.as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses.len(), 2, "the cancelled round stays: {statuses:?}");
    assert!(statuses.contains(&"cancelled") && statuses.contains(&"active"));

    // Once a sample household is visited, the round stands.
    let new_first = of_b(&redrawn.body);
    let checker = app.login("demo-cadre-b").await;
    let visit = app
        .post(
            "/api/v1/visits",
            &checker,
            json!({ "client_id": uuid::Uuid::new_v4(), "household_id": new_first["household_id"], "visited_at": "2026-11-28T09:00:00+08:00",
                "outcome": "absent_attempted", "absent_reason": "外出务工" }),
        )
        .await;
    assert_eq!(visit.status, StatusCode::CREATED, "{}", visit.text);
    let new_id = redrawn.body["id"].as_str().unwrap();
    app.post(&format!("/api/v1/cross-check-rounds/{new_id}/cancel"), &rro, json!({ "reason": "想重抽" }))
        .await
        .assert_problem(409, "round_started");
}

#[tokio::test]
async fn a_round_whose_every_sample_household_is_checked_is_completed() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let (a, b) = (app.user_id("demo-cadre-a").await, app.user_id("demo-cadre-b").await);
    let body = json!({ "quarter": "2026-Q4", "rate": 0.05, "seed": "11", "checker_ids": [a, b] });
    let round = app.post("/api/v1/cross-check-rounds", &rro, body).await;
    assert_eq!(round.status, StatusCode::CREATED, "{}", round.text);
    assert_eq!(round.body["status"], "active");
    let id = round.body["id"].as_str().unwrap().to_owned();
    let assignments = round.body["assignments"].as_array().unwrap().clone();
    assert!(!assignments.is_empty());
    for (i, x) in assignments.iter().enumerate() {
        let who = if x["checker_id"] == a.as_str() { "demo-cadre-a" } else { "demo-cadre-b" };
        let checker = app.login(who).await;
        let status = app.get(&format!("/api/v1/cross-check-rounds/{id}"), &rro).await.body["status"].clone();
        assert_eq!(status, "active", "{i} of {} checked", assignments.len());
        let visit = app
            .post(
                "/api/v1/visits",
                &checker,
                json!({ "client_id": uuid::Uuid::new_v4(), "household_id": x["household_id"], "visited_at": "2026-11-28T09:00:00+08:00",
                    "outcome": "absent_attempted", "absent_reason": "外出务工" }),
            )
            .await;
        assert_eq!(visit.status, StatusCode::CREATED, "{}", visit.text);
    }
    let done = app.get(&format!("/api/v1/cross-check-rounds/{id}"), &rro).await;
    assert_eq!(
        (done.body["status"].as_str(), &done.body["done"]),
        (Some("completed"), &done.body["total"]),
        "{}",
        done.text
    );
}
