// Runs inside the preview iframe before samtykke.js: it answers the
// snippet's config request with the draft config the dashboard sends by
// postMessage, and swallows impressions and receipts, so the real banner
// shows unsaved changes and a preview counts and stores nothing.
const me = document.currentScript as HTMLScriptElement;
const site = me.dataset.site || 'preview';
const lang = me.dataset.lang || 'en';
const w = window as any;

// Start as a first-time visitor every time.
document.cookie = 'samtykke=; Max-Age=0; Path=/';
try {
  localStorage.removeItem('samtykke_outbox');
  localStorage.removeItem('samtykke_last');
} catch {}

let layer = 'banner';
const config = new Promise<unknown>((resolve) => {
  addEventListener('message', (e) => {
    if (e.origin != location.origin || e.source != parent) return;
    if (e.data?.type == 'samtykke-preview-config') {
      layer = e.data.layer || 'banner';
      resolve(e.data.config);
    }
  });
});
parent.postMessage({ type: 'samtykke-preview-ready' }, location.origin);

const realFetch = window.fetch.bind(window);
window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
  const url = new URL(typeof input == 'string' || input instanceof URL ? String(input) : input.url, location.href);
  if (url.origin == location.origin && url.pathname.startsWith('/v1/sites/')) {
    if (url.pathname.endsWith('/config')) {
      return config.then((c) => {
        if (layer == 'settings') setTimeout(() => w.samtykke?.show(), 0);
        return new Response(JSON.stringify(c), { status: 200, headers: { 'Content-Type': 'application/json' } });
      });
    }
    return Promise.resolve(new Response(null, { status: 204 }));
  }
  return realFetch(input, init);
};
navigator.sendBeacon = () => true;

// The banner moves focus into itself when it opens, as it should on a real
// page. In the preview that would pull the owner's cursor out of the form
// field they are typing in every time the preview redraws, so focus moves
// only while the preview itself has focus (after a click into it).
const realFocus = HTMLElement.prototype.focus;
HTMLElement.prototype.focus = function (this: HTMLElement, o?: FocusOptions) {
  if (document.hasFocus()) realFocus.call(this, o);
};

const s = document.createElement('script');
s.src = '/samtykke.js';
s.setAttribute('data-site', site);
s.setAttribute('data-lang', lang);
document.head.append(s);
