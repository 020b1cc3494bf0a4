//! Category charts with a value axis: lines, grouped bars and stacked bars (dynamics by period,
//! tasks on time / late, execution coefficient). Must never assume series lengths match categories.

use crate::render::{
    font, hover, series_color, value_range, Area, Ctx, DrawResult, LABEL_SIZE, PAD,
};
use crate::spec::{ChartKind, TEXT_MUTED};
use crate::svg_backend::text_width;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub(crate) fn draw(ctx: &Ctx, area: &Area) -> DrawResult {
    let spec = ctx.spec;
    let n = spec.categories.len();
    let value = |s: usize, i: usize| {
        spec.series[s]
            .values
            .get(i)
            .copied()
            .filter(|v| v.is_finite())
    };
    let stacked = spec.kind == ChartKind::StackedBars;
    let (lo, hi) = if stacked {
        value_range((0..n).map(|i| {
            (0..spec.series.len())
                .filter_map(|s| value(s, i))
                .map(|v| v.max(0.0))
                .sum()
        }))
    } else {
        value_range(spec.series.iter().flat_map(|s| s.values.iter().copied()))
    };

    let y_label_width = [lo, hi, (lo + hi) / 2.0]
        .iter()
        .map(|v| text_width(&ctx.format().axis(*v, ctx.locale()), LABEL_SIZE))
        .fold(0.0, f64::max)
        .ceil() as u32
        + 14;
    // Several lines: each one's name is written at its right end (beside the legend), so a reader never has to
    // match colours; the names get a right margin of their own.
    // On a narrow chart (a phone) the legend alone names them: the plot keeps its width.
    let end_names = spec.kind == ChartKind::Line && spec.series.len() > 1 && spec.width >= 600;
    let names_width = if end_names {
        spec.series
            .iter()
            .map(|s| text_width(&s.name, LABEL_SIZE))
            .fold(0.0, f64::max)
            .min(end_name_max(spec.width)) as u32
            + 10
    } else {
        0
    };
    let mut builder = ChartBuilder::on(area);
    builder
        .margin_left(PAD as u32)
        .margin_right(PAD as u32 + 4 + names_width)
        .margin_bottom(8);
    builder.x_label_area_size(if spec.x_label.is_some() { 42 } else { 24 });
    builder.y_label_area_size(y_label_width.max(40));
    let mut chart = builder.build_cartesian_2d(-0.5f64..(n as f64 - 0.5), lo..hi)?;
    let axis_fmt = |v: &f64| ctx.format().axis(*v, ctx.locale());
    let no_label = |_: &f64| String::new();
    let mut mesh = chart.configure_mesh();
    mesh.disable_x_mesh()
        .x_labels(0)
        .x_label_formatter(&no_label)
        .y_labels(6)
        .y_label_formatter(&axis_fmt)
        .bold_line_style(RGBColor(0xe6, 0xe9, 0xec))
        .light_line_style(TRANSPARENT)
        .axis_style(RGBColor(0xa8, 0xad, 0xb4))
        .label_style(font(LABEL_SIZE, TEXT_MUTED));
    if let Some(x) = &spec.x_label {
        mesh.x_desc(x.as_str());
    }
    if let Some(y) = &spec.y_label {
        mesh.y_desc(y.as_str());
    }
    mesh.axis_desc_style(font(LABEL_SIZE, TEXT_MUTED)).draw()?;

    // Category labels: every k-th so they never overlap; shortened with the full text on hover.
    let slot =
        (chart.backend_coord(&(1.0, lo)).0 - chart.backend_coord(&(0.0, lo)).0).max(1) as f64;
    let widest = spec
        .categories
        .iter()
        .map(|c| text_width(c, LABEL_SIZE))
        .fold(0.0, f64::max)
        .min(140.0);
    let step = ((widest + 8.0) / slot).ceil().max(1.0) as usize;
    let label_style = font(LABEL_SIZE, TEXT_MUTED).pos(Pos::new(HPos::Center, VPos::Top));
    for (i, category) in spec.categories.iter().enumerate().step_by(step) {
        let (x, y) = chart.backend_coord(&(i as f64, lo));
        let (ox, oy) = area.get_base_pixel();
        ctx.label(
            area,
            category,
            slot * step as f64 - 6.0,
            label_style.clone(),
            (x - ox, y - oy + 6),
        )?;
    }

    let series_count = spec.series.len().max(1);
    match spec.kind {
        ChartKind::Line => {
            let mut ends: Vec<(i32, usize)> = Vec::new();
            for (s, series) in spec.series.iter().enumerate() {
                let color = series_color(spec, s);
                // Gaps (missing or non-finite values) split the line instead of dropping to zero.
                let mut run: Vec<(f64, f64)> = Vec::new();
                let mut runs = Vec::new();
                for i in 0..n {
                    match value(s, i) {
                        Some(v) => run.push((i as f64, v.clamp(lo, hi))),
                        None => runs.push(std::mem::take(&mut run)),
                    }
                }
                runs.push(run);
                for run in runs.into_iter().filter(|r| r.len() > 1) {
                    chart.draw_series(std::iter::once(PathElement::new(
                        run,
                        color.stroke_width(2),
                    )))?;
                }
                if end_names {
                    if let Some(last) = (0..n).rev().find_map(|i| value(s, i)) {
                        let (_, y) = chart.backend_coord(&(n as f64 - 0.5, last.clamp(lo, hi)));
                        ends.push((y, s));
                    }
                }
                for i in 0..n {
                    if let Some(v) = value(s, i) {
                        let title = hover(ctx, &spec.categories[i], named(ctx, &series.name), v);
                        ctx.titled("mark", &title, || {
                            chart.draw_series(std::iter::once(Circle::new(
                                (i as f64, v.clamp(lo, hi)),
                                4,
                                color.filled(),
                            )))?;
                            Ok(())
                        })?;
                    }
                }
            }
            if end_names {
                draw_end_names(ctx, area, &chart, &mut ends, (n as f64 - 0.5, lo, hi))?;
            }
        }
        ChartKind::Bars => {
            let group = 0.72;
            let bar = group / series_count as f64;
            for i in 0..n {
                for (s, series) in spec.series.iter().enumerate() {
                    if let Some(v) = value(s, i) {
                        let x0 = i as f64 - group / 2.0 + bar * s as f64;
                        let color = series_color(spec, s);
                        let title = hover(ctx, &spec.categories[i], named(ctx, &series.name), v);
                        ctx.titled("mark", &title, || {
                            let gap = if series_count > 1 { bar * 0.08 } else { 0.0 };
                            chart.draw_series(std::iter::once(Rectangle::new(
                                [
                                    (x0 + gap, 0.0f64.max(lo)),
                                    (x0 + bar - gap, v.clamp(lo, hi)),
                                ],
                                color.filled(),
                            )))?;
                            Ok(())
                        })?;
                    }
                }
            }
        }
        _ => {
            let bar = 0.62;
            for i in 0..n {
                let mut base = 0.0;
                for (s, series) in spec.series.iter().enumerate() {
                    if let Some(v) = value(s, i) {
                        let height = v.clamp(0.0, hi);
                        let color = series_color(spec, s);
                        let title = hover(ctx, &spec.categories[i], named(ctx, &series.name), v);
                        ctx.titled("mark", &title, || {
                            chart.draw_series(std::iter::once(Rectangle::new(
                                [
                                    (i as f64 - bar / 2.0, base),
                                    (i as f64 + bar / 2.0, (base + height).min(hi)),
                                ],
                                color.filled(),
                            )))?;
                            Ok(())
                        })?;
                        base += height;
                    }
                }
            }
        }
    }
    Ok(())
}

