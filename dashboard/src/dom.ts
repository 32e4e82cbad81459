// A small element builder: the UI never puts text from the server into
// innerHTML, so names, texts and ids cannot inject markup.

type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;
export type Child = Node | string | number | null | undefined | false | Child[];

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v == 'function') el.addEventListener(k.slice(2), v as EventListener);
    else if (k == 'value' && 'value' in el) (el as HTMLInputElement).value = String(v);
    else if (k == 'checked' && 'checked' in el) (el as HTMLInputElement).checked = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: Child[]) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c == 'object' ? c : document.createTextNode(String(c)));
  }
}

export function clear(el: Element, ...children: Child[]) {
  el.replaceChildren();
  append(el, children);
}

/** A region that scrolls sideways on a phone and can be reached by keyboard. */
export function scroller(label: string, ...children: Child[]) {
  return h('div', { class: 'scroll', role: 'region', 'aria-label': label, tabindex: 0 }, ...children);
}

let announcer: HTMLElement | null = null;
/** Tells screen-reader users what just happened, without moving focus. */
export function announce(msg: string) {
  announcer ??= document.getElementById('announcer');
  if (announcer) {
    announcer.textContent = '';
    setTimeout(() => (announcer!.textContent = msg), 30);
  }
}

let seq = 0;
export const uid = (p: string) => `${p}-${++seq}`;
