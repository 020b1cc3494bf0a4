// A record list that pages, sorts and filters on the server: the records behind a number (in the side panel) and
// the deal list block of the deal reports. Every word comes from the server's answer (`words`, column labels,
// choice names); this file only lays them out. Each record opens its card in the portal's slider (cardLink).
import { h, clear } from './dom.js';
import { num, money, isoDay, t } from './i18n.js';
import * as api from './api.js';
import { cardLink } from './links.js';

const PAGE_SIZES = [50, 100, 500];
const DEAL_LIST_REPORTS = new Set(['sales_dynamics', 'managers', 'plan', 'marketing']);

function cellText(v, kind, currency) {
  if (v === null || v === undefined || v === '') return '—';
  if (kind === 'money') return money(v, currency);
  if (kind === 'date') return isoDay(v);
  if (typeof v === 'number') return num(v, 0);
  return String(v);
}

function select(name, label, choices, current, all, onChange) {
  if (!choices || choices.length < 2) return null;
  const s = h('select', { name, onchange: () => onChange(s.value === '' ? null : s.value) },
    h('option', { value: '' }, all),
    choices.map((c) => h('option', { value: String(c.id), selected: String(c.id) === String(current) ? true : null }, `${c.name} (${num(c.count)})`)));
  return h('label', { class: 'list-filter' }, label + ' ', s);
}

/**
 * Mounts a list into `root`. `opts`: { report, filter, drill (null = the deal list), title, currency, onSale (R7: opens a
 * sale's time line) }.
 * Returns the element; `root.dataset` gets `counted`, `total` and `offset` after every page.
 */
