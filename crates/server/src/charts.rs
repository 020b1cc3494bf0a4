//! Which blocks of a report answer become which server-rendered SVG chart: time series as lines (counts) and bars
//! (money), rankings as horizontal bars, stage tables as funnels, activity index vs won sum as a scatter. Drawing
//! is `b24a-charts`' job; this module only builds the chart descriptions and never invents numbers.

use b24a_charts::{ChartKind, ChartSpec, Locale, ScatterPoint, Series, ValueFormat};
use b24a_reports::answer::{BlockKind, Row, Table};
use b24a_reports::{Answer, Unit};
use serde_json::{json, Value};

use crate::export::metric_name;
use crate::i18n::{block_title, block_title_named, Lang};

const RANKING_ROWS: usize = 15;

pub(crate) fn fmt(unit: Unit, currency: &str) -> ValueFormat {
    match unit {
        Unit::Money => ValueFormat::Money {
            currency: currency.to_string(),
        },
        Unit::Percent => ValueFormat::Percent,
        Unit::Days => ValueFormat::Days,
        Unit::Index => ValueFormat::Number,
        Unit::Points => ValueFormat::Points,
        _ => ValueFormat::Count,
    }
}

fn value(v: Option<f64>, unit: Unit) -> f64 {
    if unit == Unit::Percent {
        // A share of nothing (the table's "—") is a gap in the line, not a drop to 0 %.
        v.map(|x| x / 100.0).unwrap_or(f64::NAN)
    } else {
        v.unwrap_or(0.0)
    }
}

pub(crate) fn spec(title: String, kind: ChartKind, lang: Lang, vf: ValueFormat) -> ChartSpec {
    ChartSpec {
        title,
        kind,
        categories: vec![],
        series: vec![],
        points: vec![],
        value_format: vf,
        x_format: ValueFormat::Number,
        x_label: None,
        y_label: None,
        locale: Locale::from_lang(lang.code()),
        width: 1000,
        height: 340,
    }
}

/// A bucket's `YYYY-MM-DD` in the page's order with a short year (`02.11.26` / `11/02/26`), so a year of weeks
/// fits the axis without labels running into each other; a partial bucket (`YYYY-MM-DD..YYYY-MM-DD`, the days of
/// it inside the period) as its days (`01.12–06.12.26`); any other label unchanged.
fn axis_date(label: &str, lang: Lang) -> String {
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    if let Some((a, b)) = label.split_once("..").and_then(|(a, b)| day(a).zip(day(b))) {
        return match lang {
            Lang::Ru => format!("{}–{}", a.format("%d.%m"), b.format("%d.%m.%y")),
            Lang::En => format!("{}–{}", a.format("%m/%d"), b.format("%m/%d/%y")),
        };
    }
    match chrono::NaiveDate::parse_from_str(label, "%Y-%m-%d") {
        Ok(d) => match lang {
            Lang::Ru => d.format("%d.%m.%y").to_string(),
            Lang::En => d.format("%m/%d/%y").to_string(),
        },
        Err(_) => label.to_string(),
    }
}

/// Time series: one chart per unit present (counts as lines, money as bars, percents as lines).
fn series_charts(t: &Table, cur: &str, lang: Lang, out: &mut Vec<(String, ChartSpec)>) {
    let categories: Vec<String> = t.rows.iter().map(|r| axis_date(&r.label, lang)).collect();
    for (suffix, unit, kind) in [
        ("", Unit::Count, ChartKind::Line),
        ("__money", Unit::Money, ChartKind::Bars),
        ("__pct", Unit::Percent, ChartKind::Line),
    ] {
        let cols: Vec<usize> = (0..t.columns.len())
            .filter(|i| t.columns[*i].unit == unit)
            .collect();
        if cols.is_empty() || t.rows.len() < 2 {
            continue;
        }
        // Two charts of one block must not carry the same title: say what the second one measures.
        let what = match (unit, lang) {
            (Unit::Money, Lang::Ru) => " — суммы",
            (Unit::Money, Lang::En) => " — amounts",
            (Unit::Percent, Lang::Ru) => " — доли",
            (Unit::Percent, Lang::En) => " — rates",
            (_, Lang::Ru) => " — количество",
            (_, Lang::En) => " — counts",
        };
        let mut s = spec(
            format!("{}{what}", block_title(lang, &t.key)),
            kind,
            lang,
            fmt(unit, cur),
        );
        s.categories = categories.clone();
        s.series = cols
            .iter()
            .map(|&i| Series {
                name: metric_name(t.columns[i].metric, lang),
                values: t
                    .rows
                    .iter()
                    .map(|r| value(r.cells.get(i).and_then(|c| c.value), unit))
                    .collect(),
                color: None,
            })
            .collect();
        out.push((format!("{}{suffix}", t.key), s));
    }
}

