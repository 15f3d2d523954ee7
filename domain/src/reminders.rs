//! Reminders (SPEC §11): what is due, for whom, and under which key it is delivered once.
//!
//! Everything here is derived from the records and the calendar — never kept only in a queue — so a
//! reminder lost in transit is simply derived again, and the key makes its delivery happen once.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::calendar::{Month, local_date};
use crate::lists::Timeliness;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    UnvisitedHouseholds,
    ListDue,
    ListMissing,
    CrossCheckDue,
    ProblemDeadlineNear,
    ProblemOverdue,
    DisciplineOverdue,
    CallsPending,
    CallbackDue,
    ProblemAssigned,
    MustKnowDue,
    MustKnowMissing,
    ArchivesDue,
    ArchivesMissing,
    JointMeetingDue,
    PartyMeetingDue,
    /// A user reached the hourly limit of reveals (told to the RRO).
    RevealLimit,
    /// A department's screening named people who are no household of the town (told to the RRO).
    ScreeningUnmatched,
    /// A village meeting proposed a change to a problem, for the RRO to accept or decline.
    MeetingProposal,
    /// The town office commented on a village's feedback list (told to the village).
    ListComment,
    /// The RRO returned a department's archive submission (told to its clerk).
    ArchiveReturned,
}

impl Kind {
    pub const ALL: [Kind; 21] = [
        Kind::UnvisitedHouseholds,
        Kind::ListDue,
        Kind::ListMissing,
        Kind::CrossCheckDue,
        Kind::ProblemDeadlineNear,
        Kind::ProblemOverdue,
        Kind::DisciplineOverdue,
        Kind::CallsPending,
        Kind::CallbackDue,
        Kind::ProblemAssigned,
        Kind::MustKnowDue,
        Kind::MustKnowMissing,
        Kind::ArchivesDue,
        Kind::ArchivesMissing,
        Kind::JointMeetingDue,
        Kind::PartyMeetingDue,
        Kind::RevealLimit,
        Kind::ScreeningUnmatched,
        Kind::MeetingProposal,
        Kind::ListComment,
        Kind::ArchiveReturned,
    ];

    /// Whether the reminder stands for work still to do, derived from the records on every pass:
    /// once the work is done (the meeting held, the list submitted, the problem rectified) the
    /// records no longer give it, and it clears itself from the inbox. Events (a problem assigned,
    /// a comment, a proposal) stay until read.
    pub fn clears_itself(self) -> bool {
        !matches!(
            self,
            Kind::ProblemAssigned
                | Kind::RevealLimit
                | Kind::ScreeningUnmatched
                | Kind::MeetingProposal
                | Kind::ListComment
                | Kind::ArchiveReturned
        )
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::UnvisitedHouseholds => "unvisited_households",
            Kind::ListDue => "list_due",
            Kind::ListMissing => "list_missing",
            Kind::CrossCheckDue => "cross_check_due",
            Kind::ProblemDeadlineNear => "problem_deadline_near",
            Kind::ProblemOverdue => "problem_overdue",
            Kind::DisciplineOverdue => "discipline_overdue",
            Kind::CallsPending => "calls_pending",
            Kind::CallbackDue => "callback_due",
            Kind::ProblemAssigned => "problem_assigned",
            Kind::MustKnowDue => "must_know_due",
            Kind::MustKnowMissing => "must_know_missing",
            Kind::ArchivesDue => "archives_due",
            Kind::ArchivesMissing => "archives_missing",
            Kind::JointMeetingDue => "joint_meeting_due",
            Kind::PartyMeetingDue => "party_meeting_due",
            Kind::RevealLimit => "reveal_limit",
            Kind::ScreeningUnmatched => "screening_unmatched",
            Kind::MeetingProposal => "meeting_proposal",
            Kind::ListComment => "list_comment",
            Kind::ArchiveReturned => "archive_returned",
        }
    }
}

