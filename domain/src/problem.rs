//! Problems found in the work (SPEC §5): where they come from and what they concern.
//! Their lifecycle: classes and deadlines, the state machine, and what is overdue.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Visit,
    CrossCheck,
    PhoneCheck,
    DeptScreening,
    Supervision,
    Unannounced,
    Interview,
    Meeting,
}

impl Source {
    pub const ALL: [Source; 8] = [
        Source::Visit,
        Source::CrossCheck,
        Source::PhoneCheck,
        Source::DeptScreening,
        Source::Supervision,
        Source::Unannounced,
        Source::Interview,
        Source::Meeting,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Visit => "visit",
            Source::CrossCheck => "cross_check",
            Source::PhoneCheck => "phone_check",
            Source::DeptScreening => "dept_screening",
            Source::Supervision => "supervision",
            Source::Unannounced => "unannounced",
            Source::Interview => "interview",
            Source::Meeting => "meeting",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The word the office files it under.
    pub fn label_zh(self) -> &'static str {
        match self {
            Source::Visit => "入户走访",
            Source::CrossCheck => "交叉抽查",
            Source::PhoneCheck => "电话抽查",
            Source::DeptScreening => "部门筛查",
            Source::Supervision => "部门督查",
            Source::Unannounced => "领导暗访",
            Source::Interview => "访谈",
            Source::Meeting => "会议",
        }
    }

    /// The act whose holders may record a problem of this source by hand: a source carries
    /// authority, so a cadre cannot file a problem as the Discipline Commission's supervision or a
    /// leader's unannounced visit. `None`: the source's own flow records it, never a hand — visits
    /// and cross-checks with their visit, phone checks from the call or its flag, department
    /// screenings from the joint verification visit of the task.
    pub fn recorded_by(self) -> Option<crate::authority::Act> {
        use crate::authority::Act;
        match self {
            Source::Visit | Source::CrossCheck | Source::PhoneCheck | Source::DeptScreening => None,
            Source::Supervision => Some(Act::Supervise),
            Source::Unannounced => Some(Act::Inspect),
            Source::Meeting => Some(Act::ManageMeetings),
            Source::Interview => Some(Act::Interview),
        }
    }

    /// The sources a problem may be recorded under by hand (`POST /problems`).
    pub fn by_hand() -> impl Iterator<Item = Source> {
        Self::ALL.into_iter().filter(|s| s.recorded_by().is_some())
    }