/// A ranking of rows by the first money column (or the first count column).
fn ranking(t: &Table, cur: &str, lang: Lang) -> Option<ChartSpec> {
    let i = t
        .columns
        .iter()
        .position(|c| c.unit == Unit::Money)
        .or_else(|| t.columns.iter().position(|c| c.unit == Unit::Count))?;
    let unit = t.columns[i].unit;
    let mut rows: Vec<(String, f64)> = t
        .rows
        .iter()
        .filter(|r| r.note.is_none_or(|n| n != "subtotal"))
        .map(|r| {
            let label = if t.key == "by_project" && r.label == "—" {
                // Tasks outside any workgroup: a word, not a dash, on the axis.
                match lang {
                    Lang::Ru => "Без проекта".to_string(),
                    Lang::En => "No project".to_string(),
                }
            } else {
                r.label.clone()
            };
            (label, value(r.cells.get(i).and_then(|c| c.value), unit))
        })
        .collect();
    rows.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    rows.truncate(RANKING_ROWS);
    if rows.iter().all(|r| r.1 == 0.0) {
        return None;
    }
    // The money column shares its metric's name with the count ("Успешные сделки"): the currency tells them apart.
    let unit_note = if unit == Unit::Money {
        format!(
            ", {}",
            b24a_charts::format::currency_symbol(cur).unwrap_or(cur)
        )
    } else {
        String::new()
    };
    let mut s = spec(
        format!(
            "{} — {}{unit_note}",
            block_title(lang, &t.key),
            metric_name(t.columns[i].metric, lang)
        ),
        ChartKind::HorizontalBars,
        lang,
        fmt(unit, cur),
    );
    s.height = (60 + rows.len() as u32 * 26).max(200);
    s.categories = rows.iter().map(|r| r.0.clone()).collect();
    s.series = vec![Series {
        name: metric_name(t.columns[i].metric, lang),
        values: rows.iter().map(|r| r.1).collect(),
        color: None,
    }];
    Some(s)
}

/// Plan tables (R3 by employee / department): the fact as bars with the plan as a tick across each, largest fact
/// first — how far each one is from the plan at a glance.
fn plan_vs_fact(t: &Table, cur: &str, lang: Lang) -> Option<ChartSpec> {
    let money = |metric: &str| {
        t.columns
            .iter()
            .position(|c| c.metric == metric && c.unit == Unit::Money)
    };
    let (fact, plan) = (money("plan_fact")?, money("plan_amount")?);
    let cell = |r: &Row, i: usize| value(r.cells.get(i).and_then(|c| c.value), Unit::Money);
    let mut rows: Vec<(String, f64, f64)> = t
        .rows
        .iter()
        .filter(|r| r.note.is_none_or(|n| n != "subtotal"))
        .map(|r| (r.label.clone(), cell(r, fact), cell(r, plan)))
        .collect();
    if rows.iter().all(|r| r.1 == 0.0 && r.2 == 0.0) {
        return None;
    }
    rows.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    rows.truncate(RANKING_ROWS);
    let (fact_name, plan_name) = (
        metric_name("plan_fact", lang),
        metric_name("plan_amount", lang),
    );
    let mut s = spec(
        match lang {
            Lang::Ru => format!(
                "{} — {fact_name} (полосы) и {} (черты), {cur}",
                block_title(lang, &t.key),
                plan_name.to_lowercase()
            ),
            Lang::En => format!(
                "{} — {fact_name} (bars) vs {} (ticks), {cur}",
                block_title(lang, &t.key),
                plan_name.to_lowercase()
            ),
        },
        ChartKind::HorizontalBars,
        lang,
        fmt(Unit::Money, cur),
    );
    s.height = (60 + rows.len() as u32 * 26).max(200);
    s.categories = rows.iter().map(|r| r.0.clone()).collect();
    s.series = vec![
        Series {
            name: fact_name,
            values: rows.iter().map(|r| r.1).collect(),
            color: None,
        },
        Series {
            name: plan_name,
            values: rows.iter().map(|r| r.2).collect(),
            color: None,
        },
    ];
    Some(s)
}

