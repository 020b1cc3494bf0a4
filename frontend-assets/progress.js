// The first-import progress bar: what is loaded so far per source; disappears when the first import is done.
import { h, clear } from './dom.js';
import { t, num } from './i18n.js';
import * as api from './api.js';

/** A source's name in the page's language (the code itself for a source this page does not know yet). */
export function sourceName(entity) { return t('source_' + entity); }

// While the first import runs, the report is redrawn every few ticks so its tiles grow with the loaded data.
const REDRAW_EVERY = 5;
export function startProgress(root, lang, onChange) {
  let last = null; let ticks = 0;
  // The bar only moves forward: totals may still grow (a source's count arrives when its turn comes), and it stays
  // below 100 % until the import is done (a source without a total yet is still loading).
  let best = 0;
  const tick = async () => {
    let p;
    try { p = await api.get('/api/progress'); } catch (_) { return; }
    if (p.first_import_finished) { clear(root); if (last && !last.first_import_finished) onChange(); last = p; return; }
    const raw = p.total > 0 ? Math.min(99, Math.floor((p.done / p.total) * 100)) : 0;
    best = Math.max(best, raw);
    const pct = best;
    clear(root).append(h('div', { class: 'progress', id: 'import-progress' },
      h('strong', {}, `${t('import_title')}: ${pct} %`),
      h('div', { class: 'bar' }, h('div', { style: `width:${pct}%` })),
      h('div', { class: 'parts' }, p.entities.map((e) => h('span', { class: e.finished ? 'done' : '' },
        `${sourceName(e.entity)}: ${num(e.done)}${e.total ? ' / ' + num(e.total) : ''}${e.finished ? ' ✓' : ''}`))),
      h('div', { class: 'hint' }, t('import_hint'))));
    last = p;
    ticks += 1;
    if (ticks % REDRAW_EVERY === 0) onChange();
    setTimeout(tick, 3000);
  };
  tick();
}
