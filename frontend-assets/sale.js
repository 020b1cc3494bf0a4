// R7's per-sale view: one sale and its linked work across departments on one time line (by creation), each child
// linking to its card (deal or smart-process item). Every word comes from the server's answer (`words`, the
// child's state, kind and department); this file only lays them out, as a vertical line that reads the same at
// 1440 and 390 px.
import { h, clear } from './dom.js';
import { money, num, isoDay, t } from './i18n.js';
import * as api from './api.js';
import { cardLink } from './links.js';

/** Loads the time line of sale `id` for the R7 filter `ctx.filter` into `root`; `root.dataset.ready` is set when drawn. */
export async function renderSale(root, ctx, id) {
  root.classList.add('loading');
  let res;
  try {
    res = await api.get(`/api/linked/sales/${encodeURIComponent(id)}?filter=${encodeURIComponent(JSON.stringify(ctx.filter || null))}`);
  } catch (e) {
    clear(root).append(h('div', { class: 'error-box' }, `${t('error')}: ${e.message}`));
    root.classList.remove('loading'); root.dataset.ready = String(Date.now()); return null;
  }
  root.classList.remove('loading');
  const w = res.words || {};
  const cur = res.currency || ctx.currency;
  const s = res.sale;
  const pair = (label, v) => h('div', { class: 'kv' }, h('span', { class: 'k' }, label), h('span', { class: 'v' }, v));
  const head = h('div', { class: 'card sale-head', dataset: { sale: s.id } },
    h('div', { class: 'sale-title' }, h('span', { class: 'k' }, w.sale + ' '), cardLink(s.path, s.title || `#${s.id}`)),
    h('div', { class: 'sale-kv' },
      pair(w.manager, s.manager || '—'),
      pair(w.created, isoDay(s.created)),
      pair(w.first_amount, money(s.first_amount, cur)),
      pair(w.final_amount, money(s.final_amount, cur))),
    h('div', { class: 'sale-growth' }, `${money(s.first_amount, cur)} → ${money(s.final_amount, cur)}`));
  const items = (res.children || []).map((c) => h('li', {
    class: 'tl-item ' + (c.done ? 'done' : c.closed_state ? 'failed' : 'open'), dataset: { kind: c.kind, id: c.id, path: c.path },
  },
  h('div', { class: 'tl-when' }, isoDay(c.created)),
  h('div', { class: 'tl-body' },
    h('div', { class: 'tl-title' }, cardLink(c.path, c.title || `#${c.id}`)),
    h('div', { class: 'tl-meta' }, `${c.kind_name} · ${w.work}: ${c.work}`),
    h('div', { class: 'tl-kv' },
      pair(w.stage, c.stage || '—'),
      pair(w.state, h('span', { class: 'tl-state' }, c.state)),
      pair(w.closed, c.closed ? isoDay(c.closed) : '—'),
      pair(w.days, c.days === null || c.days === undefined ? '—' : num(c.days)),
      pair(w.amount, money(c.amount, cur)),
      pair(w.manager, c.manager || '—')))));
  clear(root).append(head, h('h3', { class: 'tl-head' }, w.children),
    items.length ? h('ol', { class: 'timeline', dataset: { count: items.length } }, items) : h('div', { class: 'empty' }, w.none));
  root.dataset.count = String(items.length);
  root.dataset.ready = String(Date.now());
  return res;
}