    /// The source of a problem found on a visit of this kind.
    pub fn of_visit(kind: crate::visit::VisitKind) -> Self {
        use crate::visit::VisitKind as K;
        match kind {
            K::CrossCheck => Source::CrossCheck,
            K::Unannounced => Source::Unannounced,
            K::JointVerification => Source::DeptScreening,
            K::Routine | K::AlongTheWay => Source::Visit,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Income,
    Education,
    Medical,
    Housing,
    DrinkingWater,
    PolicyNotEnjoyed,
    Satisfaction,
    CadreWorkStyle,
    Archive,
    Other,
}

impl Category {
    pub const ALL: [Category; 10] = [
        Category::Income,
        Category::Education,
        Category::Medical,
        Category::Housing,
        Category::DrinkingWater,
        Category::PolicyNotEnjoyed,
        Category::Satisfaction,
        Category::CadreWorkStyle,
        Category::Archive,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Income => "income",
            Category::Education => "education",
            Category::Medical => "medical",
            Category::Housing => "housing",
            Category::DrinkingWater => "drinking_water",
            Category::PolicyNotEnjoyed => "policy_not_enjoyed",
            Category::Satisfaction => "satisfaction",
            Category::CadreWorkStyle => "cadre_work_style",
            Category::Archive => "archive",
            Category::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The word the office files it under (the notice's 两不愁三保障 and the rest).
    pub fn label_zh(self) -> &'static str {
        match self {
            Category::Income => "收入",
            Category::Education => "义务教育",
            Category::Medical => "基本医疗",
            Category::Housing => "住房安全",
            Category::DrinkingWater => "饮水安全",
            Category::PolicyNotEnjoyed => "政策未享受",
            Category::Satisfaction => "群众满意度",
            Category::CadreWorkStyle => "干部作风",
            Category::Archive => "档案资料",
            Category::Other => "其他",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a problem fixed on the spot needs a photo as evidence")]
pub struct NeedsEvidence;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_is_recorded_only_by_those_whose_flow_it_is() {
        use crate::authority::Act;
        use crate::org::Role;
        let may = |s: Source, r: Role| s.recorded_by().is_some_and(|act| act.in_scope(r));
        assert!(!may(Source::Supervision, Role::Cadre));
        assert!(!may(Source::Supervision, Role::RroStaff));
        assert!(may(Source::Supervision, Role::Discipline));
        assert!(!may(Source::Unannounced, Role::Cadre));
        assert!(may(Source::Unannounced, Role::Leader));
        // Flows record their own: a cadre holds CallHouseholds and RecordVisit, yet cannot file a
        // phone-check or screening problem by hand.
        for own in [Source::Visit, Source::CrossCheck, Source::PhoneCheck, Source::DeptScreening] {
            assert!(own.recorded_by().is_none(), "{own:?}");
            assert!(!Source::by_hand().any(|s| s == own), "{own:?}");
        }
        assert_eq!(Source::by_hand().count(), 4);
        assert_eq!(Source::Meeting.recorded_by(), Some(Act::ManageMeetings));
    }
    use crate::visit::VisitKind;

    #[test]
    fn every_word_the_ledger_files_has_a_chinese_label_and_reads_back() {
        for s in Source::ALL {
            assert_eq!(Source::parse(s.as_str()), Some(s));
            assert!(!s.label_zh().is_ascii(), "{s:?}");
        }
        for c in Category::ALL {
            assert!(!c.label_zh().is_ascii(), "{c:?}");
        }
        for c in Class::ALL {
            assert!(!c.label_zh().is_ascii(), "{c:?}");
        }
        for s in State::ALL {
            assert!(!s.label_zh().is_ascii(), "{s:?}");
        }
        assert_eq!(Category::PolicyNotEnjoyed.label_zh(), "政策未享受");
    }

    #[test]
    fn a_problem_fixed_on_the_spot_needs_evidence() {
        assert_eq!(State::initial(true, 0), Err(NeedsEvidence));
        assert_eq!(State::initial(true, 1), Ok(State::FixedOnSpot));
        assert_eq!(State::initial(false, 0), Ok(State::Open));
    }

    #[test]
    fn a_problem_takes_its_source_from_the_visit_kind() {
        assert_eq!(Source::of_visit(VisitKind::CrossCheck), Source::CrossCheck);
        assert_eq!(Source::of_visit(VisitKind::Routine), Source::Visit);
        assert_eq!(Source::of_visit(VisitKind::AlongTheWay), Source::Visit);
    }

    #[test]
    fn categories_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
        }
        assert_eq!(Category::parse("nonsense"), None);
    }
}

/// The class the RRO gives a problem, which sets its deadline rule (SPEC §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// 小问题: cleared within the month it was assigned in (当月清零).
    Small,
    /// 大问题: cleared by a deadline the RRO sets (限时清零).
    Large,
    /// 特殊问题: needs a rectification plan with milestones on file.
    Special,
}

impl Class {
    pub const ALL: [Class; 3] = [Class::Small, Class::Large, Class::Special];

    pub fn as_str(self) -> &'static str {
        match self {
            Class::Small => "small",
            Class::Large => "large",
            Class::Special => "special",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Class::Small, Class::Large, Class::Special].into_iter().find(|c| c.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Class::Small => "小问题（当月清零）",
            Class::Large => "大问题（限时清零）",
            Class::Special => "特殊问题（有方案）",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    #[error("a large problem needs a deadline")]
    LargeNeedsDeadline,
    #[error("the deadline is before the day of assignment")]
    InThePast,
    #[error("a special problem needs a rectification plan with at least one milestone")]
    SpecialNeedsPlan,
    #[error("a small problem is cleared within its month; it takes no other deadline")]
    SmallHasNoChoice,
}

impl DeadlineError {
    pub fn message_zh(self) -> &'static str {
        match self {
            DeadlineError::LargeNeedsDeadline => "大问题需设定整改期限",
            DeadlineError::InThePast => "整改期限不能早于交办日期",
            DeadlineError::SpecialNeedsPlan => "特殊问题须有整改思路和方案（至少一个节点）才能交办",
            DeadlineError::SmallHasNoChoice => "小问题当月清零，不能另设期限",
        }
    }
}

/// The deadline of a problem assigned on `assigned_on` (a local date).
///
/// Small: the last day of that month. Large: the date the RRO sets. Special: a plan with milestones
/// is required; the deadline is the date set, or else the last milestone's.
pub fn deadline(
    class: Class,
    assigned_on: chrono::NaiveDate,
    requested: Option<chrono::NaiveDate>,
    milestones: &[chrono::NaiveDate],
) -> Result<chrono::NaiveDate, DeadlineError> {
    let d = match class {
        Class::Small if requested.is_some() => return Err(DeadlineError::SmallHasNoChoice),
        Class::Small => return Ok(crate::calendar::Month::of_date(assigned_on).last_day()),
        Class::Large => requested.ok_or(DeadlineError::LargeNeedsDeadline)?,
        Class::Special => {
            let last = milestones.iter().max().copied().ok_or(DeadlineError::SpecialNeedsPlan)?;
            requested.unwrap_or(last)
        }
    };
    if d < assigned_on || milestones.iter().any(|m| *m < assigned_on) {
        return Err(DeadlineError::InThePast);
    }
    Ok(d)
}

/// Where a problem stands in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Closed at once, with evidence (当场整改).
    FixedOnSpot,
    /// Found; on the village's monthly list, waiting for the RRO to assign it.
    Open,
    /// Assigned to its units and person, with a class and deadline.
    Assigned,
    /// The responsible unit says it is done, with evidence.
    CompletionClaimed,
    /// Verified by someone other than the claimer.
    Closed,
    /// Decided by the quarterly Party committee meeting (议定) as it could not be rectified.
    Decided,
}

impl State {
    pub const ALL: [State; 6] =
        [State::FixedOnSpot, State::Open, State::Assigned, State::CompletionClaimed, State::Closed, State::Decided];

