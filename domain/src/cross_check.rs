//! The town cross spot-check (镇级交叉抽查评估, SPEC §4): a sample stratified by village and tag,
//! reproducible from a seed, assigned so that nobody checks a village where they hold a role.

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use crate::household::Tag;
use crate::rng::SplitMix64;

#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: Uuid,
    pub village: Uuid,
    pub tags: Vec<Tag>,
}

/// The tag a household is stratified by: the most pressing one it carries.
pub fn stratum_tag(tags: &[Tag]) -> Tag {
    const ORDER: [Tag; 7] = [
        Tag::MonitoredSudden,
        Tag::MonitoredUnstable,
        Tag::MonitoredEdge,
        Tag::ExtremePoverty,
        Tag::Subsistence,
        Tag::Disabled,
        Tag::Alleviated,
    ];
    ORDER.into_iter().find(|t| tags.contains(t)).unwrap_or(Tag::General)
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SampleSize {
    /// A share of the target households, in (0, 1]; rounded up.
    Rate(f64),
    /// A number of households (at most all of them).
    Count(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SampleError {
    #[error("the rate must be above 0 and at most 1")]
    BadRate,
    #[error("the sample must hold at least one household")]
    Empty,
}

/// Draws the sample: each stratum (village × stratum tag) gets its proportional share (Hamilton's
/// largest-remainder method, ties by stratum order), and within a stratum households are drawn by a
/// seeded shuffle of the candidates sorted by id. Same candidates and seed, same sample.
pub fn draw(candidates: &[Candidate], size: SampleSize, seed: u64) -> Result<Vec<Uuid>, SampleError> {
    let total = candidates.len();
    let n = match size {
        SampleSize::Rate(r) if r > 0.0 && r <= 1.0 => (r * total as f64).ceil() as usize,
        SampleSize::Rate(_) => return Err(SampleError::BadRate),
        SampleSize::Count(c) => c.min(total),
    };
    if n == 0 {
        return Err(SampleError::Empty);
    }
    let mut strata: BTreeMap<(Uuid, Tag), Vec<Uuid>> = BTreeMap::new();
    for c in candidates {
        strata.entry((c.village, stratum_tag(&c.tags))).or_default().push(c.id);
    }
    // Proportional quotas, largest remainders first.
    let mut quotas: Vec<((Uuid, Tag), usize, f64)> = strata
        .iter()
        .map(|(k, v)| {
            let exact = n as f64 * v.len() as f64 / total as f64;
            (*k, exact.floor() as usize, exact - exact.floor())
        })
        .collect();
    let mut left = n - quotas.iter().map(|q| q.1).sum::<usize>();
    let mut order: Vec<usize> = (0..quotas.len()).collect();
    order.sort_by(|a, b| quotas[*b].2.total_cmp(&quotas[*a].2).then(a.cmp(b)));
    for i in order {
        if left == 0 {
            break;
        }
        quotas[i].1 += 1;
        left -= 1;
    }
    let mut rng = SplitMix64::new(seed);
    let mut out = Vec::with_capacity(n);
    for (key, quota, _) in quotas {
        let mut ids = strata.get(&key).cloned().unwrap_or_default();
        ids.sort();
        rng.shuffle(&mut ids);
        out.extend(ids.into_iter().take(quota));
    }
    Ok(out)
}

#[derive(Debug, Clone)]
pub struct Checker {
    pub id: Uuid,
    /// Villages where the checker holds any role (or belongs to the work team): never theirs to check.
    pub own_villages: BTreeSet<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no checker may check these households (every checker belongs to their village)")]
pub struct AssignError {
    pub households: Vec<Uuid>,
}

/// Assigns every sampled household (id, village) to a checker from another village, spreading the
/// load: the most constrained households first, each to the least-loaded eligible checker.
pub fn assign(sample: &[(Uuid, Uuid)], checkers: &[Checker]) -> Result<Vec<(Uuid, Uuid)>, AssignError> {
    let eligible = |village: Uuid| checkers.iter().filter(move |c| !c.own_villages.contains(&village));
    let impossible: Vec<Uuid> = sample.iter().filter(|(_, v)| eligible(*v).next().is_none()).map(|(h, _)| *h).collect();
    if !impossible.is_empty() {
        return Err(AssignError { households: impossible });
    }
    let mut items: Vec<(Uuid, Uuid)> = sample.to_vec();
    items.sort_by_key(|(h, v)| (eligible(*v).count(), *h));
    let mut load: BTreeMap<Uuid, usize> = checkers.iter().map(|c| (c.id, 0)).collect();
    let mut out = Vec::with_capacity(items.len());
    for (h, v) in items {
        let chosen = eligible(v).map(|c| c.id).min_by_key(|id| (load.get(id).copied().unwrap_or(0), *id));
        if let Some(c) = chosen {
            *load.entry(c).or_default() += 1;
            out.push((h, c));
        }
    }
    Ok(out)
}

/// Why a round may not be cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelRefusal {
    /// Cancelled already; its history stays as it is.
    AlreadyCancelled,
    /// A checker has already visited a sample household: the round has started, and its record
    /// stands (a redraw now would let a town pick the sample it likes).
    Started,
}

impl CancelRefusal {
    pub fn code(self) -> &'static str {
        match self {
            CancelRefusal::AlreadyCancelled => "round_cancelled",
            CancelRefusal::Started => "round_started",
        }
    }

    pub fn message_zh(self) -> &'static str {
        match self {
            CancelRefusal::AlreadyCancelled => "该轮交叉抽查已撤销",
            CancelRefusal::Started => "该轮交叉抽查已有入户记录，不能撤销或重新抽样",
        }
    }
}

/// A round may be cancelled (and so redrawn) by the office only before it starts: while no sample
/// household has been visited for it.
pub fn may_cancel(cancelled: bool, visited: usize) -> Result<(), CancelRefusal> {
    match (cancelled, visited) {
        (true, _) => Err(CancelRefusal::AlreadyCancelled),
        (false, 0) => Ok(()),
        (false, _) => Err(CancelRefusal::Started),
    }
}

/// Where a round stands: under way, every sample household checked, or cancelled (kept as history).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundStatus {
    Active,
    Completed,
    Cancelled,
}

