//! Quarterly coverage (村级入户全覆盖, SPEC §4) and monthly visit counts per visitor.
//!
//! Which households are targets: those carrying a target tag when coverage is computed. A household
//! that becomes a target mid-quarter must still be visited by the end of m2; one that stops being a
//! target leaves the denominator (its visits stay on record). Only visits inside the quarter's
//! visiting window (m1–m2, local dates) count, and only once they count as visited (no flag, or
//! accepted by a reviewer). A household with no counting visit but an absent attempt is counted as
//! attempted-absent, apart from not visited.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::calendar::{Month, Quarter, local_date};
use crate::household::Tag;
use crate::visit::{Outcome, Review, counts_as_visited};

#[derive(Debug, Clone)]
pub struct TargetHousehold {
    pub id: Uuid,
    pub village: Uuid,
    pub group: Option<Uuid>,
    pub tags: Vec<Tag>,
    /// Cadres answering for it: linked (联户) or responsible for its group (包社).
    pub cadres: Vec<Uuid>,
}

impl TargetHousehold {
    /// Whether it carries a target tag now: only such households are owed a visit.
    pub fn is_target(&self) -> bool {
        self.tags.iter().any(|t| t.is_target())
    }
}

#[derive(Debug, Clone)]
pub struct VisitFact {
    pub household: Uuid,
    pub at: DateTime<Utc>,
    pub outcome: Outcome,
    pub review: Review,
    pub visitors: Vec<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Visited,
    AttemptedAbsent,
    NotVisited,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub targets: u64,
    pub visited: u64,
    pub attempted_absent: u64,
    pub not_visited: u64,
}

impl Tally {
    fn add(&mut self, s: Status) {
        self.targets += 1;
        match s {
            Status::Visited => self.visited += 1,
            Status::AttemptedAbsent => self.attempted_absent += 1,
            Status::NotVisited => self.not_visited += 1,
        }
    }

