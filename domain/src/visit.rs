//! Visits and their photo proof (SPEC §4): which flags a visit earns, and whether it counts.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::geo::Position;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitKind {
    Routine,
    CrossCheck,
    JointVerification,
    Unannounced,
    AlongTheWay,
}

impl VisitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VisitKind::Routine => "routine",
            VisitKind::CrossCheck => "cross_check",
            VisitKind::JointVerification => "joint_verification",
            VisitKind::Unannounced => "unannounced",
            VisitKind::AlongTheWay => "along_the_way",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Routine, Self::CrossCheck, Self::JointVerification, Self::Unannounced, Self::AlongTheWay]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// What the records say of a visit before it is written: a kind carries authority, so it must rest
/// on them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindGrounds {
    /// A department's screening task on the household is open.
    pub open_verification_task: bool,
    /// The caller is this quarter's assigned checker of the household in a cross spot-check round.
    pub assigned_checker: bool,
    /// The caller, or someone going along, belongs to a department whose screening task on the
    /// household is open: the verification is joint only with the department there.
    pub task_department: bool,
}

/// Why a visit may not be recorded under the kind it was sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindRefusal {
    NoVerificationTask,
    NoDepartmentAlong,
    NotAssignedChecker,
    UnannouncedThroughLeadersFlow,
}

impl KindRefusal {
    pub fn code(self) -> &'static str {
        match self {
            KindRefusal::NoVerificationTask => "no_verification_task",
            KindRefusal::NoDepartmentAlong => "no_department_along",
            KindRefusal::NotAssignedChecker => "not_assigned_checker",
            KindRefusal::UnannouncedThroughLeadersFlow => "unannounced_not_here",
        }
    }

    pub fn message_zh(self) -> &'static str {
        match self {
            KindRefusal::NoVerificationTask => "该农户没有待办的部门筛查核查任务，不能记为联合入户核查",
            KindRefusal::NoDepartmentAlong => "联合入户核查须有发起核查的部门人员到场，请在同行人员中选择该部门人员",
            KindRefusal::NotAssignedChecker => "您不是本季度交叉抽查中该农户的抽查人员，不能记为交叉抽查",
            KindRefusal::UnannouncedThroughLeadersFlow => "领导暗访请通过“暗访”功能记录",
        }
    }
}

/// Whether a visit may be recorded under `kind`: a joint verification needs a department's open
/// task on the household and someone of that department there (a village cadre alone does not
/// settle a department's task), a cross-check visit the checker's assignment, and an unannounced visit is
/// recorded only through the leaders' own flow (`/unannounced-visits`).
pub fn kind_allowed(kind: VisitKind, grounds: KindGrounds) -> Result<(), KindRefusal> {
    match kind {
        VisitKind::Routine | VisitKind::AlongTheWay => Ok(()),
        VisitKind::JointVerification if !grounds.open_verification_task => Err(KindRefusal::NoVerificationTask),
        VisitKind::JointVerification if !grounds.task_department => Err(KindRefusal::NoDepartmentAlong),
        VisitKind::JointVerification => Ok(()),
        VisitKind::CrossCheck if grounds.assigned_checker => Ok(()),
        VisitKind::CrossCheck => Err(KindRefusal::NotAssignedChecker),
        VisitKind::Unannounced => Err(KindRefusal::UnannouncedThroughLeadersFlow),
    }
}

/// The kind a visit is recorded under. One sent must rest on the records ([`kind_allowed`]); where
/// none is sent, the records set it: the assigned checker's visit to their sample household is the
/// cross-check, a department's visit to a household its screening flagged is the joint
/// verification, anything else a routine visit. So the phone need not know which task it serves.
pub fn settle_kind(sent: Option<VisitKind>, grounds: KindGrounds) -> Result<VisitKind, KindRefusal> {
    match sent {
        Some(kind) => kind_allowed(kind, grounds).map(|()| kind),
        None if grounds.assigned_checker => Ok(VisitKind::CrossCheck),
        None if grounds.open_verification_task && grounds.task_department => Ok(VisitKind::JointVerification),
        None => Ok(VisitKind::Routine),
    }
}

/// What happened at the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The household was met.
    Visited,
    /// Nobody was home (e.g. the family works away): an attempt, followed by a phone call.
    AbsentAttempted,
}

impl Outcome {
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Visited => "visited",
            Outcome::AbsentAttempted => "absent_attempted",
        }
    }

    /// As stored: `absent_attempted`, or a visit where the household was met.
    pub fn from_stored(s: &str) -> Self {
        if s == Outcome::AbsentAttempted.as_str() { Outcome::AbsentAttempted } else { Outcome::Visited }
    }
}

