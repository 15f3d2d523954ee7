//! Households and their tags (SPEC §3): which are visited, which carry a risk status.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A household tag; a household may carry several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tag {
    Alleviated,
    MonitoredUnstable,
    MonitoredEdge,
    MonitoredSudden,
    Subsistence,
    ExtremePoverty,
    Disabled,
    General,
}

impl Tag {
    pub const ALL: [Tag; 8] = [
        Tag::Alleviated,
        Tag::MonitoredUnstable,
        Tag::MonitoredEdge,
        Tag::MonitoredSudden,
        Tag::Subsistence,
        Tag::ExtremePoverty,
        Tag::Disabled,
        Tag::General,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Tag::Alleviated => "alleviated",
            Tag::MonitoredUnstable => "monitored_unstable",
            Tag::MonitoredEdge => "monitored_edge",
            Tag::MonitoredSudden => "monitored_sudden",
            Tag::Subsistence => "subsistence",
            Tag::ExtremePoverty => "extreme_poverty",
            Tag::Disabled => "disabled",
            Tag::General => "general",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Tag::Alleviated => "脱贫户",
            Tag::MonitoredUnstable => "脱贫不稳定户",
            Tag::MonitoredEdge => "边缘易致贫户",
            Tag::MonitoredSudden => "突发严重困难户",
            Tag::Subsistence => "低保户",
            Tag::ExtremePoverty => "特困户",
            Tag::Disabled => "残疾户",
            Tag::General => "一般户",
        }
    }

    /// Parses the machine name or the Chinese label (rosters are filled in Chinese). A bare
    /// "监测户" names no type: which of the three kinds of monitored household it is decides its
    /// measures, so it is asked for ([`Tag::parse_label`]), never guessed.
    pub fn parse_any(s: &str) -> Option<Tag> {
        Tag::parse_label(s).ok()
    }

    /// As [`Tag::parse_any`], saying why a label is not a tag.
    pub fn parse_label(s: &str) -> Result<Tag, TagError> {
        let s = s.trim();
        if let Some(t) = Tag::ALL.into_iter().find(|t| t.as_str() == s || t.label_zh() == s) {
            return Ok(t);
        }
        match s {
            "脱贫不稳定" => Ok(Tag::MonitoredUnstable),
            "边缘户" | "边缘易致贫" => Ok(Tag::MonitoredEdge),
            "突发困难户" | "突发严重困难" => Ok(Tag::MonitoredSudden),
            "监测户" | "监测对象" | "防返贫监测户" => Err(TagError::SubtypeNeeded),
            _ => Err(TagError::Unknown),
        }
    }

    pub fn is_monitored(self) -> bool {
        matches!(self, Tag::MonitoredUnstable | Tag::MonitoredEdge | Tag::MonitoredSudden)
    }

    /// Target households are visited every quarter; general households only when met (SPEC §4).
    pub fn is_target(self) -> bool {
        self != Tag::General
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Tag {
    type Err = TagError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Tag::parse_any(s).ok_or(TagError::Unknown)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    #[error("unknown tag")]
    Unknown,
    #[error("a monitored household's type is needed")]
    SubtypeNeeded,
    #[error("a household needs at least one tag")]
    Empty,
    #[error("`general` is for households met along the way and cannot be combined with other tags")]
    GeneralCombined,
}

impl TagError {
    pub fn message_zh(self) -> &'static str {
        match self {
            TagError::Unknown => "户类型不正确",
            TagError::SubtypeNeeded => "“监测户”请注明类型：脱贫不稳定户、边缘易致贫户或突发严重困难户",
            TagError::Empty => "至少选择一个户类型",
            TagError::GeneralCombined => "一般户不能与其他户类型同时选择",
        }
    }
}

/// A validated, non-empty set of tags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Tag>", into = "Vec<Tag>")]
pub struct TagSet(BTreeSet<Tag>);

impl TagSet {
    pub fn new(tags: impl IntoIterator<Item = Tag>) -> Result<Self, TagError> {
        let set: BTreeSet<Tag> = tags.into_iter().collect();
        if set.is_empty() {
            return Err(TagError::Empty);
        }
        if set.contains(&Tag::General) && set.len() > 1 {
            return Err(TagError::GeneralCombined);
        }
        Ok(Self(set))
    }

    pub fn iter(&self) -> impl Iterator<Item = Tag> + '_ {
        self.0.iter().copied()
    }

    pub fn contains(&self, tag: Tag) -> bool {
        self.0.contains(&tag)
    }

    /// Visited every quarter (SPEC §4).
    pub fn is_target(&self) -> bool {
        self.0.iter().any(|t| t.is_target())
    }

    pub fn is_monitored(&self) -> bool {
        self.0.iter().any(|t| t.is_monitored())
    }
}

impl TryFrom<Vec<Tag>> for TagSet {
    type Error = TagError;
    fn try_from(v: Vec<Tag>) -> Result<Self, Self::Error> {
        TagSet::new(v)
    }
}

