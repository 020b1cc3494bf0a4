//! Excel exports of a report: one block, or the whole report as one workbook with a sheet per block. Turns report
//! tables into `b24a-charts` tables (numbers stay numbers; percents become fractions so Excel shows 64 % for 64);
//! the workbook itself is written by `b24a-charts`.

use b24a_charts::{Cell, Column, ColumnKind, Table};
use b24a_reports::{Answer, PortalTz, Unit};

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

/// How a value of `unit` is stored in Excel.
pub fn column_kind(unit: Unit, currency: &str) -> ColumnKind {
    match unit {
        Unit::Count | Unit::Minutes | Unit::Index => ColumnKind::Integer,
        Unit::Money => ColumnKind::Money {
            currency: currency.to_string(),
        },
        Unit::Percent => ColumnKind::Percent,
        Unit::Days | Unit::Points => ColumnKind::Days,
        Unit::Instant => ColumnKind::DateTime,
    }
}

/// A cell of a report table; instants are written as the portal's wall-clock time (what the page shows).
fn cell(v: Option<f64>, unit: Unit, tz: &PortalTz) -> Cell {
    match (v, unit) {
        (None, _) => Cell::Empty,
        (Some(x), Unit::Percent) => Cell::Number(x / 100.0),
        (Some(x), Unit::Instant) => {
            Cell::Text(tz.local(x as i64).format("%Y-%m-%d %H:%M:%S").to_string())
        }
        (Some(x), _) => Cell::Number(x),
    }
}

/// A row label as the page shows it: plan rows "who · * · YYYY-MM-DD" read "who · all pipelines · from <date>",
/// UTM rows without any tag and tasks outside any project get words instead of punctuation, new and returning
/// customers words instead of codes.
pub fn row_label(block: &str, label: &str, lang: Lang) -> String {
    let ru = lang == Lang::Ru;
    if block == "by_utm"
        && label.contains('/')
        && label.chars().all(|c| c == '/' || c.is_whitespace())
    {
        return if ru {
            "Без UTM-меток"
        } else {
            "No UTM tags"
        }
        .to_string();
    }
    if block == "returning" && (label == "new" || label == "returning") {
        return match (label == "returning", ru) {
            (true, true) => "Повторные клиенты",
            (true, false) => "Returning customers",
            (false, true) => "Новые клиенты",
            (false, false) => "New customers",
        }
        .to_string();
    }
    if block == "by_project" && label == "—" {
        return if ru {
            "Без проекта"
        } else {
            "No project"
        }
        .to_string();
    }
    // A partial time bucket: the days of it inside the period, marked (docs/METRICS.md, "Partial buckets").
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    if let Some((a, b)) = label.split_once("..").and_then(|(a, b)| day(a).zip(day(b))) {
        let f = if ru { "%d.%m.%Y" } else { "%m/%d/%Y" };
        let word = if ru {
            "неполный интервал"
        } else {
            "partial"
        };
        return format!("{}–{} ({word})", a.format(f), b.format(f));
    }
    if block == "plan_rows" {
        let parts: Vec<&str> = label.rsplitn(3, " · ").collect();
        if let [day, pipeline, who] = parts[..] {
            if let Ok(d) = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d") {
                let pipeline = match (pipeline, ru) {
                    ("*", true) => "Все воронки",
                    ("*", false) => "All pipelines",
                    (p, _) => p,
                };
                let day = if ru {
                    format!("с {}", d.format("%d.%m.%Y"))
                } else {
                    format!("from {}", d.format("%m/%d/%Y"))
                };
                return format!("{who} · {pipeline} · {day}");
            }
        }
    }
    label.to_string()
}

/// Export tables of an answer; `block` picks one by key.
pub fn tables(
    answer: &Answer,
    block: Option<&str>,
    lang: Lang,
    pipelines: &[(i64, String)],
) -> Vec<Table> {
    let cur = &answer.meta.currency;
    let tz = PortalTz::from_name(&answer.meta.time_zone);
    answer
        .tables
        .iter()
        .filter(|t| block.is_none_or(|b| b == t.key))
        .map(|t| {
            // Compound groups (a department's or a source's day) get their parts in their own columns, so a
            // pivot table can group by either; day buckets are Excel dates.
            let split = label_columns(t, lang);
            let mut columns = split.clone();
            columns.extend(t.columns.iter().map(|c| Column {
                header: column_header(t, c.metric, c.unit, lang),
                kind: column_kind(c.unit, cur),
            }));
            let row = |group: Option<&b24a_reports::Group>,
                       label: String,
                       cells: &[b24a_reports::answer::Cell]| {
                let mut r = label_cells(group, label, split.len());
                r.extend(
                    cells
                        .iter()
                        .zip(&t.columns)
                        .map(|(c, col)| cell(c.value, col.unit, &tz)),
                );
                r
            };
            Table {
                title: block_title_named(lang, &t.key, pipelines),
                columns,
                rows: t
                    .rows
                    .iter()
                    .map(|r| {
                        // Status groups read as the page reads them ("В работе / Успешные / Проигранные").
                        let label = match &r.group {
                            b24a_reports::Group::Status(code) => {
                                crate::i18n::status_group_name(lang, code)
                                    .map(str::to_string)
                                    .unwrap_or_else(|| row_label(&t.key, &r.label, lang))
                            }
                            _ => row_label(&t.key, &r.label, lang),
                        };
                        row(Some(&r.group), label, &r.cells)
                    })
                    .collect(),
                totals: t
                    .total
                    .as_ref()
                    .map(|tot| row(None, crate::i18n::t(lang, "total").to_string(), &tot.cells)),
            }
        })
        .collect()
}

