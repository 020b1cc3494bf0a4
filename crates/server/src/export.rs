//! Excel exports of a report: one block, or the whole report as one workbook with a sheet per block. Turns report
//! tables into `b24a-charts` tables (numbers stay numbers; percents become fractions so Excel shows 64 % for 64);
//! the workbook itself is written by `b24a-charts`.

use b24a_charts::{Cell, Column, ColumnKind, Table};
use b24a_reports::{Answer, Unit};

use crate::i18n::{block_title_named, Lang};

/// The short name of a metric for a header: the definition's first clause.
pub fn metric_name(metric: &str, lang: Lang) -> String {
    if let Some(l) = crate::labels::metric_label(metric, lang) {
        return l.to_string();
    }
    match b24a_reports::definition(metric) {
        Some(d) => {
            let text = if lang == Lang::En { d.en } else { d.ru };
            let cut = text
                .split(['.', ':', '—', '('])
                .next()
                .unwrap_or(text)
                .trim();
            if cut.chars().count() > 60 {
                cut.chars().take(58).collect::<String>() + "…"
            } else {
                cut.to_string()
            }
        }
        None => metric.replace('_', " "),
    }
}

fn kind(unit: Unit, currency: &str) -> ColumnKind {
    match unit {
        Unit::Count | Unit::Minutes | Unit::Index => ColumnKind::Integer,
        Unit::Money => ColumnKind::Money {
            currency: currency.to_string(),
        },
        Unit::Percent => ColumnKind::Percent,
        Unit::Days => ColumnKind::Days,
        Unit::Instant => ColumnKind::DateTime,
    }
}

fn cell(v: Option<f64>, unit: Unit) -> Cell {
    match (v, unit) {
        (None, _) => Cell::Empty,
        (Some(x), Unit::Percent) => Cell::Number(x / 100.0),
        (Some(x), Unit::Instant) => chrono::DateTime::from_timestamp(x as i64, 0)
            .map(|d| Cell::Text(d.format("%Y-%m-%d %H:%M:%S").to_string()))
            .unwrap_or(Cell::Empty),
        (Some(x), _) => Cell::Number(x),
    }
}

/// Export tables of an answer; `block` picks one by key.
pub fn tables(
    answer: &Answer,
    block: Option<&str>,
    lang: Lang,
    pipelines: &[(i64, String)],
) -> Vec<Table> {
    let cur = &answer.meta.currency;
    answer
        .tables
        .iter()
        .filter(|t| block.is_none_or(|b| b == t.key))
        .map(|t| {
            let mut columns = vec![Column {
                header: String::new(),
                kind: ColumnKind::Text,
            }];
            columns.extend(t.columns.iter().map(|c| Column {
                header: metric_name(c.metric, lang),
                kind: kind(c.unit, cur),
            }));
            let row = |label: String, cells: &[b24a_reports::answer::Cell]| {
                let mut r = vec![Cell::Text(label)];
                r.extend(
                    cells
                        .iter()
                        .zip(&t.columns)
                        .map(|(c, col)| cell(c.value, col.unit)),
                );
                r
            };
            Table {
                title: block_title_named(lang, &t.key, pipelines),
                columns,
                rows: t
                    .rows
                    .iter()
                    .map(|r| row(r.label.clone(), &r.cells))
                    .collect(),
                totals: t
                    .total
                    .as_ref()
                    .map(|tot| row(crate::i18n::t(lang, "total").to_string(), &tot.cells)),
            }
        })
        .collect()
}
