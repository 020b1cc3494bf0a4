//! What makes a report workbook ready for a board meeting: the cover sheet (report, period, comparison, filters by
//! name, the export's date in the portal's wall clock, the tiles), the file name that names the report and period,
//! and the download headers (an ASCII fallback name plus the RFC 5987 `filename*`). Must never compute a number.

use b24a_charts::{Cell, ColumnKind, Cover, CoverLine};
use b24a_reports::dicts::Dicts;
use b24a_reports::{Answer, Filter, PortalContext, ReportId};
use chrono::NaiveDate;

use crate::i18n::Lang;

fn pick(lang: Lang, ru: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::En {
        en
    } else {
        ru
    }
}

fn day(d: NaiveDate) -> Cell {
    Cell::Text(d.format("%Y-%m-%d").to_string())
}

fn range_line(label: &str, from: NaiveDate, to: NaiveDate) -> CoverLine {
    CoverLine {
        label: label.to_string(),
        values: vec![(day(from), ColumnKind::Date), (day(to), ColumnKind::Date)],
    }
}

/// The filter's restrictions by name, one line each; "all" when the filter restricts nothing.
fn filter_lines(filter: &Filter, dicts: &Dicts, lang: Lang) -> Vec<CoverLine> {
    let mut out = Vec::new();
    let mut add = |label: &str, names: Vec<String>| {
        if !names.is_empty() {
            out.push(CoverLine::text(label, names.join(", ")));
        }
    };
    add(
        pick(lang, "Воронки", "Pipelines"),
        filter
            .pipelines
            .iter()
            .map(|p| dicts.pipeline_name(*p))
            .collect(),
    );
    add(
        pick(lang, "Отделы", "Departments"),
        filter
            .departments
            .iter()
            .map(|d| dicts.dept_name(*d))
            .collect(),
    );
    add(
        pick(lang, "Сотрудники", "Employees"),
        filter
            .employees
            .iter()
            .map(|u| dicts.user_name(Some(*u)))
            .collect(),
    );
    add(
        pick(lang, "Источники", "Sources"),
        filter
            .sources
            .iter()
            .map(|s| dicts.source_name(s))
            .collect(),
    );
    add(
        pick(lang, "Проекты", "Projects"),
        filter
            .projects
            .iter()
            .map(|p| {
                dicts
                    .projects
                    .get(p)
                    .cloned()
                    .unwrap_or_else(|| p.to_string())
            })
            .collect(),
    );
    if !filter.custom_fields.is_empty() {
        add(
            pick(lang, "Пользовательские поля", "Custom fields"),
            vec![filter.custom_fields.len().to_string()],
        );
    }
    if out.is_empty() {
        out.push(CoverLine::text(
            pick(lang, "Фильтры", "Filters"),
            pick(lang, "нет (все данные)", "none (all data)"),
        ));
    }
    out
}

fn exported_line(ctx: &PortalContext, lang: Lang) -> CoverLine {
    // The portal's wall clock, as the page shows times.
    let at = ctx
        .tz
        .local(ctx.now)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    CoverLine {
        label: pick(lang, "Выгружено", "Exported").to_string(),
        values: vec![(Cell::Text(at), ColumnKind::DateTime)],
    }
}

/// The cover of a whole report or one block: name, period, comparison, filters, export date and every tile.
pub fn cover_for_report(
    answer: &Answer,
    filter: &Filter,
    dicts: &Dicts,
    ctx: &PortalContext,
    lang: Lang,
) -> Cover {
    let report = answer.meta.report;
    let mut facts = vec![range_line(
        pick(lang, "Период", "Period"),
        answer.meta.period.from,
        answer.meta.period.to,
    )];
    if let Some(c) = &answer.meta.comparison {
        facts.push(range_line(
            pick(lang, "Сравнение с", "Compared with"),
            c.from,
            c.to,
        ));
    }
    facts.extend(filter_lines(filter, dicts, lang));
    facts.push(exported_line(ctx, lang));
    let cur = &answer.meta.currency;
    let tiles = answer
        .tiles
        .iter()
        .map(|t| {
            let mut values = vec![(
                t.value.map_or(Cell::Empty, |v| {
                    Cell::Number(if t.unit == b24a_reports::Unit::Percent {
                        v / 100.0
                    } else {
                        v
                    })
                }),
                crate::export::column_kind(t.unit, cur),
            )];
            if let Some(a) = t.amount {
                values.push((
                    Cell::Number(a),
                    ColumnKind::Money {
                        currency: cur.clone(),
                    },
                ));
            }
            CoverLine {
                label: crate::export::metric_name(t.metric, lang),
                values,
            }
        })
        .collect();
    let title = crate::i18n::t(lang, report.as_str()).to_string();
    Cover {
        sheet_name: pick(lang, "Сводка", "Summary").to_string(),
        title,
        facts,
        tiles_header: vec![
            pick(lang, "Показатель", "Measure").to_string(),
            pick(lang, "Значение", "Value").to_string(),
            pick(lang, "Сумма", "Amount").to_string(),
        ],
        tiles,
    }
}

