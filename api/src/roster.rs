//! Reading a town's household roster from xlsx or csv (UTF-8, or GBK as Excel saves it in China).
//!
//! Columns are found by their header (Chinese or English, any order); see the README for the list.

use std::collections::HashMap;
use std::io::{Cursor, Read};

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
            Column::Group => {
                &["社", "组", "社/组", "组/社", "社（组）", "社(组)", "村民小组", "所在社", "社名", "group"]
            }
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

    /// Every column by its canonical header: "村、社、户主姓名、…".
    pub fn all_headers_zh() -> String {
        Column::ALL.iter().map(|c| c.names()[0]).collect::<Vec<_>>().join("、")
    }

    /// The header names accepted for the column, for a message: "村、村（社区）、村社区、village".
    pub fn accepted_zh(self) -> String {
        self.names().join("、")
    }

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
    /// Headers that name no column the roster knows: refused rather than dropped, since a column
    /// ignored is data lost without a word (a 社 column under another name left every household
    /// without its group).
    #[error("columns the roster does not know: {0:?}")]
    UnknownColumns(Vec<String>),
    /// The file is larger than a roster can be, in the way named: it is refused before it is read.
    #[error("the spreadsheet exceeds a bound: {0}")]
    TooLarge(Bound),
}

/// What a spreadsheet may not exceed. A roster of a district is tens of thousands of rows of a
/// dozen columns; anything far beyond is a mistake or an attack, and is refused before it is
/// parsed: an xlsx is a zip of XML, so a few kilobytes can declare billions of cells or inflate
/// to gigabytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub rows: usize,
    pub columns: usize,
    /// Uncompressed bytes of every part of the workbook together.
    pub inflated_bytes: u64,
    /// How many times larger than its compressed size a part may inflate (past the first MiB).
    pub ratio: u64,
    pub zip_entries: usize,
}

impl Limits {
    pub const ROSTER: Limits =
        Limits { rows: 50_000, columns: 64, inflated_bytes: 64 << 20, ratio: 100, zip_entries: 256 };
    /// A department's month of findings for one town is tens of rows, hundreds at most; a file of
    /// thousands is not a screening but a sweep of ID numbers, and is refused whole.
    pub const SCREENING: Limits = Limits { rows: 5_000, ..Limits::ROSTER };
}

/// Which bound a file exceeds, with its figure, for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Rows(usize),
    Columns(usize),
    InflatedBytes(u64),
    Ratio(u64),
    Entries(usize),
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bound::Rows(n) => write!(f, "more than {n} rows"),
            Bound::Columns(n) => write!(f, "more than {n} columns"),
            Bound::InflatedBytes(n) => write!(f, "more than {n} bytes uncompressed"),
            Bound::Ratio(n) => write!(f, "a part compressed more than {n} to 1"),
            Bound::Entries(n) => write!(f, "more than {n} parts"),
        }
    }
}

impl Bound {
    /// What a clerk reads: the bound in words, and what to do.
    pub fn message_zh(self) -> String {
        match self {
            Bound::Rows(n) => format!("表格行数过多（最多{n}行），请分批上传"),
            Bound::Columns(n) => format!("表格列数过多（最多{n}列），请删去多余的列"),
            Bound::InflatedBytes(n) => format!("表格内容过大（解压后最多{}MB），请分批上传", n >> 20),
            Bound::Ratio(_) | Bound::Entries(_) => "表格文件结构异常，请用 Excel 另存为 xlsx 后重新上传".to_owned(),
        }
    }
}

/// A spreadsheet past one of its bounds, as the answer says it: 413 with the bound in words.
pub fn too_large(bound: Bound) -> crate::error::ApiError {
    crate::error::ApiError::problem(
        actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
        "spreadsheet_too_large",
        bound.message_zh(),
        format!("the spreadsheet has {bound}"),
    )
}

/// Reads the first sheet of an xlsx file, or a csv file, as rows of cells (the header included).
pub fn read_table(bytes: &[u8]) -> Result<Vec<Vec<String>>, RosterError> {
    read_table_within(bytes, Limits::ROSTER)
}

pub fn read_table_within(bytes: &[u8], limits: Limits) -> Result<Vec<Vec<String>>, RosterError> {
    if bytes.starts_with(b"PK\x03\x04") { read_xlsx(bytes, limits) } else { read_csv(bytes, limits) }
}

