//! `loadgen`: the load driver `bench/load.sh` uses for what a fixed-body tool (oha) cannot send —
//! visit submits, each with its own client id and `Idempotency-Key` (a repeated one is a replay, not
//! a write); photo uploads of a ~300 KB phone JPEG with EXIF, each different (the same bytes are
//! deduplicated); and slow concurrent uploads, for the server's memory bound.
//!
//! Two ways to load, as oha's: closed loop (`--concurrency` requests always in flight: the
//! saturation rate) and open loop (`--rate` requests a second on a fixed schedule, each one's time
//! counted from when it was due, so a slow server cannot hide its queue). Prints one JSON line.

use std::future::Future;
use std::io::Cursor;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Mutex;
use uuid::Uuid;

#[derive(Parser)]
struct Cli {
    /// The service, e.g. `http://127.0.0.1:18080`.
    #[arg(long)]
    base: String,
    /// Logins to spread the load over (comma-separated); each writes to its own households.
    #[arg(long, value_delimiter = ',', required = true)]
    users: Vec<String>,
    #[arg(long, default_value = "changxiao-demo")]
    password: String,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Visit submits (JSON with a photo id), each its own client id and Idempotency-Key.
    Visits(Load),
    /// Photo uploads: a ~300 KB JPEG with EXIF time and GPS, each request's bytes different.
    Photos(Load),
    /// `count` uploads at once, each body sent slowly over `seconds`; reports the server's
    /// resident memory growth meanwhile (read from /proc of `server_pid`).
    SlowUploads {
        #[arg(long, default_value_t = 50)]
        count: usize,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        #[arg(long)]
        server_pid: u32,
    },
}

#[derive(Args, Clone)]
struct Load {
    /// Requests in flight (closed loop).
    #[arg(long, default_value_t = 50)]
    concurrency: usize,
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Open loop at this many requests a second instead.
    #[arg(long)]
    rate: Option<f64>,
}

/// One writer: a token, a household it may visit, and a photo taken there.
struct Writer {
    token: String,
    households: Vec<Value>,
    /// For visit submits: a photo of each household, taken there (`households[i]`'s is `photos[i]`).
    photos: Vec<String>,
}

#[tokio::main]
async fn main() -> Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
    let jpeg = Arc::new(phone_jpeg()?);
    let mut writers = Vec::new();
    for user in &cli.users {
        let mut w = writer(&client, &cli.base, user, &cli.password).await?;
        if matches!(cli.cmd, Cmd::Visits(_)) {
            w.photos = household_photos(&client, &cli.base, &w).await?;
        }
        writers.push(w);
    }
    let writers = Arc::new(writers);
    let base = Arc::new(cli.base.clone());
    let report = match cli.cmd {
        Cmd::Visits(load) => run(&load, move |n| visit(client.clone(), base.clone(), writers.clone(), n)).await,
        Cmd::Photos(load) => {
            run(&load, move |n| photo(client.clone(), base.clone(), writers.clone(), jpeg.clone(), n)).await
        }
        Cmd::SlowUploads { count, seconds, server_pid } => {
            slow_uploads(&cli.base, &writers, &jpeg, count, seconds, server_pid).await?
        }
    };
    println!("{report}");
    Ok(())
}

async fn writer(client: &reqwest::Client, base: &str, user: &str, password: &str) -> Result<Writer> {
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "username": user, "password": password }))
        .send()
        .await?
        .error_for_status()
        .with_context(|| format!("login {user}"))?
        .json()
        .await?;
    let token = login["access_token"].as_str().context("no access_token")?.to_owned();
    let list: Value = client
        .get(format!("{base}/api/v1/households?per_page=50"))
        .bearer_auth(&token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let households: Vec<Value> = list["items"]
        .as_array()
        .context("no items")?
        .iter()
        .filter(|h| h["location"]["latitude"].is_f64())
        .cloned()
        .collect();
    if households.is_empty() {
        bail!("{user} has no located household");
    }
    Ok(Writer { token, households, photos: Vec::new() })
}

