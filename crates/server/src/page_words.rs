//! Every word the page shows that is not a metric (tabs, filter bar, tiles' comparisons, notes, settings, progress),
//! in Russian and English. The server sends the table for the page's language in the page config (`words`); the
//! page only looks words up by key (`frontend-assets/i18n.js`) and must never carry its own copy. Words only: no
//! numbers, no logic.

use crate::i18n::Lang;
use serde_json::{Map, Value};

/// (key, Russian, English).
const WORDS: &[(&str, &str, &str)] = &[
    ("period", "Период", "Period"),
    ("compare", "Сравнение", "Compare with"),
    ("pipelines", "Воронки", "Pipelines"),
    ("departments", "Отделы", "Departments"),
    ("employees", "Сотрудники", "Employees"),
    ("sources", "Источники", "Sources"),
    ("projects", "Проекты", "Projects"),
    ("cohort", "Список сделок", "Deal list"),
    ("bucket", "Шаг", "Step"),
    ("apply", "Применить", "Apply"),
    ("reset", "Сбросить", "Reset"),
    ("all", "Все", "All"),
    ("search", "Поиск…", "Search…"),
    ("from", "С", "From"),
    ("to", "По", "To"),
    ("this_week", "Эта неделя", "This week"),
    ("last_week", "Прошлая неделя", "Last week"),
    ("this_month", "Этот месяц", "This month"),
    ("last_month", "Прошлый месяц", "Last month"),
    ("this_quarter", "Этот квартал", "This quarter"),
    ("last_quarter", "Прошлый квартал", "Last quarter"),
    ("this_year", "Этот год", "This year"),
    ("last_year", "Прошлый год", "Last year"),
    ("last_days", "Последние N дней", "Last N days"),
    ("custom", "Произвольный", "Custom range"),
    ("days", "дней", "days"),
    ("none", "Без сравнения", "No comparison"),
    ("previous", "Предыдущий период", "Previous period"),
    ("year_ago", "Год назад", "A year earlier"),
    ("created", "Созданные в периоде", "Created in the period"),
    ("closed", "Закрытые в периоде", "Closed in the period"),
    ("day", "День", "Day"),
    ("week", "Неделя", "Week"),
    ("month", "Месяц", "Month"),
    ("quarter", "Квартал", "Quarter"),
    ("export_block", "Excel", "Excel"),
    ("export_all", "Весь отчёт в Excel", "Whole report to Excel"),
    ("total", "Итого", "Total"),
    ("loading", "Загрузка…", "Loading…"),
    ("synced", "Данные обновлены", "Data synced"),
    ("never_synced", "Данные ещё загружаются", "Data is still loading"),
    ("source_failed", "Не удалось обновить", "Failed to sync"),
    ("source_failed_tail", "— цифры по ним могут быть неполными.", "— figures based on them may be incomplete."),
    ("import_title", "Загружаем данные портала", "Importing the portal's data"),
    ("import_hint", "Отчёты уже работают на загруженной части и дополняются по мере загрузки.", "Reports already work on what is loaded and fill in as the import goes on."),
    ("empty", "Нет данных за выбранный период", "No data for the selected period"),
    ("empty_hint", "Попробуйте выбрать другой период или снять фильтры.", "Try another period or clear the filters."),
    ("empty_block", "Нет строк для этих фильтров", "No rows for these filters"),
    ("records", "записей", "records"),
    ("open_card", "Открыть карточку", "Open the card"),
    ("more", "Показать ещё", "Show more"),
    ("clamp", "Бесплатный тариф показывает данные за последние 3 месяца. Период обрезан до", "The free plan shows the last 3 months. The period was cut to"),
    ("clamp_tail", "Подписка открывает 24 месяца истории.", "A subscription opens 24 months of history."),
    ("vs_previous_period", "к тому же числу дней до периода", "vs the same number of days before"),
    ("vs_same_days_previous_week", "к тем же дням прошлой недели", "vs the same days of last week"),
    ("vs_same_days_previous_month", "к тем же дням прошлого месяца", "vs the same days of last month"),
    ("vs_same_days_previous_quarter", "к тем же дням прошлого квартала", "vs the same days of last quarter"),
    ("vs_same_days_previous_year", "к тем же дням прошлого года", "vs the same days of last year"),
    ("vs_whole_previous_week", "к предыдущей неделе", "vs the week before"),
    ("vs_whole_previous_month", "к предыдущему месяцу целиком", "vs the whole month before"),
    ("vs_whole_previous_quarter", "к предыдущему кварталу целиком", "vs the whole quarter before"),
    ("vs_whole_previous_year", "к предыдущему году целиком", "vs the whole year before"),
    ("vs_year_ago", "к тем же дням год назад", "vs the same days a year earlier"),
    ("compared_with", "Сравнение с", "Compared with"),
    ("pp", "п. п.", "pp"),
    ("partial_week", "неполная неделя", "partial week"),
    ("partial_month", "неполный месяц", "partial month"),
    ("partial_quarter", "неполный квартал", "partial quarter"),
    ("partial_day", "неполный день", "partial day"),
    ("error", "Ошибка", "Error"),
    ("settings", "Настройки", "Settings"),
    ("save", "Сохранить", "Save"),
    ("saved", "Сохранено", "Saved"),
    ("add", "Добавить", "Add"),
    ("remove", "Удалить", "Remove"),
    ("fmn_title", "Незабудка: когда карточка считается забытой", "Forget-me-not: when a card is forgotten"),
    ("lead_days", "Лид забыт через, дней", "A lead is forgotten after, days"),
    ("deal_days", "Сделка забыта через, дней", "A deal is forgotten after, days"),
    ("planned_care", "Запланированное дело = о карточке помнят", "A planned activity means the card is cared for"),
    ("zone_title", "Часовой пояс портала", "The portal's time zone"),
    ("zone_hint", "По нему отчёты делят время на дни, недели и месяцы. Приложение узнаёт его у портала при каждой синхронизации.", "Reports cut time into days, weeks and months in this zone. The app learns it from the portal at every sync."),
    ("access_title", "Доступ к отчётам", "Access to the reports"),
    ("access_hint", "Администраторы портала видят все отчёты по всей компании. Остальным доступ выдаётся здесь — сотруднику или отделу (с подотделами); у каждого правила — чьи данные видны. Руководитель отдела всегда видит свой отдел с подотделами.", "Portal administrators see every report for the whole company. Others get access here — per employee or per department (with sub-departments); each rule says whose data is shown. A head of department always sees his department with its sub-departments."),
    ("scope", "Чьи данные", "Whose data"),
    ("scope_own", "Только свои", "Own records only"),
    ("scope_department", "Свой отдел с подотделами", "Own department with sub-departments"),
    ("scope_company", "Вся компания", "The whole company"),
    ("report", "Отчёт", "Report"),
    ("who", "Кому", "Who"),
    ("all_reports", "Все отчёты", "All reports"),
    ("employee", "Сотрудник", "Employee"),
    ("department", "Отдел", "Department"),
    ("no_rules", "Пока доступ есть только у администраторов.", "For now only administrators have access."),
    ("plan_empty", "План на этот период ещё не задан. Администратор задаёт его в настройках приложения.", "No plan is set for this period yet. An administrator sets it in the app settings."),
    ("plan_amount", "План, сумма", "Plan amount"),
    ("plan_count", "План, сделок", "Plan, deals"),
    ("bonus", "Бонус", "Bonus"),
    ("subtotal", "итого по отделу", "department subtotal"),
    ("plans_title", "План продаж", "Sales plan"),
    ("inactive", "уволен", "inactive"),
    ("prorated", "пропорционально дням", "prorated by days"),
    ("session_expired", "Сессия истекла — откройте приложение из меню портала заново.", "The session expired — open the app again from the portal menu."),
    ("filters", "Фильтры", "Filters"),
    ("no_project", "Без проекта", "No project"),
    ("no_utm", "Без UTM-меток", "No UTM tags"),
    ("customers_new", "Новые клиенты", "New customers"),
    ("customers_returning", "Повторные клиенты", "Returning customers"),
    ("deals_only", "только сделки", "deals only"),
    ("leads_only", "только лиды", "leads only"),
    ("all_pipelines", "Все воронки", "All pipelines"),
    ("grade", "Грейд", "Grade"),
    ("bonus_rules", "Правило бонуса", "Bonus rule"),
    ("threshold", "Порог", "Threshold"),
    ("ladder", "Лестница", "Ladder"),
    ("threshold_hint", "Весь бонус — при выполнении плана не ниже порога.", "The whole bonus once the plan is done at least to the threshold."),
    ("ladder_hint", "Ступени: при выполнении от X % — Y % бонуса (берётся самая высокая достигнутая).", "Steps: from X % done, Y % of the bonus (the highest step reached counts)."),
    ("step_done", "Выполнение от, %", "Done from, %"),
    ("step_share", "Доля бонуса, %", "Bonus share, %"),
    ("add_step", "+ ступень", "+ step"),
    ("custom_field", "Доп. поле", "Custom field"),
    ("add_field", "Добавить поле…", "Add a field…"),
    ("forbidden", "Нет доступа к этому отчёту.", "You have no access to this report."),
    ("note_clock", "Когда карточка считается активной", "What counts as activity"),
    ("note_forget_me_not_lead_days", "Лид забыт через, дней", "Lead forgotten after, days"),
    ("note_forget_me_not_deal_days", "Сделка забыта через, дней", "Deal forgotten after, days"),
    ("note_planned_activity_counts_as_care", "Запланированное дело = забота", "Planned activity counts as care"),
    ("note_threshold_pct", "Порог бонуса, %", "Bonus threshold, %"),
    ("note_deal_list_cohort", "Список сделок — по сделкам", "Deal list — deals"),
    ("note_plan_prorated", "Строки плана за период длиннее выбранного пересчитаны", "Plan rows longer than the chosen period are prorated"),
    ("note_custom_fields_not_for_leads", "Лиды не отфильтрованы по полям (у лидов их нет)", "Leads not filtered by fields leads do not have"),
    ("note_custom_fields_not_for_deals", "Сделки не отфильтрованы по полям (у сделок их нет)", "Deals not filtered by fields deals do not have"),
    ("note_no_rate", "Нет курса — сделки и лиды в этих валютах посчитаны в количестве, но не в суммах", "No rate — deals and leads in these currencies are counted, but left out of sums"),
    ("note_comparison_beyond_tier", "Сравнение недоступно: период сравнения за пределами тарифа, данные доступны с", "No comparison: the comparison period lies beyond the plan, data is available from"),
    ("note_base_currency_unknown", "Портал не сообщил базовую валюту — суммы показаны без валюты", "The portal named no base currency — sums are shown without one"),
    ("source_deals", "Сделки", "Deals"),
    ("source_leads", "Лиды", "Leads"),
    ("source_activities", "Дела", "Activities"),
    ("source_tasks", "Задачи", "Tasks"),
    ("source_users", "Сотрудники", "Employees"),
    ("source_deal_stage_history", "История стадий сделок", "Deal stage history"),
    ("source_lead_stage_history", "История статусов лидов", "Lead status history"),
    ("source_departments", "Отделы", "Departments"),
    ("source_pipelines", "Воронки", "Pipelines"),
    ("source_companies", "Компании", "Companies"),
    ("source_calls", "Звонки", "Calls"),
    ("source_projects", "Проекты", "Projects"),
    ("source_contacts", "Контакты", "Contacts"),
    ("source_statuses", "Стадии, статусы и источники", "Stages, statuses and sources"),
    ("source_currencies", "Валюты", "Currencies"),
    ("note_value_true", "да", "yes"),
    ("note_value_false", "нет", "no"),
    ("note_value_created", "созданным в периоде", "created in the period"),
    ("note_value_closed", "закрытым в периоде", "closed in the period"),
    ("note_value_days", "по дням", "by days"),
    ("note_value_last_of", "последнее из: правка, смена стадии, активность портала, дело создано или выполнено", "last of: an edit, a stage change, portal activity, an activity created or done"),
    ("title_column", "Название", "Title"),
    ("all_pipelines_option", "Все воронки", "All pipelines"),
    ("paste_placeholder", "Вставьте строки из таблицы: сотрудник ⇥ воронка ⇥ месяц|квартал|год ⇥ 01.11.2026 ⇥ сумма ⇥ кол-во ⇥ бонус ⇥ грейд", "Paste rows from a spreadsheet: employee ⇥ pipeline ⇥ month|quarter|year ⇥ 11/01/2026 or 2026-11-01 ⇥ amount ⇥ count ⇥ bonus ⇥ grade"),
    ("paste_not_recognised", "Не распознано, строка", "Not recognised, row"),
    ("paste_add", "Добавить вставленные строки", "Add pasted rows"),
    ("expand", "Развернуть", "Expand"),
    ("collapse", "Свернуть", "Collapse"),
    ("more_tabs", "Ещё разделы →", "More tabs →"),
    ("import_running", "Идёт первая загрузка данных — цифры дополняются", "The first import is running — figures are filling in"),
    ("note_cohort_deals", "Сделки, созданные в периоде", "Deals created in the period"),
];

/// The page's words in `lang`, keyed as the page asks for them.
pub fn page_words(lang: Lang) -> Value {
    let mut m = Map::new();
    for (k, ru, en) in WORDS {
        m.insert(
            (*k).to_string(),
            Value::from(if lang == Lang::En { *en } else { *ru }),
        );
    }
    Value::Object(m)
}

/// One page word (the key itself when there is none, so a missing word shows up in tests, not as a blank).
pub fn word(lang: Lang, key: &str) -> String {
    WORDS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, ru, en)| if lang == Lang::En { *en } else { *ru }.to_string())
        .unwrap_or_else(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_has_both_languages_and_keys_are_unique() {
        let mut keys = std::collections::BTreeSet::new();
        for (k, ru, en) in WORDS {
            assert!(keys.insert(*k), "duplicate key {k}");
            assert!(!ru.is_empty() && !en.is_empty(), "{k}");
        }
        assert_eq!(word(Lang::Ru, "source_deals"), "Сделки");
        assert_eq!(page_words(Lang::En)["apply"], "Apply");
    }
}
