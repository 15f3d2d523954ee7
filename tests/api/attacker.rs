//! An attacker's suite. Scope is generated from the served contract: every operation that takes an id
//! is called by a cadre of another village with the real ids of village A's records, and must answer
//! 404 or 403; every list is read by that cadre and must not hold one of those ids. An operation the
//! table below does not cover fails the suite, so a new endpoint cannot slip past it.

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, into_res, jpeg, position, spawn_app, visit_body};

/// Village A's records, made through the API by its own users.
struct Records {
    household: String,
    visit: String,
    photo: String,
    problem: String,
    user: String,
    village: String,
    questionnaire: String,
}

async fn village_a_records(app: &TestApp) -> Records {
    let cadre = app.login("demo-cadre-a").await;
    let rro = app.login("demo-rro").await;
    let households = app.get("/api/v1/households?per_page=1", &cadre).await;
    let h = households.body["items"][0].clone();
    let (lat, lng) = position(&h);
    let photo = app.upload_photo(&cadre, jpeg(91), Some((lat, lng, "gcj02")), Some("2026-11-28T09:00:00+08:00")).await;
    assert_eq!(photo.status, StatusCode::CREATED, "{}", photo.text);
    let photo = photo.body["id"].as_str().unwrap().to_owned();
    let mut body = visit_body(&h, &[&photo], "2026-11-28T09:30:00+08:00");
    body["problems"] = json!([{ "category": "housing", "description": "厨房屋顶漏雨", "fixed_on_spot": false }]);
    let visit = app.post("/api/v1/visits", &cadre, body).await;
    assert_eq!(visit.status, StatusCode::CREATED, "{}", visit.text);
    let visit = visit.body["id"].as_str().unwrap().to_owned();
    let problems = app.get(&format!("/api/v1/problems?visit_id={visit}"), &cadre).await;
    let problem = problems.body["items"][0]["id"].as_str().expect("the visit's problem").to_owned();
    let users = app.get("/api/v1/users?per_page=200", &app.login("demo-admin").await).await;
    let user = users.body["items"].as_array().unwrap().iter().find(|u| u["username"] == "demo-cadre-a").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let village = app.village_id(&rro, "红光村").await.to_string();
    let questionnaires = app.get("/api/v1/phone-checks/questionnaires", &rro).await;
    let questionnaire = questionnaires.body[0]["id"].as_str().expect("the demo questionnaire").to_owned();
    Records { household: h["id"].as_str().unwrap().to_owned(), visit, photo, problem, user, village, questionnaire }
}

/// How each id-taking operation gets its ids: a real record of village A, or (`None`) an id that names
/// nothing the attacker may know of — those records have their own scope tests in their areas.
fn path_for(template: &str, r: &Records) -> Option<String> {
    let unknown = Uuid::now_v7().to_string();
    let real = |kind: &str| -> Option<String> {
        match kind {
            "households" => Some(r.household.clone()),
            "visits" => Some(r.visit.clone()),
            "photos" => Some(r.photo.clone()),
            "problems" => Some(r.problem.clone()),
            "users" => Some(r.user.clone()),
            "questionnaires" => Some(r.questionnaire.clone()),
            _ => None,
        }
    };
    let segments: Vec<&str> = template.split('/').collect();
    let mut out = Vec::new();
    for (i, s) in segments.iter().enumerate() {
        let value = match *s {
            "{id}" => real(segments[i - 1]).unwrap_or_else(|| unknown.clone()),
            "{village_id}" | "{owner_id}" => r.village.clone(),
            "{owner_kind}" => "village".to_owned(),
            "{kind}" => "routine".to_owned(),
            "{period}" | "{month}" => "2026-11".to_owned(),
            "{department_id}" | "{file_id}" | "{grant_id}" | "{key}" | "{proposal_id}" => unknown.clone(),
            other if other.starts_with('{') => return None,
            other => (*other).to_owned(),
        };
        out.push(value);
    }
    Some(out.join("/"))
}