/// The label columns of a table: one text column, or two for compound groups (name | date), or one date column
/// for whole day buckets.
fn label_columns(t: &b24a_reports::Table, lang: Lang) -> Vec<Column> {
    use b24a_reports::Group;
    let ru = lang == Lang::Ru;
    let date = Column {
        header: (if ru { "Дата" } else { "Date" }).into(),
        kind: ColumnKind::Date,
    };
    let text = |h: &str| Column {
        header: h.to_string(),
        kind: ColumnKind::Text,
    };
    match t.rows.first().map(|r| &r.group) {
        Some(Group::DepartmentBucket(..)) => {
            vec![text(if ru { "Отдел" } else { "Department" }), date]
        }
        Some(Group::SourceBucket(..)) => vec![text(if ru { "Источник" } else { "Source" }), date],
        // A partial bucket's label is a day range, not one day: keep it as text in that case.
        Some(Group::Bucket(_)) if t.rows.iter().all(|r| !r.label.contains("..")) => vec![date],
        _ => vec![text("")],
    }
}

/// The label cells of one row for [`label_columns`]: the name part and the day of a compound label, the day of
/// a bucket, else the label itself (the totals row keeps its word in the first column).
fn label_cells(group: Option<&b24a_reports::Group>, label: String, n: usize) -> Vec<Cell> {
    use b24a_reports::Group;
    let day = |d: &chrono::NaiveDate| Cell::Text(d.format("%Y-%m-%d").to_string());
    let mut out = match (group, n) {
        (Some(Group::DepartmentBucket(_, d) | Group::SourceBucket(_, d)), 2) => {
            // The label reads "<name> <YYYY-MM-DD>": the name is everything before the day.
            let name = label
                .strip_suffix(&d.format("%Y-%m-%d").to_string())
                .map(|s| s.trim_end().to_string())
                .unwrap_or(label);
            vec![Cell::Text(name), day(d)]
        }
        (Some(Group::Bucket(d)), 1) => vec![day(d)],
        _ => vec![Cell::Text(label)],
    };
    out.resize(n.max(1), Cell::Empty);
    out
}

