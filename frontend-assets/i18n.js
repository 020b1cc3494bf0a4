// The page's words (sent by the server in the page config) and locale formatting of numbers, money, dates.
// Metric definitions come from the server (/api/definitions).
// The words come from the server (the page config's `words`, crates/server/src/page_words.rs): the page keeps no
// copy of its own and shows the key only when the server sent no word for it (a test finds those).
let WORDS = {};
export function setWords(w) { WORDS = w || {}; }
export let LANG = 'ru';
export function setLang(l) { LANG = l === 'en' ? 'en' : 'ru'; }
export function t(key) { const w = WORDS[key]; return typeof w === 'string' ? w : key; }
const loc = () => (LANG === 'en' ? 'en-US' : 'ru-RU');
export function num(v, digits = 0) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  return new Intl.NumberFormat(loc(), { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(v);
}
export function money(v, currency) {
  if (v === null || v === undefined) return '—';
  // No base currency known: a plain number, never an assumed currency.
  if (!currency) return num(v);
  try {
    return new Intl.NumberFormat(loc(), { style: 'currency', currency, currencyDisplay: 'narrowSymbol', maximumFractionDigits: 0 }).format(v);
  } catch (_) { return num(v) + ' ' + (currency || ''); }
}
// The currency as the money cells print it (₽, $, €), for column headers; the code only when there is no sign.
export function currencySign(currency) {
  if (!currency) return '';
  try {
    const part = new Intl.NumberFormat(loc(), { style: 'currency', currency, currencyDisplay: 'narrowSymbol' }).formatToParts(0).find((p) => p.type === 'currency');
    return part ? part.value : currency;
  } catch (_) { return currency; }
}
export function date(ts) {
  if (!ts) return '—';
  return new Intl.DateTimeFormat(loc(), { day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date(ts * 1000));
}
// The portal's time zone (IANA name or "+03:00", from the answer's meta): instants are shown on the portal's clock.
let ZONE;
export function setZone(z) {
  ZONE = undefined;
  // A fixed offset of whole hours as the IANA "Etc/GMT∓h" zone (its sign is inverted by definition).
  const m = typeof z === 'string' && z.match(/^([+-])(\d{2}):00$/);
  if (m) z = Number(m[2]) === 0 ? 'UTC' : `Etc/GMT${m[1] === '+' ? '-' : '+'}${Number(m[2])}`;
  try { if (z) { new Intl.DateTimeFormat('en-US', { timeZone: z }); ZONE = z; } } catch (_) { /* unknown to this browser: its own zone */ } }
const zoned = (opts) => (ZONE ? { ...opts, timeZone: ZONE } : opts);
const yearOf = (d) => new Intl.DateTimeFormat('en-US', zoned({ year: 'numeric' })).format(d);
// A day and time; the year is shown whenever it is not the current one ("16 дек. 2024 г., 09:03"), so an old
// date never reads like a coming one.
export function dateTime(ts) {
  if (!ts) return '—';
  const d = new Date(ts * 1000);
  const opts = { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' };
  if (yearOf(d) !== yearOf(new Date())) opts.year = 'numeric';
  return new Intl.DateTimeFormat(loc(), zoned(opts)).format(d);
}
export function isoDay(s) {
  if (!s) return '—';
  const d = new Date(s + 'T00:00:00');
  return Number.isNaN(d.getTime()) ? s : new Intl.DateTimeFormat(loc(), { day: '2-digit', month: '2-digit', year: 'numeric' }).format(d);
}
export function value(v, unit, currency) {
  switch (unit) {
    case 'money': return money(v, currency);
    case 'percent': return v === null || v === undefined ? '—' : num(v, 1) + ' %';
    // A difference of two percents: percentage points, never "%".
    case 'points': return v === null || v === undefined ? '—' : num(v, 1) + '\u00a0' + t('pp');
    case 'days': return v === null || v === undefined ? '—' : num(v, 1);
    case 'minutes': return num(v, 0);
    case 'index': return num(v, 0);
    case 'instant': return dateTime(v);
    default: return num(v, 0);
  }
}