/// At most this many spreadsheets are parsed at once, each on a blocking thread: parsing is pure
/// CPU, and a burst of uploads must neither stall the async workers nor take every core.
static PARSING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// [`read_table`] off the async workers, at most two at a time.
pub async fn read_table_off_thread(
    bytes: Vec<u8>,
    limits: Limits,
) -> anyhow::Result<Result<Vec<Vec<String>>, RosterError>> {
    let _permit = PARSING.acquire().await?;
    Ok(tokio::task::spawn_blocking(move || read_table_within(&bytes, limits)).await?)
}

/// [`read`] off the async workers, at most two at a time.
pub async fn read_off_thread(bytes: Vec<u8>) -> anyhow::Result<Result<Vec<Row>, RosterError>> {
    let _permit = PARSING.acquire().await?;
    Ok(tokio::task::spawn_blocking(move || read(&bytes)).await?)
}

/// Reads the first sheet of an xlsx file, or a csv file, into rows.
/// A row-number column (every office's sheet starts with one): known, and not data.
const ROW_NUMBER_HEADERS: [&str; 3] = ["序号", "编号", "No."];

pub fn read(bytes: &[u8]) -> Result<Vec<Row>, RosterError> {
    let table = read_table(bytes)?;
    let mut lines = table.into_iter();
    let header = lines.next().ok_or(RosterError::Empty)?;
    let columns: Vec<Option<Column>> = header.iter().map(|h| Column::find(h)).collect();
    let unknown: Vec<String> = header
        .iter()
        .zip(&columns)
        .filter(|(h, c)| c.is_none() && !h.trim().is_empty() && !ROW_NUMBER_HEADERS.contains(&h.trim()))
        .map(|(h, _)| h.trim().chars().take(40).collect())
        .collect();
    if !unknown.is_empty() {
        return Err(RosterError::UnknownColumns(unknown));
    }
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
        // Past 15 digits a number has lost digits (an ID number in a number-formatted column):
        // written as the spreadsheet shows it, so that the reader can say what happened.
        Data::Float(f) if f.abs() >= 1e15 => format!("{f:E}"),
        Data::DateTime(dt) => excel_serial_to_date(dt.as_f64()).map(|d| d.to_string()).unwrap_or_default(),
        other => other.to_string(),
    }
}

fn excel_serial_to_date(serial: f64) -> Option<chrono::NaiveDate> {
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?;
    base.checked_add_signed(chrono::Duration::days(serial.floor() as i64))
}

/// Inflates every part of the zip once, counting, before the workbook is opened: the sizes a zip
/// declares may lie, what comes out of the decompressor does not.
fn check_zip(bytes: &[u8], limits: Limits) -> Result<(), RosterError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| RosterError::Unreadable)?;
    if zip.len() > limits.zip_entries {
        return Err(RosterError::TooLarge(Bound::Entries(limits.zip_entries)));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|_| RosterError::Unreadable)?;
        let compressed = part.compressed_size().max(1);
        let allowed = (limits.inflated_bytes - total).min(compressed.saturating_mul(limits.ratio).max(1 << 20));
        let inflated = std::io::copy(&mut (&mut part).take(allowed + 1), &mut std::io::sink())
            .map_err(|_| RosterError::Unreadable)?;
        if inflated > allowed {
            return Err(RosterError::TooLarge(if total + inflated > limits.inflated_bytes {
                Bound::InflatedBytes(limits.inflated_bytes)
            } else {
                Bound::Ratio(limits.ratio)
            }));
        }
        total += inflated;
    }
    Ok(())
}

