//! Households: create (idempotent), masked responses, reveal with audit, history, filters, paging.

use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::{TestApp, id_number, spawn_app};

async fn new_household_body(app: &TestApp, token: &str, id: &str) -> Value {
    let village = app.village_id(token, "红光村").await;
    json!({
        "village_id": village,
        "head_name": "测试户主",
        "id_number": id,
        "phones": ["13812345678", "023-47512345"],
        "address": "红光村一社1号",
        "location": { "latitude": 29.37, "longitude": 106.30, "datum": "gcj02" },
        "member_count": 4,
        "tags": ["alleviated", "subsistence"],
    })
}

#[tokio::test]
async fn a_created_household_is_shown_masked_and_a_repeat_with_the_same_key_returns_the_first() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let id = id_number("50038119850317123");
    let body = new_household_body(&app, &rro, &id).await;
    let headers = [("Idempotency-Key", "hh-create-1")];
    let first = app.request(Method::POST, "/api/v1/households", Some(&rro), Some(body.clone()), &headers).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert!(!first.text.contains(&id), "the full ID number leaked");
    assert!(!first.text.contains("13812345678"));
    assert_eq!(first.body["id_number_masked"], format!("500***********{}", &id[14..]));
    assert_eq!(first.body["phones_masked"], json!(["138****5678", "023-****2345"]));
    assert_eq!(first.body["is_target"], true);

    let second = app.request(Method::POST, "/api/v1/households", Some(&rro), Some(body.clone()), &headers).await;
    assert_eq!(second.status, StatusCode::CREATED);
    assert_eq!(second.body["id"], first.body["id"]);
    assert_eq!(second.headers.get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"));

    let mut other = body.clone();
    other["head_name"] = json!("别的名字");
    app.request(Method::POST, "/api/v1/households", Some(&rro), Some(other), &headers)
        .await
        .assert_problem(422, "idempotency_key_reused");

    // Without the key, the same ID number in the same town is a conflict, not a duplicate.
    app.post("/api/v1/households", &rro, body).await.assert_problem(409, "household_exists");
}

#[tokio::test]
async fn the_same_key_from_another_user_is_a_different_request() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let sec = app.login("demo-secretary-a").await;
    let headers = [("Idempotency-Key", "same-key")];
    let a = new_household_body(&app, &rro, &id_number("50038119850317124")).await;
    let b = new_household_body(&app, &rro, &id_number("50038119850317125")).await;
    let r1 = app.request(Method::POST, "/api/v1/households", Some(&rro), Some(a), &headers).await;
    let r2 = app.request(Method::POST, "/api/v1/households", Some(&sec), Some(b), &headers).await;
    assert_eq!(r1.status, StatusCode::CREATED);
    assert_eq!(r2.status, StatusCode::CREATED, "{}", r2.text);
    assert_ne!(r1.body["id"], r2.body["id"]);
}

#[tokio::test]
async fn every_bad_field_is_listed_and_nothing_is_written() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let before = app.get("/api/v1/households?per_page=1", &rro).await.body["total"].as_u64().unwrap();
    let mut body = new_household_body(&app, &rro, "110105194912310021").await;
    body["phones"] = json!(["12345", "13812345678"]);
    body["tags"] = json!(["alleviated", "rich"]);
    body["member_count"] = json!(0);
    body["head_name"] = json!("");
    let res = app.post("/api/v1/households", &rro, body).await;
    res.assert_problem(422, "validation_failed");
    assert_eq!(res.fields(), ["head_name", "member_count"]);
    // Shape errors come first; once fixed, the domain checks list theirs.
    let mut body = new_household_body(&app, &rro, "110105194912310021").await;
    body["phones"] = json!(["12345", "13812345678"]);
    body["tags"] = json!(["alleviated", "rich"]);
    let res = app.post("/api/v1/households", &rro, body).await;
    res.assert_problem(422, "validation_failed");
    let mut fields = res.fields();
    fields.sort();
    assert_eq!(fields, ["id_number", "phones[0]", "tags[1]"]);
    let after = app.get("/api/v1/households?per_page=1", &rro).await.body["total"].as_u64().unwrap();
    assert_eq!(before, after);
}

