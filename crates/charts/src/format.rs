//! Number formatting for the UI, charts and exports, in Russian and English conventions.
//!
//! Russian: narrow no-break space (U+202F) between thousands, comma decimals, a no-break space before
//! the unit ("1 250 000,50 ₽"). English: comma thousands, dot decimals ("1,250,000.50 RUB", "$1,250.00").
//! This module only formats; it must never round money through floats (amounts arrive as integer cents)
//! and never panic on odd input (NaN and infinities print as an em dash).

use serde::{Deserialize, Serialize};

/// Narrow no-break space: the Russian thousands separator.
pub const NNBSP: char = '\u{202F}';
/// No-break space: between a number and its unit, so they never wrap apart.
pub const NBSP: char = '\u{00A0}';
/// What a value that cannot be shown (NaN, infinity) prints as.
pub const NO_VALUE: &str = "—";

/// The UI language; Bitrix24 passes it as `LANG` (anything but "ru" falls back to English).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    Ru,
    En,
}

impl Locale {
    /// Maps a Bitrix24 `LANG` value ("ru", "en", "ua", ...) to a locale; Russian-speaking portals get Russian.
    pub fn from_lang(lang: &str) -> Locale {
        match lang.trim().to_ascii_lowercase().as_str() {
            "ru" | "by" | "kz" | "ua" => Locale::Ru,
            _ => Locale::En,
        }
    }

    fn thousands(self) -> char {
        match self {
            Locale::Ru => NNBSP,
            Locale::En => ',',
        }
    }

    fn decimal(self) -> char {
        match self {
            Locale::Ru => ',',
            Locale::En => '.',
        }
    }
}

/// Groups the digits of an unsigned integer in threes.
// `is_multiple_of` needs Rust 1.87; the workspace supports 1.85.
#[allow(unknown_lints, clippy::manual_is_multiple_of)]
fn group_digits(n: u64, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

/// A whole count: "1 250" / "1,250".
pub fn format_count(n: i64, locale: Locale) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!(
        "{sign}{}",
        group_digits(n.unsigned_abs(), locale.thousands())
    )
}

/// A decimal number with at most `decimals` digits after the point; trailing zeros are dropped.
pub fn format_number(value: f64, decimals: usize, locale: Locale) -> String {
    if !value.is_finite() {
        return NO_VALUE.to_string();
    }
    let decimals = decimals.min(6);
    let scale = 10u64.pow(decimals as u32) as f64;
    let scaled = (value.abs() * scale).round();
    if scaled >= 9.0e18 {
        return NO_VALUE.to_string();
    }
    let scaled = scaled as u64;
    let factor = 10u64.pow(decimals as u32);
    let (whole, frac) = (scaled / factor, scaled % factor);
    let sign = if value < 0.0 && scaled > 0 { "-" } else { "" };
    let mut out = format!("{sign}{}", group_digits(whole, locale.thousands()));
    if decimals > 0 && frac > 0 {
        let frac = format!("{frac:0width$}", width = decimals);
        out.push(locale.decimal());
        out.push_str(frac.trim_end_matches('0'));
    }
    out
}

/// The sign a currency is written with in Russian (`None`: write its code). Headers, chart titles and Excel number
/// formats all take it from here.
pub fn currency_symbol(currency: &str) -> Option<&'static str> {
    match currency {
        "RUB" | "RUR" => Some("₽"),
        "USD" => Some("$"),
        "EUR" => Some("€"),
        "KZT" => Some("₸"),
        "UAH" => Some("₴"),
        "BYN" => Some("Br"),
        _ => None,
    }
}

/// An amount given in cents: "1 250 000,50 ₽", "1,250,000.50 RUB", "$1,250.00".
/// Whole amounts drop the cents in Russian ("1 250 000 ₽") and in English keep the code style
/// ("1,250,000 RUB"), except dollar/euro amounts which always show two decimals after the sign.
pub fn format_money(cents: i64, currency: &str, locale: Locale) -> String {
    let currency = currency.trim().to_ascii_uppercase();
    let negative = cents < 0;
    let abs = cents.unsigned_abs();
    let (whole, frac) = (abs / 100, abs % 100);
    let mut number = group_digits(whole, locale.thousands());
    let prefix_style = locale == Locale::En && matches!(currency.as_str(), "USD" | "EUR");
    if frac > 0 || prefix_style {
        number.push(locale.decimal());
        number.push_str(&format!("{frac:02}"));
    }
    let sign = if negative { "-" } else { "" };
    match locale {
        Locale::Ru => {
            let unit = currency_symbol(&currency).unwrap_or(currency.as_str());
            if unit.is_empty() {
                format!("{sign}{number}")
            } else {
                format!("{sign}{number}{NBSP}{unit}")
            }
        }
        Locale::En if prefix_style => {
            let symbol = currency_symbol(&currency).unwrap_or("");
            format!("{sign}{symbol}{number}")
        }
        Locale::En if currency.is_empty() => format!("{sign}{number}"),
        Locale::En => format!("{sign}{number} {currency}"),
    }
}

/// A money amount given in currency units as a float (chart values); rounded to cents once, here.
pub fn format_money_units(amount: f64, currency: &str, locale: Locale) -> String {
    match units_to_cents(amount) {
        Some(cents) => format_money(cents, currency, locale),
        None => NO_VALUE.to_string(),
    }
}

/// Converts an amount in currency units to whole cents, or None when it is not a usable number.
pub fn units_to_cents(amount: f64) -> Option<i64> {
    let cents = (amount * 100.0).round();
    if cents.is_finite() && cents.abs() < 9.0e18 {
        Some(cents as i64)
    } else {
        None
    }
}

