//! Meetings, archive materials, assessment sheets and the dashboard, end to end.

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, jpeg, spawn_app};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn problem(app: &TestApp, token: &str, village: Uuid, text: &str) -> String {
    let p = app
        .post(
            "/api/v1/problems",
            token,
            json!({ "client_id": Uuid::new_v4(), "source": "meeting", "village_id": village, "category": "housing", "description": text }),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text);
    p.body["id"].as_str().unwrap().to_owned()
}

fn ids(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_owned()).collect();
    out.sort();
    out
}

#[tokio::test]
async fn the_joint_meetings_pack_lists_the_seeded_problems_and_a_decision_moves_a_deadline() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let a = app.village_id(&rro, "红光村").await;
    let b = app.village_id(&rro, "双桥村").await;
    let mut in_a = vec![problem(&app, &rro, a, "厕所改造未完成").await, problem(&app, &rro, a, "饮水管道破损").await];
    in_a.sort();
    let in_b = problem(&app, &rro, b, "公示栏未更新").await;
    let assigned = app
        .post(
            &format!("/api/v1/problems/{}/assign", in_a[0]),
            &rro,
            json!({ "class": "large", "deadline": "2026-12-10", "units": [{ "kind": "village", "id": a }], "measure": "年底前完成" }),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.text);

    let pack = app.get("/api/v1/meetings/agenda?kind=joint_monthly&month=2026-11", &rro).await;
    assert_eq!(pack.status, StatusCode::OK, "{}", pack.text);
    let villages = pack.body["problems_by_village"].as_array().unwrap();
    let of = |id: Uuid| villages.iter().find(|v| v["village_id"] == id.to_string()).unwrap().clone();
    assert_eq!(ids(&of(a)["problem_ids"]), in_a);
    assert_eq!(ids(&of(b)["problem_ids"]), vec![in_b]);
    assert_eq!(of(a)["by_status"], json!({ "assigned": 1, "open": 1 }));
    let total: usize = villages.iter().map(|v| v["problem_ids"].as_array().unwrap().len()).sum();
    assert_eq!(total, 3, "exactly the seeded problems");
    // The Party committee pack has the quarter's report.
    let party = app.get("/api/v1/meetings/agenda?kind=party_quarterly&quarter=2026-Q4", &rro).await;
    assert_eq!(party.status, StatusCode::OK, "{}", party.text);
    assert_eq!(party.body["report"]["problems_by_status"]["open"], 2);
    // Village roles do not prepare meetings.
    let sec = app.login("demo-secretary-a").await;
    app.get("/api/v1/meetings/agenda?kind=joint_monthly&month=2026-11", &sec)
        .await
        .assert_problem(403, "not_permitted");

    // The meeting decides a later deadline for one problem.
    let meeting = app
        .post(
            "/api/v1/meetings",
            &rro,
            json!({ "kind": "joint_monthly", "held_at": "2026-11-28T09:00:00+08:00",
                    "attendees": ["乡村振兴办", "卫健办", "民政办"], "minutes": "通报11月问题，研究整改措施。",
                    "decisions": [{ "problem_id": in_a[0], "deadline": "2026-12-20", "note": "材料到货推迟" }] }),
        )
        .await;
    assert_eq!(meeting.status, StatusCode::CREATED, "{}", meeting.text);
    assert_eq!(meeting.body["period"], "2026-11");
    let p = app.get(&format!("/api/v1/problems/{}", in_a[0]), &rro).await;
    assert_eq!(p.body["deadline"], "2026-12-20", "{}", p.text);
    let events = app.get(&format!("/api/v1/problems/{}/events", in_a[0]), &rro).await;
    assert!(
        events.text.contains("meeting_decision") && events.text.contains(meeting.body["id"].as_str().unwrap()),
        "{}",
        events.text
    );
    // A decision on a problem of another town, or a past deadline, is refused and nothing changes.
    let bad = app
        .post(
            "/api/v1/meetings",
            &rro,
            json!({ "kind": "joint_monthly", "held_at": "2026-11-28T09:00:00+08:00", "attendees": ["x"], "minutes": "y",
                    "decisions": [{ "problem_id": Uuid::new_v4() }, { "problem_id": in_a[0], "deadline": "2026-11-01" }] }),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(app.get(&format!("/api/v1/problems/{}", in_a[0]), &rro).await.body["deadline"], "2026-12-20");

    // On New Year's Day: December's joint meeting and the fourth quarter's meetings were not held.
    app.clock.set(at("2027-01-01T09:00:00+08:00"));
    let rro = app.login("demo-rro").await;
    let missed = app.get("/api/v1/meetings/missed", &rro).await;
    assert_eq!(missed.status, StatusCode::OK, "{}", missed.text);
    let rows = missed.body.as_array().unwrap();
    let joint: Vec<&str> =
        rows.iter().filter(|m| m["kind"] == "joint_monthly").map(|m| m["period"].as_str().unwrap()).collect();
    assert_eq!(joint, ["2026-10", "2026-12"], "November's was held; the demo town is live from October");
    assert!(rows.iter().any(|m| m["kind"] == "party_quarterly" && m["period"] == "2026-Q4"));
    assert_eq!(rows.iter().filter(|m| m["kind"] == "village_quarterly").count(), 5);
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

async fn upload(
    app: &TestApp,
    token: &str,
    department: &str,
    month: &str,
    files: Vec<(&str, Vec<u8>)>,
) -> crate::helpers::Res {
    let mut form = reqwest::multipart::Form::new().text("note", "11月资料");
    for (name, bytes) in files {
        form = form.part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
    }
    let res = app
        .client
        .post(format!("{}/api/v1/archives/{department}/{month}", app.address))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    crate::helpers::into_res(res).await
}

#[tokio::test]
async fn archive_materials_on_the_26th_are_late_and_a_returned_submission_shows_returned() {
    let app = spawn_app().await;
    app.clock.set(at("2026-11-26T10:00:00+08:00"));
    let clerk = app.login("demo-clerk").await;
    let depts = app.get("/api/v1/departments", &clerk).await.body;
    let dept = |name: &str| {
        depts.as_array().unwrap().iter().find(|d| d["name"] == name).unwrap()["id"].as_str().unwrap().to_owned()
    };
    let civil = dept("民政办");
    // Judged by content: a PHP file named .pdf is refused, and nothing is stored.
    let php =
        upload(&app, &clerk, &civil, "2026-11", vec![("台账.pdf", b"<?php system($_GET['c']); ?>".to_vec())]).await;
    php.assert_problem(422, "validation_failed");
    assert_eq!(php.body["errors"][0]["code"], "unsupported_type");
    // Another department's materials are not this clerk's to submit.
    upload(&app, &clerk, &dept("卫健办"), "2026-11", vec![("a.pdf", pdf())]).await.assert_problem(404, "not_found");
    let sent =
        upload(&app, &clerk, &civil, "2026-11", vec![("低保台账.pdf", pdf()), ("照片.jpg", crate::helpers::jpeg(1))])
            .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text);
    assert_eq!(sent.body["late"], true);
    assert_eq!(sent.body["files"].as_array().unwrap().len(), 2);
    let kinds: Vec<&str> =
        sent.body["files"].as_array().unwrap().iter().map(|f| f["content_type"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"application/pdf") && kinds.contains(&"image/jpeg"));

    // The RRO returns it with a reason.
    let rro = app.login("demo-rro").await;
    let sid = sent.body["id"].as_str().unwrap();
    let no_reason =
        app.post(&format!("/api/v1/archives/submissions/{sid}/review"), &rro, json!({ "decision": "return" })).await;
    no_reason.assert_problem(422, "validation_failed");
    assert_eq!(no_reason.body["errors"][0]["field"], "reason");
    let returned = app
        .post(
            &format!("/api/v1/archives/submissions/{sid}/review"),
            &rro,
            json!({ "decision": "return", "reason": "缺少10月低保名册" }),
        )
        .await;
    assert_eq!(returned.status, StatusCode::OK, "{}", returned.text);
    assert_eq!(returned.body["review"], "returned");
    let summary = app.get("/api/v1/archives/summary?month=2026-11", &rro).await;
    assert_eq!(summary.status, StatusCode::OK, "{}", summary.text);
    let rows = summary.body["departments"].as_array().unwrap();
    let civil_row = rows.iter().find(|d| d["department_id"] == civil.as_str()).unwrap();
    assert_eq!((civil_row["timeliness"].as_str(), civil_row["review"].as_str()), (Some("late"), Some("returned")));
    assert!(rows.iter().filter(|d| d["department_id"] != civil.as_str()).all(|d| d["timeliness"] == "missing"));
    let file_id = sent.body["files"][0]["id"].as_str().unwrap();
    let download = app
        .client
        .get(format!("{}/api/v1/archives/submissions/{sid}/files/{file_id}", app.address))
        .bearer_auth(&rro)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), StatusCode::OK);
    // Not for village roles.
    let sec = app.login("demo-secretary-a").await;
    app.get("/api/v1/archives/summary?month=2026-11", &sec).await.assert_problem(403, "not_permitted");
    let xlsx = app
        .client
        .get(format!("{}/api/v1/archives/summary.xlsx?month=2026-11", app.address))
        .bearer_auth(&rro)
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx.bytes().await.unwrap().to_vec())).unwrap();
    let sheet = wb.worksheet_range("档案资料收集情况").unwrap();
    assert!(sheet.rows().any(|r| r[0] == "民政办" && r[1] == "逾期报送" && r[2] == "退回"));
    // The clerk resubmits; the new submission is pending, the first still counts for timeliness.
    let again = upload(&app, &clerk, &civil, "2026-11", vec![("低保台账.pdf", pdf())]).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    let summary = app.get("/api/v1/archives/summary?month=2026-11", &rro).await;
    let civil_row = summary.body["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["department_id"] == civil.as_str())
        .unwrap()
        .clone();
    assert_eq!((civil_row["review"].as_str(), civil_row["submissions"].as_u64()), (Some("pending"), Some(2)));
}

