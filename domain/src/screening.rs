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
    pub const ALL: [Finding; 4] =
        [Finding::LargeMedicalExpense, Finding::DangerousHousing, Finding::Dropout, Finding::DrinkingWater];

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

/// What a department owes the mechanism.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentDuties {
    /// Files monthly archive materials. The office that runs the mechanism and the Discipline
    /// Commission receive materials; they do not file to themselves.
    pub owes_archives: bool,
    /// The findings that are the department's own; empty when not configured (any is taken).
    pub findings: Vec<Finding>,
}

impl DepartmentDuties {
    /// The notice's defaults for a department of this name: the health office reports medical
    /// expenses, the planning office housing, the schools drop-outs, the agricultural service
    /// centre drinking water; the RRO and the Commission file no materials.
    pub fn default_for(name: &str) -> Self {
        let owes_archives = !matches!(name, "乡村振兴办" | "镇纪委");
        let findings = if name.contains("卫健") || name.contains("卫生") || name.contains("医保") {
            vec![Finding::LargeMedicalExpense]
        } else if name.contains("规建") || name.contains("住建") {
            vec![Finding::DangerousHousing]
        } else if name.contains("学") || name.contains("教育") {
            vec![Finding::Dropout]
        } else if name.contains("农业") || name.contains("水务") {
            vec![Finding::DrinkingWater]
        } else {
            vec![]
        };
        Self { owes_archives, findings }
    }

    /// Whether the department may report `f`: one of its own, or any while none are configured.
    pub fn reports(&self, f: Finding) -> bool {
        self.findings.is_empty() || self.findings.contains(&f)
    }

    /// The findings as stored: comma-separated names.
    pub fn findings_text(&self) -> String {
        self.findings.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(",")
    }

    /// The stored text back; an unknown name is an error, never skipped.
    pub fn parse_findings(text: &str) -> Result<Vec<Finding>, String> {
        text.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Finding::parse(s).ok_or_else(|| s.to_owned()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_department_reports_its_own_findings_and_the_office_files_no_materials() {
        let health = DepartmentDuties::default_for("卫健办");
        assert!(health.reports(Finding::LargeMedicalExpense));
        assert!(!health.reports(Finding::DangerousHousing), "not the health office's field");
        let civil = DepartmentDuties::default_for("民政办");
        assert!(civil.reports(Finding::Dropout), "not configured: any");
        assert!(civil.owes_archives);
        assert!(!DepartmentDuties::default_for("乡村振兴办").owes_archives);
        assert!(!DepartmentDuties::default_for("镇纪委").owes_archives);
        assert_eq!(DepartmentDuties::parse_findings(&health.findings_text()), Ok(health.findings.clone()));
        assert_eq!(DepartmentDuties::parse_findings("dropout, weird"), Err("weird".to_owned()));
        assert_eq!(DepartmentDuties::parse_findings(""), Ok(vec![]));
    }

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