impl RoundStatus {
    pub fn of(cancelled: bool, done: usize, total: usize) -> Self {
        match (cancelled, done >= total && total > 0) {
            (true, _) => RoundStatus::Cancelled,
            (false, true) => RoundStatus::Completed,
            (false, false) => RoundStatus::Active,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RoundStatus::Active => "active",
            RoundStatus::Completed => "completed",
            RoundStatus::Cancelled => "cancelled",
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn a_round_is_completed_when_every_sample_household_is_checked() {
        assert_eq!(RoundStatus::of(false, 9, 10), RoundStatus::Active);
        assert_eq!(RoundStatus::of(false, 10, 10), RoundStatus::Completed);
        assert_eq!(RoundStatus::of(true, 0, 10), RoundStatus::Cancelled);
        assert_eq!(RoundStatus::of(false, 0, 0), RoundStatus::Active, "an empty round completes nothing");
    }

    #[test]
    fn a_round_is_cancelled_only_before_its_first_visit_and_once() {
        assert_eq!(may_cancel(false, 0), Ok(()));
        assert_eq!(may_cancel(false, 1), Err(CancelRefusal::Started));
        assert_eq!(may_cancel(true, 0), Err(CancelRefusal::AlreadyCancelled));
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn town() -> Vec<Candidate> {
        // Three villages of 40 households: 30 alleviated, 10 monitored each.
        (0..120u128)
            .map(|n| Candidate {
                id: id(1000 + n),
                village: id(n / 40),
                tags: if n % 4 == 0 { vec![Tag::MonitoredEdge] } else { vec![Tag::Alleviated, Tag::Disabled] },
            })
            .collect()
    }

    #[test]
    fn the_same_seed_draws_the_same_sample_and_another_seed_another() {
        let a = draw(&town(), SampleSize::Rate(0.1), 42).unwrap();
        let b = draw(&town(), SampleSize::Rate(0.1), 42).unwrap();
        let c = draw(&town(), SampleSize::Rate(0.1), 43).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 12);
        // The candidates' order does not matter.
        let mut shuffled = town();
        shuffled.reverse();
        assert_eq!(draw(&shuffled, SampleSize::Rate(0.1), 42).unwrap(), a);
    }

    #[test]
    fn every_village_and_tag_gets_its_proportional_share() {
        let sample = draw(&town(), SampleSize::Count(24), 1).unwrap();
        let all = town();
        let of = |h: &Uuid| all.iter().find(|c| &c.id == h).unwrap();
        for v in 0..3 {
            let in_v: Vec<_> = sample.iter().filter(|h| of(h).village == id(v)).collect();
            assert_eq!(in_v.len(), 8);
            assert_eq!(in_v.iter().filter(|h| stratum_tag(&of(h).tags) == Tag::MonitoredEdge).count(), 2);
        }
        let unique: BTreeSet<_> = sample.iter().collect();
        assert_eq!(unique.len(), 24);
    }

    #[test]
    fn sizes_are_bounded_and_checked() {
        assert_eq!(draw(&town(), SampleSize::Count(1000), 1).unwrap().len(), 120);
        assert_eq!(draw(&town(), SampleSize::Rate(1.0), 1).unwrap().len(), 120);
        assert_eq!(draw(&town(), SampleSize::Rate(0.0), 1), Err(SampleError::BadRate));
        assert_eq!(draw(&town(), SampleSize::Rate(1.5), 1), Err(SampleError::BadRate));
        assert_eq!(draw(&[], SampleSize::Rate(0.5), 1), Err(SampleError::Empty));
        // One household in 120 at 0.5 %: rounded up to one.
        assert_eq!(draw(&town(), SampleSize::Rate(0.005), 1).unwrap().len(), 1);
    }

    #[test]
    fn nobody_checks_their_own_village_and_the_load_is_spread() {
        let sample: Vec<(Uuid, Uuid)> = (0..12u128).map(|n| (id(100 + n), id(n % 3))).collect();
        let checkers: Vec<Checker> =
            (0..3u128).map(|v| Checker { id: id(500 + v), own_villages: BTreeSet::from([id(v)]) }).collect();
        let assigned = assign(&sample, &checkers).unwrap();
        assert_eq!(assigned.len(), 12);
        for (h, c) in &assigned {
            let village = sample.iter().find(|(x, _)| x == h).unwrap().1;
            let checker = checkers.iter().find(|x| &x.id == c).unwrap();
            assert!(!checker.own_villages.contains(&village));
        }
        for c in &checkers {
            assert_eq!(assigned.iter().filter(|(_, x)| *x == c.id).count(), 4);
        }
    }

    #[test]
    fn a_household_only_its_own_villagers_could_check_is_refused() {
        let sample = vec![(id(1), id(10)), (id(2), id(20))];
        let checkers = vec![Checker { id: id(500), own_villages: BTreeSet::from([id(10)]) }];
        assert_eq!(assign(&sample, &checkers), Err(AssignError { households: vec![id(1)] }));
    }
}
