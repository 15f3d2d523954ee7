//! The demo town's history: made through the API over a past quarter and the present one, it leaves
//! every screen something to show — and every record passed the same rules as real work.

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::spawn_app;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[tokio::test]
async fn the_demo_history_leaves_work_in_every_state() {
    let app = spawn_app().await;
    let now = at("2026-12-05T10:00:00+08:00");
    let rro = app.login("demo-rro").await;
    let town = app.get("/api/v1/towns", &rro).await.body[0]["id"].as_str().unwrap().parse().unwrap();
    let steps = changxiao::demo_history::make(&app.state.settings, town, now).await.expect("the history is made");
    assert!(steps > 50, "{steps} steps");
    app.clock.set(now);
    let rro = app.login("demo-rro").await;
    assert_eq!(app.get("/api/v1/towns", &rro).await.body[0]["live_from"], "2026-07-01", "live since its history began");

    // Problems in every state, one handed to the Discipline Commission, and one overdue.
    let problems = app.get("/api/v1/problems?per_page=200", &rro).await;
    let items = problems.body["items"].as_array().unwrap();
    for status in ["fixed_on_spot", "assigned", "closed"] {
        assert!(items.iter().any(|p| p["status"] == status), "no {status}: {}", problems.text);
    }
    assert!(items.iter().any(|p| p["handed_over_at"].is_string()), "{}", problems.text);
    assert!(app.get("/api/v1/problems?overdue=true", &rro).await.body["total"].as_u64() > Some(0));

    // Visits that count, one held for review and one reviewed: coverage of the past quarter is full
    // for both cadres, the present one under way.
    let pending = app.get("/api/v1/visits?review=pending", &rro).await;
    assert_eq!(pending.body["total"], 1, "{}", pending.text);
    assert_eq!(app.get("/api/v1/visits?review=accepted", &rro).await.body["total"], 1);
    let q3 = app.get("/api/v1/coverage?quarter=2026-Q3", &rro).await;
    for c in q3.body["by_cadre"].as_array().unwrap() {
        assert_eq!(c["visited"], c["targets"], "{c}");
    }
    let q4 = app.get("/api/v1/coverage?quarter=2026-Q4", &rro).await;
    let visited = q4.body["total"]["visited"].as_u64().unwrap();
    assert!(visited > 0 && visited < q4.body["total"]["targets"].as_u64().unwrap(), "{}", q4.text);

    // The village's lists: July's late, the others on time; a department's archives; the meetings.
    let july = app.get("/api/v1/feedback-lists?kind=routine&period=2026-07", &rro).await;
    assert!(july.body.as_array().unwrap().iter().any(|l| l["timeliness"] == "late"), "{}", july.text);
    let november = app.get("/api/v1/feedback-lists?kind=routine&period=2026-11", &rro).await;
    assert!(november.body.as_array().unwrap().iter().any(|l| l["timeliness"] == "on_time"), "{}", november.text);
    let archives = app.get("/api/v1/archives/summary?month=2026-11", &rro).await;
    assert!(archives.body["departments"].as_array().unwrap().iter().any(|d| d["timeliness"] == "on_time"));
    let missed = app.get("/api/v1/meetings/missed", &rro).await;
    let joint: Vec<&Value> = missed.body.as_array().unwrap().iter().filter(|m| m["kind"] == "joint_monthly").collect();
    assert!(joint.is_empty(), "every month's joint meeting was held: {}", missed.text);

    // A cross spot-check under way, an interview with someone named, a circular drafted.
    let rounds = app.get("/api/v1/cross-check-rounds?quarter=2026-Q4", &rro).await;
    assert_eq!(rounds.status, StatusCode::OK, "{}", rounds.text);
    let round = &rounds.body[0];
    assert_eq!((round["status"].as_str(), round["done"].as_u64()), (Some("active"), Some(1)), "{round}");
    let circulars = app.get("/api/v1/circulars?month=2026-09", &rro).await;
    assert_eq!(circulars.body[0]["status"], "draft", "{}", circulars.text);
    assert!(!circulars.body[0]["entries"].as_array().unwrap().is_empty(), "{}", circulars.text);
}
