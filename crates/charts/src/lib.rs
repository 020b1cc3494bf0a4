//! Server-rendered SVG charts and Excel workbooks for the reports.
//!
//! Plain data in, SVG strings and xlsx bytes out. This crate must never know about the database,
//! HTTP or Bitrix24: callers turn report results into [`ChartSpec`] and [`Table`] values.

pub mod export;
pub mod format;

pub use export::{workbook, Cell, Column, ColumnKind, ExportError, Table};
