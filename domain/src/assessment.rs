//! The cadre's monthly routine assessment bar (SPEC §10, from the notice's 考核机制):
//! a cadre responsible for groups who made no household visit in a month cannot be rated "good"
//! that month; if two months of a quarter have no visits, no month of that quarter can be "good".

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GoodBar {
    /// Nothing in the mechanism stands in the way of "good".
    Allowed,
    /// No household visit in this month.
    NoVisitThisMonth,
    /// Two (or three) months of the quarter without visits bar every month of it.
    TwoMonthsWithoutVisitsInQuarter,
}

impl GoodBar {
    pub fn reason_zh(self) -> Option<&'static str> {
        match self {
            GoodBar::Allowed => None,
            GoodBar::NoVisitThisMonth => Some("当月未入户，当月平时考核不评好"),
            GoodBar::TwoMonthsWithoutVisitsInQuarter => Some("本季度有两个月未入户，该季度每月平时考核均不评好"),
        }
    }
}

/// Whether a cadre visited in `month`, as [`good_bars`] reads it: `Some(true)` with a visit,
/// `Some(false)` once the month is over without one (`today` local), and `None` while it is not
/// over — or when the town was not live in it (a month before go-live owes no visit).
pub fn month_visited(
    month: crate::Month,
    any_visit: bool,
    today: chrono::NaiveDate,
    live: crate::calendar::LiveFrom,
) -> Option<bool> {
    if any_visit {
        Some(true)
    } else if month.last_day() < today && live.owes_month(month) {
        Some(false)
    } else {
        None
    }
}

/// For each month of a quarter, whether the cadre visited: `Some(true)`, `Some(false)` for a month
/// that is over without a visit, `None` for a month not over yet (it bars nothing yet).
pub fn good_bars(months: [Option<bool>; 3]) -> [GoodBar; 3] {
    let without = months.iter().filter(|m| **m == Some(false)).count();
    months.map(|m| {
        if without >= 2 {
            GoodBar::TwoMonthsWithoutVisitsInQuarter
        } else if m == Some(false) {
            GoodBar::NoVisitThisMonth
        } else {
            GoodBar::Allowed
        }
    })
}

/// The mechanism's figures of a village for a month (each in [0, 1]; `None` when there is nothing
/// to measure, and then the part is left out and the others weigh more).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct VillageFigures {
    /// Target households visited this quarter / target households.
    pub coverage: Option<f64>,
    /// 1 − overdue share of the problems being rectified at the month's end.
    pub rectification: Option<f64>,
    /// The month's feedback list: 1 on time, ½ late, 0 missing; not measured before it is due
    /// ([`list_part`]).
    pub list_timeliness: Option<f64>,
    /// Phone spot-check satisfaction rate.
    pub satisfaction: Option<f64>,
    /// Share of interviewees not named in the circular.
    pub interviews: Option<f64>,
}

/// The list's part of a village's score: 1 submitted by the 25th, ½ late, 0 missing past its day.
/// A list not yet due (`Pending`) is not measured: counting it as on time would let a village
/// with nothing done outscore one that did some work.
pub fn list_part(t: crate::lists::Timeliness) -> Option<f64> {
    use crate::lists::Timeliness;
    match t {
        Timeliness::OnTime => Some(1.0),
        Timeliness::Late => Some(0.5),
        Timeliness::Missing => Some(0.0),
        Timeliness::Pending | Timeliness::NotOwed => None,
    }
}

/// One part of a village's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScorePart {
    pub part: &'static str,
    pub weight: f64,
    pub value: Option<f64>,
    pub points: Option<f64>,
}

/// The stated method: coverage 30, rectification 20, list timeliness 15, satisfaction 20,
/// interviews 15; a part with nothing to measure is left out and the score is scaled to 100 over
/// the parts measured. Rounded to 0.1.
pub const VILLAGE_WEIGHTS: [(&str, f64); 5] = [
    ("coverage", 30.0),
    ("rectification", 20.0),
    ("list_timeliness", 15.0),
    ("satisfaction", 20.0),
    ("interviews", 15.0),
];

