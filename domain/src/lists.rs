//! The information officer's feedback lists (SPEC §9): the routine-evaluation problem list due by the
//! 25th of each month, and the cross-check problem list due by the 25th of each quarter's last month.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{LiveFrom, Month, Quarter, local_date};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// 常态化评估问题反馈清单, monthly.
    Routine,
    /// 交叉检查问题反馈清单, quarterly.
    CrossCheck,
}

impl ListKind {
    pub const ALL: [ListKind; 2] = [ListKind::Routine, ListKind::CrossCheck];

    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Routine => "routine",
            ListKind::CrossCheck => "cross_check",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [ListKind::Routine, ListKind::CrossCheck].into_iter().find(|k| k.as_str() == s)
    }

    pub fn title_zh(self) -> &'static str {
        match self {
            ListKind::Routine => "巩固拓展脱贫攻坚成果同乡村振兴有效衔接常态化评估问题反馈清单",
            ListKind::CrossCheck => "巩固拓展脱贫攻坚成果同乡村振兴有效衔接交叉检查问题反馈清单",
        }
    }
}

/// The period a list covers: a month for the routine list, a quarter for the cross-check list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Month(Month),
    Quarter(Quarter),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a routine list covers a month (YYYY-MM), a cross-check list a quarter (YYYY-Qn)")]
pub struct PeriodError;

impl Period {
    pub fn parse(kind: ListKind, s: &str) -> Result<Self, PeriodError> {
        match kind {
            ListKind::Routine => s.parse().map(Period::Month).map_err(|_| PeriodError),
            ListKind::CrossCheck => s.parse().map(Period::Quarter).map_err(|_| PeriodError),
        }
    }

    /// Due by the end of this day (local): the 25th of the month, or of the quarter's third month.
    pub fn due_on(self) -> NaiveDate {
        match self {
            Period::Month(m) => m.list_deadline(),
            Period::Quarter(q) => q.cross_check_list_deadline(),
        }
    }

    /// The UTC half-open interval the list's problems were found in.
    pub fn bounds(self) -> (DateTime<Utc>, DateTime<Utc>) {
        match self {
            Period::Month(m) => m.bounds(),
            Period::Quarter(q) => q.bounds(),
        }
    }

    pub fn label(self) -> String {
        match self {
            Period::Month(m) => m.to_string(),
            Period::Quarter(q) => q.to_string(),
        }
    }
}

/// Where a list stands against its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// Submitted by the end of the due day.
    OnTime,
    /// Submitted after it.
    Late,
    /// Not submitted, and the due day is not over.
    Pending,
    /// Not submitted, and the due day is over.
    Missing,
    /// Due before the town went live: nothing was owed.
    NotOwed,
}

impl Timeliness {
    pub fn as_str(self) -> &'static str {
        match self {
            Timeliness::OnTime => "on_time",
            Timeliness::Late => "late",
            Timeliness::Pending => "pending",
            Timeliness::Missing => "missing",
            Timeliness::NotOwed => "not_owed",
        }
    }
}

/// Whether what was due on `due_on` came in on time, for a town live from `live`: what fell due
/// before the town went live is not owed (sent anyway, it is on time).
pub fn timeliness(
    due_on: NaiveDate,
    submitted_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    live: LiveFrom,
) -> Timeliness {
    match submitted_at {
        Some(_) if !live.owes_due(due_on) => Timeliness::OnTime,
        None if !live.owes_due(due_on) => Timeliness::NotOwed,
        Some(at) if local_date(at) <= due_on => Timeliness::OnTime,
        Some(_) => Timeliness::Late,
        None if local_date(now) <= due_on => Timeliness::Pending,
        None => Timeliness::Missing,
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    const LONG_LIVE: LiveFrom = LiveFrom(NaiveDate::MIN);

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_routine_list_is_due_on_the_25th_and_the_cross_check_list_on_the_25th_of_m3() {
        let m = Period::parse(ListKind::Routine, "2026-11").unwrap();
        assert_eq!(m.due_on(), NaiveDate::from_ymd_opt(2026, 11, 25).unwrap());
        let q = Period::parse(ListKind::CrossCheck, "2026-Q4").unwrap();
        assert_eq!(q.due_on(), NaiveDate::from_ymd_opt(2026, 12, 25).unwrap());
        assert!(Period::parse(ListKind::Routine, "2026-Q4").is_err());
        assert!(Period::parse(ListKind::CrossCheck, "2026-11").is_err());
    }

    #[test]
    fn a_list_submitted_during_the_25th_in_shanghai_is_on_time_and_on_the_26th_late() {
        let due = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let now = at("2026-12-01T00:00:00Z");
        assert_eq!(timeliness(due, Some(at("2026-11-25T23:59:59+08:00")), now, LONG_LIVE), Timeliness::OnTime);
        assert_eq!(timeliness(due, Some(at("2026-11-26T00:00:00+08:00")), now, LONG_LIVE), Timeliness::Late);
        // 25 Nov 17:00 UTC is already the 26th in Shanghai.
        assert_eq!(timeliness(due, Some(at("2026-11-25T17:00:00Z")), now, LONG_LIVE), Timeliness::Late);
    }

    #[test]
    fn an_unsubmitted_list_is_pending_until_the_due_day_ends_then_missing() {
        let due = NaiveDate::from_ymd_opt(2026, 2, 25).unwrap();
        assert_eq!(timeliness(due, None, at("2026-02-25T23:00:00+08:00"), LONG_LIVE), Timeliness::Pending);
        assert_eq!(timeliness(due, None, at("2026-02-26T00:00:01+08:00"), LONG_LIVE), Timeliness::Missing);
    }

    #[test]
    fn a_list_due_before_the_town_went_live_is_not_owed() {
        let due = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let live = LiveFrom(NaiveDate::from_ymd_opt(2026, 12, 5).unwrap());
        let now = at("2026-12-05T10:00:00+08:00");
        assert_eq!(timeliness(due, None, now, live), Timeliness::NotOwed);
        assert_eq!(timeliness(due, Some(now), now, live), Timeliness::OnTime, "sent anyway: on time");
        // December's, due on the 25th after going live, is owed as any other.
        let december = NaiveDate::from_ymd_opt(2026, 12, 25).unwrap();
        assert_eq!(timeliness(december, None, now, live), Timeliness::Pending);
        assert_eq!(timeliness(december, None, at("2026-12-26T00:00:00+08:00"), live), Timeliness::Missing);
    }
}