/// Uploads a photo of each of the writer's households, a picture of its own (as a cadre's photo of
/// a household is): a visit is proven by its household's photo, not by one photo of every
/// household, which would send every submit down the reused-photo path (`bench/RESULTS.md`,
/// session 10). The same bytes each run, so a second run finds them stored.
async fn household_photos(client: &reqwest::Client, base: &str, w: &Writer) -> Result<Vec<String>> {
    use futures_util::StreamExt;
    let uploads = w.households.iter().map(|h| async move {
        let id = h["id"].as_str().context("household without id")?;
        let res = client
            .post(format!("{base}/api/v1/photos"))
            .bearer_auth(&w.token)
            .multipart(photo_form(h, household_jpeg(id)?))
            .send()
            .await?;
        let status = res.status();
        let body: Value = res.json().await?;
        if !status.is_success() {
            bail!("photo upload for household {id}: {status} {body}");
        }
        Ok(body["id"].as_str().context("no photo id")?.to_owned())
    });
    futures_util::stream::iter(uploads).buffered(8).collect::<Vec<Result<String>>>().await.into_iter().collect()
}

/// A small picture of its own for each household (seeded by its id): blocks of colour a perceptual
/// hash tells apart.
fn household_jpeg(id: &str) -> Result<Vec<u8>> {
    let seed = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let blocks: Vec<[u8; 3]> = (0..48).map(|_| [rng.random(), rng.random(), rng.random()]).collect();
    let img = image::RgbImage::from_fn(320, 240, |x, y| image::Rgb(blocks[(y / 40 * 8 + x / 40) as usize]));
    let mut out = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&img)?;
    Ok(out.into_inner())
}

/// A minute ago, in Shanghai time as the phone sends it.
fn now_local() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8) - chrono::Duration::minutes(1))
        .format("%Y-%m-%dT%H:%M:%S+08:00")
        .to_string()
}

async fn visit(client: reqwest::Client, base: Arc<String>, writers: Arc<Vec<Writer>>, n: u64) -> Result<u16> {
    let w = &writers[(n as usize) % writers.len()];
    let i = (n as usize / writers.len()) % w.households.len();
    let h = &w.households[i];
    let client_id = Uuid::new_v4();
    let body = json!({
        "client_id": client_id,
        "household_id": h["id"],
        "kind": "routine",
        "visited_at": now_local(),
        "location": { "latitude": h["location"]["latitude"], "longitude": h["location"]["longitude"], "datum": "gcj02", "accuracy_m": 12 },
        "photo_ids": [w.photos[i]],
        "checklist": {
            "version": 1, "income_stable": true, "income_per_capita_yuan": 12800, "food_secure": true,
            "clothing_secure": true, "compulsory_education_ok": true, "basic_medical_ok": true, "housing_safe": true,
            "drinking_water_safe": true, "policies_enjoyed": ["低保"], "satisfaction": "satisfied", "notes": ""
        },
    });
    let res = client
        .post(format!("{base}/api/v1/visits"))
        .bearer_auth(&w.token)
        .header("Idempotency-Key", client_id.to_string())
        .json(&body)
        .send()
        .await?;
    let status = res.status().as_u16();
    let _ = res.bytes().await?;
    Ok(status)
}

async fn photo(
    client: reqwest::Client,
    base: Arc<String>,
    writers: Arc<Vec<Writer>>,
    jpeg: Arc<Vec<u8>>,
    n: u64,
) -> Result<u16> {
    let w = &writers[(n as usize) % writers.len()];
    let h = &w.households[(n as usize / writers.len()) % w.households.len()];
    let res = client
        .post(format!("{base}/api/v1/photos"))
        .bearer_auth(&w.token)
        .multipart(photo_form(h, with_comment(&jpeg, &format!("upload {n} {}", Uuid::new_v4()))))
        .send()
        .await?;
    let status = res.status().as_u16();
    let _ = res.bytes().await?;
    Ok(status)
}

fn photo_form(h: &Value, bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("latitude", h["location"]["latitude"].to_string())
        .text("longitude", h["location"]["longitude"].to_string())
        .text("datum", "gcj02")
        .text("accuracy_m", "15")
        .text("taken_at", now_local())
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name("IMG_0001.jpg"))
}

