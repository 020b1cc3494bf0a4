//! Labelled scatter (activity index vs won sum): one point per employee with a short name beside it.
//! Points with a non-finite coordinate are left out, never drawn at zero. A name that would overlap another name is
//! moved to the other side of its point or left out (the point keeps its hover title), never drawn over text or
//! over another point.

use crate::render::{
    font, series_color, truncate, Area, Ctx, DrawResult, AXIS_LIMIT, LABEL_SIZE, PAD,
};
use crate::spec::TEXT_MUTED;
use crate::svg_backend::text_width;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = (
        lo.clamp(-AXIS_LIMIT, AXIS_LIMIT),
        hi.clamp(-AXIS_LIMIT, AXIS_LIMIT),
    );
    // One value only: a unit range beside it; never negative when the values are not (no "−1 ₽" axis).
    let (lo, hi) = if hi - lo < 1e-12 {
        if lo >= 0.0 {
            (lo, hi + 1.0)
        } else {
            (lo - 1.0, hi + 1.0)
        }
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
    // Names stay between the y axis and the chart's right edge (never over the axis labels).
    let left_edge = chart.plotting_area().get_pixel_range().0.start;
    let right_edge = area.get_pixel_range().0.end;
    // Every point's marker is taken space too: a name is never written over another point.
    let mut placed: Vec<Rect> = points
        .iter()
        .map(|p| {
            let (px, py) = chart.backend_coord(&(p.x.clamp(x0, x1), p.y.clamp(y0, y1)));
            Rect::new(px - 5, py - 5, 10, 10)
        })
        .collect();
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
        let text = truncate(&p.label, 110.0, LABEL_FONT);
        let w = text_width(&text, LABEL_FONT).ceil() as i32;
        let h = LABEL_FONT as i32 + 2;
        // 3 px clear of its own marker: only other points and names can be in the way.
        let right = Rect::new(px + 8, py - h / 2, w, h);
        let left = Rect::new(px - 8 - w, py - h / 2, w, h);
        let Some((spot, anchor, x)) = [(right, HPos::Left, px + 8), (left, HPos::Right, px - 8)]
            .into_iter()
            .find(|(r, _, _)| {
                r.x >= left_edge && r.x + r.w <= right_edge && !placed.iter().any(|o| o.overlaps(r))
            })
        else {
            continue;
        };
        placed.push(spot);
        let style = font(LABEL_FONT, TEXT_MUTED).pos(Pos::new(anchor, VPos::Center));
        area.draw_text(&text, &style, (x - ox, py - oy))?;
    }
    Ok(())
}

const LABEL_FONT: f64 = 11.0;

/// A label's box in backend pixels.
#[derive(Debug, Clone, Copy)]
struct Rect {
    x: i32,
    y: i32,
    w: i32,
    h: i32,
}

impl Rect {
    fn new(x: i32, y: i32, w: i32, h: i32) -> Rect {
        Rect { x, y, w, h }
    }
    fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }
}
