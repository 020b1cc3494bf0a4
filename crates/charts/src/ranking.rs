//! Horizontal bar ranking (managers by won sum): names on the left, bars with their values. A second series, when
//! given, is a target drawn as a marker across each bar (plan vs fact). Must never reorder (the caller ranks).

use crate::render::{
    font, hover, series_color, value_range, Area, Ctx, DrawResult, LABEL_SIZE, PAD,
};
use crate::spec::{TEXT_DARK, TEXT_MUTED};
use crate::svg_backend::text_width;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub(crate) fn draw(ctx: &Ctx, area: &Area) -> DrawResult {
    let spec = ctx.spec;
    let Some(series) = spec.series.first() else {
        return Ok(());
    };
    let n = spec.categories.len();
    let value = |i: usize| series.values.get(i).copied().filter(|v| v.is_finite());
    let target_series = spec.series.get(1);
    let target = |i: usize| {
        target_series
            .and_then(|t| t.values.get(i).copied())
            .filter(|v| v.is_finite())
    };
    let (lo, hi) = value_range((0..n).filter_map(value).chain((0..n).filter_map(target)));
    // Room for the value printed after the longest bar.
    let widest_value = (0..n)
        .filter_map(value)
        .map(|v| text_width(&ctx.format().exact(v, ctx.locale()), LABEL_SIZE))
        .fold(0.0, f64::max);
    let (w, _) = area.dim_in_pixel();
    let names_width = spec
        .categories
        .iter()
        .map(|c| text_width(c, LABEL_SIZE))
        .fold(0.0, f64::max)
        // The names get what they need up to 45 % of the width: never cut while the bars have room to spare.
        .min(w as f64 * 0.45)
        .ceil() as u32
        // The label is drawn 8 px left of the axis and may use names_width - 14: the widest name must fit whole.
        + 22;
    let mut chart = ChartBuilder::on(area)
        .margin_left(PAD as u32)
        .margin_right((PAD as f64 + widest_value + 8.0) as u32)
        .margin_bottom(8)
        .x_label_area_size(24)
        .y_label_area_size(names_width)
        .build_cartesian_2d(lo..hi, -0.5f64..(n as f64 - 0.5))?;
    let axis_fmt = |v: &f64| ctx.format().axis(*v, ctx.locale());
    let no_label = |_: &f64| String::new();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .y_label_formatter(&no_label)
        // A narrow (phone) chart gets fewer value ticks so "500 тыс. ₽" and "1 млн ₽" never run into each other.
        .x_labels(if w < 600 { 3 } else { 5 })
        .x_label_formatter(&axis_fmt)
        .bold_line_style(RGBColor(0xe6, 0xe9, 0xec))
        .light_line_style(TRANSPARENT)
        .axis_style(RGBColor(0xa8, 0xad, 0xb4))
        .label_style(font(LABEL_SIZE, TEXT_MUTED))
        .draw()?;
    let (ox, oy) = area.get_base_pixel();
    let row = |i: usize| (n - 1 - i) as f64; // first category on top
    let color = series_color(spec, 0);
    for (i, category) in spec.categories.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(lo, row(i)));
        let style = font(LABEL_SIZE, TEXT_DARK).pos(Pos::new(HPos::Right, VPos::Center));
        ctx.label(
            area,
            category,
            names_width as f64 - 14.0,
            style,
            (x - ox - 8, y - oy),
        )?;
        let Some(v) = value(i) else { continue };
        let title = match (target_series, target(i)) {
            (Some(ts), Some(t)) => format!(
                "{category}: {} {}, {} {}",
                series.name,
                ctx.format().exact(v, ctx.locale()),
                ts.name,
                ctx.format().exact(t, ctx.locale())
            ),
            _ => hover(ctx, category, None, v),
        };
        ctx.titled("mark", &title, || {
            chart.draw_series(std::iter::once(Rectangle::new(
                [
                    (0.0f64.max(lo), row(i) - 0.32),
                    (v.clamp(lo, hi), row(i) + 0.32),
                ],
                color.filled(),
            )))?;
            if let Some(t) = target(i) {
                // The target: a dark tick across the bar, a little taller than it.
                let t = t.clamp(lo, hi);
                // A path, not a zero-width rectangle: SVG does not render a rect of width 0.
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(t, row(i) - 0.45), (t, row(i) + 0.45)],
                    RGBColor(0x33, 0x3d, 0x47).stroke_width(3),
                )))?;
            }
            Ok(())
        })?;
        let (end, _) = chart.backend_coord(&(v.clamp(0.0f64.max(lo), hi), row(i)));
        let style = font(LABEL_SIZE, TEXT_MUTED).pos(Pos::new(HPos::Left, VPos::Center));
        area.draw_text(
            &ctx.format().exact(v, ctx.locale()),
            &style,
            (end - ox + 6, y - oy),
        )?;
    }
    Ok(())
}