/// One reminder to deliver (serialised as the queue's job).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    pub user: Uuid,
    pub kind: Kind,
    /// Delivered at most once per key.
    pub key: String,
    pub title: String,
    pub body: String,
}

/// A cadre's unvisited target households this quarter.
#[derive(Debug, Clone)]
pub struct CadreBacklog {
    pub cadre: Uuid,
    pub not_visited: u64,
}

/// Cadres with households still unvisited: early in every month (from the 1st), again as m2 ends
/// (from the 20th, the village round's last stretch), and in m3 as overdue — the village round was
/// due by the end of m2. Nothing for a cadre who owes nothing.
pub fn unvisited(now: DateTime<Utc>, backlog: &[CadreBacklog]) -> Vec<Reminder> {
    let today = local_date(now);
    let month = Month::of_date(today);
    let round_ends = month.quarter().months()[1].last_day().format("%-m月%-d日");
    let (phase, title) = match month.position_in_quarter() {
        3 => ("m3_overdue", "本季度村级入户全覆盖已逾期"),
        2 if today.day() >= 20 => ("m2_end", "本季度入户走访即将截止"),
        _ => ("early", "本月入户走访提醒"),
    };
    backlog
        .iter()
        .filter(|b| b.not_visited > 0)
        .map(|b| Reminder {
            user: b.cadre,
            kind: Kind::UnvisitedHouseholds,
            key: format!("unvisited:{}:{month}:{phase}", b.cadre),
            title: title.into(),
            body: if phase == "m3_overdue" {
                format!(
                    "您联系的户中还有{}户本季度尚未走访（村级全覆盖应于{round_ends}前完成），请立即走访。",
                    b.not_visited
                )
            } else {
                format!("您联系的户中还有{}户本季度尚未走访，请在{round_ends}前完成村级入户全覆盖。", b.not_visited)
            },
        })
        .collect()
}

/// What happens to a delivery that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again after this many seconds.
    RetryIn(u64),
    /// Give up: the reminder goes to the dead letters, where an administrator can replay it.
    DeadLetter,
}

/// Retries with exponential backoff: `base`, 2×`base`, 4×`base`… capped at `cap`, for at most
/// `max_attempts` attempts in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base_seconds: u64,
    pub cap_seconds: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 5, base_seconds: 30, cap_seconds: 3600 }
    }
}

impl RetryPolicy {
    /// After attempt number `attempt` (1 for the first) failed.
    pub fn after_failure(&self, attempt: u32) -> AfterFailure {
        if attempt >= self.max_attempts {
            return AfterFailure::DeadLetter;
        }
        let factor = 1u64.checked_shl(attempt.saturating_sub(1)).unwrap_or(u64::MAX);
        AfterFailure::RetryIn(self.base_seconds.saturating_mul(factor).min(self.cap_seconds))
    }
}

/// A village's list for the month and those who must submit it.
#[derive(Debug, Clone)]
pub struct ListDuty {
    pub village: Uuid,
    pub village_name: String,
    pub officers: Vec<Uuid>,
    pub timeliness: Timeliness,
}

/// Lists not yet submitted: a reminder from the 20th to the 25th, and one when it is missing.
pub fn lists(now: DateTime<Utc>, month: Month, duties: &[ListDuty]) -> Vec<Reminder> {
    let today = local_date(now);
    let mut out = vec![];
    for d in duties {
        let (kind, key, title) = match d.timeliness {
            Timeliness::Pending if today >= month.day(20) => {
                (Kind::ListDue, format!("list:{}:{month}", d.village), "问题反馈清单25日前报送")
            }
            Timeliness::Missing => {
                (Kind::ListMissing, format!("list_missing:{}:{month}", d.village), "问题反馈清单已逾期未报送")
            }
            _ => continue,
        };
        for o in &d.officers {
            out.push(Reminder {
                user: *o,
                kind,
                key: format!("{key}:{o}"),
                title: title.into(),
                body: format!(
                    "{}{}月常态化评估问题反馈清单应于{}前报送乡村振兴办。",
                    d.village_name,
                    month.number(),
                    month.list_deadline().format("%-m月%-d日")
                ),
            });
        }
    }
    out
}

