//! The phone flow: photos, a visit submitted twice, its flags, its review, and coverage moving.

use chrono::Duration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Res, TestApp, jpeg, jpeg_with_exif, position, spawn_app, visit_body};

/// Two households cadre A answers for, with their (GCJ-02) positions.
async fn cadre_a_households(app: &TestApp, token: &str) -> Vec<Value> {
    let list = app.get("/api/v1/households?per_page=200", token).await;
    let items = list.body["items"].as_array().unwrap().clone();
    assert!(items.len() >= 2);
    items
}

async fn coverage_visited(app: &TestApp, token: &str) -> u64 {
    let c = app.get("/api/v1/coverage?quarter=2026-Q4", token).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.text);
    c.body["total"]["visited"].as_u64().unwrap()
}

#[tokio::test]
async fn a_phone_visit_with_a_far_and_a_reused_photo_is_flagged_counted_once_and_reviewed() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    let hs = cadre_a_households(&app, &cadre).await;
    let (h1, h2) = (&hs[0], &hs[1]);
    let at = "2026-11-28T09:30:00+08:00";

    // A good visit to h2 with a photo taken there: coverage read just before shows it just after
    // (coverage inputs are shared for a few seconds, but a visit forgets its town's).
    let initial = coverage_visited(&app, &cadre).await;
    let (lat2, lng2) = position(h2);
    let shared = app.upload_photo(&cadre, jpeg(21), Some((lat2, lng2, "gcj02")), Some(at)).await;
    let shared_id = shared.body["id"].as_str().unwrap().to_owned();
    let v0 = app.post("/api/v1/visits", &cadre, visit_body(h2, &[&shared_id], "2026-11-28T08:30:00+08:00")).await;
    assert_eq!(v0.status, StatusCode::CREATED, "{}", v0.text);
    assert_eq!(v0.body["flags"], json!([]));
    assert_eq!(v0.body["counts"], true);
    let before = coverage_visited(&app, &cadre).await;
    assert_eq!(before, initial + 1);

    // h1: one photo with EXIF GPS 5 km away, the photo already used for h2, and a good one.
    let (lat1, lng1) = position(h1);
    let far = app.upload_photo(&cadre, jpeg_with_exif(22, "2026:11:28 09:29:00", lat1 + 0.045, lng1), None, None).await;
    let good = app.upload_photo(&cadre, jpeg(23), Some((lat1, lng1, "gcj02")), Some(at)).await;
    let photo_ids = [far.body["id"].as_str().unwrap(), shared_id.as_str(), good.body["id"].as_str().unwrap()];
    let body = visit_body(h1, &photo_ids, at);
    let headers = [("Idempotency-Key", "visit-h1")];
    let first = app.request(Method::POST, "/api/v1/visits", Some(&cadre), Some(body.clone()), &headers).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let second = app.request(Method::POST, "/api/v1/visits", Some(&cadre), Some(body.clone()), &headers).await;
    assert_eq!(second.body["id"], first.body["id"]);
    // Without the header, the client_id alone still finds the first.
    let third = app.post("/api/v1/visits", &cadre, body.clone()).await;
    assert_eq!(third.status, StatusCode::OK);
    assert_eq!(third.body, first.body, "the replay (read back) is the first answer");
    let listed = app.get(&format!("/api/v1/visits?household_id={}", h1["id"].as_str().unwrap()), &cadre).await;
    assert_eq!(listed.body["total"], 1);

    let flags: Vec<&str> =
        first.body["flags"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(flags, ["photo_place_far", "photo_reused"]);
    assert_eq!(first.body["review"]["status"], "pending");
    assert_eq!(first.body["counts"], false);
    assert_eq!(coverage_visited(&app, &cadre).await, before);

    // The review queue shows it to the team leader, who accepts it; the cadre cannot review.
    let vid = first.body["id"].as_str().unwrap();
    let lead = app.login("demo-teamlead-a").await;
    let queue = app.get("/api/v1/visits?review=pending", &lead).await;
    assert!(queue.body["items"].as_array().unwrap().iter().any(|v| v["id"] == vid));
    app.post(&format!("/api/v1/visits/{vid}/review"), &cadre, json!({ "decision": "accept", "reason": "自己审核" }))
        .await
        .assert_problem(403, "not_permitted");
    let reviewed = app
        .post(
            &format!("/api/v1/visits/{vid}/review"),
            &lead,
            json!({ "decision": "accept", "reason": "核实：同一户两次拍照" }),
        )
        .await;
    assert_eq!(reviewed.status, StatusCode::OK, "{}", reviewed.text);
    assert_eq!(reviewed.body["counts"], true);
    app.post(&format!("/api/v1/visits/{vid}/review"), &lead, json!({ "decision": "reject", "reason": "再审一次" }))
        .await
        .assert_problem(409, "visit_already_reviewed");
    assert_eq!(coverage_visited(&app, &cadre).await, before + 1);

    // The original, EXIF and all, is the reviewer's — and the access is audited.
    let far_id = photo_ids[0];
    let original =
        app.client.get(app.url(&format!("/api/v1/photos/{far_id}/original"))).bearer_auth(&lead).send().await.unwrap();
    assert_eq!(original.status(), StatusCode::OK);
    assert!(original.bytes().await.unwrap().windows(6).any(|w| w == b"Exif\0\0"), "the original keeps its EXIF");
    let rro = app.login("demo-rro").await;
    let audit = app.get(&format!("/api/v1/audit?action=photo.original&object_id={far_id}"), &rro).await;
    assert_eq!(audit.body["total"], 1);

    // The same client id with another body is refused, not silently replayed.
    let mut other = body;
    other["kind"] = json!("along_the_way");
    app.post("/api/v1/visits", &cadre, other).await.assert_problem(422, "client_id_reused");
}

