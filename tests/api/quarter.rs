//! One quarter of the notice's work over HTTP on the demo town, and every figure of the office's
//! screens checked against the others and against the records made: the cadre's sheet against
//! `/coverage` and the visits, the village's sheet against `/coverage` and the ledger, the dashboard
//! against `/coverage` and the ledger.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, jpeg, position, spawn_app, visit_body};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn ids(v: &Value) -> BTreeSet<String> {
    v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_owned()).collect()
}

/// A counted visit by `token` to `household` at `when` (local time, +08:00), with a photo taken there.
async fn visit(app: &TestApp, token: &str, household: &Value, when: &str, seed: u8) -> String {
    let (lat, lng) = position(household);
    let photo = app.upload_photo(token, jpeg(seed), Some((lat, lng, "gcj02")), Some(when)).await;
    assert_eq!(photo.status, StatusCode::CREATED, "{}", photo.text);
    let v = app.post("/api/v1/visits", token, visit_body(household, &[photo.body["id"].as_str().unwrap()], when)).await;
    assert_eq!(v.status, StatusCode::CREATED, "{}", v.text);
    assert_eq!((v.body["counts"].as_bool(), &v.body["flags"]), (Some(true), &json!([])), "{}", v.text);
    v.body["id"].as_str().unwrap().to_owned()
}

fn sheet_of<'a>(sheets: &'a Value, key: &str, id: &str) -> &'a Value {
    sheets.as_array().unwrap().iter().find(|s| s[key] == id).unwrap_or_else(|| panic!("no sheet {id}: {sheets}"))
}

