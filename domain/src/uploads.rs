//! What one person may send in a day. A phone that loops on a failed upload, or a stolen token,
//! must not fill the town's storage: files and bytes are counted per user per local day, and an
//! upload past either cap is refused until the next day.

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};

use crate::calendar::{TZ, local_date};

/// The caps of one user's day of uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyQuota {
    pub files: u32,
    pub bytes: u64,
}

/// What a user sent on one day, this upload included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Used {
    pub files: u64,
    pub bytes: u64,
}

/// Why an upload was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    Files(u32),
    Bytes(u64),
}

impl Exceeded {
    pub fn message_zh(self) -> String {
        match self {
            Exceeded::Files(n) => format!("您今天已上传{n}个文件，达到每日上限，请明天再传；确有需要请联系乡村振兴办"),
            Exceeded::Bytes(b) => {
                format!("您今天上传的文件已达{}MB，达到每日上限，请明天再传；确有需要请联系乡村振兴办", b / (1 << 20))
            }
        }
    }
}

impl DailyQuota {
    /// `Ok` when the day's uploads, this one counted, stay within both caps.
    pub fn admits(self, used: Used) -> Result<(), Exceeded> {
        if used.files > u64::from(self.files) {
            return Err(Exceeded::Files(self.files));
        }
        if used.bytes > self.bytes {
            return Err(Exceeded::Bytes(self.bytes));
        }
        Ok(())
    }
}

/// The local day an upload counts against (the town's day, not UTC's).
pub fn quota_day(now: DateTime<Utc>) -> NaiveDate {
    local_date(now)
}

/// Seconds until the quota starts again: the next local midnight.
pub fn seconds_until_reset(now: DateTime<Utc>) -> i64 {
    let tomorrow = quota_day(now).checked_add_days(Days::new(1)).unwrap_or(NaiveDate::MAX);
    let midnight = tomorrow.and_hms_opt(0, 0, 0).and_then(|t| TZ.from_local_datetime(&t).single());
    midnight.map_or(0, |m| (m.with_timezone(&Utc) - now).num_seconds().max(1))
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    const QUOTA: DailyQuota = DailyQuota { files: 3, bytes: 10 << 20 };

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_last_file_within_both_caps_is_taken_and_the_next_refused() {
        assert_eq!(QUOTA.admits(Used { files: 3, bytes: 10 << 20 }), Ok(()));
        assert_eq!(QUOTA.admits(Used { files: 4, bytes: 1 }), Err(Exceeded::Files(3)));
        assert_eq!(QUOTA.admits(Used { files: 1, bytes: (10 << 20) + 1 }), Err(Exceeded::Bytes(10 << 20)));
    }

    #[test]
    fn the_refusal_names_the_cap_in_chinese() {
        assert!(Exceeded::Files(300).message_zh().contains("300个文件"));
        assert!(Exceeded::Bytes(1 << 30).message_zh().contains("1024MB"));
    }

    #[test]
    fn the_day_is_the_towns_day() {
        // 23:30 on the 4th in UTC is already the 5th in Beijing.
        assert_eq!(quota_day(utc("2026-12-04T23:30:00Z")), NaiveDate::from_ymd_opt(2026, 12, 5).unwrap());
        assert_eq!(quota_day(utc("2026-12-04T15:59:59Z")), NaiveDate::from_ymd_opt(2026, 12, 4).unwrap());
        assert_eq!(quota_day(utc("2026-12-04T16:00:00Z")), NaiveDate::from_ymd_opt(2026, 12, 5).unwrap());
    }

    #[test]
    fn it_starts_again_at_the_towns_midnight_across_month_year_and_leap_day() {
        assert_eq!(seconds_until_reset(utc("2026-12-04T15:59:00Z")), 60);
        assert_eq!(seconds_until_reset(utc("2026-12-31T15:00:00Z")), 3600);
        assert_eq!(seconds_until_reset(utc("2028-02-28T16:00:00Z")), 86_400);
        assert_eq!(quota_day(utc("2028-02-28T16:00:00Z")), NaiveDate::from_ymd_opt(2028, 2, 29).unwrap());
    }
}