/// Activity index vs won sum, one point per employee.
fn scatter(t: &Table, cur: &str, lang: Lang) -> Option<ChartSpec> {
    let xi = t.columns.iter().position(|c| c.unit == Unit::Index)?;
    let yi = t.columns.iter().position(|c| c.unit == Unit::Money)?;
    let mut s = spec(
        format!(
            "{} / {}",
            metric_name(t.columns[xi].metric, lang),
            metric_name(t.columns[yi].metric, lang)
        ),
        ChartKind::Scatter,
        lang,
        fmt(Unit::Money, cur),
    );
    s.x_format = ValueFormat::Number;
    // Axis names also name the values in each point's hover title (otherwise "x" and "y").
    s.x_label = Some(metric_name(t.columns[xi].metric, lang));
    s.y_label = Some(metric_name(t.columns[yi].metric, lang));
    s.points = t
        .rows
        .iter()
        .filter(|r| r.note.is_none_or(|n| n != "subtotal"))
        .filter_map(|r| {
            Some(ScatterPoint {
                label: r.label.clone(),
                x: r.cells.get(xi)?.value?,
                y: r.cells.get(yi)?.value?,
            })
        })
        .collect();
    (s.points.len() >= 2).then_some(s)
}

/// Chart descriptions for an answer, keyed by `<block>[__suffix]`.
pub fn specs_for(
    answer: &Answer,
    lang: Lang,
    pipelines: &[(i64, String)],
) -> Vec<(String, String, ChartSpec)> {
    let cur = &answer.meta.currency;
    let mut out = Vec::new();
    for t in &answer.tables {
        let mut mine: Vec<(String, ChartSpec)> = Vec::new();
        if crate::chart_series::is_pivot(t) {
            // Source × bucket / department × bucket: one line per series, not one line through the pairs.
            mine.extend(crate::chart_series::pivot_charts(t, cur, lang));
        } else if t.kind == BlockKind::Series {
            series_charts(t, cur, lang, &mut mine);
        } else if t.key.starts_with("stages_") {
            let reached = t.columns.iter().position(|c| c.metric == "stage_reached");
            if let Some(i) =
                reached.or_else(|| t.columns.iter().position(|c| c.unit == Unit::Count))
            {
                let mut s = spec(
                    block_title_named(lang, &t.key, pipelines),
                    ChartKind::Funnel,
                    lang,
                    ValueFormat::Count,
                );
                s.categories = t.rows.iter().map(|r| r.label.clone()).collect();
                s.series = vec![Series {
                    name: metric_name(t.columns[i].metric, lang),
                    values: t
                        .rows
                        .iter()
                        .map(|r| value(r.cells.get(i).and_then(|c| c.value), Unit::Count))
                        .collect(),
                    color: None,
                }];
                if s.series[0].values.iter().any(|v| *v > 0.0) {
                    mine.push((format!("{}__funnel", t.key), s));
                }
            }
        } else if let Some(s) = matches!(t.key.as_str(), "by_employee" | "by_department")
            .then(|| plan_vs_fact(t, cur, lang))
            .flatten()
        {
            mine.push((format!("{}__plan", t.key), s));
        } else if matches!(
            t.key.as_str(),
            "employees"
                | "by_employee"
                | "by_manager"
                | "by_source"
                | "lost_by_stage"
                | "by_industry"
                | "by_project"
        ) {
            if let Some(s) = ranking(t, cur, lang) {
                mine.push((format!("{}__rank", t.key), s));
            }
            if t.key == "employees" {
                if let Some(s) = scatter(t, cur, lang) {
                    mine.push((format!("{}__scatter", t.key), s));
                }
            }
        }
        out.extend(mine.into_iter().map(|(k, s)| (t.key.clone(), k, s)));
    }
    out
}

