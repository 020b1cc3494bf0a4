// One report page: tiles, tables (sortable, with totals), server-rendered SVG charts, freshness, empty states,
// exports, and drill-down into record lists in the side panel.
import { h, clear } from './dom.js';
import { t, value, dateTime, isoDay, LANG, currencySign } from './i18n.js';
import * as api from './api.js';
import { openDrill } from './slider.js';
import { sourceName } from './progress.js';
import { dealListBlock } from './list.js';

const BLOCKS = {
  dynamics: ['Динамика', 'Dynamics'], lost_by_stage: ['Проигранные сделки по причинам', 'Lost deals by reason'],
  by_status: ['Сделки по статусам', 'Deals by status'], employees: ['Сотрудники', 'Employees'], by_employee: ['По сотрудникам', 'By employee'],
  by_department: ['По отделам', 'By department'], by_manager: ['По менеджерам', 'By manager'], by_project: ['По проектам', 'By project'],
  by_source: ['По источникам', 'By source'], by_utm: ['По UTM-меткам', 'By UTM tags'], by_industry: ['По отраслям клиентов', 'By client industry'],
  source_manager: ['Источник × менеджер', 'Source × manager'], source_trend: ['Динамика источников', 'Source trend'],
  returning: ['Новые и повторные клиенты', 'New vs returning customers'], plan_rows: ['План и факт', 'Plan and fact'],
  department_dynamics: ['Динамика по отделам', 'Department dynamics'], task_universe: ['Задачи периода', 'Tasks of the period'],
  act_overdue: ['Просроченные дела', 'Overdue activities'], forgotten_deals: ['Забытые сделки', 'Forgotten deals'],
  forgotten_leads: ['Забытые лиды', 'Forgotten leads'], leads: ['Лиды', 'Leads'],
  clients_without_plan: ['Клиенты без запланированных дел', 'Clients with no planned activity'],
};
const NOTES = {
  clock: ['Когда карточка считается активной', 'What counts as activity'],
  forget_me_not_lead_days: ['Лид забыт через, дней', 'Lead forgotten after, days'],
  forget_me_not_deal_days: ['Сделка забыта через, дней', 'Deal forgotten after, days'],
  planned_activity_counts_as_care: ['Запланированное дело = забота', 'Planned activity counts as care'],
  threshold_pct: ['Порог бонуса, %', 'Bonus threshold, %'],
  deal_list_cohort: ['Список сделок — по сделкам', 'Deal list — deals'],
  plan_prorated: ['Строки плана за период длиннее выбранного пересчитаны', 'Plan rows longer than the chosen period are prorated'],
  custom_fields_not_for_leads: ['Лиды не отфильтрованы по полям (у лидов их нет)', 'Leads not filtered by fields leads do not have'],
  custom_fields_not_for_deals: ['Сделки не отфильтрованы по полям (у сделок их нет)', 'Deals not filtered by fields deals do not have'],
  no_rate: ['Нет курса — сделки и лиды в этих валютах посчитаны в количестве, но не в суммах', 'No rate — deals and leads in these currencies are counted, but left out of sums'],
  comparison_beyond_tier: ['Сравнение недоступно: период сравнения за пределами тарифа, данные доступны с', 'No comparison: the comparison period lies beyond the plan, data is available from'],
  base_currency_unknown: ['Портал не сообщил базовую валюту — суммы показаны без валюты', 'The portal named no base currency — sums are shown without one'],
};
function noteValue(v) {
  const ru = LANG !== 'en';
  const map = { true: ru ? 'да' : 'yes', false: ru ? 'нет' : 'no', created: ru ? 'созданным в периоде' : 'created in the period', closed: ru ? 'закрытым в периоде' : 'closed in the period', days: ru ? 'по дням' : 'by days' };
  if (map[v]) return map[v];
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return isoDay(v);
  if (ru && v.startsWith('last of:')) return 'последнее из: правка, смена стадии, активность портала, дело создано или выполнено';
  return v;
}
const LOWER_IS_BETTER = new Set(['deal_lost', 'lead_junk', 'deal_cycle', 'lead_conv_days', 'act_overdue', 'task_overdue',
  'task_not_started', 'forgotten_leads', 'forgotten_deals', 'companies_unplanned', 'contacts_unplanned']);
