// The small DOM helpers both bundles use: h() builds elements, shadow() gives
// a host an open shadow root with the banner's stylesheet (a constructable
// one, so a CSP without 'unsafe-inline' still allows it). CSS is set per
// bundle by build.mjs: samtykke.js carries only what the "Cookie settings"
// button needs, samtykke-ui.js the whole sheet.
declare const CSS: string;

export type Kid = Node | string | false | null | undefined;

export function h(tag: string, attrs: Record<string, any> = {}, ...kids: Kid[]): HTMLElement {
  const el = document.createElement(tag);
  for (const k in attrs) {
    const v = attrs[k];
    if (k.startsWith('on')) (el as any)[k] = v;
    else if (v != null && v !== false) el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids) if (kid || kid === '') el.append(kid);
  return el;
}

let sheet: CSSStyleSheet | undefined;

/** An open shadow root on host with the banner's stylesheet. */
export function shadow(host: HTMLElement, nonce: string): ShadowRoot {
  const root = host.attachShadow({ mode: 'open' });
  try {
    if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch {
    root.append(h('style', { nonce: nonce || null }, CSS));
  }
  return root;
}

/** A fresh host element with this id at the end of <body>, replacing any earlier one. */
export function mount(id: string, nonce: string): [HTMLElement, ShadowRoot] {
  document.getElementById(id)?.remove();
  const host = h('div', { id });
  const root = shadow(host, nonce);
  (document.body || document.documentElement).append(host);
  return [host, root];
}
