//! The rectification ledger: assignment with class and deadline, overdue at the month's end, the
//! Discipline Commission's queue, verification by another person, the xlsx export.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, jpeg, spawn_app};

/// A problem found on a visit to a household of cadre A.
async fn open_problem(app: &TestApp) -> (String, Value) {
    let cadre = app.login("demo-cadre-a").await;
    let h = app.get("/api/v1/households?per_page=1", &cadre).await.body["items"][0].clone();
    let (lat, lng) = (h["location"]["latitude"].as_f64().unwrap(), h["location"]["longitude"].as_f64().unwrap());
    let photo = app.upload_photo(&cadre, jpeg(90), Some((lat, lng, "gcj02")), None).await;
    let visit = app
        .post(
            "/api/v1/visits",
            &cadre,
            json!({
                "client_id": Uuid::new_v4(), "household_id": h["id"], "kind": "routine", "visited_at": "2026-11-28T09:00:00+08:00",
                "location": { "latitude": lat, "longitude": lng, "datum": "gcj02" }, "photo_ids": [photo.body["id"]],
                "checklist": { "income_stable": true, "food_secure": true, "clothing_secure": true, "compulsory_education_ok": true,
                    "basic_medical_ok": true, "housing_safe": false, "drinking_water_safe": true, "satisfaction": "basically_satisfied" },
                "problems": [{ "category": "housing", "description": "厨房墙体开裂", "fixed_on_spot": false }]
            }),
        )
        .await;
    assert_eq!(visit.status, StatusCode::CREATED, "{}", visit.text);
    let pid = visit.body["problem_ids"][0].as_str().unwrap().to_owned();
    (pid, h)
}

async fn village_unit(app: &TestApp, token: &str) -> Value {
    json!({ "kind": "village", "id": app.village_id(token, "红光村").await })
}

#[tokio::test]
async fn a_small_problem_unfixed_at_the_month_end_is_overdue_and_reaches_the_discipline_commission() {
    let app = spawn_app().await;
    let (pid, _) = open_problem(&app).await;
    let rro = app.login("demo-rro").await;
    let unit = village_unit(&app, &rro).await;
    let assigned = app
        .post(
            &format!("/api/v1/problems/{pid}/assign"),
            &rro,
            json!({ "class": "small", "units": [unit], "measure": "联系危房改造，先加固厨房" }),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.text);
    assert_eq!(assigned.body["deadline"], "2026-11-30");
    assert_eq!(assigned.body["status"], "assigned");
    assert_eq!(assigned.body["overdue"], false);

    // 30 November, 23:59 in Shanghai: still on time.
    app.clock
        .set(chrono::DateTime::parse_from_rfc3339("2026-11-30T23:59:00+08:00").unwrap().with_timezone(&chrono::Utc));
    let discipline = app.login("demo-discipline").await;
    assert_eq!(app.get("/api/v1/discipline/queue", &discipline).await.body["total"], 0);
    // Two minutes later, 1 December: overdue, and in the Discipline Commission's queue.
    app.clock.advance(Duration::minutes(2));
    let discipline = app.login("demo-discipline").await;
    let p = app.get(&format!("/api/v1/problems/{pid}"), &discipline).await;
    assert_eq!(p.body["overdue"], true);
    let queue = app.get("/api/v1/discipline/queue", &discipline).await;
    assert_eq!(queue.body["total"], 1);
    assert_eq!(queue.body["items"][0]["id"], pid.as_str());
    let overdue = app.get("/api/v1/problems?overdue=true", &discipline).await;
    assert_eq!(overdue.body["total"], 1);
    // The hand-over is a recorded transition.
    let handed = app
        .post(&format!("/api/v1/problems/{pid}/hand-over"), &discipline, json!({ "note": "逾期未整改，交纪委处理" }))
        .await;
    assert_eq!(handed.status, StatusCode::OK, "{}", handed.text);
    assert!(handed.body["handed_over_at"].is_string());
    app.post(&format!("/api/v1/problems/{pid}/hand-over"), &discipline, json!({ "note": "再交一次" }))
        .await
        .assert_problem(409, "already_handed_over");
    let events = app.get(&format!("/api/v1/problems/{pid}/events"), &discipline).await;
    let actions: Vec<&str> = events.body.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["found", "assign", "hand_to_discipline"], "the history begins where it was found");
}

