//! The words of record lists (drill-down lists and the deal list block) in Russian and English: column headers,
//! values that are codes in the data (status, activity type, task status, client type, yes / no), filter names and
//! the list's own controls. Turns a [`RecordList`] into the JSON the page renders and into an Excel table. Must
//! never show an id or a code to the user, and never decide which records a list holds.

use b24a_charts::{Cell, Column, ColumnKind, Table};
use b24a_reports::{Entity, RecordList};
use serde_json::{json, Map, Value};

use crate::i18n::Lang;

/// The columns a list may show, in the order it shows them (ids and paths stay hidden: they feed filters and
/// links, not eyes).
const SHOWN: [&str; 28] = [
    "status",
    "pipeline",
    "smart_process",
    "stage",
    "amount",
    "kind",
    "direction",
    "task_status",
    "client_type",
    "manager",
    "department",
    "source",
    "project",
    "created",
    "when",
    "deadline",
    "done",
    "closed",
    "last_activity",
    "days_since",
    "days_in_stage",
    "days_overdue",
    "duration_days",
    "completed",
    "started_on_time",
    "finished_on_time",
    "title",
    "id",
];

fn pick(lang: Lang, ru: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::En {
        en
    } else {
        ru
    }
}

/// A column's header.
pub fn header(key: &str, lang: Lang) -> &'static str {
    let (ru, en) = match key {
        "id" => ("ID", "ID"),
        "title" => ("Название", "Title"),
        "status" => ("Статус", "Status"),
        "pipeline" => ("Воронка", "Pipeline"),
        "smart_process" => ("Смарт-процесс", "Smart process"),
        "stage" => ("Стадия", "Stage"),
        "amount" => ("Сумма", "Amount"),
        "kind" => ("Тип дела", "Activity type"),
        "direction" => ("Направление", "Direction"),
        "task_status" => ("Статус задачи", "Task status"),
        "client_type" => ("Тип клиента", "Client type"),
        "manager" => ("Ответственный", "Responsible"),
        "department" => ("Отдел", "Department"),
        "source" => ("Источник", "Source"),
        "project" => ("Проект", "Project"),
        "created" => ("Дата создания", "Created on"),
        "when" => ("Дата дела", "Date"),
        "deadline" => ("Крайний срок", "Deadline"),
        "done" => ("Дата выполнения", "Done on"),
        "closed" => ("Дата закрытия", "Closed on"),
        "last_activity" => ("Последняя активность", "Last activity"),
        "days_since" => ("Дней без активности", "Days without activity"),
        "days_in_stage" => ("Дней на стадии", "Days in the stage"),
        "days_overdue" => ("Дней просрочки", "Days overdue"),
        "duration_days" => ("Длительность, дней", "Duration, days"),
        "completed" => ("Выполнено", "Done"),
        "started_on_time" => ("Начата вовремя", "Started on time"),
        "finished_on_time" => ("Завершена в срок", "Finished on time"),
        _ => ("Прочее", "Other"),
    };
    pick(lang, ru, en)
}

/// How a column's values are stored and shown.
pub fn kind(key: &str) -> &'static str {
    match key {
        "id" | "days_since" | "days_in_stage" | "days_overdue" | "duration_days" => "integer",
        "amount" => "money",
        "created" | "when" | "deadline" | "done" | "closed" | "last_activity" => "date",
        _ => "text",
    }
}

/// A status group's name (filter choices): in work, won, lost — for leads converted and junk, for R7's linked work
/// done and closed not done.
pub fn status_group(key: &str, entity: Entity, lang: Lang) -> &'static str {
    if entity == Entity::Work {
        return match key {
            "won" => pick(lang, "Выполненные", "Done"),
            "lost" => pick(lang, "Закрытые, не выполненные", "Closed, not done"),
            _ => pick(lang, "В работе", "In work"),
        };
    }
    let lead = entity == Entity::Lead;
    match (key, lead) {
        ("won", false) => pick(lang, "Успешные", "Won"),
        ("lost", false) => pick(lang, "Проигранные", "Lost"),
        ("won", true) => pick(lang, "Сконвертированные", "Converted"),
        ("lost", true) => pick(lang, "Брак", "Junk"),
        _ => pick(lang, "В работе", "In work"),
    }
}