export function mountList(root, opts) {
  const q = { sort: null, desc: false, offset: 0, limit: 100, status: null, stage: null, pipeline: null, manager: null, min_days: null, max_days: null };
  const path = `/api/reports/${opts.report}/${opts.drill ? 'drill' : 'list'}`;
  const body = () => ({ filter: opts.filter, drill: opts.drill || null, list: q });
  let words = {};
  const draw = async () => {
    root.classList.add('loading');
    let res;
    try { res = await api.post(path, body()); } catch (e) {
      clear(root).append(h('div', { class: 'error-box' }, `${t('error')}: ${e.message}`)); root.classList.remove('loading'); return;
    }
    root.classList.remove('loading');
    words = res.words || {};
    clear(root);
    const go = (patch) => { Object.assign(q, patch); draw(); };
    const f = res.facets || {};
    const num0 = (v) => (v === '' || v === null ? null : Math.max(0, Math.floor(Number(v))));
    const days = f.days_column ? h('label', { class: 'list-filter' }, `${f.days_label}: ${words.days_from} `,
      h('input', { type: 'number', min: 0, name: 'min_days', value: q.min_days ?? '', onchange: (e) => go({ min_days: num0(e.target.value), offset: 0 }) }),
      ` ${words.days_to} `,
      h('input', { type: 'number', min: 0, name: 'max_days', value: q.max_days ?? '', onchange: (e) => go({ max_days: num0(e.target.value), offset: 0 }) })) : null;
    const asNum = (v) => (v === null ? null : Number(v));
    const bar = h('div', { class: 'list-filters' },
      select('status', words.status, f.status, q.status, words.all, (v) => go({ status: v, offset: 0 })),
      select('pipeline', words.pipeline, f.pipeline, q.pipeline, words.all, (v) => go({ pipeline: asNum(v), stage: null, offset: 0 })),
      select('stage', words.stage, f.stage, q.stage, words.all, (v) => go({ stage: v, offset: 0 })),
      select('manager', words.manager, f.manager, q.manager, words.all, (v) => go({ manager: asNum(v), offset: 0 })),
      days,
      h('button', { class: 'btn btn-light', type: 'button', name: 'reset-list', onclick: () => go({ status: null, stage: null, pipeline: null, manager: null, min_days: null, max_days: null, offset: 0 }) }, words.reset),
      h('button', { class: 'btn btn-light', type: 'button', name: 'export-list', onclick: () => api.downloadNamed(`/api/reports/${opts.report}/list/export`, { ...body(), title: opts.title || null }).catch((e) => root.prepend(h('div', { class: 'error-box' }, `${t('error')}: ${e.message}`))) }, '⤓ ' + words.export));
    const sortTh = (key, label) => h('th', {
      dataset: { sort: key }, class: q.sort === key ? (q.desc ? 'sorted-desc' : 'sorted-asc') : null,
      onclick: () => go(q.sort === key ? { desc: !q.desc, offset: 0 } : { sort: key, desc: true, offset: 0 }),
    }, label);
    // R7's lists of sales (the server says `sale_view`): a button opens the sale's time line.
    const saleView = res.sale_view && opts.onSale;
    const ths = [sortTh('id', words.id), sortTh('title', words.title)].concat(res.columns.map((c) => sortTh(c.key, c.label)), saleView ? [h('th', {}, '')] : []);
    const rows = res.rows.map((r) => h('tr', { dataset: { id: r.id, path: r.path } }, h('td', {}, cardLink(r.path, String(r.id))), h('td', {}, cardLink(r.path, r.title || '—')),
      res.columns.map((c) => h('td', { class: c.kind === 'text' ? null : 'num' }, cellText(r.cells[c.key], c.kind, opts.currency))),
      saleView ? h('td', {}, h('button', { class: 'btn btn-light sale-view-btn', type: 'button', name: 'sale-view', dataset: { sale: r.id }, onclick: () => opts.onSale(r.id) }, words.sale_view)) : null));
    const pages = Math.max(1, Math.ceil(res.total / q.limit));
    const page = Math.floor(q.offset / q.limit) + 1;
    const from = res.total ? q.offset + 1 : 0; const to = Math.min(q.offset + q.limit, res.total);
    const pager = h('div', { class: 'pager' },
      h('button', { class: 'btn btn-light', type: 'button', name: 'first', disabled: page <= 1 ? true : null, onclick: () => go({ offset: 0 }) }, words.first),
      h('button', { class: 'btn btn-light', type: 'button', name: 'prev', disabled: page <= 1 ? true : null, onclick: () => go({ offset: Math.max(0, q.offset - q.limit) }) }, words.prev),
      h('span', { class: 'page-no' }, `${words.page} ${num(page)} ${words.of} ${num(pages)}`),
      h('button', { class: 'btn btn-light', type: 'button', name: 'next', disabled: page >= pages ? true : null, onclick: () => go({ offset: q.offset + q.limit }) }, words.next),
      h('button', { class: 'btn btn-light', type: 'button', name: 'last', disabled: page >= pages ? true : null, onclick: () => go({ offset: (pages - 1) * q.limit }) }, words.last),
      h('label', {}, words.page_size + ' ', h('select', { name: 'page-size', onchange: (e) => go({ limit: Number(e.target.value), offset: 0 }) },
        PAGE_SIZES.map((n) => h('option', { value: n, selected: n === q.limit ? true : null }, String(n))))));
    const count = h('div', { class: 'meta-line list-count' }, res.total === res.counted
      ? `${num(res.total)} ${words.records}`
      : `${num(res.total)} ${words.of} ${num(res.counted)} ${words.records}`,
    res.total ? ` · ${words.shown} ${num(from)}–${num(to)}` : '');
    Object.assign(root.dataset, { counted: res.counted, total: res.total, offset: q.offset, page, pages });
    root.append(bar, count,
      res.rows.length ? h('div', { class: 'grid-wrap' }, h('table', { class: 'grid drill-list', dataset: { entity: res.entity } }, h('thead', {}, h('tr', {}, ths)), h('tbody', {}, rows)))
        : h('div', { class: 'empty' }, words.empty),
      pager);
    root.dataset.ready = String(Date.now());
  };
  draw();
  return root;
}

/** The deal list block of a deal report (R1–R4), or null for the other reports. */
export function dealListBlock(report, ctx) {
  if (!DEAL_LIST_REPORTS.has(report)) return null;
  const list = h('div', { class: 'record-list', dataset: { list: 'deals' } });
  const card = h('section', { class: 'card deal-list', dataset: { list: 'deal_list' } }, h('h2', {}, t('cohort')), list);
  mountList(list, { report, filter: ctx.filter, drill: null, currency: ctx.currency });
  return card;
}
