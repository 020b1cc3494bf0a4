//! Puts the words into a report answer before it goes to the page: each block's `title`, each row's display
//! `text` and `note_text`, and the answer's notes as sentences (`meta.note_texts`). The page renders these and never
//! names a block, a status group or a note itself (nor parses a label). The numbers and the machine fields (`key`,
//! `label`, `group`, `note`) stay as they are: sorting, drill-downs and Excel keep using them. This module only
//! words things; it must never change a value.

use b24a_reports::answer::{Row, Table};
use b24a_reports::{Answer, Group};
use std::collections::HashSet;

use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::i18n::{block_title_named, status_group_name, Lang};
use crate::page_words::word;

/// A `YYYY-MM-DD` day as the page shows days (`02.11.2026` / `11/02/2026`).
pub fn local_day(day: &str, lang: Lang) -> String {
    match NaiveDate::parse_from_str(day, "%Y-%m-%d") {
        Ok(d) => match lang {
            Lang::Ru => d.format("%d.%m.%Y").to_string(),
            Lang::En => d.format("%m/%d/%Y").to_string(),
        },
        Err(_) => day.to_string(),
    }
}

/// The text of a row's first cell.
pub fn row_text(row: &Row, lang: Lang) -> String {
    row_text_among(row, lang, &HashSet::new())
}

/// The text of a row's first cell among rows that include pipelines named `pipeline_names`: a department may keep
/// a pipeline and a smart process of the same name, and only then does the smart process say what it is.
fn row_text_among(row: &Row, lang: Lang, pipeline_names: &HashSet<&str>) -> String {
    let label = row.label.as_str();
    match &row.group {
        // A partial bucket comes as "YYYY-MM-DD..YYYY-MM-DD": the days of it inside the period.
        Group::Bucket(d) => match label.split_once("..") {
            Some((a, b)) => format!("{}–{}", local_day(a, lang), local_day(b, lang)),
            None => local_day(&d.format("%Y-%m-%d").to_string(), lang),
        },
        Group::Status(code) => status_group_name(lang, code)
            .map(str::to_string)
            .unwrap_or_else(|| label.to_string()),
        Group::Returning(back) => word(
            lang,
            if *back {
                "customers_returning"
            } else {
                "customers_new"
            },
        ),
        Group::Project(0) => word(lang, "no_project"),
        Group::Utm(a, b, c) if a.is_empty() && b.is_empty() && c.is_empty() => word(lang, "no_utm"),
        Group::SourceBucket(..) | Group::DepartmentBucket(..) => {
            crate::chart_series::row_label(label, &row.group, lang)
                .unwrap_or_else(|| label.to_string())
        }
        // Plan rows come as "who · pipeline · YYYY-MM-DD" ("*" = all pipelines).
        Group::Plan(_) => {
            let parts: Vec<&str> = label.split(" · ").collect();
            match parts.as_slice() {
                [who, pipeline, day] => format!(
                    "{who} · {} · {} {}",
                    if *pipeline == "*" {
                        word(lang, "all_pipelines")
                    } else {
                        pipeline.to_string()
                    },
                    word(lang, "from").to_lowercase(),
                    local_day(day, lang)
                ),
                _ => label.to_string(),
            }
        }
        Group::Total => word(lang, "total"),
        Group::Work(w) if w.starts_with("smart:") && pipeline_names.contains(label) => {
            format!("{label} ({})", word(lang, "work_kind_smart"))
        }
        _ => label.to_string(),
    }
}

/// A row's note in words (`inactive`, `subtotal`, `prorated`, `partial` of the bucket in use).
fn note_text(note: &str, bucket: &str, lang: Lang) -> String {
    match note {
        "partial" => word(lang, &format!("partial_{bucket}")),
        other => word(lang, other),
    }
}

/// A note of the answer's meta as one sentence ("Лид забыт через, дней: 14").
pub fn note_sentence(key: &str, value: &str, lang: Lang) -> Option<String> {
    let name_key = format!("note_{key}");
    let name = word(lang, &name_key);
    if name == name_key {
        return None;
    }
    if value.is_empty() {
        return Some(name);
    }
    let v = match value {
        "true" | "false" | "created" | "closed" | "days" => {
            word(lang, &format!("note_value_{value}"))
        }
        v if v.starts_with("last of:") => word(lang, "note_value_last_of"),
        v if NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok() => local_day(v, lang),
        v => v.to_string(),
    };
    Some(format!("{name}: {v}"))
}

fn word_table(t: &Table, v: &mut Value, bucket: &str, lang: Lang, pipelines: &[(i64, String)]) {
    v["title"] = json!(block_title_named(lang, &t.key, pipelines));
    let pipeline_names: HashSet<&str> = t
        .rows
        .iter()
        .filter(|r| matches!(&r.group, Group::Work(w) if !w.starts_with("smart:")))
        .map(|r| r.label.as_str())
        .collect();
    let put = |row: &Row, target: &mut Value| {
        target["text"] = json!(row_text_among(row, lang, &pipeline_names));
        if let Some(n) = row.note {
            target["note_text"] = json!(note_text(n, bucket, lang));
        }
    };
    if let Some(targets) = v["rows"].as_array_mut() {
        for (row, target) in t.rows.iter().zip(targets.iter_mut()) {
            put(row, target);
        }
    }
    if let (Some(total), Some(target)) = (&t.total, v.get_mut("total").filter(|x| x.is_object())) {
        put(total, target);
    }
}