#[tokio::test]
async fn a_quarters_figures_agree_with_each_other_and_with_the_records() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let a = app.village_id(&rro, "红光村").await.to_string();
    let cadre_id = app.user_id("demo-cadre-a").await;

    // October: cadre A visits two of the households she answers for.
    app.clock.set(at("2026-10-14T10:00:00+08:00"));
    let cadre = app.login("demo-cadre-a").await;
    let cov = app.get("/api/v1/coverage?quarter=2026-Q4&include_unvisited=true", &cadre).await;
    assert_eq!(cov.status, StatusCode::OK, "{}", cov.text);
    let mine = app.get("/api/v1/households?per_page=200", &cadre).await;
    let households: Vec<Value> = mine.body["items"].as_array().unwrap().clone();
    let targets = cov.body["by_cadre"][0]["targets"].as_u64().unwrap();
    assert!(targets >= 3, "the demo cadre answers for a few households: {}", cov.text);
    let own: BTreeSet<String> = cov.body["unvisited"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["household_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(own.len() as u64, targets, "nothing visited yet in the quarter: {}", cov.text);
    let hs: Vec<&Value> = households.iter().filter(|h| own.contains(h["id"].as_str().unwrap())).take(3).collect();
    let oct = [
        visit(&app, &cadre, hs[0], "2026-10-14T09:00:00+08:00", 101).await,
        visit(&app, &cadre, hs[1], "2026-10-14T09:40:00+08:00", 102).await,
    ];

    // November: a third household, and a second visit to the first (coverage counts households once).
    app.clock.set(at("2026-11-18T15:00:00+08:00"));
    let cadre = app.login("demo-cadre-a").await;
    let (lat, lng) = position(hs[2]);
    let photo = app.upload_photo(&cadre, jpeg(103), Some((lat, lng, "gcj02")), Some("2026-11-18T14:00:00+08:00")).await;
    let mut body = visit_body(hs[2], &[photo.body["id"].as_str().unwrap()], "2026-11-18T14:00:00+08:00");
    body["problems"] = json!([{ "category": "housing", "description": "厨房墙体开裂", "fixed_on_spot": false }]);
    let with_problem = app.post("/api/v1/visits", &cadre, body).await;
    assert_eq!(with_problem.status, StatusCode::CREATED, "{}", with_problem.text);
    let nov = [
        with_problem.body["id"].as_str().unwrap().to_owned(),
        visit(&app, &cadre, hs[0], "2026-11-18T14:40:00+08:00", 104).await,
    ];
    let found = app.get(&format!("/api/v1/problems?visit_id={}", nov[0]), &cadre).await;
    let cracked = found.body["items"][0]["id"].as_str().unwrap().to_owned();

    // The RRO assigns it to the village as a small problem; the village claims it done; the RRO closes it.
    let rro = app.login("demo-rro").await;
    let assigned = app
        .post(
            &format!("/api/v1/problems/{cracked}/assign"),
            &rro,
            json!({ "class": "small", "units": [{ "kind": "village", "id": a }], "measure": "加固墙体" }),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.text);
    // A second problem, found by the Discipline Commission's supervision and assigned small: it
    // will be overdue in December.
    let discipline = app.login("demo-discipline").await;
    let late = app
        .post(
            "/api/v1/problems",
            &discipline,
            json!({ "client_id": Uuid::new_v4(), "source": "supervision", "village_id": a, "category": "archive",
                "description": "走访记录未归档" }),
        )
        .await;
    assert_eq!(late.status, StatusCode::CREATED, "{}", late.text);
    let late = late.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v1/problems/{late}/assign"),
            &rro,
            json!({ "class": "small", "units": [{ "kind": "village", "id": a }], "measure": "补齐归档" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let sec = app.login("demo-secretary-a").await;
    let proof = app.upload_photo(&sec, jpeg(105), None, None).await;
    let claimed = app
        .post(
            &format!("/api/v1/problems/{cracked}/complete"),
            &sec,
            json!({ "note": "已加固", "photo_ids": [proof.body["id"]] }),
        )
        .await;
    assert_eq!(claimed.body["status"], "completion_claimed", "{}", claimed.text);
    let closed = app
        .post(&format!("/api/v1/problems/{cracked}/verify"), &rro, json!({ "verdict": "accept", "note": "已核实" }))
        .await;
    assert_eq!(closed.body["status"], "closed", "{}", closed.text);

    // The village's November list, submitted on the 25th.
    app.clock.set(at("2026-11-25T17:00:00+08:00"));
    let officer = app.login("demo-officer-a").await;
    let submitted =
        app.post(&format!("/api/v1/villages/{a}/feedback-lists/routine/2026-11/submit"), &officer, json!({})).await;
    assert_eq!(
        (submitted.status, submitted.body["timeliness"].as_str()),
        (StatusCode::OK, Some("on_time")),
        "{}",
        submitted.text
    );

    // 2 December: the office reads its screens.
    app.clock.set(at("2026-12-02T09:00:00+08:00"));
    let rro = app.login("demo-rro").await;
    let coverage = app.get("/api/v1/coverage?quarter=2026-Q4", &rro).await;
    assert_eq!(coverage.status, StatusCode::OK, "{}", coverage.text);
    let by_cadre = sheet_of(&coverage.body["by_cadre"], "id", &cadre_id);
    let by_village = sheet_of(&coverage.body["by_village"], "id", &a);

    // The cadre's sheets: the month's visits are the visits made, coverage is /coverage's.
    let made: [(&str, BTreeSet<String>); 2] =
        [("2026-10", oct.iter().cloned().collect()), ("2026-11", nov.iter().cloned().collect())];
    for (month, visits) in &made {
        let sheets = app.get(&format!("/api/v1/assessments/cadres?month={month}"), &rro).await;
        assert_eq!(sheets.status, StatusCode::OK, "{}", sheets.text);
        let s = sheet_of(&sheets.body, "user_id", &cadre_id);
        assert_eq!(ids(&s["visit_ids"]), *visits, "{month}: {s}");
        assert_eq!(s["visits"].as_u64(), Some(visits.len() as u64), "{month}");
        assert_eq!(s["households_covered"], by_cadre["visited"], "{month}: {s}");
        assert_eq!(s["households_target"], by_cadre["targets"], "{month}: {s}");
        assert_eq!(s["good_allowed"], true, "{month}: a month with visits may be good: {s}");
    }
    let covered: BTreeSet<String> = hs.iter().map(|h| h["id"].as_str().unwrap().to_owned()).collect();
    let nov_sheet = app.get("/api/v1/assessments/cadres?month=2026-11", &rro).await;
    let s = sheet_of(&nov_sheet.body, "user_id", &cadre_id);
    assert_eq!(ids(&s["covered_household_ids"]), covered, "three households, the first visited twice: {s}");
    assert_eq!(by_cadre["visited"], 3);
    assert_eq!((s["problems_found"].as_u64(), s["problems_closed"].as_u64()), (Some(1), Some(1)), "{s}");
    assert_eq!(ids(&s["problem_ids"]), BTreeSet::from([cracked.clone()]));
    // The cadre reads the same sheet as the office.
    let own = app.get("/api/v1/assessments/cadres?month=2026-11", &app.login("demo-cadre-a").await).await;
    assert_eq!(&own.body[0], s);

    // The village's sheet for November: /coverage's village figures, the ledger's counts, the list.
    let villages = app.get("/api/v1/assessments/villages?month=2026-11", &rro).await;
    let v = sheet_of(&villages.body, "village_id", &a);
    assert_eq!(v["coverage_targets"], by_village["targets"], "{v}");
    assert_eq!(v["coverage_visited"], by_village["visited"], "{v}");
    assert_eq!(v["list_timeliness"], "on_time");
    let active = app.get(&format!("/api/v1/problems?village_id={a}&active=true"), &rro).await;
    assert_eq!(v["problems_active"], active.body["total"], "{v}");
    assert_eq!(active.body["items"][0]["village_name"], "红光村", "lists say where, not only ids");
    assert_eq!(v["problems_active"], 1, "the supervision's problem is still open, the cracked wall closed");
    assert_eq!(v["problems_overdue"], 0, "November's small problem was not overdue in November");

    // December's sheet: the supervision's small problem went overdue on 1 December.
    let dec = app.get("/api/v1/assessments/villages?month=2026-12", &rro).await;
    let v = sheet_of(&dec.body, "village_id", &a);
    let overdue = app.get(&format!("/api/v1/problems?village_id={a}&overdue=true"), &rro).await;
    assert_eq!(overdue.body["total"], 1, "{}", overdue.text);
    assert_eq!(ids(&v["overdue_problem_ids"]), BTreeSet::from([late.clone()]), "{v}");
    assert_eq!(v["problems_overdue"], 1);

    // The dashboard: /coverage's totals, the ledger's counts.
    let d = app.get("/api/v1/dashboard", &rro).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    assert_eq!(d.body["coverage_visited"], coverage.body["total"]["visited"]);
    assert_eq!(d.body["coverage_targets"], coverage.body["total"]["targets"]);
    assert_eq!(d.body["coverage_percent"], coverage.body["total"]["percent"]);
    let town_active = app.get("/api/v1/problems?active=true", &rro).await;
    let town_overdue = app.get("/api/v1/problems?overdue=true", &rro).await;
    assert_eq!(d.body["problems_open"], town_active.body["total"]);
    assert_eq!(d.body["problems_overdue"], town_overdue.body["total"]);
    assert_eq!((d.body["problems_open"].as_u64(), d.body["problems_overdue"].as_u64()), (Some(1), Some(1)));
    assert_eq!(d.body["problems_closed_this_month"], 0, "the wall was closed in November");
    assert_eq!(d.body["due_month"], "2026-11");
    assert_eq!(d.body["lists_late"], 4, "every village's November list but 红光村's is missing");

    // And the audit has the office's steps.
    let audit = app.get("/api/v1/audit?per_page=200", &app.login("demo-admin").await).await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.text);
    let actions: BTreeSet<&str> =
        audit.body["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    for step in ["visit.create", "problem.assign", "problem.claim_completion", "problem.verify", "list.submit"] {
        assert!(actions.contains(step), "{step} missing from the audit: {actions:?}");
    }
}

/// A town that started on the platform today owes nothing of the days before: no cadre barred, no
/// list, must-know update or archive late, no coverage scored, no meeting missed. Set by the town's
/// administrator, audited.
#[tokio::test]
async fn a_town_that_went_live_today_owes_nothing_of_the_days_before() {
    let app = spawn_app().await;
    app.clock.set(at("2026-12-05T10:00:00+08:00"));
    let admin = app.login("demo-admin").await;
    let rro = app.login("demo-rro").await;
    let town = app.get("/api/v1/towns", &rro).await.body[0].clone();
    assert_eq!(town["live_from"], "2026-10-01", "the demo's history starts with the quarter: {town}");
    let path = format!("/api/v1/towns/{}", town["id"].as_str().unwrap());

    // Before: November's lists are missing and the cadres barred for two months without visits.
    let lists = app.get("/api/v1/feedback-lists?kind=routine&period=2026-11", &rro).await;
    assert!(lists.body.as_array().unwrap().iter().all(|l| l["timeliness"] == "missing"), "{}", lists.text);
    let sheets = app.get("/api/v1/assessments/cadres?month=2026-12", &rro).await;
    assert!(sheets.body.as_array().unwrap().iter().all(|s| s["good_allowed"] == false), "{}", sheets.text);

    // Only the administrator sets the day, within the mechanism's years.
    let today = json!({ "live_from": "2026-12-05" });
    app.patch(&path, &rro, today.clone()).await.assert_problem(403, "not_permitted");
    app.patch(&format!("/api/v1/towns/{}", Uuid::new_v4()), &admin, today.clone())
        .await
        .assert_problem(404, "not_found");
    let early = app.patch(&path, &admin, json!({ "live_from": "2021-12-31" })).await;
    early.assert_problem(422, "validation_failed");
    assert_eq!(early.fields(), ["live_from"]);
    let set = app.patch(&path, &admin, today).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    assert_eq!(set.body["live_from"], "2026-12-05");

    // After: nothing before the day is owed.
    let lists = app.get("/api/v1/feedback-lists?kind=routine&period=2026-11", &rro).await;
    assert!(lists.body.as_array().unwrap().iter().all(|l| l["timeliness"] == "not_owed"), "{}", lists.text);
    let december = app.get("/api/v1/feedback-lists?kind=routine&period=2026-12", &rro).await;
    assert!(december.body.as_array().unwrap().iter().all(|l| l["timeliness"] == "pending"), "{}", december.text);
    for month in ["2026-11", "2026-12"] {
        let sheets = app.get(&format!("/api/v1/assessments/cadres?month={month}"), &rro).await;
        for s in sheets.body.as_array().unwrap() {
            assert_eq!((s["good_allowed"].as_bool(), &s["reason"]), (Some(true), &Value::Null), "{month}: {s}");
            let months: Vec<&Value> = s["quarter_months"].as_array().unwrap().iter().map(|m| &m["visited"]).collect();
            assert_eq!(months, [&Value::Null, &Value::Null, &Value::Null], "{s}");
        }
    }
    let villages = app.get("/api/v1/assessments/villages?month=2026-11", &rro).await;
    for v in villages.body.as_array().unwrap() {
        assert_eq!(v["list_timeliness"], "not_owed", "{v}");
        let coverage = v["parts"].as_array().unwrap().iter().find(|p| p["part"] == "coverage").unwrap();
        assert_eq!(coverage["value"], Value::Null, "Q4's window was over before go-live: {v}");
    }
    let must_know = app.get("/api/v1/must-know?month=2026-11", &rro).await;
    assert!(must_know.body.as_array().unwrap().iter().all(|m| m["timeliness"] == "not_owed"), "{}", must_know.text);
    let archives = app.get("/api/v1/archives/summary?month=2026-11", &rro).await;
    let departments = archives.body["departments"].as_array().unwrap();
    assert!(!departments.is_empty() && departments.iter().all(|d| d["timeliness"] == "not_owed"), "{}", archives.text);
    let dashboard = app.get("/api/v1/dashboard", &rro).await;
    assert_eq!((dashboard.body["lists_late"].as_u64(), dashboard.body["materials_late"].as_u64()), (Some(0), Some(0)));
    app.clock.set(at("2027-01-01T09:00:00+08:00"));
    let missed = app.get("/api/v1/meetings/missed", &app.login("demo-rro").await).await;
    let periods: BTreeSet<&str> =
        missed.body.as_array().unwrap().iter().map(|m| m["period"].as_str().unwrap()).collect();
    assert_eq!(periods, BTreeSet::from(["2026-12", "2026-Q4"]), "only what fell due after go-live: {}", missed.text);

    let audit = app.get("/api/v1/audit?action=org.live_from", &app.login("demo-admin").await).await;
    let entry = &audit.body["items"][0];
    assert_eq!(
        (&entry["detail"]["from"], &entry["detail"]["to"]),
        (&json!("2026-10-01"), &json!("2026-12-05")),
        "{}",
        audit.text
    );
}

/// The dashboard is of the households one reaches: an archive clerk, who reaches none, is told
/// what they may not see in words about the dashboard (not about households).
#[tokio::test]
async fn an_archive_clerk_is_refused_the_dashboard_in_its_own_words() {
    let app = spawn_app().await;
    let clerk = app.login("demo-clerk").await;
    for path in ["/api/v1/dashboard", "/api/v1/dashboard/mobile"] {
        let res = app.get(path, &clerk).await;
        res.assert_problem(403, "not_permitted");
        assert_eq!(res.body["message"], "您的角色不能查看工作概况统计", "{}", res.text);
    }
    let rro = app.get("/api/v1/dashboard", &app.login("demo-rro").await).await;
    assert_eq!(rro.status, StatusCode::OK, "{}", rro.text);
}

/// A past month's village sheet is what stood at its end: a problem being rectified on 30
/// November and closed in December still counts in November's sheet, by its id.
#[tokio::test]
async fn a_past_months_village_sheet_keeps_the_problems_that_stood_at_its_end() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let a = app.village_id(&rro, "红光村").await;
    let filed = app
        .post(
            "/api/v1/problems",
            &rro,
            json!({ "client_id": Uuid::new_v4(), "source": "meeting", "village_id": a, "category": "housing", "description": "危房改造未完成" }),
        )
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.text);
    let id = filed.body["id"].as_str().unwrap().to_owned();
    app.assign_small(&rro, &id, a).await;
    let november = |token: String| {
        let app = &app;
        async move {
            let sheets = app.get("/api/v1/assessments/villages?month=2026-11", &token).await;
            assert_eq!(sheets.status, StatusCode::OK, "{}", sheets.text);
            sheet_of(&sheets.body, "village_id", &a.to_string()).clone()
        }
    };
    let before = november(rro.clone()).await;
    assert!(ids(&before["active_problem_ids"]).contains(&id), "{before}");

    // Claimed and verified in December.
    app.clock.set(at("2026-12-02T09:00:00+08:00"));
    let sec = app.login("demo-secretary-a").await;
    let photo = app.upload_photo(&sec, jpeg(77), None, None).await;
    let claimed = app
        .post(
            &format!("/api/v1/problems/{id}/complete"),
            &sec,
            json!({ "note": "已完成改造", "photo_ids": [photo.body["id"]] }),
        )
        .await;
    assert_eq!(claimed.status, StatusCode::OK, "{}", claimed.text);
    let rro = app.login("demo-rro").await;
    let verified = app
        .post(&format!("/api/v1/problems/{id}/verify"), &rro, json!({ "verdict": "accept", "note": "现场核实" }))
        .await;
    assert_eq!(verified.body["status"], "closed", "{}", verified.text);

    let after = november(rro.clone()).await;
    for figure in ["problems_active", "active_problem_ids", "problems_overdue", "overdue_problem_ids", "score"] {
        assert_eq!(after[figure], before[figure], "{figure} of November changed after December's work: {after}");
    }
    let december = app.get("/api/v1/assessments/villages?month=2026-12", &rro).await;
    let now = sheet_of(&december.body, "village_id", &a.to_string());
    assert!(!ids(&now["active_problem_ids"]).contains(&id), "closed now: {now}");
}

/// A village's own people read their village's sheet (to act before the month is over), and only
/// theirs; a cadre reads their own cadre sheet, not the villages'.
#[tokio::test]
async fn a_village_reads_its_own_sheet_and_no_other() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let a = app.village_id(&rro, "红光村").await.to_string();
    let all = app.get("/api/v1/assessments/villages?month=2026-11", &rro).await;
    assert_eq!(all.body.as_array().unwrap().len(), 5, "{}", all.text);
    for who in ["demo-secretary-a", "demo-officer-a"] {
        let own = app.get("/api/v1/assessments/villages?month=2026-11", &app.login(who).await).await;
        assert_eq!(own.status, StatusCode::OK, "{who}: {}", own.text);
        let villages: Vec<&str> =
            own.body.as_array().unwrap().iter().map(|v| v["village_id"].as_str().unwrap()).collect();
        assert_eq!(villages, [a.as_str()], "{who}");
        assert_eq!(own.body[0], *sheet_of(&all.body, "village_id", &a), "{who}: the same sheet as the office's");
    }
    app.get("/api/v1/assessments/villages?month=2026-11", &app.login("demo-cadre-a").await)
        .await
        .assert_problem(403, "not_permitted");
}
