//! The words of R7's per-sale view (one sale's linked work on one time line) in Russian and English, and the JSON
//! the page renders: the sale, its children with their department, named stage, state in words, dates, days and
//! amount, each with its card's path. Must never show a code (a state key, a stage id) and never decide which
//! children a sale has (that is `b24a_reports::r7_linked::sale_view`).

use b24a_reports::metrics::Status;
use b24a_reports::r7_linked::SaleView;
use b24a_reports::r7_links::ChildRef;
use serde_json::{json, Value};

use crate::i18n::Lang;

fn pick(lang: Lang, ru: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::En {
        en
    } else {
        ru
    }
}

/// A child's state in words: done (success stage), failed (closed at a failure stage) or in work.
pub fn state_name(status: Status, lang: Lang) -> &'static str {
    match status {
        Status::Won => pick(lang, "Выполнена", "Done"),
        Status::Lost => pick(lang, "Закрыта, не выполнена", "Closed, not done"),
        Status::InWork => pick(lang, "В работе", "In work"),
    }
}

/// A child's kind in words: a deal of another pipeline or a smart-process item.
fn kind_name(child: ChildRef, lang: Lang) -> &'static str {
    match child {
        ChildRef::Deal(_) => pick(lang, "Сделка", "Deal"),
        ChildRef::Item(..) => pick(lang, "Элемент смарт-процесса", "Smart-process item"),
    }
}

fn words(lang: Lang) -> Value {
    let w = |ru, en| pick(lang, ru, en);
    json!({
        "title": w("Лента продажи", "Sale time line"),
        "sale": w("Продажа", "Sale"),
        "first_amount": w("Первая сумма", "First amount"),
        "final_amount": w("Итоговая сумма", "Final amount"),
        "manager": w("Ответственный", "Responsible"),
        "created": w("Создана", "Created"),
        "closed": w("Закрыта", "Closed"),
        "children": w("Связанная работа по дате создания", "Linked work by creation date"),
        "work": w("Отдел", "Department"),
        "stage": w("Стадия", "Stage"),
        "state": w("Состояние", "State"),
        "days": w("Дней до закрытия", "Days to close"),
        "amount": w("Сумма", "Amount"),
        "none": w("У этой продажи нет связанной работы", "This sale has no linked work"),
    })
}

fn text(r: &b24a_reports::Record, key: &str) -> Value {
    r.columns.get(key).cloned().unwrap_or(Value::Null)
}

/// The per-sale view as the page renders it.
pub fn sale_view_json(v: &SaleView, currency: &str, lang: Lang) -> Value {
    let children: Vec<Value> = v
        .children
        .iter()
        .map(|c| {
            let (kind, id) = match c.child {
                ChildRef::Deal(id) => ("deal", id),
                ChildRef::Item(_, id) => ("item", id),
            };
            json!({
                "kind": kind,
                "id": id,
                "kind_name": kind_name(c.child, lang),
                "title": c.record.title,
                "path": c.record.path,
                "work": c.work,
                "stage": text(&c.record, "stage"),
                "state": state_name(c.status, lang),
                "done": c.status == Status::Won,
                "closed_state": c.status.is_closed(),
                "manager": text(&c.record, "manager"),
                "created": text(&c.record, "created"),
                "created_at": c.created_at,
                "closed": c.closed_on.map(|d| d.format("%Y-%m-%d").to_string()),
                "days": c.close_days,
                "amount": c.amount,
            })
        })
        .collect();
    let s = &v.sale;
    json!({
        "sale": {
            "id": s.id,
            "title": s.title,
            "path": s.path,
            "manager": text(s, "manager"),
            "stage": text(s, "stage"),
            "created": text(s, "created"),
            "first_amount": v.first_amount,
            "final_amount": v.final_amount,
        },
        "children": children,
        "currency": currency,
        "words": words(lang),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_words_in_both_languages() {
        for lang in [Lang::Ru, Lang::En] {
            for s in [Status::Won, Status::Lost, Status::InWork] {
                let w = state_name(s, lang);
                assert!(!w.is_empty());
                assert_ne!(w, s.key(), "no code on screen");
            }
        }
        assert_eq!(state_name(Status::Won, Lang::Ru), "Выполнена");
        assert_eq!(state_name(Status::InWork, Lang::En), "In work");
    }
}
