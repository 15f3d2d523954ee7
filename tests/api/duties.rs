//! The rows of the authority table that rest on a record: a visit's kind, its co-visitors, a
//! problem's source and date, a meeting's decisions and readers, the Party committee's 议定, one's own
//! account, the reveal limit, and figures of a village beyond reach.

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, id_number, spawn_app, spawn_with, visit_body};

async fn first_household(app: &TestApp, token: &str) -> Value {
    app.get("/api/v1/households", token).await.body["items"][0].clone()
}

/// A problem of village A, found on a cadre's visit now.
async fn problem_of_village_a(app: &TestApp) -> String {
    let cadre = app.login("demo-cadre-a").await;
    let h = first_household(app, &cadre).await;
    let mut body = visit_body(&h, &[], "2026-11-28T09:00:00+08:00");
    body["problems"] = json!([{ "category": "housing", "description": "厨房屋顶漏雨", "fixed_on_spot": false }]);
    let visit = app.post("/api/v1/visits", &cadre, body).await;
    assert_eq!(visit.status, StatusCode::CREATED, "{}", visit.text);
    let problems = app.get(&format!("/api/v1/problems?visit_id={}", visit.body["id"].as_str().unwrap()), &cadre).await;
    problems.body["items"][0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_visits_kind_needs_the_record_behind_it() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    let h = first_household(&app, &cadre).await;
    for (kind, code) in [
        ("joint_verification", "no_verification_task"),
        ("cross_check", "not_assigned_checker"),
        ("unannounced", "unannounced_not_here"),
    ] {
        let mut body = visit_body(&h, &[], "2026-11-28T09:00:00+08:00");
        body["kind"] = json!(kind);
        let res = app.post("/api/v1/visits", &cadre, body).await;
        res.assert_problem(422, "validation_failed");
        let e = res.body["errors"].as_array().unwrap().iter().find(|e| e["field"] == "kind").unwrap();
        assert_eq!(e["code"], code, "{kind}: {}", res.text);
    }
    let visits = app.get("/api/v1/visits", &cadre).await;
    assert_eq!(visits.body["total"], 0, "nothing was recorded");
}

#[tokio::test]
async fn a_co_visitor_is_someone_who_works_in_the_village() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    let h = first_household(&app, &cadre).await;
    let mut body = visit_body(&h, &[], "2026-11-28T09:00:00+08:00");
    body["visitor_ids"] = json!([app.user_id("demo-cadre-b").await]);
    let res = app.post("/api/v1/visits", &cadre, body.clone()).await;
    res.assert_problem(422, "validation_failed");
    assert_eq!(res.body["errors"][0]["field"], "visitor_ids[0]");
    assert_eq!(res.body["errors"][0]["code"], "not_of_village");
    body["visitor_ids"] = json!([app.user_id("demo-teamlead-a").await]);
    body["client_id"] = json!(Uuid::new_v4());
    let ok = app.post("/api/v1/visits", &cadre, body).await;
    assert_eq!(ok.status, StatusCode::CREATED, "the village's work team leader goes along: {}", ok.text);
}

