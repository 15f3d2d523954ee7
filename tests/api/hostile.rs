//! Hostile files at every endpoint that parses one: refused with a clear answer, before they are
//! read, while the service goes on answering everyone else.

use std::time::{Duration, Instant};

use changxiao::roster::samples::{sheet, workbook};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, jpeg, spawn_app};
use domain::uploads::DailyQuota;

/// The shapes a few kilobytes of xlsx (or csv) can take to exhaust a reader.
fn hostile_spreadsheets() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let header = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>身份证号</t></is></c><c r="B1" t="inlineStr"><is><t>类别</t></is></c></row>"#;
    let mut strings =
        br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#.to_vec();
    strings.extend(std::iter::repeat_n(b"<si><t>aaaaaaaa</t></si>".as_slice(), 1 << 20).flatten());
    strings.extend_from_slice(b"</sst>");
    let mut rows = String::from("身份证号,类别\n");
    rows.push_str(&"x,y\n".repeat(60_000));
    vec![
        ("dimension", "bomb.xlsx", workbook(&sheet(r#"<dimension ref="A1:XFD1048576"/>"#, header), None)),
        (
            "far corner",
            "corner.xlsx",
            workbook(&sheet("", &format!(r#"{header}<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#)), None),
        ),
        ("shared strings", "strings.xlsx", workbook(&sheet("", header), Some(&strings))),
        ("row count", "rows.csv", rows.into_bytes()),
    ]
}

/// `/healthz` from another client while `during` runs: every answer within a second.
async fn healthz_answers_throughout(app: &TestApp, during: impl std::future::Future<Output = ()>) {
    let probe = async {
        let mut slowest = Duration::ZERO;
        for _ in 0..20 {
            let started = Instant::now();
            let res = app.client.get(app.url("/healthz")).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            slowest = slowest.max(started.elapsed());
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        slowest
    };
    let ((), slowest) = tokio::join!(during, probe);
    assert!(slowest < Duration::from_secs(1), "/healthz took {slowest:?}");
}

#[tokio::test]
async fn every_spreadsheet_endpoint_refuses_each_hostile_shape_and_the_service_stays_up() {
    let app = spawn_app().await;
    let dept = app.login("demo-dept").await;
    let rro = app.login("demo-rro").await;
    healthz_answers_throughout(&app, async {
        for (shape, name, bytes) in hostile_spreadsheets() {
            for (path, token) in [("/api/v1/screenings?month=2026-11", &dept), ("/api/v1/households/import", &rro)] {
                let res = app.upload(path, token, name, bytes.clone()).await;
                assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{shape} at {path}: {}", res.text);
                assert_eq!(res.code(), "spreadsheet_too_large", "{shape} at {path}");
                assert!(res.body["message"].as_str().unwrap().contains('表'), "a Chinese message: {}", res.text);
            }
        }
    })
    .await;
    // Nothing was written: no screening task, no household.
    let tasks = app.get("/api/v1/screening-tasks", &dept).await;
    assert_eq!(tasks.body.as_array().map(Vec::len), Some(0), "{}", tasks.text);
}

#[tokio::test]
async fn a_photo_form_with_two_files_is_refused_and_keeps_neither() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(jpeg(1)).file_name("a.jpg"))
        .part("file", reqwest::multipart::Part::bytes(jpeg(2)).file_name("b.jpg"));
    let res = app.client.post(app.url("/api/v1/photos")).bearer_auth(&cadre).multipart(form).send().await.unwrap();
    let res = crate::helpers::into_res(res).await;
    res.assert_problem(422, "validation_failed");
    assert_eq!(res.fields(), ["file"]);
    assert!(res.text.contains("一次只能上传一张照片"), "{}", res.text);
}

#[tokio::test]
async fn a_photo_form_may_carry_the_mini_programs_own_parts_and_accuracy_by_its_wechat_name() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    let form = reqwest::multipart::Form::new()
        .text("latitude", "29.1")
        .text("longitude", "106.2")
        .text("accuracy", "12.5")
        .text("page", "pages/visit/photo")
        .part("file", reqwest::multipart::Part::bytes(jpeg(3)).file_name("a.jpg"));
    let res = app.client.post(app.url("/api/v1/photos")).bearer_auth(&cadre).multipart(form).send().await.unwrap();
    let res = crate::helpers::into_res(res).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(res.body["client_accuracy_m"], json!(12.5), "{}", res.text);
}

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().into()
}

#[tokio::test]
async fn a_users_uploads_are_capped_by_the_day_and_start_again_at_the_towns_midnight() {
    let app = crate::helpers::spawn_with(|s| s.upload_quota = DailyQuota { files: 2, bytes: 1 << 30 }).await;
    app.clock.set(at("2026-12-05T23:30:00+08:00"));
    let cadre = app.login("demo-cadre-a").await;
    for seed in [1, 2] {
        let res = app.upload_photo(&cadre, jpeg(seed), None, None).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    }
    // The same photo again (a phone's retry) is free; a new one is past the day's cap.
    assert_eq!(app.upload_photo(&cadre, jpeg(1), None, None).await.status, StatusCode::OK);
    let third = app.upload_photo(&cadre, jpeg(3), None, None).await;
    third.assert_problem(429, "upload_quota_reached");
    assert!(third.body["message"].as_str().unwrap().contains("2个文件"), "{}", third.text);
    assert_eq!(third.headers["retry-after"], "1800", "until the town's midnight");
    // Another user's day is their own.
    let other = app.login("demo-cadre-b").await;
    assert_eq!(app.upload_photo(&other, jpeg(3), None, None).await.status, StatusCode::CREATED);
    // The town's next day (UTC is still on the 5th).
    app.clock.set(at("2026-12-06T00:00:01+08:00"));
    let cadre = app.login("demo-cadre-a").await;
    assert_eq!(app.upload_photo(&cadre, jpeg(3), None, None).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn the_days_bytes_are_capped_and_every_upload_endpoint_counts() {
    let one = jpeg(1).len() as u64;
    let app = crate::helpers::spawn_with(|s| s.upload_quota = DailyQuota { files: 100, bytes: one + 10 }).await;
    let cadre = app.login("demo-cadre-a").await;
    assert_eq!(app.upload_photo(&cadre, jpeg(1), None, None).await.status, StatusCode::CREATED);
    app.upload_photo(&cadre, jpeg(2), None, None).await.assert_problem(429, "upload_quota_reached");

    // A department's screening and the RRO's roster count the same way, before they are parsed.
    // Each file is past half the day's bytes: the first is taken (and refused as empty), the second is not.
    let mut csv = "身份证号,类别\n".as_bytes().to_vec();
    csv.extend(",\n".repeat(usize::try_from(one).unwrap() / 4 + 8).into_bytes());
    for (who, path) in [("demo-dept", "/api/v1/screenings?month=2026-11"), ("demo-rro", "/api/v1/households/import")] {
        let token = app.login(who).await;
        let _first = app.upload(path, &token, "a.csv", csv.clone()).await;
        let second = app.upload(path, &token, "a.csv", csv.clone()).await;
        second.assert_problem(429, "upload_quota_reached");
    }

    // An archive submission counts each file; past the cap nothing is submitted.
    let clerk = app.login("demo-clerk").await;
    let depts = app.get("/api/v1/departments", &clerk).await.body;
    let civil =
        depts.as_array().unwrap().iter().find(|d| d["name"] == "民政办").unwrap()["id"].as_str().unwrap().to_owned();
    let pdf = vec![b'%'; usize::try_from(one).unwrap() / 2 + 8];
    let mut form = reqwest::multipart::Form::new();
    for name in ["a.pdf", "b.pdf", "c.pdf"] {
        form = form.part("file", reqwest::multipart::Part::bytes(pdf.clone()).file_name(name));
    }
    let res = app
        .client
        .post(app.url(&format!("/api/v1/archives/{civil}/2026-11")))
        .bearer_auth(&clerk)
        .multipart(form)
        .send()
        .await
        .unwrap();
    crate::helpers::into_res(res).await.assert_problem(429, "upload_quota_reached");
    let listed = app.get("/api/v1/archives?month=2026-11", &clerk).await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(0), "{}", listed.text);
}

#[tokio::test]
async fn a_file_bad_on_every_row_gets_a_bounded_answer_that_says_how_many_more() {
    let app = spawn_app().await;
    let dept = app.login("demo-dept").await;
    let mut csv = String::from("身份证号,类别\n");
    csv.push_str(&"123,不知道\n".repeat(300));
    let res = app.upload("/api/v1/screenings?month=2026-11", &dept, "bad.csv", csv.into_bytes()).await;
    res.assert_problem(422, "screening_invalid");
    let errors = res.body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 201, "200 listed and one that counts the rest");
    assert_eq!(errors[200]["code"], "more_errors");
    assert!(errors[200]["message"].as_str().unwrap().contains("另有400处"), "{}", errors[200]);
}

/// Sends a form of `parts` (name, file name or none for a text part, bytes) to `path`.
async fn form(
    app: &TestApp,
    path: &str,
    token: &str,
    parts: Vec<(&'static str, Option<&'static str>, Vec<u8>)>,
) -> crate::helpers::Res {
    let mut form = reqwest::multipart::Form::new();
    for (name, file_name, bytes) in parts {
        let part = reqwest::multipart::Part::bytes(bytes);
        form = form.part(name, if let Some(f) = file_name { part.file_name(f) } else { part });
    }
    let res = app.client.post(app.url(path)).bearer_auth(token).multipart(form).send().await.unwrap();
    crate::helpers::into_res(res).await
}

#[tokio::test]
async fn every_upload_endpoint_says_what_is_wrong_with_a_form_and_keeps_nothing() {
    let app = crate::helpers::spawn_with(|s| s.max_upload_bytes = 64 << 10).await;
    let clerk = app.login("demo-clerk").await;
    let depts = app.get("/api/v1/departments", &clerk).await.body;
    let civil =
        depts.as_array().unwrap().iter().find(|d| d["name"] == "民政办").unwrap()["id"].as_str().unwrap().to_owned();
    let archives = format!("/api/v1/archives/{civil}/2026-11");
    let pdf = b"%PDF-1.4\n%%EOF\n".to_vec();
    let csv = "身份证号,类别\n".as_bytes().to_vec();
    let endpoints: Vec<(String, String, &'static str, Vec<u8>)> = vec![
        ("/api/v1/photos".into(), app.login("demo-cadre-a").await, "a.jpg", jpeg(1)),
        ("/api/v1/screenings?month=2026-11".into(), app.login("demo-dept").await, "a.csv", csv.clone()),
        ("/api/v1/households/import".into(), app.login("demo-rro").await, "a.csv", csv),
        (archives.clone(), clerk.clone(), "a.pdf", pdf.clone()),
    ];
    for (path, token, name, bytes) in &endpoints {
        let none = form(&app, path, token, vec![]).await;
        none.assert_problem(422, "validation_failed");
        assert_eq!(none.body["errors"][0]["field"], "file", "{path}: {}", none.text);
        let huge = form(&app, path, token, vec![("file", Some(*name), vec![b'x'; 65 << 10])]).await;
        huge.assert_problem(413, "payload_too_large");
        assert!(huge.body["message"].as_str().unwrap().contains("最大允许"), "{path}: {}", huge.text);
        if !path.starts_with("/api/v1/archives") {
            let two = form(
                &app,
                path,
                token,
                vec![("file", Some(*name), bytes.clone()), ("file", Some(*name), bytes.clone())],
            )
            .await;
            two.assert_problem(422, "validation_failed");
            assert_eq!(two.body["errors"][0]["code"], "too_many", "{path}: {}", two.text);
        }
    }
    // An archive submission takes up to twenty files, a note, and nothing else.
    let many = form(&app, &archives, &clerk, (0..21).map(|_| ("file", Some("a.pdf"), pdf.clone())).collect()).await;
    many.assert_problem(422, "validation_failed");
    assert_eq!(many.body["errors"][0]["code"], "too_many");
    let stray =
        form(&app, &archives, &clerk, vec![("file", Some("a.pdf"), pdf.clone()), ("owner", None, b"x".to_vec())]).await;
    stray.assert_problem(422, "validation_failed");
    assert_eq!(stray.body["errors"][0]["code"], "unknown_field");
    let long_note =
        form(&app, &archives, &clerk, vec![("file", Some("a.pdf"), pdf), ("note", None, vec![b'n'; 5000])]).await;
    long_note.assert_problem(422, "validation_failed");
    assert_eq!(long_note.body["errors"][0]["field"], "note");
    let listed = app.get("/api/v1/archives?month=2026-11", &clerk).await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(0), "nothing was submitted: {}", listed.text);
    let photos = app.get("/api/v1/screening-tasks", &app.login("demo-dept").await).await;
    assert_eq!(photos.body.as_array().map(Vec::len), Some(0));
}