/// A phone photo: 1600×1200, ~300 KB, with EXIF capture time and GPS.
fn phone_jpeg() -> Result<Vec<u8>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let img = image::RgbImage::from_fn(1600, 1200, |x, y| {
        let n: u8 = rng.random_range(0..24);
        image::Rgb([((x / 5 + y / 9) % 200) as u8 + n, ((x * y / 97) % 180) as u8 + n, ((y / 3) % 220) as u8 + n / 2])
    });
    let mut quality = 90u8;
    let plain = loop {
        let mut out = Cursor::new(Vec::new());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality).encode_image(&img)?;
        let out = out.into_inner();
        if out.len() <= 320 * 1024 || quality <= 30 {
            break out;
        }
        quality -= 5;
    };
    use exif::{Field, In, Tag, Value as V};
    let rational = |v: f64| {
        let deg = v.trunc();
        let min = ((v - deg) * 60.0).trunc();
        let sec = ((v - deg) * 60.0 - min) * 60.0;
        vec![
            exif::Rational { num: deg as u32, denom: 1 },
            exif::Rational { num: min as u32, denom: 1 },
            exif::Rational { num: (sec * 100.0).round() as u32, denom: 100 },
        ]
    };
    let fields = [
        Field { tag: Tag::Make, ifd_num: In::PRIMARY, value: V::Ascii(vec![b"HUAWEI".to_vec()]) },
        Field {
            tag: Tag::DateTimeOriginal,
            ifd_num: In::PRIMARY,
            value: V::Ascii(vec![b"2026:11:28 09:30:00".to_vec()]),
        },
        Field { tag: Tag::GPSLatitudeRef, ifd_num: In::PRIMARY, value: V::Ascii(vec![b"N".to_vec()]) },
        Field { tag: Tag::GPSLatitude, ifd_num: In::PRIMARY, value: V::Rational(rational(29.29)) },
        Field { tag: Tag::GPSLongitudeRef, ifd_num: In::PRIMARY, value: V::Ascii(vec![b"E".to_vec()]) },
        Field { tag: Tag::GPSLongitude, ifd_num: In::PRIMARY, value: V::Rational(rational(106.25)) },
    ];
    let mut w = exif::experimental::Writer::new();
    for f in &fields {
        w.push_field(f);
    }
    let mut tiff = Cursor::new(Vec::new());
    w.write(&mut tiff, false)?;
    let tiff = tiff.into_inner();
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(2 + 6 + tiff.len())?.to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(&tiff);
    out.extend_from_slice(&plain[2..]);
    Ok(out)
}

/// The same picture with a JPEG comment segment: other bytes (another upload), same image.
fn with_comment(jpeg: &[u8], text: &str) -> Vec<u8> {
    let text = text.as_bytes();
    let mut out = Vec::with_capacity(jpeg.len() + text.len() + 4);
    out.extend_from_slice(&jpeg[..2]);
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&((text.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(text);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[derive(Default)]
struct Tally {
    latencies_ms: Vec<f64>,
    errors: u64,
    statuses: std::collections::BTreeMap<String, u64>,
}

/// Runs `request(n)` closed or open loop for the load's duration; the report as JSON.
async fn run<F, Fut>(load: &Load, request: F) -> Value
where
    F: Fn(u64) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<u16>> + Send + 'static,
{
    let tally = Arc::new(Mutex::new(Tally::default()));
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(load.seconds);
    let record = |tally: Arc<Mutex<Tally>>, due: Instant, outcome: Result<u16>| async move {
        let ms = due.elapsed().as_secs_f64() * 1000.0;
        let mut t = tally.lock().await;
        t.latencies_ms.push(ms);
        let key = match outcome {
            Ok(s) => s.to_string(),
            Err(e) => format!("error: {}", e.root_cause()),
        };
        if !key.starts_with('2') {
            t.errors += 1;
        }
        *t.statuses.entry(key).or_default() += 1;
    };
    let mut tasks = Vec::new();
    match load.rate {
        None => {
            for _ in 0..load.concurrency {
                let (request, tally, counter) = (request.clone(), tally.clone(), counter.clone());
                tasks.push(tokio::spawn(async move {
                    while Instant::now() < deadline {
                        let n = counter.fetch_add(1, Ordering::Relaxed);
                        let due = Instant::now();
                        let outcome = request(n).await;
                        record(tally.clone(), due, outcome).await;
                    }
                }));
            }
        }
        Some(rate) => {
            let mut every = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(0.01)));
            loop {
                let due = every.tick().await.into_std();
                if due >= deadline {
                    break;
                }
                let (request, tally) = (request.clone(), tally.clone());
                let n = counter.fetch_add(1, Ordering::Relaxed);
                tasks.push(tokio::spawn(async move {
                    let outcome = request(n).await;
                    record(tally, due, outcome).await;
                }));
            }
        }
    }
    futures_util::future::join_all(tasks).await;
    let elapsed = started.elapsed().as_secs_f64();
    let mut t = tally.lock().await;
    t.latencies_ms.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        let l = &t.latencies_ms;
        if l.is_empty() { 0.0 } else { l[((l.len() as f64 * p).ceil() as usize).clamp(1, l.len()) - 1] }
    };
    json!({
        "requests": t.latencies_ms.len(),
        "rps": t.latencies_ms.len() as f64 / elapsed,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "errors": t.errors,
        "statuses": t.statuses,
    })
}