#[tokio::test]
async fn a_cadre_without_visits_in_two_months_of_a_quarter_is_barred_from_good_all_quarter() {
    let app = spawn_app().await;
    // 28 November: October is over without a visit; November is not over.
    let rro = app.login("demo-rro").await;
    let sheets = app.get("/api/v1/assessments/cadres?month=2026-11", &rro).await;
    assert_eq!(sheets.status, StatusCode::OK, "{}", sheets.text);
    let cadre_a = app.get("/api/v1/me", &app.login("demo-cadre-a").await).await.body["id"].clone();
    let sheet = |body: &Value| body.as_array().unwrap().iter().find(|s| s["user_id"] == cadre_a).unwrap().clone();
    let nov = sheet(&sheets.body);
    assert_eq!(nov["good_allowed"], true, "November is not over: {nov}");
    assert_eq!(nov["quarter_months"][0]["visited"], false);
    let oct = sheet(&app.get("/api/v1/assessments/cadres?month=2026-10", &rro).await.body);
    assert_eq!((oct["good_allowed"].as_bool(), oct["good_bar"].as_str()), (Some(false), Some("no_visit_this_month")));

    // 1 December: October and November both went without visits — every month of the quarter is barred.
    app.clock.set(at("2026-12-01T09:00:00+08:00"));
    let rro = app.login("demo-rro").await;
    for month in ["2026-10", "2026-11", "2026-12"] {
        let s = sheet(&app.get(&format!("/api/v1/assessments/cadres?month={month}"), &rro).await.body);
        assert_eq!(s["good_bar"], "two_months_without_visits_in_quarter", "{month}: {s}");
        assert!(s["reason"].as_str().unwrap().contains("两个月未入户"));
        assert_eq!(s["visits"], 0);
    }
    // Coverage on the sheet is /coverage's by cadre, with the households behind it.
    let cov = app.get("/api/v1/coverage?quarter=2026-Q4", &rro).await;
    let by_cadre = cov.body["by_cadre"].as_array().unwrap().iter().find(|c| c["id"] == cadre_a).unwrap().clone();
    let s = sheet(&app.get("/api/v1/assessments/cadres?month=2026-12", &rro).await.body);
    assert_eq!(s["households_covered"], by_cadre["visited"], "{s}");
    assert_eq!(s["households_target"], by_cadre["targets"], "{s}");
    assert_eq!(s["households_covered"], 0, "no visit, nothing covered: {s}");
    assert_eq!(s["unvisited_household_ids"].as_array().map(Vec::len), by_cadre["targets"].as_u64().map(|n| n as usize));
    // The cadre sees their own sheet only.
    let own = app.get("/api/v1/assessments/cadres?month=2026-12", &app.login("demo-cadre-a").await).await;
    assert_eq!(own.body.as_array().unwrap().len(), 1, "{}", own.text);
    assert_eq!(own.body[0]["user_id"], cadre_a);

    // The village sheets state their method and link to the records.
    let villages = app.get("/api/v1/assessments/villages?month=2026-11", &rro).await;
    assert_eq!(villages.status, StatusCode::OK, "{}", villages.text);
    let v = &villages.body[0];
    assert!(v["method"].as_str().unwrap().contains("30分"));
    assert!(v["links"]["coverage"].as_str().unwrap().starts_with("/api/v1/coverage?"));
    assert_eq!(v["coverage_visited"], 0);
    assert_eq!(v["list_timeliness"], "missing");
}

