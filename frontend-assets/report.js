// One report page: tiles, tables (sortable, with totals), server-rendered SVG charts, freshness, empty states,
// exports, and drill-down into record lists in the side panel.
import { h, clear } from './dom.js';
import { t, value, dateTime, isoDay, LANG, currencySign } from './i18n.js';
import * as api from './api.js';
import { openDrill, openSale } from './slider.js';
import { sourceName } from './progress.js';
import { dealListBlock } from './list.js';

const LOWER_IS_BETTER = new Set(['deal_lost', 'lead_junk', 'deal_cycle', 'lead_conv_days', 'act_overdue', 'task_overdue',
  'task_not_started', 'forgotten_leads', 'forgotten_deals', 'companies_unplanned', 'contacts_unplanned']);
let DEFS = {};
export function setDefinitions(list) { DEFS = {}; for (const d of list) DEFS[d.key] = d; }
const defText = (k) => (DEFS[k] ? DEFS[k][LANG] : '');
const defName = (k) => { if (DEFS[k] && DEFS[k].label) return DEFS[k].label; const d = defText(k); if (!d) return k.replace(/_/g, ' '); const cut = d.split(/[.:—(]/)[0]; return cut.length > 48 ? cut.slice(0, 46) + '…' : cut; };
// Words of a row (`text`, `note_text`) and a block (`title`) come with the answer (crates/server/src/answer_words.rs).
const rowText = (row) => (row.text !== undefined ? row.text : row.label);
// Sorting the first column: buckets by their day, everything else by its text.
const rowSortKey = (row) => (row.group && row.group.by === 'bucket' ? String(row.group.key) : rowText(row));

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
        const x = sortCol === 0 ? rowSortKey(a) : (a.cells[sortCol - 1] || {}).value;
        const y = sortCol === 0 ? rowSortKey(b) : (b.cells[sortCol - 1] || {}).value;
        if (x === y) return 0; if (x === null || x === undefined) return 1; if (y === null || y === undefined) return -1;
        const r = typeof x === 'string' ? x.localeCompare(y) : x - y; return desc ? -r : r;
      });
    }
    const ths = [h('th', {}, '')].concat(tb.columns.map((c) => h('th', { title: defText(c.metric) }, defName(c.metric) + (c.unit === 'money' && meta.currency ? `, ${currencySign(meta.currency)}` : ''))));
    ths.forEach((th, i) => {
      if (i === sortCol) th.className = desc ? 'sorted-desc' : 'sorted-asc';
      th.addEventListener('click', () => { if (sortCol === i) desc = !desc; else { sortCol = i; desc = i !== 0; } draw(); });
    });
    // R7's sales waiting: each sale opens its time line of linked work.
    const saleBtn = (r) => (r.group && r.group.by === 'sale' ? h('button', { class: 'btn btn-link sale-view-btn', type: 'button', name: 'sale-view', dataset: { sale: r.group.key }, onclick: () => openSale(ctx, r.group.key) }, t('sale_view')) : null);
    const body = rows.map((r) => h('tr', { class: r.note === 'subtotal' ? 'subtotal' : null }, h('td', {}, rowText(r), r.note_text ? h('span', { class: 'note' }, r.note_text) : null, saleBtn(r)),
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
    line.append(h('div', { class: 'warn' }, `${t('source_failed')}: ${fr.failed.map((e) => sourceName(e)).join(', ')} ${t('source_failed_tail')}`));
  }
  // During the first import no time is claimed: the data is still arriving.
  if (fr.first_import_finished === false) line.append(h('span', { class: 'importing' }, t('import_running')));
  else line.append(h('span', {}, fr.last_sync_at ? `${t('synced')}: ${dateTime(fr.last_sync_at)}` : t('never_synced')));
  return line;
}

// Folded blocks are remembered in this browser per user and report (a long report such as marketing reads as a
// list of block titles; the reader opens what he needs). Nothing is folded until the user folds it.
const FOLD_KEY = 'b24a.folded';
let FOLD_USER = '';
export function setFoldUser(u) { FOLD_USER = String(u || ''); }
function foldState() { try { return JSON.parse(localStorage.getItem(FOLD_KEY) || '{}') || {}; } catch (_) { return {}; } }
function isFolded(report, block) { return !!foldState()[`${FOLD_USER}/${report}/${block}`]; }
function rememberFold(report, block, folded) {
  const s = foldState(); const k = `${FOLD_USER}/${report}/${block}`;
  if (folded) s[k] = 1; else delete s[k];
  try { localStorage.setItem(FOLD_KEY, JSON.stringify(s)); } catch (_) { /* storage off: folding still works for this view */ }
}