/// Charts of an answer as `[{block, key, svg}]`, drawn `width` pixels wide (the page's column).
pub fn charts_for(answer: &Answer, lang: Lang, pipelines: &[(i64, String)], width: u32) -> Value {
    Value::Array(
        specs_for(answer, lang, pipelines)
            .into_iter()
            .map(|(block, key, mut s)| {
                s.width = width;
                json!({"block": block, "key": key, "svg": b24a_charts::render_svg(&s)})
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::block_title_named;

    #[test]
    fn plan_tables_chart_fact_bars_with_plan_ticks() {
        use b24a_reports::answer::Cell;
        use b24a_reports::Group;
        let cols = [
            ("plan_amount", Unit::Money),
            ("plan_fact", Unit::Count),
            ("plan_fact", Unit::Money),
        ];
        let row = |u: i64, label: &str, plan: f64, n: f64, fact: f64| Row {
            group: Group::User(u),
            label: label.into(),
            note: None,
            cells: [plan, n, fact]
                .into_iter()
                .map(|v| Cell {
                    value: Some(v),
                    drill: None,
                })
                .collect(),
        };
        let mut t = Table::new("by_employee", BlockKind::Table, &cols);
        t.rows = vec![
            row(1, "Анна", 300_000.0, 1.0, 50_000.0),
            row(2, "Борис", 100_000.0, 3.0, 120_000.0),
        ];
        let s = plan_vs_fact(&t, "RUB", Lang::Ru).expect("a plan chart");
        assert_eq!(s.categories, ["Борис", "Анна"], "largest fact first");
        assert_eq!(s.series[0].values, [120_000.0, 50_000.0]);
        assert_eq!(s.series[1].values, [100_000.0, 300_000.0]);
        assert_eq!(
            s.title,
            "По сотрудникам — Факт (полосы) и план (черты), RUB"
        );
        // R5's table of the same key has no plan columns: no plan chart.
        let tasks = Table::new(
            "by_employee",
            BlockKind::Table,
            &[("task_universe", Unit::Count)],
        );
        assert!(plan_vs_fact(&tasks, "RUB", Lang::Ru).is_none());
    }

    #[test]
    fn axis_dates_read_like_the_tables_and_funnels_are_named() {
        assert_eq!(axis_date("2026-11-02", Lang::Ru), "02.11.26");
        assert_eq!(axis_date("2026-11-02", Lang::En), "11/02/26");
        assert_eq!(
            axis_date("2026-12-01..2026-12-06", Lang::Ru),
            "01.12–06.12.26"
        );
        assert_eq!(
            axis_date("2026-12-28..2026-12-31", Lang::En),
            "12/28–12/31/26"
        );
        assert_eq!(axis_date("Иван Петров", Lang::Ru), "Иван Петров");
        assert!(
            value(None, Unit::Percent).is_nan(),
            "an undefined share is a gap"
        );
        assert_eq!(value(Some(50.0), Unit::Percent), 0.5);
        assert_eq!(value(None, Unit::Count), 0.0);
        let p = vec![(0, "Общая".to_string()), (3, "Дилеры".to_string())];
        assert_eq!(
            block_title_named(Lang::Ru, "stages_3", &p),
            "Стадии: Дилеры"
        );
        assert_eq!(block_title_named(Lang::En, "stages_0", &p), "Stages: Общая");
        assert_eq!(
            block_title_named(Lang::Ru, "stages_9", &p),
            "Стадии: 9",
            "a pipeline the portal no longer has"
        );
    }
}
