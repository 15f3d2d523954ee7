//! Meetings (SPEC §6) and the "1+N" archive materials (SPEC §7): which period a meeting answers
//! for, which periods went without one, and how a department's month of materials stands.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{Month, Quarter, local_date};
use crate::lists::{Timeliness, timeliness};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    /// 部门联席会: monthly, convened by the RRO.
    JointMonthly,
    /// 党委专题会: quarterly.
    PartyQuarterly,
    /// 扩大会: at any time; never "missing".
    Expanded,
    /// Each village's quarterly special meeting.
    VillageQuarterly,
}

impl MeetingKind {
    pub const ALL: [MeetingKind; 4] =
        [MeetingKind::JointMonthly, MeetingKind::PartyQuarterly, MeetingKind::Expanded, MeetingKind::VillageQuarterly];

    pub fn as_str(self) -> &'static str {
        match self {
            MeetingKind::JointMonthly => "joint_monthly",
            MeetingKind::PartyQuarterly => "party_quarterly",
            MeetingKind::Expanded => "expanded",
            MeetingKind::VillageQuarterly => "village_quarterly",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            MeetingKind::JointMonthly => "部门联席会",
            MeetingKind::PartyQuarterly => "党委专题会",
            MeetingKind::Expanded => "党委扩大会",
            MeetingKind::VillageQuarterly => "村级季度专题会",
        }
    }

    /// The period a meeting held on `date` answers for: `YYYY-MM`, `YYYY-Qn`, or the date itself.
    pub fn period_of(self, date: NaiveDate) -> String {
        match self {
            MeetingKind::JointMonthly => Month::of_date(date).to_string(),
            MeetingKind::PartyQuarterly | MeetingKind::VillageQuarterly => Month::of_date(date).quarter().to_string(),
            MeetingKind::Expanded => date.to_string(),
        }
    }

    /// Periods that are over, from `since` up to `now`, in which this kind had to be held.
    pub fn periods_due(self, since: NaiveDate, now: DateTime<Utc>) -> Vec<String> {
        let today = local_date(now);
        let mut out = vec![];
        match self {
            MeetingKind::JointMonthly => {
                let mut m = Month::of_date(since);
                while m.last_day() < today {
                    out.push(m.to_string());
                    m = m.next();
                }
            }
            MeetingKind::PartyQuarterly | MeetingKind::VillageQuarterly => {
                let mut q: Quarter = Month::of_date(since).quarter();
                while q.m3().last_day() < today {
                    out.push(q.to_string());
                    q = q.next();
                }
            }
            MeetingKind::Expanded => {}
        }
        out
    }
}

/// Periods over without a meeting of the kind (`held`: the periods that had one).
pub fn missed(kind: MeetingKind, since: NaiveDate, now: DateTime<Utc>, held: &[String]) -> Vec<String> {
    kind.periods_due(since, now).into_iter().filter(|p| !held.contains(p)).collect()
}

/// Whether a meeting may be recorded as held at `held_at`: not before the mechanism began, and not
/// after tomorrow (Shanghai time) — minutes are written the same day or after, a day's slack for
/// a meeting typed in late at night.
pub fn may_be_held_at(held_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    let day = local_date(held_at);
    day >= crate::calendar::mechanism_start() && day <= local_date(now) + chrono::Days::new(1)
}

/// The RRO's review of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Review {
    Pending,
    Accepted,
    Returned,
}

/// A department's month of archive materials, as the month-end summary shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArchiveStanding {
    /// Of the first submission, against the 25th.
    pub timeliness: Timeliness,
    /// Of the latest submission.
    pub review: Option<Review>,
    pub submissions: usize,
}

/// Where a department stands for `month`, from its submissions (time, review) in order.
pub fn archive_standing(
    month: Month,
    submissions: &[(DateTime<Utc>, Review)],
    now: DateTime<Utc>,
    live: crate::calendar::LiveFrom,
) -> ArchiveStanding {
    let first = submissions.iter().map(|(at, _)| *at).min();
    ArchiveStanding {
        timeliness: timeliness(month.list_deadline(), first, now, live),
        review: submissions.iter().max_by_key(|(at, _)| *at).map(|(_, r)| *r),
        submissions: submissions.len(),
    }
}