#[tokio::test]
async fn a_visit_records_its_problems_and_a_visit_without_photo_is_flagged() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    let hs = cadre_a_households(&app, &cadre).await;
    let mut body = visit_body(&hs[0], &[], "2026-11-28T09:30:00+08:00");
    body["problems"] = json!([
        { "category": "housing", "description": "厨房屋顶漏雨", "fixed_on_spot": false },
        { "category": "policy_not_enjoyed", "description": "未享受医疗救助", "fixed_on_spot": true }
    ]);
    let res = app.post("/api/v1/visits", &cadre, body.clone()).await;
    res.assert_problem(422, "validation_failed");
    assert_eq!(res.fields(), ["problems[1].photo_ids"]);
    let (lat, lng) = position(&hs[0]);
    let evidence = app.upload_photo(&cadre, jpeg(31), Some((lat, lng, "gcj02")), None).await;
    body["problems"][1]["photo_ids"] = json!([evidence.body["id"]]);
    let res = app.post("/api/v1/visits", &cadre, body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(res.body["flags"][0]["code"], "no_photo");
    // The answer is the visit as it is read back, its problems in the order they were recorded.
    let read = app.get(&format!("/api/v1/visits/{}", res.body["id"].as_str().unwrap()), &cadre).await;
    assert_eq!(read.body, res.body);
    assert_eq!(res.body["problem_ids"].as_array().unwrap().len(), 2);
    let problems = app.get(&format!("/api/v1/problems?visit_id={}", res.body["id"].as_str().unwrap()), &cadre).await;
    let statuses: Vec<&str> =
        problems.body["items"].as_array().unwrap().iter().map(|p| p["status"].as_str().unwrap()).collect();
    assert_eq!(problems.body["total"], 2);
    assert!(statuses.contains(&"open") && statuses.contains(&"fixed_on_spot"));
    assert!(problems.body["items"].as_array().unwrap().iter().all(|p| p["source"] == "visit"));
    // Fixed on the spot is closed: the cadre's sheet and the dashboard count it so.
    let rro = app.login("demo-rro").await;
    let me = app.get("/api/v1/me", &cadre).await.body["id"].clone();
    let sheets = app.get("/api/v1/assessments/cadres?month=2026-11", &rro).await;
    let sheet = sheets.body.as_array().unwrap().iter().find(|s| s["user_id"] == me).unwrap();
    assert_eq!((sheet["problems_found"].as_u64(), sheet["problems_closed"].as_u64()), (Some(2), Some(1)), "{sheet}");
    let dashboard = app.get("/api/v1/dashboard", &rro).await;
    assert_eq!(dashboard.body["problems_closed_this_month"], 1, "{}", dashboard.text);
}

