// The side panel with a drill-down list (like Bitrix24's slider): the records behind a number, sortable, each
// linking to its card in the portal.
import { h, clear } from './dom.js';
import { t, num, dateTime, money } from './i18n.js';
import * as api from './api.js';
import { cardLink } from './links.js';

function fmt(k, v, currency) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'number') {
    if (/(_at|created|closed|date|deadline|last_activity)$/.test(k) && v > 100000000) return dateTime(v);
    if (/amount|sum|opportunity/.test(k)) return money(v, currency);
    return num(v, 1);
  }
  if (typeof v === 'boolean') return v ? '✓' : '—';
  return String(v);
}

export function closeSlider() {
  const s = document.getElementById('slider'); if (s) { s.hidden = true; clear(s); }
  const o = document.querySelector('.slider-overlay'); if (o) o.remove();
}

export async function openDrill(ctx, drill, title) {
  const s = document.getElementById('slider');
  clear(s); s.hidden = false;
  if (!document.querySelector('.slider-overlay')) document.body.append(h('div', { class: 'slider-overlay', onclick: closeSlider }));
  const body = h('div', { class: 'slider-body' }, h('div', { class: 'card' }, t('loading')));
  s.append(h('div', { class: 'slider-head' }, h('h2', {}, title), h('button', { class: 'close-x', type: 'button', name: 'close', onclick: closeSlider }, '×')), body);
  const list = { sort: null, desc: false, offset: 0, limit: 200 };
  const draw = async () => {
    let res;
    try { res = await api.post(`/api/reports/${ctx.report}/drill`, { filter: ctx.filter, drill, list }); } catch (e) {
      clear(body).append(h('div', { class: 'error-box' }, `${t('error')}: ${e.message}`)); return;
    }
    clear(body);
    const cols = res.rows.length ? Object.keys(res.rows[0].columns) : [];
    const ths = [h('th', {}, 'ID'), h('th', {}, LANGTITLE())].concat(cols.map((c) => h('th', { class: list.sort === c ? (list.desc ? 'sorted-desc' : 'sorted-asc') : null, onclick: () => { if (list.sort === c) list.desc = !list.desc; else { list.sort = c; list.desc = true; } draw(); } }, c.replace(/_/g, ' '))));
    const rows = res.rows.map((r) => h('tr', { dataset: { id: r.id } }, h('td', {}, cardLink(r.path, String(r.id))), h('td', {}, cardLink(r.path, r.title || '—')),
      cols.map((c) => h('td', {}, fmt(c, r.columns[c], ctx.currency)))));
    body.append(h('div', { class: 'meta-line' }, `${num(res.total)} ${t('records')}`),
      h('div', { class: 'card grid-wrap' }, h('table', { class: 'grid drill-list', dataset: { entity: res.entity } }, h('thead', {}, h('tr', {}, ths)), h('tbody', {}, rows))));
  };
  await draw();
}
function LANGTITLE() { return document.documentElement.lang === 'en' ? 'Title' : 'Название'; }