/// A status of one record.
fn status_one(key: &str, entity: Entity, lang: Lang) -> &'static str {
    if entity == Entity::Work {
        let status = match key {
            "won" => b24a_reports::metrics::Status::Won,
            "lost" => b24a_reports::metrics::Status::Lost,
            _ => b24a_reports::metrics::Status::InWork,
        };
        return crate::linked_words::state_name(status, lang);
    }
    match (key, entity == Entity::Lead) {
        ("won", false) => pick(lang, "Успешная", "Won"),
        ("lost", false) => pick(lang, "Проигранная", "Lost"),
        ("won", true) => pick(lang, "Сконвертирован", "Converted"),
        ("lost", true) => pick(lang, "Брак", "Junk"),
        _ => pick(lang, "В работе", "In work"),
    }
}

fn activity_kind(code: &str, lang: Lang) -> &'static str {
    match code {
        "call" => pick(lang, "Звонок", "Call"),
        "email" => pick(lang, "Письмо", "E-mail"),
        "meeting" => pick(lang, "Встреча", "Meeting"),
        "todo" => pick(lang, "Дело", "To-do"),
        "task" => pick(lang, "Задача", "Task"),
        _ => pick(lang, "Другое", "Other"),
    }
}

/// Bitrix24 task statuses (2 pending … 7 declined).
fn task_status(code: i64, lang: Lang) -> &'static str {
    match code {
        1 => pick(lang, "Новая", "New"),
        2 => pick(lang, "Ждёт выполнения", "Pending"),
        3 => pick(lang, "Выполняется", "In progress"),
        4 => pick(lang, "Ждёт контроля", "Awaiting review"),
        5 => pick(lang, "Завершена", "Completed"),
        6 => pick(lang, "Отложена", "Deferred"),
        7 => pick(lang, "Отклонена", "Declined"),
        _ => pick(lang, "Другой статус", "Other status"),
    }
}

/// The portal's standard CONTACT_TYPE / COMPANY_TYPE codes.
fn client_type(code: &str, lang: Lang) -> &'static str {
    match code {
        "CLIENT" | "CUSTOMER" => pick(lang, "Клиент", "Client"),
        "SUPPLIER" => pick(lang, "Поставщик", "Supplier"),
        "PARTNER" => pick(lang, "Партнёр", "Partner"),
        "COMPETITOR" => pick(lang, "Конкурент", "Competitor"),
        "RESELLER" => pick(lang, "Реселлер", "Reseller"),
        "JOURNALIST" => pick(lang, "Журналист", "Journalist"),
        "EMPLOYEE" => pick(lang, "Сотрудник", "Employee"),
        "" => "",
        _ => pick(lang, "Другое", "Other"),
    }
}

/// A cell's value as the user reads it (codes become words; numbers and dates stay as they are).
pub fn value(key: &str, v: &Value, entity: Entity, lang: Lang) -> Value {
    match (key, v) {
        ("status", Value::String(s)) => status_one(s, entity, lang).into(),
        ("kind", Value::String(s)) => activity_kind(s, lang).into(),
        ("direction", Value::String(s)) => match s.as_str() {
            "incoming" => pick(lang, "Входящее", "Incoming"),
            "outgoing" => pick(lang, "Исходящее", "Outgoing"),
            _ => "",
        }
        .into(),
        ("task_status", Value::Number(n)) => task_status(n.as_i64().unwrap_or(0), lang).into(),
        ("client_type", Value::String(s)) => client_type(s, lang).into(),
        (_, Value::Bool(b)) => pick(
            lang,
            if *b { "да" } else { "нет" },
            if *b { "yes" } else { "no" },
        )
        .into(),
        _ => v.clone(),
    }
}

