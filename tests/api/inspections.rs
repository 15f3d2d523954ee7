//! Leaders' unannounced visits, admonishment proposals and talks, must-know updates, interviews
//! and circulars, end to end.

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, spawn_app};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn department_id(app: &TestApp, token: &str, name: &str) -> String {
    let res = app.get("/api/v1/departments", token).await;
    res.body.as_array().unwrap().iter().find(|d| d["name"] == name).unwrap()["id"].as_str().unwrap().to_owned()
}

fn kinds(inbox: &Value) -> Vec<String> {
    inbox["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn an_unannounced_visit_assigns_each_problem_to_three_units_and_the_village_learns_only_then() {
    let app = spawn_app().await;
    let leader = app.login("demo-leader").await;
    let village = app.village_id(&leader, "红光村").await;
    let sec = app.login("demo-secretary-a").await;
    // Nothing of it is visible to the village beforehand.
    app.get("/api/v1/unannounced-visits/suggestions", &sec).await.assert_problem(403, "not_permitted");
    app.get("/api/v1/unannounced-visits", &sec).await.assert_problem(403, "not_permitted");
    let suggestions = app.get(&format!("/api/v1/unannounced-visits/suggestions?village_id={village}"), &leader).await;
    assert_eq!(suggestions.status, StatusCode::OK, "{}", suggestions.text);
    let suggested = suggestions.body.as_array().unwrap();
    assert!(!suggested.is_empty());
    assert!(suggested.iter().all(|s| s["village_id"] == village.to_string()));
    assert!(suggested[0]["leads"].as_array().unwrap().contains(&json!("not_visited")), "nobody was visited yet");
    let before = app.get("/api/v1/notifications", &sec).await;
    assert!(!kinds(&before.body).contains(&"problem_assigned".to_owned()));

    let h1 = suggested[0]["household_id"].as_str().unwrap();
    let h2 = suggested[1]["household_id"].as_str().unwrap();
    let health = department_id(&app, &leader, "卫健办").await;
    let client_id = Uuid::new_v4();
    let body = json!({
        "client_id": client_id, "village_id": village, "household_ids": [h1, h2],
        "latitude": 29.3712, "longitude": 106.3021,
        "policies": "医疗救助政策知晓", "rectification": "上月问题已整改", "satisfaction": 3,
        "problems": [
            { "household_id": h1, "category": "medical", "description": "慢病卡未办理", "class": "small",
              "department_ids": [health] },
            { "household_id": h2, "category": "housing", "description": "厨房屋顶漏雨", "class": "large",
              "deadline": "2026-12-20", "department_ids": [health], "measure": "12月20日前维修" }
        ]
    });
    let saved = app.post("/api/v1/unannounced-visits", &leader, body.clone()).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.text);
    let problem_ids = saved.body["problem_ids"].as_array().unwrap().clone();
    assert_eq!(problem_ids.len(), 2);
    let sec_id = app.get("/api/v1/me", &sec).await.body["id"].clone();
    for id in &problem_ids {
        let p = app.get(&format!("/api/v1/problems/{}", id.as_str().unwrap()), &leader).await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.text);
        assert_eq!(p.body["source"], "unannounced");
        assert_eq!(p.body["status"], "assigned");
        assert_eq!(p.body["responsible_user_id"], sec_id);
        assert_eq!(p.body["unannounced_visit_id"], saved.body["id"]);
        let mut unit_kinds: Vec<&str> =
            p.body["units"].as_array().unwrap().iter().map(|u| u["kind"].as_str().unwrap()).collect();
        unit_kinds.sort_unstable();
        assert_eq!(unit_kinds, ["department", "village", "work_team"], "{}", p.text);
    }
    // Now the village, the work team and the department are told.
    let after = app.get("/api/v1/notifications", &sec).await;
    assert_eq!(kinds(&after.body).iter().filter(|k| *k == "problem_assigned").count(), 2, "{}", after.text);
    let team = app.login("demo-teamlead-a").await;
    assert!(kinds(&app.get("/api/v1/notifications", &team).await.body).contains(&"problem_assigned".to_owned()));
    let dept = app.login("demo-dept").await;
    assert!(kinds(&app.get("/api/v1/notifications", &dept).await.body).contains(&"problem_assigned".to_owned()));
    // The village sees its problems in the ledger, but never the visit record.
    let vid = saved.body["id"].as_str().unwrap();
    app.get(&format!("/api/v1/unannounced-visits/{vid}"), &sec).await.assert_problem(403, "not_permitted");
    assert_eq!(
        app.get(&format!("/api/v1/problems/{}", problem_ids[0].as_str().unwrap()), &sec).await.status,
        StatusCode::OK
    );
    // The phone repeats the request: the same visit, no new problems.
    let again = app.post("/api/v1/unannounced-visits", &leader, body).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body["id"], saved.body["id"]);
    assert_eq!(again.body["problem_ids"].as_array().unwrap().len(), 2);
    // Bad input is refused per field, and nothing is saved.
    let bad = app
        .post(
            "/api/v1/unannounced-visits",
            &leader,
            json!({ "client_id": Uuid::new_v4(), "village_id": village, "household_ids": [h1],
                    "problems": [{ "household_id": h2, "category": "weather", "description": "x", "class": "special",
                                   "department_ids": [Uuid::new_v4()] }] }),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    let fields: Vec<&str> =
        bad.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"problems[0].category") && fields.contains(&"problems[0].household_id"), "{fields:?}");
    assert!(fields.contains(&"problems[0].class") && fields.contains(&"problems[0].department_ids[0]"));
    let list = app.get("/api/v1/unannounced-visits?month=2026-11", &leader).await;
    assert_eq!(list.body["total"], 1);
}

