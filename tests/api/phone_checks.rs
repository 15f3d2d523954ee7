//! Phone spot-checks end to end: a published questionnaire, a month's list for a demo village, the
//! attempt rules (spacing, callbacks, the maximum), answers checked against the questionnaire,
//! problems raised, contradictions flagged, figures that add up, and scope.

use chrono::{DateTime, Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, spawn_app};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn questions() -> Value {
    json!([
        { "id": "water", "text": "您家饮水安全吗？", "kind": "yes_no", "required": true,
          "unsatisfied": ["no"], "raises": { "any_of": ["no"], "category": "drinking_water" } },
        { "id": "water_issue", "text": "饮水存在什么问题？", "kind": "text",
          "show_if": { "question": "water", "any_of": ["no"] } },
        { "id": "policies", "text": "您家享受了哪些政策？", "kind": "multiple_choice", "check": "policies_by_tag",
          "options": [
            { "value": "dibao", "label": "低保", "entitled_tags": ["subsistence"] },
            { "value": "tekun", "label": "特困供养", "entitled_tags": ["extreme_poverty"] },
            { "value": "medical_aid", "label": "医疗救助",
              "entitled_tags": ["alleviated", "monitored_unstable", "monitored_edge", "monitored_sudden"] },
            { "value": "disability", "label": "残疾人补贴", "entitled_tags": ["disabled"] },
            { "value": "none", "label": "都没有" } ] },
        { "id": "overall", "text": "总体满意吗？", "kind": "scale", "min": 1, "max": 5, "required": true,
          "satisfied": ["4", "5"], "unsatisfied": ["1", "2"] }
    ])
}

/// Publishes the test questionnaire; returns its first version's id.
async fn publish(app: &TestApp, rro: &str) -> String {
    let created = app
        .post("/api/v1/phone-checks/questionnaires", rro, json!({ "name": "电话回访", "questions": questions() }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["versions"][0]["status"], "draft");
    let id = created.body["id"].as_str().unwrap();
    let published = app.post(&format!("/api/v1/phone-checks/questionnaires/{id}/publish"), rro, json!({})).await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.text);
    assert_eq!(published.body["versions"][0]["status"], "published");
    published.body["versions"][0]["id"].as_str().unwrap().to_owned()
}

async fn attempt(app: &TestApp, token: &str, case: &str, body: Value) -> crate::helpers::Res {
    app.post(&format!("/api/v1/phone-checks/cases/{case}/attempts"), token, body).await
}

