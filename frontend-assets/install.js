// Finishes the marketplace install inside the portal (BX24.installFinish); harmless without BX24.js.
if (window.BX24 && typeof window.BX24.init === 'function') {
  window.BX24.init(function () { window.BX24.installFinish(); });
}
