//! Photo uploads: checked by content, EXIF read, copies served without EXIF, originals audited.

use reqwest::StatusCode;

use crate::helpers::{jpeg, jpeg_with_exif, spawn_app, spawn_with};

#[tokio::test]
async fn an_upload_reads_exif_and_serves_copies_without_it() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    let bytes = jpeg_with_exif(3, "2026:11:28 09:40:00", 29.371, 106.302);
    let res = app
        .upload_photo(&cadre, bytes.clone(), Some((29.3712, 106.3021, "gcj02")), Some("2026-11-28T09:41:00+08:00"))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(res.body["exif_taken_at"], "2026-11-28T01:40:00Z");
    assert_eq!(res.body["exif_location"]["datum"], "wgs84");
    assert!((res.body["exif_location"]["latitude"].as_f64().unwrap() - 29.371).abs() < 1e-4);
    assert_eq!(res.body["client_location"]["datum"], "gcj02");
    assert_eq!(res.body["client_taken_at"], "2026-11-28T01:41:00Z");
    let id = res.body["id"].as_str().unwrap().to_owned();

    let again = app.upload_photo(&cadre, bytes, None, None).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["id"], id.as_str());

    for path in ["thumbnail", "display"] {
        let img =
            app.client.get(app.url(&format!("/api/v1/photos/{id}/{path}"))).bearer_auth(&cadre).send().await.unwrap();
        assert_eq!(img.status(), StatusCode::OK);
        assert_eq!(img.headers()["content-type"], "image/jpeg");
        let body = img.bytes().await.unwrap();
        assert!(image::load_from_memory(&body).is_ok());
        assert!(!body.windows(6).any(|w| w == b"Exif\0\0"), "{path} still carries EXIF");
    }
}

#[tokio::test]
async fn what_is_not_a_photo_is_refused_clearly() {
    let app = spawn_with(|s| {
        s.photos.max_pixels = 100_000;
        s.max_upload_bytes = 200_000;
    })
    .await;
    let cadre = app.login("demo-cadre-a").await;
    let php = app.upload_photo(&cadre, b"<?php system($_GET['c']); ?>".to_vec(), None, None).await;
    php.assert_problem(422, "unsupported_image");
    let svg = app
        .upload_photo(
            &cadre,
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec(),
            None,
            None,
        )
        .await;
    svg.assert_problem(422, "unsupported_image");
    let big = app.upload_photo(&cadre, jpeg(1), None, None).await;
    big.assert_problem(422, "image_too_large");
    let huge = app.upload_photo(&cadre, vec![0xFF; 300_000], None, None).await;
    huge.assert_problem(413, "payload_too_large");
    let bad_position = app.upload_photo(&cadre, jpeg(2), Some((95.0, 106.0, "gcj02")), None).await;
    bad_position.assert_problem(422, "validation_failed");
    let no_file = app
        .client
        .post(app.url("/api/v1/photos"))
        .bearer_auth(&cadre)
        .multipart(reqwest::multipart::Form::new().text("latitude", "29"))
        .send()
        .await
        .unwrap();
    crate::helpers::into_res(no_file).await.assert_problem(422, "validation_failed");
    // A part the form does not declare is ignored (mini-program pages add their own): the photo is
    // judged on its own, here too large for this test's pixel limit.
    let extra = app
        .client
        .post(app.url("/api/v1/photos"))
        .bearer_auth(&cadre)
        .multipart(
            reqwest::multipart::Form::new()
                .text("altitude", "300")
                .part("file", reqwest::multipart::Part::bytes(jpeg(3)).file_name("a.jpg")),
        )
        .send()
        .await
        .unwrap();
    let extra = crate::helpers::into_res(extra).await;
    extra.assert_problem(422, "image_too_large");
}

#[tokio::test]
async fn a_truncated_jpeg_is_refused() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    let bytes = jpeg(5);
    let res = app.upload_photo(&cadre, bytes[..200].to_vec(), None, None).await;
    res.assert_problem(422, "image_damaged");
}

#[tokio::test]
async fn a_photo_nobody_else_may_see_is_not_found_and_originals_are_for_reviewers() {
    let app = spawn_app().await;
    let cadre = app.login("demo-cadre-a").await;
    let res = app.upload_photo(&cadre, jpeg(9), None, None).await;
    let id = res.body["id"].as_str().unwrap();
    let other = app.login("demo-cadre-b").await;
    app.get(&format!("/api/v1/photos/{id}"), &other).await.assert_problem(404, "not_found");
    app.get(&format!("/api/v1/photos/{id}/original"), &cadre).await.assert_problem(403, "not_permitted");
}

#[tokio::test]
#[ignore = "needs an S3-compatible store: set TEST_S3_ENDPOINT (CI starts a local one and runs it with --include-ignored)"]
async fn photos_are_kept_in_an_s3_compatible_store_when_configured() {
    let endpoint = std::env::var("TEST_S3_ENDPOINT").expect("TEST_S3_ENDPOINT must be set for this test");
    let bucket = format!("cx-{}", uuid::Uuid::new_v4().simple());
    let http = reqwest::Client::new();
    let made = http.put(format!("{endpoint}/{bucket}")).send().await.unwrap();
    assert!(made.status().is_success(), "cannot create the bucket: {}", made.status());
    let app = spawn_with(|s| {
        s.s3 = Some(changxiao::settings::S3Settings {
            bucket: bucket.clone(),
            region: "us-east-1".into(),
            endpoint: Some(endpoint.clone()),
            access_key_id: "test".into(),
            secret_access_key: secrecy::SecretString::from("test".to_owned()),
        });
    })
    .await;
    let cadre = app.login("demo-cadre-a").await;
    let res = app.upload_photo(&cadre, jpeg(77), None, None).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let sha = res.body["sha256"].as_str().unwrap();
    let listing = http.get(format!("{endpoint}/{bucket}?list-type=2")).send().await.unwrap().text().await.unwrap();
    assert!(listing.contains(&format!("originals/{sha}")), "{listing}");
    assert!(listing.contains(&format!("thumbnails/{sha}.jpg")), "{listing}");
    let thumb = app
        .client
        .get(app.url(&format!("/api/v1/photos/{}/thumbnail", res.body["id"].as_str().unwrap())))
        .bearer_auth(&cadre)
        .send()
        .await
        .unwrap();
    assert_eq!(thumb.status(), StatusCode::OK);
    assert!(image::load_from_memory(&thumb.bytes().await.unwrap()).is_ok());
}
