//! Working days: Monday to Friday, less the public holidays, plus the make-up working days
//! (调休上班) — both from configuration, as the State Council publishes them each year.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    pub holidays: BTreeSet<NaiveDate>,
    pub makeup_workdays: BTreeSet<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("dates are written YYYY-MM-DD, ranges YYYY-MM-DD..YYYY-MM-DD, separated by commas: {0:?}")]
pub struct CalendarSpecError(pub String);

/// Parses "2026-10-01..2026-10-07,2027-01-01" into dates.
pub fn parse_dates(spec: &str) -> Result<BTreeSet<NaiveDate>, CalendarSpecError> {
    let mut out = BTreeSet::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let parse =
            |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| CalendarSpecError(part.to_owned()));
        match part.split_once("..") {
            Some((a, b)) => {
                let (mut d, end) = (parse(a)?, parse(b)?);
                if end < d || (end - d).num_days() > 366 {
                    return Err(CalendarSpecError(part.to_owned()));
                }
                while d <= end {
                    out.insert(d);
                    d = d.succ_opt().ok_or_else(|| CalendarSpecError(part.to_owned()))?;
                }
            }
            None => {
                out.insert(parse(part)?);
            }
        }
    }
    Ok(out)
}

impl WorkCalendar {
    pub fn is_workday(&self, d: NaiveDate) -> bool {
        if self.makeup_workdays.contains(&d) {
            return true;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&d)
    }

    /// The `n`-th working day after `start` (`start` itself not counted); `n = 0` is `start`.
    pub fn add_workdays(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            match d.succ_opt() {
                Some(next) => d = next,
                None => return d,
            }
            if self.is_workday(d) {
                left -= 1;
            }
        }
        d
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn five_working_days_from_a_thursday_skip_the_weekend() {
        let c = WorkCalendar::default();
        assert_eq!(c.add_workdays(d("2026-11-26"), 5), d("2026-12-03"));
        assert_eq!(c.add_workdays(d("2026-11-28"), 1), d("2026-11-30")); // Saturday → Monday
        assert_eq!(c.add_workdays(d("2026-11-28"), 0), d("2026-11-28"));
    }

    #[test]
    fn holidays_are_skipped_and_make_up_days_worked() {
        let c = WorkCalendar {
            holidays: parse_dates("2026-10-01..2026-10-07").unwrap(),
            makeup_workdays: parse_dates("2026-09-27, 2026-10-10").unwrap(),
        };
        // Friday 25 September + 1: Sunday the 27th is a make-up working day.
        assert_eq!(c.add_workdays(d("2026-09-25"), 1), d("2026-09-27"));
        // Wednesday 30 September + 2: through the Golden Week to Thursday 8 and Friday 9 October.
        assert_eq!(c.add_workdays(d("2026-09-30"), 2), d("2026-10-09"));
        assert!(c.is_workday(d("2026-10-10")));
        assert!(!c.is_workday(d("2026-10-05")));
    }

    #[test]
    fn the_29th_of_february_is_a_working_day_in_a_leap_year_when_it_is_a_weekday() {
        let c = WorkCalendar::default();
        assert_eq!(c.add_workdays(d("2028-02-28"), 1), d("2028-02-29"));
        assert_eq!(c.add_workdays(d("2027-02-26"), 1), d("2027-03-01"));
    }

    #[test]
    fn calendar_specs_parse_or_say_what_is_wrong() {
        assert_eq!(parse_dates("").unwrap().len(), 0);
        assert_eq!(parse_dates("2026-01-01, 2026-02-16..2026-02-18").unwrap().len(), 4);
        assert!(parse_dates("2026-13-01").is_err());
        assert!(parse_dates("2026-02-18..2026-02-16").is_err());
    }
}
