// The R3 bonus rule on the plan report: the threshold slider (80–110 %, default 100 %) or a ladder of steps
// (from X % done, Y % of the bonus). It only shapes the request's `plan_options`; the server validates and computes.
import { h, clear } from './dom.js';
import { t } from './i18n.js';

export const defaultPlanOptions = () => ({ threshold_pct: 100, ladder: [] });
const EXAMPLE = [{ percent_done: 80, bonus_share: 50 }, { percent_done: 100, bonus_share: 100 }, { percent_done: 120, bonus_share: 150 }];

/** Renders the rule into `root`; calls `apply(options)` when the user changes it. */
export function renderBonusRule(root, options, apply) {
  clear(root);
  const o = JSON.parse(JSON.stringify(options));
  const mode = o.ladder.length ? 'ladder' : 'threshold';
  const body = h('div', { class: 'bonus-body' });
  const radio = (value) => h('label', { class: 'bonus-mode' }, h('input', { type: 'radio', name: 'bonus-mode', value, checked: mode === value,
    onchange: () => { if (value === 'ladder') { o.ladder = EXAMPLE.map((s) => ({ ...s })); } else { o.ladder = []; } apply(o); } }), t(value));
  if (mode === 'threshold') {
    const out = h('output', { class: 'bonus-value' }, `${o.threshold_pct} %`);
    const slider = h('input', { type: 'range', name: 'threshold', min: 80, max: 110, step: 1, value: o.threshold_pct,
      oninput: (e) => { out.textContent = `${e.target.value} %`; }, onchange: (e) => { o.threshold_pct = Number(e.target.value); apply(o); } });
    body.append(h('div', { class: 'bonus-threshold' }, h('span', {}, '80 %'), slider, h('span', {}, '110 %'), out), h('div', { class: 'hint' }, t('threshold_hint')));
  } else {
    const rows = o.ladder.map((s, i) => h('div', { class: 'bonus-step' },
      h('label', {}, t('step_done'), h('input', { type: 'number', name: `step-done-${i}`, min: 1, max: 500, value: s.percent_done, onchange: (e) => { s.percent_done = Number(e.target.value); } })),
      h('label', {}, t('step_share'), h('input', { type: 'number', name: `step-share-${i}`, min: 0, max: 1000, value: s.bonus_share, onchange: (e) => { s.bonus_share = Number(e.target.value); } })),
      h('button', { type: 'button', class: 'btn btn-link', title: t('remove'), onclick: () => { o.ladder.splice(i, 1); apply(o); } }, '×')));
    body.append(h('div', { class: 'bonus-steps' }, rows,
      o.ladder.length < 10 ? h('button', { type: 'button', class: 'btn btn-light', name: 'add-step', onclick: () => { const last = o.ladder[o.ladder.length - 1]; o.ladder.push({ percent_done: last ? last.percent_done + 20 : 100, bonus_share: last ? last.bonus_share + 50 : 100 }); apply(o); } }, t('add_step')) : null,
      h('button', { type: 'button', class: 'btn btn-primary', name: 'apply-ladder', onclick: () => apply(o) }, t('apply'))),
    h('div', { class: 'hint' }, t('ladder_hint')));
  }
  root.append(h('section', { class: 'card bonus-rule' }, h('h2', {}, t('bonus_rules'), h('span', { class: 'spacer' }), radio('threshold'), radio('ladder')), body));
}
