//! The scope matrix: every role tries every household endpoint on a household inside its scope and
//! outside it. Outside means 404 (or 403 where the role may never do it), never the data.

use std::collections::HashMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// Four households: village A group 一社 (cadre A's), village A group 三社 (not cadre A's),
/// village B group 一社 (cadre B's), village C.
async fn targets(app: &TestApp) -> HashMap<&'static str, String> {
    let rro = app.login("demo-rro").await;
    let groups = app.get("/api/v1/groups", &rro).await.body;
    let group_name = |id: &Value| {
        groups.as_array().unwrap().iter().find(|g| &g["id"] == id).map(|g| g["name"].as_str().unwrap().to_owned())
    };
    let mut out = HashMap::new();
    for (key, village, group) in
        [("a_in", "红光村", "一社"), ("a_out", "红光村", "三社"), ("b", "双桥村", "一社"), ("c", "凉风村", "一社")]
    {
        let vid = app.village_id(&rro, village).await;
        let hh = app.households_of(vid).await;
        let h = hh
            .iter()
            .find(|h| group_name(&h["group_id"]).as_deref() == Some(group))
            .unwrap_or_else(|| panic!("no household in {village}{group}"));
        out.insert(key, h["id"].as_str().unwrap().to_owned());
    }
    out
}

/// Expected status of (read, write, reveal) per target, by role.
fn expected(user: &str, target: &str) -> (u16, u16, u16) {
    match user {
        "demo-rro" => (200, 200, 200),
        // The admin runs accounts: no full ID number or phone (need to know).
        "demo-admin" => (200, 200, 403),
        "demo-leader" | "demo-deputy" | "demo-discipline" => (200, 403, 403),
        // A call taker sees the phone of the case she holds, through the case.
        "demo-calltaker" => (200, 403, 403),
        // The department's information officer role may read households, but a department reaches none.
        "demo-dept" => (404, 403, 403),
        "demo-clerk" => (403, 403, 403),
        "demo-secretary-a" | "demo-teamlead-a" => match target {
            "a_in" | "a_out" => (200, 200, 200),
            _ => (404, 404, 404),
        },
        "demo-officer-a" => match target {
            "a_in" | "a_out" => (200, 403, 403),
            _ => (404, 403, 403),
        },
        "demo-cadre-a" => match target {
            "a_in" => (200, 403, 200),
            _ => (404, 403, 404),
        },
        "demo-cadre-b" => match target {
            "b" => (200, 403, 200),
            _ => (404, 403, 404),
        },
        other => panic!("no expectation for {other}"),
    }
}