let DEFS = {};
export function setDefinitions(list) { DEFS = {}; for (const d of list) DEFS[d.key] = d; }
const defText = (k) => (DEFS[k] ? DEFS[k][LANG] : '');
const defName = (k) => { if (DEFS[k] && DEFS[k].label) return DEFS[k].label; const d = defText(k); if (!d) return k.replace(/_/g, ' '); const cut = d.split(/[.:—(]/)[0]; return cut.length > 48 ? cut.slice(0, 46) + '…' : cut; };
export function blockTitle(key, pipelines) {
  if (key.startsWith('stages_')) {
    const id = Number(key.slice(7)); const p = (pipelines || []).find((x) => x.id === id);
    return (LANG === 'en' ? 'Stages: ' : 'Стадии: ') + (p ? p.name : id);
  }
  const b = BLOCKS[key]; return b ? b[LANG === 'en' ? 1 : 0] : key.replace(/_/g, ' ');
}

function groupLabel(row) {
  const g = row.group || {};
  // A partial bucket comes as "YYYY-MM-DD..YYYY-MM-DD": the days of it inside the period.
  const part = g.by === 'bucket' && typeof row.label === 'string' && row.label.match(/^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/);
  if (part) return `${isoDay(part[1])}–${isoDay(part[2])}`;
  if (g.by === 'bucket') return isoDay(g.key);
  // Plan rows come as "who · pipeline · YYYY-MM-DD" ("*" = all pipelines): words and a local date instead.
  const m = typeof row.label === 'string' && row.label.match(/^(.*) · (.*) · (\d{4}-\d{2}-\d{2})$/);
  if (m) return `${m[1]} · ${m[2] === '*' ? t('all_pipelines') : m[2]} · ${t('from').toLowerCase()} ${isoDay(m[3])}`;
  // UTM rows are "source / medium / campaign"; all three empty means the records carry no UTM tags.
  if (typeof row.label === 'string' && /^[\s/]*$/.test(row.label) && row.label.includes('/')) return t('no_utm');
  if (row.label === '—' && g.by === 'project') return t('no_project');
  if (g.by === 'returning') return t(g.key ? 'customers_returning' : 'customers_new');
  return row.label;
}

function tile(tl, meta, ctx) {
  const v = value(tl.value, tl.unit, meta.currency);
  const valueEl = tl.drill && tl.value ? h('a', { href: '#', class: 'count', onclick: (e) => { e.preventDefault(); openDrill(ctx, tl.drill, defName(tl.metric)); } }, v) : v;
  let delta = null;
  if (tl.delta !== null && tl.delta !== undefined && tl.previous !== null && tl.previous !== undefined) {
    // Green when the change is good news: for lost deals, junk, overdue, forgotten cards and longer cycles, less is better.
    const good = tl.delta * (LOWER_IS_BETTER.has(tl.metric) ? -1 : 1);
    const cls = good > 0 ? 'better' : good < 0 ? 'worse' : 'flat';
    const sign = tl.delta > 0 ? '+' : '';
    delta = h('div', { class: 'delta ' + cls }, `${sign}${value(tl.delta, tl.delta_unit || tl.unit, meta.currency)} ${t('vs_' + (meta.comparison_rule || 'previous_period'))} (${value(tl.previous, tl.unit, meta.currency)})`);
  }
  return h('div', { class: 'tile', dataset: { metric: tl.metric } },
    h('div', { class: 'name' }, defName(tl.metric)),
    h('span', { class: 'info', tabindex: 0, title: defText(tl.metric) }, 'i'),
    h('div', { class: 'tip' }, defText(tl.metric)),
    h('div', { class: 'value' }, valueEl),
    tl.amount !== null && tl.amount !== undefined ? h('div', { class: 'amount' }, value(tl.amount, 'money', meta.currency)) : null,
    delta);
}

function cellEl(c, col, meta, ctx) {
  const text = value(c.value, col.unit, meta.currency);
  if (c.drill && c.value) return h('a', { href: '#', class: 'count', onclick: (e) => { e.preventDefault(); openDrill(ctx, c.drill, defName(col.metric)); } }, text);
  return text;
}

function table(tb, meta, ctx) {
  const wrap = h('div', { class: 'grid-wrap' });
  let sortCol = -1; let desc = true;
  const draw = () => {
    clear(wrap);
    const rows = tb.rows.slice();
    if (sortCol >= 0) {
      rows.sort((a, b) => {
        const x = sortCol === 0 ? groupLabel(a) : (a.cells[sortCol - 1] || {}).value;
        const y = sortCol === 0 ? groupLabel(b) : (b.cells[sortCol - 1] || {}).value;
        if (x === y) return 0; if (x === null || x === undefined) return 1; if (y === null || y === undefined) return -1;
        const r = typeof x === 'string' ? x.localeCompare(y) : x - y; return desc ? -r : r;
      });
    }
    const ths = [h('th', {}, '')].concat(tb.columns.map((c) => h('th', { title: defText(c.metric) }, defName(c.metric) + (c.unit === 'money' && meta.currency ? `, ${currencySign(meta.currency)}` : ''))));
    ths.forEach((th, i) => {
      if (i === sortCol) th.className = desc ? 'sorted-desc' : 'sorted-asc';
      th.addEventListener('click', () => { if (sortCol === i) desc = !desc; else { sortCol = i; desc = i !== 0; } draw(); });
    });
    const noteText = (n) => (n === 'inactive' ? t('inactive') : n === 'subtotal' ? t('subtotal') : n === 'prorated' ? t('prorated') : n === 'partial' ? t('partial_' + meta.bucket) : n);
    const body = rows.map((r) => h('tr', { class: r.note === 'subtotal' ? 'subtotal' : null }, h('td', {}, groupLabel(r), r.note ? h('span', { class: 'note' }, noteText(r.note)) : null),
      r.cells.map((c, i) => h('td', {}, cellEl(c, tb.columns[i], meta, ctx)))));
    const foot = tb.total ? h('tfoot', {}, h('tr', {}, h('td', {}, t('total')), tb.total.cells.map((c, i) => h('td', {}, cellEl(c, tb.columns[i], meta, ctx))))) : null;
    wrap.append(h('table', { class: 'grid', dataset: { block: tb.key } }, h('thead', {}, h('tr', {}, ths)), h('tbody', {}, body), foot));
  };
  draw();
  return wrap;
}

function freshnessLine(fr) {
  const line = h('div', { class: 'meta-line freshness' });
  if (!fr) return line;
  if (fr.failed && fr.failed.length) {
    line.append(h('div', { class: 'warn' }, `${t('source_failed')}: ${fr.failed.map((e) => sourceName(e, LANG)).join(', ')} ${t('source_failed_tail')}`));
  }
  line.append(h('span', {}, fr.last_sync_at ? `${t('synced')}: ${dateTime(fr.last_sync_at)}` : t('never_synced')));
  return line;
}

/** Renders the answer into `root`. */
export function renderAnswer(root, report, answer, ctx) {
  clear(root);
  const meta = answer.meta;
  root.append(freshnessLine(answer.freshness));
  if (meta.clamp) root.append(h('div', { class: 'lock' }, `${t('clamp')} ${isoDay(meta.clamp.from || meta.period.from)}. ${t('clamp_tail')}`));
  // The plan's bonus rule card already states the threshold or the ladder in use.
  const notes = (meta.notes || []).filter(([k]) => !(report === 'plan' && k === 'threshold_pct')).map(([k, v]) => { const n = NOTES[k]; return n ? (v === '' ? n[LANG === 'en' ? 1 : 0] : `${n[LANG === 'en' ? 1 : 0]}: ${noteValue(v)}`) : null; }).filter(Boolean);
  if (notes.length) root.append(h('div', { class: 'meta-line notes' }, notes.map((x) => h('span', {}, x))));
  // Which days the deltas compare with, in words and dates.
  if (meta.comparison && meta.comparison_rule) {
    root.append(h('div', { class: 'meta-line comparison' }, `${t('compared_with')}: ${isoDay(meta.comparison.from)}–${isoDay(meta.comparison.to)} (${t('vs_' + meta.comparison_rule)})`));
  }
  if (meta.empty) {
    const planHint = report === 'plan' ? h('div', {}, t('plan_empty'), ctx.isAdmin ? h('a', { href: '#settings' }, ' ' + t('settings') + ' →') : null) : h('div', {}, t('empty_hint'));
    root.append(h('div', { class: 'card empty' }, h('div', { class: 'big' }, meta.empty_reason ? (defText(meta.empty_reason) || t('empty')) : t('empty')), planHint));
  }
  if (answer.tiles.length) root.append(h('div', { class: 'tiles' }, answer.tiles.map((tl) => tile(tl, meta, ctx))));
  const charts = {}; for (const c of answer.charts || []) (charts[c.block] = charts[c.block] || []).push(c);
  for (const tb of answer.tables) {
    const card = h('section', { class: 'card block', dataset: { block: tb.key } });
    const exportBtn = h('button', { class: 'btn btn-light', type: 'button', name: 'export-block', onclick: () => ctx.exportBlock(tb.key) }, '⤓ ' + t('export_block'));
    card.append(h('h2', {}, blockTitle(tb.key, ctx.dicts.pipelines), h('span', { class: 'spacer' }), exportBtn));
    for (const chart of charts[tb.key] || []) {
      // SVG comes from our own server (plotters), not from the portal: safe to insert as markup.
      if (chart.svg) { const c = h('div', { class: 'chart', dataset: { chart: chart.key } }); c.innerHTML = chart.svg; card.append(c); }
    }
    if (!tb.rows.length) card.append(h('div', { class: 'empty' }, t('empty_block')));
    else card.append(table(tb, meta, ctx));
    root.append(card);
  }
  const dealList = dealListBlock(report, ctx); if (dealList) root.append(dealList);
  if (answer.tables.length) {
    root.append(h('div', { class: 'meta-line' }, h('button', { class: 'btn btn-primary', type: 'button', name: 'export-all', onclick: () => ctx.exportAll() }, '⤓ ' + t('export_all'))));
  }
}

export async function loadReport(report, filter, planOptions) {
  return api.post(`/api/reports/${report}`, planOptions ? { filter, plan_options: planOptions } : { filter });
}
