// The filter bar of every report (docs/UI.md): period presets and custom range, comparison, pipelines,
// departments, employees (inactive ones marked), sources, projects (R5), the portal's deal/lead custom fields
// (UF_CRM_*), cohort and step where they apply. On a phone the bar folds behind a "Filters (N)" toggle.
import { h, clear } from './dom.js';
import { t } from './i18n.js';

const PRESETS = ['this_week', 'last_week', 'this_month', 'last_month', 'this_quarter', 'last_quarter', 'this_year', 'last_year', 'last_days', 'custom'];
const DEAL_REPORTS = ['sales_dynamics', 'managers', 'marketing'];

export function defaultFilter(report) {
  const f = { period: { preset: 'this_month' }, compare: 'previous', pipelines: [], departments: [], employees: [], sources: [], projects: [], custom_fields: [] };
  // Forget-me-not looks at today's cards and the plan compares with the plan, not with another period.
  if (report === 'forget_me_not' || report === 'plan' || report === 'linked') f.compare = 'none';
  if (report === 'sales_dynamics' || report === 'marketing' || report === 'tasks') f.bucket = 'week';
  return f;
}

function select(name, options, current, onchange) {
  return h('select', { name, onchange: (e) => onchange(e.target.value) },
    options.map(([v, label]) => h('option', { value: v, selected: v === current }, label)));
}

/** A dropdown of checkboxes with search: the picked ids go into `list`. */
function multi(name, items, picked, onchange) {
  // An item may stand for several ids (`ids`): it is on when any of them is picked, and picks or drops them all.
  const idsOf = (it) => it.ids || [it.id];
  const on = (it) => idsOf(it).some((x) => picked.includes(x));
  const wrap = h('div', { class: 'multi', dataset: { name } });
  const label = () => {
    if (!picked.length) return t('all');
    const names = items.filter(on).map((i) => i.name);
    return names.length <= 2 ? names.join(', ') : `${names[0]} +${names.length - 1}`;
  };
  const btn = h('button', { type: 'button', name }, label());
  let menu = null;
  const close = () => { if (menu) { menu.remove(); menu = null; document.removeEventListener('click', outside, true); } };
  const outside = (e) => { if (!wrap.contains(e.target)) close(); };
  btn.addEventListener('click', () => {
    if (menu) { close(); return; }
    const search = h('input', { type: 'search', placeholder: t('search') });
    const list = h('div');
    const draw = () => {
      clear(list);
      const q = search.value.trim().toLowerCase();
      for (const it of items.filter((i) => !q || i.name.toLowerCase().includes(q))) {
        const box = h('input', { type: 'checkbox', value: String(it.id), checked: on(it) });
        box.addEventListener('change', () => {
          for (const x of idsOf(it)) {
            const i = picked.indexOf(x);
            if (box.checked && i < 0) picked.push(x); else if (!box.checked && i >= 0) picked.splice(i, 1);
          }
          btn.textContent = label(); onchange();
        });
        list.append(h('label', { class: it.active === false ? 'inactive' : null }, box, it.name + (it.active === false ? ` (${t('inactive')})` : '')));
      }
    };
    search.addEventListener('input', draw);
    menu = h('div', { class: 'menu' }, items.length > 8 ? search : null, list);
    draw(); wrap.append(menu);
    document.addEventListener('click', outside, true);
  });
  wrap.append(btn);
  return wrap;
}

/** How many filters restrict the report beyond its defaults (the number on the folded bar's toggle). */
export function activeCount(report, f) {
  const d = defaultFilter(report);
  let n = 0;
  if (f.period && f.period.preset !== d.period.preset) n += 1;
  for (const k of ['pipelines', 'departments', 'employees', 'sources', 'projects']) if ((f[k] || []).length) n += 1;
  n += (f.custom_fields || []).filter((c) => c.values && c.values.length).length;
  return n;
}

/** A custom field's name: the portal's label in the page language, else its code (no definition synced). */
function fieldLabel(def, field) {
  return (def && def.label) || field;
}

/** Custom-field conditions: pick a field, then its values (a record matches one of them); several fields = all. */
function customFields(fields, f, changed) {
  const wrap = h('span', { class: 'custom-fields' });
  const draw = () => {
    clear(wrap);
    for (const c of f.custom_fields) {
      const def = fields.find((x) => x.field === c.field);
      // A deal list and a lead list may share a code, each with its own item ids for the same text ("Москва" is 45
      // for deals, 61 for leads): one entry per text that picks all its ids, so both deals and leads are filtered.
      const items = [];
      const values = (def ? def.values : []).slice().sort((a, b) => Number((b.entities || []).includes('DEAL')) - Number((a.entities || []).includes('DEAL')));
      for (const v of values) {
        const name = v.text || v.value;
        const same = items.find((i) => i.name === name);
        if (same) same.ids.push(v.value); else items.push({ id: v.value, ids: [v.value], name });
      }
      for (const v of c.values) if (!items.find((i) => i.ids.includes(v))) items.push({ id: v, ids: [v], name: v });
      const rm = h('button', { type: 'button', class: 'btn-link remove-cf', title: t('remove'), onclick: () => { f.custom_fields = f.custom_fields.filter((x) => x !== c); draw(); changed(); } }, '×');
      // A field only deals (or only leads) have leaves the other kind empty: say so next to its name.
      const only = def && def.entities.length === 1 ? h('span', { class: 'only' }, ` · ${t(def.entities[0] === 'LEAD' ? 'leads_only' : 'deals_only')}`) : null;
      wrap.append(h('div', { class: 'cf', dataset: { field: c.field } }, h('span', { class: 'cf-label', title: c.field }, fieldLabel(def, c.field), only, ' ', rm), multi('cf-' + c.field, items, c.values, changed)));
    }
    const free = fields.filter((x) => !f.custom_fields.find((c) => c.field === x.field));
    if (free.length && f.custom_fields.length < 20) {
      wrap.append(h('label', {}, t('custom_field'), select('custom-field', [['', t('add_field')]].concat(free.map((x) => [x.field, fieldLabel(x, x.field)])), '', (v) => {
        if (v) { f.custom_fields.push({ field: v, values: [] }); draw(); }
      })));
    }
  };
  draw();
  return wrap;
}