#[tokio::test]
async fn a_copy_of_a_photo_already_proving_another_household_is_flagged_and_no_photo_is_given_twice() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    let hs = cadre_a_households(&app, &cadre).await;
    let (h1, h2) = (&hs[0], &hs[1]);
    let at = "2026-11-28T09:30:00+08:00";
    let original = jpeg(41);
    // The same picture with a comment segment: other bytes (so another photo), the same
    // perceptual hash — found only through the hash's band index, not by its bytes.
    let mut copy = original[..2].to_vec();
    copy.extend_from_slice(&[0xFF, 0xFE, 0x00, 0x07]);
    copy.extend_from_slice(b"copy\0");
    copy.extend_from_slice(&original[2..]);

    let (lat2, lng2) = position(h2);
    let first = app.upload_photo(&cadre, original, Some((lat2, lng2, "gcj02")), Some(at)).await;
    let first_id = first.body["id"].as_str().unwrap().to_owned();
    let v = app.post("/api/v1/visits", &cadre, visit_body(h2, &[&first_id], "2026-11-28T08:30:00+08:00")).await;
    assert_eq!(v.status, StatusCode::CREATED, "{}", v.text);
    assert_eq!(v.body["flags"], json!([]));

    let (lat1, lng1) = position(h1);
    let second = app.upload_photo(&cadre, copy, Some((lat1, lng1, "gcj02")), Some(at)).await;
    let second_id = second.body["id"].as_str().unwrap().to_owned();
    assert_ne!(second_id, first_id);
    assert_ne!(second.body["sha256"], first.body["sha256"]);

    // The same photo twice in one visit is a field error, and nothing is recorded.
    let twice = app.post("/api/v1/visits", &cadre, visit_body(h1, &[&second_id, &second_id], at)).await;
    twice.assert_problem(422, "validation_failed");
    assert_eq!(twice.fields(), ["photo_ids[1]"]);
    let listed = app.get(&format!("/api/v1/visits?household_id={}", h1["id"].as_str().unwrap()), &cadre).await;
    assert_eq!(listed.body["total"], 0);

    let res = app.post("/api/v1/visits", &cadre, visit_body(h1, &[&second_id], at)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let flags: Vec<&str> = res.body["flags"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(flags, ["photo_reused"]);
    let read = app.get(&format!("/api/v1/visits/{}", res.body["id"].as_str().unwrap()), &cadre).await;
    assert_eq!(read.body, res.body);
}

#[tokio::test]
async fn a_photo_proves_one_household_flagged_for_another_in_either_order_never_for_its_own() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    let hs = cadre_a_households(&app, &cadre).await;
    let (h1, h2) = (&hs[0], &hs[1]);
    let reused = |res: &Res| -> bool {
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        res.body["flags"].as_array().unwrap().iter().any(|f| f["code"] == "photo_reused")
    };
    // "Another household" is read as the households ordered below and above the visit's own:
    // each photo goes first to one household, then to the other, so both sides are asked.
    for (seed, first, then, hour) in [(51, h1, h2, 1), (52, h2, h1, 4)] {
        let at = |h: u32| format!("2026-11-28T{h:02}:00:00+08:00");
        let (lat, lng) = position(first);
        let photo = app.upload_photo(&cadre, jpeg(seed), Some((lat, lng, "gcj02")), Some(&at(hour))).await;
        let id = photo.body["id"].as_str().unwrap().to_owned();
        let own = app.post("/api/v1/visits", &cadre, visit_body(first, &[&id], &at(hour))).await;
        assert!(!reused(&own), "a new photo: {}", own.text);
        let again = app.post("/api/v1/visits", &cadre, visit_body(first, &[&id], &at(hour + 1))).await;
        assert!(!reused(&again), "the same household again: {}", again.text);
        let other = app.post("/api/v1/visits", &cadre, visit_body(then, &[&id], &at(hour + 2))).await;
        assert!(reused(&other), "another household: {}", other.text);
    }
}

