//! Error messages in the caller's language. `error.rs` decides status, code and field of every error and leaves a
//! [`ErrorInfo`] on the response; [`localize`] (a middleware over every route) rewrites the answer's `message` in
//! the session's language, naming the field in words ("Строка 2, начало периода: …") instead of its JSON path.
//! The machine parts of the answer (`error`, `field`) never change. Words only: no status decisions here.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

use crate::app::AppState;
use crate::i18n::Lang;

/// What the error said, for wording it: the stable code, the field path and the library's (English) reason.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: &'static str,
    pub field: Option<String>,
    pub reason: String,
}

/// A field path in words: `lead_days`, `period.to`, `rows[1].period_start`, `rules[0].subject`.
pub fn field_words(field: &str, lang: Lang) -> String {
    let ru = lang == Lang::Ru;
    // `rows[i].x` / `rules[i].x`: the row number counted from 1, then the field.
    if let Some((head, rest)) = field.split_once('[') {
        if let Some((index, tail)) = rest.split_once(']') {
            let n = index.parse::<usize>().map(|i| i + 1).unwrap_or(0);
            let row = match (head, ru) {
                ("rules", true) => format!("Правило {n}"),
                ("rules", false) => format!("Rule {n}"),
                (_, true) => format!("Строка {n}"),
                (_, false) => format!("Row {n}"),
            };
            let tail = tail.trim_start_matches('.');
            return if tail.is_empty() {
                row
            } else {
                format!("{row}, {}", field_words(tail, lang).to_lowercase())
            };
        }
    }
    let (r, e) = match field {
        "period" | "period.from" | "period.to" | "period.days" | "period.preset" => {
            ("Период", "Period")
        }
        "comparison" => ("Сравнение", "Comparison"),
        "bucket" => ("Шаг", "Step"),
        "cohort" => ("Список сделок", "Deal list"),
        "lead_days" => ("Лид забыт через, дней", "A lead is forgotten after, days"),
        "deal_days" => (
            "Сделка забыта через, дней",
            "A deal is forgotten after, days",
        ),
        "planned_activity_counts_as_care" => ("Запланированное дело", "Planned activity"),
        "period_start" => ("Начало периода", "Period start"),
        "period_kind" => ("Период плана", "Plan period"),
        "amount_cents" => ("Сумма плана", "Plan amount"),
        "deal_count" => ("План, сделок", "Plan, deals"),
        "bonus_cents" => ("Бонус", "Bonus"),
        "user_id" => ("Сотрудник", "Employee"),
        "department_id" => ("Отдел", "Department"),
        "category_id" => ("Воронка", "Pipeline"),
        "grade" => ("Грейд", "Grade"),
        "subject" => ("Кому", "Who"),
        "scope" => ("Чьи данные", "Whose data"),
        "report" => ("Отчёт", "Report"),
        "plan_options" | "plan.ladder" | "threshold_pct" => ("Правило бонуса", "Bonus rule"),
        "sources" => ("Источники", "Sources"),
        "pipelines" => ("Воронки", "Pipelines"),
        "departments" => ("Отделы", "Departments"),
        "users" | "employees" => ("Сотрудники", "Employees"),
        "projects" => ("Проекты", "Projects"),
        "custom_fields" => ("Доп. поля", "Custom fields"),
        "block" => ("Блок отчёта", "Report block"),
        "drill" | "drill.side" | "list" | "list.limit" | "list.sort" => {
            ("Список записей", "Record list")
        }
        "rows" | "rules" => ("Строки", "Rows"),
        "group" => ("Группа записей", "Record group"),
        "ids" => ("Выбранные записи", "Selected records"),
        "action" => ("Действие", "Action"),
        "to" => ("Новый ответственный", "New responsible"),
        "deadline" => ("Срок дела", "To-do deadline"),
        "title" => ("Текст дела", "To-do text"),
        "reason" => ("Причина", "Reason"),
        "stage" => ("Стадия", "Stage"),
        "grant" => ("Права в портале", "Rights in the portal"),
        "run" => ("Действие из журнала", "Logged action"),
        _ => ("Значение", "Value"),
    };
    (if ru { r } else { e }).to_string()
}

