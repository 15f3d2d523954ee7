//! The mechanism's calendar: local months and quarters in Asia/Shanghai and their deadlines.
//!
//! SPEC §1: "Month", "quarter", "the 25th" are local calendar terms in Asia/Shanghai.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The time zone of every rule.
pub const TZ: Tz = chrono_tz::Asia::Shanghai;

/// The day the mechanism took effect (SPEC §1).
pub fn mechanism_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2022, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// The local calendar date of an instant.
pub fn local_date(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&TZ).date_naive()
}

/// The instant local midnight begins on `date` in Asia/Shanghai (no DST there, so it is unique).
pub fn start_of_local_day(date: NaiveDate) -> DateTime<Utc> {
    let naive = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    TZ.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("month must be written YYYY-MM")]
    BadMonth,
    #[error("quarter must be written YYYY-Qn with n from 1 to 4")]
    BadQuarter,
}

/// A calendar month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Result<Self, CalendarError> {
        if !(1..=12).contains(&month) || !(1900..=9999).contains(&year) {
            return Err(CalendarError::BadMonth);
        }
        Ok(Self { year, month })
    }

    /// The local month containing `now`.
    pub fn containing(now: DateTime<Utc>) -> Self {
        Self::of_date(local_date(now))
    }

    pub fn of_date(date: NaiveDate) -> Self {
        Self { year: date.year(), month: date.month() }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn number(self) -> u32 {
        self.month
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MIN)
    }

    pub fn next(self) -> Self {
        if self.month == 12 {
            Self { year: self.year + 1, month: 1 }
        } else {
            Self { year: self.year, month: self.month + 1 }
        }
    }

    pub fn prev(self) -> Self {
        if self.month == 1 {
            Self { year: self.year - 1, month: 12 }
        } else {
            Self { year: self.year, month: self.month - 1 }
        }
    }

    pub fn quarter(self) -> Quarter {
        Quarter { year: self.year, q: (self.month - 1) / 3 + 1 }
    }

    /// Position of the month in its quarter: 1, 2 or 3 (m1, m2, m3 in SPEC §4).
    pub fn position_in_quarter(self) -> u32 {
        (self.month - 1) % 3 + 1
    }

    /// The `day`-th of this month, clamped to the month's last day (so "the 31st" of February is its end).
    pub fn day(self, day: u32) -> NaiveDate {
        let last = self.last_day().day();
        NaiveDate::from_ymd_opt(self.year, self.month, day.clamp(1, last)).unwrap_or(NaiveDate::MIN)
    }

    /// The monthly deadline of lists, must-know updates and archive materials: "before the 25th".
    ///
    /// The notice says 于当月25日前; we read it as "by the end of the 25th, local time", which is how
    /// offices apply it (a submission during the 25th is on time, one on the 26th is late).
    pub fn list_deadline(self) -> NaiveDate {
        self.day(25)
    }

    /// Instant (exclusive) by which something due "by the end of `date`" must be done.
    pub fn end_of(date: NaiveDate) -> DateTime<Utc> {
        start_of_local_day(date.succ_opt().unwrap_or(date))
    }

    /// Whether a submission made at `at` for this month meets the 25th deadline.
    pub fn on_time_for_list(self, at: DateTime<Utc>) -> bool {
        at < Self::end_of(self.list_deadline())
    }

    /// The month is closed (late entries need a reason) once `closing_day` of the next month has begun.
    pub fn is_closed(self, closing_day: u32, now: DateTime<Utc>) -> bool {
        local_date(now) >= self.next().day(closing_day)
    }

    /// Half-open UTC interval covering the local month.
    pub fn bounds(self) -> (DateTime<Utc>, DateTime<Utc>) {
        (start_of_local_day(self.first_day()), start_of_local_day(self.next().first_day()))
    }

    pub fn contains(self, at: DateTime<Utc>) -> bool {
        Self::containing(at) == self
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = CalendarError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (y, m) = s.split_once('-').ok_or(CalendarError::BadMonth)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(CalendarError::BadMonth);
        }
        let year = y.parse().map_err(|_| CalendarError::BadMonth)?;
        let month = m.parse().map_err(|_| CalendarError::BadMonth)?;
        Self::new(year, month)
    }
}