#[tokio::test]
async fn every_role_reaches_exactly_its_scope_on_every_household_endpoint() {
    let app = spawn_app().await;
    let targets = targets(&app).await;
    let users = [
        "demo-rro",
        "demo-admin",
        "demo-leader",
        "demo-deputy",
        "demo-discipline",
        "demo-calltaker",
        "demo-dept",
        "demo-clerk",
        "demo-secretary-a",
        "demo-teamlead-a",
        "demo-officer-a",
        "demo-cadre-a",
        "demo-cadre-b",
    ];
    let mut failures = vec![];
    for user in users {
        let token = app.login(user).await;
        for (key, id) in &targets {
            let (read, write, reveal) = expected(user, key);
            let path = format!("/api/v1/households/{id}");
            let got = [
                ("GET", app.get(&path, &token).await, read),
                ("GET history", app.get(&format!("{path}/history"), &token).await, read),
                ("PATCH", app.patch(&path, &token, json!({ "notes": format!("checked by {user}") })).await, write),
                ("reveal", app.post(&format!("{path}/reveal"), &token, json!({ "reason": "范围测试" })).await, reveal),
            ];
            for (what, res, want) in got {
                if res.status.as_u16() != want {
                    failures.push(format!("{user} {what} {key}: got {} want {want}", res.status));
                }
                if want >= 400 {
                    assert!(
                        !res.text.contains(id.as_str()) || what == "none",
                        "{user} {what} {key} leaked the id: {}",
                        res.text
                    );
                    assert!(res.content_type.starts_with("application/problem+json"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn a_cadre_lists_only_the_households_of_their_groups_and_links() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let me = app.get("/api/v1/me", &app.login("demo-cadre-a").await).await.body;
    let my_groups: Vec<Value> = me["group_ids"].as_array().unwrap().clone();
    let cadre = app.login("demo-cadre-a").await;
    let list = app.get("/api/v1/households?per_page=200", &cadre).await;
    assert_eq!(list.status, StatusCode::OK);
    let items = list.body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for h in items {
        let linked = h["cadre_ids"].as_array().unwrap().contains(&me["id"]);
        assert!(my_groups.contains(&h["group_id"]) || linked, "cadre A sees {h}");
    }
    let b = app.village_id(&rro, "双桥村").await;
    let none = app.get(&format!("/api/v1/households?village_id={b}"), &cadre).await;
    assert_eq!(none.body["total"], 0);
}

/// Linking a cadre to a household (联户) reaches it on their very next request, and unlinking takes
/// it away as quickly — whatever the server keeps of the cadre's access between requests.
#[tokio::test]
async fn a_cadre_reaches_a_household_the_moment_it_is_linked_and_loses_it_when_unlinked() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let cadre = app.login("demo-cadre-a").await;
    let me = app.get("/api/v1/me", &cadre).await.body;
    let my_groups: Vec<Value> = me["group_ids"].as_array().unwrap().clone();
    let mine = app.get("/api/v1/households?per_page=1", &cadre).await;
    let village = mine.body["items"][0]["village_id"].as_str().unwrap().to_owned();
    let all = app.get(&format!("/api/v1/households?village_id={village}&per_page=200"), &rro).await;
    let other = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| !my_groups.contains(&h["group_id"]) && !h["cadre_ids"].as_array().unwrap().contains(&me["id"]))
        .expect("a household of the village outside cadre A's groups and links")
        .clone();
    let path = format!("/api/v1/households/{}", other["id"].as_str().unwrap());
    app.get(&path, &cadre).await.assert_problem(404, "not_found");
    let mut cadres = other["cadre_ids"].as_array().unwrap().clone();
    cadres.push(me["id"].clone());
    let linked = app.patch(&path, &rro, json!({ "cadre_ids": cadres })).await;
    assert_eq!(linked.status, StatusCode::OK, "{}", linked.text);
    assert_eq!(app.get(&path, &cadre).await.status, StatusCode::OK, "the link did not reach at once");
    let listed = app.get(&format!("/api/v1/households?village_id={village}&per_page=200"), &cadre).await;
    assert!(listed.body["items"].as_array().unwrap().iter().any(|h| h["id"] == other["id"]));
    let unlinked = app.patch(&path, &rro, json!({ "cadre_ids": other["cadre_ids"] })).await;
    assert_eq!(unlinked.status, StatusCode::OK, "{}", unlinked.text);
    app.get(&path, &cadre).await.assert_problem(404, "not_found");
}

#[tokio::test]
async fn a_village_role_cannot_create_a_household_in_another_village() {
    let app = spawn_app().await;
    let sec = app.login("demo-secretary-a").await;
    let b = app.village_id(&sec, "双桥村").await;
    let res = app
        .post(
            "/api/v1/households",
            &sec,
            json!({ "village_id": b, "head_name": "越权", "id_number": crate::helpers::id_number("50038119850317130"), "member_count": 1, "tags": ["alleviated"] }),
        )
        .await;
    res.assert_problem(404, "not_found");
    assert_eq!(res.fields(), ["village_id"]);
}

#[tokio::test]
async fn a_malformed_id_in_the_path_is_a_404() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    app.get("/api/v1/households/not-a-uuid", &rro).await.assert_problem(404, "not_found");
}