/// A column's header: the metric's name, with the measure after it when the table shows the same metric twice
/// (a count and a sum), so no two headers read the same.
fn column_header(t: &b24a_reports::Table, metric: &str, unit: Unit, lang: Lang) -> String {
    let ru = lang == Lang::Ru;
    let twice = t.columns.iter().filter(|c| c.metric == metric).count() > 1;
    if metric == "industry_won" {
        // Counted are won deals; only their sum is revenue.
        return match (unit, ru) {
            (Unit::Money, true) => "Выручка",
            (Unit::Money, false) => "Revenue",
            (_, true) => "Успешные сделки",
            (_, false) => "Deals won",
        }
        .to_string();
    }
    let name = metric_name(metric, lang);
    if !twice {
        return name;
    }
    let measure = match (unit, ru) {
        (Unit::Money, true) => "сумма",
        (Unit::Money, false) => "amount",
        (Unit::Count, true) => "количество",
        (Unit::Count, false) => "count",
        (Unit::Percent, true) => "доля",
        (Unit::Percent, false) => "share",
        (_, true) => "значение",
        (_, false) => "value",
    };
    format!("{name}, {measure}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_written_in_the_portals_wall_clock_time() {
        // 2024-12-16 06:03 UTC.
        let at = Some(1_734_328_980.0);
        for (zone, shown) in [
            ("Europe/Moscow", "2024-12-16 09:03:00"),
            ("Asia/Vladivostok", "2024-12-16 16:03:00"),
            ("-03:30", "2024-12-16 02:33:00"),
            ("+00:00", "2024-12-16 06:03:00"),
        ] {
            assert_eq!(
                cell(at, Unit::Instant, &PortalTz::from_name(zone)),
                Cell::Text(shown.into()),
                "{zone}"
            );
        }
    }

    #[test]
    fn no_two_headers_read_the_same_and_the_industry_count_is_not_revenue() {
        use b24a_reports::answer::BlockKind;
        let plan = b24a_reports::Table::new(
            "plan_rows",
            BlockKind::Table,
            &[
                ("plan_amount", Unit::Money),
                ("plan_fact", Unit::Count),
                ("plan_fact", Unit::Money),
            ],
        );
        let headers: Vec<String> = plan
            .columns
            .iter()
            .map(|c| column_header(&plan, c.metric, c.unit, Lang::Ru))
            .collect();
        assert_eq!(headers, ["План", "Факт, количество", "Факт, сумма"]);
        let industry = b24a_reports::Table::new(
            "by_industry",
            BlockKind::Table,
            &[("industry_won", Unit::Count), ("industry_won", Unit::Money)],
        );
        let h = |lang| -> Vec<String> {
            industry
                .columns
                .iter()
                .map(|c| column_header(&industry, c.metric, c.unit, lang))
                .collect()
        };
        assert_eq!(h(Lang::Ru), ["Успешные сделки", "Выручка"]);
        assert_eq!(h(Lang::En), ["Deals won", "Revenue"]);
    }

    #[test]
    fn compound_labels_split_into_name_and_date_columns() {
        use b24a_reports::answer::{BlockKind, Row};
        use b24a_reports::Group;
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let mut t = b24a_reports::Table::new(
            "department_dynamics",
            BlockKind::Series,
            &[("task_done", Unit::Count)],
        );
        t.rows.push(Row {
            group: Group::DepartmentBucket(7, day),
            label: "Отдел продаж Москва 2026-11-02".into(),
            note: None,
            cells: Vec::new(),
        });
        let cols = label_columns(&t, Lang::Ru);
        assert_eq!(
            cols.iter().map(|c| c.header.as_str()).collect::<Vec<_>>(),
            ["Отдел", "Дата"]
        );
        assert_eq!(cols[1].kind, ColumnKind::Date);
        assert_eq!(
            label_cells(Some(&t.rows[0].group), t.rows[0].label.clone(), 2),
            vec![
                Cell::Text("Отдел продаж Москва".into()),
                Cell::Text("2026-11-02".into())
            ]
        );
        // The totals row keeps its word in the first column and leaves the date empty.
        assert_eq!(
            label_cells(None, "Итого".into(), 2),
            vec![Cell::Text("Итого".into()), Cell::Empty]
        );
        // A whole day bucket is a date; a partial one (a range) stays text.
        let mut d = b24a_reports::Table::new(
            "dynamics",
            BlockKind::Series,
            &[("deal_created", Unit::Count)],
        );
        d.rows.push(Row {
            group: Group::Bucket(day),
            label: "2026-11-02".into(),
            note: None,
            cells: Vec::new(),
        });
        assert_eq!(label_columns(&d, Lang::En)[0].kind, ColumnKind::Date);
        d.rows.push(Row {
            group: Group::Bucket(day),
            label: "2026-11-02..2026-11-04".into(),
            note: None,
            cells: Vec::new(),
        });
        assert_eq!(label_columns(&d, Lang::En)[0].kind, ColumnKind::Text);
    }

    #[test]
    fn sheet_row_labels_read_like_the_page() {
        assert_eq!(
            row_label("plan_rows", "Иван Петров · * · 2026-11-01", Lang::Ru),
            "Иван Петров · Все воронки · с 01.11.2026"
        );
        assert_eq!(
            row_label("plan_rows", "Ann (senior) · Dealers · 2026-01-01", Lang::En),
            "Ann (senior) · Dealers · from 01/01/2026"
        );
        assert_eq!(row_label("by_utm", " /  / ", Lang::Ru), "Без UTM-меток");
        assert_eq!(
            row_label("by_utm", "google / cpc / brand", Lang::Ru),
            "google / cpc / brand"
        );
        assert_eq!(row_label("by_project", "—", Lang::En), "No project");
        assert_eq!(row_label("by_manager", "—", Lang::Ru), "—");
        assert_eq!(
            row_label("returning", "returning", Lang::Ru),
            "Повторные клиенты"
        );
        assert_eq!(row_label("returning", "new", Lang::En), "New customers");
        assert_eq!(
            row_label("dynamics", "2026-12-01..2026-12-06", Lang::Ru),
            "01.12.2026–06.12.2026 (неполный интервал)"
        );
    }
}