/// A named reason a visit needs a reviewer before it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// No photo was submitted.
    NoPhoto,
    /// A photo was taken long before or after the visit time.
    PhotoTimeFar,
    /// A photo was taken far from the household's known location.
    PhotoPlaceFar,
    /// The same or a near-identical photo proves another household's visit.
    PhotoReused,
    /// Reaching this visit from the same visitor's previous one needs an impossible speed.
    ImpossibleTravel,
    /// Entered after the month closed.
    LateEntry,
}

impl Flag {
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::NoPhoto => "no_photo",
            Flag::PhotoTimeFar => "photo_time_far",
            Flag::PhotoPlaceFar => "photo_place_far",
            Flag::PhotoReused => "photo_reused",
            Flag::ImpossibleTravel => "impossible_travel",
            Flag::LateEntry => "late_entry",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::NoPhoto,
            Self::PhotoTimeFar,
            Self::PhotoPlaceFar,
            Self::PhotoReused,
            Self::ImpossibleTravel,
            Self::LateEntry,
        ]
        .into_iter()
        .find(|f| f.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Flag::NoPhoto => "未上传照片",
            Flag::PhotoTimeFar => "照片拍摄时间与走访时间相差过大",
            Flag::PhotoPlaceFar => "照片拍摄位置距农户家过远",
            Flag::PhotoReused => "照片与其他农户的走访照片相同或高度相似",
            Flag::ImpossibleTravel => "与上一次走访之间的路程在该时间内无法到达",
            Flag::LateEntry => "月份关账后补录",
        }
    }
}

/// Thresholds of the proof rules (from configuration).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub max_time_gap_minutes: i64,
    pub max_distance_m: f64,
    pub max_phash_distance: u32,
    pub max_speed_kmh: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self { max_time_gap_minutes: 120, max_distance_m: 300.0, max_phash_distance: 6, max_speed_kmh: 80.0 }
    }
}

/// What is known of one photo: when and where it was taken (EXIF when present, else what the
/// mini-program captured), and whether it (or a near twin) proves another household's visit.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoEvidence {
    pub taken_at: Option<DateTime<Utc>>,
    pub position: Option<Position>,
    /// Reported accuracy of the position (metres): it widens the tolerance.
    pub accuracy_m: Option<f64>,
    pub reused_elsewhere: bool,
}

/// The same visitor's nearest earlier visit, for the travel-speed rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PreviousVisit {
    pub at: DateTime<Utc>,
    pub position: Position,
}

/// Everything the proof rules look at.
#[derive(Debug, Clone)]
pub struct ProofInput<'a> {
    pub visited_at: DateTime<Utc>,
    pub household_position: Option<Position>,
    /// Where the visit itself says it happened.
    pub visit_position: Option<Position>,
    pub photos: &'a [PhotoEvidence],
    pub previous: Option<PreviousVisit>,
    pub late_entry: bool,
}

/// Accuracy counts up to 200 m: a worse fix proves nothing either way.
fn tolerance(t: &Thresholds, accuracy_m: Option<f64>) -> f64 {
    t.max_distance_m + accuracy_m.unwrap_or(0.0).clamp(0.0, 200.0)
}

/// The flags a visit earns. Each rule that trips adds its flag.
pub fn flags(input: &ProofInput<'_>, t: &Thresholds) -> BTreeSet<Flag> {
    let mut out = BTreeSet::new();
    if input.photos.is_empty() {
        out.insert(Flag::NoPhoto);
    }
    for p in input.photos {
        if let Some(taken) = p.taken_at
            && (taken - input.visited_at).num_minutes().abs() > t.max_time_gap_minutes
        {
            out.insert(Flag::PhotoTimeFar);
        }
        if let (Some(at), Some(home)) = (p.position, input.household_position)
            && at.distance_m(home) > tolerance(t, p.accuracy_m)
        {
            out.insert(Flag::PhotoPlaceFar);
        }
        if p.reused_elsewhere {
            out.insert(Flag::PhotoReused);
        }
    }
    let here =
        input.visit_position.or_else(|| input.photos.iter().find_map(|p| p.position)).or(input.household_position);
    if let (Some(prev), Some(here)) = (input.previous, here) {
        let metres = prev.position.distance_m(here);
        let seconds = (input.visited_at - prev.at).num_seconds().abs() as f64;
        // Within the tolerance, two visits are "the same place" whatever the time between them.
        if metres > t.max_distance_m {
            let kmh = if seconds == 0.0 { f64::INFINITY } else { metres / 1000.0 / (seconds / 3600.0) };
            if kmh > t.max_speed_kmh {
                out.insert(Flag::ImpossibleTravel);
            }
        }
    }
    if input.late_entry {
        out.insert(Flag::LateEntry);
    }
    out
}

/// Review state of a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Review {
    /// No flag: counts at once.
    NotNeeded,
    Pending,
    Accepted,
    Rejected,
}