/// The shown columns of a list, in order (only those its records have).
pub fn shown_columns(list: &RecordList) -> Vec<&'static str> {
    SHOWN
        .iter()
        .copied()
        .filter(|k| *k != "id" && *k != "title")
        .filter(|k| list.rows.iter().any(|r| r.columns.contains_key(*k)))
        .collect()
}

/// The list's own controls.
fn words(lang: Lang) -> Value {
    let w = |ru, en| pick(lang, ru, en);
    json!({
        "id": "ID", "title": w("Название", "Title"),
        "records": w("записей", "records"), "of": w("из", "of"), "shown": w("Показаны", "Showing"),
        "prev": w("← Назад", "← Previous"), "next": w("Вперёд →", "Next →"), "first": w("« В начало", "« First"), "last": w("В конец »", "Last »"),
        "page": w("Страница", "Page"), "page_size": w("Строк на странице", "Rows per page"),
        "all": w("Все", "All"), "status": w("Статус", "Status"), "pipeline": w("Воронка", "Pipeline"),
        "stage": w("Стадия", "Stage"), "manager": w("Ответственный", "Responsible"),
        "days_from": w("от", "from"), "days_to": w("до", "to"),
        "export": w("Выгрузить список в Excel", "Export the list to Excel"),
        "reset": w("Сбросить фильтры", "Reset filters"),
        "empty": w("Нет записей с такими фильтрами", "No records match these filters"),
        "deal_list": w("Список сделок", "Deal list"),
        "sale_view": w("Лента продажи", "Sale time line"),
    })
}

/// The JSON a list answer carries to the page: rows with words instead of codes, the shown columns with their
/// headers, the filter choices with names, and the list's control words.
pub fn list_json(list: &RecordList, lang: Lang) -> Value {
    let cols = shown_columns(list);
    let rows: Vec<Value> = list
        .rows
        .iter()
        .map(|r| {
            let mut cells = Map::new();
            for k in &cols {
                if let Some(v) = r.columns.get(*k) {
                    cells.insert((*k).to_string(), value(k, v, list.entity, lang));
                }
            }
            json!({"id": r.id, "path": r.path, "title": r.title, "cells": cells})
        })
        .collect();
    let columns: Vec<Value> = cols
        .iter()
        .map(|k| json!({"key": k, "label": header(k, lang), "kind": kind(k)}))
        .collect();
    let f = &list.facets;
    let status: Vec<Value> = f
        .status
        .iter()
        .map(|c| json!({"id": c.id, "name": status_group(c.id.as_str().unwrap_or(""), list.entity, lang), "count": c.count}))
        .collect();
    let days_label = f.days_column.as_deref().map(|k| header(k, lang));
    json!({
        "entity": list.entity, "counted": list.counted, "total": list.total, "offset": list.offset,
        "rows": rows, "columns": columns,
        "facets": {"status": status, "pipeline": f.pipeline, "stage": f.stage, "manager": f.manager,
                   "days_column": f.days_column, "days_label": days_label},
        "words": words(lang),
    })
}

