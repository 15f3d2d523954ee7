//! Leaders' inspections (SPEC §8.3, §8.4, §9): where to go unannounced, which villages earn an
//! admonishment talk (约谈), how an interview (访谈) is drawn and scored, who a circular (通报) names,
//! and when a must-know update (应知应会) is late.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::lists::{Timeliness, timeliness};

// ---------------------------------------------------------------------------------------------
// Unannounced visits: where to go

/// Why a household is worth an unannounced visit ("according to this month's visits").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lead {
    /// An overdue problem of the household.
    OverdueProblem,
    /// A visit flagged or rejected in review.
    FlaggedVisit,
    /// Said it was unsatisfied on the phone.
    Unsatisfied,
    /// Not found at home, or not reachable by phone.
    Unreachable,
    /// A target household not yet visited this quarter.
    NotVisited,
}

impl Lead {
    fn weight(self) -> u32 {
        match self {
            Lead::OverdueProblem => 5,
            Lead::FlaggedVisit => 4,
            Lead::Unsatisfied => 4,
            Lead::Unreachable => 2,
            Lead::NotVisited => 3,
        }
    }
}

/// A suggested household with its reasons, most telling first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub household: Uuid,
    pub score: u32,
    pub leads: Vec<Lead>,
}

/// Ranks households by the weight of their leads (ties by id, so the order is stable); at most `limit`.
pub fn suggest(leads: &[(Uuid, Lead)], limit: usize) -> Vec<Suggestion> {
    let mut by: BTreeMap<Uuid, Vec<Lead>> = BTreeMap::new();
    for (h, l) in leads {
        let v = by.entry(*h).or_default();
        if !v.contains(l) {
            v.push(*l);
        }
    }
    let mut out: Vec<Suggestion> = by
        .into_iter()
        .map(|(household, mut leads)| {
            leads.sort();
            Suggestion { household, score: leads.iter().map(|l| l.weight()).sum(), leads }
        })
        .collect();
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.household.cmp(&b.household)));
    out.truncate(limit);
    out
}

// ---------------------------------------------------------------------------------------------
// Admonishment talks

/// The thresholds of the proposal rule (configurable; stated in the README).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdmonishmentRule {
    /// Problems found in the period per 100 target households, at least.
    pub min_problems_per_100: f64,
    /// And at least this many problems (a small village with one problem is not "prominent").
    pub min_problems: u32,
    /// Slow: the share of its active problems that are overdue, at least…
    pub min_overdue_share: f64,
    /// …or the median days from finding to closing, at least.
    pub min_median_days_to_close: f64,
}

impl Default for AdmonishmentRule {
    fn default() -> Self {
        Self { min_problems_per_100: 10.0, min_problems: 3, min_overdue_share: 0.3, min_median_days_to_close: 20.0 }
    }
}

/// A village's problem record for the period.
#[derive(Debug, Clone, PartialEq)]
pub struct VillageRecord {
    pub village: Uuid,
    pub target_households: u32,
    /// Problems found in the period.
    pub problems: u32,
    /// Of its problems still being rectified at the period's end, how many, and how many are overdue.
    pub active: u32,
    pub overdue: u32,
    /// Days from finding to closing of its problems closed in the period.
    pub days_to_close: Vec<i64>,
}

/// A proposal, with the figures it rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    pub village: Uuid,
    pub problems: u32,
    pub problems_per_100: f64,
    pub overdue_share: Option<f64>,
    pub median_days_to_close: Option<f64>,
    /// In Chinese, for the leader.
    pub reason: String,
}

fn median(v: &[i64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_unstable();
    let n = s.len();
    Some(if n % 2 == 1 { s[n / 2] as f64 } else { (s[n / 2 - 1] + s[n / 2]) as f64 / 2.0 })
}

/// Where a village stands against the rule, proposed or not: its figures and which of the rule's
/// tests it meets, so that a leader sees a village coming close before it is proposed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standing {
    pub village: Uuid,
    pub problems: u32,
    pub problems_per_100: f64,
    pub overdue_share: Option<f64>,
    pub median_days_to_close: Option<f64>,
    /// Problems prominent: at least the rule's count and rate.
    pub prominent: bool,
    /// Rectification slow: overdue share or closing time at the rule's mark.
    pub slow: bool,
    /// Both: proposed for an admonishment talk.
    pub proposed: bool,
}

