//! The demo town's history: a past quarter and the present one up to today, made through the public
//! API by the demo town's own people, each step at its day on a clock set back for the purpose — so
//! every screen of a newcomer's `serve --demo` shows work, and every record went through the same
//! rules, events and audit as real work would.
//!
//! What it leaves (deterministically, from the seeded town): counted visits with their photos over
//! both quarters, one visit without a photo held for review (the past one reviewed), problems in
//! every state — found, fixed on the spot, assigned, claimed, closed, and one overdue and handed to
//! the Discipline Commission — each month's joint meeting, the village's lists (one late), a
//! department's archive materials, a cross spot-check round under way, must-know knowledge, an
//! interview and a draft circular.

use std::net::SocketAddr;

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::calendar::start_of_local_day;
use domain::{Month, Quarter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::clock::Clock;
use crate::settings::Settings;
use crate::startup::Application;

/// The first day of the history for a demo seeded at `now`: the previous quarter's first day.
pub fn start(now: DateTime<Utc>) -> NaiveDate {
    Quarter::containing(now).prev().m1().first_day()
}

/// Makes the history on the town just seeded, through an instance of the service on a free port
/// whose clock walks from `start(now)` to `now`.
/// The town goes live on the history's first day.
pub async fn make(settings: &Settings, town: Uuid, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let clock = Clock::manual(at(start(now), 8, 0));
    let mut settings = settings.clone();
    settings.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    // Its own instance, for the demo people only: sessions that last the walk, no sign-in limits.
    settings.access_ttl_seconds = 400 * 24 * 3600;
    settings.login_per_account_per_minute = 100_000;
    settings.login_per_ip_per_minute = 100_000;
    let app = Application::build(settings, clock.clone()).await?;
    crate::store::org::set_live_from(&app.state().db, town, start(now)).await?;
    let base = format!("http://127.0.0.1:{}/api/v1", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let mut town =
        Town { http: reqwest::Client::new(), base, clock, now, steps: 0, seed: 0, tokens: Default::default() };
    let made = town.walk().await;
    let _ = stop.send(());
    let _ = server.await;
    made.map(|()| town.steps)
}

/// `day` at `hour:minute` in Beijing.
fn at(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    start_of_local_day(day) + Duration::hours(i64::from(hour)) + Duration::minutes(i64::from(minute))
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&domain::TZ).to_rfc3339()
}

struct Town {
    http: reqwest::Client,
    base: String,
    clock: Clock,
    now: DateTime<Utc>,
    steps: usize,
    seed: u32,
    /// Each user's token and when (on the walking clock) it was issued: signed in again once the
    /// clock has moved past its life.
    tokens: std::collections::HashMap<String, (String, DateTime<Utc>)>,
}

/// Who is who in the demo town (by username), read once.
struct People {
    rro: String,
    cadres: Vec<(String, Vec<Value>)>,
    secretary: String,
    officer: String,
    clerk: String,
    dept: String,
    deputy: String,
    village_a: Uuid,
    civil: Uuid,
    health: Uuid,
    checker_ids: Vec<String>,
}

impl Town {
    /// Sets the clock to `t`; false once `t` is past the real now (the history stops there).
    fn time(&self, t: DateTime<Utc>) -> bool {
        if t >= self.now {
            return false;
        }
        self.clock.set(t);
        true
    }

    async fn send(&mut self, req: reqwest::RequestBuilder, what: &str) -> anyhow::Result<Value> {
        let res = req.send().await.with_context(|| format!("{what}: no answer"))?;
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{what}: {status} {body}");
        }
        self.steps += 1;
        Ok(body)
    }

    async fn post(&mut self, who: &str, path: &str, body: Value) -> anyhow::Result<Value> {
        let token = self.token(who).await?;
        let req = self.http.post(format!("{}{path}", self.base)).bearer_auth(token).json(&body);
        self.send(req, &format!("POST {path}")).await
    }

    async fn put(&mut self, who: &str, path: &str, body: Value) -> anyhow::Result<Value> {
        let token = self.token(who).await?;
        let req = self.http.put(format!("{}{path}", self.base)).bearer_auth(token).json(&body);
        self.send(req, &format!("PUT {path}")).await
    }

    async fn get(&mut self, who: &str, path: &str) -> anyhow::Result<Value> {
        let token = self.token(who).await?;
        let req = self.http.get(format!("{}{path}", self.base)).bearer_auth(token);
        self.send(req, &format!("GET {path}")).await
    }

    /// A token of `username` valid at the clock's time.
    async fn token(&mut self, username: &str) -> anyhow::Result<String> {
        let now = self.clock.now();
        if let Some((token, issued)) = self.tokens.get(username)
            && now >= *issued
            && now - *issued < Duration::days(300)
        {
            return Ok(token.clone());
        }
        let token = self.login(username).await?;
        self.tokens.insert(username.to_owned(), (token.clone(), now));
        Ok(token)
    }

    async fn login(&mut self, username: &str) -> anyhow::Result<String> {
        let req = self
            .http
            .post(format!("{}/auth/login", self.base))
            .json(&json!({ "username": username, "password": crate::demo::DEMO_PASSWORD }));
        let body = self.send(req, &format!("login {username}")).await?;
        body["access_token"].as_str().map(str::to_owned).context("login gave no token")
    }

    async fn people(&mut self) -> anyhow::Result<People> {
        let rro = "demo-rro".to_owned();
        let mut cadres = vec![];
        let mut checker_ids = vec![];
        for name in ["demo-cadre-a", "demo-cadre-b"] {
            let me = self.get(name, "/me").await?;
            checker_ids.push(me["id"].as_str().unwrap_or_default().to_owned());
            // The target households the cadre answers for, in a stable order.
            let mine = self.get(name, "/households?per_page=200").await?;
            let targets: Vec<Value> =
                mine["items"].as_array().into_iter().flatten().filter(|h| h["is_target"] == true).cloned().collect();
            cadres.push((name.to_owned(), targets));
        }
        let villages = self.get(&rro, "/villages").await?;
        let village_a = villages
            .as_array()
            .into_iter()
            .flatten()
            .find(|v| v["name"] == "红光村")
            .and_then(|v| v["id"].as_str()?.parse().ok())
            .context("no 红光村")?;
        let departments = self.get(&rro, "/departments").await?;
        let department = |name: &str| -> anyhow::Result<Uuid> {
            departments
                .as_array()
                .into_iter()
                .flatten()
                .find(|d| d["name"] == name)
                .and_then(|d| d["id"].as_str()?.parse().ok())
                .with_context(|| format!("no {name}"))
        };
        let (civil, health) = (department("民政办")?, department("卫健办")?);
        Ok(People {
            secretary: "demo-secretary-a".into(),
            officer: "demo-officer-a".into(),
            clerk: "demo-clerk".into(),
            dept: "demo-dept".into(),
            deputy: "demo-deputy".into(),
            rro,
            cadres,
            village_a,
            civil,
            health,
            checker_ids,
        })
    }

    /// A photo taken at the household at `when`, uploaded by `token`.
    async fn photo(&mut self, who: &str, h: &Value, when: DateTime<Utc>) -> anyhow::Result<String> {
        let token = self.token(who).await?;
        self.seed += 1;
        let bytes = picture(self.seed)?;
        let (lat, lng) = (
            h["location"]["latitude"].as_f64().unwrap_or(29.37),
            h["location"]["longitude"].as_f64().unwrap_or(106.30),
        );
        let form = reqwest::multipart::Form::new()
            .text("latitude", lat.to_string())
            .text("longitude", lng.to_string())
            .text("datum", "gcj02")
            .text("accuracy_m", "12")
            .text("taken_at", local(when))
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name("photo.jpg"));
        let req = self.http.post(format!("{}/photos", self.base)).bearer_auth(token).multipart(form);
        let body = self.send(req, "POST /photos").await?;
        body["id"].as_str().map(str::to_owned).context("a photo without id")
    }

    /// A visit to `h` at `when`, with a photo (or none: held for review), and what was found.
    async fn visit(
        &mut self,
        token: &str,
        h: &Value,
        when: DateTime<Utc>,
        with_photo: bool,
        problems: Value,
    ) -> anyhow::Result<Value> {
        let photos = if with_photo { vec![self.photo(token, h, when).await?] } else { vec![] };
        let body = json!({
            "client_id": Uuid::new_v4(), "household_id": h["id"], "visited_at": local(when),
            "location": { "latitude": h["location"]["latitude"], "longitude": h["location"]["longitude"], "datum": "gcj02", "accuracy_m": 12 },
            "photo_ids": photos,
            "checklist": { "version": 1, "income_stable": true, "food_secure": true, "clothing_secure": true,
                "compulsory_education_ok": true, "basic_medical_ok": true, "housing_safe": true, "drinking_water_safe": true,
                "policies_enjoyed": ["低保", "医疗救助"], "satisfaction": "satisfied", "notes": "" },
            "problems": problems,
        });
        self.post(token, "/visits", body).await
    }

    async fn walk(&mut self) -> anyhow::Result<()> {
        let p = self.people().await?;
        let first = Quarter::containing(at(start(self.now), 12, 0));
        for quarter in [first, first.next()] {
            self.quarter(&p, quarter).await?;
        }
        Ok(())
    }

    async fn quarter(&mut self, p: &People, q: Quarter) -> anyhow::Result<()> {
        let past = q < Quarter::containing(self.now);
        let [m1, m2, m3] = q.months();
        // The cadres visit their target households over m1 and m2, an hour and a half apart, a few
        // a day; some are left for later in the present quarter.
        let cadres: Vec<(String, Vec<Value>)> = p.cadres.clone();
        let mut problem_ids: Vec<String> = vec![];
        for (ci, (token, targets)) in cadres.iter().enumerate() {
            let due = if past { targets.len() } else { targets.len() * 2 / 3 };
            for (i, h) in targets.iter().take(due).enumerate() {
                let month = if i % 2 == 0 { m1 } else { m2 };
                let day = month.day(u32::try_from(6 + (i / 2) / 3 * 2).unwrap_or(6).min(26));
                let when =
                    at(day, 9 + u32::try_from((i / 2) % 3).unwrap_or(0) * 2, u32::try_from(ci).unwrap_or(0) * 20);
                if !self.time(when + Duration::minutes(5)) {
                    continue;
                }
                // Cadre A finds a leaking roof and a blocked water pipe; cadre B puts a policy question
                // right on the spot, and enters one visit without a photo (held for review).
                let problems = match (ci, i) {
                    (0, 0) => {
                        json!([{ "category": "housing", "description": "厨房屋顶漏雨，需修缮", "fixed_on_spot": false }])
                    }
                    (0, 1) => {
                        json!([{ "category": "drinking_water", "description": "饮水管道堵塞，需疏通", "fixed_on_spot": false }])
                    }
                    (1, 1) => {
                        let evidence = self.photo(token, h, when).await?;
                        json!([{ "category": "policy_not_enjoyed", "description": "临时救助未告知，已当场讲解申请",
                                 "fixed_on_spot": true, "photo_ids": [evidence] }])
                    }
                    _ => json!([]),
                };
                let held = ci == 1 && i == 0;
                let visit = self.visit(token, h, when, !held, problems).await?;
                if ci == 0 {
                    problem_ids.extend(
                        visit["problem_ids"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|id| id.as_str())
                            .map(str::to_owned),
                    );
                }
                if held && past && self.time(when + Duration::days(2)) {
                    let id = visit["id"].as_str().unwrap_or_default().to_owned();
                    self.post(
                        &p.rro,
                        &format!("/visits/{id}/review"),
                        json!({ "decision": "accept", "reason": "电话核实已入户" }),
                    )
                    .await?;
                }
            }
        }
        // The office assigns what was found: the housing problem to the village, the water to the
        // civil affairs office; the village puts its roof right and the office verifies it.
        if let [roof, water, ..] = problem_ids.as_slice() {
            if self.time(at(m2.day(10), 10, 0)) {
                let village = json!([{ "kind": "village", "id": p.village_a }]);
                self.post(
                    &p.rro,
                    &format!("/problems/{roof}/assign"),
                    json!({ "class": "small", "measure": "限期修缮屋顶", "units": village }),
                )
                .await?;
                let civil = json!([{ "kind": "department", "id": p.civil }]);
                let deadline = m2.day(25);
                self.post(
                    &p.rro,
                    &format!("/problems/{water}/assign"),
                    json!({ "class": "large", "measure": "协调供水站疏通管道", "units": civil, "deadline": deadline }),
                )
                .await?;
            }
            if past && self.time(at(m2.day(20), 15, 0)) {
                let h = json!({ "location": { "latitude": 29.3712, "longitude": 106.3021 } });
                let evidence = self.photo(&p.secretary, &h, at(m2.day(20), 14, 30)).await?;
                self.post(
                    &p.secretary,
                    &format!("/problems/{roof}/complete"),
                    json!({ "note": "屋顶已修缮完毕", "photo_ids": [evidence] }),
                )
                .await?;
                if self.time(at(m2.day(22), 10, 0)) {
                    self.post(
                        &p.rro,
                        &format!("/problems/{roof}/verify"),
                        json!({ "verdict": "accept", "note": "现场核实已整改" }),
                    )
                    .await?;
                }
            }
            // The water was not put right by its day: past it, the office hands it to the Commission.
            if past && self.time(at(m3.day(3), 9, 0)) {
                self.post(
                    &p.rro,
                    &format!("/problems/{water}/hand-over"),
                    json!({ "note": "逾期未整改，移交镇纪委督办" }),
                )
                .await?;
            }
        }
        for month in q.months() {
            self.month(p, month).await?;
        }
        // The cross spot-check of the present quarter is under way: drawn in m2, one household checked.
        if !past && self.time(at(m2.day(3), 9, 0)) {
            let round = self
                .post(
                    &p.rro,
                    "/cross-check-rounds",
                    json!({ "quarter": q.to_string(), "rate": 0.05, "seed": "2026", "checker_ids": p.checker_ids }),
                )
                .await?;
            if let Some(first) = round["assignments"].as_array().and_then(|a| a.first()).cloned()
                && self.time(at(m2.day(6), 15, 0))
            {
                let who = p.checker_ids.iter().position(|c| first["checker_id"] == c.as_str()).unwrap_or(0);
                let token = p.cadres[who].0.clone();
                let h = self
                    .get(&token, &format!("/households/{}", first["household_id"].as_str().unwrap_or_default()))
                    .await?;
                self.visit(&token, &h, at(m2.day(6), 14, 50), true, json!([])).await?;
            }
        }
        // The interview group tests the village in the past quarter's last month; the office drafts
        // the circular.
        if past && self.time(at(m3.day(8), 9, 0)) {
            let health = p.health;
            self.put(
                &p.dept,
                &format!("/must-know/department/{health}"),
                json!({ "items": [
                { "question": "脱贫人口住院报销比例是多少？", "answer": "政策范围内报销比例不低于80%" },
                { "question": "家庭医生签约服务对象有哪些？", "answer": "脱贫人口和监测对象应签尽签" } ] }),
            )
            .await?;
            let a = p.village_a;
            self.put(
                &p.officer,
                &format!("/must-know/village/{a}"),
                json!({ "items": [
                { "question": "本村有多少脱贫户和监测户？", "answer": "以系统台账为准" } ] }),
            )
            .await?;
            if self.time(at(m3.day(12), 10, 0)) {
                let interview =
                    self.post(&p.deputy, "/interviews", json!({ "village_id": a, "month": m3.to_string() })).await?;
                let topics: Vec<&str> = interview["questions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|q| q["topic"].as_str().unwrap_or(""))
                    .collect();
                let verdicts = |miss_village: bool| -> Vec<&str> {
                    topics.iter().map(|t| if miss_village && *t == "village" { "wrong" } else { "correct" }).collect()
                };
                let id = interview["id"].as_str().unwrap_or_default().to_owned();
                self.put(
                    &p.deputy,
                    &format!("/interviews/{id}/results"),
                    json!({ "people": [
                    { "name": "彭波", "role": "secretary", "verdicts": verdicts(false) },
                    { "name": "赵彦龙", "role": "work_team", "verdicts": verdicts(true) } ] }),
                )
                .await?;
                if self.time(at(m3.day(15), 10, 0)) {
                    self.post(&p.rro, "/circulars", json!({ "month": m3.to_string() })).await?;
                }
            }
        }
        Ok(())
    }

    async fn month(&mut self, p: &People, month: Month) -> anyhow::Result<()> {
        let a = p.village_a;
        // The village's list: October's came in two days late, the others by the 25th.
        let late = month.number() % 3 == 1 && month.quarter() < Quarter::containing(self.now);
        let list_day = if late { month.day(27) } else { month.day(24) };
        if self.time(at(list_day, 16, 0)) {
            let path = format!("/villages/{a}/feedback-lists/routine/{month}");
            self.put(&p.officer, &path, json!({ "remarks": "本月问题已逐项跟进。" })).await?;
            self.post(&p.officer, &format!("{path}/submit"), json!({})).await?;
        }
        // The civil affairs office's archive materials, by the 20th.
        if self.time(at(month.day(20), 11, 0)) {
            let form = reqwest::multipart::Form::new().text("note", format!("{month}月工作资料")).part(
                "file",
                reqwest::multipart::Part::bytes(
                    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec(),
                )
                .file_name("工作台账.pdf"),
            );
            let token = self.token(&p.clerk).await?;
            let req = self
                .http
                .post(format!("{}/archives/{}/{month}", self.base, p.civil))
                .bearer_auth(token)
                .multipart(form);
            self.send(req, "POST /archives").await?;
        }
        // The joint meeting at the month's end.
        if self.time(at(month.day(28), 9, 0)) {
            self.post(&p.rro, "/meetings", json!({ "kind": "joint_monthly", "held_at": local(at(month.day(28), 9, 0)),
                "attendees": ["乡村振兴办", "民政办", "卫健办", "各村书记"], "minutes": format!("研究{month}月问题整改推进情况。") }))
                .await?;
        }
        Ok(())
    }
}