/** Renders the bar into `root`; calls `apply(filter)` when the user applies. */
export function renderFilters(root, report, dicts, filter, apply) {
  clear(root);
  const f = JSON.parse(JSON.stringify(filter));
  f.custom_fields = (f.custom_fields || []).filter((c) => c && c.field);
  const changed = () => {};
  const custom = h('span', { class: 'custom-range', style: f.period.preset === 'custom' ? '' : 'display:none' },
    h('label', {}, t('from'), h('input', { type: 'date', name: 'from', value: f.period.from || '', onchange: (e) => { f.period.from = e.target.value; } })),
    ' ',
    h('label', {}, t('to'), h('input', { type: 'date', name: 'to', value: f.period.to || '', onchange: (e) => { f.period.to = e.target.value; } })));
  custom.style.display = f.period.preset === 'custom' ? 'flex' : 'none';
  custom.style.gap = '10px';
  const days = h('label', { style: f.period.preset === 'last_days' ? '' : 'display:none' }, t('days'),
    h('input', { type: 'number', name: 'days', min: 1, max: 730, value: f.period.days || 30, style: 'width:80px', onchange: (e) => { f.period.days = Number(e.target.value); } }));
  const preset = select('preset', PRESETS.map((p) => [p, t(p)]), f.period.preset, (v) => {
    f.period = { preset: v };
    if (v === 'custom') { const now = new Date(); f.period.to = now.toISOString().slice(0, 10); now.setDate(now.getDate() - 30); f.period.from = now.toISOString().slice(0, 10); custom.querySelector('[name=from]').value = f.period.from; custom.querySelector('[name=to]').value = f.period.to; }
    if (v === 'last_days') f.period.days = 30;
    custom.style.display = v === 'custom' ? 'flex' : 'none';
    days.style.display = v === 'last_days' ? '' : 'none';
  });
  // A control shows only where it acts: forget-me-not is about today (no period), the plan shows no deltas
  // (no comparison).
  const parts = report === 'forget_me_not' ? [] : [h('label', {}, t('period'), preset), custom, days];
  if (report !== 'forget_me_not' && report !== 'plan') {
    parts.push(h('label', {}, t('compare'), select('compare', [['none', t('none')], ['previous', t('previous')], ['year_ago', t('year_ago')]], f.compare || 'previous', (v) => { f.compare = v; })));
  }
  if (report === 'sales_dynamics' || report === 'managers') {
    parts.push(h('label', {}, t('cohort'), select('cohort', [['created', t('created')], ['closed', t('closed')]], f.cohort || 'created', (v) => { f.cohort = v; })));
  }
  if (report === 'sales_dynamics' || report === 'marketing' || report === 'tasks') {
    parts.push(h('label', {}, t('bucket'), select('bucket', ['day', 'week', 'month', 'quarter'].map((b) => [b, t(b)]), f.bucket || 'day', (v) => { f.bucket = v; })));
  }
  if (report !== 'tasks') parts.push(h('label', {}, t('pipelines'), multi('pipelines', dicts.pipelines, f.pipelines, changed)));
  parts.push(h('label', {}, t('departments'), multi('departments', dicts.departments, f.departments, changed)));
  parts.push(h('label', {}, t('employees'), multi('employees', dicts.users, f.employees, changed)));
  if (DEAL_REPORTS.includes(report)) parts.push(h('label', {}, t('sources'), multi('sources', dicts.sources, f.sources, changed)));
  if (report === 'tasks') parts.push(h('label', {}, t('projects'), multi('projects', dicts.projects, f.projects, changed)));
  if (report !== 'tasks' && (dicts.custom_fields || []).length) parts.push(customFields(dicts.custom_fields, f, changed));
  // Empty value lists restrict nothing, so they are not sent.
  const clean = () => ({ ...f, custom_fields: f.custom_fields.filter((c) => c.values.length) });
  parts.push(h('span', { class: 'filter-actions' },
    h('button', { class: 'btn btn-primary', type: 'button', name: 'apply', onclick: () => apply(clean()) }, t('apply')),
    h('button', { class: 'btn btn-light', type: 'button', name: 'reset', onclick: () => apply(defaultFilter(report)) }, t('reset'))));
  const n = activeCount(report, filter);
  const toggle = h('button', { type: 'button', class: 'filters-toggle', name: 'filters-toggle', 'aria-expanded': 'false' },
    h('span', { class: 'ft-label' }, t('filters')), n ? h('span', { class: 'ft-count' }, String(n)) : null,
    report === 'forget_me_not' ? null : h('span', { class: 'ft-summary' }, t(filter.period && filter.period.preset ? filter.period.preset : 'this_month')));
  const shell = h('div', { class: 'filter-shell folded' }, toggle, h('div', { class: 'filters' }, parts));
  toggle.addEventListener('click', () => { const open = shell.classList.toggle('folded') === false; toggle.setAttribute('aria-expanded', String(open)); });
  root.append(shell);
}
