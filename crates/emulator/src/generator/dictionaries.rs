//! Fixed dictionaries of a generated portal: pipelines and their stages, lead statuses, sources,
//! deal types, industries, currencies and custom-field definitions.
//!
//! Deterministic and seed-independent; it must never touch deals, leads or users.

use std::collections::BTreeMap;

use crate::model::{Category, CrmStatus, Currency, EnumItem, Semantic, UserFieldDef};

/// One pipeline's stage list as (STATUS_ID without prefix, name, semantics, EXTRA.SEMANTICS).
struct StageDef(&'static str, &'static str, Semantic, &'static str);

const DEFAULT_STAGES: &[StageDef] = &[
    StageDef("NEW", "Новая", Semantic::Process, "process"),
    StageDef(
        "PREPARATION",
        "Подготовка документов",
        Semantic::Process,
        "process",
    ),
    StageDef(
        "PREPAYMENT_INVOICE",
        "Счёт на предоплату",
        Semantic::Process,
        "process",
    ),
    StageDef("EXECUTING", "В работе", Semantic::Process, "process"),
    StageDef(
        "FINAL_INVOICE",
        "Финальный счёт",
        Semantic::Process,
        "process",
    ),
    StageDef("WON", "Сделка успешна", Semantic::Success, "success"),
    StageDef("LOSE", "Сделка провалена", Semantic::Failure, "failure"),
    StageDef(
        "APOLOGY",
        "Анализ причины провала",
        Semantic::Failure,
        "apology",
    ),
];

const WHOLESALE_STAGES: &[StageDef] = &[
    StageDef("NEW", "Первичный контакт", Semantic::Process, "process"),
    StageDef(
        "PREPARATION",
        "Выявление потребностей",
        Semantic::Process,
        "process",
    ),
    StageDef(
        "UC_OFFER",
        "Коммерческое предложение",
        Semantic::Process,
        "process",
    ),
    StageDef("UC_NEGOT", "Переговоры", Semantic::Process, "process"),
    StageDef("EXECUTING", "Отгрузка", Semantic::Process, "process"),
    StageDef("WON", "Успешно", Semantic::Success, "success"),
    StageDef("LOSE", "Не устроила цена", Semantic::Failure, "failure"),
    StageDef(
        "UC_COMPET",
        "Ушли к конкуренту",
        Semantic::Failure,
        "failure",
    ),
    StageDef(
        "UC_NORESP",
        "Не выходит на связь",
        Semantic::Failure,
        "failure",
    ),
];

const REPEAT_STAGES: &[StageDef] = &[
    StageDef("NEW", "Новый заказ", Semantic::Process, "process"),
    StageDef("PREPARATION", "Согласование", Semantic::Process, "process"),
    StageDef("EXECUTING", "Исполнение", Semantic::Process, "process"),
    StageDef("WON", "Заказ выполнен", Semantic::Success, "success"),
    StageDef("LOSE", "Отказ", Semantic::Failure, "failure"),
    StageDef(
        "APOLOGY",
        "Анализ причины отказа",
        Semantic::Failure,
        "apology",
    ),
];

pub const PIPELINES: &[(i64, &str)] = &[
    (0, "Общая"),
    (1, "Оптовые продажи"),
    (2, "Повторные продажи"),
];

pub const LEAD_STATUSES: &[(&str, &str, Semantic, &str)] = &[
    ("NEW", "Не обработан", Semantic::Process, "process"),
    ("IN_PROCESS", "В работе", Semantic::Process, "process"),
    ("PROCESSED", "Обработан", Semantic::Process, "process"),
    (
        "CONVERTED",
        "Качественный лид",
        Semantic::Success,
        "success",
    ),
    ("JUNK", "Некачественный лид", Semantic::Failure, "failure"),
];

pub const SOURCES: &[(&str, &str)] = &[
    ("CALL", "Звонок"),
    ("EMAIL", "Электронная почта"),
    ("WEB", "Веб-сайт"),
    ("ADVERTISING", "Реклама"),
    ("PARTNER", "Существующий клиент"),
    ("RECOMMENDATION", "По рекомендации"),
    ("TRADE_SHOW", "Выставка"),
    ("WEBFORM", "CRM-форма"),
    ("CALLBACK", "Обратный звонок"),
    ("RC_GENERATOR", "Генератор продаж"),
    ("STORE", "Интернет-магазин"),
    ("OTHER", "Другое"),
];

pub const DEAL_TYPES: &[(&str, &str)] = &[
    ("SALE", "Продажа"),
    ("COMPLEX", "Комплексная продажа"),
    ("GOODS", "Продажа товара"),
    ("SERVICES", "Продажа услуги"),
    ("SERVICE", "Сервисное обслуживание"),
];

pub const INDUSTRIES: &[(&str, &str)] = &[
    ("IT", "Информационные технологии"),
    ("TELECOM", "Телекоммуникации и связь"),
    ("MANUFACTURING", "Производство"),
    ("BANKING", "Банковские услуги"),
    ("CONSULTING", "Консалтинг"),
    ("FINANCE", "Финансы"),
    ("DELIVERY", "Доставка"),
    ("OTHER", "Другое"),
];

const COLORS: &[&str] = &[
    "#39A8EF", "#2FC6F6", "#55D0E0", "#47E4C2", "#FFA900", "#7BD500", "#FF5752", "#FF00FF",
    "#F7A700",
];

/// Stage id as stored: `NEW` in the default funnel, `C1:NEW` elsewhere.
pub fn stage_code(category_id: i64, code: &str) -> String {
    if category_id == 0 {
        code.to_string()
    } else {
        format!("C{category_id}:{code}")
    }
}

pub fn categories() -> Vec<Category> {
    PIPELINES
        .iter()
        .enumerate()
        .map(|(i, (id, name))| Category {
            id: *id,
            name: name.to_string(),
            sort: (i as i64 + 1) * 100,
            is_default: *id == 0,
        })
        .collect()
}

fn stage_defs(category_id: i64) -> &'static [StageDef] {
    match category_id {
        0 => DEFAULT_STAGES,
        1 => WHOLESALE_STAGES,
        _ => REPEAT_STAGES,
    }
}

