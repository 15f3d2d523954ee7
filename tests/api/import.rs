//! Importing the roster: all rows checked first, every bad row reported, re-import updates.

use reqwest::StatusCode;
use rust_xlsxwriter::Workbook;

use crate::helpers::{id_number, spawn_app};

fn roster(rows: &[[&str; 6]]) -> String {
    let mut out = String::from("村,社,户主姓名,身份证号,户类型,家庭人口\n");
    for r in rows {
        out.push_str(&r.join(","));
        out.push('\n');
    }
    out
}

#[tokio::test]
async fn a_csv_roster_imports_and_a_reimport_updates_without_duplicates() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let (a, b) = (id_number("50038119700101001"), id_number("50038119700101002"));
    let csv = roster(&[
        ["红光村", "一社", "王一", &a, "脱贫户、低保户", "3"],
        ["双桥村", "", "王二", &b, "边缘易致贫户", "2"],
    ]);
    // The monitored household lacks its risk status: checked like any other field.
    let res = app.upload("/api/v1/households/import", &rro, "roster.csv", csv.into_bytes()).await;
    res.assert_problem(422, "import_invalid");
    assert_eq!(res.fields(), ["rows[3].risk_status"]);

    let csv = format!(
        "村,社,户主姓名,身份证号,户类型,家庭人口,风险状态\n红光村,一社,王一,{a},脱贫户、低保户,3,\n双桥村,,王二,{b},边缘易致贫户,2,at_risk\n"
    );
    let res = app.upload("/api/v1/households/import", &rro, "roster.csv", csv.clone().into_bytes()).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!((res.body["created"].as_u64(), res.body["updated"].as_u64()), (Some(2), Some(0)));

    let again =
        app.upload("/api/v1/households/import", &rro, "roster.csv", csv.replace(",3,", ",4,").into_bytes()).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(
        (again.body["created"].as_u64(), again.body["updated"].as_u64(), again.body["unchanged"].as_u64()),
        (Some(0), Some(1), Some(1))
    );
    let found = app.get("/api/v1/households?q=王一", &rro).await;
    assert_eq!(found.body["total"], 1);
    assert_eq!(found.body["items"][0]["member_count"], 4);
}

#[tokio::test]
async fn a_roster_with_bad_rows_writes_nothing_and_names_every_bad_row() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let before = app.get("/api/v1/households?per_page=1", &rro).await.body["total"].as_u64();
    let good = id_number("50038119700101003");
    let csv = roster(&[
        ["红光村", "一社", "好户", &good, "脱贫户", "3"],
        ["不存在村", "一社", "坏户一", &id_number("50038119700101004"), "脱贫户", "3"],
        ["红光村", "九社", "坏户二", "500381197001010051", "富裕户", "0"],
        ["红光村", "一社", "重复", &good, "脱贫户", "2"],
    ]);
    let res = app.upload("/api/v1/households/import", &rro, "roster.csv", csv.into_bytes()).await;
    res.assert_problem(422, "import_invalid");
    let mut fields = res.fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "rows[3].village",
            "rows[4].group",
            "rows[4].id_number",
            "rows[4].member_count",
            "rows[4].tags[0]",
            "rows[5].id_number"
        ]
    );
    assert!(res.body["message"].as_str().unwrap().contains("3行"));
    let after = app.get("/api/v1/households?per_page=1", &rro).await.body["total"].as_u64();
    assert_eq!(before, after);
}

#[tokio::test]
async fn an_xlsx_roster_imports() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["村", "户主姓名", "身份证号", "户类型", "家庭人口", "联系电话"].iter().enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let id = id_number("50038119700101006");
    ws.write_string(1, 0, "凉风村").unwrap();
    ws.write_string(1, 1, "赵六").unwrap();
    ws.write_string(1, 2, &id).unwrap();
    ws.write_string(1, 3, "特困户").unwrap();
    ws.write_number(1, 4, 1.0).unwrap();
    ws.write_string(1, 5, "13512345678；023-47511111").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let res = app.upload("/api/v1/households/import", &rro, "roster.xlsx", bytes).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.body["created"], 1);
    let found = app.get("/api/v1/households?q=赵六", &rro).await;
    assert_eq!(found.body["items"][0]["phones_masked"], serde_json::json!(["135****5678", "023-****1111"]));
}