/// A distinct picture for each seed: blocks of light and shade drawn from the seed, so that no two
/// photos of the history look alike to the perceptual hash (a reused photo is flagged).
fn picture(seed: u32) -> anyhow::Result<Vec<u8>> {
    let mut rng = domain::rng::SplitMix64::new(u64::from(seed).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let blocks: Vec<u8> = (0..64).map(|_| (rng.next_u64() % 256) as u8).collect();
    let img = image::RgbImage::from_fn(480, 360, |x, y| {
        let b = blocks[((y * 8 / 360) * 8 + x * 8 / 480) as usize];
        image::Rgb([b, b.wrapping_add((x % 17) as u8), b.wrapping_sub((y % 13) as u8)])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img).write_to(&mut out, image::ImageFormat::Jpeg)?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::calendar::local_date;

    #[test]
    fn the_history_starts_with_the_previous_quarter() {
        let now = at(NaiveDate::from_ymd_opt(2026, 12, 5).unwrap_or_default(), 10, 0);
        assert_eq!(start(now), NaiveDate::from_ymd_opt(2026, 7, 1).unwrap_or_default());
        let january = at(NaiveDate::from_ymd_opt(2027, 1, 2).unwrap_or_default(), 10, 0);
        assert_eq!(start(january), NaiveDate::from_ymd_opt(2026, 10, 1).unwrap_or_default());
        assert_eq!(local_date(at(start(now), 8, 0)), start(now));
    }
}
