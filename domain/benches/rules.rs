//! The hot domain rules at district scale: `cargo bench -p changxiao-domain`.
//! Targets and the figures measured are in `bench/RESULTS.md`.

use std::hint::black_box;

use chrono::{DateTime, Duration, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use domain::assessment::good_bars;
use domain::coverage::{TargetHousehold, VisitFact, coverage};
use domain::cross_check::{Candidate, SampleSize, draw};
use domain::phash::PhashIndex;
use domain::rng::SplitMix64;
use domain::visit::{Outcome, Review};
use domain::{Quarter, Tag};
use uuid::Uuid;

const TAGS: [Tag; 4] = [Tag::Alleviated, Tag::MonitoredUnstable, Tag::Subsistence, Tag::Disabled];

fn id(rng: &mut SplitMix64) -> Uuid {
    Uuid::from_u64_pair(rng.next_u64(), rng.next_u64())
}

/// 100k households in 20 towns × 15 villages, each with one cadre of 1,500, and ~1.5 visits each.
fn district(rng: &mut SplitMix64) -> (Vec<TargetHousehold>, Vec<VisitFact>) {
    let villages: Vec<Uuid> = (0..300).map(|_| id(rng)).collect();
    let cadres: Vec<Uuid> = (0..1500).map(|_| id(rng)).collect();
    let start: DateTime<Utc> = "2026-10-01T02:00:00Z".parse().unwrap_or_default();
    let mut households = Vec::with_capacity(100_000);
    let mut visits = Vec::with_capacity(150_000);
    for i in 0..100_000usize {
        let h = id(rng);
        let cadre = cadres[i % cadres.len()];
        households.push(TargetHousehold {
            id: h,
            village: villages[i % villages.len()],
            group: None,
            tags: vec![TAGS[i % TAGS.len()]],
            cadres: vec![cadre],
        });
        for _ in 0..(rng.below(3)) {
            visits.push(VisitFact {
                household: h,
                at: start + Duration::minutes(rng.below(60 * 24 * 85) as i64),
                outcome: if rng.below(10) == 0 { Outcome::AbsentAttempted } else { Outcome::Visited },
                review: Review::NotNeeded,
                visitors: vec![cadre],
            });
        }
    }
    (households, visits)
}

fn rules(c: &mut Criterion) {
    let mut rng = SplitMix64::new(2026);
    let (households, visits) = district(&mut rng);
    let q: Quarter = "2026-Q4".parse().unwrap_or_else(|_| Quarter::containing(Utc::now()));
    c.bench_function("coverage, 100k households, 150k visits", |b| {
        b.iter(|| black_box(coverage(q, black_box(&households), black_box(&visits))))
    });

    let candidates: Vec<Candidate> =
        households.iter().map(|h| Candidate { id: h.id, village: h.village, tags: h.tags.clone() }).collect();
    c.bench_function("cross-check sample 5% of 100k, stratified", |b| {
        b.iter(|| black_box(draw(black_box(&candidates), SampleSize::Rate(0.05), 7)))
    });

    // A town-year: 75 cadres, 12 months, visits known per month.
    let months: Vec<[Option<bool>; 3]> =
        (0..75 * 4).map(|i| [Some(i % 3 != 0), Some(i % 5 != 0), Some(i % 7 != 0)]).collect();
    c.bench_function("assessment bars, a town-year (75 cadres × 4 quarters)", |b| {
        b.iter(|| months.iter().map(|m| good_bars(*black_box(m))).filter(|b| b[0] != b[1]).count())
    });

    let mut index = PhashIndex::new();
    let mut hashes = Vec::with_capacity(1_000_000);
    for _ in 0..1_000_000 {
        let h = rng.next_u64();
        hashes.push(h);
        index.insert(h);
    }
    let mut i = 0usize;
    c.bench_function("reused-photo lookup, 1M stored hashes, distance ≤ 6", |b| {
        b.iter(|| {
            i = (i + 7919) % hashes.len();
            black_box(index.within(hashes[i] ^ 0b101, 6))
        })
    });
    c.bench_function("reused-photo linear scan, 1M stored hashes (for comparison)", |b| {
        b.iter(|| {
            i = (i + 7919) % hashes.len();
            let q = hashes[i] ^ 0b101;
            black_box(hashes.iter().filter(|h| domain::phash::distance(**h, q) <= 6).count())
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = rules
}
criterion_main!(benches);