    pub fn as_str(self) -> &'static str {
        match self {
            State::FixedOnSpot => "fixed_on_spot",
            State::Open => "open",
            State::Assigned => "assigned",
            State::CompletionClaimed => "completion_claimed",
            State::Closed => "closed",
            State::Decided => "decided",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [State::FixedOnSpot, State::Open, State::Assigned, State::CompletionClaimed, State::Closed, State::Decided]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            State::FixedOnSpot => "当场整改",
            State::Open => "待交办",
            State::Assigned => "整改中",
            State::CompletionClaimed => "待核验",
            State::Closed => "已销号",
            State::Decided => "党委会议定",
        }
    }

    /// The state a problem is recorded in: fixed on the spot (which needs evidence, SPEC §5.1) or open.
    pub fn initial(fixed_on_spot: bool, evidence_count: usize) -> Result<Self, NeedsEvidence> {
        match (fixed_on_spot, evidence_count) {
            (true, 0) => Err(NeedsEvidence),
            (true, _) => Ok(State::FixedOnSpot),
            (false, _) => Ok(State::Open),
        }
    }

    /// Still to be rectified.
    pub fn is_active(self) -> bool {
        matches!(self, State::Open | State::Assigned | State::CompletionClaimed)
    }

    /// Rectified: closed after verification, or fixed on the spot with its evidence (当场整改) —
    /// both count as closed in the figures ("problems closed").
    pub const RECTIFIED: [State; 2] = [State::Closed, State::FixedOnSpot];

    pub fn is_rectified(self) -> bool {
        Self::RECTIFIED.contains(&self)
    }
}

/// Something done to a problem; each is recorded as an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Assign,
    ReportProgress,
    ClaimCompletion,
    Verify,
    SendBack,
    HandToDiscipline,
    Decide,
    Reopen,
}

impl Action {
    pub const ALL: [Action; 8] = [
        Action::Assign,
        Action::ReportProgress,
        Action::ClaimCompletion,
        Action::Verify,
        Action::SendBack,
        Action::HandToDiscipline,
        Action::Decide,
        Action::Reopen,
    ];

