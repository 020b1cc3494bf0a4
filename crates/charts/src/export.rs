//! Excel (.xlsx) export of report tables: one sheet per block, numbers stay numbers.
//!
//! Takes plain [`Table`] values and returns workbook bytes. It must never write a number as text
//! (users sum and filter the columns in Excel), never panic on odd cells, and never know where the
//! data came from.

use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Url, Workbook, Worksheet, XlsxError};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Excel's hard row limit.
const MAX_ROWS: usize = 1_048_576;
/// Excel's hard column limit.
const MAX_COLUMNS: usize = 16_384;
/// Excel's limit on a sheet name, in characters.
const MAX_SHEET_NAME: usize = 31;
/// Excel's limit on text in a cell, in characters.
const MAX_CELL_TEXT: usize = 32_767;
/// Longest URL Excel stores as a hyperlink.
const MAX_URL: usize = 2_079;

/// One block of a report as a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Shown in the first row and used (sanitised) as the sheet name.
    pub title: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// A bold totals row under the data, if the block has one.
    #[serde(default)]
    pub totals: Option<Vec<Cell>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub header: String,
    pub kind: ColumnKind,
}

/// How the cells of a column are stored and formatted in Excel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ColumnKind {
    Text,
    /// Whole numbers (counts, IDs).
    Integer,
    /// Amounts in currency units (not cents), two decimals with thousands separators.
    Money {
        currency: String,
    },
    /// A fraction (0.64 is shown as 64%).
    Percent,
    /// A duration in days, one decimal.
    Days,
    /// "YYYY-MM-DD" strings (portal time zone already applied by the caller).
    Date,
    /// "YYYY-MM-DD HH:MM[:SS]" or "YYYY-MM-DDTHH:MM:SS…" strings; any offset is ignored.
    DateTime,
    /// [`Cell::Link`] cells become hyperlinks.
    Link,
}

/// One value. In JSON: `null`, a number, a string, or `{"text": "...", "url": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Cell {
    Empty,
    Number(f64),
    Text(String),
    Link { text: String, url: String },
}

impl From<f64> for Cell {
    fn from(v: f64) -> Self {
        Cell::Number(v)
    }
}
impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Cell::Number(v as f64)
    }
}
impl From<&str> for Cell {
    fn from(v: &str) -> Self {
        Cell::Text(v.to_string())
    }
}
impl From<String> for Cell {
    fn from(v: String) -> Self {
        Cell::Text(v)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("table \"{title}\" has {rows} rows; Excel allows at most {max}")]
    TooManyRows {
        title: String,
        rows: usize,
        max: usize,
    },
    #[error("table \"{title}\" has {columns} columns; Excel allows at most {max}")]
    TooManyColumns {
        title: String,
        columns: usize,
        max: usize,
    },
    #[error("the workbook could not be written: {0}")]
    Xlsx(#[from] XlsxError),
}

/// Number formats per column kind, plus their bold variants for the totals row.
pub(crate) struct Formats {
    pub(crate) title: Format,
    pub(crate) header: Format,
    link: Format,
}

impl Formats {
    fn new() -> Self {
        Formats {
            title: Format::new().set_bold().set_font_size(13),
            header: Format::new()
                .set_bold()
                .set_background_color("#EEF2F4")
                .set_align(FormatAlign::Center)
                .set_text_wrap(),
            link: Format::new()
                .set_font_color("#0B66C3")
                .set_underline(rust_xlsxwriter::FormatUnderline::Single),
        }
    }