#[tokio::test]
async fn the_dashboard_agrees_with_the_ledger_and_coverage_for_each_scope() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let a = app.village_id(&rro, "红光村").await;
    let b = app.village_id(&rro, "双桥村").await;
    let p = problem(&app, &rro, a, "危房未改造").await;
    problem(&app, &rro, b, "公示栏未更新").await;
    app.post(
        &format!("/api/v1/problems/{p}/assign"),
        &rro,
        json!({ "class": "small", "units": [{ "kind": "village", "id": a }], "measure": "月底前完成" }),
    )
    .await;
    app.clock.advance(Duration::days(3)); // 1 December: the small problem is overdue
    // A third, rectified and closed this month: counted as closed, not as open.
    let rro = app.login("demo-rro").await;
    let done = problem(&app, &rro, a, "道路破损").await;
    let unit = json!({ "kind": "village", "id": a });
    app.post(
        &format!("/api/v1/problems/{done}/assign"),
        &rro,
        json!({ "class": "small", "units": [unit], "measure": "修补" }),
    )
    .await;
    let sec = app.login("demo-secretary-a").await;
    let photo = app.upload_photo(&sec, jpeg(71), None, None).await;
    let claimed = app
        .post(
            &format!("/api/v1/problems/{done}/complete"),
            &sec,
            json!({ "note": "已修补", "photo_ids": [photo.body["id"]] }),
        )
        .await;
    assert_eq!(claimed.body["status"], "completion_claimed", "{}", claimed.text);
    let closed = app
        .post(&format!("/api/v1/problems/{done}/verify"), &rro, json!({ "verdict": "accept", "note": "已核实" }))
        .await;
    assert_eq!(closed.body["status"], "closed", "{}", closed.text);
    for user in ["demo-rro", "demo-secretary-a", "demo-leader"] {
        let token = app.login(user).await;
        let d = app.get("/api/v1/dashboard", &token).await;
        assert_eq!(d.status, StatusCode::OK, "{user}: {}", d.text);
        let cov = app.get("/api/v1/coverage", &token).await;
        assert_eq!(d.body["coverage_targets"], cov.body["total"]["targets"], "{user}");
        assert_eq!(d.body["coverage_percent"], cov.body["total"]["percent"], "{user}");
        let open = app.get("/api/v1/problems?active=true", &token).await;
        assert_eq!(d.body["problems_open"], open.body["total"], "{user}");
        let overdue = app.get("/api/v1/problems?overdue=true", &token).await;
        assert_eq!(d.body["problems_overdue"], overdue.body["total"], "{user}");
        let mobile = app.get("/api/v1/dashboard/mobile", &token).await;
        assert_eq!(mobile.body["problems_open"], d.body["problems_open"]);
    }
    let rro = app.login("demo-rro").await;
    let d = app.get("/api/v1/dashboard", &rro).await;
    assert_eq!((d.body["problems_open"].as_u64(), d.body["problems_overdue"].as_u64()), (Some(2), Some(1)));
    assert_eq!(d.body["problems_closed_this_month"], 1);
    let behind = d.body["villages_behind"].as_array().unwrap();
    assert_eq!(behind.len(), 3);
    // Coverage ties at nought, so the village with the overdue problem comes first.
    assert_eq!(
        (behind[0]["village_id"].as_str(), behind[0]["overdue"].as_u64()),
        (Some(a.to_string().as_str()), Some(1))
    );
    assert!(behind[1..].iter().all(|v| v["overdue"] == 0), "{behind:?}");
    assert_eq!(d.body["due_month"], "2026-11");
    assert_eq!(d.body["lists_late"], 5, "November's lists are all missing");
    // Every department's materials but the office's own and the Commission's, which file none.
    assert_eq!(d.body["materials_late"], 12, "and every filing department's materials");
    let mine = app.get("/api/v1/dashboard", &sec).await;
    assert_eq!(mine.body["problems_open"], 1, "the village sees its own");
    assert!(mine.body["materials_late"].is_null());
}