#[tokio::test]
async fn a_problems_source_is_its_flows_and_a_closed_month_needs_a_reason() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    let h = first_household(&app, &cadre).await;
    for source in ["supervision", "unannounced"] {
        let res = app
            .post(
                "/api/v1/problems",
                &cadre,
                json!({ "client_id": Uuid::new_v4(), "source": source,
                "household_id": h["id"], "category": "housing", "description": "屋顶漏雨" }),
            )
            .await;
        res.assert_problem(422, "validation_failed");
        assert_eq!(res.body["errors"][0]["code"], "not_allowed", "{source}: {}", res.text);
    }
    // Phone checks and screenings file their problems from the call and the verification visit:
    // a cadre, who makes calls and visits, cannot file under them by hand — nor can the RRO.
    let rro = app.login("demo-rro").await;
    for (who, source) in [(&cadre, "phone_check"), (&cadre, "dept_screening"), (&rro, "phone_check"), (&cadre, "visit")]
    {
        let res = app
            .post(
                "/api/v1/problems",
                who,
                json!({ "client_id": Uuid::new_v4(), "source": source,
                "household_id": h["id"], "category": "housing", "description": "屋顶漏雨" }),
            )
            .await;
        res.assert_problem(422, "validation_failed");
        assert_eq!(res.body["errors"][0]["field"], "source", "{source}: {}", res.text);
        assert_eq!(res.body["errors"][0]["code"], "invalid", "{source}: {}", res.text);
    }
    let a = app.village_id(&rro, "红光村").await;
    let october = json!({ "client_id": Uuid::new_v4(), "source": "meeting", "village_id": a, "category": "other",
        "description": "十月的问题", "found_at": "2026-10-15T09:00:00+08:00" });
    let res = app.post("/api/v1/problems", &rro, october.clone()).await;
    res.assert_problem(422, "validation_failed");
    assert_eq!(res.body["errors"][0]["field"], "late_reason", "{}", res.text);
    let mut late = october;
    late["client_id"] = json!(Uuid::new_v4());
    late["late_reason"] = json!("联席会纪要整理后补录");
    let res = app.post("/api/v1/problems", &rro, late).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
}

#[tokio::test]
async fn a_village_meetings_decision_is_a_proposal_and_leaves_the_problem_as_it_was() {
    let app = spawn_app().await;
    let problem = problem_of_village_a(&app).await;
    let rro = app.login("demo-rro").await;
    let a = app.village_id(&rro, "红光村").await;
    let before = app.get(&format!("/api/v1/problems/{problem}"), &rro).await;
    let sec = app.login("demo-secretary-a").await;
    let meeting = app
        .post(
            "/api/v1/meetings",
            &sec,
            json!({ "kind": "village_quarterly", "village_id": a,
            "held_at": "2026-11-28T09:30:00+08:00", "attendees": ["村两委"], "minutes": "研究整改。",
            "decisions": [{ "problem_id": problem, "deadline": "2099-12-31", "note": "延期" }] }),
        )
        .await;
    assert_eq!(meeting.status, StatusCode::CREATED, "{}", meeting.text);
    let after = app.get(&format!("/api/v1/problems/{problem}"), &rro).await;
    assert_eq!(after.body["deadline"], before.body["deadline"], "{}", after.text);
    let events = app.get(&format!("/api/v1/problems/{problem}/events"), &rro).await;
    assert!(events.body.as_array().unwrap().iter().any(|e| e["action"] == "meeting_proposal"), "{}", events.text);
    // Another village's cadre does not read village A's meeting.
    let b = app.login("demo-cadre-b").await;
    app.get(&format!("/api/v1/meetings/{}", meeting.body["id"].as_str().unwrap()), &b)
        .await
        .assert_problem(404, "not_found");
    let listed = app.get("/api/v1/meetings", &b).await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(0), "{}", listed.text);
}

#[tokio::test]
async fn a_meeting_does_not_decide_on_a_problem_found_after_it_nor_fill_a_closed_month_quietly() {
    let app = spawn_app().await;
    let problem = problem_of_village_a(&app).await;
    let rro = app.login("demo-rro").await;
    let earlier = app
        .post(
            "/api/v1/meetings",
            &rro,
            json!({ "kind": "joint_monthly", "held_at": "2026-11-20T09:00:00+08:00",
            "attendees": ["乡村振兴办"], "minutes": "纪要。",
            "decisions": [{ "problem_id": problem, "deadline": "2026-12-20" }] }),
        )
        .await;
    earlier.assert_problem(422, "validation_failed");
    assert_eq!(earlier.body["errors"][0]["code"], "meeting_before_problem", "{}", earlier.text);
    let october = app
        .post(
            "/api/v1/meetings",
            &rro,
            json!({ "kind": "joint_monthly", "held_at": "2026-10-20T09:00:00+08:00",
            "attendees": ["乡村振兴办"], "minutes": "纪要。" }),
        )
        .await;
    october.assert_problem(422, "validation_failed");
    assert_eq!(october.body["errors"][0]["field"], "late_reason", "{}", october.text);
}

