// The tidy-up page ("Навести порядок", docs/ACTIONS.md): groups of records needing a decision with counts and
// amounts, a selection (a whole group or some records), an action with its values, the server's confirmation text,
// a progress bar while the run goes in batches, and the action log with details and undo. Every word comes from the
// server (`words` of /api/tidy/groups, answers' texts); this file holds none.
import { h, clear } from './dom.js';
import * as api from './api.js';
import { num, money as moneyIn } from './i18n.js';

let CURRENCY = '';
// Amounts come in hundredths of the portal's base currency.
const money = (cents) => moneyIn(cents / 100, CURRENCY);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function follow(root, W, run) {
  const bar = h('progress', { max: String(run.total || 1), value: '0', id: 'tidy-progress' });
  const label = h('span', { id: 'tidy-progress-label' }, W.progress);
  clear(root).append(h('div', { class: 'card' }, label, ' ', bar));
  for (;;) {
    const r = await api.get(`/api/tidy/runs/${run.run}`);
    bar.value = String(r.done + r.refused);
    if (r.finished) { label.textContent = `${W.finished}: ${W.done} ${r.done}, ${W.refused} ${r.refused}`; root.dataset.finished = String(r.id); return r; }
    await sleep(300);
  }
}

function details(root, W, r) {
  clear(root).append(h('table', { class: 'tidy-records' },
    h('tr', {}, h('th', {}, W.record), h('th', {}, W.before), h('th', {}, W.after), h('th', {}, W.outcome)),
    ...r.records.map((x) => h('tr', { dataset: { outcome: x.outcome } },
      h('td', {}, `${x.kind_words} ${x.id}`),
      h('td', {}, x.before_text),
      h('td', {}, x.after_text || ''),
      h('td', {}, x.outcome_words + (x.error ? ` (${x.error})` : ''))))));
}

async function drawLog(root, W, reload) {
  const log = await api.get('/api/tidy/runs');
  const detail = h('div', { id: 'tidy-run-detail' });
  clear(root).append(h('h2', {}, W.audit), h('table', { class: 'tidy-log', id: 'tidy-log' },
    h('tr', {}, h('th', {}, W.when), h('th', {}, W.who), h('th', {}, W.action), h('th', {}, W.done), h('th', {}, W.refused), h('th', {})),
    ...log.runs.map((r) => h('tr', { dataset: { run: String(r.id), action: r.action } },
      h('td', {}, new Date(r.created_at * 1000).toLocaleString()),
      h('td', {}, r.user_name), h('td', {}, r.action_name), h('td', {}, r.done), h('td', {}, r.refused),
      h('td', {},
        h('button', { type: 'button', class: 'tidy-details', onclick: async () => details(detail, W, await api.get(`/api/tidy/runs/${r.id}`)) }, W.details),
        r.undoable ? h('button', { type: 'button', class: 'tidy-undo', onclick: async () => {
          try { const u = await api.post(`/api/tidy/runs/${r.id}/undo`, {}); await follow(detail, W, u); root.dataset.undone = String(u.run); await drawLog(root, W, reload); } catch (e) { clear(detail).append(h('div', { class: 'error-box' }, e.message || String(e))); }
        } }, W.undo) : null)))), detail);
}

/** Draws the page into `root`. */
export async function renderTidy(root) {
  const data = await api.get('/api/tidy/groups');
  CURRENCY = data.currency || '';
  const W = data.words;
  const groups = h('div', { id: 'tidy-groups' }); const panel = h('div', { id: 'tidy-panel' }); const log = h('div', { id: 'tidy-audit' });
  clear(root).append(h('div', { class: 'card' }, h('h1', {}, W.title), h('p', {}, W.intro)), groups, panel, h('div', { class: 'card' }, log));
  const reload = () => renderTidy(root);
  const nonEmpty = data.groups.filter((g) => g.count > 0);
  if (!nonEmpty.length) groups.append(h('div', { class: 'card' }, W.empty));
  for (const g of nonEmpty) {
    groups.append(h('div', { class: 'card tidy-group', dataset: { group: g.key } },
      h('button', { type: 'button', class: 'btn btn-light tidy-open', onclick: () => openGroup(panel, W, data, g, reload) }, g.title),
      h('span', { class: 'tidy-count' }, ` ${W.count}: ${num(g.count)}`), g.amount ? h('span', {}, ` · ${W.amount}: ${money(g.amount)}`) : null));
  }
  await drawLog(log, W, reload);
  root.dataset.ready = '1';
}

