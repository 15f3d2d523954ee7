//! Reading a town's household roster from xlsx or csv (UTF-8, or GBK as Excel saves it in China).
//!
//! Columns are found by their header (Chinese or English, any order); see the README for the list.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Village,
    Group,
    HeadName,
    IdNumber,
    Phones,
    Tags,
    MemberCount,
    Address,
    Latitude,
    Longitude,
    Datum,
    RiskStatus,
    RiskEliminatedOn,
    Notes,
}

impl Column {
    pub const REQUIRED: [Column; 5] =
        [Column::Village, Column::HeadName, Column::IdNumber, Column::Tags, Column::MemberCount];

    /// Header names accepted for each column (the first is the canonical Chinese one).
    pub fn names(self) -> &'static [&'static str] {
        match self {
            Column::Village => &["村", "村（社区）", "村社区", "village"],
            Column::Group => &["社", "村民小组", "组", "group"],
            Column::HeadName => &["户主姓名", "户主", "姓名", "head_name"],
            Column::IdNumber => &["身份证号", "身份证号码", "户主身份证号", "id_number"],
            Column::Phones => &["联系电话", "电话", "手机号", "phones"],
            Column::Tags => &["户类型", "户属性", "类别", "tags"],
            Column::MemberCount => &["家庭人口", "人口数", "家庭人数", "member_count"],
            Column::Address => &["住址", "家庭住址", "地址", "address"],
            Column::Latitude => &["纬度", "latitude"],
            Column::Longitude => &["经度", "longitude"],
            Column::Datum => &["坐标系", "datum"],
            Column::RiskStatus => &["风险状态", "risk_status"],
            Column::RiskEliminatedOn => &["风险消除日期", "消除日期", "risk_eliminated_on"],
            Column::Notes => &["备注", "notes"],
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Column::Village => "village",
            Column::Group => "group",
            Column::HeadName => "head_name",
            Column::IdNumber => "id_number",
            Column::Phones => "phones",
            Column::Tags => "tags",
            Column::MemberCount => "member_count",
            Column::Address => "address",
            Column::Latitude => "latitude",
            Column::Longitude => "longitude",
            Column::Datum => "datum",
            Column::RiskStatus => "risk_status",
            Column::RiskEliminatedOn => "risk_eliminated_on",
            Column::Notes => "notes",
        }
    }

    const ALL: [Column; 14] = [
        Column::Village,
        Column::Group,
        Column::HeadName,
        Column::IdNumber,
        Column::Phones,
        Column::Tags,
        Column::MemberCount,
        Column::Address,
        Column::Latitude,
        Column::Longitude,
        Column::Datum,
        Column::RiskStatus,
        Column::RiskEliminatedOn,
        Column::Notes,
    ];

    fn find(header: &str) -> Option<Column> {
        let h: String = header.chars().filter(|c| !c.is_whitespace() && *c != '*').collect::<String>().to_lowercase();
        Column::ALL.into_iter().find(|c| c.names().contains(&h.as_str()))
    }
}

/// One data row: its spreadsheet row number (the header is row 1) and its cells by column.
#[derive(Debug, Clone)]
pub struct Row {
    pub number: usize,
    pub cells: HashMap<Column, String>,
}

impl Row {
    pub fn get(&self, c: Column) -> &str {
        self.cells.get(&c).map_or("", String::as_str)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterError {
    #[error("the file is neither an xlsx workbook nor a readable csv")]
    Unreadable,
    #[error("the file has no header row")]
    Empty,
    #[error("required columns are missing: {0:?}")]
    MissingColumns(Vec<&'static str>),
}

/// Reads the first sheet of an xlsx file, or a csv file, as rows of cells (the header included).
pub fn read_table(bytes: &[u8]) -> Result<Vec<Vec<String>>, RosterError> {
    if bytes.starts_with(b"PK\x03\x04") { read_xlsx(bytes) } else { read_csv(bytes) }
}

/// Reads the first sheet of an xlsx file, or a csv file, into rows.
pub fn read(bytes: &[u8]) -> Result<Vec<Row>, RosterError> {
    let table = read_table(bytes)?;
    let mut lines = table.into_iter();
    let header = lines.next().ok_or(RosterError::Empty)?;
    let columns: Vec<Option<Column>> = header.iter().map(|h| Column::find(h)).collect();
    let missing: Vec<&'static str> =
        Column::REQUIRED.into_iter().filter(|c| !columns.contains(&Some(*c))).map(|c| c.names()[0]).collect();
    if !missing.is_empty() {
        return Err(RosterError::MissingColumns(missing));
    }
    Ok(lines
        .enumerate()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .map(|(i, cells)| Row {
            number: i + 2,
            cells: columns.iter().zip(cells).filter_map(|(c, v)| Some((((*c)?), v.trim().to_owned()))).collect(),
        })
        .collect())
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        // Whole numbers typed into cells (member counts) must not read "3.0".
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::DateTime(dt) => excel_serial_to_date(dt.as_f64()).map(|d| d.to_string()).unwrap_or_default(),
        other => other.to_string(),
    }
}

fn excel_serial_to_date(serial: f64) -> Option<chrono::NaiveDate> {
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?;
    base.checked_add_signed(chrono::Duration::days(serial.floor() as i64))
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, RosterError> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| RosterError::Unreadable)?;
    let range = wb.worksheet_range_at(0).ok_or(RosterError::Empty)?.map_err(|_| RosterError::Unreadable)?;
    Ok(range.rows().map(|r| r.iter().map(cell_text).collect()).collect())
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, RosterError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_owned(),
        Err(_) => {
            let (t, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            if had_errors {
                return Err(RosterError::Unreadable);
            }
            t.into_owned()
        }
    };
    if text.contains('\0') {
        return Err(RosterError::Unreadable);
    }
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.map(|rec| rec.iter().map(str::to_owned).collect()).map_err(|_| RosterError::Unreadable))
        .collect()
}

/// Splits a multi-valued cell ("脱贫户、低保户", "138…; 023-…").
pub fn split_list(cell: &str) -> Vec<String> {
    cell.split(['、', ',', '，', ';', '；', '/', '|', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn a_csv_with_chinese_headers_in_any_order_reads() {
        let csv = "身份证号,户主姓名,村,户类型,家庭人口\n11010519491231002X,张三,红光村,脱贫户、低保户,3\n,,,,\n";
        let rows = read(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].number, 2);
        assert_eq!(rows[0].get(Column::HeadName), "张三");
        assert_eq!(split_list(rows[0].get(Column::Tags)), ["脱贫户", "低保户"]);
    }

    #[test]
    fn a_gbk_csv_from_excel_reads() {
        let (bytes, _, _) = encoding_rs::GBK.encode("村,户主姓名,身份证号,户类型,家庭人口\n红光村,李四,x,脱贫户,2\n");
        let rows = read(&bytes).unwrap();
        assert_eq!(rows[0].get(Column::Village), "红光村");
    }

    #[test]
    fn missing_required_columns_are_named() {
        let err = read("村,户主姓名\n红光村,张三\n".as_bytes()).unwrap_err();
        assert_eq!(err, RosterError::MissingColumns(vec!["身份证号", "户类型", "家庭人口"]));
    }
}
