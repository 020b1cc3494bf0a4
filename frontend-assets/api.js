// Calls to the app's JSON API with the page's signed session. Errors become {status, message, field}.
let SESSION = '';
export function setSession(s) { SESSION = s; }
export async function call(method, path, body) {
  const opts = { method, headers: { 'x-b24a-session': SESSION } };
  if (body !== undefined) { opts.headers['content-type'] = 'application/json'; opts.body = JSON.stringify(body); }
  const r = await fetch(path, opts);
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