function openGroup(panel, W, data, g, reload) {
  const boxes = g.items.map((i) => h('input', { type: 'checkbox', checked: true, value: String(i.id), class: 'tidy-pick' }));
  const all = h('input', { type: 'checkbox', checked: true, id: 'tidy-all', onchange: () => boxes.forEach((b) => { b.checked = all.checked; }) });
  const list = h('table', { class: 'tidy-items' }, h('tr', {}, h('th', {}, h('label', {}, all, W.select_all)), h('th', {}, W.responsible), h('th', {}, W.amount)),
    ...g.items.map((i, n) => h('tr', {}, h('td', {}, h('label', {}, boxes[n], ` #${i.id}`)), h('td', {}, i.responsible_name), h('td', {}, money(i.amount)))));
  const out = h('div', { id: 'tidy-result' });
  if (!g.actions.length) { clear(panel).append(h('div', { class: 'card' }, h('h2', {}, g.title), h('p', {}, W.no_actions), list)); return; }
  const action = h('select', { id: 'tidy-action' }, ...g.actions.map((a) => h('option', { value: a }, W.actions[a])));
  const to = h('select', { id: 'tidy-to' }, ...data.employees.map((e) => h('option', { value: String(e.id) }, e.name)));
  const deadline = h('input', { type: 'date', id: 'tidy-deadline' });
  const title = h('input', { type: 'text', id: 'tidy-title', value: W.todo_default });
  const reason = h('input', { type: 'text', id: 'tidy-reason' });
  const stage = h('select', { id: 'tidy-stage' }, ...(g.stages || []).map((st) => h('option', { value: st.id }, st.name)));
  const fields = h('div', { class: 'tidy-fields' });
  const drawFields = () => {
    const a = action.value;
    clear(fields).append(...(a === 'reassign' ? [h('label', {}, W.to, ' ', to)]
      : a === 'todo' ? [h('label', {}, W.deadline, ' ', deadline), h('label', {}, W.todo_title, ' ', title)]
        : a === 'close' ? [h('label', {}, W.reason, ' ', reason)] : a === 'complete' ? [] : [h('label', {}, W.stage, ' ', stage)]));
  };
  action.addEventListener('change', drawFields); drawFields();
  const body = () => {
    const picked = boxes.filter((b) => b.checked).map((b) => Number(b.value));
    return { group: g.key, ids: picked.length === boxes.length ? null : picked, action: action.value, to: Number(to.value),
      deadline: deadline.value, title: title.value, reason: reason.value, stage: stage.value };
  };
  const next = h('button', { type: 'button', class: 'btn btn-light', id: 'tidy-preview', onclick: async () => {
    try {
      const req = body(); const p = await api.post('/api/tidy/preview', req);
      clear(out).append(h('div', { class: 'tidy-confirm', id: 'tidy-confirm' }, h('p', { id: 'tidy-confirm-text' }, p.text),
        h('button', { type: 'button', class: 'btn btn-primary', id: 'tidy-go', onclick: async () => {
          try { const run = await api.post('/api/tidy/runs', req); await follow(out, W, run); await drawLog(document.getElementById('tidy-audit'), W, reload); } catch (e) { clear(out).append(h('div', { class: 'error-box' }, e.message || String(e))); }
        } }, W.confirm),
        h('button', { type: 'button', class: 'btn btn-light', onclick: () => clear(out) }, W.cancel)));
    } catch (e) { clear(out).append(h('div', { class: 'error-box' }, e.message || String(e))); }
  } }, W.preview);
  clear(panel).append(h('div', { class: 'card', dataset: { open: g.key } }, h('h2', {}, g.title), list, h('div', {}, action, fields, next), out));
}
