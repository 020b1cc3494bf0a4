//! The cover sheet of a report workbook, for a board meeting: the report's name, the period, the filters, when it
//! was exported and the tiles (name and number). Every line is a label followed by cells of a declared kind, so
//! dates stay Excel dates and numbers stay numbers. Must never name anything itself: the caller passes the words.

use rust_xlsxwriter::Worksheet;
use serde::{Deserialize, Serialize};

use crate::export::{write_row, Cell, Column, ColumnKind, ExportError, Formats, Table};

/// One line of the cover: a label and its values, each with how it is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverLine {
    pub label: String,
    pub values: Vec<(Cell, ColumnKind)>,
}

impl CoverLine {
    /// A line of plain text.
    pub fn text(label: impl Into<String>, text: impl Into<String>) -> CoverLine {
        CoverLine {
            label: label.into(),
            values: vec![(Cell::Text(text.into()), ColumnKind::Text)],
        }
    }
}

/// The cover sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cover {
    /// The report's name, written as the sheet's title.
    pub title: String,
    pub sheet_name: String,
    /// Period, comparison, filters, export date.
    pub facts: Vec<CoverLine>,
    /// The header over the tiles (e.g. "Показатель", "Значение", "Сумма").
    pub tiles_header: Vec<String>,
    pub tiles: Vec<CoverLine>,
}

fn line_table(line: &CoverLine) -> Table {
    let mut columns = vec![Column {
        header: String::new(),
        kind: ColumnKind::Text,
    }];
    columns.extend(line.values.iter().map(|(_, k)| Column {
        header: String::new(),
        kind: k.clone(),
    }));
    Table {
        title: String::new(),
        columns,
        rows: Vec::new(),
        totals: None,
    }
}

fn write_line(
    sheet: &mut Worksheet,
    row: u32,
    line: &CoverLine,
    bold_label: bool,
    formats: &Formats,
    widths: &mut Vec<usize>,
) -> Result<(), ExportError> {
    let table = line_table(line);
    let number_formats: Vec<_> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| Formats::for_kind(&c.kind, bold_label && i == 0))
        .collect();
    let mut cells = vec![Cell::Text(line.label.clone())];
    cells.extend(line.values.iter().map(|(c, _)| c.clone()));
    if widths.len() < cells.len() {
        widths.resize(cells.len(), 0);
    }
    write_row(
        sheet,
        row,
        &cells,
        &table,
        &number_formats,
        formats,
        &mut widths[..cells.len()],
    )
}

pub(crate) fn write_cover(
    sheet: &mut Worksheet,
    cover: &Cover,
    formats: &Formats,
) -> Result<(), ExportError> {
    sheet.write_string_with_format(0, 0, &cover.title, &formats.title)?;
    let mut widths: Vec<usize> = vec![cover.title.chars().count().min(30)];
    let mut row = 2u32;
    for line in &cover.facts {
        write_line(sheet, row, line, true, formats, &mut widths)?;
        row += 1;
    }
    if !cover.tiles.is_empty() {
        row += 1;
        for (col, h) in cover.tiles_header.iter().enumerate() {
            sheet.write_string_with_format(row, col as u16, h, &formats.header)?;
        }
        row += 1;
        for line in &cover.tiles {
            write_line(sheet, row, line, false, formats, &mut widths)?;
            row += 1;
        }
    }
    for (col, w) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, (*w as f64 + 2.0).clamp(12.0, 60.0))?;
    }
    Ok(())
}
