//! Supervision look-back: the records suggest findings, failing problems are handed over, and the
//! month's report counts them per village and department.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_look_back_hands_over_what_fails_and_reports_per_village_and_department() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let a = app.village_id(&rro, "红光村").await;
    let depts = app.get("/api/v1/departments", &rro).await;
    let civil = depts.body.as_array().unwrap().iter().find(|d| d["name"] == "民政办").unwrap()["id"].clone();
    let mut ids = Vec::new();
    for text in ["低保待遇未落实", "门前道路积水"] {
        let p = app.post("/api/v1/problems", &rro, json!({ "client_id": Uuid::new_v4(), "source": "meeting", "village_id": a, "category": "other", "description": text })).await;
        let id = p.body["id"].as_str().unwrap().to_owned();
        let assigned = app
            .post(
                &format!("/api/v1/problems/{id}/assign"),
                &rro,
                json!({ "class": "small", "units": [{ "kind": "department", "id": civil }], "measure": "限期落实" }),
            )
            .await;
        assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.text);
        ids.push(id);
    }
    // The second is done and verified in November; the first is not.
    let sec = app.login("demo-secretary-a").await;
    let photo = app.upload_photo(&sec, crate::helpers::jpeg(99), None, None).await;
    let claim = app
        .post(&format!("/api/v1/problems/{}/complete", ids[1]), &rro, json!({ "note": "已疏通", "photo_ids": [] }))
        .await;
    claim.assert_problem(422, "validation_failed");
    let claimed = app
        .post(
            &format!("/api/v1/problems/{}/complete", ids[1]),
            &sec,
            json!({ "note": "已疏通", "photo_ids": [photo.body["id"]] }),
        )
        .await;
    assert_eq!(claimed.status, StatusCode::FORBIDDEN, "the village is not a unit of this problem: {}", claimed.text);
    let rro_photo = app.upload_photo(&rro, crate::helpers::jpeg(98), None, None).await;
    let claimed = app
        .post(
            &format!("/api/v1/problems/{}/complete", ids[1]),
            &rro,
            json!({ "note": "已疏通", "photo_ids": [rro_photo.body["id"]] }),
        )
        .await;
    assert_eq!(claimed.body["status"], "completion_claimed", "{}", claimed.text);
    // The RRO claimed it, so the RRO cannot verify it; the finder... is the RRO too: the leader's office steps in.
    app.post(&format!("/api/v1/problems/{}/verify", ids[1]), &rro, json!({ "verdict": "accept", "note": "核实" }))
        .await
        .assert_problem(403, "separation_of_duties");

    app.clock.advance(Duration::days(5)); // 3 December
    let discipline = app.login("demo-discipline").await;
    let candidates = app.get("/api/v1/supervisions/candidates?month=2026-11", &discipline).await;
    assert_eq!(candidates.status, StatusCode::OK, "{}", candidates.text);
    let suggested = |id: &str| {
        candidates.body.as_array().unwrap().iter().find(|c| c["problem_id"] == id).unwrap()["suggested"].clone()
    };
    assert_eq!(suggested(&ids[0]), "overdue");
    assert_eq!(suggested(&ids[1]), "in_progress", "completion was claimed in time, awaiting verification");
    // Found today and not yet assigned: on schedule, nobody's failure.
    let today = app.post("/api/v1/problems", &app.login("demo-rro").await, json!({ "client_id": Uuid::new_v4(), "source": "meeting", "village_id": a, "category": "other", "description": "今日发现" })).await;
    let fresh = today.body["id"].as_str().unwrap().to_owned();

    let sup = app
        .post(
            "/api/v1/supervisions",
            &discipline,
            json!({ "title": "11月问题整改回头看", "held_on": "2026-12-03", "month": "2026-11", "findings": [{ "problem_id": ids[0] }, { "problem_id": ids[1], "note": "待核验" }, { "problem_id": fresh }] }),
        )
        .await;
    assert_eq!(sup.status, StatusCode::CREATED, "{}", sup.text);
    assert_eq!(sup.body["month"], "2026-11", "filed under the month looked back on, not the day held");
    assert_eq!(sup.body["handed_over"], json!([ids[0]]), "only the overdue one goes to the Commission");
    let p = app.get(&format!("/api/v1/problems/{}", ids[0]), &discipline).await;
    assert!(p.body["handed_over_at"].is_string());

    assert_eq!(app.get("/api/v1/supervisions/report?month=2026-12", &discipline).await.body["supervisions"], 0);
    let report = app.get("/api/v1/supervisions/report?month=2026-11", &discipline).await;
    assert_eq!(report.body["supervisions"], 1);
    let v = &report.body["by_village"][0];
    assert_eq!(
        (v["looked_back"].as_u64(), v["overdue"].as_u64(), v["in_progress"].as_u64(), v["cleared"].as_u64()),
        (Some(3), Some(1), Some(2), Some(0))
    );
    assert_eq!(report.body["by_department"][0]["name"], "民政办");

    // Last quarter's unresolved problems are the Party committee's agenda.
    let rro = app.login("demo-rro").await;
    let agenda = app.get("/api/v1/problems?quarter=2026-Q4&active=true", &rro).await;
    assert_eq!(agenda.body["total"], 3);
    // Still in Q4 the committee cannot settle a Q4 problem: it is on schedule, not a leftover.
    let q4 = app
        .post(
            "/api/v1/meetings",
            &rro,
            json!({ "kind": "party_quarterly", "held_at": "2026-12-03T09:00:00+08:00",
            "attendees": ["党委委员"], "minutes": "第四季度专题会。" }),
        )
        .await;
    assert_eq!(q4.status, StatusCode::CREATED, "{}", q4.text);
    let early = app
        .post(
            &format!("/api/v1/problems/{}/decide", ids[0]),
            &rro,
            json!({ "meeting_id": q4.body["id"], "decision": "纳入明年计划统筹解决" }),
        )
        .await;
    early.assert_problem(422, "validation_failed");
    assert_eq!(early.body["errors"][0]["code"], "not_a_leftover", "{}", early.text);
    // In January, Q1's committee meeting settles Q4's leftover, recorded against the meeting.
    app.clock.advance(Duration::days(40));
    let rro = app.login("demo-rro").await;
    let q1 = app
        .post(
            "/api/v1/meetings",
            &rro,
            json!({ "kind": "party_quarterly", "held_at": "2027-01-12T09:00:00+08:00",
            "attendees": ["党委委员"], "minutes": "研究上季度未能整改的问题。" }),
        )
        .await;
    assert_eq!(q1.status, StatusCode::CREATED, "{}", q1.text);
    let decided = app
        .post(
            &format!("/api/v1/problems/{}/decide", ids[0]),
            &rro,
            json!({ "meeting_id": q1.body["id"], "decision": "纳入明年计划统筹解决" }),
        )
        .await;
    assert_eq!(decided.body["status"], "decided", "{}", decided.text);
    let events = app.get(&format!("/api/v1/problems/{}/events", ids[0]), &rro).await;
    let decide = events.body.as_array().unwrap().iter().find(|e| e["action"] == "decide").unwrap();
    assert_eq!(decide["data"]["meeting_id"], q1.body["id"], "{}", events.text);

    let cadre = app.login("demo-cadre-a").await;
    // Refused by role before the record is looked for: nothing about it is told.
    app.get(&format!("/api/v1/supervisions/{}", sup.body["id"].as_str().unwrap()), &cadre)
        .await
        .assert_problem(403, "not_permitted");
    // The Commission's records are beyond the RRO's reach.
    app.get(&format!("/api/v1/supervisions/{}", sup.body["id"].as_str().unwrap()), &rro)
        .await
        .assert_problem(403, "not_permitted");
    app.post(
        "/api/v1/supervisions",
        &cadre,
        json!({ "title": "越权", "held_on": "2026-12-03", "findings": [{ "problem_id": ids[0] }] }),
    )
    .await
    .assert_problem(403, "not_permitted");
}
