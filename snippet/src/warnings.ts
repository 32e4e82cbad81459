// Tags to fix. Chromium's preload scanner fetches a pasted <script src> or
// <img> before any script can stop it, and a <noscript> pixel fires for
// visitors without JavaScript, whom no banner can ask. The snippet still holds
// what it can, and tells the owner the exact markup to paste instead: one
// console warning per tag, and one report per page view to the server
// (vendor, kind of tag, markup and the page's path: nothing about the visitor).
import type { Match } from './rules.ts';

export type TagKind = 'script' | 'pixel' | 'iframe' | 'noscript' | 'inline';

export interface TagWarning {
  vendor: string;
  kind: TagKind;
  /** What to paste instead ('' when the fix is to remove the tag or declare the vendor). */
  markup: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The marked form of a tag, which no browser fetches before the purpose is granted. */
export function markup(kind: TagKind, m: Match, el: Element | null, url: string): string {
  const p = m.purposes[0];
  if (kind == 'script')
    return `<script type="text/plain" data-samtykke="${p}" src="${esc(url)}"${el?.hasAttribute('async') ? ' async' : ''}></script>`;
  if (kind == 'iframe' && el) {
    const c = el.cloneNode() as Element;
    c.removeAttribute('src');
    c.setAttribute('data-samtykke', p);
    c.setAttribute('data-samtykke-src', url);
    return c.outerHTML;
  }
  // Markup inside a <script type="text/html">, which no preload scanner reads.
  if (kind == 'pixel' && el) return `<script type="text/html" data-samtykke="${p}">${el.outerHTML}</script>`;
  return '';
}

export function tagWarnings(match: (url: string) => Match | null) {
  const found = new Map<string, TagWarning>();

  /** A tag of kind that loads url; el is the element when there is one. */
  function seen(kind: TagKind, url: string, el: Element | null = null) {
    const m = match(url);
    if (!m) return;
    const mk = markup(kind, m, el, url);
    // The server keeps markup up to 2,000 characters; a longer tag is still reported, without it.
    const w: TagWarning = { vendor: m.rule.vendor, kind, markup: mk.length > 2000 ? '' : mk };
    found.set(kind + ' ' + w.vendor + ' ' + w.markup, w);
  }

  /** Pixels in the page's HTML and in <noscript>; call once the document is parsed. */
  function scan() {
    document.querySelectorAll('img[src]').forEach((el) => seen('pixel', el.getAttribute('src')!, el));
    document.querySelectorAll('noscript').forEach((n) => {
      for (const [, u] of (n.textContent || '').matchAll(/\bsrc\s*=\s*["']?([^"'\s>]+)/gi)) seen('noscript', u.replace(/&amp;/g, '&'));
    });
  }

  /**
   * The warnings worth an owner's time: every tag that was fetched or can
   * fire before consent, and inline loaders (which are held fine) only of
   * vendors the site does not declare, since the banner cannot list those.
   */
  function report(declared: Set<string>): TagWarning[] {
    const out = [...found.values()].filter((w) => w.kind != 'inline' || !declared.has(w.vendor));
    for (const w of out)
      console.warn(
        `samtykke: a ${w.vendor} ${w.kind} tag ` +
          (w.kind == 'noscript'
            ? 'in <noscript> fires without consent for visitors without JavaScript; remove it.'
            : w.kind == 'inline'
              ? 'runs on this page, but the site does not declare this vendor; declare it so the banner lists it.'
              : 'was requested before consent; paste this instead:\n' + w.markup),
      );
    found.clear();
    return out;
  }

  return { seen, scan, report };
}
