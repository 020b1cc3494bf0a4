// The tidy-up page ("Навести порядок", docs/ACTIONS.md): groups of records needing a decision with counts and
// amounts, a selection (a whole group or some records), an action with its values, the server's confirmation text,
// a progress bar while the run goes in batches, and the action log with details and undo. Every word comes from the
// server (`words` of /api/tidy/groups, answers' texts); this file holds none and only lays them out in the app's
// look (cards, `table.grid`, the filter bar). It never decides what an action may touch: the server does.
import { h, clear } from './dom.js';
import * as api from './api.js';
import { num, money as moneyIn, dateTime, setZone } from './i18n.js';
import { cardLink } from './links.js';

let CURRENCY = '';
// Amounts come in hundredths of the portal's base currency.
const money = (cents) => moneyIn(cents / 100, CURRENCY);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SECTIONS = ['dismissed', 'forgotten', 'overdue', 'deals'];
const errorBox = (e) => h('div', { class: 'error-box' }, e.message || String(e));

// A record's name: its title (or "Сделка 123" when it has none), linked to its card in the portal when known.
function recordName(W, x) {
  const text = x.title ? x.title : `${x.kind_words} ${x.id}`;
  return x.path ? cardLink(x.path, text) : h('span', {}, text);
}

// The outcome counts of a finished run, in words ("сделано 5 · отказано порталом 1 · пропущено 0").
function outcomes(W, records) {
  const n = (o) => records.filter((x) => o.includes(x.outcome)).length;
  const refused = n(['refused', 'failed']);
  return [
    h('span', { class: 'done' }, `${W.done_words}: ${num(n(['done']))}`),
    h('span', { class: refused ? 'worse' : null }, `${W.refused_words}: ${num(refused)}`),
    h('span', {}, `${W.skipped_words}: ${num(n(['skipped']))}`),
  ];
}

async function follow(root, W, run) {
  const total = run.total || 0;
  const fill = h('div', { style: 'width: 0%' });
  const label = h('span', { id: 'tidy-progress-label' }, `${W.progress}: ${num(0)} ${W.of} ${num(total)}`);
  const parts = h('div', { class: 'parts' });
  const box = h('div', { class: 'tidy-progress', id: 'tidy-progress' }, label, h('div', { class: 'bar' }, fill), parts);
  clear(root).append(box);
  for (;;) {
    const r = await api.get(`/api/tidy/runs/${run.run}`);
    const n = r.done + r.refused;
    fill.style.width = `${total ? Math.min(100, (100 * n) / total) : 100}%`;
    label.textContent = `${r.finished ? W.finished : W.progress}: ${num(n)} ${W.of} ${num(total)}`;
    if (r.finished) {
      const records = r.records || [];
      clear(parts).append(...outcomes(W, records));
      const refused = records.filter((x) => x.outcome === 'refused' || x.outcome === 'failed');
      if (refused.length) {
        box.append(h('div', { class: 'tidy-refused' }, h('div', { class: 'hint' }, W.refused_list),
          h('ul', {}, ...refused.map((x) => h('li', {}, recordName(W, x), ' — ', x.error || x.outcome_words)))));
      }
      box.classList.add('finished');
      root.dataset.finished = String(r.id);
      return r;
    }
    await sleep(300);
  }
}

function details(root, W, r) {
  clear(root).append(h('h2', {}, `${W.run_of}: ${r.action_name}`), h('div', { class: 'grid-wrap' }, h('table', { class: 'grid tidy-records' },
    h('thead', {}, h('tr', {}, h('th', {}, W.record), h('th', { class: 'text' }, W.before), h('th', { class: 'text' }, W.after), h('th', { class: 'text' }, W.outcome))),
    h('tbody', {}, ...r.records.map((x) => h('tr', { dataset: { outcome: x.outcome } },
      h('td', {}, recordName(W, x)),
      h('td', { class: 'text' }, x.before_text || '—'),
      h('td', { class: 'text' }, x.after_text || '—'),
      // The portal's own reason for a refusal; a skipped record's outcome already says why.
      h('td', { class: `text outcome-${x.outcome}` }, x.outcome_words + (x.error && x.outcome !== 'skipped' ? ` (${x.error})` : ''))))))));
}