pub fn standing(rule: &AdmonishmentRule, v: &VillageRecord) -> Standing {
    let per_100 =
        if v.target_households == 0 { 0.0 } else { f64::from(v.problems) * 100.0 / f64::from(v.target_households) };
    let share = (v.active > 0).then(|| f64::from(v.overdue) / f64::from(v.active));
    let med = median(&v.days_to_close);
    let prominent = v.problems >= rule.min_problems && per_100 >= rule.min_problems_per_100;
    let slow =
        share.is_some_and(|s| s >= rule.min_overdue_share) || med.is_some_and(|m| m >= rule.min_median_days_to_close);
    Standing {
        village: v.village,
        problems: v.problems,
        problems_per_100: per_100,
        overdue_share: share,
        median_days_to_close: med,
        prominent,
        slow,
        proposed: prominent && slow,
    }
}

/// Villages whose problems are prominent **and** whose rectification is slow.
pub fn propose(rule: &AdmonishmentRule, villages: &[VillageRecord]) -> Vec<Proposal> {
    let mut out = vec![];
    for v in villages {
        let s = standing(rule, v);
        if !s.proposed {
            continue;
        }
        let mut why = vec![format!("问题{}个，每百户{:.1}个", s.problems, s.problems_per_100)];
        if s.overdue_share.is_some_and(|x| x >= rule.min_overdue_share) {
            why.push(format!("整改中问题逾期{}个，占{:.0}%", v.overdue, s.overdue_share.unwrap_or(0.0) * 100.0));
        }
        if s.median_days_to_close.is_some_and(|m| m >= rule.min_median_days_to_close) {
            why.push(format!("整改销号中位用时{:.0}天", s.median_days_to_close.unwrap_or(0.0)));
        }
        out.push(Proposal {
            village: s.village,
            problems: s.problems,
            problems_per_100: s.problems_per_100,
            overdue_share: s.overdue_share,
            median_days_to_close: s.median_days_to_close,
            reason: why.join("；"),
        });
    }
    out.sort_by(|a, b| b.problems_per_100.total_cmp(&a.problems_per_100).then(a.village.cmp(&b.village)));
    out
}

// ---------------------------------------------------------------------------------------------
// Interviews

/// How well a question was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Correct,
    Partial,
    Wrong,
}

/// Where an interview question comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// The village's own situation.
    Village,
    /// A department's policies.
    Policy,
}

/// A person's score (0–100: correct 1, partial ½) and whether they are named in the circular: below
/// the pass mark, or not knowing the village's situation (no village question right), or not knowing
/// the policies (no policy question right).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    pub score: f64,
    pub knows_village: bool,
    pub knows_policies: bool,
    pub named: bool,
    pub reasons: Vec<String>,
}

pub const PASS_MARK: f64 = 60.0;

pub fn score(answers: &[(Topic, Verdict)]) -> Scored {
    let points: f64 = answers
        .iter()
        .map(|(_, v)| match v {
            Verdict::Correct => 1.0,
            Verdict::Partial => 0.5,
            Verdict::Wrong => 0.0,
        })
        .sum();
    let score = if answers.is_empty() { 0.0 } else { (points * 100.0 / answers.len() as f64 * 10.0).round() / 10.0 };
    // Knowing a topic is answering one of its questions right; a partial answer is half a point
    // of the score, not knowledge of the village, and a topic not asked shows no knowledge of it.
    let knows = |t: Topic| answers.iter().any(|(x, v)| *x == t && *v == Verdict::Correct);
    let (knows_village, knows_policies) = (knows(Topic::Village), knows(Topic::Policy));
    let mut reasons = vec![];
    if !knows_village {
        reasons.push("不熟悉本村基本情况".to_owned());
    }
    if !knows_policies {
        reasons.push("不掌握相关政策".to_owned());
    }
    if score < PASS_MARK {
        reasons.push(format!("应知应会测试得分{score}分，低于{PASS_MARK}分"));
    }
    Scored { score, knows_village, knows_policies, named: !reasons.is_empty(), reasons }
}

