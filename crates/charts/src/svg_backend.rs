//! A plotters drawing backend that writes SVG into a shared buffer, so the renderer can wrap the
//! elements of each data mark in `<g class="mark"><title>…</title>…</g>` (hover values).
//!
//! Text is written as `<text>` and measured approximately, so no system font is ever looked up.
//! This module must never rasterise anything or depend on fonts being installed.

use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::FontTransform;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};
use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;

/// The font stack Bitrix24 itself uses; browsers pick the first available.
pub const FONT_STACK: &str = "'Open Sans', 'Helvetica Neue', Arial, sans-serif";

/// Never happens: writing into a String cannot fail.
#[derive(Debug, thiserror::Error)]
#[error("svg write failed")]
pub struct SvgError;

/// The SVG element buffer shared between the backend and the renderer.
pub type SharedSvg = Rc<RefCell<String>>;

pub struct MarkedSvgBackend {
    size: (u32, u32),
    out: SharedSvg,
}

impl MarkedSvgBackend {
    pub fn new(size: (u32, u32), out: SharedSvg) -> Self {
        MarkedSvgBackend { size, out }
    }
}

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn color(c: &BackendColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.rgb.0, c.rgb.1, c.rgb.2)
}

fn opacity(c: &BackendColor) -> String {
    if c.alpha >= 1.0 {
        String::new()
    } else {
        format!(" opacity=\"{:.3}\"", c.alpha.max(0.0))
    }
}

/// Approximate width of a string in pixels: average glyph widths of a sans-serif font.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| match c {
            ' ' | '\u{202F}' | '\u{A0}' | '.' | ',' | ':' | ';' | 'i' | 'l' | 'j' | '\'' | '|' => {
                0.3
            }
            'm' | 'w' | 'M' | 'W' | 'ш' | 'щ' | 'ж' | 'ю' | 'ы' | 'Ш' | 'Щ' | 'Ж' | 'Ю' | 'Ы'
            | 'М' => 0.85,
            c if c.is_uppercase() => 0.68,
            c if c.is_ascii_digit() => 0.56,
            _ => 0.55,
        })
        .sum::<f64>()
        * size
}

impl DrawingBackend for MarkedSvgBackend {
    type ErrorType = SvgError;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<SvgError>> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<SvgError>> {
        Ok(())
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        c: BackendColor,
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        if c.alpha == 0.0 {
            return Ok(());
        }
        let _ = writeln!(
            self.out.borrow_mut(),
            "<rect x=\"{}\" y=\"{}\" width=\"1\" height=\"1\" fill=\"{}\"{}/>",
            point.0,
            point.1,
            color(&c),
            opacity(&c)
        );
        Ok(())
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        let c = style.color();
        if c.alpha == 0.0 {
            return Ok(());
        }
        let _ = writeln!(
            self.out.borrow_mut(),
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"{}\"{}/>",
            from.0,
            from.1,
            to.0,
            to.1,
            color(&c),
            style.stroke_width(),
            opacity(&c)
        );
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        ul: BackendCoord,
        br: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        let c = style.color();
        if c.alpha == 0.0 {
            return Ok(());
        }
        let (x, y) = (ul.0.min(br.0), ul.1.min(br.1));
        let (w, h) = ((br.0 - ul.0).abs(), (br.1 - ul.1).abs());
        let paint = if fill {
            format!("fill=\"{}\"", color(&c))
        } else {
            format!(
                "fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"",
                color(&c),
                style.stroke_width()
            )
        };
        let _ = writeln!(
            self.out.borrow_mut(),
            "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" {paint}{}/>",
            opacity(&c)
        );
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        let c = style.color();
        if c.alpha == 0.0 {
            return Ok(());
        }
        let points: Vec<String> = path.into_iter().map(|(x, y)| format!("{x},{y}")).collect();
        let _ = writeln!(
            self.out.borrow_mut(),
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" stroke-linejoin=\"round\" stroke-linecap=\"round\"{} points=\"{}\"/>",
            color(&c),
            style.stroke_width(),
            opacity(&c),
            points.join(" ")
        );
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        let c = style.color();
        if c.alpha == 0.0 {
            return Ok(());
        }
        let paint = if fill {
            format!(
                "fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"1\"",
                color(&c)
            )
        } else {
            format!(
                "fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"",
                color(&c),
                style.stroke_width()
            )
        };
        let _ = writeln!(
            self.out.borrow_mut(),
            "<circle cx=\"{}\" cy=\"{}\" r=\"{radius}\" {paint}{}/>",
            center.0,
            center.1,
            opacity(&c)
        );
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        let c = style.color();
        if c.alpha == 0.0 {
            return Ok(());
        }
        let points: Vec<String> = vert.into_iter().map(|(x, y)| format!("{x},{y}")).collect();
        let _ = writeln!(
            self.out.borrow_mut(),
            "<polygon points=\"{}\" fill=\"{}\"{}/>",
            points.join(" "),
            color(&c),
            opacity(&c)
        );
        Ok(())
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        let c = style.color();
        if c.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let anchor = match style.anchor().h_pos {
            HPos::Left => "start",
            HPos::Center => "middle",
            HPos::Right => "end",
        };
        // Baseline shifts in em units work in every renderer (dominant-baseline does not).
        let dy = match style.anchor().v_pos {
            VPos::Top => "0.76em",
            VPos::Center => "0.35em",
            VPos::Bottom => "0",
        };
        let rotate = match style.transform() {
            FontTransform::None => String::new(),
            FontTransform::Rotate90 => format!(" transform=\"rotate(90, {}, {})\"", pos.0, pos.1),
            FontTransform::Rotate180 => format!(" transform=\"rotate(180, {}, {})\"", pos.0, pos.1),
            FontTransform::Rotate270 => format!(" transform=\"rotate(270, {}, {})\"", pos.0, pos.1),
        };
        let weight = match style.style().as_str() {
            "bold" => " font-weight=\"bold\"",
            _ => "",
        };
        let _ = writeln!(
            self.out.borrow_mut(),
            "<text x=\"{}\" y=\"{}\" dy=\"{dy}\" text-anchor=\"{anchor}\" font-family=\"{FONT_STACK}\" font-size=\"{:.0}\"{weight} fill=\"{}\"{}{rotate}>{}</text>",
            pos.0,
            pos.1,
            style.size(),
            color(&c),
            opacity(&c),
            escape(text)
        );
        Ok(())
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), DrawingErrorKind<SvgError>> {
        let size = style.size();
        let w = text_width(text, size).ceil() as u32;
        let h = size.ceil() as u32;
        Ok(match style.transform() {
            FontTransform::Rotate90 | FontTransform::Rotate270 => (h, w),
            _ => (w, h),
        })
    }
}