/// A valid body for each request schema, so that the scope check is what answers, not the validator.
fn body_for(schema: &str, r: &Records) -> Option<Value> {
    Some(match schema {
        "ReviewSubmission" => json!({ "decision": "accept" }),
        "EditCircular" => json!({ "title": "通报", "body": "正文", "entries": [] }),
        "UpdateHousehold" => json!({ "notes": "越权修改" }),
        "RevealRequest" => json!({ "reason": "越权查看" }),
        "InterviewResults" => json!({ "people": [{ "name": "某人", "role": "secretary", "verdicts": [] }] }),
        "MustKnowUpdate" => json!({ "items": [{ "question": "问", "answer": "答" }] }),
        "RecordAttempt" => json!({ "client_id": Uuid::new_v4(), "outcome": "no_answer" }),
        "ReviewFlag" => json!({ "decision": "dismiss" }),
        "SaveDraft" => json!({ "questions": [{ "id": "q1", "text": "您家吃穿不愁吗？", "kind": "yes_no" }] }),
        "AssignRequest" => {
            json!({ "class": "small", "measure": "立即整改", "units": [{ "kind": "village", "id": r.village }] })
        }
        "NoteRequest" | "CompletionRequest" => json!({ "note": "越权操作", "photo_ids": [r.photo] }),
        "DecideRequest" => json!({ "decision": "越权议定" }),
        "VerifyRequest" => json!({ "verdict": "accept", "note": "越权核验" }),
        "UpdateUser" => json!({ "active": false }),
        "CreateGrant" => json!({ "role": "cadre", "scope_kind": "village", "scope_id": r.village }),
        "SetGroups" => json!({ "group_ids": [] }),
        "UpdateList" => json!({ "remarks": "越权", "items": [] }),
        "CommentOnList" => json!({ "body": "越权意见" }),
        "CancelRound" => json!({ "reason": "越权撤销" }),
        "AnswerProposal" => json!({ "answer": "accept" }),
        "ReviewRequest" => json!({ "decision": "accept", "reason": "越权审核" }),
        "UpdateTown" => json!({ "live_from": "2026-11-01" }),
        _ => return None,
    })
}

/// Town knowledge every user of the town reads by design: the must-know material all cadres learn
/// from, and the phone questionnaire any caller (a cadre too) works through. Writes stay refused.
const TOWN_SHARED_READS: [&str; 2] =
    ["GET /api/v1/must-know/{owner_kind}/{owner_id}", "GET /api/v1/phone-checks/questionnaires/{id}"];

struct Operation {
    method: Method,
    template: String,
    body_schema: Option<String>,
    multipart: bool,
}

async fn contract(app: &TestApp) -> Value {
    let res = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    res.json().await.unwrap()
}

fn operations(contract: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    for (template, item) in contract["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else { continue };
            let content = &op["requestBody"]["content"];
            let body_schema = content["application/json"]["schema"]["$ref"]
                .as_str()
                .map(|r| r.rsplit('/').next().unwrap().to_owned());
            let multipart = content.get("multipart/form-data").is_some();
            out.push(Operation { method, template: template.clone(), body_schema, multipart });
        }
    }
    out
}

async fn call(app: &TestApp, op: &Operation, path: &str, token: &str, r: &Records) -> (StatusCode, String) {
    let mut req = app.client.request(op.method.clone(), app.url(path)).bearer_auth(token);
    if let Some(schema) = &op.body_schema {
        let body = body_for(schema, r).unwrap_or_else(|| panic!("no attacker body for {schema}: add one"));
        req = req.json(&body);
    } else if op.multipart {
        let part = reqwest::multipart::Part::bytes(b"%PDF-1.4\n%%EOF\n".to_vec()).file_name("a.pdf");
        req = req.multipart(reqwest::multipart::Form::new().part("file", part));
    }
    let res = into_res(req.send().await.unwrap()).await;
    (res.status, res.text)
}