#[tokio::test]
async fn a_months_calls_from_list_to_figures() {
    let app = spawn_app().await;
    app.clock.set(at("2026-11-28T14:00:00+08:00"));
    let rro = app.login("demo-rro").await;
    let version = publish(&app, &rro).await;
    let village = app.village_id(&rro, "红光村").await;
    let caller_id = app.get("/api/v1/me", &app.login("demo-calltaker").await).await.body["id"].clone();
    let drawn = app
        .post(
            "/api/v1/phone-checks/lists",
            &rro,
            json!({ "village_id": village, "month": "2026-11", "version_id": version, "caller_ids": [caller_id] }),
        )
        .await;
    assert_eq!(drawn.status, StatusCode::CREATED, "{}", drawn.text);
    let cases = drawn.body["cases"].as_array().unwrap().clone();
    assert!(cases.len() >= 3, "{}", drawn.text);
    // The household without a phone is reported, not skipped.
    let no_phone = cases.iter().filter(|c| c["status"] == "no_phone").count();
    assert!(no_phone >= 1, "{}", drawn.text);
    assert_eq!(drawn.body["no_phone"], no_phone);
    assert!(cases.iter().filter(|c| c["status"] == "no_phone").all(|c| c["assignee_id"].is_null()));
    // A second list for the same village and month is refused.
    let again = app
        .post(
            "/api/v1/phone-checks/lists",
            &rro,
            json!({ "village_id": village, "month": "2026-11", "version_id": version, "caller_ids": [caller_id] }),
        )
        .await;
    again.assert_problem(409, "call_list_exists");

    // The call taker's queue: every dialable case, none attempted.
    let taker = app.login("demo-calltaker").await;
    let queue = app.get("/api/v1/phone-checks/queue", &taker).await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.text);
    assert_eq!(queue.body["callable_now"], true);
    let items = queue.body["items"].as_array().unwrap();
    assert_eq!(items.len(), cases.len() - no_phone);
    let x = items[0]["id"].as_str().unwrap().to_owned();
    let y = items[1]["id"].as_str().unwrap().to_owned();
    assert!(items[0]["phones"][0].as_str().unwrap().contains('*'), "masked in the queue");

    // Holding shows the full number, audited.
    let held = app.post(&format!("/api/v1/phone-checks/cases/{x}/hold"), &taker, json!({})).await;
    assert_eq!(held.status, StatusCode::OK, "{}", held.text);
    let full = held.body["phones"][0].as_str().unwrap();
    assert_eq!(full.len(), 11);
    assert!(!full.contains('*'));
    assert_eq!(held.body["questions"].as_array().unwrap().len(), 4);
    let hid = held.body["case"]["household_id"].as_str().unwrap().to_owned();
    let audit = app.get(&format!("/api/v1/audit?action=household.reveal&object_id={hid}"), &rro).await;
    assert_eq!(audit.body["total"], 1, "{}", audit.text);

    // No answer, twice (the second only after the spacing), then a callback, then completed.
    let na = attempt(&app, &taker, &x, json!({ "client_id": Uuid::new_v4(), "outcome": "no_answer" })).await;
    assert_eq!(na.status, StatusCode::CREATED, "{}", na.text);
    assert_eq!(na.body["attempt"]["aapor_code"], "3.13");
    let soon = attempt(&app, &taker, &x, json!({ "client_id": Uuid::new_v4(), "outcome": "no_answer" })).await;
    soon.assert_problem(422, "too_soon");
    assert_eq!(soon.body["errors"][0]["field"], "called_at");
    app.clock.advance(Duration::minutes(61));
    let taker = app.login("demo-calltaker").await;
    let na2 = attempt(&app, &taker, &x, json!({ "client_id": Uuid::new_v4(), "outcome": "no_answer" })).await;
    assert_eq!(na2.status, StatusCode::CREATED, "{}", na2.text);
    app.clock.advance(Duration::minutes(61));
    let taker = app.login("demo-calltaker").await;
    let callback_at = app.clock.now() + Duration::minutes(30);
    let cb = attempt(
        &app,
        &taker,
        &x,
        json!({ "client_id": Uuid::new_v4(), "outcome": "callback", "callback_at": callback_at }),
    )
    .await;
    assert_eq!(cb.status, StatusCode::CREATED, "{}", cb.text);
    assert_eq!(cb.body["case"]["callback"], true);
    assert_eq!(cb.body["attempt"]["aapor_code"], "2.21");
    // At the agreed time the callback heads the queue.
    app.clock.advance(Duration::minutes(30));
    let taker = app.login("demo-calltaker").await;
    let queue = app.get("/api/v1/phone-checks/queue", &taker).await;
    assert_eq!(queue.body["items"][0]["id"], x.as_str(), "{}", queue.text);
    // The call taker is reminded of the callback and of the calls waiting.
    changxiao::reminders::run_once(&app.state).await.unwrap();
    let inbox = app.get("/api/v1/notifications", &taker).await;
    let kinds: Vec<&str> =
        inbox.body["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"callback_due") && kinds.contains(&"calls_pending"), "{kinds:?}");

    // Answers that break the questionnaire: per-question errors, nothing recorded.
    let bad = attempt(
        &app,
        &taker,
        &x,
        json!({ "client_id": Uuid::new_v4(), "outcome": "completed",
                "answers": { "water": true, "water_issue": "浑浊", "policies": ["gold"] } }),
    )
    .await;
    bad.assert_problem(422, "invalid_answers");
    let fields: Vec<&str> =
        bad.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"answers.water_issue"), "{fields:?}");
    assert!(fields.contains(&"answers.policies"));
    assert!(fields.contains(&"answers.overall"));
    let list_id = drawn.body["id"].as_str().unwrap();
    let rro = app.login("demo-rro").await;
    let list = app.get(&format!("/api/v1/phone-checks/lists/{list_id}"), &rro).await;
    let xs = list.body["cases"].as_array().unwrap().iter().find(|c| c["id"] == x.as_str()).unwrap().clone();
    assert_eq!(xs["attempts"], 3, "the refused sheet recorded nothing");

    // A good sheet: unsafe water raises a problem; "none" of the policies contradicts the household's tags.
    let done_id = Uuid::new_v4();
    let sheet = json!({ "client_id": done_id, "outcome": "completed",
        "answers": { "water": false, "water_issue": "井水浑浊", "policies": ["none"], "overall": 4 } });
    let done = attempt(&app, &taker, &x, sheet.clone()).await;
    assert_eq!(done.status, StatusCode::CREATED, "{}", done.text);
    assert_eq!(done.body["case"]["status"], "closed");
    assert_eq!(done.body["case"]["satisfied"], false, "unsafe water is unsatisfied");
    let problem_ids = done.body["problem_ids"].as_array().unwrap().clone();
    assert_eq!(problem_ids.len(), 1);
    let p = app.get(&format!("/api/v1/problems/{}", problem_ids[0].as_str().unwrap()), &rro).await;
    assert_eq!(p.body["source"], "phone_check", "{}", p.text);
    assert_eq!(p.body["category"], "drinking_water");
    assert_eq!(p.body["call_attempt_id"], done.body["attempt"]["id"], "the problem links to the call");
    let flags = done.body["flags"].as_array().unwrap().clone();
    assert!(!flags.is_empty() && flags.iter().all(|f| f["kind"] == "policy_unknown"), "{}", done.text);
    // The phone repeats the request: the same attempt, no second problem.
    let repeat = attempt(&app, &taker, &x, sheet).await;
    assert_eq!(repeat.status, StatusCode::OK, "{}", repeat.text);
    assert_eq!(repeat.body["attempt"]["id"], done.body["attempt"]["id"]);
    assert_eq!(repeat.body["problem_ids"], json!(problem_ids));
    let closed = attempt(&app, &taker, &x, json!({ "client_id": Uuid::new_v4(), "outcome": "no_answer" })).await;
    closed.assert_problem(409, "case_closed");

    // Three attempts that reach nobody close a case; a fourth is refused.
    for i in 0..3 {
        if i > 0 {
            app.clock.advance(Duration::minutes(61));
        }
        let taker = app.login("demo-calltaker").await;
        let r = attempt(&app, &taker, &y, json!({ "client_id": Uuid::new_v4(), "outcome": "no_answer" })).await;
        assert_eq!(r.status, StatusCode::CREATED, "attempt {i}: {}", r.text);
    }
    app.clock.advance(Duration::minutes(61));
    let taker = app.login("demo-calltaker").await;
    let fourth = attempt(&app, &taker, &y, json!({ "client_id": Uuid::new_v4(), "outcome": "completed" })).await;
    fourth.assert_problem(409, "max_attempts");

    // The contradiction becomes a problem on review.
    let rro = app.login("demo-rro").await;
    let open = app.get("/api/v1/phone-checks/flags?status=open", &rro).await;
    assert_eq!(open.body["total"], flags.len(), "{}", open.text);
    let fid = flags[0]["id"].as_str().unwrap();
    let reviewed = app
        .post(&format!("/api/v1/phone-checks/flags/{fid}/review"), &rro, json!({ "decision": "raise_problem" }))
        .await;
    assert_eq!(reviewed.status, StatusCode::OK, "{}", reviewed.text);
    assert_eq!(reviewed.body["status"], "raised");
    let raised = app.get(&format!("/api/v1/problems/{}", reviewed.body["problem_id"].as_str().unwrap()), &rro).await;
    assert_eq!(raised.body["category"], "policy_not_enjoyed");

    // The figures add up from the records.
    let figures = app.get("/api/v1/phone-checks/figures?month=2026-11", &rro).await;
    assert_eq!(figures.status, StatusCode::OK, "{}", figures.text);
    let v =
        figures.body["villages"].as_array().unwrap().iter().find(|v| v["village_id"] == village.to_string()).unwrap();
    let dialable = (cases.len() - no_phone) as u64;
    assert_eq!(v["cases"], dialable);
    assert_eq!(v["no_phone"], no_phone);
    assert_eq!(v["complete"], 1);
    assert_eq!(v["unknown"], dialable - 1, "the closed no-answer case and those never called");
    assert_eq!(v["not_attempted"], dialable - 2);
    assert_eq!(v["unsatisfied"], 1);
    assert_eq!(v["problems"], 1, "problems raised from answers");
    assert_eq!(v["satisfaction_rate"], 0.0);
    assert!((v["response_rate"].as_f64().unwrap() - 1.0 / dialable as f64).abs() < 1e-9);
    let caller = &figures.body["callers"][0];
    assert_eq!((caller["calls"].as_u64(), caller["completed"].as_u64()), (Some(7), Some(1)));
    assert!(figures.body["definitions"].as_str().unwrap().contains("RR1"));
    let xlsx = app
        .client
        .get(format!("{}/api/v1/phone-checks/figures.xlsx?month=2026-11", app.address))
        .bearer_auth(&rro)
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = xlsx.bytes().await.unwrap();
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(wb.sheet_names(), ["分村统计", "拨打人员"]);
    let sheet = wb.worksheet_range("分村统计").unwrap();
    assert!(sheet.rows().any(|r| r[0] == "红光村" && r[3] == 1.0), "{:?}", sheet.rows().collect::<Vec<_>>());
}