/// The widest a line's end name may be before it is shortened (full name on hover): a fifth of a wide chart, so
/// "Коэффициент исполнения" reads whole at desktop width, and never less than 120 px.
fn end_name_max(chart_width: u32) -> f64 {
    (chart_width as f64 * 0.2).max(120.0)
}

/// Writes each line's name at its right end, pushed apart vertically so no two names overlap.
fn draw_end_names<X, Y>(
    ctx: &Ctx,
    area: &Area,
    chart: &ChartContext<'_, crate::svg_backend::MarkedSvgBackend, Cartesian2d<X, Y>>,
    ends: &mut [(i32, usize)],
    (right, lo, hi): (f64, f64, f64),
) -> DrawResult
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let (ox, oy) = area.get_base_pixel();
    let (x, top) = chart.backend_coord(&(right, hi));
    let (_, bottom) = chart.backend_coord(&(right, lo));
    let gap = LABEL_SIZE as i32 + 2;
    ends.sort();
    // Downward pass keeps the order and the gap; an upward pass pulls back what ran past the bottom.
    for i in 1..ends.len() {
        ends[i].0 = ends[i].0.max(ends[i - 1].0 + gap);
    }
    if let Some(last) = ends.last_mut() {
        last.0 = last.0.min(bottom);
    }
    for i in (0..ends.len().saturating_sub(1)).rev() {
        ends[i].0 = ends[i].0.min(ends[i + 1].0 - gap);
    }
    for &(y, s) in ends.iter() {
        let y = y.max(top - gap);
        let color = crate::render::series_color(ctx.spec, s);
        let style = font(LABEL_SIZE, TEXT_MUTED)
            .color(&color)
            .pos(Pos::new(HPos::Left, VPos::Center));
        ctx.label(
            area,
            &ctx.spec.series[s].name,
            end_name_max(ctx.spec.width),
            style,
            (x - ox + 6, y - oy),
        )?;
    }
    Ok(())
}

/// Series names appear in hover text only when there is more than one series.
fn named<'a>(ctx: &Ctx, name: &'a str) -> Option<&'a str> {
    (ctx.spec.series.len() > 1).then_some(name)
}
