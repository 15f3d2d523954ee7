//! Department screening: rows matched by ID number, unmatched reported, tasks never doubled, and a
//! joint verification visit settling the task.

use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{TestApp, id_number, spawn_app};

/// Full ID numbers of two households of village A, as the RRO reveals them.
async fn two_ids(app: &TestApp) -> Vec<(String, String)> {
    let rro = app.login("demo-rro").await;
    let a = app.village_id(&rro, "红光村").await;
    let mut out = Vec::new();
    for h in app.households_of(a).await.iter().take(2) {
        let id = h["id"].as_str().unwrap().to_owned();
        let r = app.post(&format!("/api/v1/households/{id}/reveal"), &rro, json!({ "reason": "筛查比对测试" })).await;
        out.push((id, r.body["id_number"].as_str().unwrap().to_owned()));
    }
    out
}

#[tokio::test]
async fn a_screening_creates_tasks_for_matched_rows_reports_the_rest_and_never_doubles() {
    let app = spawn_app().await;
    let ids = two_ids(&app).await;
    let dept = app.login("demo-dept").await;
    let stranger = id_number("11010519800101001");
    let csv = format!(
        "身份证号,类别,说明\n{},大额医疗自费,自付3.2万元\n{},大额医疗自费,住院自付5万元\n{stranger},大额医疗自费,门诊慢病自付\n",
        ids[0].1, ids[1].1
    );
    let res = app.upload("/api/v1/screenings?month=2026-11", &dept, "s.csv", csv.clone().into_bytes()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(
        (res.body["rows"].as_u64(), res.body["matched"].as_u64(), res.body["tasks_created"].as_u64()),
        (Some(3), Some(2), Some(2))
    );
    // Which row matched nobody is not the department's to learn (that would tell it who is a
    // household); the count is, and the town's office is told which rows they were.
    assert_eq!(res.body["unmatched"], 1);
    assert!(!res.text.contains(&ids[0].1), "a full ID number came back");
    assert!(!res.text.contains(&stranger[14..]), "the unmatched row came back: {}", res.text);
    let rro = app.login("demo-rro").await;
    let inbox = app.get("/api/v1/notifications", &rro).await;
    let told = inbox.body["items"].as_array().unwrap().iter().find(|n| n["kind"] == "screening_unmatched");
    let told = told.unwrap_or_else(|| panic!("the RRO was not told: {}", inbox.text));
    let body = told["body"].as_str().unwrap();
    assert!(body.contains("1人") && body.contains("第4行") && body.contains(&stranger[14..]), "{body}");
    assert!(body.contains("大额医疗自费"), "{body}");
    // The office's list of uploads keeps them to follow up; the department sees its own counts only.
    let office = app.get("/api/v1/screenings?month=2026-11", &rro).await;
    assert_eq!(office.status, StatusCode::OK, "{}", office.text);
    let rows = &office.body[0]["unmatched_rows"];
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{}", office.text);
    assert_eq!((rows[0]["row"].as_u64(), rows[0]["finding_label"].as_str()), (Some(4), Some("大额医疗自费")));
    assert!(rows[0]["id_number"].as_str().unwrap().ends_with(&stranger[14..]) && !office.text.contains(&stranger));
    assert_eq!(office.body[0]["department_name"], "卫健办");
    let own = app.get("/api/v1/screenings", &dept).await;
    assert_eq!(
        (own.body[0]["unmatched"].as_u64(), own.body[0]["matched"].as_u64()),
        (Some(1), Some(2)),
        "{}",
        own.text
    );
    assert!(own.body[0]["unmatched_rows"].is_null() && !own.text.contains(&stranger[14..]), "{}", own.text);
    app.get("/api/v1/screenings", &app.login("demo-cadre-a").await).await.assert_problem(403, "not_permitted");
    assert_eq!(app.get("/api/v1/screenings?month=2026-10", &rro).await.body, json!([]));

    let again = app.upload("/api/v1/screenings?month=2026-11", &dept, "s.csv", csv.clone().into_bytes()).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["repeated"], true);
    let reworded = app
        .upload(
            "/api/v1/screenings?month=2026-11",
            &dept,
            "s2.csv",
            csv.replace("自付3.2万元", "自付约3.2万元").into_bytes(),
        )
        .await;
    assert_eq!((reworded.body["tasks_created"].as_u64(), reworded.body["already_tasked"].as_u64()), (Some(0), Some(2)));

    let sec = app.login("demo-secretary-a").await;
    let tasks = app.get("/api/v1/screening-tasks?status=open", &sec).await;
    assert_eq!(tasks.body.as_array().unwrap().len(), 2, "{}", tasks.text);
    // Saturday 28 November + 5 working days: Friday 4 December.
    assert_eq!(tasks.body[0]["due_on"], "2026-12-04");
    assert_eq!(app.get("/api/v1/screening-tasks", &app.login("demo-cadre-b").await).await.body, json!([]));

    // The village's own visit to a flagged household is routine (the records set the kind when the
    // phone leaves it out): it does not settle the department's task alone.
    let own = app
        .post(
            "/api/v1/visits",
            &sec,
            json!({ "client_id": Uuid::new_v4(), "household_id": ids[1].0, "visited_at": "2026-11-28T08:00:00+08:00",
                "checklist": { "income_stable": true, "food_secure": true, "clothing_secure": true, "compulsory_education_ok": true,
                    "basic_medical_ok": true, "housing_safe": true, "drinking_water_safe": true, "satisfaction": "satisfied" } }),
        )
        .await;
    assert_eq!(own.status, StatusCode::CREATED, "{}", own.text);
    assert_eq!(own.body["kind"], "routine");
    // Nor when the phone calls it a joint verification: without the department there it is not one.
    let alone = app
        .post(
            "/api/v1/visits",
            &sec,
            json!({ "client_id": Uuid::new_v4(), "household_id": ids[1].0, "visited_at": "2026-11-28T08:30:00+08:00",
                "kind": "joint_verification", "outcome": "absent_attempted", "absent_reason": "外出务工" }),
        )
        .await;
    alone.assert_problem(422, "validation_failed");
    assert_eq!(alone.fields(), ["kind"], "{}", alone.text);
    assert!(alone.text.contains("no_department_along"), "{}", alone.text);
    assert_eq!(app.get("/api/v1/screening-tasks?status=open", &sec).await.body.as_array().map(Vec::len), Some(2));

    // The department joins the village on a joint verification visit (its kind set by the task):
    // the task is done and fed back.
    let visit = app
        .post(
            "/api/v1/visits",
            &dept,
            json!({ "client_id": Uuid::new_v4(), "household_id": ids[0].0, "visited_at": "2026-11-28T09:00:00+08:00",
                "visitor_ids": [app.get("/api/v1/me", &sec).await.body["id"]],
                "checklist": { "income_stable": true, "food_secure": true, "clothing_secure": true, "compulsory_education_ok": true,
                    "basic_medical_ok": false, "housing_safe": true, "drinking_water_safe": true, "satisfaction": "basically_satisfied" },
                "problems": [{ "category": "medical", "description": "大额自费未享受医疗救助", "fixed_on_spot": false }] }),
        )
        .await;
    assert_eq!(visit.status, StatusCode::CREATED, "{}", visit.text);
    assert_eq!(visit.body["kind"], "joint_verification");
    let mine = app.get("/api/v1/screening-tasks", &dept).await;
    let done = mine.body.as_array().unwrap().iter().find(|t| t["household_id"] == ids[0].0.as_str()).unwrap();
    assert_eq!(done["status"], "done");
    assert_eq!(done["visit_id"], visit.body["id"]);
    let problems = app.get(&format!("/api/v1/problems?visit_id={}", visit.body["id"].as_str().unwrap()), &dept).await;
    assert_eq!(problems.body["items"][0]["source"], "dept_screening");
}

