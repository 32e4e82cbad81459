// Keeps scripts inert until their purpose is granted, then runs them in
// document order without a reload. Three kinds:
// - tags the owner marked: <script type="text/plain" data-samtykke="statistics">
//   (inline or with src), and markup in <template data-samtykke="marketing">
//   or <script type="text/html" data-samtykke="marketing">;
// - unmodified vendor snippets: parser-inserted <script src> tags are caught
//   by a MutationObserver before they run (moved out of the document, where
//   Firefox has already prepared them), scripts their loaders create are
//   caught when their src is set, and parsed fragments as they are inserted;
// - anything else that sets a tracker src on a script element.
// A blocked script gets type="text/plain"; releasing it re-creates it.
import type { Optional } from './types.ts';
import type { TagKind } from './warnings.ts';

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
/** The purposes of which one must be granted before url may load, or null when it is no tracker. */
export type Classify = (url: string) => Optional[] | null;
/** Told of each tracker tag held in a form the owner should fix. */
export type Seen = (kind: TagKind, url: string, el: Element) => void;

const PLAIN = 'text/plain';

export function blocker(allowed: Allowed, classify: Classify, seen: Seen) {
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
  const check = (el: HTMLScriptElement, src: string, parsed = false) => {
    const e = entry(el);
    if (e) return !!(e.src = src);
    const need = classify(src);
    if (!need || allowed(need, false)) return false;
    // A loader in an inline <script> of the page (a vendor's snippet, pasted as published).
    const by = document.currentScript;
    if (!parsed && by && !by.hasAttribute('src') && !own.has(by)) seen('inline', src, el);
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
    if (own.has(el) || (el instanceof HTMLScriptElement && !/^text\/(plain|html)$/.test(el.getAttribute('type')!))) return;
    own.add(el);
    const need = (el.getAttribute('data-samtykke') || '').split(/[\s,]+/).filter((p) => p && p != 'necessary') as Optional[];
    const e: Entry = { el, need, all: true, type: el.getAttribute('data-type') };
    blocked.push(e);
    if (allowed(need, true)) release();
  };

  // Firefox prepares a parser-inserted script (from the HTML or from
  // document.write) before this observer runs, so a new type comes too late
  // there. A script moved to another document before it runs never runs (HTML:
  // "execute the script element" compares its preparation-time document), so
  // the original leaves for an inert document and an inert copy keeps its place.
  const inert = document.implementation.createHTMLDocument('');
  const defuse = (n: HTMLScriptElement) => {
    const copy = document.createElement('script');
    for (const a of Array.from(n.attributes)) if (a.name != 'src') setAttr.call(copy, a.name, a.value);
    copy.nonce = n.nonce;
    own.add(copy);
    own.add(n);
    entry(n)!.el = copy;
    n.replaceWith(copy);
    inert.body.append(n);
  };

  const scan = (n: Node) => {
    if (n instanceof HTMLScriptElement) {
      if (n.hasAttribute('data-samtykke')) mark(n);
      else if (n.src && !own.has(n) && check(n, n.getAttribute('src')!, true)) {
        defuse(n);
        seen('script', n.getAttribute('src')!, n);
      }
    } else if (n instanceof HTMLTemplateElement) {
      if (n.hasAttribute('data-samtykke')) mark(n);
    } else if (n instanceof Element && n.firstElementChild) {
      n.querySelectorAll('script,template').forEach(scan);
    }
  };

  // A script whose src came from a parser (createContextualFragment, a
  // cloned template) runs as soon as it is inserted, before any observer:
  // check such scripts as they are inserted.
  const hold = (s: HTMLScriptElement) =>
    !own.has(s) &&
    s.hasAttribute('src') &&
    !s.hasAttribute('data-samtykke') &&
    check(s, s.getAttribute('src')!) &&
    s.removeAttribute('src');
  const guard = (n: unknown) => {
    // Nodes already in the document are being moved, not inserted: they ran or were held already.
    if (!(n instanceof Element || n instanceof DocumentFragment) || n.isConnected) return;
    if (n instanceof HTMLScriptElement) hold(n);
    else n.querySelectorAll('script[src]').forEach((s) => hold(s as HTMLScriptElement));
  };
  for (const [o, names] of [
    [Node.prototype, ['appendChild', 'insertBefore', 'replaceChild']],
    [Element.prototype, ['append', 'prepend', 'before', 'after', 'replaceWith']],
  ] as const)
    for (const k of names) {
      const f = (o as any)[k];
      (o as any)[k] = function (this: Node, ...a: unknown[]) {
        a.forEach(guard);
        return f.apply(this, a);
      };
    }

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
    // Markup: a <template>, or a <script type="text/html"> whose text no
    // preload scanner reads (Firefox fetches images inside a <template>);
    // a script inside it is written with <\/script>, as in document.write.
    const html = el instanceof HTMLScriptElement && el.type == 'text/html';
    if (html || el instanceof HTMLTemplateElement) {
      const frag = html
        ? document.createRange().createContextualFragment(el.text.replace(/<\\\/script/gi, '</script'))
        : document.importNode((el as HTMLTemplateElement).content, true);
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
    if (!el.isConnected || (e.src && !own.has(el))) {
      // Created by a loader: the element itself runs, inserted or not, so
      // that the handlers its loader set on it (UET's onload starts the tag)
      // still fire. A connected script without src is prepared again when
      // its src is set.
      if (e.type == null) el.removeAttribute('type');
      else setAttr.call(el, 'type', e.type);
      el.removeAttribute('data-samtykke-src');
      if (e.src) srcProp.set!.call(el, e.src);
      return next();
    }
    const s = document.createElement('script');
    const src = e.src || el.getAttribute('src');
    for (const a of Array.from(el.attributes))
      if (!/^(type|src|data-type|data-samtykke-src)$/.test(a.name)) setAttr.call(s, a.name, a.value);
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