    /// Visited share in percent, one decimal; none when there is no target (nothing to measure is
    /// "—", never 100 %).
    pub fn percent(&self) -> Option<f64> {
        (self.targets > 0).then(|| (self.visited as f64 * 1000.0 / self.targets as f64).round() / 10.0)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Coverage {
    pub total: Tally,
    pub by_village: BTreeMap<Uuid, Tally>,
    pub by_group: BTreeMap<Uuid, Tally>,
    pub by_cadre: BTreeMap<Uuid, Tally>,
    pub by_tag: BTreeMap<Tag, Tally>,
    pub status: HashMap<Uuid, Status>,
}

impl Coverage {
    /// Adds the coverage of other households (another town's): tallies sum, statuses join. A
    /// district's coverage is the sum of its towns'.
    pub fn absorb(&mut self, other: &Coverage) {
        fn sum<K: Ord + Copy>(into: &mut BTreeMap<K, Tally>, from: &BTreeMap<K, Tally>) {
            for (k, t) in from {
                into.entry(*k).or_default().absorb(t);
            }
        }
        self.total.absorb(&other.total);
        sum(&mut self.by_village, &other.by_village);
        sum(&mut self.by_group, &other.by_group);
        sum(&mut self.by_cadre, &other.by_cadre);
        sum(&mut self.by_tag, &other.by_tag);
        self.status.extend(other.status.iter().map(|(h, s)| (*h, *s)));
    }
}

impl Tally {
    fn absorb(&mut self, other: &Tally) {
        self.targets += other.targets;
        self.visited += other.visited;
        self.attempted_absent += other.attempted_absent;
        self.not_visited += other.not_visited;
    }
}

/// Whether a visit at `at` falls in the quarter's visiting window (m1–m2).
pub fn in_window(q: Quarter, at: DateTime<Utc>) -> bool {
    let (from, to) = q.visiting_window();
    let d = local_date(at);
    from <= d && d <= to
}

/// The households visited in the quarter's visiting window (by a visit that counts), and those
/// only found away there: what each household's coverage status rests on.
pub fn reached(q: Quarter, visits: &[VisitFact]) -> (HashSet<Uuid>, HashSet<Uuid>) {
    let mut visited = HashSet::new();
    let mut attempted = HashSet::new();
    let (from, to) = q.visiting_window();
    for v in visits {
        let d = local_date(v.at);
        if d < from || d > to {
            continue;
        }
        if counts_as_visited(v.outcome, v.review) {
            visited.insert(v.household);
        } else if v.outcome == Outcome::AbsentAttempted && v.review != Review::Rejected {
            attempted.insert(v.household);
        }
    }
    (visited, attempted)
}

pub fn coverage(q: Quarter, households: &[TargetHousehold], visits: &[VisitFact]) -> Coverage {
    // Hash sets and one reused buffer: this runs over a whole district (100k households) per request.
    let (visited, attempted) = reached(q, visits);
    let mut c = Coverage::default();
    let mut cadres: Vec<Uuid> = Vec::new();
    let mut tags: Vec<Tag> = Vec::new();
    for h in households.iter().filter(|h| h.is_target()) {
        let s = if visited.contains(&h.id) {
            Status::Visited
        } else if attempted.contains(&h.id) {
            Status::AttemptedAbsent
        } else {
            Status::NotVisited
        };
        c.total.add(s);
        c.by_village.entry(h.village).or_default().add(s);
        if let Some(g) = h.group {
            c.by_group.entry(g).or_default().add(s);
        }
        cadres.clear();
        cadres.extend(&h.cadres);
        cadres.sort_unstable();
        cadres.dedup();
        for cadre in &cadres {
            c.by_cadre.entry(*cadre).or_default().add(s);
        }
        tags.clear();
        tags.extend(h.tags.iter().filter(|t| t.is_target()));
        tags.sort_unstable();
        tags.dedup();
        for t in &tags {
            c.by_tag.entry(*t).or_default().add(s);
        }
        c.status.insert(h.id, s);
    }
    c
}

/// A cadre's own coverage, household by household: the target households they answer for (linked,
/// or in a group they are responsible for) and which of them were visited in the quarter's window.
/// The same rule, and so the same figures, as [`Coverage::by_cadre`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CadreCoverage {
    pub targets: Vec<Uuid>,
    pub visited: Vec<Uuid>,
}

pub fn of_cadre<'a>(
    cadre: Uuid,
    households: impl IntoIterator<Item = &'a TargetHousehold>,
    c: &Coverage,
) -> CadreCoverage {
    let mut out = CadreCoverage::default();
    for h in households.into_iter().filter(|h| h.cadres.contains(&cadre)) {
        match c.status.get(&h.id) {
            Some(Status::Visited) => {
                out.targets.push(h.id);
                out.visited.push(h.id);
            }
            Some(_) => out.targets.push(h.id),
            None => {}
        }
    }
    out.targets.sort_unstable();
    out.targets.dedup();
    out.visited.sort_unstable();
    out.visited.dedup();
    out
}

/// A visitor's work in one month: visits that count and the distinct households they reached —
/// the figures of the cadre's monthly sheet — and, beside them, the attempts that found the
/// household away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MonthlyVisits {
    pub visits: u64,
    pub households: u64,
    pub absent_attempts: u64,
}