#[tokio::test]
async fn a_screening_with_a_bad_row_writes_nothing() {
    let app = spawn_app().await;
    let dept = app.login("demo-dept").await;
    let csv = format!(
        "身份证号,类别\n{},大额医疗自费\n123,危房\n{},其他\n",
        id_number("11010519800101002"),
        id_number("11010519800101003")
    );
    let res = app.upload("/api/v1/screenings?month=2026-11", &dept, "s.csv", csv.into_bytes()).await;
    res.assert_problem(422, "screening_invalid");
    // Row 3's 危房 is housing: not the health office's to report.
    assert_eq!(res.fields(), ["rows[3].id_number", "rows[3].finding", "rows[4].finding"]);
    let sec = app.login("demo-secretary-a").await;
    assert_eq!(app.get("/api/v1/screening-tasks", &sec).await.body, json!([]));
    let cadre = app.login("demo-cadre-a").await;
    app.upload("/api/v1/screenings?month=2026-11", &cadre, "s.csv", b"x".to_vec())
        .await
        .assert_problem(403, "not_permitted");
    let json_upload = app
        .upload(
            "/api/v1/screenings?month=2026-11",
            &dept,
            "s.json",
            format!("[{{\"id_number\":\"{}\",\"finding\":\"large_medical_expense\"}}]", id_number("11010519800101004"))
                .into_bytes(),
        )
        .await;
    assert_eq!(json_upload.status, StatusCode::CREATED, "{}", json_upload.text);
    assert_eq!(json_upload.body["unmatched"], 1);
    // The health office reports medical expenses, not another department's field; nor a month to come.
    let housing = format!("身份证号,类别\n{},农村危房\n", id_number("11010519800101005"));
    let res = app.upload("/api/v1/screenings?month=2026-11", &dept, "h.csv", housing.into_bytes()).await;
    res.assert_problem(422, "screening_invalid");
    assert_eq!(res.body["errors"][0]["code"], "not_own_finding", "{}", res.text);
    assert!(res.body["errors"][0]["message"].as_str().unwrap().contains("卫健办"));
    let future = app.upload("/api/v1/screenings?month=2027-01", &dept, "f.csv", b"x".to_vec()).await;
    future.assert_problem(422, "validation_failed");
    assert_eq!(future.body["errors"][0]["field"], "month");
}

#[tokio::test]
async fn a_screening_of_thousands_of_rows_is_refused_whole() {
    let app = spawn_app().await;
    let dept = app.login("demo-dept").await;
    let mut csv = String::from("身份证号,类别\n");
    for i in 0..5_001u32 {
        csv.push_str(&format!("{},大额医疗自费\n", id_number(&format!("110105198001{:05}", i % 100_000))));
    }
    let res = app.upload("/api/v1/screenings?month=2026-11", &dept, "sweep.csv", csv.into_bytes()).await;
    res.assert_problem(413, "spreadsheet_too_large");
    assert!(res.body["message"].as_str().unwrap().contains("5000"), "{}", res.text);
    let tasks = app.get("/api/v1/screening-tasks", &dept).await;
    assert_eq!(tasks.body.as_array().map(Vec::len), Some(0));
}
