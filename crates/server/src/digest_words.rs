//! The weekly digest's text in Russian or English: a notification in Bitrix24's BB-code (`[b]`, `[URL=…]`), one
//! line per fact, each line linking into the app. Takes the numbers as computed (`digest_content`); must never
//! compute a number itself.

use b24a_charts::format::{format_money_units, Locale};

use crate::digest_content::DigestContent;
use crate::i18n::Lang;

fn w(lang: Lang, ru: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Ru => ru,
        Lang::En => en,
    }
}

/// A link line: `text` followed by the app link.
fn line(text: String, link: &str, lang: Lang) -> String {
    format!("{text} — [URL={link}]{}[/URL]", w(lang, "открыть", "open"))
}

/// The notification's text. `link` opens the app in the portal (docs/DIGEST.md).
pub fn message(c: &DigestContent, lang: Lang, link: &str) -> String {
    let loc = match lang {
        Lang::Ru => Locale::Ru,
        Lang::En => Locale::En,
    };
    let m = |v: f64| format_money_units(v, &c.currency, loc);
    let mut out = vec![format!(
        "[b]{}[/b]",
        w(lang, "Еженедельная сводка продаж", "Weekly sales digest")
    )];
    out.push(String::new());
    out.push(format!(
        "[b]{}[/b]",
        w(lang, "Темп плана (этот месяц)", "Plan pace (this month)")
    ));
    if c.pace.is_empty() {
        out.push(
            w(
                lang,
                "Планы на этот месяц не заданы.",
                "No plans for this month.",
            )
            .to_string(),
        );
    }
    for p in &c.pace {
        let state = match p.behind() {
            None => w(lang, "в графике", "on track").to_string(),
            Some(gap) => format!("{} {}", w(lang, "отстаёт на", "behind by"), m(gap)),
        };
        out.push(line(
            format!(
                "{}: {state} ({} {} {} {})",
                p.name,
                w(lang, "прогноз", "forecast"),
                m(p.forecast),
                w(lang, "из", "of"),
                m(p.plan)
            ),
            link,
            lang,
        ));
    }
    out.push(String::new());
    out.push(format!(
        "[b]{}[/b]",
        w(lang, "Крупнейшие забытые сделки", "Largest forgotten deals")
    ));
    if c.stale.is_empty() {
        out.push(w(lang, "Забытых сделок нет.", "No forgotten deals.").to_string());
    }
    for d in &c.stale {
        let amount = d.amount.map(m).unwrap_or_else(|| "—".into());
        out.push(line(format!("#{} {}: {amount}", d.id, d.title), link, lang));
    }
    out.push(String::new());
    out.push(format!(
        "[b]{}[/b]",
        w(lang, "Просроченные дела", "Overdue activities")
    ));
    if c.overdue.is_empty() {
        out.push(w(lang, "Просроченных дел нет.", "No overdue activities.").to_string());
    }
    for (_, name, n) in &c.overdue {
        out.push(line(format!("{name}: {n}"), link, lang));
    }
    out.push(String::new());
    let won = |v: Option<f64>| v.map(m).unwrap_or_else(|| "—".into());
    let change = match (c.won_last_week, c.won_week_before) {
        (Some(a), Some(b)) => {
            let d = ((a - b) * 100.0).round() / 100.0;
            let sign = if d > 0.0 { "+" } else { "" };
            format!(" ({sign}{})", m(d))
        }
        _ => String::new(),
    };
    out.push(line(
        format!(
            "[b]{}[/b]: {} {}, {} {}{change}",
            w(lang, "Выиграно", "Won"),
            won(c.won_last_week),
            w(lang, "за прошлую неделю", "last week"),
            won(c.won_week_before),
            w(lang, "за позапрошлую", "the week before"),
        ),
        link,
        lang,
    ));
    out.join("\n")
}