#[tokio::test]
async fn every_operation_that_takes_an_id_refuses_a_cadre_of_another_village() {
    let app = spawn_app().await;
    let records = village_a_records(&app).await;
    let attacker = app.login("demo-cadre-b").await;
    let rro = app.login("demo-rro").await;
    let admin = app.login("demo-admin").await;
    let contract = contract(&app).await;
    let mut covered = 0;
    let mut failures = Vec::new();
    for op in operations(&contract).iter().filter(|o| o.template.contains('{')) {
        let Some(path) = path_for(&op.template, &records) else {
            failures.push(format!("{} {}: no way to fill its ids — extend path_for", op.method, op.template));
            continue;
        };
        let (status, text) = call(&app, op, &path, &attacker, &records).await;
        let shared = TOWN_SHARED_READS.contains(&format!("{} {}", op.method, op.template).as_str());
        if status != StatusCode::NOT_FOUND && status != StatusCode::FORBIDDEN && !(shared && status.is_success()) {
            failures.push(format!("{} {path}: {status} {text}", op.method));
        }
        // Where the id is a real record, the town office reads it: the refusal was scope, not a bad id.
        let is_real = [&records.household, &records.visit, &records.photo, &records.problem, &records.user]
            .iter()
            .any(|id| path.contains(id.as_str()));
        if op.method == Method::GET && is_real {
            // Accounts are the admin's to read; everything else the RRO's.
            let office = if path.contains(records.user.as_str()) { &admin } else { &rro };
            let (status, text) = call(&app, op, &path, office, &records).await;
            if !status.is_success() {
                failures.push(format!("GET {path} as the RRO: {status} {text}"));
            }
        }
        covered += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(covered >= 50, "only {covered} operations take an id");
}

/// Fills a list operation's required query parameters with plausible values.
fn query_for(op: &Value) -> String {
    let mut pairs = Vec::new();
    for p in op["parameters"].as_array().into_iter().flatten() {
        if p["in"] != "query" || p["required"] != true {
            continue;
        }
        let name = p["name"].as_str().unwrap();
        let value = match name {
            "month" | "period" => "2026-11".to_owned(),
            "quarter" => "2026-Q4".to_owned(),
            "kind" => "routine".to_owned(),
            _ => p["schema"]["enum"][0].as_str().map_or_else(|| "x".to_owned(), str::to_owned),
        };
        pairs.push(format!("{name}={value}"));
    }
    pairs.join("&")
}

#[tokio::test]
async fn no_list_shows_a_cadre_of_another_village_a_record_of_village_a() {
    let app = spawn_app().await;
    let records = village_a_records(&app).await;
    let attacker = app.login("demo-cadre-b").await;
    let contract = contract(&app).await;
    let secret_ids = [&records.household, &records.visit, &records.photo, &records.problem];
    let mut lists = 0;
    let mut failures = Vec::new();
    for (template, item) in contract["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        if template.contains('{') || !template.starts_with("/api/v1/") {
            continue;
        }
        let query = query_for(op);
        let path = if query.is_empty() { template.clone() } else { format!("{template}?{query}") };
        let res = app.request(Method::GET, &path, Some(&attacker), None, &[]).await;
        if res.status.is_server_error() {
            failures.push(format!("GET {path}: {} {}", res.status, res.text));
        }
        for id in secret_ids {
            if res.text.contains(id.as_str()) {
                failures.push(format!("GET {path} shows village A's record {id}"));
            }
        }
        lists += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(lists >= 40, "only {lists} lists read");
    // The same lists do show them to their own village: the check looks where the ids would be.
    let cadre = app.login("demo-cadre-a").await;
    let own = app.get(&format!("/api/v1/problems?visit_id={}", records.visit), &cadre).await;
    assert!(own.text.contains(records.problem.as_str()));
}

/// Sends a body far over the limit on a raw connection and reads the answer before sending it all.
async fn answer_to_an_oversized_body(app: &TestApp, token: &str, path: &str, content_type: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let declared = 200 * 1024 * 1024;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: {content_type}\r\n\
         Content-Length: {declared}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // Only a few MB of the 200 MB are ever sent: the answer must come without the rest.
    let chunk = vec![b'a'; 64 * 1024];
    for _ in 0..64 {
        if stream.write_all(&chunk).await.is_err() {
            break;
        }
    }
    let mut buf = vec![0; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut buf))
        .await
        .expect("answered before the whole body was sent")
        .unwrap_or(0);
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test]
async fn oversized_bodies_and_pages_are_refused_before_they_cost_anything() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    let json_answer = answer_to_an_oversized_body(&app, &cadre, "/api/v1/visits", "application/json").await;
    assert!(json_answer.starts_with("HTTP/1.1 413"), "{json_answer}");
    let upload = answer_to_an_oversized_body(&app, &cadre, "/api/v1/photos", "multipart/form-data; boundary=x").await;
    // Refused as too large, or as a form that cannot be read (the body was cut off unread).
    assert!(["HTTP/1.1 413", "HTTP/1.1 400", "HTTP/1.1 422"].iter().any(|s| upload.starts_with(s)), "{upload}");

    app.get("/api/v1/households?per_page=201", &cadre).await.assert_problem(422, "validation_failed");
    let huge = app.get("/api/v1/households?per_page=99999999999999999999", &cadre).await;
    huge.assert_problem(422, "validation_failed");
    assert_eq!(huge.body["errors"][0]["field"], "per_page", "{}", huge.text);
    let unknown = app.get("/api/v1/households?per_page=20&id_number=110105198001010013", &cadre).await;
    unknown.assert_problem(400, "unknown_parameter");
    assert_eq!(unknown.body["errors"][0]["field"], "id_number", "{}", unknown.text);
}