/// Why a meeting may not decide on a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionRefusal {
    /// Only the Party committee (its quarterly or expanded meeting) decides a leftover (议定).
    NotTheCommittee,
    /// The committee decides the leftovers of quarters already over, not this quarter's work.
    NotALeftover,
    /// A meeting cannot decide on a problem found after it was held.
    BeforeTheProblem,
}

impl DecisionRefusal {
    pub fn code(self) -> &'static str {
        match self {
            DecisionRefusal::NotTheCommittee => "not_party_committee",
            DecisionRefusal::NotALeftover => "not_a_leftover",
            DecisionRefusal::BeforeTheProblem => "meeting_before_problem",
        }
    }

    pub fn message_zh(self) -> &'static str {
        match self {
            DecisionRefusal::NotTheCommittee => "问题议定须由党委专题会（或扩大会）作出",
            DecisionRefusal::NotALeftover => "党委会议定的是以往季度未能整改的问题，本季度的问题按期整改",
            DecisionRefusal::BeforeTheProblem => "会议日期早于问题发现日期，不能对其作出决定",
        }
    }
}

/// Whether a meeting held on `held_on` may decide on a problem found on `found_on`.
pub fn may_decide_on(found_on: NaiveDate, held_on: NaiveDate) -> Result<(), DecisionRefusal> {
    if held_on < found_on { Err(DecisionRefusal::BeforeTheProblem) } else { Ok(()) }
}

/// Whether a meeting of `kind` held on `held_on` may record the Party committee's decision (议定) on
/// a problem found on `found_on`: the committee's own meeting, on a leftover of a past quarter.
pub fn may_settle_leftover(kind: MeetingKind, held_on: NaiveDate, found_on: NaiveDate) -> Result<(), DecisionRefusal> {
    if !matches!(kind, MeetingKind::PartyQuarterly | MeetingKind::Expanded) {
        return Err(DecisionRefusal::NotTheCommittee);
    }
    may_decide_on(found_on, held_on)?;
    if Month::of_date(found_on).quarter() >= Month::of_date(held_on).quarter() {
        return Err(DecisionRefusal::NotALeftover);
    }
    Ok(())
}

/// What the office answers to a village meeting's proposal on a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalAnswer {
    Accept,
    Decline,
}

/// Why a proposal cannot be answered so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalRefusal {
    /// It was accepted or declined already; a proposal is answered once.
    AlreadyAnswered,
    /// The problem is no longer being rectified (closed, or claimed and awaiting verification).
    NotActive,
    /// Accepting would set a deadline already past: the problem would be overdue at once.
    DeadlinePast,
    /// A declined proposal says why, for the village that made it.
    ReasonRequired,
    /// The problem is not assigned yet (no class, no unit): accepting would set a person and a
    /// deadline on a problem no unit answers for. The office assigns it first.
    NotAssigned,
}

impl ProposalRefusal {
    pub fn code(self) -> &'static str {
        match self {
            ProposalRefusal::AlreadyAnswered => "proposal_answered",
            ProposalRefusal::NotActive => "not_active",
            ProposalRefusal::DeadlinePast => "deadline_past",
            ProposalRefusal::ReasonRequired => "required",
            ProposalRefusal::NotAssigned => "not_assigned",
        }
    }

    pub fn message_zh(self) -> &'static str {
        match self {
            ProposalRefusal::AlreadyAnswered => "该提议已处理，不能重复采纳或不采纳",
            ProposalRefusal::NotActive => "该问题已不在整改中，提议不再适用",
            ProposalRefusal::DeadlinePast => "提议的整改期限已过，不能采纳；请重新交办并确定期限",
            ProposalRefusal::ReasonRequired => "不采纳时请写明理由，以便村里知晓",
            ProposalRefusal::NotAssigned => "该问题尚未交办：请先交办（确定问题类别和责任单位），再采纳村里的提议",
        }
    }
}

/// A village meeting's proposal on a problem, as the office finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proposal {
    /// Already accepted or declined.
    pub answered: bool,
    /// The problem is still being rectified.
    pub problem_active: bool,
    /// The problem has been assigned (a class and units answer for it).
    pub assigned: bool,
    /// The deadline the village proposed, if any.
    pub deadline: Option<NaiveDate>,
}