async function drawLog(root, W, reload) {
  const log = await api.get('/api/tidy/runs');
  const detail = h('div', { id: 'tidy-run-detail' });
  if (!log.runs.length) {
    clear(root).append(h('h2', {}, W.audit), h('div', { class: 'hint', id: 'tidy-log-empty' }, W.no_runs));
    return;
  }
  clear(root).append(h('h2', {}, W.audit), h('div', { class: 'grid-wrap' }, h('table', { class: 'grid tidy-log', id: 'tidy-log' },
    h('thead', {}, h('tr', {}, h('th', {}, W.when), h('th', { class: 'text' }, W.who), h('th', { class: 'text' }, W.action), h('th', {}, W.done), h('th', {}, W.refused), h('th', {}))),
    h('tbody', {}, ...log.runs.map((r) => h('tr', { dataset: { run: String(r.id), action: r.action } },
      h('td', {}, dateTime(r.created_at)),
      h('td', { class: 'text' }, r.user_name), h('td', { class: 'text' }, r.action_name), h('td', {}, num(r.done)), h('td', {}, num(r.refused)),
      h('td', {}, h('div', { class: 'tidy-run-actions' },
        h('button', { type: 'button', class: 'btn btn-link tidy-details', onclick: async () => {
          try { details(detail, W, await api.get(`/api/tidy/runs/${r.id}`)); } catch (e) { clear(detail).append(errorBox(e)); }
        } }, W.details),
        r.undoable ? h('button', { type: 'button', class: 'btn btn-light tidy-undo', onclick: async () => {
          try { const u = await api.post(`/api/tidy/runs/${r.id}/undo`, {}); await follow(detail, W, u); root.dataset.undone = String(u.run); await drawLog(root, W, reload); } catch (e) { clear(detail).append(errorBox(e)); }
        } }, W.undo) : null))))))), detail);
}

// One group's row: its title, count, amount and the one action that opens it (a done group reads as done).
function groupRow(W, g, open) {
  const amount = g.entity === 'activity' ? '—' : money(g.amount);
  const clean = g.count === 0;
  return h('tr', { class: clean ? 'tidy-group tidy-clean' : 'tidy-group', dataset: { group: g.key } },
    h('td', {}, g.title), h('td', { class: 'num', dataset: { label: W.count } }, num(g.count)),
    h('td', { class: 'num', dataset: { label: W.amount } }, clean ? '—' : amount),
    h('td', {}, clean ? h('span', { class: 'tidy-done' }, W.clean)
      : h('button', { type: 'button', class: 'btn btn-light tidy-open', onclick: () => open(g) }, W.open)));
}

/** Draws the page into `root`. */
export async function renderTidy(root) {
  const data = await api.get('/api/tidy/groups');
  CURRENCY = data.currency || '';
  setZone(data.time_zone);
  const W = data.words;
  const groups = h('div', { id: 'tidy-groups' }); const panel = h('div', { id: 'tidy-panel' }); const log = h('div', { id: 'tidy-audit' });
  clear(root).append(h('div', { class: 'card tidy-head' }, h('h1', {}, W.title), h('p', { class: 'hint' }, W.intro)),
    h('div', { class: 'card' }, groups), panel, h('div', { class: 'card' }, log));
  const reload = () => renderTidy(root);
  const open = (g) => { openGroup(panel, W, data, g, reload); panel.scrollIntoView({ block: 'start' }); };
  if (!data.groups.some((g) => g.count > 0)) groups.append(h('div', { class: 'empty' }, W.empty));
  const rows = [];
  for (const s of SECTIONS) {
    const of = data.groups.filter((g) => (g.section || 'deals') === s);
    if (!of.length) continue;
    rows.push(h('tr', { class: 'subtotal tidy-section' }, h('td', { colspan: '4' }, W.sections[s])));
    rows.push(...of.map((g) => groupRow(W, g, open)));
  }
  if (rows.length) {
    groups.append(h('div', { class: 'grid-wrap' }, h('table', { class: 'grid tidy-groups' },
      h('thead', {}, h('tr', {}, h('th', {}, W.group), h('th', {}, W.count), h('th', {}, W.amount), h('th', {}))),
      h('tbody', {}, ...rows))));
  }
  await drawLog(log, W, reload);
  root.dataset.ready = '1';
}