    pub(crate) fn for_kind(kind: &ColumnKind, bold: bool) -> Format {
        let base = match kind {
            ColumnKind::Text | ColumnKind::Link => Format::new(),
            ColumnKind::Integer => Format::new().set_num_format("#,##0"),
            ColumnKind::Money { currency } => {
                let unit = currency_unit(currency);
                if unit.is_empty() {
                    Format::new().set_num_format("#,##0.00")
                } else {
                    Format::new().set_num_format(format!("#,##0.00\\ \"{unit}\""))
                }
            }
            ColumnKind::Percent => Format::new().set_num_format("0.0%"),
            ColumnKind::Days => Format::new().set_num_format("#,##0.0"),
            ColumnKind::Date => Format::new().set_num_format("dd.mm.yyyy"),
            ColumnKind::DateTime => Format::new().set_num_format("dd.mm.yyyy hh:mm"),
        };
        if bold {
            base.set_bold()
        } else {
            base
        }
    }
}

/// The unit shown after money in Excel; quotes are dropped so the format string stays valid.
fn currency_unit(currency: &str) -> String {
    let code = currency.trim().to_ascii_uppercase();
    let unit = crate::format::currency_symbol(&code)
        .map(str::to_string)
        .unwrap_or(code);
    unit.chars()
        .filter(|c| *c != '"' && *c != '\\')
        .take(8)
        .collect()
}

/// Builds one workbook with a sheet per table, in order.
pub fn workbook(tables: &[Table]) -> Result<Vec<u8>, ExportError> {
    workbook_with_cover(None, tables)
}

/// Builds one workbook: the cover sheet first (report, period, filters, export date, tiles), when given, then a
/// sheet per table, in order.
pub fn workbook_with_cover(
    cover: Option<&crate::cover::Cover>,
    tables: &[Table],
) -> Result<Vec<u8>, ExportError> {
    let mut book = Workbook::new();
    let formats = Formats::new();
    let mut used = HashSet::new();
    if let Some(cover) = cover {
        let name = unique_sheet_name(&cover.sheet_name, 0, &mut used);
        let sheet = book.add_worksheet();
        sheet.set_name(name)?;
        crate::cover::write_cover(sheet, cover, &formats)?;
    }
    if tables.is_empty() && cover.is_none() {
        // A workbook must have a sheet; an empty report still downloads as a valid file.
        book.add_worksheet();
    }
    for (index, table) in tables.iter().enumerate() {
        check_limits(table)?;
        let name = unique_sheet_name(&table.title, index, &mut used);
        let sheet = book.add_worksheet();
        sheet.set_name(name)?;
        write_table(sheet, table, &formats)?;
    }
    Ok(book.save_to_buffer()?)
}

fn check_limits(table: &Table) -> Result<(), ExportError> {
    // Title, header, rows, totals.
    let rows = table.rows.len() + 2 + usize::from(table.totals.is_some());
    if rows > MAX_ROWS {
        return Err(ExportError::TooManyRows {
            title: table.title.clone(),
            rows,
            max: MAX_ROWS,
        });
    }
    let columns = table.columns.len();
    if columns > MAX_COLUMNS {
        return Err(ExportError::TooManyColumns {
            title: table.title.clone(),
            columns,
            max: MAX_COLUMNS,
        });
    }
    Ok(())
}

/// Makes a title a legal, unique sheet name: no []:*?/\, no leading/trailing apostrophe,
/// at most 31 characters, unique ignoring case (as Excel compares them).
pub fn unique_sheet_name(title: &str, index: usize, used: &mut HashSet<String>) -> String {
    let cleaned: String = title
        .chars()
        .map(|c| {
            if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    let cleaned = cleaned.trim_matches('\'').trim().to_string();
    let base = if cleaned.is_empty() || cleaned.eq_ignore_ascii_case("history") {
        format!("Sheet{}", index + 1)
    } else {
        cleaned
    };
    let mut n = 1;
    loop {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!(" ({n})")
        };
        let keep = MAX_SHEET_NAME - suffix.chars().count();
        let head: String = base.chars().take(keep).collect();
        let candidate = format!("{}{suffix}", head.trim_end_matches('\'').trim_end());
        if used.insert(candidate.to_lowercase()) {
            return candidate;
        }
        n += 1;
    }
}

fn write_table(sheet: &mut Worksheet, table: &Table, formats: &Formats) -> Result<(), ExportError> {
    let title = clip_text(&table.title);
    sheet.write_string_with_format(0, 0, &title, &formats.title)?;
    let header_row = 1u32;
    let mut widths: Vec<usize> = table
        .columns
        .iter()
        .map(|c| c.header.chars().count().min(40))
        .collect();
    for (col, column) in table.columns.iter().enumerate() {
        sheet.write_string_with_format(
            header_row,
            col as u16,
            clip_text(&column.header),
            &formats.header,
        )?;
    }
    let plain: Vec<Format> = table
        .columns
        .iter()
        .map(|c| Formats::for_kind(&c.kind, false))
        .collect();
    let bold: Vec<Format> = table
        .columns
        .iter()
        .map(|c| Formats::for_kind(&c.kind, true))
        .collect();
    let mut row_no = header_row + 1;
    for row in &table.rows {
        write_row(sheet, row_no, row, table, &plain, formats, &mut widths)?;
        row_no += 1;
    }
    let last_data_row = row_no - 1;
    if let Some(totals) = &table.totals {
        write_row(sheet, row_no, totals, table, &bold, formats, &mut widths)?;
    }
    if !table.columns.is_empty() {
        sheet.set_freeze_panes(header_row + 1, 0)?;
        sheet.autofilter(
            header_row,
            0,
            last_data_row.max(header_row),
            (table.columns.len() - 1) as u16,
        )?;
        for (col, width) in widths.iter().enumerate() {
            // Characters plus room for the filter button.
            let width = (*width as f64 + 4.0).clamp(8.0, 60.0);
            sheet.set_column_width(col as u16, width)?;
        }
    }
    Ok(())
}

fn clip_text(text: &str) -> String {
    text.chars().take(MAX_CELL_TEXT).collect()
}

pub(crate) fn write_row(
    sheet: &mut Worksheet,
    row_no: u32,
    cells: &[Cell],
    table: &Table,
    number_formats: &[Format],
    formats: &Formats,
    widths: &mut [usize],
) -> Result<(), ExportError> {
    // Extra cells beyond the declared columns are dropped: a sheet's shape comes from its columns.
    for (col, (cell, column)) in cells.iter().zip(&table.columns).enumerate() {
        let c = col as u16;
        let fmt = &number_formats[col];
        let shown_len = match cell {
            Cell::Empty => 0,
            Cell::Number(v) => write_number(sheet, row_no, c, *v, &column.kind, fmt)?,
            Cell::Text(text) => write_text(sheet, row_no, c, text, &column.kind, fmt)?,
            Cell::Link { text, url } => write_link(sheet, row_no, c, text, url, formats)?,
        };
        widths[col] = widths[col].max(shown_len.min(50));
    }
    Ok(())
}

/// Writes a number and returns roughly how many characters Excel will show.
fn write_number(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: f64,
    kind: &ColumnKind,
    fmt: &Format,
) -> Result<usize, ExportError> {
    if !value.is_finite() {
        // NaN/inf are not numbers Excel can hold; an empty cell is the honest value.
        return Ok(0);
    }
    let value = match kind {
        ColumnKind::Integer => value.round(),
        ColumnKind::Money { .. } => (value * 100.0).round() / 100.0,
        _ => value,
    };
    sheet.write_number_with_format(row, col, value, fmt)?;
    let digits = format!("{:.0}", value.abs()).len();
    Ok(digits + digits / 3 + 5)
}

/// Writes text; in date columns parses it into a real Excel date, falling back to text.
fn write_text(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    kind: &ColumnKind,
    fmt: &Format,
) -> Result<usize, ExportError> {
    if matches!(kind, ColumnKind::Date | ColumnKind::DateTime) {
        if let Some(dt) = parse_datetime(text, matches!(kind, ColumnKind::DateTime)) {
            sheet.write_datetime_with_format(row, col, &dt, fmt)?;
            return Ok(if matches!(kind, ColumnKind::Date) {
                10
            } else {
                16
            });
        }
    }
    let text = clip_text(text);
    sheet.write_string(row, col, &text)?;
    Ok(text.chars().count())
}

fn write_link(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    url: &str,
    formats: &Formats,
) -> Result<usize, ExportError> {
    let url = url.trim();
    let safe_scheme = ["https://", "http://", "mailto:"]
        .iter()
        .any(|s| url.to_ascii_lowercase().starts_with(s));
    let shown = if text.is_empty() { url } else { text };
    let shown = clip_text(shown);
    if safe_scheme && url.len() <= MAX_URL && !shown.is_empty() {
        let link = Url::new(url).set_text(&shown);
        if sheet
            .write_url_with_format(row, col, link, &formats.link)
            .is_ok()
        {
            return Ok(shown.chars().count());
        }
    }
    // A link Excel cannot hold (or that is not http/mailto) keeps its text, never silently vanishes.
    sheet.write_string(row, col, &shown)?;
    Ok(shown.chars().count())
}

// `is_multiple_of` needs Rust 1.87; the workspace supports 1.85.
#[allow(unknown_lints, clippy::manual_is_multiple_of)]
fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses "YYYY-MM-DD" with an optional "[T ]HH:MM[:SS[.fff]]" and ignores any zone suffix.
fn parse_datetime(text: &str, with_time: bool) -> Option<ExcelDateTime> {
    let text = text.trim();
    let date = text.get(0..10)?;
    let mut parts = date.split('-');
    let year: u16 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    if !(1900..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
    {
        return None;
    }
    let dt = ExcelDateTime::from_ymd(year, month, day).ok()?;
    if !with_time {
        return Some(dt);
    }
    let rest = text.get(10..).unwrap_or("").trim_start_matches(['T', ' ']);
    if rest.len() < 5 {
        return Some(dt);
    }
    let hour: u16 = rest.get(0..2)?.parse().ok()?;
    let min: u8 = rest.get(3..5)?.parse().ok()?;
    let sec: u8 = rest.get(6..8).and_then(|s| s.parse().ok()).unwrap_or(0);
    if hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    dt.and_hms(hour, min, sec).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_sanitised_truncated_and_unique() {
        let mut used = HashSet::new();
        assert_eq!(
            unique_sheet_name("Сделки: [все]/итог?", 0, &mut used),
            "Сделки все итог"
        );
        assert_eq!(
            unique_sheet_name("сделки все итог", 1, &mut used),
            "сделки все итог (2)"
        );
        let long = "Очень длинное название блока отчёта о продажах";
        let a = unique_sheet_name(long, 2, &mut used);
        let b = unique_sheet_name(long, 3, &mut used);
        assert_eq!(a.chars().count(), 31);
        assert!(b.chars().count() <= 31 && b.ends_with(" (2)"), "{b}");
        assert_eq!(unique_sheet_name("''", 4, &mut used), "Sheet5");
        assert_eq!(unique_sheet_name("", 5, &mut used), "Sheet6");
    }

    #[test]
    fn dates_parse_tolerantly() {
        assert!(parse_datetime("2024-02-29", false).is_some());
        assert!(parse_datetime("2024-02-30", false).is_none());
        assert!(parse_datetime("2024-03-01T10:15:00+03:00", true).is_some());
        assert!(parse_datetime("01.03.2024", false).is_none());
        assert!(parse_datetime("", true).is_none());
        assert!(parse_datetime("2024-03-01 25:00", true).is_none());
    }
}