/// Gives a stored photo another perceptual hash, its band index rows with it.
async fn rehash(app: &TestApp, id: &str, phash: i64) {
    use changxiao::store::entity::{photo, photo_band};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let db = &app.state.db;
    let id: uuid::Uuid = id.parse().unwrap();
    let town = photo::Entity::find_by_id(id).one(db).await.unwrap().unwrap().town_id;
    photo::Entity::update_many()
        .col_expr(photo::Column::Phash, Expr::value(phash))
        .filter(photo::Column::Id.eq(id))
        .exec(db)
        .await
        .unwrap();
    photo_band::Entity::delete_many().filter(photo_band::Column::PhotoId.eq(id)).exec(db).await.unwrap();
    changxiao::store::photos::index_bands(db, id, town, phash).await.unwrap();
}

/// The same picture is a hash within six bits (the setting's default), measured where the band
/// index finds it: six bits in one band, or spread over all four with the sign bit among them, is
/// reused; seven bits is another picture, though three of its four bands are the same.
#[tokio::test]
async fn a_photo_six_bits_from_another_households_is_reused_and_seven_bits_away_is_not() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    let hs = cadre_a_households(&app, &cadre).await;
    let (h1, h2) = (&hs[0], &hs[1]);
    let at = |h: u32| format!("2026-11-28T{h:02}:00:00+08:00");
    let base = 0x9234_5678_9abc_def0_u64 as i64;
    let cases: [(u8, i64, bool, &str); 3] = [
        (62, base ^ 0b111_1111, false, "seven bits in the first band"),
        (63, base ^ 0b11_1111, true, "six bits in the first band"),
        (64, base ^ (0b11 | 0b11 << 16 | 1 << 32 | 1 << 63), true, "six bits over four bands, the sign bit one"),
    ];
    let (lat2, lng2) = position(h2);
    let first = app.upload_photo(&cadre, jpeg(61), Some((lat2, lng2, "gcj02")), Some(&at(1))).await;
    let first_id = first.body["id"].as_str().unwrap().to_owned();
    rehash(&app, &first_id, base).await;
    let v = app.post("/api/v1/visits", &cadre, visit_body(h2, &[&first_id], &at(1))).await;
    assert_eq!(v.status, StatusCode::CREATED, "{}", v.text);
    let (lat1, lng1) = position(h1);
    for (i, (seed, phash, expected, case)) in cases.into_iter().enumerate() {
        let hour = 2 + 2 * i as u32;
        let photo = app.upload_photo(&cadre, jpeg(seed), Some((lat1, lng1, "gcj02")), Some(&at(hour))).await;
        let id = photo.body["id"].as_str().unwrap().to_owned();
        rehash(&app, &id, phash).await;
        let res = app.post("/api/v1/visits", &cadre, visit_body(h1, &[&id], &at(hour))).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        let reused = res.body["flags"].as_array().unwrap().iter().any(|f| f["code"] == "photo_reused");
        assert_eq!(reused, expected, "{case}: {}", res.text);
    }
}

#[tokio::test]
async fn an_absent_household_is_counted_apart_and_needs_a_reason() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    let hs = cadre_a_households(&app, &cadre).await;
    let mut body = visit_body(&hs[0], &[], "2026-11-28T09:30:00+08:00");
    body["outcome"] = json!("absent_attempted");
    body["checklist"] = Value::Null;
    app.post("/api/v1/visits", &cadre, body.clone()).await.assert_problem(422, "validation_failed");
    body["absent_reason"] = json!("全家外出务工");
    let res = app.post("/api/v1/visits", &cadre, body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(res.body["flags"], json!([]), "an empty house needs no photo");
    assert_eq!(res.body["counts"], false);
    let c = app.get("/api/v1/coverage?quarter=2026-Q4&include_unvisited=true", &cadre).await;
    assert_eq!(c.body["total"]["attempted_absent"], 1);
    let unvisited = c.body["unvisited"].as_array().unwrap();
    assert!(unvisited.iter().any(|u| u["household_id"] == hs[0]["id"] && u["status"] == "attempted_absent"));
    assert_eq!(c.body["window_to"], "2026-11-30");
}

