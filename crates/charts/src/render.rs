//! Turns a [`ChartSpec`] into a finished SVG string: title, legend, axes (plotters), data marks
//! each wrapped with a `<title>` carrying the exact formatted value, and an explained empty state.
//! It must never panic on any spec (NaN, infinities, negatives, empty or ragged data).

use crate::format::Locale;
use crate::spec::{series_palette_color, ChartKind, ChartSpec, ValueFormat, TEXT_DARK, TEXT_MUTED};
use crate::svg_backend::{escape, text_width, MarkedSvgBackend, SharedSvg};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;

pub(crate) type Area = DrawingArea<MarkedSvgBackend, Shift>;
pub(crate) type DrawResult = Result<(), Box<dyn std::error::Error>>;

const MIN_SIZE: u32 = 240;
const MAX_SIZE: u32 = 4000;
const TITLE_SIZE: f64 = 16.0;
pub(crate) const LABEL_SIZE: f64 = 12.0;
pub(crate) const PAD: i32 = 16;
/// The largest magnitude an axis spans.
pub(crate) const AXIS_LIMIT: f64 = 1e15;

/// Renders the chart; never panics: anything unexpected becomes an SVG with an explanation.
pub fn render_svg(spec: &ChartSpec) -> String {
    let width = spec.width.clamp(MIN_SIZE, MAX_SIZE);
    let height = spec.height.clamp(MIN_SIZE * 5 / 6, MAX_SIZE);
    let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        draw_document(spec, width, height)
    }));
    match attempt {
        Ok(Ok(svg)) => svg,
        _ => {
            let message = match spec.locale {
                Locale::Ru => "Не удалось построить график",
                Locale::En => "The chart could not be drawn",
            };
            let buf: SharedSvg = Rc::new(RefCell::new(String::new()));
            let _ = draw_empty(spec, width, height, &buf, message);
            let body = buf.borrow().clone();
            wrap(spec, width, height, &body)
        }
    }
}

fn wrap(spec: &ChartSpec, width: u32, height: u32, body: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
         preserveAspectRatio=\"xMidYMid meet\" role=\"img\" aria-label=\"{}\" class=\"b24a-chart\">\n{body}</svg>\n",
        escape(&spec.title)
    )
}

fn draw_document(
    spec: &ChartSpec,
    width: u32,
    height: u32,
) -> Result<String, Box<dyn std::error::Error>> {
    let buf: SharedSvg = Rc::new(RefCell::new(String::new()));
    if !has_data(spec) {
        let message = match spec.locale {
            Locale::Ru => "Нет данных за период",
            Locale::En => "No data for the period",
        };
        draw_empty(spec, width, height, &buf, message)?;
    } else {
        let root = MarkedSvgBackend::new((width, height), buf.clone()).into_drawing_area();
        root.fill(&WHITE)?;
        let mut top = draw_title(&root, spec, width)?;
        if matches!(
            spec.kind,
            ChartKind::Line | ChartKind::Bars | ChartKind::StackedBars
        ) && !spec.series.is_empty()
        {
            top = draw_legend(&root, spec, &buf, top, width)?;
        }
        let (_, body) = root.split_vertically(top + 8);
        let ctx = Ctx { spec, buf: &buf };
        match spec.kind {
            ChartKind::Line | ChartKind::Bars | ChartKind::StackedBars => {
                crate::cartesian::draw(&ctx, &body)?
            }
            ChartKind::HorizontalBars => crate::ranking::draw(&ctx, &body)?,
            ChartKind::Funnel => crate::funnel::draw(&ctx, &body)?,
            ChartKind::Scatter => crate::scatter::draw(&ctx, &body)?,
        }
        root.present()?;
    }
    let body = buf.borrow().clone();
    Ok(wrap(spec, width, height, &body))
}

/// Everything a chart kind needs while drawing.
pub(crate) struct Ctx<'a> {
    pub spec: &'a ChartSpec,
    pub buf: &'a SharedSvg,
}

impl Ctx<'_> {
    pub fn locale(&self) -> Locale {
        self.spec.locale
    }

    pub fn format(&self) -> &ValueFormat {
        &self.spec.value_format
    }

    /// Wraps whatever `draw` emits in `<g class="{class}"><title>{title}</title>…</g>`.
    pub fn titled(
        &self,
        class: &str,
        title: &str,
        draw: impl FnOnce() -> DrawResult,
    ) -> DrawResult {
        let start = self.buf.borrow().len();
        draw()?;
        let mut buf = self.buf.borrow_mut();
        let inner = buf.split_off(start);
        let _ = write!(
            buf,
            "<g class=\"{class}\"><title>{}</title>\n{inner}</g>\n",
            escape(title)
        );
        Ok(())
    }

    /// A text label; when it had to be shortened the full text becomes its hover title.
    pub fn label(
        &self,
        area: &Area,
        text: &str,
        max_width: f64,
        style: TextStyle,
        at: (i32, i32),
    ) -> DrawResult {
        let short = truncate(text, max_width, style.font.get_size());
        if short == text {
            area.draw_text(&short, &style, at)?;
            Ok(())
        } else {
            self.titled("label", text, || {
                area.draw_text(&short, &style, at)?;
                Ok(())
            })
        }
    }
}