#[tokio::test]
async fn hostile_files_get_a_clear_4xx() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    // A pixel bomb: a tiny PNG that declares 100 000 × 100 000 pixels.
    let mut bomb = Vec::new();
    {
        let mut enc = png_header(100_000, 100_000);
        bomb.append(&mut enc);
    }
    let svg =
        br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>"#.to_vec();
    let php = b"<?php system($_GET['c']); ?>".to_vec();
    let mut truncated = jpeg(7);
    truncated.truncate(truncated.len() / 3);
    for (what, bytes) in [("pixel bomb", bomb), ("svg", svg), ("php named .jpg", php), ("truncated jpeg", truncated)] {
        let res = app.upload_photo(&cadre, bytes, None, None).await;
        assert!(res.status.is_client_error(), "{what}: {} {}", res.status, res.text);
        assert!(res.content_type.starts_with("application/problem+json"), "{what}");
        assert!(res.body["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {}", res.text);
    }
}

/// A PNG signature and an IHDR chunk (with its CRC) declaring the given size, and no pixels.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let crc = crc32(&ihdr);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(&ihdr);
    out.extend_from_slice(&crc.to_be_bytes());
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[tokio::test]
async fn no_answer_carries_a_session_key_a_full_id_number_or_an_internal_error() {
    let app = spawn_app().await;
    let records = village_a_records(&app).await;
    let rro = app.login("demo-rro").await;
    let contract = contract(&app).await;
    // The full numbers, as the reveal (audited) gives them.
    let mut secrets = Vec::new();
    let households = app.get("/api/v1/households?per_page=200", &rro).await;
    for h in households.body["items"].as_array().unwrap().iter().take(5) {
        let id = h["id"].as_str().unwrap();
        let shown = app.post(&format!("/api/v1/households/{id}/reveal"), &rro, json!({ "reason": "核对身份" })).await;
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
        secrets.push(shown.body["id_number"].as_str().unwrap().to_owned());
    }
    let mut seen = BTreeMap::new();
    for (template, item) in contract["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        let path = path_for(template, &records).unwrap_or_else(|| template.clone());
        let query = query_for(op);
        let path = if query.is_empty() { path } else { format!("{path}?{query}") };
        let res = app.request(Method::GET, &path, Some(&rro), None, &[]).await;
        for secret in &secrets {
            assert!(!res.text.contains(secret.as_str()), "GET {path} shows a full ID number");
        }
        for leak in ["session_key", "panicked", "DbErr", "sqlx", "SqliteError", "stack backtrace"] {
            assert!(!res.text.contains(leak), "GET {path} carries {leak}: {}", res.text);
        }
        seen.insert(path, res.status);
    }
    assert!(seen.len() >= 60, "only {} reads made", seen.len());
}

#[tokio::test]
async fn the_database_holds_no_plaintext_id_number_or_phone() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let households = app.get("/api/v1/households?per_page=200", &rro).await;
    let mut secrets = Vec::new();
    for h in households.body["items"].as_array().unwrap().iter().take(10) {
        let id = h["id"].as_str().unwrap();
        let shown = app.post(&format!("/api/v1/households/{id}/reveal"), &rro, json!({ "reason": "核对身份" })).await;
        secrets.push(shown.body["id_number"].as_str().unwrap().to_owned());
        for p in shown.body["phones"].as_array().into_iter().flatten() {
            secrets.push(p.as_str().unwrap().to_owned());
        }
    }
    assert!(secrets.len() > 10, "the demo households have phones");
    // What a dump holds: the SQLite file and its journal byte for byte, or every PostgreSQL row as text.
    let dump = if let Some(file) = app.database_url.strip_prefix("sqlite://") {
        let path = file.split('?').next().unwrap();
        let mut bytes = std::fs::read(path).unwrap();
        bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        let db = &app.state.db;
        let backend = db.get_database_backend();
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
            ))
            .await
            .unwrap();
        let mut text = String::new();
        for t in rows {
            let name: String = t.try_get("", "name").unwrap();
            let sql = format!("SELECT row_to_json(t)::text AS j FROM \"{name}\" t");
            for row in db.query_all_raw(Statement::from_string(backend, sql)).await.unwrap() {
                text.push_str(&row.try_get::<String>("", "j").unwrap());
                text.push('\n');
            }
        }
        text
    };
    assert!(dump.contains("红光村"), "the dump holds the town's plain data");
    for secret in &secrets {
        assert!(!dump.contains(secret.as_str()), "the database holds {secret} in plain text");
    }
}