#[tokio::test]
async fn only_town_offices_import_and_junk_is_refused_clearly() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    app.upload("/api/v1/households/import", &cadre, "r.csv", b"x".to_vec()).await.assert_problem(403, "not_permitted");
    let rro = app.login("demo-rro").await;
    let missing =
        app.upload("/api/v1/households/import", &rro, "r.csv", "村,户主姓名\n红光村,张三\n".as_bytes().to_vec()).await;
    missing.assert_problem(422, "import_missing_columns");
    let junk = app.upload("/api/v1/households/import", &rro, "r.xlsx", b"PK\x03\x04garbage".to_vec()).await;
    junk.assert_problem(422, "validation_failed");
    let big = app.upload("/api/v1/households/import", &rro, "r.csv", vec![b'a'; 3 << 20]).await;
    big.assert_problem(413, "payload_too_large");
}

#[tokio::test]
async fn every_column_is_mapped_or_refused_and_nothing_is_guessed() {
    let app = spawn_app().await;
    let rro = app.login("demo-rro").await;
    let a = id_number("50038119700101011");
    // 社/组 is the group column: the household gets its group.
    let csv = format!("序号,村,社/组,户主姓名,身份证号,户类型,家庭人口\n1,红光村,一社,李一,{a},脱贫户,3\n");
    let res = app.upload("/api/v1/households/import", &rro, "r.csv", csv.into_bytes()).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let found = app.get("/api/v1/households?q=李一", &rro).await;
    assert!(found.body["items"][0]["group_id"].is_string(), "the group was read: {}", found.text);
    // A column it does not know refuses the file, naming it and the accepted headers.
    let csv = format!(
        "村,户主姓名,身份证号,户类型,家庭人口,收入来源\n红光村,李二,{},脱贫户,2,务工\n",
        id_number("50038119700101012")
    );
    let res = app.upload("/api/v1/households/import", &rro, "r.csv", csv.into_bytes()).await;
    res.assert_problem(422, "import_unknown_columns");
    assert_eq!(res.body["errors"][0]["field"], "columns.收入来源");
    assert!(res.body["errors"][0]["message"].as_str().unwrap().contains("户主姓名"), "{}", res.text);
    // A bare 监测户 is asked about; an ID stored as a number says so; a missing column lists its names.
    let csv = format!(
        "村,户主姓名,身份证号,户类型,家庭人口,风险状态\n红光村,李三,{},监测户,2,at_risk\n红光村,李四,5.00381E+17,脱贫户,2,\n",
        id_number("50038119700101013")
    );
    let res = app.upload("/api/v1/households/import", &rro, "r.csv", csv.into_bytes()).await;
    res.assert_problem(422, "import_invalid");
    let errors = res.body["errors"].as_array().unwrap();
    let by_field = |f: &str| errors.iter().find(|e| e["field"].as_str().is_some_and(|x| x.starts_with(f))).cloned();
    let tag = by_field("rows[2].tags").unwrap_or_else(|| panic!("{}", res.text));
    assert_eq!(tag["code"], "subtype_needed");
    let id = by_field("rows[3].id_number").unwrap_or_else(|| panic!("{}", res.text));
    assert!(id["message"].as_str().unwrap().contains("文本"), "{id}");
    let missing =
        app.upload("/api/v1/households/import", &rro, "r.csv", "村,户主姓名\n红光村,张三\n".as_bytes().to_vec()).await;
    assert!(missing.body["errors"][0]["message"].as_str().unwrap().contains("身份证号码"), "{}", missing.text);
}