#[tokio::test]
async fn a_late_entry_for_a_closed_month_needs_a_reason_and_is_audited() {
    let app = spawn_app().await;
    app.clock.advance(Duration::days(12)); // 10 December: November closed on the 5th.
    let cadre = app.login("demo-cadre-a").await;
    let hs = cadre_a_households(&app, &cadre).await;
    let (lat, lng) = position(&hs[0]);
    let photo = app.upload_photo(&cadre, jpeg(41), Some((lat, lng, "gcj02")), Some("2026-11-20T10:00:00+08:00")).await;
    let mut body = visit_body(&hs[0], &[photo.body["id"].as_str().unwrap()], "2026-11-20T10:00:00+08:00");
    let res = app.post("/api/v1/visits", &cadre, body.clone()).await;
    res.assert_problem(422, "validation_failed");
    assert_eq!(res.fields(), ["late_reason"]);
    body["late_reason"] = json!("手机无信号，回镇后补录");
    let res = app.post("/api/v1/visits", &cadre, body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(res.body["flags"][0]["code"], "late_entry");
    assert_eq!(res.body["counts"], true);
    let rro = app.login("demo-rro").await;
    let audit = app
        .get(&format!("/api/v1/audit?action=visit.late_entry&object_id={}", res.body["id"].as_str().unwrap()), &rro)
        .await;
    assert_eq!(audit.body["total"], 1);
    assert_eq!(audit.body["items"][0]["detail"]["late_reason"], "手机无信号，回镇后补录");
    // Marked, not held: it is not in the flagged visits a reviewer goes through.
    let flagged = app.get("/api/v1/visits?flagged=true", &rro).await;
    assert_eq!(flagged.body["total"], 0, "{}", flagged.text);
    assert_eq!(app.get("/api/v1/visits?flagged=false", &rro).await.body["total"], 1);
}

#[tokio::test]
async fn a_visit_sent_again_after_its_month_closed_gets_the_first_answer() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    let hs = cadre_a_households(&app, &cadre).await;
    let (lat, lng) = position(&hs[0]);
    let at = "2026-11-28T09:30:00+08:00";
    let photo = app.upload_photo(&cadre, jpeg(45), Some((lat, lng, "gcj02")), Some(at)).await;
    let body = visit_body(&hs[0], &[photo.body["id"].as_str().unwrap()], at);
    let first = app.post("/api/v1/visits", &cadre, body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);

    // The phone never got the answer and sends the visit again in December, after November
    // closed: it would now need a late reason, but it is the same visit, answered as first.
    app.clock.advance(Duration::days(12));
    let cadre = app.login("demo-cadre-a").await;
    let again = app.post("/api/v1/visits", &cadre, body.clone()).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.headers.get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"));
    assert_eq!(again.body, first.body);
    // Under a new Idempotency-Key too.
    let keyed = app
        .request(Method::POST, "/api/v1/visits", Some(&cadre), Some(body.clone()), &[("Idempotency-Key", "resent")])
        .await;
    assert_eq!(keyed.body, first.body, "{}", keyed.text);
    let listed = app.get(&format!("/api/v1/visits?household_id={}", hs[0]["id"].as_str().unwrap()), &cadre).await;
    assert_eq!(listed.body["total"], 1);

    // Its client id with another body is still refused as such.
    let mut other = body;
    other["kind"] = json!("along_the_way");
    app.post("/api/v1/visits", &cadre, other).await.assert_problem(422, "client_id_reused");
}

#[tokio::test]
async fn a_cadre_of_another_village_can_neither_visit_nor_see_the_visit() {
    let app = spawn_app().await;
    let cadre_a = app.login("demo-cadre-a").await;
    let hs = cadre_a_households(&app, &cadre_a).await;
    let (lat, lng) = position(&hs[0]);
    let photo = app.upload_photo(&cadre_a, jpeg(51), Some((lat, lng, "gcj02")), None).await;
    let photo_id = photo.body["id"].as_str().unwrap().to_owned();
    let v = app.post("/api/v1/visits", &cadre_a, visit_body(&hs[0], &[&photo_id], "2026-11-28T09:30:00+08:00")).await;
    let vid = v.body["id"].as_str().unwrap();
    let cadre_b = app.login("demo-cadre-b").await;
    let res = app.post("/api/v1/visits", &cadre_b, visit_body(&hs[0], &[], "2026-11-28T09:30:00+08:00")).await;
    res.assert_problem(404, "not_found");
    assert_eq!(res.fields(), ["household_id"]);
    app.get(&format!("/api/v1/visits/{vid}"), &cadre_b).await.assert_problem(404, "not_found");
    app.get(&format!("/api/v1/photos/{photo_id}"), &cadre_b).await.assert_problem(404, "not_found");
    let listed = app.get("/api/v1/visits", &cadre_b).await;
    assert_eq!(listed.body["total"], 0);
    // The village's secretary sees it, and its photo.
    let sec = app.login("demo-secretary-a").await;
    assert_eq!(app.get(&format!("/api/v1/visits/{vid}"), &sec).await.status, StatusCode::OK);
    assert_eq!(app.get(&format!("/api/v1/photos/{photo_id}"), &sec).await.status, StatusCode::OK);
    // Cadre B cannot use cadre A's photo either.
    let hb = app.get("/api/v1/households?per_page=1", &cadre_b).await.body["items"][0].clone();
    let res = app.post("/api/v1/visits", &cadre_b, visit_body(&hb, &[&photo_id], "2026-11-28T09:30:00+08:00")).await;
    assert_eq!(res.fields(), ["photo_ids[0]"]);
}

