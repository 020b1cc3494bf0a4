//! Pipeline funnel: one centred bar per stage in pipeline order, width proportional to the deals
//! that reached it, with the count and the share of the first stage. Must never divide by zero.

use crate::format::format_percent;
use crate::render::{bold, font, series_color, truncate, Area, Ctx, DrawResult, LABEL_SIZE, PAD};
use crate::spec::{TEXT_DARK, TEXT_MUTED};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub(crate) fn draw(ctx: &Ctx, area: &Area) -> DrawResult {
    let spec = ctx.spec;
    let Some(series) = spec.series.first() else {
        return Ok(());
    };
    let n = spec.categories.len();
    let values: Vec<f64> = (0..n)
        .map(|i| {
            series
                .values
                .get(i)
                .copied()
                .filter(|v| v.is_finite())
                .unwrap_or(0.0)
                .max(0.0)
        })
        .collect();
    let first = values.first().copied().unwrap_or(0.0);
    let max = values.iter().copied().fold(0.0, f64::max);
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    // Names get the room they need (up to 45 % of the width), so "Консалтинг" is never cut while space is free.
    let widest = spec
        .categories
        .iter()
        .map(|c| crate::svg_backend::text_width(c, LABEL_SIZE))
        .fold(0.0, f64::max);
    let names_width = (widest + 22.0).clamp(60.0, (w as f64 * 0.45).max(60.0)) as i32;
    let values_width = ((w as f64) * 0.3).clamp(90.0, 150.0) as i32;
    let bar_left = PAD + names_width;
    let bar_span = (w - bar_left - values_width - PAD).max(40);
    let row = ((h - 12) / n.max(1) as i32).clamp(8, 44);
    let color = series_color(spec, 0);
    for (i, category) in spec.categories.iter().enumerate() {
        let v = values[i];
        let y = 4 + row * i as i32;
        let share = if first > 0.0 { v / first } else { f64::NAN };
        let bar_w = if max > 0.0 {
            ((v / max) * bar_span as f64).round() as i32
        } else {
            0
        }
        .max(2);
        let x0 = bar_left + (bar_span - bar_w) / 2;
        let count = ctx.format().exact(v, ctx.locale());
        let share_text = format_percent(share, ctx.locale());
        let title = format!("{category}: {count} ({share_text})");
        let style = font(LABEL_SIZE, TEXT_DARK).pos(Pos::new(HPos::Right, VPos::Center));
        ctx.label(
            area,
            category,
            names_width as f64 - 12.0,
            style,
            (bar_left - 10, y + row / 2),
        )?;
        ctx.titled("mark", &title, || {
            area.draw(&Rectangle::new(
                [(x0, y + 2), (x0 + bar_w, y + row - 2)],
                color.filled(),
            ))?;
            Ok(())
        })?;
        let text = truncate(
            &format!("{count} · {share_text}"),
            values_width as f64,
            LABEL_SIZE,
        );
        let style = bold(LABEL_SIZE, TEXT_MUTED).pos(Pos::new(HPos::Left, VPos::Center));
        area.draw_text(&text, &style, (bar_left + bar_span + 12, y + row / 2))?;
    }
    Ok(())
}