/// Notes that list custom field codes (`UF_CRM_…`) name them by the portal's labels instead: `labels` is
/// `(code, label)` as the filter bar shows them.
pub fn name_fields(a: &Answer, v: &mut Value, lang: Lang, labels: &[(String, String)]) {
    let notes: Vec<Value> = a
        .meta
        .notes
        .iter()
        .filter_map(|(k, val)| {
            let val = if k.starts_with("custom_fields_not_for_") {
                val.split(", ")
                    .map(|code| {
                        labels
                            .iter()
                            .find(|(c, _)| c == code)
                            .map(|(_, l)| format!("«{l}»"))
                            .unwrap_or_else(|| code.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            } else {
                val.clone()
            };
            note_sentence(k, &val, lang).map(|s| json!({"key": k, "text": s}))
        })
        .collect();
    v["meta"]["note_texts"] = Value::Array(notes);
}

/// Adds the words to the answer's JSON (`v` is `a` serialized).
pub fn add_words(a: &Answer, v: &mut Value, lang: Lang, pipelines: &[(i64, String)]) {
    let bucket = v["meta"]["bucket"].as_str().unwrap_or("week").to_string();
    if let Some(tables) = v["tables"].as_array_mut() {
        for (t, tv) in a.tables.iter().zip(tables.iter_mut()) {
            word_table(t, tv, &bucket, lang, pipelines);
        }
    }
    let notes: Vec<Value> = a
        .meta
        .notes
        .iter()
        .filter_map(|(k, val)| note_sentence(k, val, lang).map(|s| json!({"key": k, "text": s})))
        .collect();
    v["meta"]["note_texts"] = Value::Array(notes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use b24a_reports::answer::Cell;

    fn row(group: Group, label: &str) -> Row {
        Row {
            group,
            label: label.into(),
            note: None,
            cells: vec![Cell {
                value: Some(1.0),
                drill: None,
            }],
        }
    }

    #[test]
    fn a_smart_process_is_told_from_a_pipeline_of_the_same_name() {
        let clash: HashSet<&str> = ["Логистика", "Logistics"].into();
        assert_eq!(
            row_text_among(
                &row(Group::Work("deal:10".into()), "Логистика"),
                Lang::Ru,
                &clash
            ),
            "Логистика"
        );
        assert_eq!(
            row_text_among(
                &row(Group::Work("smart:1032".into()), "Логистика"),
                Lang::Ru,
                &clash
            ),
            "Логистика (смарт-процесс)"
        );
        assert_eq!(
            row_text_among(
                &row(Group::Work("smart:1032".into()), "Logistics"),
                Lang::En,
                &clash
            ),
            "Logistics (smart process)"
        );
        // Without a pipeline of its name in the table, the smart process is named as the portal names it.
        assert_eq!(
            row_text(&row(Group::Work("smart:1032".into()), "Монтаж"), Lang::Ru),
            "Монтаж"
        );
    }

    #[test]
    fn rows_read_as_words_and_local_days() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 2).expect("a day");
        assert_eq!(
            row_text(&row(Group::Bucket(d), "2026-11-02"), Lang::Ru),
            "02.11.2026"
        );
        assert_eq!(
            row_text(&row(Group::Bucket(d), "2026-12-01..2026-12-06"), Lang::En),
            "12/01/2026–12/06/2026"
        );
        assert_eq!(
            row_text(&row(Group::Status("in_work".into()), "in_work"), Lang::Ru),
            "В работе"
        );
        assert_eq!(
            row_text(&row(Group::Status("won".into()), "won"), Lang::Ru),
            "Успешные"
        );
        assert_eq!(
            row_text(&row(Group::Status("lost".into()), "lost"), Lang::En),
            "Lost"
        );
        assert_eq!(
            row_text(&row(Group::Plan(3), "Анна · * · 2026-11-01"), Lang::Ru),
            "Анна · Все воронки · с 01.11.2026"
        );
        assert_eq!(
            row_text(
                &row(Group::Utm("".into(), "".into(), "".into()), " /  / "),
                Lang::Ru
            ),
            "Без UTM-меток"
        );
        assert_eq!(
            note_sentence("forget_me_not_lead_days", "14", Lang::Ru).as_deref(),
            Some("Лид забыт через, дней: 14")
        );
        assert_eq!(
            note_sentence("deal_list_cohort", "created", Lang::Ru).as_deref(),
            Some("Список сделок — по сделкам: созданным в периоде")
        );
        assert_eq!(
            note_sentence("ladder", "[]", Lang::Ru),
            None,
            "a note the page does not show"
        );
    }
}