#[tokio::test]
async fn a_monitored_household_needs_its_risk_status() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let mut body = new_household_body(&app, &rro, &id_number("50038119850317126")).await;
    body["tags"] = json!(["monitored_edge"]);
    let res = app.post("/api/v1/households", &rro, body.clone()).await;
    res.assert_problem(422, "validation_failed");
    assert_eq!(res.fields(), ["risk_status"]);
    body["risk_status"] = json!("at_risk");
    assert_eq!(app.post("/api/v1/households", &rro, body).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_reveal_returns_the_full_numbers_and_leaves_an_audit_record() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let id = id_number("50038119850317127");
    let created = app.post("/api/v1/households", &rro, new_household_body(&app, &rro, &id).await).await;
    let hid = created.body["id"].as_str().unwrap();
    let no_reason = app.post(&format!("/api/v1/households/{hid}/reveal"), &rro, json!({ "reason": "" })).await;
    no_reason.assert_problem(422, "validation_failed");
    let res = app.post(&format!("/api/v1/households/{hid}/reveal"), &rro, json!({ "reason": "核对低保材料" })).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.body["id_number"], id);
    assert_eq!(res.body["phones"], json!(["13812345678", "023-47512345"]));
    let audit = app.get(&format!("/api/v1/audit?action=household.reveal&object_id={hid}"), &rro).await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.text);
    assert_eq!(audit.body["total"], 1);
    let entry = &audit.body["items"][0];
    assert_eq!(entry["detail"]["reason"], "核对低保材料");
    assert_eq!(entry["actor_id"], app.get("/api/v1/me", &rro).await.body["id"]);
    assert_eq!(entry["ip"], "127.0.0.1");
    // Reading a household is logged too.
    app.get(&format!("/api/v1/households/{hid}"), &rro).await;
    let reads = app.get(&format!("/api/v1/audit?action=household.read&object_id={hid}"), &rro).await;
    assert_eq!(reads.body["total"], 1);
}

/// Reads are logged in batches: two hundred at once are all in the log, each once, when it is listed.
#[tokio::test]
async fn every_read_of_many_at_once_is_in_the_audit_log() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let hid = app.get("/api/v1/households?per_page=1", &rro).await.body["items"][0]["id"].as_str().unwrap().to_owned();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let (client, url, token) = (app.client.clone(), app.url(&format!("/api/v1/households/{hid}")), rro.clone());
        tasks.spawn(async move { client.get(url).bearer_auth(token).send().await.expect("answered").status() });
    }
    assert!(tasks.join_all().await.iter().all(|s| *s == StatusCode::OK));
    let reads = app.get(&format!("/api/v1/audit?action=household.read&object_id={hid}&per_page=100"), &rro).await;
    assert_eq!(reads.body["total"], 200, "{}", reads.text);
    let ids: std::collections::BTreeSet<&str> =
        reads.body["items"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 100);
}

#[tokio::test]
async fn leaders_see_households_but_cannot_reveal_them() {
    let app = spawn_app().await;
    let leader = app.login("demo-leader").await;
    let list = app.get("/api/v1/households?per_page=1", &leader).await;
    let hid = list.body["items"][0]["id"].as_str().unwrap();
    app.post(&format!("/api/v1/households/{hid}/reveal"), &leader, json!({ "reason": "想看看" }))
        .await
        .assert_problem(403, "not_permitted");
}

