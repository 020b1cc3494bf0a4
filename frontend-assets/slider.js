// The side panel with a drill-down list (like Bitrix24's slider): the records behind a number, paged, sorted and
// filtered on the server (list.js), each linking to its card in the portal.
import { h, clear } from './dom.js';
import { mountList } from './list.js';

export function closeSlider() {
  const s = document.getElementById('slider'); if (s) { s.hidden = true; clear(s); }
  const o = document.querySelector('.slider-overlay'); if (o) o.remove();
}

export async function openDrill(ctx, drill, title) {
  const s = document.getElementById('slider');
  clear(s); s.hidden = false;
  if (!document.querySelector('.slider-overlay')) document.body.append(h('div', { class: 'slider-overlay', onclick: closeSlider }));
  const list = h('div', { class: 'record-list', dataset: { list: 'drill' } });
  s.append(h('div', { class: 'slider-head' }, h('h2', {}, title), h('button', { class: 'close-x', type: 'button', name: 'close', onclick: closeSlider }, '×')),
    h('div', { class: 'slider-body' }, list));
  mountList(list, { report: ctx.report, filter: ctx.filter, drill, title, currency: ctx.currency });
}