pub fn village_score(f: &VillageFigures) -> (Option<f64>, Vec<ScorePart>) {
    let values = [f.coverage, f.rectification, f.list_timeliness, f.satisfaction, f.interviews];
    let parts: Vec<ScorePart> = VILLAGE_WEIGHTS
        .iter()
        .zip(values)
        .map(|((part, weight), value)| {
            let value = value.map(|v| v.clamp(0.0, 1.0));
            ScorePart { part, weight: *weight, value, points: value.map(|v| v * weight) }
        })
        .collect();
    let measured: f64 = parts.iter().filter(|p| p.value.is_some()).map(|p| p.weight).sum();
    let points: f64 = parts.iter().filter_map(|p| p.points).sum();
    let score = (measured > 0.0).then(|| (points * 100.0 / measured * 10.0).round() / 10.0);
    (score, parts)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn a_town_live_from_the_5th_of_december_bars_no_cadre_for_october_and_november() {
        let m = |s: &str| -> crate::Month { s.parse().unwrap() };
        let d = |y, mo, day| chrono::NaiveDate::from_ymd_opt(y, mo, day).unwrap();
        let today = d(2026, 12, 5);
        let live = crate::calendar::LiveFrom(today);
        let months = [m("2026-10"), m("2026-11"), m("2026-12")].map(|x| month_visited(x, false, today, live));
        assert_eq!(months, [None, None, None]);
        assert_eq!(good_bars(months), [GoodBar::Allowed; 3]);
        // Live since the quarter's start: the two empty months bar the quarter, as before.
        let early = crate::calendar::LiveFrom(d(2026, 10, 1));
        let months = [m("2026-10"), m("2026-11"), m("2026-12")].map(|x| month_visited(x, false, today, early));
        assert_eq!(months, [Some(false), Some(false), None]);
        assert_eq!(good_bars(months), [GoodBar::TwoMonthsWithoutVisitsInQuarter; 3]);
        // A month ends on its last day: February 2028 is over on 1 March, not on the 29th.
        let feb = m("2028-02");
        assert_eq!(month_visited(feb, false, d(2028, 2, 29), early), None);
        assert_eq!(month_visited(feb, false, d(2028, 3, 1), early), Some(false));
        assert_eq!(month_visited(feb, true, d(2028, 2, 29), early), Some(true));
    }
    use GoodBar::*;

    #[test]
    fn every_combination_of_a_finished_quarter() {
        for bits in 0..8u8 {
            let months = [0, 1, 2].map(|i| Some(bits & (1 << i) != 0));
            let bars = good_bars(months);
            let without = months.iter().filter(|m| **m == Some(false)).count();
            for i in 0..3 {
                let expected = match (without, months[i]) {
                    (2 | 3, _) => TwoMonthsWithoutVisitsInQuarter,
                    (_, Some(false)) => NoVisitThisMonth,
                    _ => Allowed,
                };
                assert_eq!(bars[i], expected, "months {months:?}");
            }
        }
    }

    #[test]
    fn a_visited_month_is_barred_once_two_others_went_without() {
        assert_eq!(good_bars([Some(false), Some(true), Some(false)]), [TwoMonthsWithoutVisitsInQuarter; 3]);
        assert_eq!(good_bars([Some(true), Some(false), Some(true)]), [Allowed, NoVisitThisMonth, Allowed]);
    }

    #[test]
    fn the_village_score_weighs_the_parts_measured() {
        let all = VillageFigures {
            coverage: Some(1.0),
            rectification: Some(0.5),
            list_timeliness: Some(1.0),
            satisfaction: Some(0.9),
            interviews: Some(0.5),
        };
        let (score, parts) = village_score(&all);
        assert_eq!(score, Some(30.0 + 10.0 + 15.0 + 18.0 + 7.5));
        assert_eq!(parts.len(), 5);
        // Without calls or interviews, the rest scale to 100.
        let some = VillageFigures {
            coverage: Some(0.5),
            rectification: Some(1.0),
            list_timeliness: Some(0.0),
            ..Default::default()
        };
        assert_eq!(village_score(&some).0, Some(((15.0 + 20.0) * 100.0 / 65.0_f64 * 10.0).round() / 10.0));
        assert_eq!(village_score(&VillageFigures::default()).0, None);
    }

    #[test]
    fn a_list_not_yet_due_is_not_measured_and_does_not_lift_the_score() {
        use crate::lists::Timeliness;
        assert_eq!(list_part(Timeliness::Pending), None);
        assert_eq!(list_part(Timeliness::OnTime), Some(1.0));
        assert_eq!(list_part(Timeliness::Late), Some(0.5));
        assert_eq!(list_part(Timeliness::Missing), Some(0.0));
        // Village A did some work (half its households) with its list not yet due; village B
        // nothing. A must not score below B because B's pending list counted as on time.
        let a = VillageFigures {
            coverage: Some(0.5),
            list_timeliness: list_part(Timeliness::Pending),
            ..Default::default()
        };
        let b = VillageFigures {
            coverage: Some(0.0),
            list_timeliness: list_part(Timeliness::Pending),
            ..Default::default()
        };
        assert!(village_score(&a).0 > village_score(&b).0);
        assert_eq!(village_score(&b).0, Some(0.0));
    }

    #[test]
    fn a_month_not_over_bars_nothing_yet() {
        assert_eq!(good_bars([Some(false), None, None]), [NoVisitThisMonth, Allowed, Allowed]);
        assert_eq!(good_bars([Some(false), Some(false), None]), [TwoMonthsWithoutVisitsInQuarter; 3]);
        assert!(GoodBar::Allowed.reason_zh().is_none());
        assert!(GoodBar::NoVisitThisMonth.reason_zh().is_some());
    }
}