#[tokio::test]
async fn a_special_problem_needs_a_plan_and_a_large_one_a_deadline() {
    let app = spawn_app().await;
    let (pid, _) = open_problem(&app).await;
    let rro = app.login("demo-rro").await;
    let unit = village_unit(&app, &rro).await;
    let path = format!("/api/v1/problems/{pid}/assign");
    let no_plan = app.post(&path, &rro, json!({ "class": "special", "units": [unit], "measure": "整体搬迁" })).await;
    no_plan.assert_problem(422, "validation_failed");
    assert_eq!(no_plan.fields(), ["plan"]);
    let no_deadline = app.post(&path, &rro, json!({ "class": "large", "units": [unit], "measure": "危房改造" })).await;
    assert_eq!(no_deadline.fields(), ["deadline"]);
    let with_plan = app
        .post(
            &path,
            &rro,
            json!({ "class": "special", "units": [unit], "measure": "整体搬迁",
                "plan": { "summary": "纳入易地搬迁计划", "milestones": [{ "date": "2027-01-31", "description": "完成选址" }, { "date": "2027-05-31", "description": "入住" }] } }),
        )
        .await;
    assert_eq!(with_plan.status, StatusCode::OK, "{}", with_plan.text);
    assert_eq!(with_plan.body["deadline"], "2027-05-31");
    assert_eq!(with_plan.body["plan"]["milestones"][1]["description"], "入住");
}

#[tokio::test]
async fn completion_is_verified_by_someone_else_and_illegal_steps_are_refused() {
    let app = spawn_app().await;
    let (pid, _) = open_problem(&app).await;
    let rro = app.login("demo-rro").await;
    let sec = app.login("demo-secretary-a").await;
    let unit = village_unit(&app, &rro).await;
    // Nothing can be claimed before it is assigned.
    app.post(&format!("/api/v1/problems/{pid}/verify"), &rro, json!({ "verdict": "accept", "note": "核验" }))
        .await
        .assert_problem(409, "illegal_transition");
    app.post(
        &format!("/api/v1/problems/{pid}/assign"),
        &rro,
        json!({ "class": "large", "deadline": "2027-01-31", "units": [unit], "measure": "加固" }),
    )
    .await;
    // A cadre of another village cannot even see it.
    let other = app.login("demo-cadre-b").await;
    app.get(&format!("/api/v1/problems/{pid}"), &other).await.assert_problem(404, "not_found");
    app.post(&format!("/api/v1/problems/{pid}/progress"), &other, json!({ "note": "越权" }))
        .await
        .assert_problem(404, "not_found");
    // The village (a responsible unit) reports and claims completion with a photo.
    let p = app.upload_photo(&sec, jpeg(91), None, None).await;
    let progress = app.post(&format!("/api/v1/problems/{pid}/progress"), &sec, json!({ "note": "已联系施工队" })).await;
    assert_eq!(progress.status, StatusCode::OK, "{}", progress.text);
    app.post(&format!("/api/v1/problems/{pid}/complete"), &sec, json!({ "note": "已完成加固" }))
        .await
        .assert_problem(422, "validation_failed");
    let claimed = app
        .post(
            &format!("/api/v1/problems/{pid}/complete"),
            &sec,
            json!({ "note": "已完成加固", "photo_ids": [p.body["id"]] }),
        )
        .await;
    assert_eq!(claimed.body["status"], "completion_claimed", "{}", claimed.text);
    // Sent back, claimed again, then verified by the RRO — the claimer cannot verify.
    let back = app
        .post(
            &format!("/api/v1/problems/{pid}/verify"),
            &rro,
            json!({ "verdict": "send_back", "note": "墙体仍有裂缝" }),
        )
        .await;
    assert_eq!(back.body["status"], "assigned");
    app.post(
        &format!("/api/v1/problems/{pid}/complete"),
        &sec,
        json!({ "note": "重新加固", "photo_ids": [p.body["id"]] }),
    )
    .await;
    let closed = app
        .post(&format!("/api/v1/problems/{pid}/verify"), &rro, json!({ "verdict": "accept", "note": "已核实，销号" }))
        .await;
    assert_eq!(closed.body["status"], "closed", "{}", closed.text);
    app.post(
        &format!("/api/v1/problems/{pid}/assign"),
        &rro,
        json!({ "class": "small", "units": [unit], "measure": "再次交办" }),
    )
    .await
    .assert_problem(409, "illegal_transition");
    // Reopened: back to the unit, with the whole history kept.
    let reopened =
        app.post(&format!("/api/v1/problems/{pid}/reopen"), &rro, json!({ "note": "回访发现裂缝复发" })).await;
    assert_eq!(reopened.body["status"], "assigned", "{}", reopened.text);
    assert!(reopened.body["closed_at"].is_null());
    let events = app.get(&format!("/api/v1/problems/{pid}/events"), &rro).await;
    let actions: Vec<&str> = events.body.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["found", "assign", "report_progress", "claim_completion", "send_back", "claim_completion", "verify", "reopen"]
    );
}

