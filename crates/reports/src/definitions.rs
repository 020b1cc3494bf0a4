//! The written definition of every metric, in Russian and English, keyed by the metric key used in answers,
//! drill handles and docs/METRICS.md. The UI shows these next to the numbers. Keep in step with docs/METRICS.md;
//! this module must never hold logic — only the words and which kind of record a metric counts.

use serde::Serialize;

use crate::answer::Unit;
use crate::list::Entity;

#[derive(Debug, Clone, Copy, Serialize)]
pub struct MetricDef {
    pub key: &'static str,
    /// What a drill-down of this metric lists.
    pub entity: Entity,
    pub unit: Unit,
    pub ru: &'static str,
    pub en: &'static str,
}

const fn d(
    key: &'static str,
    entity: Entity,
    unit: Unit,
    ru: &'static str,
    en: &'static str,
) -> MetricDef {
    MetricDef {
        key,
        entity,
        unit,
        ru,
        en,
    }
}

use Entity::{
    Activity as A, Company as Co, Contact as Ct, Deal as D, Lead as L, Task as T, Work as W,
};
use Unit::{
    Count as C, Days as Dy, Index as I, Instant as In, Minutes as Mi, Money as M, Percent as P,
};

/// All metric definitions.
pub const METRICS: &[MetricDef] = &[
    // Deals
    d("deal_created", D, C, "Сделки, созданные в периоде (по дате создания, в часовом поясе портала); сумма в базовой валюте.", "Deals created in the period (by creation date, portal time zone); sum in base currency."),
    d("deals_cohort", D, C, "Сделки, которые берёт отчёт: созданные в периоде или закрытые в периоде — как выбрано в фильтре «Список сделок».", "The deals the report takes: those created in the period, or those closed in it — as chosen in the \"Deal list\" filter."),
    d("deal_won", D, C, "Успешные сделки, закрытые в периоде (по дню закрытия); сумма в базовой валюте.", "Won deals closed in the period (by close day); sum in base currency."),
    d("deal_lost", D, C, "Проигранные сделки, закрытые в периоде (по дню закрытия); сумма.", "Lost deals closed in the period (by close day); sum."),
    d("deal_in_work", D, C, "Сделки, созданные в периоде и сейчас находящиеся в работе.", "Deals created in the period that are in work now."),
    d("conversion", D, P, "Конверсия в успех: успешные ÷ (успешные + проигранные), закрытые в периоде.", "Win conversion: won ÷ (won + lost), closed in the period."),
    d("cohort_won", D, C, "Из сделок, созданных в периоде: успешные на сегодня; сумма.", "Of the deals created in the period: won by now; sum."),
    d("cohort_conversion", D, P, "Какая доля сделок, созданных в периоде, уже выиграна на сегодня: выигранные из них ÷ все созданные.", "What share of the deals created in the period is won by now: those of them won ÷ all created."),
    d("deal_cycle", D, Dy, "Средний цикл успешной сделки, закрытой в периоде: дней от создания до закрытия (календарные дни портала).", "Average cycle of the won deals closed in the period: days from creation to closing (portal calendar days)."),
    d("avg_check", D, M, "Средний чек: сумма успешных, закрытых в периоде ÷ их число.", "Average check: sum of the won deals closed in the period ÷ their count."),
    d("series_created", D, C, "Создано сделок в интервале (день/неделя/месяц) по дате создания.", "Deals created in the bucket, by creation date."),
    d("series_won", D, C, "Выиграно сделок в интервале по дню закрытия; сумма в базовой валюте.", "Deals won in the bucket, by close day; sum in base currency."),
    d("stage_now", D, C, "Сделки отчёта, которые сейчас стоят на этой стадии; их сумма.", "The report's deals standing at this stage now; their sum."),
    d("stage_time", D, Dy, "Среднее время на стадии в днях по истории стадий текущей воронки; для текущей стадии открытой сделки — с момента входа до сейчас.", "Average days at the stage from the stage history of the current pipeline; for an open deal's current stage, since entering it until now."),
    d("stage_reached", D, C, "Сделки отчёта, которые доходили до этой стадии (были на ней раньше или стоят сейчас).", "The report's deals that got to this stage (were at it before or are at it now)."),
    d("stage_reached_share", D, P, "Доля сделок воронки, побывавших на стадии.", "Share of the pipeline's deals that got to this stage."),
    d("pipeline_deals", D, C, "Сделки отчёта в этой воронке (где сделка находится сейчас).", "The report's deals in this pipeline (where the deal is now)."),
    d("status_deals", D, C, "Сделки отчёта по тому, где они сейчас: в работе, выиграны или проиграны.", "The report's deals by where they are now: in work, won or lost."),
    d("status_days", D, Dy, "Среднее число дней на текущей стадии (с последнего перемещения).", "Average days at the current stage (since the last move)."),
    d("lost_by_stage", D, C, "Проигранные в периоде сделки по стадии провала (причине).", "Deals lost in the period by failure stage (reason)."),
    // Leads
    d("lead_created", L, C, "Лиды, созданные в периоде.", "Leads created in the period."),
    d("lead_in_work", L, C, "Из созданных в периоде: сейчас в работе.", "Of those created in the period: in work now."),
    d("lead_converted", L, C, "Из лидов, созданных в периоде: сконвертированы (лид дошёл до успешного статуса).", "Of those created in the period: converted (success status)."),
    d("lead_junk", L, C, "Из лидов, созданных в периоде: некачественные (лид закрыт как брак).", "Of those created in the period: junk (failure status)."),
    d("lead_conversion", L, P, "Конверсия лидов: сконвертированные ÷ созданные в периоде.", "Lead conversion: converted ÷ created in the period."),
    d("lead_conv_days", L, Dy, "Среднее время до конверсии лида в днях (создание → финальный статус).", "Average days to lead conversion (creation → final status)."),
    d("leads_processed", L, C, "Лиды, получившие финальный статус (конверсия или брак) в периоде.", "Leads that got a final status (converted or junk) in the period."),
    // Activities
    d("act_calls_out", A, C, "Исходящие звонки (провайдер звонков, направление «исходящий») в периоде по ответственному.", "Outgoing calls (call provider, outgoing) in the period, by responsible."),
    d("act_calls_in", A, C, "Входящие звонки в периоде по ответственному.", "Incoming calls in the period, by responsible."),
    d("call_minutes", A, Mi, "Минуты разговоров по статистике звонков; 0, если звонков не было.", "Talk minutes from call statistics; 0 when there were no calls."),
    d("act_emails_sent", A, C, "Отправленные письма (исходящие e-mail дела).", "E-mails sent (outgoing e-mail activities)."),
    d("act_meetings_held", A, C, "Проведённые встречи (завершённые дела-встречи) в периоде.", "Meetings held (completed meeting activities) in the period."),
    d("act_todos_done", A, C, "Выполненные в периоде дела и CRM-задачи.", "To-dos and CRM tasks completed in the period."),
    d("act_completed", A, C, "Все завершённые дела сотрудника в периоде (звонки, письма, встречи, дела, задачи).", "All completed activities of the employee in the period."),
    d("activity_index", A, I, "Индекс активности: завершённые дела сотрудника ÷ среднее по выбранным сотрудникам × 100.", "Activity index: the employee's completed activities ÷ the average of the selected employees × 100."),
    d("act_overdue", A, C, "Просроченные открытые дела: не завершены, крайний срок прошёл (на сейчас).", "Overdue open activities: not completed, deadline passed (as of now)."),
    d("act_overdue_oldest", A, In, "Самый старый крайний срок среди просроченных дел.", "The oldest deadline among overdue activities."),
    // Plan
    d("plan_amount", D, M, "План по сумме на период (строки план-таблицы).", "Planned amount for the period (plan rows)."),
    d("plan_count", D, C, "План по количеству сделок.", "Planned number of deals."),
    d("plan_fact", D, C, "Факт: успешные сделки, закрытые в периоде плана, в воронке плана, по ответственному; сумма.", "Fact: won deals closed in the plan period, in the plan's pipeline, by responsible; sum."),
    d("plan_done_pct", D, P, "Выполнение: факт ÷ план × 100.", "Done: fact ÷ plan × 100."),
    d("plan_remaining", D, M, "Осталось: план − факт (не меньше 0).", "Remaining: plan − fact (not below 0)."),
    d("plan_forecast", D, M, "Прогноз при текущем темпе: факт ÷ прошедшие дни × дни периода.", "Forecast at the current pace: fact ÷ elapsed days × period days."),
    d("plan_open", D, C, "Покрытие: открытые сделки с плановой датой закрытия в периоде; сумма.", "Coverage: open deals with planned close date in the period; sum."),
    d("plan_bonus", D, M, "Бонус: начисляется при выполнении ≥ порога (80–110 %) или по лестнице порогов.", "Bonus: earned at done ≥ the threshold (80–110 %) or per the ladder."),
    // Marketing
    d("win_conversion", D, P, "Конверсия в успех: успешные ÷ (успешные + проигранные), закрытые в периоде, по источнику.", "Win conversion: won ÷ (won + lost) closed in the period, per source."),
    d("revenue_share", D, P, "Доля выручки: сумма успешных в периоде по источнику ÷ сумма всех успешных в периоде.", "Revenue share: the source's won sum in the period ÷ all won sum in the period."),
    d("industry_won", D, C, "Успешные в периоде сделки по отрасли компании клиента; сумма.", "Deals won in the period by the client company's industry; sum."),
    // Tasks
    d("task_universe", T, C, "Задачи с крайним сроком в периоде (кроме отклонённых).", "Tasks with a deadline in the period (declined excluded)."),
    d("task_no_deadline", T, C, "Задачи без крайнего срока, созданные в периоде (не входят в доли).", "Tasks without a deadline created in the period (left out of the shares)."),
    d("task_started_on_time", T, C, "Начаты вовремя: дата начала не позже плановой даты начала (или крайнего срока, если плана нет).", "Started on time: real start no later than the planned start (or the deadline without one)."),
    d("task_finished_on_time", T, C, "Завершены вовремя: закрыты не позже крайнего срока.", "Finished on time: closed no later than the deadline."),
    d("task_started_share", T, P, "Доля начатых вовремя.", "Share started on time."),
    d("task_finished_share", T, P, "Доля завершённых вовремя.", "Share finished on time."),
    d("exec_coefficient", T, P, "Коэффициент исполнения = доля начатых вовремя × доля завершённых вовремя (80 % × 80 % = 64 %).", "Execution coefficient = share started on time × share finished on time (80 % × 80 % = 64 %)."),
    d("task_done", T, C, "Завершённые задачи (статус «завершена» или «ждёт контроля»).", "Completed tasks (completed or awaiting control)."),
    d("task_overdue", T, C, "Просроченные: открыты после крайнего срока или закрыты позже него.", "Overdue: open past the deadline, or closed after it."),
    d("task_not_started", T, C, "Не начаты: открыты и не стартовали.", "Not started: open and never started."),
    d("task_in_progress", T, C, "В работе: открыты и начаты.", "In progress: open and started."),
    // Forget-me-not
    d("forgotten_leads", L, C, "Забытые лиды: открыты, без запланированного дела, и ничего не происходило дольше N дней.", "Forgotten leads: open, no planned activity, nothing happened for more than N days."),
    d("companies_unplanned", Co, C, "Компании без запланированных дел: ни одного открытого дела с крайним сроком впереди или без срока; по ответственному за компанию.", "Companies with no planned activity: no open activity with a deadline ahead or without one; by the company's responsible."),
    d("contacts_unplanned", Ct, C, "Контакты без запланированных дел: ни одного открытого дела с крайним сроком впереди или без срока; по ответственному за контакт.", "Contacts with no planned activity: no open activity with a deadline ahead or without one; by the contact's responsible."),
    d("forgotten_deals", D, C, "Забытые сделки: открыты, без запланированного дела, и ничего не происходило дольше M дней.", "Forgotten deals: open, no planned activity, nothing happened for more than M days."),
    // R7 linked work
    d("linked_sales", D, C, "Продажи: сделки выбранных воронок, созданные в периоде, которые сами не являются связанной работой другой сделки; сумма — их сумма сейчас.", "Sales: deals of the chosen pipelines created in the period that are not themselves linked work of another deal; the sum is their amount now."),
    d("sales_with_work", D, C, "Продажи, у которых есть хотя бы одна связанная работа (дочерняя сделка другой воронки или элемент смарт-процесса).", "Sales with at least one piece of linked work (a child deal in another pipeline or a smart-process item)."),
    d("work_created", W, C, "Связанная работа продаж периода: дочерние сделки и элементы смарт-процессов; каждая считается один раз, даже если связана с двумя продажами; сумма — их собственные суммы в базовой валюте.", "Linked work of the period's sales: child deals and smart-process items; each counts once even when linked to two sales; the sum is their own amounts in base currency."),
    d("work_done", W, C, "Связанная работа на стадии с успешной семантикой (выполнена).", "Linked work at a stage with success semantics (done)."),
    d("work_failed", W, C, "Связанная работа, закрытая на стадии с семантикой провала (закрыта, не выполнена).", "Linked work closed at a stage with failure semantics (closed, not done)."),
    d("work_open", W, C, "Связанная работа, которая сейчас в работе.", "Linked work in work now."),
    d("work_amount", W, M, "Сумма связанной работы (цена, которую дал отдел): собственная сумма дочерней сделки или элемента, в базовой валюте по курсу портала.", "Amount of the linked work (the price the department gave): the child deal's or item's own amount, in base currency at the portal's rate."),
    d("work_close_days", W, Dy, "Среднее время от создания связанной работы до её закрытия (выполнена или провалена), в календарных днях портала.", "Average time from the linked work's creation to its close (done or failed), in portal calendar days."),
    d("work_close_days_median", W, Dy, "Медиана времени от создания связанной работы до её закрытия, в календарных днях портала.", "Median time from the linked work's creation to its close, in portal calendar days."),
    d("work_close_days_count", W, C, "Закрытая связанная работа, по которой считается время до закрытия.", "Closed linked work the time to close is taken over."),
    d("work_waiting", W, C, "Открытая связанная работа на этой стадии сейчас.", "Open linked work at this stage now."),
    d("work_waiting_days", W, Dy, "Сколько дней в среднем открытая работа стоит на текущей стадии (с последнего перехода, иначе с создания) до сейчас.", "Average days the open work has stood at its current stage (since its last move, else creation) until now."),
    d("sales_waiting", D, C, "Продажи, которые ждут хотя бы одну открытую связанную работу.", "Sales waiting on at least one open piece of linked work."),
    d("sale_open_work", W, C, "Открытая связанная работа этой продажи.", "Open linked work of this sale."),
    d("sale_wait_days", D, Dy, "Сколько дней ждёт продажа: от создания её самой старой открытой связанной работы до сейчас.", "How long the sale has waited: days from the creation of its oldest open linked work until now."),
    d("sale_first_amount", D, M, "Первая сумма продаж со связанной работой: сумма сделки, когда приложение впервые её сохранило (для сделок, созданных после установки, — сумма при создании; для сделок, сохранённых до появления отчёта, — сумма сейчас).", "First amount of the sales with linked work: the deal's amount when the app first stored it (for deals created after install, the amount at creation; for deals stored before the report existed, the amount now)."),
    d("sale_final_amount", D, M, "Итоговая сумма продаж со связанной работой: их сумма сейчас.", "Final amount of the sales with linked work: their amount now."),
    d("sale_growth", D, M, "На сколько вырос чек: итоговая сумма − первая сумма продаж со связанной работой.", "How much the check grew: final amount − first amount of the sales with linked work."),
    d("sale_growth_pct", D, P, "Рост чека в процентах: (итоговая − первая) ÷ первая × 100.", "Check growth in percent: (final − first) ÷ first × 100."),
    d("chain_from_lead", D, C, "Продажи, созданные из лида (у сделки есть лид).", "Sales converted from a lead (the deal has a lead)."),
    d("chain_work", W, C, "Связанная работа продаж этого источника (работа двух продаж разных источников считается в каждом).", "Linked work of this source's sales (work of two sales of different sources counts in each)."),
    d("chain_work_done", W, C, "Выполненная связанная работа продаж этого источника.", "Done linked work of this source's sales."),
    d("chain_completed", D, C, "Продажи, вся связанная работа которых выполнена.", "Sales all of whose linked work is done."),
    d("chain_completed_share", D, P, "Доля продаж со связанной работой, у которых вся работа выполнена.", "Share of the sales with linked work whose work is all done."),
    d("child_created_at", D, In, "Когда создана связанная работа.", "When the linked work was created."),
    d("child_closed_on", D, In, "День закрытия связанной работы (начало дня в часовом поясе портала).", "The day the linked work closed (start of the day in the portal's time zone)."),
];

/// The definition of a metric key.
pub fn definition(key: &str) -> Option<&'static MetricDef> {
    METRICS.iter().find(|m| m.key == key)
}

/// All definitions (for the UI's info lines).
pub fn definitions() -> &'static [MetricDef] {
    METRICS
}