impl Review {
    pub const ALL: [Review; 4] = [Review::NotNeeded, Review::Pending, Review::Accepted, Review::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            Review::NotNeeded => "not_needed",
            Review::Pending => "pending",
            Review::Accepted => "accepted",
            Review::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The state a new visit starts in. A late entry alone is audited, not held for review:
    /// only proof flags hold a visit.
    pub fn initial(flags: &BTreeSet<Flag>) -> Self {
        if flags.iter().any(|f| *f != Flag::LateEntry) { Review::Pending } else { Review::NotNeeded }
    }
}

/// A reviewer's decision on a pending visit; anything else is refused.
pub fn review(current: Review, accept: bool) -> Result<Review, ReviewError> {
    match current {
        Review::Pending => Ok(if accept { Review::Accepted } else { Review::Rejected }),
        Review::NotNeeded => Err(ReviewError::NotFlagged),
        Review::Accepted | Review::Rejected => Err(ReviewError::AlreadyReviewed),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error("the visit has no flag to review")]
    NotFlagged,
    #[error("the visit was already reviewed")]
    AlreadyReviewed,
}

/// Whether a visit counts as a household visited (for coverage and assessment).
pub fn counts_as_visited(outcome: Outcome, review: Review) -> bool {
    outcome == Outcome::Visited && matches!(review, Review::NotNeeded | Review::Accepted)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::geo::Datum;

    #[test]
    fn a_visits_kind_rests_on_the_records_behind_it() {
        let none = KindGrounds::default();
        let task = KindGrounds { open_verification_task: true, ..none };
        let assigned = KindGrounds { assigned_checker: true, ..none };
        assert_eq!(kind_allowed(VisitKind::Routine, none), Ok(()));
        assert_eq!(kind_allowed(VisitKind::AlongTheWay, none), Ok(()));
        assert_eq!(kind_allowed(VisitKind::JointVerification, none), Err(KindRefusal::NoVerificationTask));
        assert_eq!(kind_allowed(VisitKind::JointVerification, task), Err(KindRefusal::NoDepartmentAlong));
        let joint = KindGrounds { task_department: true, ..task };
        assert_eq!(kind_allowed(VisitKind::JointVerification, joint), Ok(()));
        assert_eq!(kind_allowed(VisitKind::CrossCheck, task), Err(KindRefusal::NotAssignedChecker));
        assert_eq!(kind_allowed(VisitKind::CrossCheck, assigned), Ok(()));
        let all = KindGrounds { open_verification_task: true, assigned_checker: true, task_department: true };
        assert_eq!(kind_allowed(VisitKind::Unannounced, all), Err(KindRefusal::UnannouncedThroughLeadersFlow));
    }

    #[test]
    fn where_a_task_exists_the_records_set_the_kind() {
        let none = KindGrounds::default();
        let assigned = KindGrounds { assigned_checker: true, ..none };
        let flagged = KindGrounds { open_verification_task: true, ..none };
        let department = KindGrounds { task_department: true, ..flagged };
        assert_eq!(settle_kind(None, none), Ok(VisitKind::Routine));
        assert_eq!(settle_kind(None, assigned), Ok(VisitKind::CrossCheck));
        // A village cadre's visit to a flagged household does not settle the department's task alone.
        assert_eq!(settle_kind(None, flagged), Ok(VisitKind::Routine));
        assert_eq!(settle_kind(None, department), Ok(VisitKind::JointVerification));
        // What is sent is checked, not replaced.
        assert_eq!(settle_kind(Some(VisitKind::AlongTheWay), assigned), Ok(VisitKind::AlongTheWay));
        assert_eq!(settle_kind(Some(VisitKind::CrossCheck), none), Err(KindRefusal::NotAssignedChecker));
        assert_eq!(settle_kind(Some(VisitKind::JointVerification), flagged), Err(KindRefusal::NoDepartmentAlong));
        assert_eq!(settle_kind(Some(VisitKind::JointVerification), department), Ok(VisitKind::JointVerification));
    }
    use chrono::Duration;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn home() -> Position {
        Position::new(29.3712, 106.3021, Datum::Gcj02).unwrap()
    }

    fn good_photo(t: DateTime<Utc>) -> PhotoEvidence {
        PhotoEvidence { taken_at: Some(t), position: Some(home()), accuracy_m: Some(15.0), reused_elsewhere: false }
    }

    fn input(photos: &[PhotoEvidence]) -> ProofInput<'_> {
        ProofInput {
            visited_at: at("2026-11-10T02:00:00Z"),
            household_position: Some(home()),
            visit_position: None,
            photos,
            previous: None,
            late_entry: false,
        }
    }

