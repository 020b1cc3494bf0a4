// Administrator settings: forget-me-not thresholds, the weekly digest, who may open which report, and the sales-plan editor
// (employees and pipelines picked from lists; many rows pasted from a spreadsheet; errors name the row and field).
import { h, clear } from './dom.js';
import { t, money, isoDay } from './i18n.js';
import * as api from './api.js';

function msg(el, text, ok) { clear(el).append(h('span', { class: ok ? 'ok-msg' : 'field-error' }, text)); }

function fmnCard(s) {
  const lead = h('input', { type: 'number', name: 'lead_days', min: 1, value: s.forget_me_not.lead_days });
  const deal = h('input', { type: 'number', name: 'deal_days', min: 1, value: s.forget_me_not.deal_days });
  const care = h('input', { type: 'checkbox', name: 'planned_care', checked: s.forget_me_not.planned_activity_counts_as_care });
  const out = h('span');
  const save = async () => {
    try {
      await api.put('/api/settings/forget-me-not', { lead_days: Number(lead.value), deal_days: Number(deal.value), planned_activity_counts_as_care: care.checked });
      msg(out, t('saved'), true);
    } catch (e) { msg(out, e.message, false); }
  };
  return h('section', { class: 'card settings', id: 'fmn-settings' }, h('h2', {}, t('fmn_title')),
    h('div', { class: 'row' }, h('label', {}, t('lead_days'), lead), h('label', {}, t('deal_days'), deal),
      h('label', { style: 'flex-direction:row;align-items:center;gap:6px' }, care, t('planned_care'))),
    h('div', { class: 'row' }, h('button', { class: 'btn btn-primary', type: 'button', name: 'save-fmn', onclick: save }, t('save')), out));
}

function accessCard(s, dicts, enabled) {
  const rules = s.access_rules.slice();
  const list = h('div');
  const out = h('span');
  const name = (r) => {
    if (r.subject.type === 'user') { const u = dicts.users.find((x) => x.id === r.subject.id); return `${t('employee')}: ${u ? u.name : r.subject.id}`; }
    const d = dicts.departments.find((x) => x.id === r.subject.id); return `${t('department')}: ${d ? d.name : r.subject.id}`;
  };
  const repName = (id) => (id === '*' ? t('all_reports') : (enabled.find((r) => r.id === id) || { title: id }).title);
  // Whose records the rule shows (docs/ACCESS.md); a rule saved before scopes existed reads as 'own'.
  const scopes = ['own', 'department', 'company'];
  const scopeName = (sc) => t(`scope_${scopes.includes(sc) ? sc : 'own'}`);
  const draw = () => {
    clear(list);
    if (!rules.length) list.append(h('div', { class: 'hint' }, t('no_rules')));
    else list.append(h('div', { class: 'grid-wrap' }, h('table', { class: 'grid access-rules' }, h('tbody', {}, rules.map((r, i) => h('tr', {}, h('td', {}, repName(r.report)), h('td', {}, name(r)), h('td', {}, scopeName(r.scope)),
      h('td', {}, h('button', { class: 'btn btn-link', type: 'button', onclick: () => { rules.splice(i, 1); draw(); } }, t('remove')))))))));
  };
  const report = h('select', { name: 'rule-report' }, [['*', t('all_reports')]].concat(enabled.map((r) => [r.id, r.title])).map(([v, l]) => h('option', { value: v }, l)));
  const kind = h('select', { name: 'rule-kind' }, h('option', { value: 'user' }, t('employee')), h('option', { value: 'department' }, t('department')));
  const who = h('select', { name: 'rule-who' });
  const scope = h('select', { name: 'rule-scope' }, scopes.map((v) => h('option', { value: v }, scopeName(v))));
  const fillWho = () => {
    clear(who);
    const items = kind.value === 'user' ? dicts.users.filter((u) => u.active !== false) : dicts.departments;
    for (const it of items) who.append(h('option', { value: it.id }, it.name));
  };
  kind.addEventListener('change', fillWho); fillWho();
  const add = () => { if (!who.value) return; rules.push({ report: report.value, subject: { type: kind.value, id: Number(who.value) }, scope: scope.value }); draw(); };
  const save = async () => { try { await api.put('/api/settings/access', rules); msg(out, t('saved'), true); } catch (e) { msg(out, e.message, false); } };
  draw();
  return h('section', { class: 'card settings', id: 'access-settings' }, h('h2', {}, t('access_title')), h('div', { class: 'hint' }, t('access_hint')), list,
    h('div', { class: 'row' }, h('label', {}, t('report'), report), h('label', {}, t('who'), kind), h('label', {}, '\u00a0', who), h('label', {}, t('scope'), scope),
      h('button', { class: 'btn btn-light', type: 'button', name: 'add-rule', onclick: add }, t('add'))),
    h('div', { class: 'row' }, h('button', { class: 'btn btn-primary', type: 'button', name: 'save-access', onclick: save }, t('save')), out));
}