#[tokio::test]
async fn monthly_counts_show_each_visitors_visits() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    let hs = cadre_a_households(&app, &cadre).await;
    // Two hours apart: no impossible travel between the two houses.
    for (i, at) in ["2026-11-28T07:30:00+08:00", "2026-11-28T09:30:00+08:00"].into_iter().enumerate() {
        let h = &hs[i];
        let (lat, lng) = position(h);
        let p = app.upload_photo(&cadre, jpeg(60 + u8::try_from(i).unwrap()), Some((lat, lng, "gcj02")), None).await;
        let r = app.post("/api/v1/visits", &cadre, visit_body(h, &[p.body["id"].as_str().unwrap()], at)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["counts"], true, "{}", r.text);
    }
    // A third household away: an attempt, not a visit that counts.
    let away = json!({ "client_id": uuid::Uuid::new_v4(), "household_id": hs[2]["id"], "visited_at": "2026-11-28T06:30:00+08:00",
        "outcome": "absent_attempted", "absent_reason": "外出务工" });
    let r = app.post("/api/v1/visits", &cadre, away).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let rro = app.login("demo-rro").await;
    let counts = app.get("/api/v1/visits/monthly-counts?month=2026-11", &rro).await;
    assert_eq!(counts.status, StatusCode::OK, "{}", counts.text);
    let me = app.get("/api/v1/me", &cadre).await.body["id"].clone();
    let row = counts.body.as_array().unwrap().iter().find(|r| r["user_id"] == me).unwrap();
    assert_eq!(
        (row["visits"].as_u64(), row["households"].as_u64(), row["absent_attempts"].as_u64()),
        (Some(2), Some(2), Some(1))
    );
    // The household says when it was last visited and whether it is covered this quarter, by name.
    let met = app.get(&format!("/api/v1/households/{}", hs[0]["id"].as_str().unwrap()), &cadre).await;
    assert_eq!(
        (met.body["last_visit_at"].is_string(), &met.body["visited_this_quarter"]),
        (true, &json!(true)),
        "{}",
        met.text
    );
    assert!(met.body["village_name"].as_str().is_some_and(|n| !n.is_empty()), "{}", met.text);
    let listed = app.get("/api/v1/households?per_page=200", &cadre).await;
    let away = listed.body["items"].as_array().unwrap().iter().find(|h| h["id"] == hs[2]["id"]).unwrap();
    assert_eq!((away["last_visit_at"].is_string(), &away["visited_this_quarter"]), (true, &json!(false)), "{away}");
    let visits = app.get("/api/v1/visits?per_page=200", &cadre).await;
    assert!(
        visits.body["items"].as_array().unwrap().iter().all(|v| v["head_name"].as_str().is_some_and(|n| !n.is_empty())
            && v["village_name"].as_str().is_some_and(|n| !n.is_empty())),
        "{}",
        visits.text
    );
    // The same figure as the cadre's monthly sheet.
    let sheets = app.get("/api/v1/assessments/cadres?month=2026-11", &rro).await;
    let sheet = sheets.body.as_array().unwrap().iter().find(|s| s["user_id"] == me).unwrap();
    assert_eq!(sheet["visits"], row["visits"], "{}", sheets.text);
    let empty = app.get("/api/v1/visits/monthly-counts?month=2026-10", &rro).await;
    assert_eq!(empty.body, json!([]));
}