#[tokio::test]
async fn the_committees_decision_needs_its_meeting() {
    let app = spawn_app().await;
    let problem = problem_of_village_a(&app).await;
    let rro = app.login("demo-rro").await;
    let joint = app
        .post(
            "/api/v1/meetings",
            &rro,
            json!({ "kind": "joint_monthly", "held_at": "2026-11-28T09:30:00+08:00",
            "attendees": ["乡村振兴办"], "minutes": "纪要。" }),
        )
        .await;
    let res = app
        .post(
            &format!("/api/v1/problems/{problem}/decide"),
            &rro,
            json!({ "meeting_id": joint.body["id"], "decision": "不能整改，纳入计划" }),
        )
        .await;
    res.assert_problem(422, "validation_failed");
    assert_eq!(res.body["errors"][0]["code"], "not_party_committee", "{}", res.text);
    let res = app
        .post(&format!("/api/v1/problems/{problem}/decide"), &rro, json!({ "decision": "不能整改，纳入计划" }))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "a decision without its meeting: {}", res.text);
}

#[tokio::test]
async fn a_user_changes_their_own_password_with_the_old_one_and_every_session_ends() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    let wrong = app
        .post("/api/v1/me/password", &cadre, json!({ "old_password": "not-it", "new_password": "a-new-long-password" }))
        .await;
    wrong.assert_problem(422, "validation_failed");
    assert_eq!(wrong.body["errors"][0]["field"], "old_password");
    let ok = app
        .post(
            "/api/v1/me/password",
            &cadre,
            json!({ "old_password": crate::helpers::PASSWORD, "new_password": "a-new-long-password" }),
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.text);
    app.get("/api/v1/me", &cadre).await.assert_problem(401, "session_revoked");
    assert_eq!(app.login_res("demo-cadre-a", crate::helpers::PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    let again = app.login_res("demo-cadre-a", "a-new-long-password").await;
    assert_eq!(again.status, StatusCode::OK);
    let token = again.body["access_token"].as_str().unwrap();
    let bindings = app.get("/api/v1/me/wechat-bindings", token).await;
    assert_eq!(bindings.body, json!([]), "{}", bindings.text);
    let gone = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/me/wechat-bindings/{}", Uuid::new_v4()),
            Some(token),
            None,
            &[],
        )
        .await;
    gone.assert_problem(404, "not_found");
}

