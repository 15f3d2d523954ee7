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

#[cfg(test)]
mod tests {
    use super::*;
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
    fn a_month_not_over_bars_nothing_yet() {
        assert_eq!(good_bars([Some(false), None, None]), [NoVisitThisMonth, Allowed, Allowed]);
        assert_eq!(good_bars([Some(false), Some(false), None]), [TwoMonthsWithoutVisitsInQuarter; 3]);
        assert!(GoodBar::Allowed.reason_zh().is_none());
        assert!(GoodBar::NoVisitThisMonth.reason_zh().is_some());
    }
}