/// A department's must-know update for the month and its information officers.
#[derive(Debug, Clone)]
pub struct MustKnowDuty {
    pub department: Uuid,
    pub department_name: String,
    pub officers: Vec<Uuid>,
    pub timeliness: Timeliness,
}

/// Must-know updates not yet in: a reminder from the 20th to the 25th, and one when missing.
pub fn must_know(now: DateTime<Utc>, month: Month, duties: &[MustKnowDuty]) -> Vec<Reminder> {
    due_on_the_25th(
        now,
        month,
        duties,
        [Kind::MustKnowDue, Kind::MustKnowMissing],
        ["应知应会25日前更新", "应知应会本月逾期未更新"],
        "应知应会",
    )
}

/// Archive materials not yet submitted (the same duty, for archive clerks): from the 20th, and when missing.
pub fn archives(now: DateTime<Utc>, month: Month, duties: &[MustKnowDuty]) -> Vec<Reminder> {
    due_on_the_25th(
        now,
        month,
        duties,
        [Kind::ArchivesDue, Kind::ArchivesMissing],
        ["档案资料25日前报送", "档案资料本月逾期未报送"],
        "档案资料",
    )
}

fn due_on_the_25th(
    now: DateTime<Utc>,
    month: Month,
    duties: &[MustKnowDuty],
    kinds: [Kind; 2],
    titles: [&str; 2],
    what: &str,
) -> Vec<Reminder> {
    let today = local_date(now);
    let mut out = vec![];
    for d in duties {
        let (kind, title) = match d.timeliness {
            Timeliness::Pending if today >= month.day(20) => (kinds[0], titles[0]),
            Timeliness::Missing => (kinds[1], titles[1]),
            _ => continue,
        };
        for o in &d.officers {
            out.push(Reminder {
                user: *o,
                kind,
                key: format!("{}:{}:{month}:{o}", kind.as_str(), d.department),
                title: title.into(),
                body: format!(
                    "{}{}月{what}应于{}前报送。",
                    d.department_name,
                    month.number(),
                    month.list_deadline().format("%-m月%-d日")
                ),
            });
        }
    }
    out
}

/// The RRO: the month's joint meeting from the 20th while none is recorded; the quarter's Party
/// committee meeting from the 1st of its third month while none is recorded.
pub fn meetings(now: DateTime<Utc>, joint_held: bool, party_held: bool, rro: &[Uuid]) -> Vec<Reminder> {
    let today = local_date(now);
    let month = Month::of_date(today);
    let quarter = month.quarter();
    let mut out = vec![];
    for u in rro {
        if !joint_held && today.day() >= 20 {
            out.push(Reminder {
                user: *u,
                kind: Kind::JointMeetingDue,
                key: format!("joint_meeting:{month}:{u}"),
                title: "本月部门联席会尚未召开".into(),
                body: format!("{}月部门联席会尚未记录，请在月底前召开并录入纪要。", month.number()),
            });
        }
        if !party_held && month.position_in_quarter() == 3 {
            out.push(Reminder {
                user: *u,
                kind: Kind::PartyMeetingDue,
                key: format!("party_meeting:{quarter}:{u}"),
                title: "本季度党委专题会尚未召开".into(),
                body: format!("{quarter}党委专题会尚未记录，请在季度末前召开。"),
            });
        }
    }
    out
}