// What people paste from their spreadsheets: period words in either language, dates as 01.11.2026 / 2026-11-01 /
// 11/01/2026 (English order), amounts with spaces, no-break spaces or apostrophes between thousands and a comma or
// dot before the decimals ("1 500 000,00", "1,500,000.00").
const PERIODS = { month: 'month', 'месяц': 'month', 'мес': 'month', 'мес.': 'month', quarter: 'quarter', 'квартал': 'quarter', 'кв': 'quarter', 'кв.': 'quarter', year: 'year', 'год': 'year' };
export function parsePeriod(v) { return PERIODS[(v || '').trim().toLowerCase()] || null; }
export function parseDay(v) {
  const s = (v || '').trim();
  let m = s.match(/^(\d{4})-(\d{1,2})-(\d{1,2})$/);
  let y; let mo; let d;
  if (m) { [y, mo, d] = [m[1], m[2], m[3]]; } else if ((m = s.match(/^(\d{1,2})\.(\d{1,2})\.(\d{4})$/))) { [d, mo, y] = [m[1], m[2], m[3]]; } else if ((m = s.match(/^(\d{1,2})\/(\d{1,2})\/(\d{4})$/))) { [mo, d, y] = [m[1], m[2], m[3]]; } else return null;
  const iso = `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  const dt = new Date(iso + 'T00:00:00Z');
  return Number.isNaN(dt.getTime()) || dt.toISOString().slice(0, 10) !== iso ? null : iso;
}
export function parseAmount(v) {
  let s = (v || '').replace(/[\s\u00a0\u202f'’]/g, '').replace(/[₽$€]|руб\.?|RUB/gi, '');
  if (!s) return 0;
  // Both separators: the last one is the decimal point. One comma alone is a decimal comma unless it groups thousands.
  if (s.includes(',') && s.includes('.')) s = s.lastIndexOf(',') > s.lastIndexOf('.') ? s.replace(/\./g, '').replace(',', '.') : s.replace(/,/g, '');
  else if (/^\d{1,3}(,\d{3})+$/.test(s)) s = s.replace(/,/g, '');
  else s = s.replace(',', '.');
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/** Parses pasted spreadsheet rows: employee (name or id) \t pipeline (name, id or empty) \t period \t start \t amount \t count \t bonus \t grade. */
export function parsePaste(text, dicts) {
  const rows = []; const errors = [];
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  lines.forEach((line, i) => {
    const c = line.split(/\t|;/).map((x) => x.trim());
    const findUser = (v) => dicts.users.find((u) => String(u.id) === v || u.name.toLowerCase() === v.toLowerCase());
    const user = findUser(c[0] || '');
    if (!user) { errors.push(`${i + 1}: ${c[0] || '—'} ?`); return; }
    let category = null;
    if (c[1]) { const p = dicts.pipelines.find((x) => String(x.id) === c[1] || x.name.toLowerCase() === c[1].toLowerCase()); if (!p) { errors.push(`${i + 1}: ${c[1]} ?`); return; } category = p.id; }
    const kind = c[2] ? parsePeriod(c[2]) : 'month';
    if (!kind) { errors.push(`${i + 1}: ${c[2]} ?`); return; }
    const start = parseDay(c[3]);
    if (!start) { errors.push(`${i + 1}: ${c[3] || '—'} ?`); return; }
    const amount = parseAmount(c[4]); const bonus = parseAmount(c[6]);
    if (amount === null) { errors.push(`${i + 1}: ${c[4]} ?`); return; }
    if (bonus === null) { errors.push(`${i + 1}: ${c[6]} ?`); return; }
    const count = c[5] ? parseAmount(c[5]) : null;
    const grade = (c[7] || '').slice(0, 50) || null;
    rows.push({ user_id: user.id, department_id: null, category_id: category, period_kind: kind, period_start: start,
      amount_cents: Math.round(amount * 100), deal_count: count === null ? null : Math.round(count), bonus_cents: Math.round(bonus * 100), grade, updated_by: null });
  });
  return { rows, errors };
}

async function plansCard(dicts) {
  const card = h('section', { class: 'card settings', id: 'plan-editor' }, h('h2', {}, t('plans_title')));
  const table = h('div', { class: 'grid-wrap' });
  const out = h('div');
  const draw = async () => {
    const plans = await api.get('/api/plans');
    const uname = (id) => (dicts.users.find((u) => u.id === id) || { name: id ?? '—' }).name;
    const pname = (id) => (id === null || id === undefined ? t('all_pipelines') : (dicts.pipelines.find((p) => p.id === id) || { name: id }).name);
    clear(table).append(h('table', { class: 'grid plans' }, h('thead', {}, h('tr', {}, [t('employee'), t('grade'), t('pipelines'), t('period'), t('plan_amount'), t('plan_count'), t('bonus'), ''].map((x) => h('th', {}, x)))),
      h('tbody', {}, plans.map((p) => h('tr', { dataset: { id: p.id } }, h('td', {}, p.user_id ? uname(p.user_id) : '—'), h('td', {}, p.grade || '—'), h('td', {}, pname(p.category_id)), h('td', {}, `${t(p.period_kind)}, ${t('from').toLowerCase()} ${isoDay(p.period_start)}`),
        h('td', {}, money(p.amount_cents / 100)), h('td', {}, p.deal_count ?? '—'), h('td', {}, money(p.bonus_cents / 100)),
        h('td', {}, h('button', { class: 'btn btn-link', type: 'button', onclick: async () => { await api.del(`/api/plans/${p.id}`); draw(); } }, t('remove'))))))));
  };
  // One row from lists.
  const user = h('select', { name: 'plan-user' }, dicts.users.filter((u) => u.active !== false).map((u) => h('option', { value: u.id }, u.name)));
  const pipe = h('select', { name: 'plan-pipeline' }, h('option', { value: '' }, t('all_pipelines')), dicts.pipelines.map((p) => h('option', { value: p.id }, p.name)));
  const kind = h('select', { name: 'plan-kind' }, ['month', 'quarter', 'year'].map((k) => h('option', { value: k }, t(k))));
  const now = new Date();
  const start = h('input', { type: 'date', name: 'plan-start', value: `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-01` });
  const amount = h('input', { type: 'number', name: 'plan-amount', min: 0, step: 1000, value: 1000000, style: 'width:130px' });
  const count = h('input', { type: 'number', name: 'plan-count', min: 0, style: 'width:80px' });
  const bonus = h('input', { type: 'number', name: 'plan-bonus', min: 0, value: 0, style: 'width:110px' });
  // Grades (junior / senior …) carry their own plans: the grade shows next to the employee in the plan report.
  const grade = h('input', { type: 'text', name: 'plan-grade', maxlength: 50, placeholder: 'junior / senior', style: 'width:120px' });
  const send = async (rows) => {
    try { await api.post('/api/plans', { rows }); msg(out, t('saved'), true); draw(); } catch (e) { msg(out, e.message, false); }
  };
  const addOne = () => send([{ user_id: Number(user.value), department_id: null, category_id: pipe.value ? Number(pipe.value) : null, period_kind: kind.value, period_start: start.value,
    amount_cents: Math.round(Number(amount.value) * 100), deal_count: count.value ? Number(count.value) : null, bonus_cents: Math.round(Number(bonus.value) * 100), grade: grade.value.trim() || null, updated_by: null }]);
  const paste = h('textarea', { name: 'plan-paste', placeholder: t('paste_placeholder') });
  const addPaste = () => { const r = parsePaste(paste.value, dicts); if (r.errors.length) { msg(out, t('paste_not_recognised') + ' ' + r.errors.join('; '), false); return; } if (r.rows.length) send(r.rows); };
  card.append(table, h('div', { class: 'row' }, h('label', {}, t('employee'), user), h('label', {}, t('pipelines'), pipe), h('label', {}, t('period'), kind), h('label', {}, t('from'), start),
    h('label', {}, t('plan_amount'), amount), h('label', {}, t('plan_count'), count), h('label', {}, t('bonus'), bonus), h('label', {}, t('grade'), grade), h('button', { class: 'btn btn-primary', type: 'button', name: 'add-plan', onclick: addOne }, t('add'))),
  paste, h('div', { class: 'row' }, h('button', { class: 'btn btn-light', type: 'button', name: 'paste-plans', onclick: addPaste }, t('paste_add'))), out);
  await draw();
  return card;
}

// The weekly digest: on/off, day and hour (portal time), recipients picked from the portal's active employees, and
// the notification's language (docs/DIGEST.md). The server checks every value and names a wrong field.
function digestCard(s, dicts) {
  const d = s.digest || { enabled: false, weekday: 1, hour: 9, recipients: [], lang: 'ru' };
  const on = h('input', { type: 'checkbox', name: 'digest_enabled', checked: d.enabled });
  const day = h('select', { name: 'digest_weekday' }, ...[1, 2, 3, 4, 5, 6, 7].map((n) => h('option', { value: n, selected: n === d.weekday }, t('weekday_' + n))));
  const hour = h('input', { type: 'number', name: 'digest_hour', min: 0, max: 23, value: d.hour });
  const lang = h('select', { name: 'digest_lang' }, ...['ru', 'en'].map((l) => h('option', { value: l, selected: l === d.lang }, t('digest_lang_' + l))));
  const people = h('select', { name: 'digest_recipients', multiple: true, size: 6 },
    ...(dicts.users || []).filter((u) => u.active).map((u) => h('option', { value: u.id, selected: d.recipients.includes(u.id) }, u.name)));
  const out = h('span');
  const save = async () => {
    const recipients = Array.from(people.selectedOptions).map((o) => Number(o.value));
    try {
      await api.put('/api/settings/digest', { enabled: on.checked, weekday: Number(day.value), hour: Number(hour.value), recipients, lang: lang.value });
      msg(out, t('saved'), true);
    } catch (e) { msg(out, e.message, false); }
  };
  return h('section', { class: 'card settings', id: 'digest-settings' }, h('h2', {}, t('digest_title')), h('div', { class: 'hint' }, t('digest_hint')),
    h('div', { class: 'row' }, h('label', { style: 'flex-direction:row;align-items:center;gap:6px' }, on, t('digest_enabled')),
      h('label', {}, t('digest_weekday'), day), h('label', {}, t('digest_hour'), hour), h('label', {}, t('digest_lang'), lang)),
    h('div', { class: 'row' }, h('label', {}, t('digest_recipients'), people)),
    h('div', { class: 'row' }, h('button', { class: 'btn btn-primary', type: 'button', name: 'save-digest', onclick: save }, t('save')), out));
}

// Who may use the tidy-up page besides administrators (docs/ACTIONS.md): employees picked from the portal's list.
function tidyUsersCard(s, dicts) {
  const chosen = s.tidy_users || [];
  const people = h('select', { name: 'tidy_users', multiple: true, size: 6 },
    ...(dicts.users || []).filter((u) => u.active).map((u) => h('option', { value: u.id, selected: chosen.includes(u.id) }, u.name)));
  const out = h('span');
  const save = async () => {
    try {
      await api.put('/api/settings/tidy-users', { users: Array.from(people.selectedOptions).map((o) => Number(o.value)) });
      msg(out, t('saved'), true);
    } catch (e) { msg(out, e.message, false); }
  };
  return h('section', { class: 'card settings', id: 'tidy-users-settings' }, h('h2', {}, t('tidy_users_title')), h('div', { class: 'hint' }, t('tidy_users_hint')),
    h('div', { class: 'row' }, h('label', {}, t('tidy_users_label'), people)),
    h('div', { class: 'row' }, h('button', { class: 'btn btn-primary', type: 'button', name: 'save-tidy-users', onclick: save }, t('save')), out));
}

// R7's links (docs/METRICS.md, "R7"): which of the portal's link fields and smart processes mean "child work of this
// sale"; the server names each one and says whether the default choice is in use.
async function linkedCard() {
  const out = h('span');
  const body = h('div');
  const draw = (s) => {
    const boxes = s.links.map((l) => h('input', { type: 'checkbox', name: 'linked_link', value: l.key, checked: l.chosen }));
    clear(body).append(
      h('div', { class: 'hint' }, s.is_default ? t('linked_is_default') : ''),
      s.links.length
        ? h('div', {}, ...s.links.map((l, i) => h('label', { style: 'flex-direction:row;align-items:center;gap:6px' }, boxes[i], l.name)))
        : h('div', { class: 'hint' }, t('linked_none')),
      h('div', { class: 'row' }, h('button', { class: 'btn btn-primary', type: 'button', name: 'save-linked', onclick: async () => {
        try { draw(await api.put('/api/settings/linked', { links: boxes.filter((b) => b.checked).map((b) => b.value) })); msg(out, t('saved'), true); } catch (e) { msg(out, e.message, false); }
      } }, t('save')), out));
  };
  try { draw(await api.get('/api/settings/linked')); } catch (e) { msg(out, e.message, false); body.append(out); }
  return h('section', { class: 'card settings', id: 'linked-settings' }, h('h2', {}, t('linked_title')), h('div', { class: 'hint' }, t('linked_hint')), body);
}

// The portal's time zone as the sync learned it (the server names it in the user's language).
function zoneCard(s) {
  return h('section', { class: 'card settings', id: 'zone-settings' }, h('h2', {}, t('zone_title')),
    h('div', { class: 'row', name: 'portal-zone' }, s.time_zone || '—'), h('div', { class: 'hint' }, t('zone_hint')));
}

export async function renderSettings(root, dicts, enabled) {
  clear(root).append(h('div', { class: 'card' }, t('loading')));
  const s = await api.get('/api/settings');
  clear(root);
  root.append(zoneCard(s), fmnCard(s), digestCard(s, dicts), ...(s.is_admin ? [tidyUsersCard(s, dicts), await linkedCard()] : []), accessCard(s, dicts, enabled), await plansCard(dicts));
}