/// A line of /proc/<pid>/status, in kB: `VmRSS` (all resident pages, the memory-mapped database's
/// included) or `RssAnon` (the heap and stacks: what the process itself allocated).
fn status_kb(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(key)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

/// `count` photo uploads at once over raw sockets, each body dribbled out over `seconds`.
async fn slow_uploads(
    base: &str,
    writers: &[Writer],
    jpeg: &[u8],
    count: usize,
    seconds: u64,
    pid: u32,
) -> Result<Value> {
    let url = reqwest::Url::parse(base)?;
    let addr = format!("{}:{}", url.host_str().context("no host")?, url.port_or_known_default().context("no port")?);
    let before = status_kb(pid, "VmRSS:");
    let anon_before = status_kb(pid, "RssAnon:");
    let peak = Arc::new(AtomicU64::new(before));
    let anon_peak = Arc::new(AtomicU64::new(anon_before));
    let sampling = {
        let (peak, anon_peak) = (peak.clone(), anon_peak.clone());
        tokio::spawn(async move {
            loop {
                peak.fetch_max(status_kb(pid, "VmRSS:"), Ordering::Relaxed);
                anon_peak.fetch_max(status_kb(pid, "RssAnon:"), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let mut tasks = Vec::new();
    for i in 0..count {
        let w = &writers[i % writers.len()];
        let h = &w.households[0];
        let boundary = format!("cx{}", Uuid::new_v4().simple());
        let mut body = Vec::new();
        for (name, value) in [
            ("latitude", h["location"]["latitude"].to_string()),
            ("longitude", h["location"]["longitude"].to_string()),
            ("datum", "gcj02".to_owned()),
            ("taken_at", now_local()),
        ] {
            body.extend(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes(),
            );
        }
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow{i}.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            .bytes(),
        );
        body.extend(with_comment(jpeg, &format!("slow {i} {}", Uuid::new_v4())));
        body.extend(format!("\r\n--{boundary}--\r\n").bytes());
        let head = format!(
            "POST /api/v1/photos HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            w.token,
            body.len()
        );
        let addr = addr.clone();
        tasks.push(tokio::spawn(async move {
            let mut s = tokio::net::TcpStream::connect(&addr).await?;
            s.write_all(head.as_bytes()).await?;
            let chunks = 100usize;
            let size = body.len().div_ceil(chunks);
            for part in body.chunks(size) {
                s.write_all(part).await?;
                tokio::time::sleep(Duration::from_millis(seconds * 1000 / chunks as u64)).await;
            }
            let mut answer = Vec::new();
            s.read_to_end(&mut answer).await?;
            let line = String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_owned();
            anyhow::Ok(line.split_whitespace().nth(1).unwrap_or("?").to_owned())
        }));
    }
    let mut statuses = std::collections::BTreeMap::<String, u64>::new();
    for t in tasks {
        let s = match t.await? {
            Ok(s) => s,
            Err(e) => format!("error: {e}"),
        };
        *statuses.entry(s).or_default() += 1;
    }
    sampling.abort();
    let peak = peak.load(Ordering::Relaxed);
    let anon_peak = anon_peak.load(Ordering::Relaxed);
    Ok(json!({
        "anon_before_mb": anon_before as f64 / 1024.0,
        "anon_peak_mb": anon_peak as f64 / 1024.0,
        "anon_growth_mb": anon_peak.saturating_sub(anon_before) as f64 / 1024.0,
        "uploads": count,
        "seconds": seconds,
        "rss_before_mb": before as f64 / 1024.0,
        "rss_peak_mb": peak as f64 / 1024.0,
        "growth_mb": peak.saturating_sub(before) as f64 / 1024.0,
        "statuses": statuses,
    }))
}
