//! The page's words in Russian (default) and English (when the portal's LANG says so). Report metric texts come
//! from `b24a-reports::definitions`; this module holds only the shell's own strings and must not hold numbers.

/// The UI language: Russian unless the portal asked for English (or another non-Russian language).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ru,
    En,
}

impl Lang {
    /// From Bitrix24's LANG (`ru`, `ua`, `by`, `kz` read Russian; everything else English; missing = Russian).
    pub fn from_portal(lang: Option<&str>) -> Lang {
        match lang.map(|l| l.trim().to_ascii_lowercase()) {
            None => Lang::Ru,
            Some(l) if l.is_empty() || matches!(l.as_str(), "ru" | "ua" | "by" | "kz") => Lang::Ru,
            Some(_) => Lang::En,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }
    pub fn from_code(code: &str) -> Lang {
        if code == "en" {
            Lang::En
        } else {
            Lang::Ru
        }
    }
}

/// A shell string by key.
pub fn t(lang: Lang, key: &str) -> &'static str {
    let (ru, en) = match key {
        "app_title" => ("Аналитика продаж", "Sales analytics"),
        "forbidden_title" => ("Доступ запрещён", "Access denied"),
        "forbidden_text" => (
            "Не удалось подтвердить запрос у Битрикс24. Откройте приложение из меню портала.",
            "The request could not be verified with Bitrix24. Open the app from the portal's menu.",
        ),
        "busy_title" => ("Портал занят", "The portal is busy"),
        "busy_text" => (
            "Битрикс24 сейчас отвечает на много запросов и не успел подтвердить ваши права. Попробуйте открыть приложение ещё раз через минуту.",
            "Bitrix24 is answering many requests right now and could not confirm your rights yet. Please open the app again in a moment.",
        ),
        "no_access_title" => ("Нет доступа к отчётам", "No access to the reports"),
        "no_access_text" => (
            "Администратор портала ещё не открыл вам доступ к отчётам этого приложения. Обратитесь к нему — он может выдать доступ в настройках приложения.",
            "The portal administrator has not given you access to this app's reports yet. Ask them: access is granted in the app's settings.",
        ),
        "install_done" => ("Приложение установлено", "The app is installed"),
        "install_text" => (
            "Начинаем загрузку данных портала. Отчёты появятся в меню слева, прогресс загрузки виден на странице приложения.",
            "Importing the portal's data has started. The reports are in the left menu; the import progress is shown on the app's page.",
        ),
        "sales_dynamics" => ("Динамика продаж", "Sales dynamics"),
        "managers" => ("Эффективность менеджеров", "Manager efficiency"),
        "plan" => ("План продаж", "Sales plan"),
        "marketing" => ("Анализ маркетинга", "Marketing analysis"),
        "tasks" => ("Производительность команды", "Team performance"),
        "forget_me_not" => ("Незабудка", "Forget-me-not"),
        "linked" => ("Связанные сделки", "Linked work"),
        "settings" => ("Настройки", "Settings"),
        "total" => ("Итого", "Total"),
        _ => ("", ""),
    };
    match lang {
        Lang::Ru => ru,
        Lang::En => en,
    }
}

/// The title of a report block (table) by its key; unknown keys read as words.
pub fn block_title(lang: Lang, key: &str) -> String {
    block_title_named(lang, key, &[])
}

/// [`block_title`] with the portal's pipeline names, so a funnel is titled by its pipeline's name, not its id
/// (the id stays only when the portal no longer has that pipeline).
pub fn block_title_named(lang: Lang, key: &str, pipelines: &[(i64, String)]) -> String {
    if let Some(p) = key.strip_prefix("stages_") {
        let name = p
            .parse::<i64>()
            .ok()
            .and_then(|id| pipelines.iter().find(|(i, _)| *i == id))
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| p.to_string());
        return match lang {
            Lang::Ru => format!("Стадии: {name}"),
            Lang::En => format!("Stages: {name}"),
        };
    }
    let (ru, en) = match key {
        "dynamics" => ("Динамика", "Dynamics"),
        "lost_by_stage" => ("Проигранные сделки по причинам", "Lost deals by reason"),
        "by_status" => ("Сделки по статусам", "Deals by status"),
        "employees" => ("Сотрудники", "Employees"),
        "by_employee" => ("По сотрудникам", "By employee"),
        "by_department" => ("По отделам", "By department"),
        "by_manager" => ("По менеджерам", "By manager"),
        "by_project" => ("По проектам", "By project"),
        "by_source" => ("По источникам", "By source"),
        "by_utm" => ("По UTM-меткам", "By UTM tags"),
        "by_industry" => ("По отраслям клиентов", "By client industry"),
        "source_manager" => ("Источник × менеджер", "Source × manager"),
        "source_trend" => ("Динамика источников", "Source trend"),
        "returning" => ("Новые и повторные клиенты", "New vs returning customers"),
        "plan_rows" => ("План и факт", "Plan and fact"),
        "department_dynamics" => ("Динамика по отделам", "Department dynamics"),
        "task_universe" => ("Задачи периода", "Tasks of the period"),
        "act_overdue" => ("Просроченные дела", "Overdue activities"),
        "forgotten_deals" => ("Забытые сделки", "Forgotten deals"),
        "forgotten_leads" => ("Забытые лиды", "Forgotten leads"),
        "leads" => ("Лиды", "Leads"),
        "deals" => ("Сделки", "Deals"),
        "by_work" => ("По отделам-исполнителям", "By department"),
        "by_responsible" => (
            "Время до закрытия по ответственным",
            "Time to close by responsible",
        ),
        "open_work_stages" => ("Где ждёт открытая работа", "Where open work waits"),
        "sales_waiting" => (
            "Продажи, ждущие работу отделов",
            "Sales waiting on department work",
        ),
        "chain_by_source" => (
            "Источник → лид → продажа → работа → итог",
            "Source → lead → sale → work → outcome",
        ),
        "clients_without_plan" => (
            "Клиенты без запланированных дел",
            "Clients with no planned activity",
        ),
        other => return other.replace('_', " "),
    };
    match lang {
        Lang::Ru => ru.to_string(),
        Lang::En => en.to_string(),
    }
}

/// A deal status group (`in_work`, `won`, `lost`) in words: the page's by-status table and its Excel sheet both
/// name the groups with this.
pub fn status_group_name(lang: Lang, code: &str) -> Option<&'static str> {
    let (ru, en) = match code {
        "in_work" => ("В работе", "In work"),
        "won" => ("Успешные", "Won"),
        "lost" => ("Проигранные", "Lost"),
        _ => return None,
    };
    Some(if lang == Lang::En { en } else { ru })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_by_default_english_on_request() {
        assert_eq!(Lang::from_portal(None), Lang::Ru);
        assert_eq!(Lang::from_portal(Some("ru")), Lang::Ru);
        assert_eq!(Lang::from_portal(Some("EN")), Lang::En);
        assert_eq!(Lang::from_portal(Some("de")), Lang::En);
        assert_eq!(t(Lang::En, "plan"), "Sales plan");
        assert_eq!(t(Lang::Ru, "plan"), "План продаж");
    }
}
