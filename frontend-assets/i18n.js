// The page's words (Russian first, English when the portal's LANG says so) and locale formatting of numbers,
// money, dates. Metric definitions come from the server (/api/definitions).
const WORDS = {
  period: ['Период', 'Period'], compare: ['Сравнение', 'Compare with'], pipelines: ['Воронки', 'Pipelines'],
  departments: ['Отделы', 'Departments'], employees: ['Сотрудники', 'Employees'], sources: ['Источники', 'Sources'],
  projects: ['Проекты', 'Projects'], cohort: ['Список сделок', 'Deal list'], bucket: ['Шаг', 'Step'], apply: ['Применить', 'Apply'],
  reset: ['Сбросить', 'Reset'], all: ['Все', 'All'], search: ['Поиск…', 'Search…'], from: ['С', 'From'], to: ['По', 'To'],
  this_week: ['Эта неделя', 'This week'], last_week: ['Прошлая неделя', 'Last week'], this_month: ['Этот месяц', 'This month'],
  last_month: ['Прошлый месяц', 'Last month'], this_quarter: ['Этот квартал', 'This quarter'], last_quarter: ['Прошлый квартал', 'Last quarter'],
  this_year: ['Этот год', 'This year'], last_year: ['Прошлый год', 'Last year'], last_days: ['Последние N дней', 'Last N days'],
  custom: ['Произвольный', 'Custom range'], days: ['дней', 'days'],
  none: ['Без сравнения', 'No comparison'], previous: ['Предыдущий период', 'Previous period'], year_ago: ['Год назад', 'A year earlier'],
  created: ['Созданные в периоде', 'Created in the period'], closed: ['Закрытые в периоде', 'Closed in the period'],
  day: ['День', 'Day'], week: ['Неделя', 'Week'], month: ['Месяц', 'Month'], quarter: ['Квартал', 'Quarter'],
  export_block: ['Excel', 'Excel'], export_all: ['Весь отчёт в Excel', 'Whole report to Excel'],
  total: ['Итого', 'Total'], loading: ['Загрузка…', 'Loading…'], synced: ['Данные обновлены', 'Data synced'],
  never_synced: ['Данные ещё загружаются', 'Data is still loading'], source_failed: ['Не удалось обновить', 'Failed to sync'],
  source_failed_tail: ['— цифры по ним могут быть неполными.', '— figures based on them may be incomplete.'],
  import_title: ['Загружаем данные портала', 'Importing the portal\'s data'],
  import_hint: ['Отчёты уже работают на загруженной части и дополняются по мере загрузки.', 'Reports already work on what is loaded and fill in as the import goes on.'],
  empty: ['Нет данных за выбранный период', 'No data for the selected period'],
  empty_hint: ['Попробуйте выбрать другой период или снять фильтры.', 'Try another period or clear the filters.'],
  empty_block: ['Нет строк для этих фильтров', 'No rows for these filters'],
  records: ['записей', 'records'], open_card: ['Открыть карточку', 'Open the card'], more: ['Показать ещё', 'Show more'],
  clamp: ['Бесплатный тариф показывает данные за последние 3 месяца. Период обрезан до', 'The free plan shows the last 3 months. The period was cut to'],
  clamp_tail: ['Подписка открывает 24 месяца истории.', 'A subscription opens 24 months of history.'],
  vs_previous_period: ['к тому же числу дней до периода', 'vs the same number of days before'],
  vs_same_days_previous_week: ['к тем же дням прошлой недели', 'vs the same days of last week'],
  vs_same_days_previous_month: ['к тем же дням прошлого месяца', 'vs the same days of last month'],
  vs_same_days_previous_quarter: ['к тем же дням прошлого квартала', 'vs the same days of last quarter'],
  vs_same_days_previous_year: ['к тем же дням прошлого года', 'vs the same days of last year'],
  vs_whole_previous_week: ['к предыдущей неделе', 'vs the week before'],
  vs_whole_previous_month: ['к предыдущему месяцу целиком', 'vs the whole month before'],
  vs_whole_previous_quarter: ['к предыдущему кварталу целиком', 'vs the whole quarter before'],
  vs_whole_previous_year: ['к предыдущему году целиком', 'vs the whole year before'],
  vs_year_ago: ['к тем же дням год назад', 'vs the same days a year earlier'],
  compared_with: ['Сравнение с', 'Compared with'], pp: ['п. п.', 'pp'],
  partial_week: ['неполная неделя', 'partial week'], partial_month: ['неполный месяц', 'partial month'],
  partial_quarter: ['неполный квартал', 'partial quarter'], partial_day: ['неполный день', 'partial day'], error: ['Ошибка', 'Error'], settings: ['Настройки', 'Settings'],
  save: ['Сохранить', 'Save'], saved: ['Сохранено', 'Saved'], add: ['Добавить', 'Add'], remove: ['Удалить', 'Remove'],
  fmn_title: ['Незабудка: когда карточка считается забытой', 'Forget-me-not: when a card is forgotten'],
  lead_days: ['Лид забыт через, дней', 'A lead is forgotten after, days'], deal_days: ['Сделка забыта через, дней', 'A deal is forgotten after, days'],
  planned_care: ['Запланированное дело = о карточке помнят', 'A planned activity means the card is cared for'],
  zone_title: ['Часовой пояс портала', 'The portal\'s time zone'],
  zone_hint: ['По нему отчёты делят время на дни, недели и месяцы. Приложение узнаёт его у портала при каждой синхронизации.',
    'Reports cut time into days, weeks and months in this zone. The app learns it from the portal at every sync.'],
  access_title: ['Доступ к отчётам', 'Access to the reports'],
  access_hint: ['Администраторы портала видят все отчёты по всей компании. Остальным доступ выдаётся здесь — сотруднику или отделу (с подотделами); у каждого правила — чьи данные видны. Руководитель отдела всегда видит свой отдел с подотделами.',
    'Portal administrators see every report for the whole company. Others get access here — per employee or per department (with sub-departments); each rule says whose data is shown. A head of department always sees his department with its sub-departments.'],
  scope: ['Чьи данные', 'Whose data'], scope_own: ['Только свои', 'Own records only'],
  scope_department: ['Свой отдел с подотделами', 'Own department with sub-departments'], scope_company: ['Вся компания', 'The whole company'],
  report: ['Отчёт', 'Report'], who: ['Кому', 'Who'], all_reports: ['Все отчёты', 'All reports'], employee: ['Сотрудник', 'Employee'], department: ['Отдел', 'Department'],
  no_rules: ['Пока доступ есть только у администраторов.', 'For now only administrators have access.'],
  plan_empty: ['План на этот период ещё не задан. Администратор задаёт его в настройках приложения.', 'No plan is set for this period yet. An administrator sets it in the app settings.'],
  plan_amount: ['План, сумма', 'Plan amount'], plan_count: ['План, сделок', 'Plan, deals'], bonus: ['Бонус', 'Bonus'],
  subtotal: ['итого по отделу', 'department subtotal'],
  plans_title: ['План продаж', 'Sales plan'], inactive: ['уволен', 'inactive'], prorated: ['пропорционально дням', 'prorated by days'],
  session_expired: ['Сессия истекла — откройте приложение из меню портала заново.', 'The session expired — open the app again from the portal menu.'],
  filters: ['Фильтры', 'Filters'], no_project: ['Без проекта', 'No project'], no_utm: ['Без UTM-меток', 'No UTM tags'], customers_new: ['Новые клиенты', 'New customers'], customers_returning: ['Повторные клиенты', 'Returning customers'], deals_only: ['только сделки', 'deals only'], leads_only: ['только лиды', 'leads only'], all_pipelines: ['Все воронки', 'All pipelines'], grade: ['Грейд', 'Grade'],
  bonus_rules: ['Правило бонуса', 'Bonus rule'], threshold: ['Порог', 'Threshold'], ladder: ['Лестница', 'Ladder'],
  threshold_hint: ['Весь бонус — при выполнении плана не ниже порога.', 'The whole bonus once the plan is done at least to the threshold.'],
  ladder_hint: ['Ступени: при выполнении от X % — Y % бонуса (берётся самая высокая достигнутая).', 'Steps: from X % done, Y % of the bonus (the highest step reached counts).'],
  step_done: ['Выполнение от, %', 'Done from, %'], step_share: ['Доля бонуса, %', 'Bonus share, %'], add_step: ['+ ступень', '+ step'], custom_field: ['Доп. поле', 'Custom field'], add_field: ['Добавить поле…', 'Add a field…'],
  forbidden: ['Нет доступа к этому отчёту.', 'You have no access to this report.'],
};
export let LANG = 'ru';
export function setLang(l) { LANG = l === 'en' ? 'en' : 'ru'; }
export function t(key) { const w = WORDS[key]; return w ? w[LANG === 'en' ? 1 : 0] : key; }
const loc = () => (LANG === 'en' ? 'en-US' : 'ru-RU');
export function num(v, digits = 0) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  return new Intl.NumberFormat(loc(), { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(v);
}
export function money(v, currency) {
  if (v === null || v === undefined) return '—';
  // No base currency known: a plain number, never an assumed currency.
  if (!currency) return num(v);
  try {
    return new Intl.NumberFormat(loc(), { style: 'currency', currency, currencyDisplay: 'narrowSymbol', maximumFractionDigits: 0 }).format(v);
  } catch (_) { return num(v) + ' ' + (currency || ''); }
}
// The currency as the money cells print it (₽, $, €), for column headers; the code only when there is no sign.
export function currencySign(currency) {
  if (!currency) return '';
  try {
    const part = new Intl.NumberFormat(loc(), { style: 'currency', currency, currencyDisplay: 'narrowSymbol' }).formatToParts(0).find((p) => p.type === 'currency');
    return part ? part.value : currency;
  } catch (_) { return currency; }
}
export function date(ts) {
  if (!ts) return '—';
  return new Intl.DateTimeFormat(loc(), { day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date(ts * 1000));
}
// The portal's time zone (IANA name or "+03:00", from the answer's meta): instants are shown on the portal's clock.
let ZONE;
export function setZone(z) {
  ZONE = undefined;
  // A fixed offset of whole hours as the IANA "Etc/GMT∓h" zone (its sign is inverted by definition).
  const m = typeof z === 'string' && z.match(/^([+-])(\d{2}):00$/);
  if (m) z = Number(m[2]) === 0 ? 'UTC' : `Etc/GMT${m[1] === '+' ? '-' : '+'}${Number(m[2])}`;
  try { if (z) { new Intl.DateTimeFormat('en-US', { timeZone: z }); ZONE = z; } } catch (_) { /* unknown to this browser: its own zone */ } }
const zoned = (opts) => (ZONE ? { ...opts, timeZone: ZONE } : opts);
const yearOf = (d) => new Intl.DateTimeFormat('en-US', zoned({ year: 'numeric' })).format(d);
// A day and time; the year is shown whenever it is not the current one ("16 дек. 2024 г., 09:03"), so an old
// date never reads like a coming one.
export function dateTime(ts) {
  if (!ts) return '—';
  const d = new Date(ts * 1000);
  const opts = { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' };
  if (yearOf(d) !== yearOf(new Date())) opts.year = 'numeric';
  return new Intl.DateTimeFormat(loc(), zoned(opts)).format(d);
}
export function isoDay(s) {
  if (!s) return '—';
  const d = new Date(s + 'T00:00:00');
  return Number.isNaN(d.getTime()) ? s : new Intl.DateTimeFormat(loc(), { day: '2-digit', month: '2-digit', year: 'numeric' }).format(d);
}
export function value(v, unit, currency) {
  switch (unit) {
    case 'money': return money(v, currency);
    case 'percent': return v === null || v === undefined ? '—' : num(v, 1) + ' %';
    // A difference of two percents: percentage points, never "%".
    case 'points': return v === null || v === undefined ? '—' : num(v, 1) + '\u00a0' + t('pp');
    case 'days': return v === null || v === undefined ? '—' : num(v, 1);
    case 'minutes': return num(v, 0);
    case 'index': return num(v, 0);
    case 'instant': return dateTime(v);
    default: return num(v, 0);
  }
}