#[tokio::test]
async fn a_department_sees_what_is_assigned_to_it_and_the_ledger_exports() {
    let app = spawn_app().await;
    let (pid, _) = open_problem(&app).await;
    let rro = app.login("demo-rro").await;
    let dept = app.login("demo-dept").await;
    app.get(&format!("/api/v1/problems/{pid}"), &dept).await.assert_problem(404, "not_found");
    let depts = app.get("/api/v1/departments", &rro).await;
    let health = depts.body.as_array().unwrap().iter().find(|d| d["name"] == "卫健办").unwrap()["id"].clone();
    let unit = village_unit(&app, &rro).await;
    let res = app
        .post(&format!("/api/v1/problems/{pid}/assign"), &rro, json!({ "class": "small", "units": [unit, { "kind": "department", "id": health }], "measure": "协调医疗救助" }))
        .await;
    assert_eq!(res.body["units"].as_array().unwrap().len(), 2, "{}", res.text);
    assert_eq!(app.get(&format!("/api/v1/problems/{pid}"), &dept).await.status, StatusCode::OK);

    let xlsx = app.client.get(app.url("/api/v1/problems/export?month=2026-11")).bearer_auth(&rro).send().await.unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = xlsx.bytes().await.unwrap().to_vec();
    let path = std::env::temp_dir().join(format!("ledger-{}.xlsx", Uuid::new_v4()));
    std::fs::write(&path, &bytes).unwrap();
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    let range = calamine::Reader::worksheet_range(&mut wb, "整改台账").unwrap();
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(ToString::to_string).collect()).collect();
    std::fs::remove_file(&path).ok();
    assert!(rows[0][0].contains("整改台账"));
    assert_eq!(rows[1][1], "村（社区）");
    assert_eq!(rows.len(), 3, "title, header and one problem: {rows:?}");
    assert_eq!(rows[2][1], "红光村");
    assert!(!rows[2][4].is_ascii(), "the category in Chinese, not its machine name: {:?}", rows[2][4]);
    assert!(rows[2][9].contains("卫健办") && rows[2][9].contains("红光村"));
    assert_eq!(rows[2][11], "2026-11-30");
    let cadre = app.login("demo-cadre-a").await;
    app.get("/api/v1/problems/export", &cadre).await.assert_problem(403, "not_permitted");
}

#[tokio::test]
async fn a_problem_from_a_supervision_is_recorded_once() {
    let app = spawn_app().await;
    let discipline = app.login("demo-discipline").await;
    let rro = app.login("demo-rro").await;
    let village = app.village_id(&rro, "双桥村").await;
    let body = json!({ "client_id": Uuid::new_v4(), "source": "supervision", "village_id": village, "category": "archive", "description": "三月走访记录缺失" });
    let first = app.post("/api/v1/problems", &discipline, body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let again = app.post("/api/v1/problems", &discipline, body).await;
    assert_eq!(again.body["id"], first.body["id"]);
    let listed = app.get("/api/v1/problems?source=supervision", &rro).await;
    assert_eq!(listed.body["total"], 1);
    let bad = app
        .post(
            "/api/v1/problems",
            &discipline,
            json!({ "client_id": Uuid::new_v4(), "source": "visit", "category": "nope", "description": "x" }),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
}
