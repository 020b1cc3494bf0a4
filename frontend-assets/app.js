// The app page: reads the config the server embedded, draws the tabs of the reports this user may open (plus
// settings for administrators), the filter bar and the report. No framework, no build step.
import { h, clear } from './dom.js';
import { t, setLang, setWords, setZone, LANG } from './i18n.js';
import * as api from './api.js';
import { setOrigin } from './links.js';
import { defaultFilter, renderFilters } from './filters.js';
import { renderAnswer, loadReport, setDefinitions, setFoldUser } from './report.js';
import { renderSettings } from './settings.js';
import { renderTidy } from './tidy.js';
import { startProgress } from './progress.js';
import { closeSlider } from './slider.js';
import { defaultPlanOptions, renderBonusRule } from './bonus.js';

const cfgEl = document.getElementById('b24a-config');
const CFG = cfgEl ? JSON.parse(cfgEl.textContent) : null;

function fail(root, e) {
  const text = e.status === 401 ? t('session_expired') : e.status === 403 ? t('forbidden') : `${t('error')}: ${e.message || e}`;
  clear(root).append(h('div', { class: 'error-box' }, text));
}

// The width the server draws charts at: the content column less the card's padding, so a chart fits a phone
// without shrinking its text (360–1000 px).
function chartWidth(content) { return Math.max(360, Math.min(1000, Math.floor((content.clientWidth || 1000) - 40))); }

async function boot() {
  if (!CFG) return;
  setLang(CFG.lang); setWords(CFG.words); setFoldUser(CFG.userId || CFG.userName); api.setSession(CFG.session, CFG.renew); setOrigin(CFG.portalOrigin);
  if (window.BX24 && typeof window.BX24.init === 'function') window.BX24.init(() => { try { window.BX24.fitWindow(); } catch (_) { /* not inside a portal */ } });
  const tabs = document.getElementById('tabs'); const content = document.getElementById('content');
  if (!tabs || !content) return;
  const pages = CFG.reports.slice(); if (CFG.tidy) pages.push({ id: 'tidy', title: CFG.tidy }); if (CFG.isAdmin) pages.push({ id: 'settings', title: t('settings') });
  let dicts = { users: [], departments: [], pipelines: [], sources: [], projects: [] };
  try {
    const [d, defs] = await Promise.all([api.get('/api/dictionaries'), api.get('/api/definitions')]);
    dicts = d; setDefinitions(defs);
  } catch (e) { fail(content, e); return; }
  const filters = {};
  let planOptions = defaultPlanOptions();
  let planLoaded = false;
  const show = async () => {
    closeSlider();
    const id = (location.hash.slice(1) || (pages[0] && pages[0].id) || '');
    clear(tabs).append(...pages.map((p) => h('a', { href: '#' + p.id, class: p.id === id ? 'active' : null, dataset: { report: p.id } }, p.title)));
    clear(content);
    if (id === 'settings') { try { await renderSettings(content, dicts, CFG.enabled); } catch (e) { fail(content, e); } document.body.dataset.loaded = 'settings'; return; }
    if (id === 'tidy' && CFG.tidy) { try { await renderTidy(content); } catch (e) { fail(content, e); } document.body.dataset.loaded = 'tidy'; return; }
    if (!pages.find((p) => p.id === id)) { fail(content, { status: 403 }); return; }
    if (!filters[id]) {
      let saved = null; try { saved = await api.get(`/api/presets/${id}`); } catch (_) { /* no preset */ }
      filters[id] = saved && saved.period ? saved : defaultFilter(id);
      // No comparison where the page shows none (an older saved filter may still ask for one).
      if (id === 'plan' || id === 'forget_me_not' || id === 'linked') filters[id].compare = 'none';
    }
    const bar = h('div', { id: 'filter-bar' }); const body = h('div', { id: 'report-body' }, h('div', { class: 'card' }, t('loading')));
    const rule = id === 'plan' ? h('div', { id: 'bonus-rule' }) : null;
    content.append(...[bar, rule, body].filter(Boolean));
    const ctx = {
      report: id, filter: filters[id], dicts, currency: '', isAdmin: CFG.isAdmin,
      exportBlock: (key) => api.downloadNamed(`/api/reports/${id}/export`, { filter: ctx.filter, block: key, plan_options: opts() }).catch((e) => fail(body, e)),
      exportAll: () => api.downloadNamed(`/api/reports/${id}/export`, { filter: ctx.filter, plan_options: opts() }).catch((e) => fail(body, e)),
    };
    const opts = () => (id === 'plan' ? planOptions : null);
    if (rule && !planLoaded) { try { planOptions = await api.get('/api/presets/plan/bonus'); } catch (_) { /* default rule */ } planLoaded = true; }
    const drawRule = () => { if (rule) renderBonusRule(rule, planOptions, (o) => { planOptions = o; drawRule(); run(filters[id]); api.put('/api/presets/plan/bonus', o).catch(() => {}); }); };
    drawRule();
    const run = async (f) => {
      filters[id] = f; ctx.filter = f;
      renderFilters(bar, id, dicts, f, (nf) => { run(nf); api.put(`/api/presets/${id}`, { filter: nf }).catch(() => {}); });
      clear(body).append(h('div', { class: 'card' }, t('loading')));
      try { const a = await loadReport(id, f, opts(), chartWidth(content)); ctx.currency = a.meta.currency; setZone(a.meta.time_zone); renderAnswer(body, id, a, ctx); document.body.dataset.loaded = id; } catch (e) {
        fail(body, e);
        document.body.dataset.loaded = id;
      }
    };
    await run(filters[id]);
  };
  window.addEventListener('hashchange', show);
  // Redraw when the import moves on, but never under the user's hands: not in settings, not with a list open.
  startProgress(document.getElementById('progress'), LANG, () => { const s = document.getElementById('slider'); if (!['settings', 'tidy'].includes(location.hash.slice(1)) && (!s || s.hidden)) show(); });
  await show();
}
boot();
