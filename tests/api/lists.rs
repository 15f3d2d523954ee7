//! The monthly feedback list: drafted from the month's problems, submitted late, shown as late.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_village_list_drafts_from_the_problems_submits_late_and_shows_as_late() {
    let app = spawn_app().await;
    let officer = app.login("demo-officer-a").await;
    let rro = app.login("demo-rro").await;
    let a = app.village_id(&rro, "红光村").await;
    let b = app.village_id(&rro, "双桥村").await;
    // Found by the Discipline Commission's supervision: its source is its flow's.
    let discipline = app.login("demo-discipline").await;
    for (village, text) in [(a, "五社饮水管破损"), (a, "低保材料缺失"), (b, "别村的问题")] {
        let res = app
            .post("/api/v1/problems", &discipline, json!({ "client_id": Uuid::new_v4(), "source": "supervision", "village_id": village, "category": "other", "description": text, "found_at": "2026-11-20T10:00:00+08:00" }))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    }
    let path = format!("/api/v1/villages/{a}/feedback-lists/routine/2026-11");
    let draft = app.get(&path, &officer).await;
    assert_eq!(draft.status, StatusCode::OK, "{}", draft.text);
    assert_eq!(draft.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(draft.body["due_on"], "2026-11-25");
    // The clock says 28 November: the list is already missing.
    assert_eq!(draft.body["timeliness"], "missing");
    let first = draft.body["items"][0]["problem"]["id"].clone();
    let saved = app
        .request(
            reqwest::Method::PUT,
            &path,
            Some(&officer),
            Some(json!({ "remarks": "本月共2个问题", "items": [{ "problem_id": first, "remark": "已督促" }] })),
            &[],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    assert_eq!(saved.body["items"][0]["remark"], "已督促");

    app.clock.advance(Duration::days(1));
    let (officer, rro) = (app.login("demo-officer-a").await, app.login("demo-rro").await);
    let submitted = app.post(&format!("{path}/submit"), &officer, json!({})).await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.text);
    assert_eq!(submitted.body["timeliness"], "late");
    app.post(&format!("{path}/submit"), &officer, json!({})).await.assert_problem(409, "list_submitted");

    let all = app.get("/api/v1/feedback-lists?kind=routine&period=2026-11", &rro).await;
    let by_name = |n: &str| all.body.as_array().unwrap().iter().find(|s| s["village_name"] == n).unwrap().clone();
    assert_eq!(by_name("红光村")["timeliness"], "late");
    assert_eq!(by_name("双桥村")["timeliness"], "missing");

    // A problem found after submission does not change the submitted list.
    app.post("/api/v1/problems", &rro, json!({ "client_id": Uuid::new_v4(), "source": "meeting", "village_id": a, "category": "other", "description": "会后补充", "found_at": "2026-11-27T10:00:00+08:00" })).await;
    assert_eq!(app.get(&path, &rro).await.body["items"].as_array().unwrap().len(), 2);

    let xlsx = app.client.get(app.url(&format!("{path}/export"))).bearer_auth(&rro).send().await.unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    let file = std::env::temp_dir().join(format!("list-{}.xlsx", Uuid::new_v4()));
    std::fs::write(&file, xlsx.bytes().await.unwrap()).unwrap();
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&file).unwrap();
    let range = calamine::Reader::worksheet_range(&mut wb, "问题反馈清单").unwrap();
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(ToString::to_string).collect()).collect();
    std::fs::remove_file(&file).ok();
    assert!(rows[0][0].contains("常态化评估问题反馈清单"));
    assert_eq!(rows.len(), 5, "title, unit line, header, two problems: {rows:?}");
    assert_eq!(rows[3][1], "红光村");
    assert_eq!(rows[3][5], "部门督查");
    assert_eq!(rows[3][6], "其他", "the category in Chinese");
    assert_eq!(rows[3][7], "2026-11-20", "the day it was found");

    // Another village's people cannot read or submit it.
    let cadre_b = app.login("demo-cadre-b").await;
    app.get(&path, &cadre_b).await.assert_problem(404, "not_found");
    let bad = app.get(&format!("/api/v1/villages/{a}/feedback-lists/routine/2026-Q4"), &officer).await;
    bad.assert_problem(422, "validation_failed");
}

#[tokio::test]
async fn a_list_submitted_by_the_25th_is_on_time() {
    let app = spawn_app().await;
    app.clock
        .set(chrono::DateTime::parse_from_rfc3339("2026-11-25T23:30:00+08:00").unwrap().with_timezone(&chrono::Utc));
    let officer = app.login("demo-officer-a").await;
    let a = app.village_id(&officer, "红光村").await;
    let path = format!("/api/v1/villages/{a}/feedback-lists/routine/2026-11");
    let rro = app.login("demo-rro").await;
    let cadre = app.login("demo-cadre-a").await;
    let allowed = |body: &serde_json::Value| body["allowed_actions"].clone();
    assert_eq!(allowed(&app.get(&path, &officer).await.body), json!(["edit", "submit"]));
    assert_eq!(allowed(&app.get(&path, &rro).await.body), json!(["comment"]), "the office comments, never writes");
    app.get(&path, &cadre).await.assert_problem(404, "not_found");
    let res = app.post(&format!("{path}/submit"), &officer, json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.body["timeliness"], "on_time");
    assert_eq!(allowed(&app.get(&path, &officer).await.body), json!([]), "submitted: nothing more to write");
    app.post(&format!("/api/v1/villages/{a}/feedback-lists/cross_check/2026-Q4/submit"), &cadre, json!({}))
        .await
        .assert_problem(403, "not_permitted");
}

