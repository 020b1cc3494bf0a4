// The first-import progress bar: what is loaded so far per source; disappears when the first import is done.
import { h, clear } from './dom.js';
import { t, num } from './i18n.js';
import * as api from './api.js';

const NAMES = { deals: ['Сделки', 'Deals'], leads: ['Лиды', 'Leads'], activities: ['Дела', 'Activities'], tasks: ['Задачи', 'Tasks'], users: ['Сотрудники', 'Employees'],
  deal_stage_history: ['История стадий сделок', 'Deal stage history'], lead_stage_history: ['История статусов лидов', 'Lead status history'],
  departments: ['Отделы', 'Departments'], pipelines: ['Воронки', 'Pipelines'], companies: ['Компании', 'Companies'], calls: ['Звонки', 'Calls'],
  projects: ['Проекты', 'Projects'], contacts: ['Контакты', 'Contacts'], statuses: ['Стадии, статусы и источники', 'Stages, statuses and sources'],
  currencies: ['Валюты', 'Currencies'] };
/** A source's name in the page's language (the code itself for a source this page does not know yet). */
export function sourceName(entity, lang) { return (NAMES[entity] || [entity, entity])[lang === 'en' ? 1 : 0]; }

export function startProgress(root, lang, onChange) {
  let last = null;
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
        `${sourceName(e.entity, lang)}: ${num(e.done)}${e.total ? ' / ' + num(e.total) : ''}${e.finished ? ' ✓' : ''}`))),
      h('div', { class: 'hint' }, t('import_hint'))));
    last = p;
    setTimeout(tick, 3000);
  };
  tick();
}
