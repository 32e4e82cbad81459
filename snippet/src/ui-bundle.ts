// samtykke-ui.js: what samtykke.js loads only when something is to be drawn
// (the banner, the settings layer, the GPC notice, the cookie declaration, an
// embed's placeholder) or decided, and the tag report of a page view that
// shows the banner. It hands its functions over through window.samtykkeUi, which
// samtykke.js reads when this script's load event fires.
import { decide } from './decide.ts';
import { declaration } from './declaration.ts';
import { h, mount, shadow } from './dom.ts';
import type { Held } from './embeds.ts';
import { cookieIcon } from './fab.ts';
import type { BannerConfig, Optional } from './types.ts';
import { ui } from './ui.ts';
import { type TagKind, tagWarnings } from './warnings.ts';
import type { Match } from './rules.ts';

/** Puts a held embed's placeholder, of the iframe's own size, in its place; grant loads it. */
function placeholder(e: Held, cfg: BannerConfig, nonce: string, grant: (p: Optional) => void) {
  const vendor =
    cfg.purposes.flatMap((p) => p.vendors).find((v) => v.id == e.vendor)?.name || e.name || new URL(e.src, location.href).hostname;
  const purpose = cfg.purposes.find((p) => p.id == e.purposes[0])?.name || e.purposes[0];
  const fill = (k: string) => (cfg.texts[k] || '').replace(/\{vendor\}/g, vendor).replace(/\{purpose\}/g, purpose);
  const box = (e.box ||= h('div', { 'data-samtykke-embed': e.vendor }));
  // The iframe's own box, borders included, so the page does not jump when
  // it loads. An iframe the parser just inserted has no layout yet: its
  // computed style still knows the size.
  if (!e.size) {
    const r = e.el.getBoundingClientRect();
    const cs = getComputedStyle(e.el);
    const sum = (...k: string[]) => k.reduce((a, x) => a + (parseFloat((cs as any)[x]) || 0), 0);
    e.size = r.width
      ? [r.width, r.height]
      : [
          sum('width', 'paddingLeft', 'paddingRight', 'borderLeftWidth', 'borderRightWidth') || 564,
          sum('height', 'paddingTop', 'paddingBottom', 'borderTopWidth', 'borderBottomWidth') || 319,
        ];
  }
  box.style.cssText = `display:block;box-sizing:border-box;width:${e.size[0]}px;max-width:100%;height:${e.size[1]}px`;
  (box.shadowRoot || shadow(box, nonce)).replaceChildren(
    h(
      'div',
      { class: 'w ph', role: 'region', 'aria-label': vendor },
      h('p', {}, fill('embed.blocked')),
      h('button', { type: 'button', 'data-samtykke-action': 'load-embed', onclick: () => grant(e.purposes[0]) }, fill('embed.load')),
    ),
  );
  if (!box.isConnected) e.el.before(box);
  e.el.style.display = 'none';
}

/**
 * The notice that GPC was applied as "Reject all", with the "Cookie settings"
 * button. That button opens the settings and the notice gives way to the
 * plain button (plain); its × does only the latter.
 */
function gpcNotice(cfg: BannerConfig, nonce: string, open: () => void, plain: () => void) {
  const t = (k: string) => cfg.texts[k] || '';
  const [, root] = mount('samtykke-settings', nonce);
  root.append(
    h(
      'div',
      { class: 'w note', role: 'status', lang: cfg.language },
      h('button', { type: 'button', class: 'cl', 'aria-label': t('settings.close'), onclick: plain }, '×'),
      h('p', {}, t('gpc.notice')),
      h('button', { type: 'button', class: 'w fab', onclick: () => (plain(), open()) }, cookieIcon(), t('button.cookie_settings')),
    ),
  );
}

/**
 * The tags to fix that this page view saw (samtykke.js records them as they
 * pass), with the page's pixels: a console warning each, and one report.
 */
function tagReport(seen: [TagKind, string, Element | null][], match: (url: string) => Match | null, cfg: BannerConfig, base: string) {
  const tags = tagWarnings(match);
  for (const [kind, url, el] of seen) tags.seen(kind, url, el);
  tags.scan();
  const found = tags.report(new Set(cfg.purposes.flatMap((p) => p.vendors.map((v) => v.id))));
  if (found.length)
    fetch(base + '/tag-warnings', {
      method: 'POST',
      body: JSON.stringify({ config_version: cfg.config_version, page_path: location.pathname, tags: found.slice(0, 20) }),
      keepalive: true,
      credentials: 'omit',
    }).catch(() => {});
}

const bundle = { ui, decide, declaration, placeholder, gpcNotice, tagReport };
export type UiBundle = typeof bundle;
(window as any).samtykkeUi = bundle;