/// Draws `n` questions from the pool, reproducibly from `seed`, keeping at least one question of
/// each topic the pool has (the village's situation and the policies are both tested: SPEC §7).
/// A missing topic takes the place of the last question of a topic drawn more than once. Returns
/// indices into the pool.
pub fn draw(pool: &[Topic], n: usize, seed: u64) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..pool.len()).collect();
    crate::rng::SplitMix64::new(seed).shuffle(&mut idx);
    let mut chosen: Vec<usize> = idx.iter().copied().take(n).collect();
    for topic in [Topic::Village, Topic::Policy] {
        if chosen.iter().any(|i| pool[*i] == topic) {
            continue;
        }
        let Some(missing) = idx.iter().copied().find(|i| pool[*i] == topic) else { continue };
        let drawn_twice = |t: Topic| chosen.iter().filter(|j| pool[**j] == t).count() > 1;
        if let Some(at) = chosen.iter().rposition(|i| drawn_twice(pool[*i])) {
            chosen[at] = missing;
        }
    }
    chosen
}

// ---------------------------------------------------------------------------------------------
// Must-know updates

/// Whether a department's must-know update for `month` came in on time (by the end of the 25th).
pub fn must_know_timeliness(
    month: crate::Month,
    submitted: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    live: crate::calendar::LiveFrom,
) -> Timeliness {
    timeliness(month.list_deadline(), submitted, now, live)
}