/// Whether the office may give `answer` (with `reason`) to the proposal today. A proposal is answered
/// once, while its problem is being rectified; accepting never sets a deadline already past.
pub fn may_answer(p: Proposal, answer: ProposalAnswer, reason: &str, today: NaiveDate) -> Result<(), ProposalRefusal> {
    if p.answered {
        return Err(ProposalRefusal::AlreadyAnswered);
    }
    if !p.problem_active {
        return Err(ProposalRefusal::NotActive);
    }
    match answer {
        ProposalAnswer::Accept if !p.assigned => Err(ProposalRefusal::NotAssigned),
        ProposalAnswer::Accept if p.deadline.is_some_and(|d| d < today) => Err(ProposalRefusal::DeadlinePast),
        ProposalAnswer::Decline if reason.trim().chars().count() < 2 => Err(ProposalRefusal::ReasonRequired),
        _ => Ok(()),
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn pending(deadline: Option<&str>) -> Proposal {
        Proposal { answered: false, problem_active: true, assigned: true, deadline: deadline.map(d) }
    }

    #[test]
    fn a_village_proposal_is_answered_once_while_its_problem_is_rectified() {
        let today = d("2026-12-05");
        assert_eq!(may_answer(pending(Some("2026-12-31")), ProposalAnswer::Accept, "", today), Ok(()));
        let answered = Proposal { answered: true, ..pending(None) };
        assert_eq!(
            may_answer(answered, ProposalAnswer::Decline, "不合理", today),
            Err(ProposalRefusal::AlreadyAnswered)
        );
        let closed = Proposal { problem_active: false, ..pending(None) };
        assert_eq!(may_answer(closed, ProposalAnswer::Accept, "", today), Err(ProposalRefusal::NotActive));
        // A problem not yet assigned is assigned first; the proposal may still be declined.
        let unassigned = Proposal { assigned: false, ..pending(Some("2026-12-31")) };
        assert_eq!(may_answer(unassigned, ProposalAnswer::Accept, "", today), Err(ProposalRefusal::NotAssigned));
        assert_eq!(may_answer(unassigned, ProposalAnswer::Decline, "先交办", today), Ok(()));
    }

    #[test]
    fn accepting_never_makes_a_problem_overdue_at_once_and_declining_says_why() {
        let today = d("2026-12-05");
        assert_eq!(may_answer(pending(Some("2026-12-05")), ProposalAnswer::Accept, "", today), Ok(()));
        assert_eq!(
            may_answer(pending(Some("2026-12-04")), ProposalAnswer::Accept, "", today),
            Err(ProposalRefusal::DeadlinePast)
        );
        // A past deadline may still be declined, with a reason.
        assert_eq!(may_answer(pending(Some("2026-12-04")), ProposalAnswer::Decline, "期限已过", today), Ok(()));
        assert_eq!(
            may_answer(pending(None), ProposalAnswer::Decline, " 不 ", today),
            Err(ProposalRefusal::ReasonRequired)
        );
    }

    #[test]
    fn only_the_party_committee_settles_a_leftover_of_a_past_quarter() {
        let q4_meeting = d("2026-12-20");
        assert_eq!(may_settle_leftover(MeetingKind::PartyQuarterly, q4_meeting, d("2026-09-30")), Ok(()));
        assert_eq!(may_settle_leftover(MeetingKind::Expanded, q4_meeting, d("2026-07-01")), Ok(()));
        assert_eq!(
            may_settle_leftover(MeetingKind::JointMonthly, q4_meeting, d("2026-09-30")),
            Err(DecisionRefusal::NotTheCommittee)
        );
        // This quarter's problem is on schedule, not a leftover: the quarter boundary decides.
        assert_eq!(
            may_settle_leftover(MeetingKind::PartyQuarterly, q4_meeting, d("2026-10-01")),
            Err(DecisionRefusal::NotALeftover)
        );
        // Across a year: Q4's leftover at next year's Q1 meeting.
        assert_eq!(may_settle_leftover(MeetingKind::PartyQuarterly, d("2027-01-15"), d("2026-12-31")), Ok(()));
    }

    #[test]
    fn a_meeting_does_not_decide_on_a_problem_found_after_it() {
        assert_eq!(may_decide_on(d("2026-12-05"), d("2026-11-20")), Err(DecisionRefusal::BeforeTheProblem));
        assert_eq!(may_decide_on(d("2026-11-20"), d("2026-11-20")), Ok(()));
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_meeting_is_dated_between_the_mechanisms_start_and_tomorrow_in_shanghai() {
        let now = at("2026-11-28T02:00:00Z"); // 10:00 on the 28th in Shanghai
        assert!(may_be_held_at(at("2021-12-31T16:00:00Z"), now)); // 00:00 on 1 Jan 2022 in Shanghai
        assert!(!may_be_held_at(at("2021-12-31T15:59:59Z"), now));
        assert!(may_be_held_at(at("2026-11-29T15:59:59Z"), now)); // 23:59:59 tomorrow
        assert!(!may_be_held_at(at("2026-11-29T16:00:00Z"), now)); // the day after tomorrow
        assert!(!may_be_held_at(at("1359-05-01T00:00:00Z"), now));
    }

    #[test]
    fn a_meeting_answers_for_its_month_or_quarter() {
        assert_eq!(MeetingKind::JointMonthly.period_of(d("2026-11-30")), "2026-11");
        assert_eq!(MeetingKind::PartyQuarterly.period_of(d("2026-12-31")), "2026-Q4");
        assert_eq!(MeetingKind::VillageQuarterly.period_of(d("2027-01-01")), "2027-Q1");
        assert_eq!(MeetingKind::parse("expanded"), Some(MeetingKind::Expanded));
    }

    #[test]
    fn periods_over_without_a_meeting_are_missed() {
        // 30 November 23:59 in Beijing: November is not over yet; 1 December 00:00 it is.
        let before = at("2026-11-30T23:59:00+08:00");
        let after = at("2026-12-01T00:00:00+08:00");
        let since = d("2026-09-15");
        assert_eq!(missed(MeetingKind::JointMonthly, since, before, &["2026-10".into()]), ["2026-09"]);
        assert_eq!(missed(MeetingKind::JointMonthly, since, after, &["2026-10".into()]), ["2026-09", "2026-11"]);
        assert_eq!(missed(MeetingKind::PartyQuarterly, since, after, &[]), ["2026-Q3"]);
        assert_eq!(
            missed(MeetingKind::PartyQuarterly, since, at("2027-01-01T00:00:00+08:00"), &["2026-Q3".into()]),
            ["2026-Q4"]
        );
        assert!(missed(MeetingKind::Expanded, since, after, &[]).is_empty());
        // A leap February is over only after the 29th.
        let feb = missed(MeetingKind::JointMonthly, d("2028-02-01"), at("2028-02-29T12:00:00+08:00"), &[]);
        assert!(feb.is_empty());
        assert_eq!(
            missed(MeetingKind::JointMonthly, d("2028-02-01"), at("2028-03-01T00:00:00+08:00"), &[]),
            ["2028-02"]
        );
    }

    #[test]
    fn a_departments_month_of_materials_stands_by_its_first_submission_and_latest_review() {
        let m: Month = "2026-11".parse().unwrap();
        let now = at("2026-11-30T10:00:00+08:00");
        let on_26th = archive_standing(
            m,
            &[(at("2026-11-26T09:00:00+08:00"), Review::Pending)],
            now,
            crate::calendar::LiveFrom(NaiveDate::MIN),
        );
        assert_eq!(on_26th.timeliness, Timeliness::Late);
        let returned_then_resubmitted = archive_standing(
            m,
            &[(at("2026-11-20T09:00:00+08:00"), Review::Returned), (at("2026-11-27T09:00:00+08:00"), Review::Accepted)],
            now,
            crate::calendar::LiveFrom(NaiveDate::MIN),
        );
        assert_eq!(returned_then_resubmitted.timeliness, Timeliness::OnTime, "the first came in on time");
        assert_eq!(returned_then_resubmitted.review, Some(Review::Accepted));
        assert_eq!(returned_then_resubmitted.submissions, 2);
        let none = archive_standing(m, &[], now, crate::calendar::LiveFrom(NaiveDate::MIN));
        assert_eq!((none.timeliness, none.review), (Timeliness::Missing, None));
        // A town live from December owed no November materials.
        let live = crate::calendar::LiveFrom(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert_eq!(archive_standing(m, &[], at("2026-12-02T10:00:00+08:00"), live).timeliness, Timeliness::NotOwed);
    }
}