impl TryFrom<String> for Month {
    type Error = CalendarError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Month> for String {
    fn from(m: Month) -> String {
        m.to_string()
    }
}

/// A calendar quarter, `YYYY-Qn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Quarter {
    year: i32,
    q: u32,
}

impl Quarter {
    pub fn new(year: i32, q: u32) -> Result<Self, CalendarError> {
        if !(1..=4).contains(&q) || !(1900..=9999).contains(&year) {
            return Err(CalendarError::BadQuarter);
        }
        Ok(Self { year, q })
    }

    pub fn containing(now: DateTime<Utc>) -> Self {
        Month::containing(now).quarter()
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn number(self) -> u32 {
        self.q
    }

    /// The quarter's months m1, m2, m3.
    pub fn months(self) -> [Month; 3] {
        let first = (self.q - 1) * 3 + 1;
        [first, first + 1, first + 2].map(|month| Month { year: self.year, month })
    }

    pub fn m1(self) -> Month {
        self.months()[0]
    }

    pub fn m3(self) -> Month {
        self.months()[2]
    }

    pub fn next(self) -> Self {
        self.m3().next().quarter()
    }

    pub fn prev(self) -> Self {
        self.m1().prev().quarter()
    }

    /// The village visiting window: m1 and m2 (村级入户全覆盖 by the end of m2).
    pub fn visiting_window(self) -> (NaiveDate, NaiveDate) {
        (self.m1().first_day(), self.months()[1].last_day())
    }

    /// The town cross spot-check is due before the 20th of m3 (季度末月20日前).
    ///
    /// Read like the 25th: done by the end of the 20th, local time.
    pub fn cross_check_deadline(self) -> NaiveDate {
        self.m3().day(20)
    }

    /// The cross-check problem feedback list is due by the 25th of m3.
    pub fn cross_check_list_deadline(self) -> NaiveDate {
        self.m3().list_deadline()
    }

    pub fn bounds(self) -> (DateTime<Utc>, DateTime<Utc>) {
        (self.m1().bounds().0, self.m3().bounds().1)
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-Q{}", self.year, self.q)
    }
}

impl FromStr for Quarter {
    type Err = CalendarError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (y, q) = s.split_once("-Q").ok_or(CalendarError::BadQuarter)?;
        if y.len() != 4 || q.len() != 1 {
            return Err(CalendarError::BadQuarter);
        }
        let year = y.parse().map_err(|_| CalendarError::BadQuarter)?;
        let q = q.parse().map_err(|_| CalendarError::BadQuarter)?;
        Self::new(year, q)
    }
}

impl TryFrom<String> for Quarter {
    type Error = CalendarError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Quarter> for String {
    fn from(q: Quarter) -> String {
        q.to_string()
    }
}

/// The day a town started using Changxiao (its go-live day), and what it owes from then: nothing
/// of the months and quarters before it — no list or archive late, no cadre barred from "good", no
/// coverage due. A town on the platform before the day was kept counts from the day it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LiveFrom(pub NaiveDate);

impl LiveFrom {
    /// A report (a list, an archive, a must-know update) due on `due_on` is owed when its due day
    /// falls on or after the go-live day: the town had the platform to send it.
    pub fn owes_due(self, due_on: NaiveDate) -> bool {
        due_on >= self.0
    }

    /// A month's work (the cadre's visit) is owed when the town was live for some of the month.
    pub fn owes_month(self, month: Month) -> bool {
        month.last_day() >= self.0
    }

    /// A quarter's coverage is owed when the town was live for the whole of its visiting window
    /// (m1–m2): a window already under way at go-live cannot be asked to be full.
    pub fn owes_coverage(self, quarter: Quarter) -> bool {
        quarter.visiting_window().0 >= self.0
    }

    /// The first day anything may be owed: the go-live day, never before the mechanism began.
    pub fn day(self) -> NaiveDate {
        self.0.max(mechanism_start())
    }