#[tokio::test]
async fn an_update_records_history_and_a_stale_version_is_refused() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let created = app
        .post("/api/v1/households", &rro, new_household_body(&app, &rro, &id_number("50038119850317128")).await)
        .await;
    let hid = created.body["id"].as_str().unwrap();
    let path = format!("/api/v1/households/{hid}");
    assert_eq!(app.get(&path, &rro).await.body["version"], 1);
    let res = app
        .patch(&path, &rro, json!({ "version": 1, "member_count": 5, "phones": ["13900001111"], "group_id": null }))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.body["version"], 2);
    // A read right after the write shows it (the household is not answered from before it).
    let read = app.get(&path, &rro).await;
    assert_eq!((read.body["version"].clone(), read.body["member_count"].clone()), (json!(2), json!(5)));
    assert_eq!(res.body["member_count"], 5);
    assert_eq!(res.body["phones_masked"], json!(["139****1111"]));
    app.patch(&path, &rro, json!({ "version": 1, "member_count": 6 })).await.assert_problem(409, "version_conflict");
    // Nothing changed: no new version.
    let same = app.patch(&path, &rro, json!({ "member_count": 5 })).await;
    assert_eq!(same.body["version"], 2);
    let history = app.get(&format!("{path}/history"), &rro).await;
    let entries = history.body.as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["changes"]["member_count"], json!({ "from": 4, "to": 5 }));
    assert_eq!(entries[1]["changes"]["phones"]["to"], json!(["139****1111"]));
    assert!(!history.text.contains("13900001111"), "history must not hold a full phone number");
}

#[tokio::test]
async fn the_list_filters_by_village_tag_and_name_and_caps_the_page_size() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let a = app.village_id(&rro, "红光村").await;
    let all = app.get("/api/v1/households?per_page=200", &rro).await;
    assert_eq!(all.body["total"], 40);
    let in_a = app.get(&format!("/api/v1/households?village_id={a}&per_page=200"), &rro).await;
    assert_eq!(in_a.body["total"], 8);
    assert!(in_a.body["items"].as_array().unwrap().iter().all(|h| h["village_id"] == a.to_string()));
    let subsistence = app.get("/api/v1/households?tag=subsistence&per_page=200", &rro).await;
    assert!(
        subsistence.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["tags"].as_array().unwrap().contains(&json!("subsistence")))
    );
    let name = all.body["items"][0]["head_name"].as_str().unwrap().to_owned();
    let surname: String = name.chars().take(1).collect();
    let found = app.get(&format!("/api/v1/households?q={surname}&per_page=200"), &rro).await;
    assert!(
        found.body["items"].as_array().unwrap().iter().all(|h| h["head_name"].as_str().unwrap().contains(&surname))
    );
    assert!(found.body["total"].as_u64().unwrap() >= 1);
    let page2 = app.get("/api/v1/households?per_page=15&page=2", &rro).await;
    assert_eq!(page2.body["items"].as_array().unwrap().len(), 15);
    assert_eq!(page2.body["page"], 2);
    app.get("/api/v1/households?per_page=201", &rro).await.assert_problem(422, "validation_failed");
    app.get("/api/v1/households?tag=rich", &rro).await.assert_problem(422, "validation_failed");
    let bad = app.get("/api/v1/households?village_id=not-a-uuid", &rro).await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.body["errors"][0]["field"], "village_id", "{}", bad.text);
}

#[tokio::test]
async fn the_database_holds_no_plaintext_id_number_or_phone() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let id = id_number("50038119850317129");
    app.post("/api/v1/households", &rro, new_household_body(&app, &rro, &id).await).await;
    let rows = app
        .state
        .db
        .query_all_raw(Statement::from_string(
            app.state.db.get_database_backend(),
            "SELECT id_number_enc, id_number_hash, phones_enc FROM households",
        ))
        .await
        .unwrap();
    assert!(rows.len() > 40);
    let dump = format!("{rows:?}");
    assert!(!dump.contains(&id));
    assert!(!dump.contains("13812345678"));
    assert!(!dump.contains("47512345"));
}
