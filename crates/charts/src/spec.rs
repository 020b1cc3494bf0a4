//! The chart description other crates build: plain, serde-friendly data, no drawing code.
//! It must never hold anything portal- or database-specific.

use crate::format::{self, Locale};
use serde::{Deserialize, Serialize};

/// Bitrix24-like palette, in the order series get them when no colour is given: twelve colours that tell apart
/// on a white page (no two near each other), so a chart with the top series plus "other" never repeats one.
/// Beyond twelve series [`series_palette_color`] generates further distinct hues instead of wrapping around.
pub const PALETTE: [&str; 12] = [
    "#2fc6f6", "#9dcf00", "#ff5752", "#f7a700", "#7b5cd6", "#1e7b34", "#e84ab3", "#0b66c3",
    "#8a5a2b", "#a8adb4", "#00a99d", "#333d47",
];

/// The palette colour of series `index` ("#rrggbb"): the [`PALETTE`] first, then hues spaced by the golden angle
/// (never equal to an earlier one), so no two series of one chart share a colour.
pub fn series_palette_color(index: usize) -> String {
    if let Some(c) = PALETTE.get(index) {
        return (*c).to_string();
    }
    let k = (index - PALETTE.len()) as f64;
    let hue = (k * 137.507_764 + 17.0) % 360.0;
    // Alternate the lightness so neighbouring generated hues also differ in tone.
    let light = if index & 1 == 0 { 0.42 } else { 0.58 };
    hsl_to_hex(hue, 0.65, light)
}

fn hsl_to_hex(h: f64, s: f64, l: f64) -> String {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = l - c / 2.0;
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let byte = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", byte(r), byte(g), byte(b))
}
pub const TEXT_DARK: &str = "#333333";
pub const TEXT_MUTED: &str = "#525c69";
pub const GRID: &str = "#e6e9ec";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartSpec {
    pub title: String,
    pub kind: ChartKind,
    /// X categories (periods, stages, managers) in display order; one value per category per series.
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub series: Vec<Series>,
    /// Scatter charts only: labelled points (x and y use `x_format` / `value_format`).
    #[serde(default)]
    pub points: Vec<ScatterPoint>,
    /// Format of values (y axis, bar lengths, hover text).
    #[serde(default)]
    pub value_format: ValueFormat,
    /// Scatter charts only: format of the x axis.
    #[serde(default)]
    pub x_format: ValueFormat,
    /// Optional axis captions.
    #[serde(default)]
    pub x_label: Option<String>,
    #[serde(default)]
    pub y_label: Option<String>,
    #[serde(default)]
    pub locale: Locale,
    #[serde(default = "default_width")]
    pub width: u32,
    #[serde(default = "default_height")]
    pub height: u32,
}

fn default_width() -> u32 {
    800
}
fn default_height() -> u32 {
    400
}

/// Chart shapes the reports need. Counts and money need separate scales: render two charts
/// (e.g. "created / won" as lines and "won sum" as bars) rather than one with two axes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    /// Time series as lines with point marks (dynamics; execution coefficient with a percent format).
    Line,
    /// Vertical bars, series side by side per category.
    Bars,
    /// Vertical bars, series stacked per category (tasks: on time / late / not started).
    StackedBars,
    /// Horizontal bars, one series, a ranking in the given order (managers by won sum).
    HorizontalBars,
    /// Pipeline funnel: first series = deals reaching each stage, in pipeline order.
    Funnel,
    /// Labelled points (activity index vs won sum).
    Scatter,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
    /// "#rrggbb"; defaults to the palette.
    #[serde(default)]
    pub color: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScatterPoint {
    pub label: String,
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ValueFormat {
    #[default]
    Count,
    /// Values in currency units (not cents).
    Money {
        currency: String,
    },
    /// Values as fractions (0.64 = 64 %).
    Percent,
    Days,
    /// A plain decimal number (indices).
    Number,
    /// A difference of two percents, in percentage points ("+2,5 п. п.").
    Points,
}

impl ValueFormat {
    /// Exact value for hover text and labels.
    pub fn exact(&self, v: f64, locale: Locale) -> String {
        match self {
            ValueFormat::Count => format::format_number(v, 0, locale),
            ValueFormat::Number => format::format_number(v, 1, locale),
            // Charts round money like the tables do: whole units, no kopecks.
            ValueFormat::Money { currency } => {
                format::format_money_units(v.round(), currency, locale)
            }
            ValueFormat::Percent => format::format_percent(v, locale),
            ValueFormat::Days => format::format_days(v, locale),
            ValueFormat::Points => format::format_points(v, locale),
        }
    }

    /// Short value for axis ticks: "1,2 млн ₽", "1.2M", "64 %".
    pub fn axis(&self, v: f64, locale: Locale) -> String {
        match self {
            ValueFormat::Percent => format::format_percent(v, locale),
            ValueFormat::Days => format::format_number(v, 1, locale),
            ValueFormat::Money { currency } => {
                let short = compact(v, locale);
                match (locale, currency.trim().to_ascii_uppercase().as_str()) {
                    (Locale::Ru, "RUB" | "RUR") => format!("{short}{}₽", format::NBSP),
                    _ => short,
                }
            }
            ValueFormat::Count | ValueFormat::Number => compact(v, locale),
            ValueFormat::Points => format::format_points(v, locale),
        }
    }
}

/// Abbreviates large numbers for axis ticks.
fn compact(v: f64, locale: Locale) -> String {
    let a = v.abs();
    let (div, ru, en) = if a >= 1e9 {
        (1e9, "млрд", "B")
    } else if a >= 1e6 {
        (1e6, "млн", "M")
    } else if a >= 1e4 {
        (1e3, "тыс.", "K")
    } else {
        return format::format_number(v, 1, locale);
    };
    let n = format::format_number(v / div, 1, locale);
    match locale {
        Locale::Ru => format!("{n}{}{ru}", format::NBSP),
        Locale::En => format!("{n}{en}"),
    }
}