    /// The act of the authority table the step takes.
    pub fn act(self) -> crate::authority::Act {
        use crate::authority::Act;
        match self {
            Action::Assign => Act::AssignProblem,
            Action::Decide => Act::DecideProblem,
            Action::HandToDiscipline => Act::HandOverProblem,
            Action::ReportProgress | Action::ClaimCompletion => Act::ReportOnProblem,
            Action::Verify | Action::SendBack | Action::Reopen => Act::VerifyProblem,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Assign => "assign",
            Action::ReportProgress => "report_progress",
            Action::ClaimCompletion => "claim_completion",
            Action::Verify => "verify",
            Action::SendBack => "send_back",
            Action::HandToDiscipline => "hand_to_discipline",
            Action::Decide => "decide",
            Action::Reopen => "reopen",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action:?} a problem that is {from:?}")]
pub struct IllegalTransition {
    pub from: State,
    pub action: Action,
}

impl IllegalTransition {
    pub fn message_zh(&self) -> String {
        let state = match self.from {
            State::FixedOnSpot => "已当场整改",
            State::Open => "待交办",
            State::Assigned => "整改中",
            State::CompletionClaimed => "待核验",
            State::Closed => "已销号",
            State::Decided => "已由党委会议定",
        };
        format!("该问题当前状态为“{state}”，不能进行此操作")
    }
}

/// The lifecycle (SPEC §5). Handing a problem to the Discipline Commission is recorded but does not
/// stop its rectification; a closed problem can be reopened and keeps its history.
pub fn transition(from: State, action: Action) -> Result<State, IllegalTransition> {
    use Action as A;
    use State as S;
    let to = match (from, action) {
        (S::Open | S::Assigned, A::Assign) => S::Assigned,
        (S::Assigned, A::ReportProgress) => S::Assigned,
        (S::Assigned, A::ClaimCompletion) => S::CompletionClaimed,
        (S::CompletionClaimed, A::Verify) => S::Closed,
        (S::CompletionClaimed, A::SendBack) => S::Assigned,
        (S::Open | S::Assigned | S::CompletionClaimed, A::HandToDiscipline) => from,
        (S::Open | S::Assigned, A::Decide) => S::Decided,
        (S::Closed, A::Reopen) => S::Assigned,
        _ => return Err(IllegalTransition { from, action }),
    };
    Ok(to)
}

/// The steps a problem's record admits today, before asking who the caller is: its state's
/// transitions, less those its history rules out — a problem is handed to the Discipline
/// Commission once, and the Party committee decides only the leftovers of a past quarter.
pub fn steps_open(
    state: State,
    found_on: chrono::NaiveDate,
    handed_over: bool,
    today: chrono::NaiveDate,
) -> impl Iterator<Item = Action> {
    Action::ALL.into_iter().filter(move |a| {
        transition(state, *a).is_ok()
            && match a {
                Action::HandToDiscipline => !handed_over,
                Action::Decide => {
                    crate::meetings::may_settle_leftover(crate::meetings::MeetingKind::PartyQuarterly, today, found_on)
                        .is_ok()
                }
                _ => true,
            }
    })
}

/// When a problem was claimed done, closed and decided (what its record keeps of its history).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Milestones {
    pub claimed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The state a problem (found before `at`) was in at `at`, from its present state and its
/// milestones: a past month's figures stay as they were at the month's end when later work closes
/// or decides the problem. A problem closed or decided since was being rectified then — claimed
/// done if it had been claimed by then.
pub fn state_at(now: State, m: Milestones, at: chrono::DateTime<chrono::Utc>) -> State {
    let before = |t: Option<chrono::DateTime<chrono::Utc>>| t.is_some_and(|t| t < at);
    match now {
        State::FixedOnSpot | State::Open | State::Assigned => now,
        State::Closed if before(m.closed_at) => State::Closed,
        State::Decided if before(m.decided_at) => State::Decided,
        State::Closed | State::Decided | State::CompletionClaimed if before(m.claimed_at) => State::CompletionClaimed,
        State::Closed | State::Decided | State::CompletionClaimed => State::Assigned,
    }
}

/// Overdue: still being rectified after the end of its deadline day (local), and no completion
/// claimed by then.
pub fn is_overdue(
    state: State,
    deadline: Option<chrono::NaiveDate>,
    claimed_on: Option<chrono::NaiveDate>,
    today: chrono::NaiveDate,
) -> bool {
    match (state, deadline) {
        (State::Assigned | State::CompletionClaimed, Some(d)) => today > d && claimed_on.is_none_or(|c| c > d),
        _ => false,
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod lifecycle_tests {
    use super::*;

    #[test]
    fn a_problem_fixed_on_the_spot_counts_as_closed() {
        assert!(State::FixedOnSpot.is_rectified() && State::Closed.is_rectified());
        for s in [State::Open, State::Assigned, State::CompletionClaimed, State::Decided] {
            assert!(!s.is_rectified(), "{s:?}");
        }
    }

    #[test]
    fn a_problem_closed_in_december_was_being_rectified_at_the_end_of_november() {
        let t = |s: &str| Some(chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc));
        let end_of_november = t("2026-11-30T16:00:00Z").unwrap(); // 1 December 00:00 in Beijing
        let closed_in_december = Milestones {
            claimed_at: t("2026-12-02T09:00:00+08:00"),
            closed_at: t("2026-12-03T09:00:00+08:00"),
            decided_at: None,
        };
        assert_eq!(state_at(State::Closed, closed_in_december, end_of_november), State::Assigned);
        let claimed_in_november = Milestones { claimed_at: t("2026-11-30T23:59:00+08:00"), ..closed_in_december };
        assert_eq!(state_at(State::Closed, claimed_in_november, end_of_november), State::CompletionClaimed);
        let closed_in_november = Milestones { closed_at: t("2026-11-30T23:59:59+08:00"), ..claimed_in_november };
        assert_eq!(state_at(State::Closed, closed_in_november, end_of_november), State::Closed);
        let decided_later = Milestones { decided_at: t("2026-12-10T09:00:00+08:00"), ..Milestones::default() };
        assert_eq!(state_at(State::Decided, decided_later, end_of_november), State::Assigned);
        assert_eq!(state_at(State::FixedOnSpot, Milestones::default(), end_of_november), State::FixedOnSpot);
        assert!(state_at(State::Closed, closed_in_december, end_of_november).is_active());
    }
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_steps_open_follow_the_state_and_the_history() {
        let steps = |s: State, found: NaiveDate, handed: bool, today: NaiveDate| -> Vec<Action> {
            steps_open(s, found, handed, today).collect()
        };
        // Found in this quarter: not yet a leftover for the committee.
        assert_eq!(
            steps(State::Open, d(2026, 11, 20), false, d(2026, 12, 5)),
            [Action::Assign, Action::HandToDiscipline]
        );
        // Found on 30 September, a leftover on 1 October (the quarter's boundary).
        assert!(steps(State::Assigned, d(2026, 9, 30), false, d(2026, 10, 1)).contains(&Action::Decide));
        assert!(!steps(State::Assigned, d(2026, 10, 1), false, d(2026, 12, 31)).contains(&Action::Decide));
        // Handed over once.
        assert!(!steps(State::Assigned, d(2026, 11, 2), true, d(2026, 12, 5)).contains(&Action::HandToDiscipline));
        // A closed problem can only be reopened.
        assert!(steps(State::Closed, d(2026, 11, 2), false, d(2026, 12, 5)).iter().all(|a| *a == Action::Reopen));
    }

    #[test]
    fn a_small_problem_is_due_at_the_end_of_its_month_including_february_of_a_leap_year() {
        assert_eq!(deadline(Class::Small, d(2026, 11, 28), None, &[]), Ok(d(2026, 11, 30)));
        assert_eq!(deadline(Class::Small, d(2024, 2, 1), None, &[]), Ok(d(2024, 2, 29)));
        assert_eq!(deadline(Class::Small, d(2023, 2, 28), None, &[]), Ok(d(2023, 2, 28)));
        assert_eq!(deadline(Class::Small, d(2026, 12, 31), None, &[]), Ok(d(2026, 12, 31)));
        assert_eq!(
            deadline(Class::Small, d(2026, 11, 1), Some(d(2026, 12, 1)), &[]),
            Err(DeadlineError::SmallHasNoChoice)
        );
    }

    #[test]
    fn a_large_problem_takes_the_deadline_set_and_not_one_in_the_past() {
        assert_eq!(deadline(Class::Large, d(2026, 11, 28), Some(d(2027, 3, 31)), &[]), Ok(d(2027, 3, 31)));
        assert_eq!(deadline(Class::Large, d(2026, 11, 28), None, &[]), Err(DeadlineError::LargeNeedsDeadline));
        assert_eq!(deadline(Class::Large, d(2026, 11, 28), Some(d(2026, 11, 27)), &[]), Err(DeadlineError::InThePast));
    }

    #[test]
    fn a_special_problem_cannot_be_assigned_without_a_plan() {
        assert_eq!(
            deadline(Class::Special, d(2026, 11, 28), Some(d(2027, 6, 30)), &[]),
            Err(DeadlineError::SpecialNeedsPlan)
        );
        assert_eq!(
            deadline(Class::Special, d(2026, 11, 28), None, &[d(2027, 1, 31), d(2027, 5, 31)]),
            Ok(d(2027, 5, 31))
        );
        assert_eq!(deadline(Class::Special, d(2026, 11, 28), None, &[d(2026, 10, 1)]), Err(DeadlineError::InThePast));
    }

    #[test]
    fn the_lifecycle_allows_only_its_transitions() {
        use Action::*;
        use State::*;
        assert_eq!(transition(Open, Assign), Ok(Assigned));
        assert_eq!(transition(Assigned, ClaimCompletion), Ok(CompletionClaimed));
        assert_eq!(transition(CompletionClaimed, Verify), Ok(Closed));
        assert_eq!(transition(CompletionClaimed, SendBack), Ok(Assigned));
        assert_eq!(transition(Closed, Reopen), Ok(Assigned));
        assert_eq!(transition(Assigned, HandToDiscipline), Ok(Assigned));
        assert_eq!(transition(Open, Decide), Ok(Decided));
        for (from, action) in [
            (Open, ClaimCompletion),
            (Open, Verify),
            (Assigned, Verify),
            (Closed, Assign),
            (FixedOnSpot, Assign),
            (Decided, Reopen),
            (Closed, HandToDiscipline),
        ] {
            assert_eq!(transition(from, action), Err(IllegalTransition { from, action }), "{from:?} {action:?}");
        }
        assert!(IllegalTransition { from: Closed, action: Assign }.message_zh().contains("已销号"));
    }

    #[test]
    fn overdue_starts_the_day_after_the_deadline_unless_completion_was_claimed_in_time() {
        let due = d(2026, 11, 30);
        assert!(!is_overdue(State::Assigned, Some(due), None, d(2026, 11, 30)));
        assert!(is_overdue(State::Assigned, Some(due), None, d(2026, 12, 1)));
        assert!(!is_overdue(State::CompletionClaimed, Some(due), Some(d(2026, 11, 30)), d(2026, 12, 5)));
        assert!(is_overdue(State::CompletionClaimed, Some(due), Some(d(2026, 12, 2)), d(2026, 12, 5)));
        assert!(!is_overdue(State::Closed, Some(due), None, d(2027, 1, 1)));
        assert!(!is_overdue(State::Open, None, None, d(2027, 1, 1)));
    }
}

/// What a supervision look-back (回头看, SPEC §8.2) finds about a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LookBack {
    /// Rectified and verified (or fixed on the spot).
    Cleared,
    /// Being rectified on schedule: not yet assigned, assigned and within its deadline, or claimed
    /// done by its deadline and awaiting verification. Not a failure of anyone's.
    InProgress,
    /// The Party committee decided it (议定) as a leftover that could not be rectified: what the
    /// committee decided stands; it is neither cleared nor a failure.
    Decided,
    /// Past its deadline and not rectified.
    Overdue,
    /// Found not rectified on the look-back, whatever the records say (the Commission's own finding;
    /// never suggested by the records).
    NotRectified,
    /// A special problem without its plan.
    PlanMissing,
}

impl LookBack {
    pub const ALL: [LookBack; 6] = [
        LookBack::Cleared,
        LookBack::InProgress,
        LookBack::Decided,
        LookBack::Overdue,
        LookBack::NotRectified,
        LookBack::PlanMissing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LookBack::Cleared => "cleared",
            LookBack::InProgress => "in_progress",
            LookBack::Decided => "decided",
            LookBack::Overdue => "overdue",
            LookBack::NotRectified => "not_rectified",
            LookBack::PlanMissing => "plan_missing",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            LookBack::Cleared => "已整改销号",
            LookBack::InProgress => "正在按期整改",
            LookBack::Decided => "党委会议定",
            LookBack::Overdue => "逾期未整改",
            LookBack::NotRectified => "回头看未整改",
            LookBack::PlanMissing => "特殊问题无整改方案",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// What is handed to the Discipline Commission: overdue, found not rectified, or a special
    /// problem without its plan. Work on schedule and the committee's decisions are not.
    pub fn fails(self) -> bool {
        matches!(self, LookBack::Overdue | LookBack::NotRectified | LookBack::PlanMissing)
    }
}

/// The finding the records suggest by the ledger's own rules; the Commission confirms or corrects it.
/// Only a problem past its deadline and unfinished is overdue; one on schedule is in progress,
/// whatever its state; a decided leftover is what the committee decided.
pub fn suggest_look_back(
    state: State,
    class: Option<Class>,
    has_plan: bool,
    deadline: Option<chrono::NaiveDate>,
    claimed_on: Option<chrono::NaiveDate>,
    today: chrono::NaiveDate,
) -> LookBack {
    match state {
        State::FixedOnSpot | State::Closed => LookBack::Cleared,
        State::Decided => LookBack::Decided,
        _ if class == Some(Class::Special) && !has_plan => LookBack::PlanMissing,
        _ if is_overdue(state, deadline, claimed_on, today) => LookBack::Overdue,
        State::Open | State::Assigned | State::CompletionClaimed => LookBack::InProgress,
    }
}

#[cfg(test)]
mod look_back_tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, day).unwrap_or_default()
    }

