//! The committed contract matches the code, and it hangs together.

use std::collections::BTreeSet;

use serde_json::Value;

const REGENERATE: &str = "cargo run -q -p changxiao -- openapi > openapi/openapi.json";

fn committed() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json")).unwrap_or_default()
}

#[test]
fn the_committed_contract_matches_the_code() {
    let generated = changxiao::openapi::spec_json().unwrap();
    assert!(generated == committed(), "openapi/openapi.json is out of date; regenerate it with:\n    {REGENERATE}");
}

#[tokio::test]
async fn the_served_contract_is_the_committed_one() {
    let app = crate::helpers::spawn_app().await;
    let served = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json::<Value>().await.unwrap();
    let file: Value = serde_json::from_str(&committed()).unwrap();
    assert_eq!(served, file, "regenerate with: {REGENERATE}");
}

fn refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.insert(r.clone());
            }
            m.values().for_each(|x| refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves_and_every_operation_is_named_and_documents_its_errors() {
    let spec: Value = serde_json::from_str(&changxiao::openapi::spec_json().unwrap()).unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    let mut all = BTreeSet::new();
    refs(&spec, &mut all);
    for r in &all {
        let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("external ref {r}"));
        assert!(spec.pointer(pointer).is_some(), "dangling $ref {r}");
    }
    let mut ids = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(ids.insert(id.to_owned()), "operationId {id} twice");
            let secured = op.get("security").and_then(|s| s.as_array()).is_some_and(|s| !s.is_empty());
            if secured {
                assert!(op["responses"].get("401").is_some(), "{method} {path} does not document 401");
            }
            if path.contains('{') && secured {
                assert!(op["responses"].get("404").is_some(), "{method} {path} does not document 404");
            }
        }
    }
}
