//! The authority matrix, generated from the contract and the authority table: every operation has a
//! row, and every operation × every demo login is refused at the gate exactly when the table admits
//! none of the login's roles. Then the rows the notice rests on, one test each.

use std::collections::BTreeSet;

use changxiao::authority::{Gate, gate_of};
use domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, spawn_app};

const LOGINS: [&str; 13] = [
    "demo-rro",
    "demo-leader",
    "demo-deputy",
    "demo-discipline",
    "demo-dept",
    "demo-clerk",
    "demo-calltaker",
    "demo-secretary-a",
    "demo-teamlead-a",
    "demo-cadre-a",
    "demo-cadre-b",
    "demo-officer-a",
    "demo-admin",
];

async fn roles_of(app: &TestApp, token: &str) -> BTreeSet<Role> {
    let me = app.get("/api/v1/me", token).await;
    me.body["grants"].as_array().unwrap().iter().map(|g| g["role"].as_str().unwrap().parse().unwrap()).collect()
}

#[test]
fn every_operation_of_the_contract_has_a_row_and_states_it() {
    let api = changxiao::openapi::spec();
    let mut missing = vec![];
    for item in api.paths.paths.values() {
        for (_, op) in changxiao::openapi::operations(item) {
            let id = op.operation_id.clone().unwrap_or_default();
            if gate_of(&id).is_none() {
                missing.push(id.clone());
            }
            let stated = op.extensions.as_ref().and_then(|e| e.get("x-authority"));
            assert!(stated.is_some() || gate_of(&id).is_none(), "{id} states no x-authority");
            if gate_of(&id) == Some(Gate::Public) {
                assert_eq!(op.security.as_ref().map(Vec::len), Some(0), "{id} is public: security []");
            }
        }
    }
    assert!(missing.is_empty(), "operations without a row in api/src/authority.rs: {missing:?}");
}

#[tokio::test]
async fn every_operation_refuses_exactly_the_roles_its_act_does_not_admit() {
    let app = spawn_app().await;
    let api = changxiao::openapi::spec();
    let mut tokens = vec![];
    for login in LOGINS {
        let token = app.login(login).await;
        let roles = roles_of(&app, &token).await;
        tokens.push((login, token, roles));
    }
    let mut checked = 0;
    for (path, item) in &api.paths.paths {
        for (method, op) in changxiao::openapi::operations(item) {
            let method = Method::from_bytes(method.as_str().as_bytes()).unwrap();
            let id = op.operation_id.clone().unwrap_or_default();
            let Some(Gate::Act(act)) = gate_of(&id) else { continue };
            // Any id: the gate decides before the record is looked for.
            let concrete: String = path
                .split('/')
                .map(|seg| if seg.starts_with('{') { Uuid::new_v4().to_string() } else { seg.to_owned() })
                .collect::<Vec<_>>()
                .join("/");
            let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
            for (login, token, roles) in &tokens {
                let res = app.request(method.clone(), &concrete, Some(token), body.clone(), &[]).await;
                let refused_at_gate = res.status == StatusCode::FORBIDDEN && res.code() == "not_permitted";
                let admitted = roles.iter().any(|r| act.admits(*r));
                assert_eq!(
                    refused_at_gate, !admitted,
                    "{method} {path} ({id}, {act}) as {login}: {} {}",
                    res.status, res.text
                );
                if refused_at_gate {
                    assert!(res.body["message"].as_str().unwrap().contains(act.what_zh()), "{}", res.text);
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "{checked} pairs");
}

#[tokio::test]
async fn the_rro_can_neither_reset_the_commissions_password_nor_grant_itself_anything() {
    let app = spawn_app().await;
    let admin = app.login("demo-admin").await;
    let rro = app.login("demo-rro").await;
    let discipline = app.user_id("demo-discipline").await;
    let rro_id = app.user_id("demo-rro").await;
    let town = app.get("/api/v1/me", &rro).await.body["town_id"].as_str().unwrap().to_owned();

    let reset = app.patch(&format!("/api/v1/users/{discipline}"), &rro, json!({ "password": "taken-over-1234" })).await;
    reset.assert_problem(403, "not_permitted");
    assert_eq!(app.login_res("demo-discipline", "taken-over-1234").await.status, StatusCode::UNAUTHORIZED);
    let grant = json!({ "role": "discipline", "scope_kind": "town", "scope_id": town });
    app.post(&format!("/api/v1/users/{rro_id}/grants"), &rro, grant.clone()).await.assert_problem(403, "not_permitted");
    app.get("/api/v1/discipline/queue", &rro).await.assert_problem(403, "not_permitted");
    app.get("/api/v1/supervisions/report?month=2026-11", &rro).await.assert_problem(403, "not_permitted");
    // The admin grants others, never themselves.
    let admin_id = app.user_id("demo-admin").await;
    let own = app
        .post(
            &format!("/api/v1/users/{admin_id}/grants"),
            &admin,
            json!({ "role": "rro_staff", "scope_kind": "town", "scope_id": town }),
        )
        .await;
    own.assert_problem(403, "separation_of_duties");
    assert!(roles_of(&app, &admin).await.iter().all(|r| *r == Role::Admin), "nothing was granted");
}

#[tokio::test]
async fn a_password_reset_by_the_admin_ends_every_session_and_the_wechat_binding() {
    let app = spawn_app().await;
    let admin = app.login("demo-admin").await;
    let cadre = app.login("demo-cadre-a").await;
    let id = app.user_id("demo-cadre-a").await;
    let res = app.patch(&format!("/api/v1/users/{id}"), &admin, json!({ "password": "a-new-long-password" })).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    app.get("/api/v1/me", &cadre).await.assert_problem(401, "session_revoked");
    let audit = app.get(&format!("/api/v1/audit?action=user.update&object_id={id}"), &admin).await;
    assert_eq!(audit.body["items"][0]["detail"]["password_reset"], Value::Bool(true), "{}", audit.text);
}

#[tokio::test]
async fn the_call_taker_and_the_admin_cannot_reveal_a_household() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let a = app.village_id(&rro, "红光村").await;
    let hid = app.households_of(a).await[0]["id"].as_str().unwrap().to_owned();
    for login in ["demo-calltaker", "demo-admin", "demo-discipline"] {
        let token = app.login(login).await;
        let res = app.post(&format!("/api/v1/households/{hid}/reveal"), &token, json!({ "reason": "想看看" })).await;
        res.assert_problem(403, "not_permitted");
    }
}
