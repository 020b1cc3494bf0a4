//! Server-rendered SVG charts and Excel workbooks for the reports.
//!
//! Plain data in, SVG strings and xlsx bytes out: [`render_svg`] for a [`ChartSpec`], [`workbook`]
//! for [`Table`]s, [`format`] for numbers shown anywhere in the app. This crate must never know about
//! the database, HTTP or Bitrix24: callers turn report results into these values.

mod cartesian;
pub mod cover;
pub mod export;
pub mod format;
mod funnel;
mod ranking;
mod render;
mod scatter;
pub mod spec;
mod svg_backend;

pub use cover::{Cover, CoverLine};
pub use export::{workbook, workbook_with_cover, Cell, Column, ColumnKind, ExportError, Table};
pub use format::Locale;
pub use render::render_svg;
pub use spec::{ChartKind, ChartSpec, ScatterPoint, Series, ValueFormat};
