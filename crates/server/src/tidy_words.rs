//! Every word of the tidy-up page (docs/ACTIONS.md), ru and en: group titles, action names, the confirmation text
//! that states exactly what will change, outcomes and the page's own labels (sent with the groups). Words only:
//! no decisions about records or access here.

use serde_json::{json, Value};

use crate::i18n::Lang;

fn pick(lang: Lang, ru: &str, en: &str) -> String {
    if lang == Lang::Ru { ru } else { en }.to_string()
}

/// A group's title (`kind` and its age in days for forgotten cards).
pub fn group_title(lang: Lang, kind: &str, days: Option<i64>) -> String {
    let d = days.unwrap_or(0);
    match kind {
        "dismissed_deals" => pick(
            lang,
            "Открытые сделки уволенных сотрудников",
            "Open deals of dismissed employees",
        ),
        "dismissed_leads" => pick(
            lang,
            "Открытые лиды уволенных сотрудников",
            "Open leads of dismissed employees",
        ),
        "dismissed_activities" => pick(
            lang,
            "Просроченные дела уволенных сотрудников",
            "Overdue activities of dismissed employees",
        ),
        "forgotten_deals" => pick(
            lang,
            &format!("Забытые сделки: без движения больше {d} дн."),
            &format!("Forgotten deals: untouched for over {d} days"),
        ),
        "forgotten_leads" => pick(
            lang,
            &format!("Забытые лиды: без движения больше {d} дн."),
            &format!("Forgotten leads: untouched for over {d} days"),
        ),
        "overdue_activities" => pick(
            lang,
            "Дела, просроченные больше чем на 30 дней",
            "Activities overdue for more than 30 days",
        ),
        "past_close" => pick(
            lang,
            "Открытые сделки с плановой датой закрытия более 30 дней назад",
            "Open deals planned to close over 30 days ago",
        ),
        "no_amount" => pick(
            lang,
            "Открытые сделки без суммы",
            "Open deals without an amount",
        ),
        _ => pick(lang, "Записи", "Records"),
    }
}

/// The section a group belongs to on the page: what its records are (the page's `sections` name them).
pub fn section_of(kind: &str) -> &'static str {
    match kind {
        "dismissed_deals" | "dismissed_leads" | "dismissed_activities" => "dismissed",
        "forgotten_deals" | "forgotten_leads" => "forgotten",
        "overdue_activities" => "overdue",
        _ => "deals",
    }
}

/// Plural-free noun for a record kind, with the count first ("12 сделок" is avoided: "сделки: 12").
pub fn entity_words(lang: Lang, entity: &str) -> String {
    match entity {
        "deal" => pick(lang, "сделки", "deals"),
        "lead" => pick(lang, "лиды", "leads"),
        _ => pick(lang, "дела", "activities"),
    }
}

/// One record's kind, as a row of the audit log names it ("Сделка 12").
pub fn record_kind(lang: Lang, entity: &str) -> String {
    match entity {
        "deal" => pick(lang, "Сделка", "Deal"),
        "lead" => pick(lang, "Лид", "Lead"),
        _ => pick(lang, "Дело", "Activity"),
    }
}

/// A record's value before or after an action, in words: the responsible's name and the stage's (or, for an
/// activity, whether it is done). `value` is the audit log's JSON (`responsible`, `stage` or `completed`).
pub fn record_value(
    lang: Lang,
    value: &Value,
    person: impl Fn(i64) -> String,
    stage: impl Fn(&str) -> String,
) -> String {
    let mut parts = Vec::new();
    if let Some(id) = value.get("responsible").and_then(Value::as_i64) {
        parts.push(person(id));
    }
    if let Some(code) = value
        .get("stage")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
    {
        parts.push(stage(code));
    }
    if let Some(done) = value.get("completed").and_then(Value::as_bool) {
        parts.push(if done {
            pick(lang, "выполнено", "done")
        } else {
            pick(lang, "не выполнено", "not done")
        });
    }
    parts.join(" · ")
}

/// An action's name.
pub fn action_name(lang: Lang, action: &str) -> String {
    match action {
        "reassign" => pick(
            lang,
            "Передать другому сотруднику",
            "Reassign to an employee",
        ),
        "todo" => pick(
            lang,
            "Поставить дело ответственному",
            "Create a to-do for the responsible",
        ),
        "close" => pick(
            lang,
            "Закрыть (лиды — некачественные, сделки — проигранные)",
            "Close (leads as junk, deals as lost)",
        ),
        "stage" => pick(lang, "Перенести на стадию", "Move to a stage"),
        "complete" => pick(lang, "Отметить выполненными", "Mark done"),
        "undo" => pick(lang, "Отмена действия", "Undo"),
        _ => pick(lang, "Действие", "Action"),
    }
}

/// An outcome in words.
pub fn outcome_words(lang: Lang, outcome: &str) -> String {
    match outcome {
        "done" => pick(lang, "сделано", "done"),
        "refused" => pick(lang, "портал отказал", "refused by the portal"),
        "failed" => pick(
            lang,
            "не отправлено: портал недоступен",
            "not sent: the portal was unreachable",
        ),
        "skipped" => pick(
            lang,
            "пропущено: запись изменилась после действия",
            "skipped: the record changed since",
        ),
        _ => pick(lang, "в очереди", "queued"),
    }
}

