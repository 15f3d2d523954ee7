//! Problems found in the work (SPEC §5): where they come from and what they concern.
//! The full lifecycle (assignment, deadlines, escalation) builds on these.

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
}

/// Where a problem stands. Fixed on the spot closes at once; an open one goes on the village's
/// monthly list (the assignment, deadline and verification states come with the ledger).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    FixedOnSpot,
    Open,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::FixedOnSpot => "fixed_on_spot",
            Status::Open => "open",
        }
    }

    /// A problem fixed on the spot must carry evidence (SPEC §5.1).
    pub fn initial(fixed_on_spot: bool, evidence_count: usize) -> Result<Self, NeedsEvidence> {
        match (fixed_on_spot, evidence_count) {
            (true, 0) => Err(NeedsEvidence),
            (true, _) => Ok(Status::FixedOnSpot),
            (false, _) => Ok(Status::Open),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a problem fixed on the spot needs a photo as evidence")]
pub struct NeedsEvidence;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::visit::VisitKind;

    #[test]
    fn a_problem_fixed_on_the_spot_needs_evidence() {
        assert_eq!(Status::initial(true, 0), Err(NeedsEvidence));
        assert_eq!(Status::initial(true, 1), Ok(Status::FixedOnSpot));
        assert_eq!(Status::initial(false, 0), Ok(Status::Open));
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