#[tokio::test]
async fn the_proposal_rule_picks_the_village_with_many_slow_problems_and_the_talk_is_recorded() {
    let app = spawn_app().await;
    app.clock.set(at("2026-11-02T10:00:00+08:00"));
    let rro = app.login("demo-rro").await;
    let a = app.village_id(&rro, "红光村").await;
    let b = app.village_id(&rro, "双桥村").await;
    let seed = |village: Uuid, n: usize| {
        let app = &app;
        let rro = rro.clone();
        async move {
            for i in 0..n {
                let p = app
                    .post(
                        "/api/v1/problems",
                        &rro,
                        json!({ "client_id": Uuid::new_v4(), "source": "meeting", "village_id": village,
                                "category": "housing", "description": format!("危房改造进度慢{i}") }),
                    )
                    .await;
                assert_eq!(p.status, StatusCode::CREATED, "{}", p.text);
                let id = p.body["id"].as_str().unwrap();
                let assigned = app
                    .post(
                        &format!("/api/v1/problems/{id}/assign"),
                        &rro,
                        json!({ "class": "large", "deadline": "2026-11-10", "units": [{ "kind": "village", "id": village }],
                                "measure": "限期整改" }),
                    )
                    .await;
                assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.text);
            }
        }
    };
    seed(b, 4).await;
    seed(a, 1).await;
    app.clock.set(at("2026-11-28T10:00:00+08:00"));
    let leader = app.login("demo-leader").await;
    let res = app.get("/api/v1/admonishments/proposals?month=2026-11", &leader).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let proposals = res.body["proposals"].as_array().unwrap();
    assert_eq!(proposals.len(), 1, "{}", res.text);
    assert_eq!(proposals[0]["village_id"], b.to_string());
    assert_eq!(proposals[0]["problems"], 4);
    assert_eq!(proposals[0]["overdue_share"], 1.0);
    assert_eq!(proposals[0]["acted_on"], false);
    assert!(res.body["rule"].as_str().unwrap().contains("每百户"));
    // Every village's figures, so a village coming close shows before it is proposed.
    let villages = res.body["villages"].as_array().unwrap();
    assert_eq!(villages.len(), 5, "{}", res.text);
    let of = |id: Uuid| villages.iter().find(|v| v["village_id"] == id.to_string()).unwrap().clone();
    assert_eq!((of(b)["proposed"].as_bool(), of(b)["problems"].as_u64()), (Some(true), Some(4)));
    assert_eq!((of(a)["proposed"].as_bool(), of(a)["problems"].as_u64()), (Some(false), Some(1)));
    // The rate is per hundred target households, the households coverage counts (not general ones).
    let rro = app.login("demo-rro").await;
    let coverage = app.get("/api/v1/coverage?quarter=2026-Q4", &rro).await;
    let targets =
        coverage.body["by_village"].as_array().unwrap().iter().find(|v| v["id"] == b.to_string()).unwrap()["targets"]
            .as_f64()
            .unwrap();
    assert!((of(b)["problems_per_100"].as_f64().unwrap() - 400.0 / targets).abs() < 0.01, "{}", res.text);
    // Village roles do not see proposals.
    let sec = app.login("demo-secretary-a").await;
    app.get("/api/v1/admonishments/proposals?month=2026-11", &sec).await.assert_problem(403, "not_permitted");

    // The main leader holds the talk; the proposal shows it was acted on.
    let talk = app
        .post(
            "/api/v1/admonishments",
            &leader,
            json!({ "village_id": b, "month": "2026-11", "held_at": "2026-11-28T09:00:00+08:00",
                    "attendees": ["双桥村书记", "驻村工作队队长"], "points": "整改迟缓，限月底前全部销号",
                    "follow_up": "12月5日前报整改情况" }),
        )
        .await;
    assert_eq!(talk.status, StatusCode::CREATED, "{}", talk.text);
    let again = app.get("/api/v1/admonishments/proposals?month=2026-11", &leader).await;
    assert_eq!(again.body["proposals"][0]["acted_on"], true);
    assert_eq!(again.body["proposals"][0]["admonishment_id"], talk.body["id"]);
    // Only the main leader records talks.
    let deputy = app.login("demo-deputy").await;
    app.post(
        "/api/v1/admonishments",
        &deputy,
        json!({ "village_id": b, "month": "2026-11", "held_at": "2026-11-28T09:00:00+08:00", "attendees": ["x"], "points": "y" }),
    )
    .await
    .assert_problem(403, "not_permitted");
}