impl From<TagSet> for Vec<Tag> {
    fn from(t: TagSet) -> Self {
        t.0.into_iter().collect()
    }
}

/// Risk status of a monitored household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskStatus {
    AtRisk,
    Eliminated,
}

impl RiskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskStatus::AtRisk => "at_risk",
            RiskStatus::Eliminated => "eliminated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "at_risk" | "未消除" | "风险未消除" => Some(Self::AtRisk),
            "eliminated" | "已消除" | "风险消除" => Some(Self::Eliminated),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RiskError {
    #[error("only monitored households carry a risk status")]
    NotMonitored,
    #[error("a monitored household needs a risk status")]
    Missing,
    #[error("an eliminated risk needs the date it was eliminated, and only then")]
    EliminatedDate,
    #[error("the risk cannot be eliminated in the future")]
    FutureDate,
}

impl RiskError {
    pub fn message_zh(self) -> &'static str {
        match self {
            RiskError::NotMonitored => "只有监测户才有风险状态",
            RiskError::Missing => "监测户需填写风险状态",
            RiskError::EliminatedDate => "风险消除需填写消除日期（且仅在消除时填写）",
            RiskError::FutureDate => "风险消除日期不能晚于今天",
        }
    }
}

/// Checks the risk fields against the tags: monitored households carry a status; an eliminated risk
/// carries its date, not in the future.
pub fn check_risk(
    tags: &TagSet,
    status: Option<RiskStatus>,
    eliminated_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), RiskError> {
    match (tags.is_monitored(), status) {
        (false, Some(_)) => Err(RiskError::NotMonitored),
        (false, None) if eliminated_on.is_some() => Err(RiskError::EliminatedDate),
        (false, None) => Ok(()),
        (true, None) => Err(RiskError::Missing),
        (true, Some(RiskStatus::AtRisk)) if eliminated_on.is_some() => Err(RiskError::EliminatedDate),
        (true, Some(RiskStatus::AtRisk)) => Ok(()),
        (true, Some(RiskStatus::Eliminated)) => match eliminated_on {
            None => Err(RiskError::EliminatedDate),
            Some(d) if d > today => Err(RiskError::FutureDate),
            Some(_) => Ok(()),
        },
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn every_tag_but_general_is_a_target() {
        let targets: Vec<Tag> = Tag::ALL.into_iter().filter(|t| t.is_target()).collect();
        assert_eq!(targets.len(), 7);
        assert!(!TagSet::new([Tag::General]).unwrap().is_target());
        assert!(TagSet::new([Tag::Alleviated, Tag::Disabled]).unwrap().is_target());
    }

    #[test]
    fn a_household_may_carry_several_tags_but_not_general_with_others() {
        assert!(TagSet::new([Tag::Alleviated, Tag::Subsistence, Tag::Disabled]).is_ok());
        assert_eq!(TagSet::new([Tag::General, Tag::Disabled]), Err(TagError::GeneralCombined));
        assert_eq!(TagSet::new([]), Err(TagError::Empty));
    }

    #[test]
    fn tags_parse_from_chinese_labels() {
        assert_eq!(Tag::parse_any("低保户"), Some(Tag::Subsistence));
        assert_eq!(Tag::parse_any(" 边缘易致贫户 "), Some(Tag::MonitoredEdge));
        assert_eq!(Tag::parse_any("extreme_poverty"), Some(Tag::ExtremePoverty));
        assert_eq!(Tag::parse_any("富裕户"), None);
    }

    #[test]
    fn a_bare_monitored_label_asks_for_its_type() {
        assert_eq!(Tag::parse_label("监测户"), Err(TagError::SubtypeNeeded));
        assert!(TagError::SubtypeNeeded.message_zh().contains("边缘易致贫户"));
        assert_eq!(Tag::parse_label("脱贫不稳定户"), Ok(Tag::MonitoredUnstable));
        assert_eq!(Tag::parse_label("富裕户"), Err(TagError::Unknown));
    }

    #[test]
    fn risk_status_belongs_to_monitored_households_only() {
        let today = d(2026, 11, 28);
        let monitored = TagSet::new([Tag::MonitoredEdge]).unwrap();
        let plain = TagSet::new([Tag::Alleviated]).unwrap();
        assert_eq!(check_risk(&plain, Some(RiskStatus::AtRisk), None, today), Err(RiskError::NotMonitored));
        assert_eq!(check_risk(&plain, None, None, today), Ok(()));
        assert_eq!(check_risk(&monitored, None, None, today), Err(RiskError::Missing));
        assert_eq!(check_risk(&monitored, Some(RiskStatus::AtRisk), None, today), Ok(()));
        assert_eq!(check_risk(&monitored, Some(RiskStatus::Eliminated), None, today), Err(RiskError::EliminatedDate));
        assert_eq!(check_risk(&monitored, Some(RiskStatus::Eliminated), Some(today), today), Ok(()));
        assert_eq!(
            check_risk(&monitored, Some(RiskStatus::Eliminated), Some(d(2026, 11, 29)), today),
            Err(RiskError::FutureDate)
        );
    }
}