/// The cells of the first sheet, read one by one: the declared dimension and every cell's position
/// are checked against the limits before anything is allocated for them.
fn read_xlsx(bytes: &[u8], limits: Limits) -> Result<Vec<Vec<String>>, RosterError> {
    check_zip(bytes, limits)?;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| RosterError::Unreadable)?;
    let first = wb.sheet_names().first().cloned().ok_or(RosterError::Empty)?;
    let mut cells = wb.worksheet_cells_reader(&first).map_err(|_| RosterError::Unreadable)?;
    let declared = cells.dimensions();
    let within = |row: u32, col: u32| -> Result<(), RosterError> {
        if row as usize > limits.rows {
            return Err(RosterError::TooLarge(Bound::Rows(limits.rows)));
        }
        if col as usize >= limits.columns {
            return Err(RosterError::TooLarge(Bound::Columns(limits.columns)));
        }
        Ok(())
    };
    within(declared.end.0, declared.end.1)?;
    let mut table: Vec<Vec<String>> = Vec::new();
    while let Some(cell) = cells.next_cell().map_err(|_| RosterError::Unreadable)? {
        let (row, col) = cell.get_position();
        within(row, col)?;
        let text = cell_text(&Data::from(cell.get_value().clone()));
        if text.is_empty() {
            continue;
        }
        let (row, col) = (row as usize, col as usize);
        if table.len() <= row {
            table.resize_with(row + 1, Vec::new);
        }
        let line = &mut table[row];
        if line.len() <= col {
            line.resize(col + 1, String::new());
        }
        line[col] = text;
    }
    // As a range would: from the first row and the first column that hold anything.
    let first_row = table.iter().position(|l| !l.is_empty()).unwrap_or(table.len());
    table.drain(..first_row);
    let first_col = table.iter().filter_map(|l| l.iter().position(|c| !c.is_empty())).min().unwrap_or(0);
    let width = table.iter().map(Vec::len).max().unwrap_or(0);
    for line in &mut table {
        line.resize(width, String::new());
        line.drain(..first_col);
    }
    Ok(table)
}

fn read_csv(bytes: &[u8], limits: Limits) -> Result<Vec<Vec<String>>, RosterError> {
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
    let mut table = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|_| RosterError::Unreadable)?;
        if table.len() > limits.rows {
            return Err(RosterError::TooLarge(Bound::Rows(limits.rows)));
        }
        if record.len() > limits.columns {
            return Err(RosterError::TooLarge(Bound::Columns(limits.columns)));
        }
        table.push(record.iter().map(str::to_owned).collect());
    }
    Ok(table)
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

    #[test]
    fn every_header_maps_to_a_column_or_is_refused_by_name() {
        let rows =
            read("村,社/组,户主姓名,身份证号,户类型,家庭人口\n红光村,五社,张三,x,脱贫户,3\n".as_bytes()).unwrap();
        assert_eq!(rows[0].get(Column::Group), "五社", "社/组 is the group");
        let err = read("村,户主姓名,身份证号,户类型,家庭人口,收入来源\n红光村,张三,x,脱贫户,3,务工\n".as_bytes())
            .unwrap_err();
        assert_eq!(err, RosterError::UnknownColumns(vec!["收入来源".to_owned()]));
        assert!(Column::Group.accepted_zh().contains("社/组"));
    }
}

/// Workbooks of one sheet written by hand, for the tests that send hostile files: what a few
/// kilobytes of zip can declare is the point, so no xlsx writer would make them.
#[doc(hidden)]
#[expect(clippy::unwrap_used, reason = "writing to memory; only tests call these")]
pub mod samples {
    use std::io::{Cursor, Write};

    /// A workbook of one sheet whose XML is `sheet` (and shared strings `strings`), as Excel lays it out.
    pub fn workbook(sheet: &[u8], strings: Option<&[u8]>) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let mut part = |name: &str, body: &[u8]| {
            zip.start_file(name, deflated).unwrap();
            zip.write_all(body).unwrap();
        };
        part(
            "[Content_Types].xml",
            br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        );
        part(
            "_rels/.rels",
            br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        );
        part(
            "xl/workbook.xml",
            br#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        );
        part(
            "xl/_rels/workbook.xml.rels",
            br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
        );
        if let Some(strings) = strings {
            part("xl/sharedStrings.xml", strings);
        }
        part("xl/worksheets/sheet1.xml", sheet);
        zip.finish().unwrap().into_inner()
    }

