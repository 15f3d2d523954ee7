//! The organisation: the office adds villages, groups, users and grants; others may only read.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_office_builds_a_village_with_a_cadre_who_then_sees_its_households() {
    let app = spawn_app().await;
    let admin = app.login("demo-admin").await;
    let v = app.post("/api/v1/villages", &admin, json!({ "name": "新村" })).await;
    assert_eq!(v.status, StatusCode::CREATED, "{}", v.text);
    let vid = v.body["id"].as_str().unwrap();
    app.post("/api/v1/villages", &admin, json!({ "name": "新村" })).await.assert_problem(409, "conflict");
    let g = app.post("/api/v1/groups", &admin, json!({ "village_id": vid, "name": "一社" })).await;
    assert_eq!(g.status, StatusCode::CREATED);
    let gid = g.body["id"].as_str().unwrap();
    let u = app
        .post(
            "/api/v1/users",
            &admin,
            json!({ "username": "new-cadre", "display_name": "新干部", "password": "a-long-password" }),
        )
        .await;
    assert_eq!(u.status, StatusCode::CREATED, "{}", u.text);
    let uid = u.body["id"].as_str().unwrap();
    let bad = app
        .post(
            &format!("/api/v1/users/{uid}/grants"),
            &admin,
            json!({ "role": "cadre", "scope_kind": "department", "scope_id": vid }),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    let grant = app
        .post(
            &format!("/api/v1/users/{uid}/grants"),
            &admin,
            json!({ "role": "cadre", "scope_kind": "village", "scope_id": vid }),
        )
        .await;
    assert_eq!(grant.status, StatusCode::CREATED, "{}", grant.text);
    let groups = app
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/users/{uid}/groups"),
            Some(&admin),
            Some(json!({ "group_ids": [gid] })),
            &[],
        )
        .await;
    assert_eq!(groups.status, StatusCode::OK, "{}", groups.text);
    let h = app
        .post(
            "/api/v1/households",
            &admin,
            json!({ "village_id": vid, "group_id": gid, "head_name": "新户", "id_number": crate::helpers::id_number("50038119700101007"), "member_count": 2, "tags": ["disabled"] }),
        )
        .await;
    assert_eq!(h.status, StatusCode::CREATED, "{}", h.text);
    let res = app.login_res("new-cadre", "a-long-password").await;
    let token = res.body["access_token"].as_str().unwrap();
    let list = app.get("/api/v1/households", token).await;
    assert_eq!(list.body["total"], 1);
    // A grant withdrawn applies on the cadre's very next request (their access is not kept over it).
    let grant_id = grant.body["grants"].as_array().unwrap().iter().find(|g| g["role"] == "cadre").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let withdrawn = app
        .request(reqwest::Method::DELETE, &format!("/api/v1/users/{uid}/grants/{grant_id}"), Some(&admin), None, &[])
        .await;
    assert_eq!(withdrawn.status, StatusCode::OK, "{}", withdrawn.text);
    app.get("/api/v1/households", token).await.assert_problem(403, "not_permitted");
    let again = app
        .post(
            &format!("/api/v1/users/{uid}/grants"),
            &admin,
            json!({ "role": "cadre", "scope_kind": "village", "scope_id": vid }),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    assert_eq!(app.get("/api/v1/households", token).await.body["total"], 1);
    // Disabling the user ends their session at once.
    app.patch(&format!("/api/v1/users/{uid}"), &admin, json!({ "active": false })).await;
    app.get("/api/v1/households", token).await.assert_problem(401, "session_revoked");
}

#[tokio::test]
async fn only_the_office_changes_the_organisation() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    app.post("/api/v1/villages", &cadre, json!({ "name": "偷建村" })).await.assert_problem(403, "not_permitted");
    app.get("/api/v1/users", &cadre).await.assert_problem(403, "not_permitted");
    let villages = app.get("/api/v1/villages", &cadre).await;
    assert_eq!(villages.body.as_array().unwrap().len(), 5);
    let depts = app.get("/api/v1/departments", &cadre).await;
    assert_eq!(depts.body.as_array().unwrap().len(), 14);
}

#[tokio::test]
async fn a_user_of_another_town_is_not_found() {
    let app = spawn_app().await;
    let now = app.clock.now();
    let other_town = changxiao::store::org::create_town(&app.state.db, None, "白沙镇", "baisha", now).await.unwrap();
    let stranger =
        changxiao::store::users::create(&app.state.db, Some(other_town.id), "baisha-user", "白沙", None, now)
            .await
            .unwrap();
    let admin = app.login("demo-admin").await;
    app.get(&format!("/api/v1/users/{}", stranger.id), &admin).await.assert_problem(404, "not_found");
    let grant = app
        .post(
            &format!("/api/v1/users/{}/grants", stranger.id),
            &admin,
            json!({ "role": "cadre", "scope_kind": "town", "scope_id": other_town.id }),
        )
        .await;
    grant.assert_problem(404, "not_found");
}

#[tokio::test]
async fn an_administrator_cannot_disable_their_own_account() {
    let app = spawn_app().await;
    let admin = app.login("demo-admin").await;
    let users = app.get("/api/v1/users?per_page=100", &admin).await;
    let me = users.body["items"].as_array().unwrap().iter().find(|u| u["username"] == "demo-admin").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.patch(&format!("/api/v1/users/{me}"), &admin, json!({ "active": false }))
        .await
        .assert_problem(403, "separation_of_duties");
    // Nothing of one's own account is changed through the admin's path; still signed in, still active.
    app.patch(&format!("/api/v1/users/{me}"), &admin, json!({ "display_name": "系统管理员" }))
        .await
        .assert_problem(403, "separation_of_duties");
    let still = app.get(&format!("/api/v1/users/{me}"), &admin).await;
    assert_eq!(still.body["active"], true, "{}", still.text);
}

#[tokio::test]
async fn a_cadre_put_in_charge_of_a_group_counts_in_coverage_at_once() {
    let app = spawn_app().await;
    let admin = app.login("demo-admin").await;
    let rro = app.login("demo-rro").await;
    // The town's coverage is read (and kept) before the change.
    let before = app.get("/api/v1/coverage", &rro).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.text);
    let group = before.body["by_group"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["targets"].as_u64() > Some(0))
        .expect("a group with target households")
        .clone();
    let u = app
        .post(
            "/api/v1/users",
            &admin,
            json!({ "username": "group-cadre", "display_name": "包社干部", "password": "a-long-password" }),
        )
        .await;
    assert_eq!(u.status, StatusCode::CREATED, "{}", u.text);
    let uid = u.body["id"].as_str().unwrap();
    let set = app
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/users/{uid}/groups"),
            Some(&admin),
            Some(json!({ "group_ids": [group["id"]] })),
            &[],
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    let after = app.get("/api/v1/coverage", &rro).await;
    let cadre = after.body["by_cadre"].as_array().unwrap().iter().find(|c| c["id"] == uid).cloned();
    assert_eq!(
        cadre.map(|c| c["targets"].clone()),
        Some(group["targets"].clone()),
        "the new cadre answers for the group's targets"
    );
}