#[tokio::test]
async fn questionnaires_are_checked_versioned_and_scoped() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    // The demo town ships a published questionnaire.
    let all = app.get("/api/v1/phone-checks/questionnaires", &rro).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    assert_eq!(all.body[0]["versions"][0]["status"], "published");
    assert!(all.body[0]["versions"][0]["questions"].as_array().unwrap().len() >= 10);

    let mut broken = questions();
    broken[1]["show_if"]["question"] = json!("overall");
    broken[3]["satisfied"] = json!(["9"]);
    broken[0]["raises"]["category"] = json!("weather");
    let res =
        app.post("/api/v1/phone-checks/questionnaires", &rro, json!({ "name": "坏问卷", "questions": broken })).await;
    res.assert_problem(422, "validation_failed");
    assert_eq!(res.body["errors"][0]["field"], "questions[0].raises.category", "{}", res.text);
    broken[0]["raises"]["category"] = json!("drinking_water");
    let res =
        app.post("/api/v1/phone-checks/questionnaires", &rro, json!({ "name": "坏问卷", "questions": broken })).await;
    let fields: Vec<&str> =
        res.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["questions[1].show_if.question", "questions[3].satisfied"], "{}", res.text);

    // A published version is never edited: a change starts version 2.
    let version = publish(&app, &rro).await;
    let list = app.get("/api/v1/phone-checks/questionnaires", &rro).await;
    let q = list.body.as_array().unwrap().iter().find(|q| q["versions"][0]["id"] == version.as_str()).unwrap();
    let qid = q["id"].as_str().unwrap();
    let mut changed = questions();
    changed[0]["text"] = json!("饮水有保障吗？");
    let saved = app
        .request(
            Method::PUT,
            &format!("/api/v1/phone-checks/questionnaires/{qid}/draft"),
            Some(&rro),
            Some(json!({ "questions": changed })),
            &[],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    let versions = saved.body["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["questions"][0]["text"], "您家饮水安全吗？", "version 1 unchanged");
    assert_eq!((versions[1]["version"].as_i64(), versions[1]["status"].as_str()), (Some(2), Some("draft")));
    // A draft cannot be used for a list.
    let village = app.village_id(&rro, "红光村").await;
    let caller_id = app.get("/api/v1/me", &app.login("demo-calltaker").await).await.body["id"].clone();
    let draft_list = app
        .post(
            "/api/v1/phone-checks/lists",
            &rro,
            json!({ "village_id": village, "month": "2026-11", "version_id": versions[1]["id"], "caller_ids": [caller_id] }),
        )
        .await;
    draft_list.assert_problem(422, "validation_failed");
    // Only the RRO writes questionnaires.
    let sec = app.login("demo-secretary-a").await;
    app.post("/api/v1/phone-checks/questionnaires", &sec, json!({ "name": "x", "questions": questions() }))
        .await
        .assert_problem(403, "not_permitted");
}

#[tokio::test]
async fn lists_and_cases_are_scoped_to_the_caller() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let version = publish(&app, &rro).await;
    let village = app.village_id(&rro, "红光村").await;
    let caller_id = app.get("/api/v1/me", &app.login("demo-calltaker").await).await.body["id"].clone();
    // A cadre of another village cannot be made a caller here.
    let cadre_b = app.get("/api/v1/me", &app.login("demo-cadre-b").await).await.body["id"].clone();
    let refused = app
        .post(
            "/api/v1/phone-checks/lists",
            &rro,
            json!({ "village_id": village, "month": "2026-11", "version_id": version, "caller_ids": [cadre_b] }),
        )
        .await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.body["errors"][0]["field"], "caller_ids[0]");
    let drawn = app
        .post(
            "/api/v1/phone-checks/lists",
            &rro,
            json!({ "village_id": village, "month": "2026-11", "version_id": version, "sample_rate": 0.5,
                    "caller_ids": [caller_id] }),
        )
        .await;
    assert_eq!(drawn.status, StatusCode::CREATED, "{}", drawn.text);
    let list_id = drawn.body["id"].as_str().unwrap();
    let case = drawn.body["cases"].as_array().unwrap().iter().find(|c| c["status"] == "open").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Village A's secretary sees the list; village B's cadre does not, nor its cases.
    let sec_a = app.login("demo-secretary-a").await;
    assert_eq!(app.get(&format!("/api/v1/phone-checks/lists/{list_id}"), &sec_a).await.status, StatusCode::OK);
    let sec_b = app.login("demo-cadre-b").await;
    app.get(&format!("/api/v1/phone-checks/lists/{list_id}"), &sec_b).await.assert_problem(404, "not_found");
    assert_eq!(app.get("/api/v1/phone-checks/lists", &sec_b).await.body["total"], 0);
    app.post(&format!("/api/v1/phone-checks/cases/{case}/hold"), &sec_b, json!({}))
        .await
        .assert_problem(404, "not_found");
    attempt(&app, &sec_b, &case, json!({ "client_id": Uuid::new_v4(), "outcome": "busy" }))
        .await
        .assert_problem(404, "not_found");
    // The call taker sees the list through its assignment.
    let taker = app.login("demo-calltaker").await;
    assert_eq!(app.get("/api/v1/phone-checks/lists", &taker).await.body["total"], 1);
    // Village A's secretary may see the case but it is not theirs to call.
    attempt(&app, &sec_a, &case, json!({ "client_id": Uuid::new_v4(), "outcome": "busy" }))
        .await
        .assert_problem(403, "not_assignee");
}