    #[test]
    fn the_records_suggest_each_finding() {
        let today = d(5);
        let suggest = |state, class, plan, deadline: Option<u32>, claimed: Option<u32>| {
            suggest_look_back(state, class, plan, deadline.map(d), claimed.map(d), today)
        };
        assert_eq!(suggest(State::Closed, Some(Class::Small), false, Some(1), None), LookBack::Cleared);
        assert_eq!(suggest(State::Assigned, Some(Class::Small), false, Some(1), None), LookBack::Overdue);
        // On 12-05: a small problem due 12-31 is on schedule.
        assert_eq!(suggest(State::Assigned, Some(Class::Small), false, Some(31), None), LookBack::InProgress);
        // A special problem with its plan, within its deadline.
        assert_eq!(suggest(State::Assigned, Some(Class::Special), true, Some(20), None), LookBack::InProgress);
        assert_eq!(suggest(State::Assigned, Some(Class::Special), false, Some(20), None), LookBack::PlanMissing);
        // Found today, not yet assigned: nobody has failed anything.
        assert_eq!(suggest(State::Open, None, false, None, None), LookBack::InProgress);
        // Claimed done by its deadline, awaiting verification.
        assert_eq!(
            suggest(State::CompletionClaimed, Some(Class::Large), false, Some(20), Some(4)),
            LookBack::InProgress
        );
        // Decided by the committee, though past its deadline.
        assert_eq!(suggest(State::Decided, Some(Class::Large), false, Some(1), None), LookBack::Decided);
    }

    #[test]
    fn only_failures_go_to_the_discipline_commission() {
        let handed: Vec<LookBack> = LookBack::ALL.into_iter().filter(|f| f.fails()).collect();
        assert_eq!(handed, [LookBack::Overdue, LookBack::NotRectified, LookBack::PlanMissing]);
        for f in LookBack::ALL {
            assert_eq!(LookBack::parse(f.as_str()), Some(f));
        }
    }
}