    #[test]
    fn a_good_photo_at_the_house_earns_no_flag_and_counts_at_once() {
        let photos = [good_photo(at("2026-11-10T02:05:00Z"))];
        let f = flags(&input(&photos), &Thresholds::default());
        assert!(f.is_empty(), "{f:?}");
        assert_eq!(Review::initial(&f), Review::NotNeeded);
        assert!(counts_as_visited(Outcome::Visited, Review::initial(&f)));
    }

    #[test]
    fn no_photo_is_flagged() {
        assert_eq!(flags(&input(&[]), &Thresholds::default()), BTreeSet::from([Flag::NoPhoto]));
    }

    #[test]
    fn a_photo_taken_hours_away_from_the_visit_is_flagged_at_the_threshold() {
        let t = Thresholds::default();
        let visit = at("2026-11-10T02:00:00Z");
        let just = [good_photo(visit + Duration::minutes(120))];
        assert!(flags(&input(&just), &t).is_empty());
        let over = [good_photo(visit - Duration::minutes(121))];
        assert_eq!(flags(&input(&over), &t), BTreeSet::from([Flag::PhotoTimeFar]));
    }

    #[test]
    fn a_photo_far_from_the_house_is_flagged_and_accuracy_widens_the_tolerance() {
        let t = Thresholds::default();
        // ~440 m north of the house.
        let far = Position::new(home().lat + 0.004, home().lng, Datum::Gcj02).unwrap();
        let mut p = good_photo(at("2026-11-10T02:00:00Z"));
        p.position = Some(far);
        p.accuracy_m = Some(10.0);
        assert_eq!(flags(&input(std::slice::from_ref(&p)), &t), BTreeSet::from([Flag::PhotoPlaceFar]));
        p.accuracy_m = Some(180.0);
        assert!(flags(&input(&[p]), &t).is_empty());
    }

    #[test]
    fn a_gps_photo_at_the_house_given_in_gcj02_is_not_far() {
        // EXIF gives WGS-84; the household was mapped in GCJ-02. Same place.
        let (lat, lng) = crate::geo::gcj02_to_wgs84(home().lat, home().lng);
        let mut p = good_photo(at("2026-11-10T02:00:00Z"));
        p.position = Some(Position::new(lat, lng, Datum::Wgs84).unwrap());
        assert!(flags(&input(&[p]), &Thresholds::default()).is_empty());
    }

    #[test]
    fn a_reused_photo_is_flagged() {
        let mut p = good_photo(at("2026-11-10T02:00:00Z"));
        p.reused_elsewhere = true;
        assert_eq!(flags(&input(&[p]), &Thresholds::default()), BTreeSet::from([Flag::PhotoReused]));
    }

    #[test]
    fn consecutive_visits_needing_an_impossible_speed_are_flagged() {
        let t = Thresholds::default();
        let photos = [good_photo(at("2026-11-10T02:00:00Z"))];
        // 20 km away ten minutes earlier: 120 km/h.
        let prev = PreviousVisit {
            at: at("2026-11-10T01:50:00Z"),
            position: Position::new(29.55, 106.30, Datum::Gcj02).unwrap(),
        };
        let mut i = input(&photos);
        i.previous = Some(prev);
        assert_eq!(flags(&i, &t), BTreeSet::from([Flag::ImpossibleTravel]));
        // The same 20 km an hour earlier: 20 km/h, fine.
        i.previous = Some(PreviousVisit { at: at("2026-11-10T01:00:00Z"), ..prev });
        assert!(flags(&i, &t).is_empty());
        // Next door at the same minute: fine.
        i.previous = Some(PreviousVisit { at: at("2026-11-10T02:00:00Z"), position: home() });
        assert!(flags(&i, &t).is_empty());
    }

    #[test]
    fn a_late_entry_is_marked_but_not_held_for_review() {
        let photos = [good_photo(at("2026-11-10T02:00:00Z"))];
        let mut i = input(&photos);
        i.late_entry = true;
        let f = flags(&i, &Thresholds::default());
        assert_eq!(f, BTreeSet::from([Flag::LateEntry]));
        assert_eq!(Review::initial(&f), Review::NotNeeded);
    }

    #[test]
    fn a_flagged_visit_counts_only_once_accepted() {
        let f = BTreeSet::from([Flag::PhotoReused]);
        let r = Review::initial(&f);
        assert!(!counts_as_visited(Outcome::Visited, r));
        assert!(counts_as_visited(Outcome::Visited, review(r, true).unwrap()));
        assert!(!counts_as_visited(Outcome::Visited, review(r, false).unwrap()));
        assert_eq!(review(Review::Accepted, false), Err(ReviewError::AlreadyReviewed));
        assert_eq!(review(Review::NotNeeded, true), Err(ReviewError::NotFlagged));
        assert!(!counts_as_visited(Outcome::AbsentAttempted, Review::NotNeeded));
    }
}
