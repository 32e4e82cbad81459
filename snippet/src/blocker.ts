// Keeps scripts inert until their purpose is granted, then runs them in
// document order without a reload. Three kinds:
// - tags the owner marked: <script type="text/plain" data-samtykke="statistics">
//   (inline or with src) and <template data-samtykke="marketing">;
// - unmodified vendor snippets: parser-inserted <script src> tags are caught
//   by a MutationObserver before they run, and scripts their loaders create
//   are caught when their src is set, before they are inserted;
// - anything else that sets a tracker src on a script element.
// A blocked script gets type="text/plain"; releasing it re-creates it.
import { purposesForUrl } from './trackers.ts';
import type { Optional } from './types.ts';

interface Entry {
  el: HTMLScriptElement | HTMLTemplateElement;
  need: Optional[];
  /** Owner-marked tags need every purpose listed; tracker URLs need any one. */
  all: boolean;
  /** The type to restore. */
  type: string | null;
  /** A blocked tracker URL, kept out of the src attribute until released. */
  src?: string;
}

export type Allowed = (need: Optional[], all: boolean) => boolean;

const PLAIN = 'text/plain';

export function blocker(allowed: Allowed) {
  const blocked: Entry[] = [];
  const queue: Entry[] = [];
  const own = new WeakSet<Element>();
  let running = false;
  const proto = HTMLScriptElement.prototype;
  const srcProp = Object.getOwnPropertyDescriptor(proto, 'src')!;
  const typeProp = Object.getOwnPropertyDescriptor(proto, 'type')!;
  const setAttr = Element.prototype.setAttribute;
  const entry = (el: Element) => blocked.find((e) => e.el == el);

  /** Blocks el if src is a tracker whose purpose is not granted; true if so. */
  const check = (el: HTMLScriptElement, src: string) => {
    const e = entry(el);
    if (e) return !!(e.src = src);
    const need = purposesForUrl(src, document.baseURI);
    if (!need || allowed(need, false)) return false;
    blocked.push({ el, need, all: false, type: el.getAttribute('type'), src });
    setAttr.call(el, 'type', PLAIN);
    setAttr.call(el, 'data-samtykke-src', src);
    return true;
  };

  Object.defineProperty(proto, 'src', {
    ...srcProp,
    set(this: HTMLScriptElement, v: string) {
      if (!check(this, String(v))) srcProp.set!.call(this, v);
    },
  });
  Object.defineProperty(proto, 'type', {
    ...typeProp,
    set(this: HTMLScriptElement, v: string) {
      const e = entry(this);
      if (e) e.type = String(v);
      else typeProp.set!.call(this, v);
    },
  });
  Element.prototype.setAttribute = function (this: Element, name: string, v: string) {
    if (this instanceof HTMLScriptElement) {
      const n = name.toLowerCase();
      if (n == 'src' && check(this, String(v))) return;
      const e = n == 'type' && entry(this);
      if (e) return void (e.type = String(v));
    }
    return setAttr.call(this, name, v);
  };

  // Owner-marked tags.
  const mark = (el: HTMLScriptElement | HTMLTemplateElement) => {
    if (own.has(el) || (el instanceof HTMLScriptElement && el.getAttribute('type') != PLAIN)) return;
    own.add(el);
    const need = (el.getAttribute('data-samtykke') || '').split(/[\s,]+/).filter((p) => p && p != 'necessary') as Optional[];
    const e: Entry = { el, need, all: true, type: el.getAttribute('data-type') };
    blocked.push(e);
    if (allowed(need, true)) release();
  };

  const scan = (n: Node) => {
    if (n instanceof HTMLScriptElement) {
      if (n.hasAttribute('data-samtykke')) mark(n);
      else if (n.src && !own.has(n) && check(n, n.getAttribute('src')!)) n.removeAttribute('src');
    } else if (n instanceof HTMLTemplateElement) {
      if (n.hasAttribute('data-samtykke')) mark(n);
    } else if (n instanceof Element && n.firstElementChild) {
      n.querySelectorAll('script,template').forEach(scan);
    }
  };

  // Runs in a microtask after the parser inserts a <script>, which is before
  // the parser runs it (HTML: a microtask checkpoint precedes the script end tag).
  new MutationObserver((ms) => ms.forEach((m) => m.addedNodes.forEach(scan))).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });

  const next = () => {
    running = false;
    pump();
  };

  // One entry at a time, so that a script with src finishes before the
  // tags after it run, as the parser would have done.
  const pump = () => {
    const e = !running && queue.shift();
    if (!e) return;
    running = true;
    const el = e.el;
    if (el instanceof HTMLTemplateElement) {
      const frag = document.importNode(el.content, true);
      const inner: Entry[] = [];
      frag.querySelectorAll('script').forEach((s) => {
        own.add(s);
        inner.push({ el: s, need: [], all: true, type: s.getAttribute('type') });
        setAttr.call(s, 'type', PLAIN);
      });
      el.after(frag);
      queue.unshift(...inner);
      return next();
    }
    if (!el.isConnected) {
      // Created but never inserted: it runs where its loader puts it.
      if (e.type == null) el.removeAttribute('type');
      else setAttr.call(el, 'type', e.type);
      if (e.src) srcProp.set!.call(el, e.src);
      return next();
    }
    const s = document.createElement('script');
    const src = e.src || el.getAttribute('src');
    for (const a of Array.from(el.attributes)) if (!/^(type|src|data-type|data-samtykke-src)$/.test(a.name)) setAttr.call(s, a.name, a.value);
    if (e.type) s.setAttribute('type', e.type);
    s.nonce = el.nonce;
    const wait = !!src && !el.hasAttribute('async');
    if (src) {
      s.async = !wait;
      s.setAttribute('src', src); // checked again: a tag marked "statistics" that loads an ad script stays blocked
    } else s.text = el.text;
    const go = wait && !entry(s);
    if (go) s.onload = s.onerror = next;
    own.add(s);
    el.replaceWith(s);
    if (!go) next();
  };

  /** Runs every blocked tag whose purposes are now granted, in document order. */
  function release() {
    document.querySelectorAll('script[data-samtykke],template[data-samtykke]').forEach(scan);
    const ready = blocked.filter((e) => allowed(e.need, e.all));
    ready.sort((a, b) => (a.el.compareDocumentPosition(b.el) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
    for (const e of ready) blocked.splice(blocked.indexOf(e), 1);
    queue.push(...ready);
    pump();
  }

  document.querySelectorAll('script[data-samtykke],template[data-samtykke]').forEach(scan);
  return { release, blocked: () => blocked.length };
}