/// Does the spec have at least one finite value to draw?
fn has_data(spec: &ChartSpec) -> bool {
    match spec.kind {
        ChartKind::Scatter => spec
            .points
            .iter()
            .any(|p| p.x.is_finite() && p.y.is_finite()),
        _ => {
            !spec.categories.is_empty()
                && spec
                    .series
                    .iter()
                    .any(|s| s.values.iter().any(|v| v.is_finite()))
        }
    }
}

pub(crate) fn font(size: f64, color: &str) -> TextStyle<'static> {
    FontDesc::new(FontFamily::SansSerif, size, FontStyle::Normal).color(&parse_color(color, 0))
}

pub(crate) fn bold(size: f64, color: &str) -> TextStyle<'static> {
    FontDesc::new(FontFamily::SansSerif, size, FontStyle::Bold).color(&parse_color(color, 0))
}

/// "#rrggbb" to a colour; anything else falls back to the palette entry `index`.
pub(crate) fn parse_color(text: &str, index: usize) -> RGBColor {
    let hex = text.trim().trim_start_matches('#');
    if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
        return RGBColor(byte(0), byte(2), byte(4));
    }
    parse_color(&series_palette_color(index), 0)
}

pub(crate) fn series_color(spec: &ChartSpec, index: usize) -> RGBColor {
    match spec.series.get(index).and_then(|s| s.color.as_deref()) {
        Some(c) => parse_color(c, index),
        None => parse_color(&series_palette_color(index), 0),
    }
}

/// Shortens text to fit `max_width` pixels, ending with an ellipsis.
pub(crate) fn truncate(text: &str, max_width: f64, size: f64) -> String {
    if text_width(text, size) <= max_width {
        return text.to_string();
    }
    let mut out = String::new();
    for ch in text.chars() {
        let mut next = out.clone();
        next.push(ch);
        next.push('…');
        if text_width(&next, size) > max_width {
            break;
        }
        out.push(ch);
    }
    format!("{}…", out.trim_end())
}

/// Draws the title; returns the y below it.
fn draw_title(
    root: &Area,
    spec: &ChartSpec,
    width: u32,
) -> Result<i32, Box<dyn std::error::Error>> {
    let style = bold(TITLE_SIZE, TEXT_DARK).pos(Pos::new(HPos::Left, VPos::Top));
    let max = width as f64 - 2.0 * PAD as f64;
    let short = truncate(&spec.title, max, TITLE_SIZE);
    root.draw_text(&short, &style, (PAD, 14))?;
    Ok(14 + TITLE_SIZE as i32 + 6)
}

/// One swatch and name per series, flowing onto new lines; returns the y below it.
fn draw_legend(
    root: &Area,
    spec: &ChartSpec,
    buf: &SharedSvg,
    top: i32,
    width: u32,
) -> Result<i32, Box<dyn std::error::Error>> {
    let ctx = Ctx { spec, buf };
    let (mut x, mut y) = (PAD, top + 4);
    let line = LABEL_SIZE as i32 + 8;
    for (i, series) in spec.series.iter().enumerate() {
        let name = truncate(&series.name, 220.0, LABEL_SIZE);
        let item_width = 18 + text_width(&name, LABEL_SIZE).ceil() as i32 + 18;
        if x > PAD && x + item_width > width as i32 - PAD {
            x = PAD;
            y += line;
        }
        let color = series_color(spec, i);
        ctx.titled("legend", &series.name, || {
            root.draw(&Rectangle::new(
                [(x, y + 1), (x + 12, y + 11)],
                color.filled(),
            ))?;
            root.draw_text(
                &name,
                &font(LABEL_SIZE, TEXT_MUTED).pos(Pos::new(HPos::Left, VPos::Top)),
                (x + 18, y),
            )?;
            Ok(())
        })?;
        x += item_width;
    }
    Ok(y + line)
}

fn draw_empty(
    spec: &ChartSpec,
    width: u32,
    height: u32,
    buf: &SharedSvg,
    message: &str,
) -> DrawResult {
    let root = MarkedSvgBackend::new((width, height), buf.clone()).into_drawing_area();
    root.fill(&WHITE)?;
    draw_title(&root, spec, width)?;
    let ctx = Ctx { spec, buf };
    ctx.titled("empty", message, || {
        let style = font(14.0, "#828b95").pos(Pos::new(HPos::Center, VPos::Center));
        root.draw_text(message, &style, (width as i32 / 2, height as i32 / 2 + 10))?;
        Ok(())
    })
}

/// The value as the hover text shows it: "Иванов И.: 1 250 000 ₽" or "Март · Выиграно: 12".
pub(crate) fn hover(ctx: &Ctx, category: &str, series: Option<&str>, value: f64) -> String {
    let value = ctx.format().exact(value, ctx.locale());
    match series {
        Some(name) if !name.is_empty() => format!("{category} · {name}: {value}"),
        _ => format!("{category}: {value}"),
    }
}

/// A padded, never-degenerate value range that includes zero.
pub(crate) fn value_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    // Beyond ±1e15 plotters' tick search never ends; such values are drawn clipped at the edge.
    for v in values
        .filter(|v| v.is_finite())
        .map(|v| v.clamp(-AXIS_LIMIT, AXIS_LIMIT))
    {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi - lo < 1e-12 {
        hi = lo + 1.0;
    }
    let pad = (hi - lo) * 0.08;
    (
        if lo < 0.0 { lo - pad } else { lo },
        if hi > 0.0 { hi + pad } else { hi },
    )
}