/// A share given as a fraction (0.642 → "64,2 %" / "64.2%"), one decimal at most.
pub fn format_percent(fraction: f64, locale: Locale) -> String {
    if !fraction.is_finite() {
        return NO_VALUE.to_string();
    }
    let number = format_number(fraction * 100.0, 1, locale);
    match locale {
        Locale::Ru => format!("{number}{NBSP}%"),
        Locale::En => format!("{number}%"),
    }
}

/// A difference of two percents, in percentage points, signed: "+2,5 п. п." / "+2.5 pp" (never "%": 40 % → 42 %
/// is +2 points, not +2 %).
pub fn format_points(points: f64, locale: Locale) -> String {
    if !points.is_finite() {
        return NO_VALUE.to_string();
    }
    let sign = if points > 0.0 { "+" } else { "" };
    let number = format_number(points, 1, locale);
    match locale {
        Locale::Ru => format!("{sign}{number}{NBSP}п.{NBSP}п."),
        Locale::En => format!("{sign}{number} pp"),
    }
}

/// A duration in days, one decimal at most: "36 дн." / "36 days", "1 day".
pub fn format_days(days: f64, locale: Locale) -> String {
    if !days.is_finite() {
        return NO_VALUE.to_string();
    }
    let number = format_number(days, 1, locale);
    match locale {
        Locale::Ru => format!("{number}{NBSP}дн."),
        Locale::En if number == "1" => "1 day".to_string(),
        Locale::En => format!("{number} days"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn percent_differences_are_percentage_points() {
        use super::*;
        assert_eq!(
            format_points(2.5, Locale::Ru),
            format!("+2,5{NBSP}п.{NBSP}п.")
        );
        assert_eq!(format_points(2.5, Locale::En), "+2.5 pp");
        assert_eq!(format_points(-10.0, Locale::En), "-10 pp");
        assert_eq!(format_points(f64::NAN, Locale::Ru), NO_VALUE);
        assert_eq!(
            crate::spec::ValueFormat::Points.exact(-1.25, Locale::Ru),
            format!("-1,3{NBSP}п.{NBSP}п.")
        );
    }

    use super::*;

    #[test]
    fn money_russian_uses_narrow_spaces_and_comma() {
        assert_eq!(
            format_money(125_000_050, "RUB", Locale::Ru),
            "1\u{202F}250\u{202F}000,50\u{A0}₽"
        );
        assert_eq!(
            format_money(125_000_000, "RUB", Locale::Ru),
            "1\u{202F}250\u{202F}000\u{A0}₽"
        );
        assert_eq!(format_money(99, "RUB", Locale::Ru), "0,99\u{A0}₽");
        assert_eq!(
            format_money(-150_000, "RUB", Locale::Ru),
            "-1\u{202F}500\u{A0}₽"
        );
        assert_eq!(
            format_money(100_000, "GBP", Locale::Ru),
            "1\u{202F}000\u{A0}GBP"
        );
    }

    #[test]
    fn money_english_code_and_symbol_styles() {
        assert_eq!(
            format_money(125_000_050, "RUB", Locale::En),
            "1,250,000.50 RUB"
        );
        assert_eq!(
            format_money(125_000_000, "rub", Locale::En),
            "1,250,000 RUB"
        );
        assert_eq!(format_money(125_000, "USD", Locale::En), "$1,250.00");
        assert_eq!(format_money(-5, "EUR", Locale::En), "-€0.05");
        assert_eq!(format_money(0, "", Locale::En), "0");
    }

    #[test]
    fn extreme_amounts_do_not_overflow() {
        assert_eq!(
            format_money(i64::MIN, "RUB", Locale::En),
            "-92,233,720,368,547,758.08 RUB"
        );
        assert_eq!(
            format_count(i64::MIN, Locale::En),
            "-9,223,372,036,854,775,808"
        );
    }

    #[test]
    fn counts() {
        assert_eq!(format_count(0, Locale::Ru), "0");
        assert_eq!(format_count(999, Locale::Ru), "999");
        assert_eq!(format_count(1000, Locale::Ru), "1\u{202F}000");
        assert_eq!(format_count(1_234_567, Locale::En), "1,234,567");
        assert_eq!(format_count(-1234, Locale::En), "-1,234");
    }

    #[test]
    fn percents_are_fractions() {
        assert_eq!(format_percent(0.642, Locale::Ru), "64,2\u{A0}%");
        assert_eq!(format_percent(0.64, Locale::En), "64%");
        assert_eq!(format_percent(1.0, Locale::En), "100%");
        assert_eq!(format_percent(0.00049, Locale::En), "0%");
        assert_eq!(format_percent(f64::NAN, Locale::En), NO_VALUE);
    }

    #[test]
    fn days() {
        assert_eq!(format_days(36.0, Locale::Ru), "36\u{A0}дн.");
        assert_eq!(format_days(12.46, Locale::Ru), "12,5\u{A0}дн.");
        assert_eq!(format_days(1.0, Locale::En), "1 day");
        assert_eq!(format_days(2.5, Locale::En), "2.5 days");
        assert_eq!(format_days(f64::INFINITY, Locale::Ru), NO_VALUE);
    }

    #[test]
    fn money_units_round_once() {
        assert_eq!(format_money_units(0.1 + 0.2, "RUB", Locale::En), "0.30 RUB");
        assert_eq!(format_money_units(f64::NAN, "RUB", Locale::En), NO_VALUE);
        assert_eq!(format_money_units(1e30, "RUB", Locale::En), NO_VALUE);
    }

    #[test]
    fn lang_mapping() {
        assert_eq!(Locale::from_lang("ru"), Locale::Ru);
        assert_eq!(Locale::from_lang(" RU "), Locale::Ru);
        assert_eq!(Locale::from_lang("de"), Locale::En);
    }
}