// R3: each employee's path to the bonus; the server words every line and every deal.
function pathCard(paths) {
  return h('section', { class: 'card block', dataset: { block: 'path_to_bonus' } }, h('h2', {}, h('span', { class: 'block-title' }, t('path_title'))),
    paths.map((p) => h('div', { class: 'path', dataset: { user: p.user_id } }, h('strong', {}, p.user_name),
      h('ul', {}, (p.lines || []).map((l) => h('li', {}, l)), (p.deals || []).map((d) => h('li', { class: 'path-deal' }, d.text))))));
}

/** Renders the answer into `root`. */
export function renderAnswer(root, report, answer, ctx) {
  clear(root);
  const meta = answer.meta;
  root.append(freshnessLine(answer.freshness));
  if (meta.clamp) root.append(h('div', { class: 'lock' }, `${t('clamp')} ${isoDay(meta.clamp.from || meta.period.from)}. ${t('clamp_tail')}`));
  // The plan's bonus rule card already states the threshold or the ladder in use.
  const notes = (meta.note_texts || []).filter((n) => !(report === 'plan' && n.key === 'threshold_pct')).map((n) => n.text);
  if (notes.length) root.append(h('div', { class: 'meta-line notes' }, notes.map((x) => h('span', {}, x))));
  // Which days the deltas compare with, in words and dates.
  if (meta.comparison && meta.comparison_rule) {
    root.append(h('div', { class: 'meta-line comparison' }, `${t('compared_with')}: ${isoDay(meta.comparison.from)}–${isoDay(meta.comparison.to)} (${t('vs_' + meta.comparison_rule)})`));
  }
  if (meta.empty) {
    // Each report names its own empty state (server words `empty_<reason>`, with an own hint where one helps).
    const reason = meta.empty_reason ? 'empty_' + meta.empty_reason : null;
    const known = (k) => k && t(k) !== k;
    const settingsLink = ctx.isAdmin ? h('a', { href: '#settings' }, ' ' + t('settings') + ' →') : null;
    const hint = report === 'plan' ? h('div', {}, t('plan_empty'), settingsLink)
      : known(reason + '_hint') ? h('div', {}, t(reason + '_hint'), report === 'linked' ? settingsLink : null)
        : h('div', {}, t('empty_hint'));
    root.append(h('div', { class: 'card empty' }, h('div', { class: 'big' }, known(reason) ? t(reason) : t('empty')), hint));
  }
  if (answer.tiles.length) root.append(h('div', { class: 'tiles' }, answer.tiles.map((tl) => tile(tl, meta, ctx))));
  if (report === 'plan' && (answer.path_to_bonus || []).length) root.append(pathCard(answer.path_to_bonus));
  const charts = {}; for (const c of answer.charts || []) (charts[c.block] = charts[c.block] || []).push(c);
  for (const tb of answer.tables) {
    const card = h('section', { class: 'card block', dataset: { block: tb.key } });
    const exportBtn = h('button', { class: 'btn btn-light', type: 'button', name: 'export-block', onclick: () => ctx.exportBlock(tb.key) }, '⤓ ' + t('export_block'));
    const folded = isFolded(report, tb.key);
    if (folded) card.classList.add('folded');
    const foldBtn = h('button', { class: 'btn btn-link fold', type: 'button', name: 'fold', 'aria-expanded': String(!folded), title: t(folded ? 'expand' : 'collapse') }, folded ? '▸' : '▾');
    foldBtn.addEventListener('click', () => {
      const now = card.classList.toggle('folded');
      foldBtn.textContent = now ? '▸' : '▾'; foldBtn.title = t(now ? 'expand' : 'collapse'); foldBtn.setAttribute('aria-expanded', String(!now));
      rememberFold(report, tb.key, now);
    });
    card.append(h('h2', {}, foldBtn, h('span', { class: 'block-title' }, tb.title || tb.key), h('span', { class: 'spacer' }), exportBtn));
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

export async function loadReport(report, filter, planOptions, chartWidth) {
  const body = { filter, chart_width: chartWidth };
  if (planOptions) body.plan_options = planOptions;
  return api.post(`/api/reports/${report}`, body);
}