/// The confirmation: what exactly will change, with the count.
pub fn confirmation(lang: Lang, action: &str, entity: &str, count: usize, detail: &str) -> String {
    let what = entity_words(lang, entity);
    match action {
        "reassign" => pick(
            lang,
            &format!("Сменить ответственного ({what}: {count}) на {detail}. Действие выполняется от вашего имени с вашими правами в портале."),
            &format!("Change the responsible ({what}: {count}) to {detail}. The action runs in your name with your rights in the portal."),
        ),
        "todo" => pick(
            lang,
            &format!("Поставить дело ответственным ({what}: {count}) со сроком {detail}. Действие выполняется от вашего имени с вашими правами в портале."),
            &format!("Create a to-do for the responsible ({what}: {count}) due {detail}. The action runs in your name with your rights in the portal."),
        ),
        "close" => pick(
            lang,
            &format!("Закрыть ({what}: {count}) с причиной «{detail}»; причина будет добавлена комментарием в карточку. Действие выполняется от вашего имени с вашими правами в портале."),
            &format!("Close ({what}: {count}) with the reason \"{detail}\", added to each card as a comment. The action runs in your name with your rights in the portal."),
        ),
        "complete" => pick(
            lang,
            &format!("Отметить выполненными ({what}: {count}). Действие выполняется от вашего имени с вашими правами в портале."),
            &format!("Mark done ({what}: {count}). The action runs in your name with your rights in the portal."),
        ),
        _ => pick(
            lang,
            &format!("Перенести ({what}: {count}) на стадию «{detail}». Действие выполняется от вашего имени с вашими правами в портале."),
            &format!("Move ({what}: {count}) to the stage \"{detail}\". The action runs in your name with your rights in the portal."),
        ),
    }
}

/// The confirmation of an undo.
pub fn undo_confirmation(lang: Lang, count: usize) -> String {
    pick(
        lang,
        &format!("Вернуть прежние значения записям, которые не менялись после действия (записей в действии: {count})."),
        &format!("Restore the previous values of the records not changed since the action (records in it: {count})."),
    )
}

/// The page's own labels.
pub fn page(lang: Lang) -> Value {
    let w = |ru: &str, en: &str| pick(lang, ru, en);
    // Two parts: one `json!` of every label would pass the macro's recursion limit.
    let mut labels = json!({
        "title": w("Навести порядок", "Tidy up"),
        "intro": w("Записи, которым нужно решение. Выберите группу или отдельные записи и действие.", "Records that need a decision. Select a group or some records and an action."),
        "count": w("Записей", "Records"),
        "amount": w("Сумма", "Amount"),
        "select_all": w("Выбрать все", "Select all"),
        "record": w("Запись", "Record"),
        "responsible": w("Ответственный", "Responsible"),
        "action": w("Действие", "Action"),
        "to": w("Кому передать", "Reassign to"),
        "deadline": w("Срок дела", "Deadline"),
        "todo_title": w("Текст дела", "To-do text"),
        "todo_default": w("Разобраться с карточкой", "Review this card"),
        "reason": w("Причина", "Reason"),
        "stage": w("Стадия", "Stage"),
        "preview": w("Далее", "Next"),
        "confirm": w("Подтвердить", "Confirm"),
        "cancel": w("Отмена", "Cancel"),
        "progress": w("Выполняется", "Running"),
        "finished": w("Готово", "Finished"),
        "audit": w("Журнал действий", "Action log"),
        "who": w("Кто", "Who"),
        "when": w("Когда", "When"),
        "done": w("Сделано", "Done"),
        "refused": w("Отказано / пропущено", "Refused / skipped"),
        "undo": w("Отменить", "Undo"),
        "details": w("Подробнее", "Details"),
        "before": w("Было", "Before"),
        "after": w("Стало", "After"),
        "outcome": w("Итог", "Outcome"),
        "empty": w("Здесь порядок: записей, которым нужно решение, нет.", "All tidy: no records need a decision."),
        "no_actions": w("Для дел действия появятся позже; откройте карточки в портале.", "Actions on activities come later; open the cards in the portal."),
        "actions": {
            "reassign": action_name(lang, "reassign"),
            "todo": action_name(lang, "todo"),
            "close": action_name(lang, "close"),
            "stage": action_name(lang, "stage"),
            "complete": action_name(lang, "complete"),
        },
    });
    let more = json!({
        "group": w("Группа", "Group"),
        "open": w("Разобрать", "Review"),
        "close_group": w("Свернуть", "Collapse"),
        "clean": w("Разобрано", "Done"),
        "title_col": w("Карточка", "Card"),
        "no_title": w("без названия", "untitled"),
        "selected": w("Выбрано", "Selected"),
        "of": w("из", "of"),
        "shown_first": w("Показаны первые записи группы", "The group's first records are shown"),
        "done_words": w("сделано", "done"),
        "refused_words": w("отказано порталом", "refused by the portal"),
        "skipped_words": w("пропущено", "skipped"),
        "refused_list": w("Портал отказал", "Refused by the portal"),
        "confirm_title": w("Проверьте перед запуском", "Check before you start"),
        "no_runs": w("Действий пока не было", "No actions yet"),
        "run_of": w("Записи действия", "The action's records"),
        "sections": {
            "dismissed": w("Карточки уволенных сотрудников", "Cards of dismissed employees"),
            "forgotten": w("Забытые карточки", "Forgotten cards"),
            "overdue": w("Просроченные дела", "Overdue activities"),
            "deals": w("Сделки с прошедшей датой закрытия или без суммы", "Deals past their close date or without an amount"),
        },
    });
    if let (Some(all), Value::Object(more)) = (labels.as_object_mut(), more) {
        all.extend(more);
    }
    labels
}
