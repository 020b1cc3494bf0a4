// Links to records in the portal: inside the portal the card opens in Bitrix24's slider (BX24.openPath); outside
// (demo, tests, a plain browser tab) it is a normal link to https://<portal>/<path>.
import { h } from './dom.js';
let ORIGIN = '';
export function setOrigin(o) { ORIGIN = o; }
export function inPortal() { return !!(window.BX24 && typeof window.BX24.openPath === 'function' && window.parent !== window); }
export function cardLink(path, text) {
  const href = ORIGIN + path;
  return h('a', {
    href, target: '_blank', rel: 'noopener', dataset: { path },
    onclick: (ev) => { if (inPortal()) { ev.preventDefault(); window.BX24.openPath(path, () => {}); } },
  }, text);
}