#[tokio::test]
async fn a_wrong_answer_in_an_interview_names_the_person_in_the_draft_circular_and_late_updates_show() {
    let app = spawn_app().await;
    app.clock.set(at("2026-11-26T09:00:00+08:00"));
    let rro = app.login("demo-rro").await;
    let village = app.village_id(&rro, "红光村").await;
    let deputy = app.login("demo-deputy").await;
    // Nothing published yet: no question to draw. The town's state, not the request (409).
    app.post("/api/v1/interviews", &deputy, json!({ "village_id": village, "month": "2026-11" }))
        .await
        .assert_problem(409, "no_must_know");
    // The department updates its must-know on the 26th: late.
    let dept_officer = app.login("demo-dept").await;
    let health = department_id(&app, &dept_officer, "卫健办").await;
    let update = app
        .request(
            Method::PUT,
            &format!("/api/v1/must-know/department/{health}"),
            Some(&dept_officer),
            Some(json!({ "items": [
                { "question": "脱贫人口住院报销比例是多少？", "answer": "政策范围内报销比例不低于80%" },
                { "question": "家庭医生签约服务对象有哪些？", "answer": "脱贫人口和监测对象应签尽签" } ] })),
            &[],
        )
        .await;
    assert_eq!(update.status, StatusCode::CREATED, "{}", update.text);
    assert_eq!(update.body["late"], true);
    assert_eq!(update.body["version"], 1);
    let status = app.get("/api/v1/must-know?month=2026-11", &rro).await;
    let row = status.body.as_array().unwrap().iter().find(|s| s["owner_id"] == health.as_str()).unwrap().clone();
    assert_eq!(row["timeliness"], "late");
    assert!(status.body.as_array().unwrap().iter().any(|s| s["timeliness"] == "missing"));
    // Another department's officer cannot write it.
    let officer_a = app.login("demo-officer-a").await;
    app.request(
        Method::PUT,
        &format!("/api/v1/must-know/department/{health}"),
        Some(&officer_a),
        Some(json!({ "items": [{ "question": "q", "answer": "a" }] })),
        &[],
    )
    .await
    .assert_problem(404, "not_found");
    // Policies alone cannot test whether people know their village: refused until it publishes.
    app.post("/api/v1/interviews", &deputy, json!({ "village_id": village, "month": "2026-11" }))
        .await
        .assert_problem(409, "no_village_must_know");
    // The village's officer keeps the village's situation.
    let v = app
        .request(
            Method::PUT,
            &format!("/api/v1/must-know/village/{village}"),
            Some(&officer_a),
            Some(json!({ "items": [{ "question": "本村有多少脱贫户？", "answer": "以系统台账为准" }] })),
            &[],
        )
        .await;
    assert_eq!(v.status, StatusCode::CREATED, "{}", v.text);
    let history = app.get(&format!("/api/v1/must-know/department/{health}"), &rro).await;
    assert_eq!(history.body["versions"].as_array().unwrap().len(), 1);

    // The deputy mayor interviews the village: the secretary misses the village question.
    let interview = app.post("/api/v1/interviews", &deputy, json!({ "village_id": village, "month": "2026-11" })).await;
    assert_eq!(interview.status, StatusCode::CREATED, "{}", interview.text);
    let questions = interview.body["questions"].as_array().unwrap().clone();
    assert_eq!(questions.len(), 3, "the whole pool of 3");
    let verdicts = |miss_village: bool| -> Vec<&str> {
        questions.iter().map(|q| if miss_village && q["topic"] == "village" { "wrong" } else { "correct" }).collect()
    };
    let iid = interview.body["id"].as_str().unwrap();
    let bad_length = app
        .request(
            Method::PUT,
            &format!("/api/v1/interviews/{iid}/results"),
            Some(&deputy),
            Some(json!({ "people": [{ "name": "彭波", "role": "secretary", "verdicts": ["correct"] }] })),
            &[],
        )
        .await;
    bad_length.assert_problem(422, "validation_failed");
    let results = app
        .request(
            Method::PUT,
            &format!("/api/v1/interviews/{iid}/results"),
            Some(&deputy),
            Some(json!({ "people": [
                { "name": "彭波", "role": "secretary", "verdicts": verdicts(true) },
                { "name": "赵彦龙", "role": "work_team", "verdicts": verdicts(false) } ] })),
            &[],
        )
        .await;
    assert_eq!(results.status, StatusCode::OK, "{}", results.text);
    let people = results.body["results"].as_array().unwrap();
    let peng = people.iter().find(|p| p["name"] == "彭波").unwrap();
    assert_eq!((peng["named"].as_bool(), peng["knows_village"].as_bool()), (Some(true), Some(false)));
    let zhao = people.iter().find(|p| p["name"] == "赵彦龙").unwrap();
    assert_eq!((zhao["named"].as_bool(), zhao["score"].as_f64()), (Some(false), Some(100.0)));
    let missing = app.get("/api/v1/interviews/missing?month=2026-11", &deputy).await;
    assert_eq!(missing.body.as_array().unwrap().len(), 4, "{}", missing.text);

    // The draft circular names the secretary, not the work team leader.
    let rro = app.login("demo-rro").await;
    let draft = app.post("/api/v1/circulars", &rro, json!({ "month": "2026-11" })).await;
    assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.text);
    let entries = draft.body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{}", draft.text);
    assert_eq!(entries[0]["name"], "彭波");
    assert!(entries[0]["reason"].as_str().unwrap().contains("不熟悉本村基本情况"));
    assert_eq!(draft.body["status"], "draft");
    let cid = draft.body["id"].as_str().unwrap();
    // Not yet issued: the village does not see it.
    let sec = app.login("demo-secretary-a").await;
    assert!(app.get("/api/v1/circulars?month=2026-11", &sec).await.body.as_array().unwrap().is_empty());
    // Reviewed by someone else, issued by the main leader.
    app.post(&format!("/api/v1/circulars/{cid}/review"), &rro, json!({}))
        .await
        .assert_problem(403, "separation_of_duties");
    app.post(&format!("/api/v1/circulars/{cid}/issue"), &app.login("demo-leader").await, json!({}))
        .await
        .assert_problem(409, "circular_state");
    // Whoever edits the draft is one of its authors: the deputy who reworded it does not review it.
    let edit =
        json!({ "title": draft.body["title"], "body": "经访谈组核实，通报如下。", "entries": draft.body["entries"] });
    let edited = app.request(Method::PUT, &format!("/api/v1/circulars/{cid}"), Some(&deputy), Some(edit), &[]).await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    app.post(&format!("/api/v1/circulars/{cid}/review"), &deputy, json!({}))
        .await
        .assert_problem(403, "separation_of_duties");
    let reviewer = app.login("demo-leader").await;
    let reviewed = app.post(&format!("/api/v1/circulars/{cid}/review"), &reviewer, json!({})).await;
    assert_eq!(reviewed.body["status"], "reviewed", "{}", reviewed.text);
    let issued = app.post(&format!("/api/v1/circulars/{cid}/issue"), &app.login("demo-leader").await, json!({})).await;
    assert_eq!(issued.body["status"], "issued", "{}", issued.text);
    let seen = app.get("/api/v1/circulars?month=2026-11", &sec).await;
    assert_eq!(seen.body.as_array().unwrap().len(), 1);
    let xlsx = app
        .client
        .get(format!("{}/api/v1/circulars/{cid}/export", app.address))
        .bearer_auth(&sec)
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx.bytes().await.unwrap().to_vec())).unwrap();
    let sheet = wb.worksheet_range("通报").unwrap();
    assert!(sheet.rows().any(|r| r.get(1).is_some_and(|c| c == "彭波")));
    // Every step of the circular and its export is in the audit.
    let rro = app.login("demo-rro").await;
    for action in ["circular.review", "circular.issue", "circular.export", "interview.results"] {
        let audit = app.get(&format!("/api/v1/audit?action={action}"), &rro).await;
        assert!(audit.body["total"].as_u64().is_some_and(|n| n >= 1), "{action}: {}", audit.text);
    }
}
