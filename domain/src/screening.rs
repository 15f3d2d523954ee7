//! Department data screening (部门数据筛查, SPEC §5): what a department's systems flag.

use serde::{Deserialize, Serialize};

use crate::problem::Category;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// 大额医疗自费支出
    LargeMedicalExpense,
    /// 农村危房
    DangerousHousing,
    /// 失学辍学
    Dropout,
    /// 饮水安全
    DrinkingWater,
}

impl Finding {
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::LargeMedicalExpense => "large_medical_expense",
            Finding::DangerousHousing => "dangerous_housing",
            Finding::Dropout => "dropout",
            Finding::DrinkingWater => "drinking_water",
        }
    }

    /// The label departments write in their sheets.
    pub fn label_zh(self) -> &'static str {
        match self {
            Finding::LargeMedicalExpense => "大额医疗自费",
            Finding::DangerousHousing => "农村危房",
            Finding::Dropout => "失学辍学",
            Finding::DrinkingWater => "饮水安全",
        }
    }

    /// The machine name or the label departments write in their sheets.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "large_medical_expense" | "大额医疗自费" | "大额医疗自费支出" | "大额医疗" => {
                Some(Finding::LargeMedicalExpense)
            }
            "dangerous_housing" | "农村危房" | "危房" => Some(Finding::DangerousHousing),
            "dropout" | "失学辍学" | "辍学" | "失学" => Some(Finding::Dropout),
            "drinking_water" | "饮水安全" | "饮水" => Some(Finding::DrinkingWater),
            _ => None,
        }
    }

    /// The problem category a confirmed finding becomes.
    pub fn category(self) -> Category {
        match self {
            Finding::LargeMedicalExpense => Category::Medical,
            Finding::DangerousHousing => Category::Housing,
            Finding::Dropout => Category::Education,
            Finding::DrinkingWater => Category::DrinkingWater,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_findings_label_reads_back_as_itself() {
        for f in [Finding::LargeMedicalExpense, Finding::DangerousHousing, Finding::Dropout, Finding::DrinkingWater] {
            assert_eq!(Finding::parse(f.label_zh()), Some(f));
            assert_eq!(Finding::parse(f.as_str()), Some(f));
        }
    }

    #[test]
    fn findings_parse_from_the_labels_departments_use() {
        assert_eq!(Finding::parse("农村危房"), Some(Finding::DangerousHousing));
        assert_eq!(Finding::parse(" 大额医疗自费支出 "), Some(Finding::LargeMedicalExpense));
        assert_eq!(Finding::parse("dropout"), Some(Finding::Dropout));
        assert_eq!(Finding::parse("其他"), None);
        assert_eq!(Finding::DrinkingWater.category(), Category::DrinkingWater);
    }
}
