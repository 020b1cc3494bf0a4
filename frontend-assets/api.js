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
/** One request with the page's session; a 401 renews the session once and repeats the request. */
async function send(method, path, body, retried) {
  const opts = { method, headers: { 'x-b24a-session': SESSION } };
  if (body !== undefined) { opts.headers['content-type'] = 'application/json'; opts.body = JSON.stringify(body); }
  const r = await fetch(path, opts);
  if (r.status === 401 && !retried && await renewSession()) return send(method, path, body, true);
  return r;
}
/** A refused answer as {status, message, field}: the server's worded message when it sent one. */
async function failure(r) {
  const e = { status: r.status, message: r.statusText, field: null };
  if ((r.headers.get('content-type') || '').includes('json')) {
    try { const j = await r.json(); e.message = j.message; e.field = j.field; } catch (_) { /* keep status text */ }
  }
  return e;
}
export async function call(method, path, body) {
  const r = await send(method, path, body);
  if (!r.ok) throw await failure(r);
  if ((r.headers.get('content-type') || '').includes('json')) return r.json();
  return r.blob();
}
export const get = (p) => call('GET', p);
export const post = (p, b) => call('POST', p, b);
export const put = (p, b) => call('PUT', p, b);
export const del = (p) => call('DELETE', p);
/** Downloads a POST answer as a file under the name the server gives (Content-Disposition filename*); an expired
 * session is renewed like any other call. Resolves to the file's name and size. */
export async function downloadNamed(path, body) {
  const r = await send('POST', path, body);
  if (!r.ok) throw await failure(r);
  const cd = r.headers.get('content-disposition') || '';
  const star = cd.match(/filename\*=UTF-8''([^;]+)/i); const plain = cd.match(/filename="([^"]+)"/i);
  const name = star ? decodeURIComponent(star[1]) : plain ? plain[1] : 'export.xlsx';
  const blob = await r.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob); a.download = name; document.body.appendChild(a); a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  return { name, size: blob.size };
}