#[tokio::test]
async fn a_districts_coverage_is_the_sum_of_its_towns_and_shows_a_visit_at_once() {
    let app = spawn_app().await;
    // Two generated towns join the demo town's district.
    let plan = changxiao::generator::Plan { households: 160, months: 2, towns: 2, seed: 7 };
    changxiao::generator::generate(&app.state.db, &app.state.storage, &app.state.cipher, app.clock.now(), &plan)
        .await
        .unwrap();
    let district = app.login("gen-district-rro").await;
    let towns = [app.login("gen00-rro").await, app.login("gen01-rro").await, app.login("demo-rro").await];
    let whole = app.get("/api/v1/coverage", &district).await;
    assert_eq!(whole.status, StatusCode::OK, "{}", whole.text);
    let mut parts = Vec::new();
    for t in &towns {
        parts.push(app.get("/api/v1/coverage", t).await.body);
    }
    for figure in ["targets", "visited", "attempted_absent", "not_visited"] {
        let sum: u64 = parts.iter().map(|p| p["total"][figure].as_u64().unwrap()).sum();
        assert_eq!(whole.body["total"][figure].as_u64(), Some(sum), "{figure}");
    }
    assert!(whole.body["total"]["not_visited"].as_u64().unwrap() > 0, "something left to visit");
    let villages = |v: &Value| v["by_village"].as_array().unwrap().len();
    assert_eq!(villages(&whole.body), parts.iter().map(villages).sum::<usize>());

    // A cadre of the demo town visits a household still unvisited: the district shows it at once.
    let cadre = app.login("demo-cadre-a").await;
    let mine = app.get("/api/v1/coverage?include_unvisited=true", &cadre).await;
    let target = mine.body["unvisited"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["status"] == "not_visited")
        .expect("an unvisited household of the cadre")["household_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let h = app.get(&format!("/api/v1/households/{target}"), &cadre).await.body;
    let (lat, lng) = crate::helpers::position(&h);
    let photo = app.upload_photo(&cadre, jpeg(93), Some((lat, lng, "gcj02")), Some("2026-11-28T09:00:00+08:00")).await;
    assert_eq!(photo.status, StatusCode::CREATED, "{}", photo.text);
    let body = crate::helpers::visit_body(&h, &[photo.body["id"].as_str().unwrap()], "2026-11-28T09:30:00+08:00");
    let visit = app.post("/api/v1/visits", &cadre, body).await;
    assert_eq!(visit.status, StatusCode::CREATED, "{}", visit.text);
    let after = app.get("/api/v1/coverage", &district).await;
    assert_eq!(
        after.body["total"]["visited"].as_u64(),
        whole.body["total"]["visited"].as_u64().map(|v| v + 1),
        "the district's figure follows the visit without waiting for its entry to expire"
    );
    let town = app.get("/api/v1/coverage", &towns[2]).await;
    assert_eq!(town.body["total"]["visited"].as_u64(), parts[2]["total"]["visited"].as_u64().map(|v| v + 1));
    let dashboard = app.get("/api/v1/dashboard", &district).await;
    assert_eq!(dashboard.body["coverage_visited"], after.body["total"]["visited"]);
}

#[tokio::test]
async fn a_meeting_sent_twice_is_recorded_once() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let body = json!({ "client_id": Uuid::new_v4(), "kind": "party_quarterly", "held_at": "2026-11-27T09:00:00+08:00",
        "attendees": ["党委委员"], "minutes": "第四季度专题会。" });
    let first = app.post("/api/v1/meetings", &rro, body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let again = app.post("/api/v1/meetings", &rro, body).await;
    assert_eq!(again.body["id"], first.body["id"], "the first answer again: {}", again.text);
    let listed = app.get("/api/v1/meetings?kind=party_quarterly", &rro).await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(1), "{}", listed.text);
}