/// The RRO is reminded of the cross spot-check in m3 until the 20th, while no round is open.
pub fn cross_check(now: DateTime<Utc>, round_open: bool, rro: &[Uuid]) -> Vec<Reminder> {
    let today = local_date(now);
    let month = Month::of_date(today);
    let q = month.quarter();
    if month.position_in_quarter() != 3 || round_open || today > q.cross_check_deadline() {
        return vec![];
    }
    rro.iter()
        .map(|u| Reminder {
            user: *u,
            kind: Kind::CrossCheckDue,
            key: format!("cross_check:{q}:{u}"),
            title: "镇级交叉抽查评估提醒".into(),
            body: format!("{q}镇级交叉抽查评估应于{}前完成，尚未开始。", q.cross_check_deadline().format("%-m月%-d日")),
        })
        .collect()
}

/// A problem still being rectified, with its deadline and who answers for it.
#[derive(Debug, Clone)]
pub struct ProblemDuty {
    pub problem: Uuid,
    pub description: String,
    pub deadline: NaiveDate,
    pub overdue: bool,
    pub responsible: Option<Uuid>,
    /// The members of its responsible units (a department's staff, a village's secretary, a work
    /// team's leader): reminded when no one person is named.
    pub unit_members: Vec<Uuid>,
}

impl ProblemDuty {
    /// Who is reminded of it, each with their key's suffix: the named person (keyed as before), or
    /// else every member of its units.
    fn reminded(&self) -> Vec<(Uuid, String)> {
        match self.responsible {
            Some(r) => vec![(r, String::new())],
            None => {
                let mut members = self.unit_members.clone();
                members.sort_unstable();
                members.dedup();
                members.into_iter().map(|u| (u, format!(":{u}"))).collect()
            }
        }
    }
}

/// Deadlines within three days remind the responsible person; overdue problems remind them and
/// the Discipline Commission.
pub fn problems(now: DateTime<Utc>, duties: &[ProblemDuty], discipline: &[Uuid]) -> Vec<Reminder> {
    let today = local_date(now);
    let mut out = vec![];
    for d in duties {
        if d.overdue {
            out.extend(d.reminded().into_iter().map(|(r, suffix)| Reminder {
                user: r,
                kind: Kind::ProblemOverdue,
                key: format!("problem_overdue:{}:{}{suffix}", d.problem, d.deadline),
                title: "整改已逾期".into(),
                body: format!("问题“{}”已超过整改期限（{}），请尽快整改。", d.description, d.deadline),
            }));
            out.extend(discipline.iter().map(|u| Reminder {
                user: *u,
                kind: Kind::DisciplineOverdue,
                key: format!("discipline_overdue:{}:{}:{u}", d.problem, d.deadline),
                title: "有问题逾期未整改".into(),
                body: format!("问题“{}”整改期限为{}，已逾期。", d.description, d.deadline),
            }));
        } else if d.deadline >= today && (d.deadline - today).num_days() <= 3 {
            out.extend(d.reminded().into_iter().map(|(r, suffix)| Reminder {
                user: r,
                kind: Kind::ProblemDeadlineNear,
                key: format!("problem_due:{}:{}{suffix}", d.problem, d.deadline),
                title: "整改期限临近".into(),
                body: format!("问题“{}”应于{}前整改完成。", d.description, d.deadline),
            }));
        }
    }
    out
}

/// A caller's phone spot-check work: cases due now, and agreed callbacks.
#[derive(Debug, Clone)]
pub struct CallerDuty {
    pub caller: Uuid,
    /// Open cases that may be called now (not yet called, or due for a retry).
    pub due_now: u64,
    /// (case, agreed time, household head) of callbacks not yet made.
    pub callbacks: Vec<(Uuid, DateTime<Utc>, String)>,
}

