// Calls to the app's JSON API with the page's signed session. Errors become {status, message, field}.
// The session is short-lived: on a 401 the page trades the launch's renewal token for a fresh session once
// (POST /api/session/renew, see docs/UI.md "Sessions") and repeats the call; when renewal is refused the 401
// stands and the page asks the user to reopen the app.
let SESSION = '';
let RENEW = '';
let renewing = null;
export function setSession(s, renew) { SESSION = s; if (renew !== undefined) RENEW = renew || ''; }
async function renewSession() {
  if (!RENEW) return false;
  if (!renewing) {
    renewing = fetch('/api/session/renew', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ renew: RENEW }) })
      .then(async (r) => { if (!r.ok) { RENEW = ''; return false; } const j = await r.json(); SESSION = j.session; return true; })
      .catch(() => false)
      .finally(() => { setTimeout(() => { renewing = null; }, 0); });
  }
  return renewing;
}
export async function call(method, path, body, retried) {
  const opts = { method, headers: { 'x-b24a-session': SESSION } };
  if (body !== undefined) { opts.headers['content-type'] = 'application/json'; opts.body = JSON.stringify(body); }
  const r = await fetch(path, opts);
  if (r.status === 401 && !retried && await renewSession()) return call(method, path, body, true);
  const ct = r.headers.get('content-type') || '';
  if (!r.ok) {
    let e = { status: r.status, message: r.statusText, field: null };
    if (ct.includes('json')) { try { const j = await r.json(); e.message = j.message; e.field = j.field; } catch (_) { /* keep status text */ } }
    throw e;
  }
  if (ct.includes('json')) return r.json();
  return r.blob();
}
export const get = (p) => call('GET', p);
export const post = (p, b) => call('POST', p, b);
export const put = (p, b) => call('PUT', p, b);
export const del = (p) => call('DELETE', p);
/** Downloads a POST answer as a file (exports). */
export async function download(path, body, filename) {
  const blob = await call('POST', path, body);
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob); a.download = filename; document.body.appendChild(a); a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}
/** Downloads a POST answer as a file under the name the server gives (Content-Disposition filename*). */
export async function downloadNamed(path, body) {
  const r = await fetch(path, { method: 'POST', headers: { 'x-b24a-session': SESSION, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!r.ok) throw { status: r.status, message: r.statusText, field: null };
  const cd = r.headers.get('content-disposition') || '';
  const star = cd.match(/filename\*=UTF-8''([^;]+)/i); const plain = cd.match(/filename="([^"]+)"/i);
  const name = star ? decodeURIComponent(star[1]) : plain ? plain[1] : 'export.xlsx';
  const blob = await r.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob); a.download = name; document.body.appendChild(a); a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}
