// The side panel with a drill-down list (like Bitrix24's slider): the records behind a number, paged, sorted and
// filtered on the server (list.js), each linking to its card in the portal; and R7's per-sale time line (sale.js).
import { h, clear } from './dom.js';
import { mountList } from './list.js';
import { renderSale } from './sale.js';
import { t } from './i18n.js';

export function closeSlider() {
  const s = document.getElementById('slider'); if (s) { s.hidden = true; clear(s); }
  const o = document.querySelector('.slider-overlay'); if (o) o.remove();
}

function panel(title, back) {
  const s = document.getElementById('slider');
  clear(s); s.hidden = false;
  if (!document.querySelector('.slider-overlay')) document.body.append(h('div', { class: 'slider-overlay', onclick: closeSlider }));
  const body = h('div', { class: 'slider-body' });
  s.append(h('div', { class: 'slider-head' },
    back ? h('button', { class: 'btn btn-light back', type: 'button', name: 'back', onclick: back }, '←') : null,
    h('h2', {}, title), h('button', { class: 'close-x', type: 'button', name: 'close', onclick: closeSlider }, '×')), body);
  return body;
}

export async function openDrill(ctx, drill, title) {
  const list = h('div', { class: 'record-list', dataset: { list: 'drill' } });
  panel(title).append(list);
  // R7's lists of sales: each row opens the sale's time line; "←" comes back to this list.
  const onSale = (id) => openSale(ctx, id, () => openDrill(ctx, drill, title));
  mountList(list, { report: ctx.report, filter: ctx.filter, drill, title, currency: ctx.currency, onSale });
}

/** R7: one sale's linked work on one time line (sale.js) in the side panel; `back` (optional) returns to a list. */
export async function openSale(ctx, id, back) {
  const view = h('div', { class: 'sale-view', dataset: { saleView: id } });
  const body = panel(t('sale_view'), back);
  body.append(view);
  await renderSale(view, ctx, id);
}