#[tokio::test]
async fn reveals_past_the_hourly_limit_are_refused_and_the_office_is_told() {
    let app = spawn_with(|s| s.reveals_per_user_per_hour = 2).await;
    let sec = app.login("demo-secretary-a").await;
    let hs = app.get("/api/v1/households", &sec).await.body["items"].as_array().unwrap().clone();
    for h in &hs[..2] {
        let r = app
            .post(
                &format!("/api/v1/households/{}/reveal", h["id"].as_str().unwrap()),
                &sec,
                json!({ "reason": "核对" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let third = app
        .post(
            &format!("/api/v1/households/{}/reveal", hs[2]["id"].as_str().unwrap()),
            &sec,
            json!({ "reason": "核对" }),
        )
        .await;
    third.assert_problem(429, "reveal_limit_reached");
    assert!(third.body.get("id_number").is_none(), "nothing revealed: {}", third.text);
    let rro = app.login("demo-rro").await;
    let inbox = app.get("/api/v1/notifications", &rro).await;
    let told = inbox.body["items"].as_array().unwrap().iter().filter(|n| n["kind"] == "reveal_limit").count();
    assert_eq!(told, 1, "{}", inbox.text);
    // An hour later the count starts again.
    app.clock.advance(chrono::Duration::minutes(61));
    let sec = app.login("demo-secretary-a").await;
    let r = app
        .post(
            &format!("/api/v1/households/{}/reveal", hs[2]["id"].as_str().unwrap()),
            &sec,
            json!({ "reason": "核对" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn coverage_of_a_village_beyond_reach_is_not_found() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let b = app.village_id(&rro, "双桥村").await;
    let cadre = app.login("demo-cadre-a").await;
    app.get(&format!("/api/v1/coverage?quarter=2026-Q4&village_id={b}"), &cadre).await.assert_problem(404, "not_found");
    let own = app
        .get(&format!("/api/v1/coverage?quarter=2026-Q4&village_id={}", app.village_id(&rro, "红光村").await), &cadre)
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    // A quarter not begun has no coverage to show (not a "0.0 %").
    let ahead = app.get("/api/v1/coverage?quarter=2027-Q1", &cadre).await;
    ahead.assert_problem(422, "validation_failed");
    assert_eq!(ahead.body["errors"][0]["code"], "not_started", "{}", ahead.text);
}

#[tokio::test]
async fn an_id_number_of_the_first_generation_or_born_tomorrow_is_refused_with_its_reason() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let a = app.village_id(&rro, "红光村").await;
    let create = |id: String| json!({ "village_id": a, "head_name": "测试户", "id_number": id, "member_count": 2, "tags": ["disabled"] });
    let old = app.post("/api/v1/households", &rro, create("500381700101007".into())).await;
    old.assert_problem(422, "validation_failed");
    assert!(old.text.contains("18位"), "{}", old.text);
    let tomorrow = app.post("/api/v1/households", &rro, create(id_number("50038120261129123"))).await;
    tomorrow.assert_problem(422, "validation_failed");
    assert!(tomorrow.text.contains("晚于今天"), "{}", tomorrow.text);
    let spaced = id_number("50038119700101007");
    let spaced = format!("{} {} {}", &spaced[..6], &spaced[6..14], &spaced[14..]);
    let ok = app.post("/api/v1/households", &rro, create(spaced)).await;
    assert_eq!(ok.status, StatusCode::CREATED, "blanks typed between groups are dropped: {}", ok.text);
}

#[tokio::test]
async fn the_office_accepts_or_declines_a_village_proposal_once_and_the_village_hears_why() {
    let app = spawn_app().await;
    let problem = problem_of_village_a(&app).await;
    let rro = app.login("demo-rro").await;
    let a = app.village_id(&rro, "红光村").await;
    let sec = app.login("demo-secretary-a").await;
    let mut proposals = vec![];
    for (deadline, measure) in [("2026-12-20", "先修屋顶"), ("2099-12-31", "延期到以后")] {
        let meeting = app
            .post(
                "/api/v1/meetings",
                &sec,
                json!({ "kind": "village_quarterly", "village_id": a,
                "held_at": "2026-11-28T09:30:00+08:00", "attendees": ["村两委"], "minutes": "研究整改。",
                "decisions": [{ "problem_id": problem, "deadline": deadline, "measure": measure }] }),
            )
            .await;
        assert_eq!(meeting.status, StatusCode::CREATED, "{}", meeting.text);
    }
    let events = app.get(&format!("/api/v1/problems/{problem}/events"), &rro).await;
    for e in events.body.as_array().unwrap().iter().filter(|e| e["action"] == "meeting_proposal") {
        proposals.push(e["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(proposals.len(), 2, "{}", events.text);
    let inbox = app.get("/api/v1/notifications", &rro).await;
    let told = inbox.body["items"].as_array().unwrap().iter().filter(|n| n["kind"] == "meeting_proposal").count();
    assert_eq!(told, 2, "the office hears of each proposal: {}", inbox.text);

    let path = |i: usize| format!("/api/v1/problems/{problem}/proposals/{}", proposals[i]);
    // The village does not answer its own proposal.
    app.post(&path(0), &sec, json!({ "answer": "accept" })).await.assert_problem(403, "not_permitted");
    let before = app.get(&format!("/api/v1/problems/{problem}"), &rro).await;
    // Declining says why; the problem stays as it was.
    let bare = app.post(&path(1), &rro, json!({ "answer": "decline" })).await;
    bare.assert_problem(422, "validation_failed");
    assert_eq!(bare.body["errors"][0]["field"], "reason");
    let declined = app.post(&path(1), &rro, json!({ "answer": "decline", "reason": "期限过长，须本年内完成" })).await;
    assert_eq!(declined.status, StatusCode::OK, "{}", declined.text);
    assert_eq!(declined.body["deadline"], before.body["deadline"]);
    app.post(&path(1), &rro, json!({ "answer": "accept" })).await.assert_problem(409, "proposal_answered");
    // A problem no unit answers for yet is assigned first: accepting would leave it half-assigned.
    app.post(&path(0), &rro, json!({ "answer": "accept" })).await.assert_problem(409, "not_assigned");
    app.assign_small(&rro, &problem, a).await;
    // Accepting applies what was proposed, once.
    let accepted = app.post(&path(0), &rro, json!({ "answer": "accept" })).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
    assert_eq!(accepted.body["deadline"], "2026-12-20");
    assert_eq!(accepted.body["measure"], "先修屋顶");
    app.post(&path(0), &rro, json!({ "answer": "decline", "reason": "改主意" }))
        .await
        .assert_problem(409, "proposal_answered");
    // Not a proposal of this problem: 404.
    app.post(&format!("/api/v1/problems/{problem}/proposals/{}", Uuid::new_v4()), &rro, json!({ "answer": "accept" }))
        .await
        .assert_problem(404, "not_found");
    let inbox = app.get("/api/v1/notifications", &sec).await;
    let answers: Vec<&str> = inbox.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "meeting_proposal")
        .map(|n| n["body"].as_str().unwrap())
        .collect();
    assert_eq!(answers.len(), 2, "{}", inbox.text);
    assert!(answers.iter().any(|b| b.contains("期限过长")), "{answers:?}");
}

#[tokio::test]
async fn a_problem_says_which_steps_its_reader_may_take_now() {
    let app = spawn_app().await;
    let problem = problem_of_village_a(&app).await;
    let path = format!("/api/v1/problems/{problem}");
    let allowed = |res: &crate::helpers::Res| -> Vec<String> {
        res.body["allowed_actions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_owned()).collect()
    };
    let rro = app.login("demo-rro").await;
    assert_eq!(
        allowed(&app.get(&path, &rro).await),
        ["assign", "hand_to_discipline"],
        "an open problem waits for the office; found this quarter, it is no leftover to decide"
    );
    let cadre = app.login("demo-cadre-a").await;
    assert!(allowed(&app.get(&path, &cadre).await).is_empty(), "its finder may not assign it");
    let a = app.village_id(&rro, "红光村").await;
    let r = app
        .post(
            &format!("{path}/assign"),
            &rro,
            json!({ "class": "small", "units": [{ "kind": "village", "id": a }], "measure": "修补屋顶" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let sec = app.login("demo-secretary-a").await;
    let mine = allowed(&app.get(&path, &sec).await);
    assert!(mine.contains(&"claim_completion".to_owned()) && !mine.contains(&"verify".to_owned()), "{mine:?}");
    let office = allowed(&app.get(&path, &rro).await);
    assert!(office.contains(&"hand_to_discipline".to_owned()) && !office.contains(&"verify".to_owned()), "{office:?}");
    let discipline = allowed(&app.get(&path, &app.login("demo-discipline").await).await);
    assert_eq!(discipline, ["hand_to_discipline"], "the Commission takes a case, and does nothing else to it");
    // Lists do not carry it: it is worked out for one record.
    let list = app.get("/api/v1/problems", &rro).await;
    assert!(list.body["items"][0].get("allowed_actions").is_none(), "{}", list.text);
}

/// "Assigned to me": the problems the caller answers for — named as responsible, or of a unit they
/// belong to — and not the others of their village.
#[tokio::test]
async fn a_unit_member_lists_the_problems_assigned_to_them() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let a = app.village_id(&rro, "红光村").await;
    let assigned = problem_of_village_a(&app).await;
    app.assign_small(&rro, &assigned, a).await;
    let unassigned = problem_of_village_a(&app).await;
    let sec = app.login("demo-secretary-a").await;
    let all = app.get("/api/v1/problems", &sec).await;
    assert_eq!(all.body["total"], 2, "{}", all.text);
    let mine = app.get("/api/v1/problems?mine=true", &sec).await;
    let ids: Vec<&str> = mine.body["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [assigned.as_str()], "not {unassigned}: {}", mine.text);
    // A cadre answers for visits, not for the village's problems as a unit.
    assert_eq!(app.get("/api/v1/problems?mine=true", &app.login("demo-cadre-a").await).await.body["total"], 0);
}