/// The cover of an exported record list: report, list name, period, filters, how many records, export date.
#[allow(clippy::too_many_arguments)]
pub fn cover_for_list(
    report: ReportId,
    title: &str,
    filter: &Filter,
    period: (NaiveDate, NaiveDate),
    dicts: &Dicts,
    records: usize,
    ctx: &PortalContext,
    lang: Lang,
) -> Cover {
    let mut facts = vec![
        CoverLine::text(pick(lang, "Список", "List"), title),
        range_line(pick(lang, "Период", "Period"), period.0, period.1),
    ];
    facts.extend(filter_lines(filter, dicts, lang));
    facts.push(CoverLine {
        label: pick(lang, "Записей", "Records").to_string(),
        values: vec![(Cell::Number(records as f64), ColumnKind::Integer)],
    });
    facts.push(exported_line(ctx, lang));
    Cover {
        sheet_name: pick(lang, "Сводка", "Summary").to_string(),
        title: crate::i18n::t(lang, report.as_str()).to_string(),
        facts,
        tiles_header: Vec::new(),
        tiles: Vec::new(),
    }
}

/// `Динамика продаж 2026-11-01 — 2026-11-30.xlsx`, with the block or list name after the report's when given.
pub fn file_name(
    report: ReportId,
    part: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
    lang: Lang,
) -> String {
    let mut name = crate::i18n::t(lang, report.as_str()).to_string();
    if let Some(p) = part.filter(|p| !p.trim().is_empty()) {
        name.push_str(" — ");
        name.push_str(p.trim());
    }
    let name: String = name
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect();
    format!(
        "{name} {} — {}.xlsx",
        from.format("%Y-%m-%d"),
        to.format("%Y-%m-%d")
    )
}

/// An ASCII-only stand-in for clients that ignore `filename*`: Latin letters, digits, '-', '_', '.' kept, the
/// rest folded to '_' (runs of them to one).
pub fn ascii_fallback(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '-' | '.') {
            c
        } else {
            '_'
        };
        if !(c == '_' && out.ends_with('_')) {
            out.push(c);
        }
    }
    let out = out.replace("_.", ".");
    out.trim_matches('_').to_string()
}

/// RFC 5987 percent-encoding of UTF-8 (attr-char kept).
fn rfc5987(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `attachment; filename="ascii"; filename*=UTF-8''…`.
pub fn content_disposition(name: &str) -> String {
    format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        ascii_fallback(name),
        rfc5987(name)
    )
}

/// A workbook download.
pub fn xlsx_response(bytes: Vec<u8>, name: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                content_disposition(name),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_name_the_report_and_period_with_an_ascii_fallback() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let name = file_name(
            ReportId::SalesDynamics,
            None,
            d("2026-11-01"),
            d("2026-11-30"),
            Lang::Ru,
        );
        assert_eq!(name, "Динамика продаж 2026-11-01 — 2026-11-30.xlsx");
        let cd = content_disposition(&name);
        assert!(
            cd.starts_with(
                "attachment; filename=\"2026-11-01_2026-11-30.xlsx\"; filename*=UTF-8''"
            ),
            "{cd}"
        );
        // Decoding the percent-encoded part gives the name back.
        let enc = cd.split("UTF-8''").nth(1).unwrap();
        let mut bytes = Vec::new();
        let mut it = enc.bytes();
        while let Some(b) = it.next() {
            if b == b'%' {
                let hex: String = [it.next().unwrap() as char, it.next().unwrap() as char]
                    .iter()
                    .collect();
                bytes.push(u8::from_str_radix(&hex, 16).unwrap());
            } else {
                bytes.push(b);
            }
        }
        assert_eq!(String::from_utf8(bytes).unwrap(), name);
        let en = file_name(
            ReportId::Managers,
            Some("By manager"),
            d("2026-01-01"),
            d("2026-03-31"),
            Lang::En,
        );
        assert_eq!(
            ascii_fallback(&en),
            "Manager_efficiency_By_manager_2026-01-01_2026-03-31.xlsx"
        );
    }
}