/// The due date of a month's must-know update.
pub fn must_know_due(month: crate::Month) -> NaiveDate {
    month.list_deadline()
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn a_partial_answer_on_the_village_is_not_knowing_the_village() {
        use Topic::{Policy, Village};
        let s = score(&[
            (Village, Verdict::Partial),
            (Village, Verdict::Wrong),
            (Village, Verdict::Wrong),
            (Policy, Verdict::Correct),
        ]);
        assert!(!s.knows_village, "{s:?}");
        assert!(s.named && s.reasons.iter().any(|r| r.contains("本村")));
        let s = score(&[(Village, Verdict::Correct), (Village, Verdict::Wrong), (Policy, Verdict::Correct)]);
        assert!(s.knows_village);
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn suggestions_rank_by_the_weight_of_their_leads() {
        let s = suggest(
            &[
                (id(1), Lead::NotVisited),
                (id(2), Lead::OverdueProblem),
                (id(2), Lead::Unsatisfied),
                (id(3), Lead::Unreachable),
                (id(1), Lead::NotVisited),
            ],
            2,
        );
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].household, s[0].score), (id(2), 9));
        assert_eq!(s[1].leads, [Lead::NotVisited], "a lead counts once");
    }

    fn record(v: u128, households: u32, problems: u32, active: u32, overdue: u32, days: &[i64]) -> VillageRecord {
        VillageRecord {
            village: id(v),
            target_households: households,
            problems,
            active,
            overdue,
            days_to_close: days.to_vec(),
        }
    }

    #[test]
    fn only_villages_with_prominent_problems_and_slow_rectification_are_proposed() {
        let rule = AdmonishmentRule::default();
        let p = propose(
            &rule,
            &[
                record(1, 40, 8, 6, 3, &[]),          // 20 per 100, half overdue: proposed
                record(2, 40, 8, 6, 0, &[3, 5, 4]),   // prominent but quick: not
                record(3, 200, 8, 6, 6, &[]),         // slow but 4 per 100: not
                record(4, 20, 2, 2, 2, &[]),          // 10 per 100 but only 2 problems: not
                record(5, 40, 6, 0, 0, &[25, 30, 2]), // median 25 days: proposed
            ],
        );
        let ids: Vec<Uuid> = p.iter().map(|x| x.village).collect();
        assert_eq!(ids, [id(1), id(5)]);
        assert!(p[0].reason.contains("逾期3个"), "{}", p[0].reason);
        assert_eq!(p[1].median_days_to_close, Some(25.0));
        assert_eq!(median(&[1, 2, 3, 10]), Some(2.5));
        // Exactly at the thresholds counts.
        assert_eq!(propose(&rule, &[record(6, 30, 3, 10, 3, &[])]).len(), 1);
    }

    #[test]
    fn every_village_shows_how_close_it_stands_to_the_rule() {
        let rule = AdmonishmentRule::default();
        let close = standing(&rule, &record(2, 40, 8, 6, 0, &[3, 5, 4]));
        assert!(close.prominent && !close.slow && !close.proposed, "prominent, not yet slow: {close:?}");
        assert_eq!(close.problems_per_100, 20.0);
        let proposed = standing(&rule, &record(1, 40, 8, 6, 3, &[]));
        assert!(proposed.proposed);
        let quiet = standing(&rule, &record(7, 40, 0, 0, 0, &[]));
        assert!(!quiet.prominent && !quiet.slow && quiet.overdue_share.is_none());
    }

    #[test]
    fn an_interviewee_who_misses_the_village_or_the_policies_or_the_mark_is_named() {
        use Topic::*;
        use Verdict::*;
        let good = score(&[(Village, Correct), (Policy, Correct), (Policy, Partial)]);
        assert_eq!(good.score, 83.3);
        assert!(!good.named);
        let no_village = score(&[(Village, Wrong), (Policy, Correct), (Policy, Correct), (Policy, Correct)]);
        assert_eq!(no_village.score, 75.0);
        assert!(no_village.named && !no_village.knows_village);
        assert_eq!(no_village.reasons, ["不熟悉本村基本情况"]);
        let low = score(&[(Village, Correct), (Policy, Correct), (Policy, Wrong), (Village, Wrong), (Policy, Wrong)]);
        assert!(low.named && low.knows_village && low.knows_policies);
        assert!(low.reasons[0].contains("40"), "{low:?}");
        let partial = score(&[(Village, Correct), (Policy, Partial), (Policy, Partial)]);
        assert!(!partial.knows_policies, "a partial answer is not knowing: {partial:?}");
        let not_asked = score(&[(Policy, Correct), (Policy, Correct)]);
        assert!(not_asked.named && !not_asked.knows_village, "a topic not asked is not known: {not_asked:?}");
        assert!(score(&[]).named);
    }

    #[test]
    fn draws_are_reproducible_and_keep_a_village_question() {
        use Topic::*;
        let pool = [Policy, Policy, Policy, Policy, Policy, Village];
        for seed in 0..50 {
            let d = draw(&pool, 3, seed);
            assert_eq!(d.len(), 3);
            assert!(d.contains(&5), "seed {seed}: {d:?}");
            assert_eq!(d, draw(&pool, 3, seed));
        }
        assert_eq!(draw(&pool, 10, 1).len(), 6);
        assert!(draw(&[], 3, 1).is_empty());
        // Both topics, whichever the pool has more of.
        let villages = [Village, Village, Village, Village, Village, Policy];
        for seed in 0..50 {
            let d = draw(&villages, 3, seed);
            assert_eq!(d.len(), 3);
            assert!(d.contains(&5), "seed {seed}: {d:?}");
            assert!(d.iter().any(|i| villages[*i] == Village), "seed {seed}: {d:?}");
        }
        // One question cannot test two topics: the drawn one stays.
        assert_eq!(draw(&villages, 1, 3).len(), 1);
    }

    #[test]
    fn a_must_know_update_on_the_26th_is_late() {
        let m: crate::Month = "2026-11".parse().unwrap();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let now = at("2026-11-28T10:00:00+08:00");
        assert_eq!(
            must_know_timeliness(
                m,
                Some(at("2026-11-25T23:59:00+08:00")),
                now,
                crate::calendar::LiveFrom(NaiveDate::MIN)
            ),
            Timeliness::OnTime
        );
        assert_eq!(
            must_know_timeliness(
                m,
                Some(at("2026-11-26T00:01:00+08:00")),
                now,
                crate::calendar::LiveFrom(NaiveDate::MIN)
            ),
            Timeliness::Late
        );
        assert_eq!(must_know_timeliness(m, None, now, crate::calendar::LiveFrom(NaiveDate::MIN)), Timeliness::Missing);
        assert_eq!(
            must_know_timeliness(m, None, at("2026-11-20T10:00:00+08:00"), crate::calendar::LiveFrom(NaiveDate::MIN)),
            Timeliness::Pending
        );
        assert_eq!(must_know_due(m), NaiveDate::from_ymd_opt(2026, 11, 25).unwrap());
    }
}
