//! Reminders derived from the records, delivered once to the inbox, only to those who owe something.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::spawn_app;

#[tokio::test]
async fn cadres_who_owe_visits_are_reminded_once_and_those_who_owe_nothing_are_not() {
    let app = spawn_app().await;
    let delivered = changxiao::reminders::run_once(&app.state).await.unwrap();
    assert!(delivered > 0);
    assert_eq!(changxiao::reminders::run_once(&app.state).await.unwrap(), 0, "the same reminders twice");

    let cadre = app.login("demo-cadre-a").await;
    let inbox = app.get("/api/v1/notifications", &cadre).await;
    assert_eq!(inbox.status, StatusCode::OK, "{}", inbox.text);
    let items = inbox.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", inbox.text);
    assert_eq!(items[0]["kind"], "unvisited_households");
    assert!(items[0]["body"].as_str().unwrap().contains("尚未走访"));
    assert_eq!(app.get("/api/v1/notifications/unread-count", &cadre).await.body["unread"], 1);
    let id = items[0]["id"].as_str().unwrap();
    let read =
        app.request(reqwest::Method::POST, &format!("/api/v1/notifications/{id}/read"), Some(&cadre), None, &[]).await;
    assert_eq!(read.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/notifications/unread-count", &cadre).await.body["unread"], 0);
    // Another user's reminder is not found.
    let other = app.login("demo-cadre-b").await;
    app.request(reqwest::Method::POST, &format!("/api/v1/notifications/{id}/read"), Some(&other), None, &[])
        .await
        .assert_problem(404, "not_found");
    // The department's information officer has not updated the must-know knowledge by the 25th.
    let dept = app.login("demo-dept").await;
    let dept_inbox = app.get("/api/v1/notifications", &dept).await;
    assert_eq!(dept_inbox.body["items"][0]["kind"], "must_know_missing", "{}", dept_inbox.text);
    // The archive clerk has not submitted the month's materials; the RRO has not held the joint meeting.
    let clerk = app.login("demo-clerk").await;
    let clerk_inbox = app.get("/api/v1/notifications", &clerk).await;
    assert_eq!(clerk_inbox.body["items"][0]["kind"], "archives_missing", "{}", clerk_inbox.text);
    let rro = app.login("demo-rro").await;
    assert!(app.get("/api/v1/notifications", &rro).await.text.contains("joint_meeting_due"));
    // The leader owes no visit and gets nothing.
    let leader = app.login("demo-leader").await;
    assert_eq!(app.get("/api/v1/notifications", &leader).await.body["total"], 0);
}

#[tokio::test]
async fn an_overdue_problem_reminds_its_person_and_the_discipline_commission() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let a = app.village_id(&rro, "红光村").await;
    let sec_id = app.get("/api/v1/me", &app.login("demo-secretary-a").await).await.body["id"].clone();
    let p = app.post("/api/v1/problems", &rro, json!({ "client_id": Uuid::new_v4(), "source": "meeting", "village_id": a, "category": "other", "description": "公示栏未更新" })).await;
    let pid = p.body["id"].as_str().unwrap();
    let res = app
        .post(&format!("/api/v1/problems/{pid}/assign"), &rro, json!({ "class": "small", "units": [{ "kind": "village", "id": a }], "responsible_user_id": sec_id, "measure": "更新公示" }))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    changxiao::reminders::run_once(&app.state).await.unwrap();
    let sec = app.login("demo-secretary-a").await;
    let kinds = |body: &serde_json::Value| {
        body["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert!(kinds(&app.get("/api/v1/notifications", &sec).await.body).contains(&"problem_deadline_near".to_owned()));
    app.clock.advance(Duration::days(3)); // 1 December
    changxiao::reminders::run_once(&app.state).await.unwrap();
    let sec = app.login("demo-secretary-a").await;
    assert!(kinds(&app.get("/api/v1/notifications", &sec).await.body).contains(&"problem_overdue".to_owned()));
    let discipline = app.login("demo-discipline").await;
    assert!(
        kinds(&app.get("/api/v1/notifications", &discipline).await.body).contains(&"discipline_overdue".to_owned())
    );
    let rro = app.login("demo-rro").await;
    assert!(
        kinds(&app.get("/api/v1/notifications", &rro).await.body).contains(&"cross_check_due".to_owned()),
        "m3 has begun and no round is open"
    );
}

#[tokio::test]
async fn a_units_members_hear_when_no_one_is_named_and_done_work_clears_its_reminder() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let a = app.village_id(&rro, "红光村").await;
    let depts = app.get("/api/v1/departments", &rro).await.body;
    let health = depts.as_array().unwrap().iter().find(|d| d["name"] == "卫健办").unwrap()["id"].clone();
    let p = app.post("/api/v1/problems", &rro, json!({ "client_id": Uuid::new_v4(), "source": "meeting", "village_id": a, "category": "medical", "description": "慢病卡未办理" })).await;
    let pid = p.body["id"].as_str().unwrap();
    let res = app
        .post(
            &format!("/api/v1/problems/{pid}/assign"),
            &rro,
            json!({ "class": "small", "units": [{ "kind": "department", "id": health }], "measure": "办理慢病卡" }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    changxiao::reminders::run_once(&app.state).await.unwrap();
    let dept = app.login("demo-dept").await;
    let inbox = app.get("/api/v1/notifications", &dept).await;
    assert!(inbox.text.contains("problem_deadline_near"), "the department hears of its deadline: {}", inbox.text);

    // December: the Party committee meeting is due; once it is held, the reminder clears itself.
    app.clock.set(chrono::DateTime::parse_from_rfc3339("2026-12-02T10:00:00+08:00").unwrap().into());
    changxiao::reminders::run_once(&app.state).await.unwrap();
    let rro = app.login("demo-rro").await;
    let party = |body: &serde_json::Value| {
        body["items"].as_array().unwrap().iter().find(|n| n["kind"] == "party_meeting_due").cloned()
    };
    let due = party(&app.get("/api/v1/notifications", &rro).await.body).expect("the meeting is due");
    assert!(due["read_at"].is_null());
    let held = app
        .post("/api/v1/meetings", &rro, json!({ "kind": "party_quarterly", "held_at": "2026-12-02T09:00:00+08:00", "attendees": ["党委委员"], "minutes": "专题研究。" }))
        .await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.text);
    changxiao::reminders::run_once(&app.state).await.unwrap();
    let after = party(&app.get("/api/v1/notifications", &rro).await.body).unwrap();
    assert!(after["read_at"].is_string(), "the work is done: the reminder cleared itself: {after}");
}

#[tokio::test]
async fn a_returned_submission_is_told_to_its_clerk_and_reviews_and_downloads_are_audited() {
    let app = spawn_app().await;
    let clerk = app.login("demo-clerk").await;
    let depts = app.get("/api/v1/departments", &clerk).await.body;
    let civil =
        depts.as_array().unwrap().iter().find(|d| d["name"] == "民政办").unwrap()["id"].as_str().unwrap().to_owned();
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(b"%PDF-1.4\n%%EOF\n".to_vec()).file_name("a.pdf"));
    let res = app
        .client
        .post(app.url(&format!("/api/v1/archives/{civil}/2026-11")))
        .bearer_auth(&clerk)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let sent = crate::helpers::into_res(res).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text);
    let (sid, fid) =
        (sent.body["id"].as_str().unwrap().to_owned(), sent.body["files"][0]["id"].as_str().unwrap().to_owned());
    let rro = app.login("demo-rro").await;
    let returned = app
        .post(
            &format!("/api/v1/archives/submissions/{sid}/review"),
            &rro,
            json!({ "decision": "return", "reason": "缺少签字页" }),
        )
        .await;
    assert_eq!(returned.status, StatusCode::OK, "{}", returned.text);
    let inbox = app.get("/api/v1/notifications", &clerk).await;
    let told = inbox.body["items"].as_array().unwrap().iter().find(|n| n["kind"] == "archive_returned").cloned();
    assert!(told.unwrap_or_else(|| panic!("{}", inbox.text))["body"].as_str().unwrap().contains("缺少签字页"));
    let file = app
        .client
        .get(app.url(&format!("/api/v1/archives/submissions/{sid}/files/{fid}")))
        .bearer_auth(&rro)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    for action in ["archive.review", "archive.download"] {
        let audit = app.get(&format!("/api/v1/audit?action={action}"), &rro).await;
        assert_eq!(audit.body["total"], 1, "{action}: {}", audit.text);
    }
}
