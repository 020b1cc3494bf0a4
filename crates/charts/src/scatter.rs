//! Labelled scatter (activity index vs won sum): one point per employee with a short name beside it.
//! Points with a non-finite coordinate are left out, never drawn at zero.

use crate::render::{
    font, series_color, truncate, Area, Ctx, DrawResult, AXIS_LIMIT, LABEL_SIZE, PAD,
};
use crate::spec::TEXT_MUTED;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = (
        lo.clamp(-AXIS_LIMIT, AXIS_LIMIT),
        hi.clamp(-AXIS_LIMIT, AXIS_LIMIT),
    );
    let (lo, hi) = if hi - lo < 1e-12 {
        (lo - 1.0, hi + 1.0)
    } else {
        (lo, hi)
    };
    let pad = (hi - lo) * 0.08;
    (
        if lo >= 0.0 {
            (lo - pad).max(0.0)
        } else {
            lo - pad
        },
        hi + pad,
    )
}

pub(crate) fn draw(ctx: &Ctx, area: &Area) -> DrawResult {
    let spec = ctx.spec;
    let points: Vec<_> = spec
        .points
        .iter()
        .filter(|p| p.x.is_finite() && p.y.is_finite())
        .collect();
    let fold = |f: fn(&crate::spec::ScatterPoint) -> f64| {
        points
            .iter()
            .map(|p| f(p))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            })
    };
    let (x0, x1) = fold(|p| p.x);
    let (y0, y1) = fold(|p| p.y);
    let (x0, x1) = padded(x0.min(0.0), x1);
    let (y0, y1) = padded(y0.min(0.0), y1);
    let x_fmt = |v: &f64| spec.x_format.axis(*v, ctx.locale());
    let y_fmt = |v: &f64| ctx.format().axis(*v, ctx.locale());
    let mut chart = ChartBuilder::on(area)
        .margin_left(PAD as u32)
        .margin_right(PAD as u32 + 60)
        .margin_bottom(8)
        .x_label_area_size(if spec.x_label.is_some() { 42 } else { 24 })
        .y_label_area_size(if spec.y_label.is_some() { 90 } else { 70 })
        .build_cartesian_2d(x0..x1, y0..y1)?;
    let mut mesh = chart.configure_mesh();
    mesh.x_labels(6)
        .y_labels(6)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .bold_line_style(RGBColor(0xe6, 0xe9, 0xec))
        .light_line_style(TRANSPARENT)
        .axis_style(RGBColor(0xa8, 0xad, 0xb4))
        .label_style(font(LABEL_SIZE, TEXT_MUTED))
        .axis_desc_style(font(LABEL_SIZE, TEXT_MUTED));
    if let Some(x) = &spec.x_label {
        mesh.x_desc(x.as_str());
    }
    if let Some(y) = &spec.y_label {
        mesh.y_desc(y.as_str());
    }
    mesh.draw()?;
    let color = series_color(spec, 0);
    let (ox, oy) = area.get_base_pixel();
    let x_name = spec.x_label.clone().unwrap_or_else(|| "x".into());
    let y_name = spec.y_label.clone().unwrap_or_else(|| "y".into());
    for p in points {
        let title = format!(
            "{}: {x_name} {}, {y_name} {}",
            p.label,
            spec.x_format.exact(p.x, ctx.locale()),
            ctx.format().exact(p.y, ctx.locale())
        );
        ctx.titled("mark", &title, || {
            chart.draw_series(std::iter::once(Circle::new(
                (p.x.clamp(x0, x1), p.y.clamp(y0, y1)),
                5,
                color.mix(0.85).filled(),
            )))?;
            Ok(())
        })?;
        let (px, py) = chart.backend_coord(&(p.x.clamp(x0, x1), p.y.clamp(y0, y1)));
        let style = font(11.0, TEXT_MUTED).pos(Pos::new(HPos::Left, VPos::Center));
        area.draw_text(
            &truncate(&p.label, 110.0, 11.0),
            &style,
            (px - ox + 8, py - oy),
        )?;
    }
    Ok(())
}