/// The breakdowns come from the households' own tags and cadres (read on each backend its own way):
/// every target tag and every linked cadre is there, with the households that carry them.
#[tokio::test]
async fn coverage_breaks_down_by_the_households_own_tags_villages_and_cadres() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let mut households = Vec::new();
    for page in 1.. {
        let list = app.get(&format!("/api/v1/households?per_page=100&page={page}"), &rro).await;
        let items = list.body["items"].as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        households.extend(items);
    }
    let targets: Vec<&Value> = households.iter().filter(|h| h["is_target"] == true).collect();
    assert!(targets.len() > 3, "the demo town has target households");
    let c = app.get("/api/v1/coverage?quarter=2026-Q4", &rro).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.text);
    assert_eq!(c.body["total"]["targets"].as_u64().unwrap(), targets.len() as u64);

    let count = |pred: &dyn Fn(&Value) -> bool| targets.iter().filter(|h| pred(h)).count() as u64;
    let by = |key: &str, field: &str, value: &Value| {
        c.body[key].as_array().unwrap().iter().find(|f| &f[field] == value).map(|f| f["targets"].as_u64().unwrap())
    };
    let tags: std::collections::BTreeSet<String> = targets
        .iter()
        .flat_map(|h| h["tags"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_owned()))
        .collect();
    for tag in tags.iter().filter(|t| *t != "general") {
        let expected = count(&|h| h["tags"].as_array().unwrap().iter().any(|t| t == tag.as_str()));
        assert_eq!(by("by_tag", "tag", &json!(tag)), Some(expected), "tag {tag}");
    }
    let ids = |v: &Value| v.as_str().unwrap().to_owned();
    let villages: std::collections::BTreeSet<String> = targets.iter().map(|h| ids(&h["village_id"])).collect();
    for v in villages {
        assert_eq!(by("by_village", "id", &json!(v)), Some(count(&|h| h["village_id"] == v.as_str())));
    }
    let cadres: std::collections::BTreeSet<String> =
        targets.iter().flat_map(|h| h["cadre_ids"].as_array().unwrap().iter().map(ids)).collect();
    assert!(!cadres.is_empty(), "the demo links cadres to households");
    for cadre in cadres {
        // Linked households at least; a cadre responsible for a group also answers for the rest of it.
        let linked = count(&|h| h["cadre_ids"].as_array().unwrap().iter().any(|c| c == cadre.as_str()));
        let cadre = json!(cadre);
        let got = by("by_cadre", "id", &cadre).unwrap_or_else(|| panic!("cadre {cadre} missing from by_cadre"));
        assert!(got >= linked, "cadre {cadre}: {got} < {linked}");
    }
}

/// The travel check reads the visitor's previous visit (along their timeline): 50 km in five
/// minutes is flagged; the way back two hours later is not.
#[tokio::test]
async fn a_visit_an_impossible_distance_from_the_visitors_previous_one_is_flagged() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    let hs = cadre_a_households(&app, &cadre).await;
    let first = app.post("/api/v1/visits", &cadre, visit_body(&hs[0], &[], "2026-11-28T07:00:00+08:00")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let codes = |r: &crate::helpers::Res| -> Vec<String> {
        r.body["flags"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_owned()).collect()
    };
    assert!(!codes(&first).contains(&"impossible_travel".to_owned()), "{}", first.text);

    let (lat, lng) = position(&hs[1]);
    let mut far = visit_body(&hs[1], &[], "2026-11-28T07:05:00+08:00");
    far["location"]["latitude"] = json!(lat + 0.45);
    far["location"]["longitude"] = json!(lng);
    let far = app.post("/api/v1/visits", &cadre, far).await;
    assert_eq!(far.status, StatusCode::CREATED, "{}", far.text);
    assert!(codes(&far).contains(&"impossible_travel".to_owned()), "{}", far.text);

    let calm = app.post("/api/v1/visits", &cadre, visit_body(&hs[0], &[], "2026-11-28T09:00:00+08:00")).await;
    assert_eq!(calm.status, StatusCode::CREATED, "{}", calm.text);
    assert!(!codes(&calm).contains(&"impossible_travel".to_owned()), "{}", calm.text);
}
