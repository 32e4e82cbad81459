// Embeds (a YouTube player, a map, a custom vendor's widget) wait behind a
// placeholder of the same size that names the vendor and offers to load it.
// The iframe itself stays where the page put it, hidden and without its
// src, so that page scripts holding it (the YouTube IFrame API) keep working.
// Owners may mark an embed: <iframe data-samtykke="marketing"
// data-samtykke-src="https://www.youtube.com/embed/…">; unmarked iframes of
// embed vendors are caught as their src is set, or as the parser inserts
// them (then the browser may have begun the request: see the README).
import type { Match } from './rules.ts';
import type { Optional } from './types.ts';

export interface EmbedContext {
  match(url: string): Match | null;
  allowed(purposes: Optional[]): boolean;
  /** An unmarked iframe the parser inserted with its src: a tag to fix. */
  parsed(el: HTMLIFrameElement, src: string): void;
  /**
   * Puts the placeholder in the iframe's place (samtykke-ui.js does, once
   * loaded: until then the iframe keeps its place, empty).
   */
  draw(e: Held): void;
}

export interface Held {
  el: HTMLIFrameElement;
  src: string;
  purposes: Optional[];
  vendor: string;
  /** The vendor's name from the rules, for sites that do not declare it. */
  name?: string;
  box?: HTMLElement;
  size?: [number, number];
}

const SRC = 'data-samtykke-src';

export function embeds(ctx: EmbedContext, setSrc: (el: HTMLIFrameElement, src: string) => void) {
  const held: Held[] = [];

  /** Holds an iframe whose src is not allowed yet; true if held. */
  function hold(el: HTMLIFrameElement, src: string, marked?: Optional[]): boolean {
    const m = ctx.match(src);
    const purposes = marked || (m?.rule.embed ? m.purposes : null);
    if (!purposes || ctx.allowed(purposes)) return false;
    let e = held.find((x) => x.el == el);
    if (!e) held.push((e = { el, src, purposes, vendor: m?.rule.vendor || '', name: m?.rule.name }));
    e.src = src;
    el.setAttribute(SRC, src);
    if (el.isConnected) ctx.draw(e);
    return true;
  }

  /** An iframe the page inserted: one parsed with its src, one marked, or one held before it was connected. */
  function scan(n: Node) {
    if (!(n instanceof HTMLIFrameElement)) {
      if (n instanceof Element && n.firstElementChild) n.querySelectorAll('iframe').forEach(scan);
      return;
    }
    const e = held.find((x) => x.el == n);
    if (e) return void (e.box?.isConnected || ctx.draw(e));
    const marked = n.getAttribute('data-samtykke');
    const src = n.getAttribute(SRC) || n.getAttribute('src');
    if (
      src &&
      (marked != null || !n.hasAttribute(SRC)) &&
      hold(n, src, marked ? (marked.split(/[\s,]+/).filter((p) => p && p != 'necessary') as Optional[]) : undefined) &&
      n.getAttribute('src')
    ) {
      // Parsed with its src: stop the request, if it is still going.
      ctx.parsed(n, src);
      setSrc(n, 'about:blank');
    }
  }

  /** Loads every embed whose purpose is now granted; redraws the rest (texts arrive with the config). */
  function update() {
    for (const e of held.slice()) {
      if (ctx.allowed(e.purposes)) {
        held.splice(held.indexOf(e), 1);
        e.box?.remove();
        e.el.style.display = '';
        e.el.removeAttribute(SRC);
        setSrc(e.el, e.src);
      } else if (e.el.isConnected) ctx.draw(e);
    }
  }

  document.querySelectorAll('iframe').forEach(scan);
  new MutationObserver((ms) => ms.forEach((m) => m.addedNodes.forEach(scan))).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
  return { hold, update, held: () => held.length };
}