/// The library's reason in words, for the reasons the app knows; otherwise a plain "invalid value".
pub fn reason_words(reason: &str, lang: Lang) -> String {
    let ru = lang == Lang::Ru;
    if let Some(range) = reason.split("must be within ").nth(1) {
        let nums: Vec<&str> = range
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .collect();
        if let [lo, hi, ..] = nums.as_slice() {
            return if ru {
                format!("должно быть от {lo} до {hi}")
            } else {
                format!("must be from {lo} to {hi}")
            };
        }
    }
    if reason.contains("a plan for the same") {
        return if ru {
            "такой план уже есть (тот же сотрудник или отдел, воронка и период)".into()
        } else {
            "this plan already exists (same employee or department, pipeline and period)".into()
        };
    }
    if reason.contains("open the app again") {
        return if ru {
            "откройте приложение из меню портала заново, чтобы действовать от своего имени".into()
        } else {
            "open the app again from the portal menu to act in your own name".into()
        };
    }
    if reason.contains("cannot be undone") {
        return if ru {
            "это действие нельзя отменить".into()
        } else {
            "this action cannot be undone".into()
        };
    }
    if reason.contains("not in the group") {
        return if ru {
            "есть записи не из этой группы (или вне ваших данных)".into()
        } else {
            "some records are not in this group (or outside your data)".into()
        };
    }
    if reason.contains("is before period.from") {
        return if ru {
            "конец периода раньше начала".into()
        } else {
            "the period ends before it starts".into()
        };
    }
    if reason.contains("must not be empty")
        || reason.contains("required")
        || reason.contains("missing field")
    {
        return if ru {
            "нужно заполнить".into()
        } else {
            "is required".into()
        };
    }
    if reason.contains("date") || reason.contains("day") {
        return if ru {
            "нужна дата, например 01.11.2026".into()
        } else {
            "needs a date, e.g. 11/01/2026".into()
        };
    }
    if ru {
        "недопустимое значение".into()
    } else {
        "invalid value".into()
    }
}

/// The whole message of an error in `lang`.
pub fn message(info: &ErrorInfo, lang: Lang) -> String {
    let ru = lang == Lang::Ru;
    match info.code {
        "invalid" | "bad_request" => match &info.field {
            Some(f) => format!(
                "{}: {}",
                field_words(f, lang),
                reason_words(&info.reason, lang)
            ),
            None => reason_words(&info.reason, lang),
        },
        "unauthorized" => if ru {
            "Сессия истекла — откройте приложение из меню портала заново."
        } else {
            "The session expired — open the app again from the portal menu."
        }
        .into(),
        "forbidden" => if ru {
            "Нет доступа."
        } else {
            "Access denied."
        }
        .into(),
        "portal_busy" => if ru {
            "Портал сейчас занят, попробуйте через минуту."
        } else {
            "The portal is busy, try again in a moment."
        }
        .into(),
        "unreadable" => if ru {
            "Запрос не прочитан: данные пришли не в том виде. Обновите страницу и повторите."
        } else {
            "The request could not be read: its data came in the wrong shape. Reload the page and try again."
        }
        .into(),
        "not_found" => if ru {
            "Не найдено."
        } else {
            "Not found."
        }
        .into(),
        _ => if ru {
            "Внутренняя ошибка, попробуйте ещё раз."
        } else {
            "Internal error, please try again."
        }
        .into(),
    }
}

/// axum's own extractor rejections (a body that is not JSON, a missing or wrong content type, a JSON value of the
/// wrong shape) answer in English plain text; on the API they get the same JSON error shape, in words.
fn is_extractor_rejection(resp: &Response) -> bool {
    let status = resp.status().as_u16();
    let plain = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    plain && matches!(status, 400 | 413 | 415 | 422)
}

/// Middleware: an error answer's `message` in the language of the caller's session (Russian without a session).
pub async fn localize(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let lang = req
        .headers()
        .get(crate::session::HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|t| state.signer.verify(t, chrono::Utc::now().timestamp()))
        .map(|s| Lang::from_code(&s.lang))
        .unwrap_or(Lang::Ru);
    let api = req.uri().path().starts_with("/api/");
    let mut resp = next.run(req).await;
    let info = match resp.extensions_mut().remove::<ErrorInfo>() {
        Some(info) => info,
        None if api && is_extractor_rejection(&resp) => ErrorInfo {
            code: "unreadable",
            field: None,
            reason: String::new(),
        },
        None => return resp,
    };
    let body = json!({ "error": info.code, "message": message(&info, lang), "field": info.field });
    let (mut parts, _) = resp.into_parts();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    parts.headers.insert(
        CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(field: &str, reason: &str) -> ErrorInfo {
        ErrorInfo {
            code: "invalid",
            field: Some(field.into()),
            reason: reason.into(),
        }
    }

    #[test]
    fn fields_and_reasons_in_words() {
        assert_eq!(
            message(
                &info("lead_days", "must be within 1..=3650 days, got 0"),
                Lang::Ru
            ),
            "Лид забыт через, дней: должно быть от 1 до 3650"
        );
        assert_eq!(
            message(&info("rows[0].period_start", "rows[0].period_start: a plan for the same user, pipeline and period already exists"), Lang::Ru),
            "Строка 1, начало периода: такой план уже есть (тот же сотрудник или отдел, воронка и период)"
        );
        assert_eq!(
            message(
                &info("period.to", "2026-01-01 is before period.from 2026-02-01"),
                Lang::En
            ),
            "Period: the period ends before it starts"
        );
        assert_eq!(
            message(&info("period.to", "invalid filter field"), Lang::Ru),
            "Период: недопустимое значение"
        );
        for m in [
            message(&info("rules[2].subject", "x"), Lang::Ru),
            message(&info("weird_field_x", "y"), Lang::Ru),
        ] {
            assert!(!m.contains('_') && !m.contains('['), "{m}");
        }
    }
}