/// Call takers: once a day, the cases waiting to be called; and each agreed callback from a quarter
/// of an hour before its time.
pub fn calls(now: DateTime<Utc>, duties: &[CallerDuty]) -> Vec<Reminder> {
    let today = local_date(now);
    let mut out = vec![];
    for d in duties {
        if d.due_now > 0 {
            out.push(Reminder {
                user: d.caller,
                kind: Kind::CallsPending,
                key: format!("calls:{}:{today}", d.caller),
                title: "今日电话抽查待拨打".into(),
                body: format!("您有{}户电话抽查待拨打，请在允许拨打的时段内完成。", d.due_now),
            });
        }
        for (case, at, head) in &d.callbacks {
            if *at - chrono::Duration::minutes(15) <= now {
                out.push(Reminder {
                    user: d.caller,
                    kind: Kind::CallbackDue,
                    key: format!("callback:{case}:{}", at.timestamp()),
                    title: "约定回访时间到了".into(),
                    body: format!(
                        "{head}户约定{}回访，请按时拨打。",
                        at.with_timezone(&crate::TZ).format("%-m月%-d日%H:%M")
                    ),
                });
            }
        }
    }
    out
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn only_cadres_who_owe_visits_are_reminded_early_in_each_month_as_m2_ends_and_overdue_in_m3() {
        let backlog = [CadreBacklog { cadre: id(1), not_visited: 3 }, CadreBacklog { cadre: id(2), not_visited: 0 }];
        let r = unvisited(at("2026-10-02T10:00:00+08:00"), &backlog);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].key, format!("unvisited:{}:2026-10:early", id(1)));
        assert!(r[0].body.contains("3户") && r[0].body.contains("11月30日"));
        let m3 = unvisited(at("2026-12-02T10:00:00+08:00"), &backlog);
        assert_eq!(m3[0].key, format!("unvisited:{}:2026-12:m3_overdue", id(1)));
        assert!(m3[0].title.contains("逾期") && m3[0].body.contains("11月30日"));
        let late = unvisited(at("2026-11-20T00:30:00+08:00"), &backlog);
        assert_eq!(late[0].key, format!("unvisited:{}:2026-11:m2_end", id(1)));
        // 19 November 23:59 in Shanghai is still "early" — the 20th starts at local midnight.
        assert!(unvisited(at("2026-11-19T15:59:00Z"), &backlog)[0].key.ends_with(":early"));
        // The 20th of m1 is not m2's end.
        assert!(unvisited(at("2026-10-20T10:00:00+08:00"), &backlog)[0].key.ends_with(":early"));
        // The first quarter of a leap year: m2 is February, its round ends on the 29th.
        let feb = unvisited(at("2028-02-21T10:00:00+08:00"), &backlog);
        assert!(feb[0].key.ends_with("2028-02:m2_end") && feb[0].body.contains("2月29日"), "{}", feb[0].body);
        // 31 December 23:30 in Shanghai is m3 of Q4; 16:30 UTC the same instant is already next year's m1.
        assert!(unvisited(at("2026-12-31T15:30:00Z"), &backlog)[0].key.ends_with("2026-12:m3_overdue"));
        assert!(unvisited(at("2026-12-31T16:30:00Z"), &backlog)[0].key.ends_with("2027-01:early"));
    }

    #[test]
    fn callers_are_reminded_daily_of_pending_calls_and_of_each_callback_a_quarter_hour_ahead() {
        let cb = at("2026-11-28T15:30:00+08:00");
        let d = [
            CallerDuty { caller: id(1), due_now: 4, callbacks: vec![(id(9), cb, "张三".into())] },
            CallerDuty { caller: id(2), due_now: 0, callbacks: vec![] },
        ];
        let early = calls(at("2026-11-28T15:14:00+08:00"), &d);
        assert_eq!(early.len(), 1);
        assert_eq!(early[0].key, format!("calls:{}:2026-11-28", id(1)));
        assert!(early[0].body.contains("4户"));
        let near = calls(at("2026-11-28T15:15:00+08:00"), &d);
        assert_eq!(near.len(), 2);
        assert_eq!(near[1].kind, Kind::CallbackDue);
        assert!(near[1].body.contains("11月28日15:30"), "{}", near[1].body);
        // The next local day is a new key: 16:00 UTC is midnight in Beijing.
        assert_eq!(calls(at("2026-11-28T16:00:00Z"), &d)[0].key, format!("calls:{}:2026-11-29", id(1)));
    }

    #[test]
    fn failed_deliveries_back_off_exponentially_up_to_a_cap_then_go_to_the_dead_letters() {
        let p = RetryPolicy { max_attempts: 5, base_seconds: 30, cap_seconds: 100 };
        assert_eq!(p.after_failure(1), AfterFailure::RetryIn(30));
        assert_eq!(p.after_failure(2), AfterFailure::RetryIn(60));
        assert_eq!(p.after_failure(3), AfterFailure::RetryIn(100));
        assert_eq!(p.after_failure(4), AfterFailure::RetryIn(100));
        assert_eq!(p.after_failure(5), AfterFailure::DeadLetter);
        let huge = RetryPolicy { max_attempts: 200, base_seconds: 30, cap_seconds: 3600 };
        assert_eq!(huge.after_failure(100), AfterFailure::RetryIn(3600), "no overflow");
        assert_eq!(Kind::parse("list_due"), Some(Kind::ListDue));
        assert_eq!(Kind::parse("nope"), None);
    }

    #[test]
    fn list_reminders_start_on_the_20th_and_turn_into_missing_after_the_25th() {
        let m: Month = "2026-11".parse().unwrap();
        let duty =
            |t| ListDuty { village: id(5), village_name: "红光村".into(), officers: vec![id(9)], timeliness: t };
        assert!(lists(at("2026-11-19T10:00:00+08:00"), m, &[duty(Timeliness::Pending)]).is_empty());
        let due = lists(at("2026-11-20T10:00:00+08:00"), m, &[duty(Timeliness::Pending)]);
        assert_eq!(due[0].kind, Kind::ListDue);
        let missing = lists(at("2026-11-26T10:00:00+08:00"), m, &[duty(Timeliness::Missing)]);
        assert_eq!(missing[0].kind, Kind::ListMissing);
        assert!(lists(at("2026-11-26T10:00:00+08:00"), m, &[duty(Timeliness::Late)]).is_empty());
    }

    #[test]
    fn must_know_reminders_start_on_the_20th_and_turn_into_missing_after_the_25th() {
        let m: Month = "2026-11".parse().unwrap();
        let duty = |t| MustKnowDuty {
            department: id(5),
            department_name: "卫健办".into(),
            officers: vec![id(9)],
            timeliness: t,
        };
        assert!(must_know(at("2026-11-19T23:00:00+08:00"), m, &[duty(Timeliness::Pending)]).is_empty());
        let due = must_know(at("2026-11-20T00:00:00+08:00"), m, &[duty(Timeliness::Pending)]);
        assert_eq!(due[0].kind, Kind::MustKnowDue);
        assert!(due[0].body.contains("11月25日"));
        let missing = must_know(at("2026-11-26T10:00:00+08:00"), m, &[duty(Timeliness::Missing)]);
        assert_eq!(missing[0].kind, Kind::MustKnowMissing);
        assert_ne!(missing[0].key, due[0].key);
        assert!(must_know(at("2026-11-26T10:00:00+08:00"), m, &[duty(Timeliness::Late)]).is_empty());
    }

    #[test]
    fn the_rro_is_reminded_of_meetings_not_held_late_in_the_month_and_in_m3() {
        let rro = [id(7)];
        assert!(meetings(at("2026-11-19T10:00:00+08:00"), false, false, &rro).is_empty());
        let nov = meetings(at("2026-11-20T10:00:00+08:00"), false, false, &rro);
        assert_eq!(nov.iter().map(|r| r.kind).collect::<Vec<_>>(), [Kind::JointMeetingDue]);
        let dec = meetings(at("2026-12-02T10:00:00+08:00"), false, false, &rro);
        assert_eq!(dec.iter().map(|r| r.kind).collect::<Vec<_>>(), [Kind::PartyMeetingDue]);
        assert!(dec[0].key.contains("2026-Q4"));
        assert!(meetings(at("2026-12-21T10:00:00+08:00"), true, true, &rro).is_empty());
        let arch = archives(
            at("2026-11-26T10:00:00+08:00"),
            "2026-11".parse().unwrap(),
            &[MustKnowDuty {
                department: id(5),
                department_name: "民政办".into(),
                officers: vec![id(9)],
                timeliness: Timeliness::Missing,
            }],
        );
        assert_eq!(arch[0].kind, Kind::ArchivesMissing);
        assert!(arch[0].body.contains("档案资料"));
    }

    #[test]
    fn the_cross_check_reminder_runs_in_m3_until_the_20th_while_no_round_is_open() {
        let rro = [id(7)];
        assert!(cross_check(at("2026-11-28T10:00:00+08:00"), false, &rro).is_empty());
        assert_eq!(cross_check(at("2026-12-01T10:00:00+08:00"), false, &rro).len(), 1);
        assert!(cross_check(at("2026-12-01T10:00:00+08:00"), true, &rro).is_empty());
        assert_eq!(cross_check(at("2026-12-20T23:00:00+08:00"), false, &rro).len(), 1);
        assert!(cross_check(at("2026-12-21T00:00:00+08:00"), false, &rro).is_empty());
    }

    #[test]
    fn deadlines_remind_three_days_ahead_and_overdue_problems_reach_the_commission() {
        let d = |deadline: &str, overdue| ProblemDuty {
            problem: id(3),
            description: "屋顶漏雨".into(),
            deadline: NaiveDate::parse_from_str(deadline, "%Y-%m-%d").unwrap(),
            overdue,
            responsible: Some(id(4)),
            unit_members: vec![id(5), id(6)],
        };
        let now = at("2026-11-27T10:00:00+08:00");
        assert_eq!(problems(now, &[d("2026-11-30", false)], &[id(8)])[0].kind, Kind::ProblemDeadlineNear);
        assert!(problems(now, &[d("2026-12-01", false)], &[id(8)]).is_empty());
        let overdue = problems(now, &[d("2026-11-20", true)], &[id(8)]);
        let kinds: Vec<Kind> = overdue.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, [Kind::ProblemOverdue, Kind::DisciplineOverdue]);
        assert_ne!(overdue[0].key, overdue[1].key);
        assert_eq!(overdue[0].user, id(4), "the named person, not the unit");
    }

    #[test]
    fn a_problem_with_no_one_named_reminds_every_member_of_its_units() {
        let unnamed = ProblemDuty {
            problem: id(3),
            description: "饮水管破损".into(),
            deadline: NaiveDate::parse_from_str("2026-11-20", "%Y-%m-%d").unwrap(),
            overdue: true,
            responsible: None,
            unit_members: vec![id(6), id(5), id(6)],
        };
        let now = at("2026-11-27T10:00:00+08:00");
        let told: Vec<(Uuid, Kind)> =
            problems(now, std::slice::from_ref(&unnamed), &[]).iter().map(|r| (r.user, r.kind)).collect();
        assert_eq!(told, [(id(5), Kind::ProblemOverdue), (id(6), Kind::ProblemOverdue)]);
        let near = ProblemDuty {
            overdue: false,
            deadline: NaiveDate::parse_from_str("2026-11-29", "%Y-%m-%d").unwrap(),
            ..unnamed
        };
        let keys: Vec<String> = problems(now, &[near], &[]).into_iter().map(|r| r.key).collect();
        assert_eq!(keys.len(), 2);
        assert_ne!(keys[0], keys[1], "one key a member");
    }

    #[test]
    fn work_still_to_do_clears_itself_and_events_stay() {
        assert!(Kind::PartyMeetingDue.clears_itself());
        assert!(Kind::ProblemOverdue.clears_itself());
        assert!(Kind::ListMissing.clears_itself());
        assert!(!Kind::ProblemAssigned.clears_itself());
        assert!(!Kind::ArchiveReturned.clears_itself());
    }
}