/// Visits count as the assessment counts them ([`counts_as_visited`]): met, and not awaiting or
/// failed review. A visit that found the household away is an attempt, counted apart unless
/// rejected; a pending or rejected visit is neither.
pub fn monthly_visits(month: Month, visits: &[VisitFact]) -> BTreeMap<Uuid, MonthlyVisits> {
    let mut seen: BTreeMap<Uuid, BTreeSet<Uuid>> = BTreeMap::new();
    let mut out: BTreeMap<Uuid, MonthlyVisits> = BTreeMap::new();
    for v in visits.iter().filter(|v| month.contains(v.at)) {
        let counts = counts_as_visited(v.outcome, v.review);
        let attempt = v.outcome == Outcome::AbsentAttempted && v.review != Review::Rejected;
        for who in v.visitors.iter().collect::<BTreeSet<_>>() {
            if counts {
                out.entry(*who).or_default().visits += 1;
                seen.entry(*who).or_default().insert(v.household);
            } else if attempt {
                out.entry(*who).or_default().absent_attempts += 1;
            }
        }
    }
    for (who, hs) in seen {
        out.entry(who).or_default().households = hs.len() as u64;
    }
    out
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn hh(n: u128, village: u128, tags: &[Tag]) -> TargetHousehold {
        TargetHousehold { id: id(n), village: id(village), group: None, tags: tags.to_vec(), cadres: vec![id(900)] }
    }

    fn visit(h: u128, when: &str, outcome: Outcome, review: Review) -> VisitFact {
        VisitFact { household: id(h), at: at(when), outcome, review, visitors: vec![id(900)] }
    }

    #[test]
    fn visited_attempted_and_not_visited_are_counted_apart() {
        let q: Quarter = "2026-Q4".parse().unwrap();
        let hs = [
            hh(1, 10, &[Tag::Alleviated]),
            hh(2, 10, &[Tag::Disabled]),
            hh(3, 10, &[Tag::Subsistence]),
            hh(4, 10, &[Tag::General]),
        ];
        let vs = [
            visit(1, "2026-10-15T02:00:00Z", Outcome::Visited, Review::NotNeeded),
            visit(2, "2026-11-03T02:00:00Z", Outcome::AbsentAttempted, Review::NotNeeded),
            visit(4, "2026-11-03T02:00:00Z", Outcome::Visited, Review::NotNeeded),
        ];
        let c = coverage(q, &hs, &vs);
        assert_eq!(c.total, Tally { targets: 3, visited: 1, attempted_absent: 1, not_visited: 1 });
        assert_eq!(c.total.percent(), Some(33.3));
        assert_eq!(c.status.get(&id(4)), None, "general households are not targets");
        assert_eq!(c.by_cadre[&id(900)].targets, 3);
        let mine = of_cadre(id(900), &hs, &c);
        assert_eq!((mine.targets.len() as u64, mine.visited.len() as u64), (3, 1), "as by_cadre counts");
        assert_eq!(mine.visited, vec![id(1)]);
        assert_eq!(of_cadre(id(901), &hs, &c), CadreCoverage::default(), "another cadre answers for none");
    }

    #[test]
    fn only_the_m1_m2_window_in_shanghai_time_counts() {
        let q: Quarter = "2026-Q4".parse().unwrap();
        let hs = [hh(1, 10, &[Tag::Alleviated]), hh(2, 10, &[Tag::Alleviated]), hh(3, 10, &[Tag::Alleviated])];
        let vs = [
            // 30 Nov 23:30 in Shanghai: the last minutes of m2.
            visit(1, "2026-11-30T15:30:00Z", Outcome::Visited, Review::NotNeeded),
            // 1 Dec 00:30 in Shanghai (still 30 Nov in UTC): m3, outside the window.
            visit(2, "2026-11-30T16:30:00Z", Outcome::Visited, Review::NotNeeded),
            // 30 Sep 23:30 in Shanghai: last quarter.
            visit(3, "2026-09-30T15:30:00Z", Outcome::Visited, Review::NotNeeded),
        ];
        let c = coverage(q, &hs, &vs);
        assert_eq!(c.status[&id(1)], Status::Visited);
        assert_eq!(c.status[&id(2)], Status::NotVisited);
        assert_eq!(c.status[&id(3)], Status::NotVisited);
    }

    #[test]
    fn a_flagged_visit_counts_only_once_accepted() {
        let q: Quarter = "2026-Q1".parse().unwrap();
        let hs = [hh(1, 10, &[Tag::Alleviated])];
        let pending = [visit(1, "2026-02-28T02:00:00Z", Outcome::Visited, Review::Pending)];
        assert_eq!(coverage(q, &hs, &pending).total.visited, 0);
        let accepted = [visit(1, "2026-02-28T02:00:00Z", Outcome::Visited, Review::Accepted)];
        assert_eq!(coverage(q, &hs, &accepted).total.visited, 1);
    }

    #[test]
    fn tallies_split_by_village_and_by_every_target_tag() {
        let q: Quarter = "2026-Q4".parse().unwrap();
        let hs = [hh(1, 10, &[Tag::Alleviated, Tag::Disabled]), hh(2, 20, &[Tag::Alleviated])];
        let vs = [visit(1, "2026-10-15T02:00:00Z", Outcome::Visited, Review::NotNeeded)];
        let c = coverage(q, &hs, &vs);
        assert_eq!(c.by_village[&id(10)].visited, 1);
        assert_eq!(c.by_village[&id(20)].not_visited, 1);
        assert_eq!(c.by_tag[&Tag::Alleviated], Tally { targets: 2, visited: 1, attempted_absent: 0, not_visited: 1 });
        assert_eq!(c.by_tag[&Tag::Disabled].visited, 1);
        assert_eq!(Tally::default().percent(), None, "nothing to measure is not 100 %");
    }

    #[test]
    fn monthly_visits_count_visits_and_distinct_households_per_visitor() {
        let m: Month = "2026-11".parse().unwrap();
        let vs = [
            visit(1, "2026-11-03T02:00:00Z", Outcome::Visited, Review::NotNeeded),
            visit(1, "2026-11-20T02:00:00Z", Outcome::Visited, Review::Accepted),
            visit(2, "2026-11-21T02:00:00Z", Outcome::AbsentAttempted, Review::NotNeeded),
            visit(3, "2026-11-22T02:00:00Z", Outcome::Visited, Review::Rejected),
            visit(4, "2026-10-31T15:59:00Z", Outcome::Visited, Review::NotNeeded),
            visit(5, "2026-11-23T02:00:00Z", Outcome::Visited, Review::Pending),
            visit(6, "2026-11-30T15:59:00Z", Outcome::Visited, Review::NotNeeded),
            visit(7, "2026-11-30T16:00:00Z", Outcome::Visited, Review::NotNeeded),
        ];
        let counts = monthly_visits(m, &vs);
        // Household 1 twice and 6 (the month's last minute in Beijing); not 7 (December there),
        // not the pending 5 nor the rejected 3; the absent 2 is an attempt.
        assert_eq!(counts[&id(900)], MonthlyVisits { visits: 3, households: 2, absent_attempts: 1 });
    }

    #[test]
    fn the_coverage_of_two_towns_is_the_sum_of_each() {
        let q: Quarter = "2026-Q4".parse().unwrap();
        // A cadre (900) answers for households in both; a tag and a village on each side.
        let mut one = vec![hh(1, 10, &[Tag::Alleviated]), hh(2, 10, &[Tag::Disabled, Tag::Alleviated])];
        one[1].group = Some(id(50));
        let two = vec![hh(3, 20, &[Tag::Alleviated]), hh(4, 20, &[Tag::Subsistence]), hh(5, 20, &[Tag::General])];
        let visits = [
            visit(1, "2026-10-15T02:00:00Z", Outcome::Visited, Review::NotNeeded),
            visit(3, "2026-11-03T02:00:00Z", Outcome::AbsentAttempted, Review::NotNeeded),
            visit(4, "2026-12-03T02:00:00Z", Outcome::Visited, Review::NotNeeded), // after the window
        ];
        let all: Vec<_> = one.iter().chain(&two).cloned().collect();
        let whole = coverage(q, &all, &visits);
        let mut summed = coverage(q, &one, &visits);
        summed.absorb(&coverage(q, &two, &visits));
        assert_eq!(summed.total, whole.total);
        assert_eq!(summed.total, Tally { targets: 4, visited: 1, attempted_absent: 1, not_visited: 2 });
        assert_eq!(summed.by_village, whole.by_village);
        assert_eq!(summed.by_group, whole.by_group);
        assert_eq!(summed.by_cadre, whole.by_cadre);
        assert_eq!(summed.by_cadre[&id(900)].targets, 4, "the cadre's households of both towns");
        assert_eq!(summed.by_tag, whole.by_tag);
        assert_eq!(summed.status, whole.status);
    }
}