function openGroup(panel, W, data, g, reload) {
  const deals = g.entity !== 'activity';
  const boxes = g.items.map((i) => h('input', { type: 'checkbox', checked: true, value: String(i.id), class: 'tidy-pick' }));
  const picked = h('span', { class: 'tidy-picked' });
  const count = () => { picked.textContent = `${W.selected}: ${num(boxes.filter((b) => b.checked).length)} ${W.of} ${num(boxes.length)}`; };
  const all = h('input', { type: 'checkbox', checked: true, id: 'tidy-all', title: W.select_all, onchange: () => { boxes.forEach((b) => { b.checked = all.checked; }); count(); } });
  boxes.forEach((b) => b.addEventListener('change', () => { all.checked = boxes.every((x) => x.checked); count(); }));
  count();
  const list = h('div', { class: 'grid-wrap tidy-items-wrap' }, h('table', { class: 'grid tidy-items' },
    h('thead', {}, h('tr', {}, h('th', {}, h('label', { class: 'tidy-check' }, all, W.title_col)), h('th', { class: 'text' }, W.responsible),
      deals ? h('th', { class: 'text' }, W.stage) : null, deals ? h('th', {}, W.amount) : null)),
    h('tbody', {}, ...g.items.map((i, n) => h('tr', { dataset: { id: String(i.id) } },
      h('td', {}, h('span', { class: 'tidy-check' }, boxes[n], recordName(W, i))),
      h('td', { class: 'text' }, i.responsible_name),
      deals ? h('td', { class: 'text' }, i.stage_name || '—') : null,
      deals ? h('td', { class: 'num' }, money(i.amount)) : null)))));
  const meta = h('div', { class: 'meta-line' }, picked, g.items.length < g.count ? h('span', {}, `${W.shown_first}: ${num(g.items.length)} ${W.of} ${num(g.count)}`) : null);
  const out = h('div', { id: 'tidy-result' });
  const head = h('h2', {}, g.title, h('span', { class: 'spacer' }), h('button', { type: 'button', class: 'btn btn-link tidy-collapse', onclick: () => clear(panel) }, W.close_group));
  if (!g.actions.length) { clear(panel).append(h('div', { class: 'card', dataset: { open: g.key } }, head, h('p', { class: 'hint' }, W.no_actions), meta, list)); return; }
  const action = h('select', { id: 'tidy-action' }, ...g.actions.map((a) => h('option', { value: a }, W.actions[a])));
  const to = h('select', { id: 'tidy-to' }, ...data.employees.map((e) => h('option', { value: String(e.id) }, e.name)));
  const deadline = h('input', { type: 'date', id: 'tidy-deadline' });
  const title = h('input', { type: 'text', id: 'tidy-title', value: W.todo_default });
  const reason = h('input', { type: 'text', id: 'tidy-reason' });
  const stage = h('select', { id: 'tidy-stage' }, ...(g.stages || []).map((st) => h('option', { value: st.id }, st.name)));
  const fields = h('div', { class: 'tidy-fields' });
  const drawFields = () => {
    const a = action.value;
    clear(fields).append(...(a === 'reassign' ? [h('label', {}, W.to, to)]
      : a === 'todo' ? [h('label', {}, W.deadline, deadline), h('label', {}, W.todo_title, title)]
        : a === 'close' ? [h('label', {}, W.reason, reason)] : a === 'complete' ? [] : [h('label', {}, W.stage, stage)]));
  };
  action.addEventListener('change', () => { drawFields(); clear(out); }); drawFields();
  const body = () => {
    const ids = boxes.filter((b) => b.checked).map((b) => Number(b.value));
    return { group: g.key, ids: ids.length === boxes.length ? null : ids, action: action.value, to: Number(to.value),
      deadline: deadline.value, title: title.value, reason: reason.value, stage: stage.value };
  };
  const next = h('button', { type: 'button', class: 'btn btn-primary', id: 'tidy-preview', onclick: async () => {
    try {
      const req = body(); const p = await api.post('/api/tidy/preview', req);
      clear(out).append(h('div', { class: 'tidy-confirm', id: 'tidy-confirm' }, h('div', { class: 'tidy-confirm-title' }, W.confirm_title),
        h('p', { id: 'tidy-confirm-text' }, p.text),
        h('div', { class: 'filter-actions' },
          h('button', { type: 'button', class: 'btn btn-primary', id: 'tidy-go', onclick: async () => {
            try { const run = await api.post('/api/tidy/runs', req); await follow(out, W, run); await drawLog(document.getElementById('tidy-audit'), W, reload); } catch (e) { clear(out).append(errorBox(e)); }
          } }, W.confirm),
          h('button', { type: 'button', class: 'btn btn-light', onclick: () => clear(out) }, W.cancel))));
    } catch (e) { clear(out).append(errorBox(e)); }
  } }, W.preview);
  const bar = h('div', { class: 'filters tidy-bar' }, h('label', {}, W.action, action), fields, h('div', { class: 'filter-actions' }, next));
  clear(panel).append(h('div', { class: 'card tidy-open-group', dataset: { open: g.key } }, head, meta, list, bar, out));
}