    /// The days a go-live may be set to on `today`: from the mechanism's start to a year ahead (a
    /// town set up before it starts).
    pub fn settable(today: NaiveDate) -> (NaiveDate, NaiveDate) {
        (mechanism_start(), today + chrono::Days::new(366))
    }
}

/// `YYYY-MM-DD` with a month 01–12 and a day 01–31: the shape of a dated period (a meeting held
/// once is filed under its date). A day no calendar has (`2026-02-30`) has the shape: as a filter it
/// matches nothing rather than being refused.
pub fn is_date_shaped(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && digits(8..10)
        && s.get(8..10).and_then(|d| d.parse::<u32>().ok()).is_some_and(|d| (1..=31).contains(&d))
        && s.get(..7).is_some_and(|m| m.parse::<Month>().is_ok())
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn a_town_live_from_the_5th_of_december_owes_only_what_falls_due_from_then() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let live = LiveFrom(d(2026, 12, 5));
        // November's list was due on the 25th, before: not owed. December's, on the 25th: owed.
        assert!(!live.owes_due(d(2026, 11, 25)));
        assert!(live.owes_due(d(2026, 12, 25)));
        assert!(live.owes_due(d(2026, 12, 5)), "due on the go-live day itself");
        assert!(!live.owes_due(d(2026, 12, 4)));
        // October and November owe no visit; December, live for most of it, does.
        assert!(!live.owes_month(Month::new(2026, 10).unwrap()));
        assert!(!live.owes_month(Month::new(2026, 11).unwrap()));
        assert!(live.owes_month(Month::new(2026, 12).unwrap()));
        // Q4's window (Oct 1 – Nov 30) was over: no coverage due; Q1 of 2027's is.
        assert!(!live.owes_coverage("2026-Q4".parse().unwrap()));
        assert!(live.owes_coverage("2027-Q1".parse().unwrap()));
        // Live on the first day of a quarter: its whole window is owed, and its first month.
        let q = LiveFrom(d(2026, 10, 1));
        assert!(q.owes_coverage("2026-Q4".parse().unwrap()) && q.owes_month(Month::new(2026, 10).unwrap()));
        assert!(!q.owes_month(Month::new(2026, 9).unwrap()));
        // Live on the last day of February in a leap year: February owes its visit, January not.
        let leap = LiveFrom(d(2028, 2, 29));
        assert!(leap.owes_month(Month::new(2028, 2).unwrap()) && !leap.owes_month(Month::new(2028, 1).unwrap()));
        assert_eq!(LiveFrom(d(2020, 5, 1)).day(), mechanism_start());
        // Settable from the mechanism's start to a year ahead, a leap day counted.
        assert_eq!(LiveFrom::settable(d(2027, 3, 1)), (mechanism_start(), d(2028, 3, 1)));
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn an_instant_late_in_the_utc_evening_is_already_tomorrow_in_shanghai() {
        // 2024-03-31T16:30Z is 2024-04-01 00:30 in Shanghai: a new month and a new quarter.
        let t = utc("2024-03-31T16:30:00Z");
        assert_eq!(Month::containing(t).to_string(), "2024-04");
        assert_eq!(Quarter::containing(t).to_string(), "2024-Q2");
        assert_eq!(Month::containing(utc("2024-03-31T15:59:59Z")).to_string(), "2024-03");
    }

    #[test]
    fn the_year_turns_at_shanghai_midnight() {
        assert_eq!(Quarter::containing(utc("2025-12-31T16:00:00Z")).to_string(), "2026-Q1");
        assert_eq!(Quarter::containing(utc("2025-12-31T15:59:59Z")).to_string(), "2025-Q4");
    }

    #[test]
    fn a_dated_period_is_judged_by_its_shape_so_an_impossible_day_filters_to_nothing() {
        assert!(is_date_shaped("2026-11-05"));
        assert!(is_date_shaped("2024-02-29"));
        assert!(is_date_shaped("2026-02-30"), "the shape of a date: as a filter it matches no meeting");
        for bad in [
            "2026-13-01",
            "2026-00-10",
            "2026-11-32",
            "2026-11-00",
            "8700-Q4-11",
            "2026-1-01",
            "2026-11",
            "２０２６-11-05",
        ] {
            assert!(!is_date_shaped(bad), "{bad}");
        }
    }

    #[test]
    fn months_and_quarters_parse_strictly() {
        assert_eq!("2026-02".parse::<Month>().unwrap().number(), 2);
        for bad in ["2026-2", "2026-13", "2026-00", "26-01", "2026/01", "", "2026-01-01"] {
            assert!(bad.parse::<Month>().is_err(), "{bad}");
        }
        assert_eq!("2026-Q4".parse::<Quarter>().unwrap().number(), 4);
        for bad in ["2026-Q5", "2026-Q0", "2026Q1", "2026-q1", "2026-Q12"] {
            assert!(bad.parse::<Quarter>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_quarter_has_three_months_and_its_window_ends_with_m2() {
        let q: Quarter = "2024-Q1".parse().unwrap();
        let names: Vec<String> = q.months().iter().map(ToString::to_string).collect();
        assert_eq!(names, ["2024-01", "2024-02", "2024-03"]);
        // 2024 is a leap year: the window ends on 29 February.
        assert_eq!(q.visiting_window().1, NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        let q: Quarter = "2023-Q1".parse().unwrap();
        assert_eq!(q.visiting_window().1, NaiveDate::from_ymd_opt(2023, 2, 28).unwrap());
    }

    #[test]
    fn month_positions_follow_the_quarter() {
        let pos: Vec<u32> = (1..=12).map(|m| Month::new(2026, m).unwrap().position_in_quarter()).collect();
        assert_eq!(pos, [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
    }

    #[test]
    fn next_and_prev_cross_the_year() {
        let dec = Month::new(2025, 12).unwrap();
        assert_eq!(dec.next().to_string(), "2026-01");
        assert_eq!(dec.next().prev(), dec);
        let q4: Quarter = "2025-Q4".parse().unwrap();
        assert_eq!(q4.next().to_string(), "2026-Q1");
        assert_eq!(q4.next().prev(), q4);
    }

    #[test]
    fn the_25th_is_on_time_until_shanghai_midnight() {
        let m: Month = "2026-11".parse().unwrap();
        assert!(m.on_time_for_list(utc("2026-11-25T15:59:59Z"))); // 23:59:59 local on the 25th
        assert!(!m.on_time_for_list(utc("2026-11-25T16:00:00Z"))); // 00:00 local on the 26th
        assert!(m.on_time_for_list(utc("2026-11-01T00:00:00Z")));
    }

    #[test]
    fn the_cross_check_is_due_on_the_20th_of_the_third_month() {
        let q: Quarter = "2026-Q4".parse().unwrap();
        assert_eq!(q.cross_check_deadline(), NaiveDate::from_ymd_opt(2026, 12, 20).unwrap());
        assert_eq!(q.cross_check_list_deadline(), NaiveDate::from_ymd_opt(2026, 12, 25).unwrap());
    }

    #[test]
    fn a_day_past_the_month_end_is_clamped() {
        let feb: Month = "2023-02".parse().unwrap();
        assert_eq!(feb.day(31), NaiveDate::from_ymd_opt(2023, 2, 28).unwrap());
        let feb: Month = "2024-02".parse().unwrap();
        assert_eq!(feb.day(30), NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
    }

    #[test]
    fn a_month_closes_on_its_closing_day_in_the_next_month() {
        let m: Month = "2026-10".parse().unwrap();
        assert!(!m.is_closed(5, utc("2026-11-04T15:59:59Z")));
        assert!(m.is_closed(5, utc("2026-11-04T16:00:00Z")));
    }

    #[test]
    fn month_bounds_are_shanghai_midnights() {
        let (start, end) = "2026-01".parse::<Month>().unwrap().bounds();
        assert_eq!(start, utc("2025-12-31T16:00:00Z"));
        assert_eq!(end, utc("2026-01-31T16:00:00Z"));
    }

    #[test]
    fn serde_uses_the_written_forms() {
        let m: Month = serde_json::from_str("\"2026-03\"").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"2026-03\"");
        assert!(serde_json::from_str::<Quarter>("\"2026-Q9\"").is_err());
    }
}