#[tokio::test]
async fn the_office_comments_beside_a_submitted_list_and_the_village_text_stays_its_own() {
    let app = spawn_app().await;
    let officer = app.login("demo-officer-a").await;
    let rro = app.login("demo-rro").await;
    let a = app.village_id(&rro, "红光村").await;
    let path = format!("/api/v1/villages/{a}/feedback-lists/routine/2026-11");
    let put = |token: String| {
        let app = &app;
        let path = path.clone();
        async move {
            app.request(reqwest::Method::PUT, &path, Some(&token), Some(json!({ "remarks": "村里写的说明" })), &[])
                .await
        }
    };
    assert_eq!(put(officer.clone()).await.status, StatusCode::OK);
    app.post(&format!("{path}/submit"), &officer, json!({})).await;
    // The office neither edits the village's list nor comments as the village.
    put(rro.clone()).await.assert_problem(403, "not_permitted");
    app.post(&format!("{path}/comments"), &officer, json!({ "body": "自己评自己" }))
        .await
        .assert_problem(403, "not_permitted");
    app.post(&format!("{path}/comments"), &rro, json!({ "body": "" })).await.assert_problem(422, "validation_failed");
    let commented = app.post(&format!("{path}/comments"), &rro, json!({ "body": "二社饮水问题请补充整改时限" })).await;
    assert_eq!(commented.status, StatusCode::CREATED, "{}", commented.text);
    assert_eq!(commented.body["remarks"], "村里写的说明", "the village's text is its own");
    assert_eq!(commented.body["comments"][0]["body"], "二社饮水问题请补充整改时限");
    assert!(commented.body["comments"][0]["author_name"].as_str().is_some_and(|n| !n.is_empty()));
    let seen = app.get(&path, &officer).await;
    assert_eq!(seen.body["comments"].as_array().map(Vec::len), Some(1), "{}", seen.text);
    let inbox = app.get("/api/v1/notifications", &officer).await;
    assert!(inbox.body["items"].as_array().unwrap().iter().any(|n| n["kind"] == "list_comment"), "{}", inbox.text);
    // Another village's list is out of a cadre's reach, and the office's comment is not theirs to write.
    let b_officer = app.login("demo-cadre-b").await;
    let res = app.post(&format!("{path}/comments"), &b_officer, json!({ "body": "x" })).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text);
}

#[tokio::test]
async fn a_list_edit_changes_only_what_it_names() {
    let app = spawn_app().await;
    let officer = app.login("demo-officer-a").await;
    let rro = app.login("demo-rro").await;
    let a = app.village_id(&rro, "红光村").await;
    let discipline = app.login("demo-discipline").await;
    for text in ["五社饮水管破损", "低保材料缺失"] {
        app.post("/api/v1/problems", &discipline, json!({ "client_id": Uuid::new_v4(), "source": "supervision", "village_id": a, "category": "other", "description": text, "found_at": "2026-11-20T10:00:00+08:00" })).await;
    }
    let path = format!("/api/v1/villages/{a}/feedback-lists/routine/2026-11");
    let draft = app.get(&path, &officer).await;
    let (p1, p2) = (draft.body["items"][0]["problem"]["id"].clone(), draft.body["items"][1]["problem"]["id"].clone());
    let put = |body: serde_json::Value| {
        let (app, path, officer) = (&app, path.clone(), officer.clone());
        async move { app.request(reqwest::Method::PUT, &path, Some(&officer), Some(body), &[]).await }
    };
    put(json!({ "remarks": "本月两个问题", "items": [{ "problem_id": p1, "remark": "已督促" }, { "problem_id": p2, "remark": "材料已补" }] })).await;
    // Remarks only: every item keeps its remark.
    let saved = put(json!({ "remarks": "本月两个问题（更新）" })).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    let remark_of = |body: &serde_json::Value, id: &serde_json::Value| {
        body["items"].as_array().unwrap().iter().find(|i| i["problem"]["id"] == *id).unwrap()["remark"].clone()
    };
    assert_eq!(remark_of(&saved.body, &p1), "已督促");
    assert_eq!(remark_of(&saved.body, &p2), "材料已补");
    // One item only: the other keeps its remark, and the list's remarks stay.
    let saved = put(json!({ "items": [{ "problem_id": p2, "remark": "" }] })).await;
    assert_eq!(remark_of(&saved.body, &p1), "已督促");
    assert_eq!(remark_of(&saved.body, &p2), "");
    assert_eq!(saved.body["remarks"], "本月两个问题（更新）");
    let audit = app.get("/api/v1/audit?action=list.edit", &rro).await;
    assert_eq!(audit.body["total"], 3, "every edit is in the audit: {}", audit.text);
}
