//! `changxiao gen`: fills a database with a realistic district for benchmarks — towns, villages,
//! groups, work teams and departments, users of every role, households with tags and locations,
//! months of visits, each proven by a photo (rows and their hash index; every photo's picture is one
//! stored placeholder), problems and phone-check calls. Deterministic from the seed; bulk inserts.

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use domain::org::{Role, ScopeKind};
use domain::{Month, PhoneNumber, Tag};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait, TransactionTrait};
use uuid::Uuid;

use crate::crypto::FieldCipher;
use crate::demo::{DEMO_PASSWORD, DEPARTMENTS, GIVEN, SURNAMES, fake_id, fake_tags};
use crate::store::entity::{photo, visit, visit_photo, visit_visitor};
use crate::store::households::{self, Draft};
use crate::store::{org, problems, users};

pub struct Plan {
    pub households: usize,
    pub months: u32,
    pub towns: usize,
    pub seed: u64,
}

/// Where the one picture every generated photo shows is stored, and its size.
const PLACEHOLDER_KEY: &str = "generated/placeholder.jpg";
const PLACEHOLDER_SIZE: (u16, u16) = (320, 240);

/// A small JPEG (a colour gradient) for the generated photos' bytes.
fn placeholder_jpeg() -> anyhow::Result<Vec<u8>> {
    let (w, h) = PLACEHOLDER_SIZE;
    let pixels: Vec<u8> =
        (0..h).flat_map(|y| (0..w).flat_map(move |x| [(x % 256) as u8, (y % 256) as u8, 128])).collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 80).encode(&pixels, w, h, jpeg_encoder::ColorType::Rgb)?;
    Ok(out)
}

/// A UUID drawn from the generator, so a seed gives the same ids everywhere.
fn uuid(rng: &mut StdRng) -> Uuid {
    Uuid::from_u64_pair(rng.random(), rng.random())
}