/// All `crm.status.list` rows, ids numbered in insertion order.
pub fn statuses() -> Vec<CrmStatus> {
    let mut out: Vec<CrmStatus> = Vec::new();
    let mut push = |entity: &str,
                    code: String,
                    name: &str,
                    sort: i64,
                    cat: Option<i64>,
                    sem: Option<(Semantic, &str)>| {
        let id = out.len() as i64 + 1;
        out.push(CrmStatus {
            id,
            entity_id: entity.to_string(),
            status_id: code,
            name: name.to_string(),
            sort,
            system: sem.is_some() && sort <= 10,
            category_id: cat,
            color: COLORS[(id as usize) % COLORS.len()].to_string(),
            semantics: sem.map(|s| s.0),
            extra_semantics: sem.map(|s| s.1.to_string()),
        });
    };
    for (i, (code, name, sem, extra)) in LEAD_STATUSES.iter().enumerate() {
        push(
            "STATUS",
            code.to_string(),
            name,
            (i as i64 + 1) * 10,
            None,
            Some((*sem, extra)),
        );
    }
    for (i, (code, name)) in SOURCES.iter().enumerate() {
        push(
            "SOURCE",
            code.to_string(),
            name,
            (i as i64 + 1) * 10,
            None,
            None,
        );
    }
    for (i, (code, name)) in DEAL_TYPES.iter().enumerate() {
        push(
            "DEAL_TYPE",
            code.to_string(),
            name,
            (i as i64 + 1) * 10,
            None,
            None,
        );
    }
    for (i, (code, name)) in INDUSTRIES.iter().enumerate() {
        push(
            "INDUSTRY",
            code.to_string(),
            name,
            (i as i64 + 1) * 10,
            None,
            None,
        );
    }
    for (cat, _) in PIPELINES {
        let entity = crate::model::PortalData::stage_entity(*cat);
        let cat_field = if *cat == 0 { None } else { Some(*cat) };
        for (i, StageDef(code, name, sem, extra)) in stage_defs(*cat).iter().enumerate() {
            push(
                &entity,
                stage_code(*cat, code),
                name,
                (i as i64 + 1) * 10,
                cat_field,
                Some((*sem, extra)),
            );
        }
    }
    out
}

pub fn currencies(now: i64) -> Vec<Currency> {
    vec![
        Currency {
            code: "RUB".into(),
            full_name: "Российский рубль".into(),
            amount_cnt: 1,
            amount: 1.0,
            base: true,
            sort: 100,
            date_update: now - 86_400 * 30,
        },
        Currency {
            code: "USD".into(),
            full_name: "Доллар США".into(),
            amount_cnt: 1,
            amount: 92.5,
            base: false,
            sort: 200,
            date_update: now - 86_400 * 2,
        },
    ]
}

/// An enumeration's items with ids `first`, `first + 2` ... (the cloud's auto-increment step) and SORT 10, 20 ...
fn items(first: i64, values: &[&str]) -> Vec<EnumItem> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| EnumItem {
            id: first + 2 * i as i64,
            value: v.to_string(),
            sort: 10 * (i as i64 + 1),
            def: false,
        })
        .collect()
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(l, t)| (l.to_string(), t.to_string()))
        .collect()
}

/// A list field whose records hold item ids (as a real portal stores enumeration values).
fn enumeration(
    id: i64,
    name: &str,
    sort: i64,
    label: &[(&str, &str)],
    items: Vec<EnumItem>,
) -> UserFieldDef {
    UserFieldDef {
        id,
        field_name: name.into(),
        user_type: "enumeration".into(),
        multiple: false,
        mandatory: false,
        sort,
        labels: labels(label),
        choices: items.iter().map(|i| i.id.to_string()).collect(),
        items,
    }
}

/// Deal fields: a region list (values are item ids 45, 47 ...) and a free-text delivery method labelled only in
/// Russian (an English page falls back to it).
pub fn deal_fields() -> Vec<UserFieldDef> {
    vec![
        enumeration(
            181,
            "UF_CRM_REGION",
            100,
            &[("ru", "Регион"), ("en", "Region")],
            items(45, crate::generator::names::REGIONS),
        ),
        UserFieldDef {
            id: 183,
            field_name: "UF_CRM_DELIVERY".into(),
            user_type: "string".into(),
            multiple: false,
            mandatory: false,
            sort: 200,
            labels: labels(&[("ru", "Способ доставки")]),
            items: Vec::new(),
            choices: crate::generator::names::DELIVERY
                .iter()
                .map(|s| s.to_string())
                .collect(),
        },
    ]
}

/// Lead fields: the same region list under the same code, but (as in a real portal) its own field id and item ids.
pub fn lead_fields() -> Vec<UserFieldDef> {
    vec![enumeration(
        185,
        "UF_CRM_REGION",
        100,
        &[("ru", "Регион"), ("en", "Region")],
        items(61, crate::generator::names::REGIONS),
    )]
}