/// The whole list as one Excel table: ID, title and the shown columns, dates as dates, amounts as money.
pub fn list_table(list: &RecordList, title: &str, currency: &str, lang: Lang) -> Table {
    let cols = shown_columns(list);
    let mut columns = vec![
        Column {
            header: "ID".into(),
            kind: ColumnKind::Integer,
        },
        Column {
            header: header("title", lang).into(),
            kind: ColumnKind::Text,
        },
    ];
    columns.extend(cols.iter().map(|k| Column {
        header: header(k, lang).to_string(),
        kind: match kind(k) {
            "integer" => ColumnKind::Integer,
            "money" => ColumnKind::Money {
                currency: currency.to_string(),
            },
            "date" => ColumnKind::Date,
            _ => ColumnKind::Text,
        },
    }));
    let rows = list
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![Cell::Number(r.id as f64), Cell::Text(r.title.clone())];
            row.extend(cols.iter().map(|k| match r.columns.get(*k) {
                None | Some(Value::Null) => Cell::Empty,
                Some(v) => match value(k, v, list.entity, lang) {
                    Value::Number(n) => Cell::Number(n.as_f64().unwrap_or(0.0)),
                    Value::String(s) => Cell::Text(s),
                    other => Cell::Text(other.to_string()),
                },
            }));
            row
        })
        .collect();
    Table {
        title: title.to_string(),
        columns,
        rows,
        totals: None,
    }
}

/// The name of a list in a workbook: the number's name the page sent, else "deal list" (the deal list block).
pub fn list_title(title: Option<&str>, lang: Lang) -> String {
    match title.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => t.chars().take(100).collect(),
        None => pick(lang, "Список сделок", "Deal list").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use b24a_reports::{Facets, Record};

    fn list() -> RecordList {
        let mut columns = Map::new();
        for (k, v) in [
            ("status", json!("lost")),
            ("pipeline_id", json!(3)),
            ("pipeline", json!("Дилеры")),
            ("stage_id", json!("C3:LOSE")),
            ("stage", json!("Отказ")),
            ("manager_id", json!(5)),
            ("manager", json!("Анна Смирнова")),
            ("amount", json!(1500.5)),
            ("created", json!("2026-11-02")),
            ("days_in_stage", json!(12)),
        ] {
            columns.insert(k.into(), v);
        }
        RecordList {
            entity: Entity::Deal,
            counted: 1,
            total: 1,
            offset: 0,
            rows: vec![Record {
                id: 9,
                path: "/crm/deal/details/9/".into(),
                title: "Поставка".into(),
                columns,
            }],
            facets: Facets::default(),
        }
    }

    #[test]
    fn lists_show_words_and_names_never_ids_or_codes() {
        let v = list_json(&list(), Lang::Ru);
        let keys: Vec<&str> = v["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["key"].as_str().unwrap())
            .collect();
        assert_eq!(
            keys,
            [
                "status",
                "pipeline",
                "stage",
                "amount",
                "manager",
                "created",
                "days_in_stage"
            ]
        );
        let labels: Vec<&str> = v["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["label"].as_str().unwrap())
            .collect();
        assert_eq!(
            labels,
            [
                "Статус",
                "Воронка",
                "Стадия",
                "Сумма",
                "Ответственный",
                "Дата создания",
                "Дней на стадии"
            ]
        );
        let cells = &v["rows"][0]["cells"];
        assert_eq!(cells["status"], "Проигранная");
        assert_eq!(cells["stage"], "Отказ");
        assert!(cells.get("stage_id").is_none() && cells.get("manager_id").is_none());
        assert_eq!(
            list_json(&list(), Lang::En)["rows"][0]["cells"]["status"],
            "Lost"
        );
    }

    #[test]
    fn the_list_sheet_keeps_numbers_and_dates_typed() {
        let t = list_table(&list(), "Проигранные сделки", "RUB", Lang::Ru);
        let headers: Vec<&str> = t.columns.iter().map(|c| c.header.as_str()).collect();
        assert_eq!(headers[..3], ["ID", "Название", "Статус"]);
        let created = headers.iter().position(|h| *h == "Дата создания").unwrap();
        assert_eq!(t.columns[created].kind, ColumnKind::Date);
        let amount = headers.iter().position(|h| *h == "Сумма").unwrap();
        assert_eq!(t.rows[0][amount], Cell::Number(1500.5));
        assert_eq!(t.rows[0][0], Cell::Number(9.0));
        assert_eq!(t.rows[0][2], Cell::Text("Проигранная".into()));
    }
}