    pub fn sheet(dimension: &str, rows: &str) -> Vec<u8> {
        format!(
            r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>{rows}</sheetData></worksheet>"#
        )
        .into_bytes()
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod hostile {
    use super::*;

    use super::samples::{sheet, workbook};

    const TWO_ROWS: &str = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>村</t></is></c><c r="B1" t="inlineStr"><is><t>户主姓名</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>红光村</t></is></c><c r="B2" t="inlineStr"><is><t>张三</t></is></c></row>"#;

    #[test]
    fn a_plain_workbook_of_inline_strings_reads() {
        let table = read_table(&workbook(&sheet(r#"<dimension ref="A1:B2"/>"#, TWO_ROWS), None)).unwrap();
        assert_eq!(table, vec![vec!["村", "户主姓名"], vec!["红光村", "张三"]]);
    }

    #[test]
    fn a_sheet_that_declares_every_cell_excel_has_is_refused_before_a_cell_is_read() {
        let bytes = workbook(&sheet(r#"<dimension ref="A1:XFD1048576"/>"#, TWO_ROWS), None);
        assert!(bytes.len() < 5_000, "a few kilobytes");
        assert_eq!(read_table(&bytes), Err(RosterError::TooLarge(Bound::Rows(Limits::ROSTER.rows))));
    }

    #[test]
    fn two_cells_at_opposite_corners_of_the_sheet_are_refused() {
        let rows = r#"<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="A1048576"><v>1</v></c></row>"#;
        assert_eq!(
            read_table(&workbook(&sheet("", rows), None)),
            Err(RosterError::TooLarge(Bound::Rows(Limits::ROSTER.rows)))
        );
        let wide = r#"<row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>1</v></c></row>"#;
        assert_eq!(
            read_table(&workbook(&sheet("", wide), None)),
            Err(RosterError::TooLarge(Bound::Columns(Limits::ROSTER.columns)))
        );
    }

    #[test]
    fn a_part_that_inflates_far_beyond_its_size_is_refused_before_the_workbook_opens() {
        // Shared strings of 8 MiB of one repeated string: a few kilobytes compressed.
        let mut strings =
            br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#.to_vec();
        strings.extend(std::iter::repeat_n(b"<si><t>aaaaaaaa</t></si>".as_slice(), 8 << 20 >> 5).flatten());
        strings.extend_from_slice(b"</sst>");
        let bytes = workbook(&sheet("", TWO_ROWS), Some(&strings));
        assert!(bytes.len() < 100_000);
        assert_eq!(read_table(&bytes), Err(RosterError::TooLarge(Bound::Ratio(Limits::ROSTER.ratio))));
    }

    #[test]
    fn parts_beyond_the_uncompressed_budget_are_refused() {
        let small = Limits { inflated_bytes: 1 << 20, ..Limits::ROSTER };
        // Incompressible text: within any ratio, but over the budget together.
        let mut state = 1u64;
        let noise: String = (0..(2 << 20))
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                char::from(b'a' + (state >> 59) as u8 % 26)
            })
            .collect();
        let rows = format!(r#"<row r="1"><c r="A1" t="inlineStr"><is><t>{noise}</t></is></c></row>"#);
        assert_eq!(
            read_table_within(&workbook(&sheet("", &rows), None), small),
            Err(RosterError::TooLarge(Bound::InflatedBytes(1 << 20)))
        );
    }

    #[test]
    fn a_zip_of_many_parts_is_refused() {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..300 {
            zip.start_file(format!("p{i}.xml"), zip::write::SimpleFileOptions::default()).unwrap();
        }
        let bytes = zip.finish().unwrap().into_inner();
        assert_eq!(read_table(&bytes), Err(RosterError::TooLarge(Bound::Entries(Limits::ROSTER.zip_entries))));
    }

    #[test]
    fn a_csv_past_its_rows_or_columns_is_refused() {
        let small = Limits { rows: 3, columns: 4, ..Limits::ROSTER };
        assert_eq!(read_table_within(b"a\nb\nc\nd\n", small).map(|t| t.len()), Ok(4), "a header and three rows");
        assert_eq!(read_table_within(b"a\nb\nc\nd\ne\n", small), Err(RosterError::TooLarge(Bound::Rows(3))));
        assert_eq!(read_table_within(b"a,b,c,d,e\n", small), Err(RosterError::TooLarge(Bound::Columns(4))));
    }

    #[test]
    fn a_header_below_blank_rows_and_right_of_blank_columns_is_the_first_row() {
        let rows = r#"<row r="3"><c r="C3" t="inlineStr"><is><t>村</t></is></c></row><row r="4"><c r="D4" t="inlineStr"><is><t>x</t></is></c></row>"#;
        let table = read_table(&workbook(&sheet("", rows), None)).unwrap();
        assert_eq!(table, vec![vec!["村", ""], vec!["", "x"]]);
    }
}