/// Fills an empty database. Prints progress; returns the logins' common password.
pub async fn generate(
    db: &DatabaseConnection,
    storage: &crate::storage::Storage,
    cipher: &FieldCipher,
    now: DateTime<Utc>,
    plan: &Plan,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let hash = crate::auth::password::hash_blocking(DEMO_PASSWORD)?;
    let district = org::find_or_create_district(db, "江津区", now).await?;
    // Every generated photo shows the same stored picture; its row, bytes hash and perceptual hash
    // are its own, as the reused-photo check and the photo tables see real ones.
    let picture = placeholder_jpeg()?;
    let picture_size = i64::try_from(picture.len())?;
    storage.put(PLACEHOLDER_KEY, picture).await?;
    let villages_per_town = 15usize;
    let per_village = plan.households.div_ceil(plan.towns * villages_per_town).max(1);
    let first_month = {
        let mut m = Month::containing(now);
        for _ in 1..plan.months {
            m = m.prev();
        }
        m
    };
    let mut made = 0usize;
    let mut visits_made = 0usize;
    let mut problems_made = 0usize;
    let mut photos_made = 0usize;
    for t in 0..plan.towns {
        let txn = db.begin().await?;
        let mut id_numbers = std::collections::HashSet::new();
        let town =
            org::create_town(&txn, Some(district.id), &format!("生成镇{:02}", t + 1), &format!("gen-{t:02}"), now)
                .await?;
        for d in DEPARTMENTS {
            org::create_department(&txn, town.id, d, &domain::screening::DepartmentDuties::default_for(d), now).await?;
        }
        for (role, name) in [
            (Role::RroStaff, "rro"),
            (Role::Leader, "leader"),
            (Role::DeputyMayor, "deputy"),
            (Role::Discipline, "discipline"),
            (Role::Admin, "admin"),
            (Role::CallTaker, "calltaker"),
        ] {
            let u =
                users::create(&txn, Some(town.id), &format!("gen{t:02}-{name}"), name, Some(hash.clone()), now).await?;
            users::grant(&txn, u.id, role, ScopeKind::Town, town.id, now).await?;
        }
        for v in 0..villages_per_town {
            let village = org::create_village(&txn, town.id, &format!("生成村{:02}", v + 1), "village", now).await?;
            let team =
                org::create_work_team(&txn, town.id, village.id, &format!("驻生成村{:02}工作组", v + 1), now).await?;
            let sec = users::create(
                &txn,
                Some(town.id),
                &format!("gen{t:02}-v{v:02}-secretary"),
                "书记",
                Some(hash.clone()),
                now,
            )
            .await?;
            users::grant(&txn, sec.id, Role::VillageSecretary, ScopeKind::Village, village.id, now).await?;
            let lead = users::create(
                &txn,
                Some(town.id),
                &format!("gen{t:02}-v{v:02}-teamlead"),
                "队长",
                Some(hash.clone()),
                now,
            )
            .await?;
            users::grant(&txn, lead.id, Role::WorkTeamLeader, ScopeKind::WorkTeam, team.id, now).await?;
            let mut cadres = vec![];
            let mut groups = vec![];
            for g in 0..5 {
                let group = org::create_group(&txn, village.id, &format!("{}社", g + 1), now).await?;
                let cadre = users::create(
                    &txn,
                    Some(town.id),
                    &format!("gen{t:02}-v{v:02}-cadre{g}"),
                    "包社干部",
                    Some(hash.clone()),
                    now,
                )
                .await?;
                users::grant(&txn, cadre.id, Role::Cadre, ScopeKind::WorkTeam, team.id, now).await?;
                users::assign_group(&txn, cadre.id, group.id, now).await?;
                cadres.push(cadre.id);
                groups.push(group.id);
            }
            let mut rows = vec![];
            let mut visit_rows = vec![];
            let mut visitor_rows = vec![];
            let mut photo_rows = vec![];
            let mut band_rows = vec![];
            let mut link_rows = vec![];
            let mut problem_rows = vec![];
            for n in 0..per_village {
                if made >= plan.households {
                    break;
                }
                let Some(id_number) = fake_id(&mut rng) else { continue };
                // An ID number is unique within a town.
                if !id_numbers.insert(id_number.as_str().to_owned()) {
                    continue;
                }
                let (mut tags, risk) = fake_tags(&mut rng);
                if n % 3 != 0 && !tags.iter().any(|t| t.is_target()) {
                    tags = vec![Tag::Alleviated];
                }
                let g = n % groups.len();
                let phone = format!("1{}{:09}", rng.random_range(3..=9), rng.random_range(0..1_000_000_000u32));
                let hid = uuid(&mut rng);
                let (lat, lng) = (29.37 + rng.random_range(-0.2..0.2), 106.30 + rng.random_range(-0.2..0.2));
                let draft = Draft {
                    village_id: village.id,
                    group_id: Some(groups[g]),
                    head_name: format!(
                        "{}{}",
                        SURNAMES[rng.random_range(0..SURNAMES.len())],
                        GIVEN[rng.random_range(0..GIVEN.len())]
                    ),
                    id_number,
                    phones: PhoneNumber::parse(&phone).ok().into_iter().collect(),
                    address: format!("重庆市江津区{}{}{}号", town.name, village.name, n + 1),
                    location: Some((lat, lng, "gcj02".into())),
                    member_count: rng.random_range(1..=6),
                    tags: tags.clone(),
                    risk_status: risk.map(|r| r.0),
                    risk_eliminated_on: risk.and_then(|r| r.1),
                    notes: String::new(),
                    cadre_ids: vec![cadres[g]],
                };
                // A visit most months, by the group's cadre.
                let mut m = first_month;
                for _ in 0..plan.months {
                    if rng.random_range(0..10) < 8 {
                        let (from, _) = m.bounds();
                        let at = from + Duration::minutes(rng.random_range(60 * 24..60 * 24 * 27));
                        if at < now {
                            let vid = uuid(&mut rng);
                            visit_rows.push(visit::ActiveModel {
                                id: Set(vid),
                                town_id: Set(town.id),
                                village_id: Set(village.id),
                                group_id: Set(Some(groups[g])),
                                household_id: Set(hid),
                                client_id: Set(uuid(&mut rng)),
                                created_by: Set(cadres[g]),
                                request_hash: Set(String::new()),
                                kind: Set("routine".into()),
                                outcome: Set("visited".into()),
                                absent_reason: Set(None),
                                visited_at: Set(at),
                                month: Set(m.to_string()),
                                latitude: Set(None),
                                longitude: Set(None),
                                datum: Set(None),
                                accuracy_m: Set(None),
                                checklist_version: Set(1),
                                checklist: Set("{}".into()),
                                flags: Set("[]".into()),
                                review: Set("not_needed".into()),
                                reviewed_by: Set(None),
                                reviewed_at: Set(None),
                                review_reason: Set(None),
                                late_reason: Set(None),
                                round_id: Set(None),
                                created_at: Set(at),
                            });
                            visitor_rows.push(visit_visitor::ActiveModel {
                                visit_id: Set(vid),
                                user_id: Set(cadres[g]),
                                visited_at: Set(Some(at)),
                            });
                            // The visit's photo, taken at the house.
                            let pid = uuid(&mut rng);
                            let phash: i64 = rng.random();
                            let sha256: String = (0..4).map(|_| format!("{:016x}", rng.random::<u64>())).collect();
                            photo_rows.push(photo::ActiveModel {
                                id: Set(pid),
                                town_id: Set(town.id),
                                uploaded_by: Set(cadres[g]),
                                sha256: Set(sha256),
                                phash: Set(phash),
                                content_type: Set("image/jpeg".into()),
                                size_bytes: Set(picture_size),
                                width: Set(PLACEHOLDER_SIZE.0.into()),
                                height: Set(PLACEHOLDER_SIZE.1.into()),
                                original_key: Set(PLACEHOLDER_KEY.into()),
                                thumbnail_key: Set(PLACEHOLDER_KEY.into()),
                                display_key: Set(PLACEHOLDER_KEY.into()),
                                exif_taken_at: Set(Some(at)),
                                exif_latitude: Set(Some(lat + rng.random_range(-0.0003..0.0003))),
                                exif_longitude: Set(Some(lng + rng.random_range(-0.0003..0.0003))),
                                client_taken_at: Set(Some(at)),
                                client_latitude: Set(None),
                                client_longitude: Set(None),
                                client_datum: Set(None),
                                client_accuracy_m: Set(None),
                                created_at: Set(at),
                            });
                            band_rows.extend(crate::store::photos::band_rows(pid, town.id, phash));
                            link_rows.push(visit_photo::ActiveModel {
                                visit_id: Set(vid),
                                photo_id: Set(pid),
                                position: Set(0),
                                household_id: Set(Some(hid)),
                            });
                            if rng.random_range(0..100) < 3 {
                                problem_rows.push(problems::new_active(
                                    problems::NewProblem {
                                        town_id: town.id,
                                        village_id: village.id,
                                        group_id: Some(groups[g]),
                                        household_id: Some(hid),
                                        source: domain::problem::Source::Visit,
                                        category: domain::problem::Category::ALL
                                            [rng.random_range(0..domain::problem::Category::ALL.len())],
                                        description: "生成的问题".into(),
                                        status: domain::problem::State::Open,
                                        found_by: cadres[g],
                                        found_at: at,
                                        visit_id: Some(vid),
                                        evidence_photo_ids: vec![],
                                        call_attempt_id: None,
                                        unannounced_visit_id: None,
                                    },
                                    at,
                                ));
                            }
                        }
                    }
                    m = m.next();
                }
                rows.push((hid, draft));
                made += 1;
            }
            households::insert_bulk(&txn, town.id, &rows, cipher, now).await?;
            visits_made += visit_rows.len();
            problems_made += problem_rows.len();
            photos_made += photo_rows.len();
            for chunk in photo_rows.chunks(500) {
                photo::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
            }
            for chunk in band_rows.chunks(2000) {
                crate::store::entity::photo_band::Entity::insert_many(chunk.to_vec())
                    .exec_without_returning(&txn)
                    .await?;
            }
            for chunk in visit_rows.chunks(500) {
                visit::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
            }
            for chunk in link_rows.chunks(2000) {
                visit_photo::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
            }
            for chunk in visitor_rows.chunks(2000) {
                visit_visitor::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
            }
            for chunk in problem_rows.chunks(300) {
                crate::store::entity::problem::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
            }
        }
        txn.commit().await?;
        eprintln!(
            "town {}/{}: {made} households, {visits_made} visits, {photos_made} photos, {problems_made} problems ({:.1} s)",
            t + 1,
            plan.towns,
            started.elapsed().as_secs_f64()
        );
    }
    // The district's own office: reads every town (the district-wide coverage and dashboard).
    let office = users::create(db, None, "gen-district-rro", "区乡村振兴局", Some(hash), now).await?;
    users::grant(db, office.id, Role::RroStaff, ScopeKind::District, district.id, now).await?;
    // A bulk load is followed by VACUUM and ANALYZE, as autovacuum would do after it (where
    // autovacuum is off, as on the machine `bench/RESULTS.md` ran on, never): without statistics
    // PostgreSQL guessed hundreds of rows for a key lookup and ran a visit's photo check with
    // parallel workers, 15 ms instead of 0.2 ms (session 10); without the visibility map an
    // index-only scan (the photo band index) reads each row it finds. SQLite keeps its plans
    // without statistics, which its queries here were shaped for.
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        db.execute_unprepared("VACUUM (ANALYZE)").await?;
    }
    eprintln!("logins: gen-district-rro, gen00-rro, gen00-v00-cadre0, … password {DEMO_PASSWORD}");
    Ok(())
}
