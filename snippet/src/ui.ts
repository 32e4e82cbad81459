// The banner's two layers, each in an open Shadow DOM styled through a
// constructable stylesheet, so that the page's CSS cannot reach in and a CSP
// without 'unsafe-inline' still allows it. This is samtykke-ui.js, loaded
// only when a layer, the declaration or a placeholder is to be drawn; the
// "Cookie settings" button is in samtykke.js (fab.ts). Nothing here is built
// until it is shown. No texts live here: they come with the site's config.
import { h, type Kid, mount } from './dom.ts';
import { lifetime } from './lang.ts';
import type { Stored } from './state.ts';
import type { BannerConfig, Optional, Surface, Vendor } from './types.ts';

export interface UiContext {
  cfg: BannerConfig;
  nonce: string;
  /** The choice in force, for the settings layer. */
  current(): Stored | null;
  decide(statistics: boolean, marketing: boolean, clicked: 'all' | 'none' | 'custom', surface: Surface): void;
  /** The site's public API (…/v1/sites/{id}), for impressions and receipt downloads. */
  base: string;
  /** Whether the visitor's browser sends Global Privacy Control, as impressions record it. */
  gpc: boolean;
}

/**
 * A purpose's vendors with their cookies (Planet49: who, for how long, and
 * whether third parties can read them), for the settings layer and the
 * cookie declaration.
 */
export function vendorList(vendors: Vendor[], t: (k: string) => string): HTMLElement {
  const col = (k: string) => h('th', { scope: 'col' }, t(k));
  return h(
    'ul',
    {},
    ...vendors.map((v) =>
      h(
        'li',
        {},
        h('strong', {}, v.name),
        v.provider && h('span', { class: 'v' }, ' · ' + v.provider),
        v.privacy_policy_url && ' · ',
        v.privacy_policy_url && h('a', { href: v.privacy_policy_url, rel: 'noopener', target: '_blank' }, t('banner.privacy_policy')),
        v.cookies.length > 0 &&
          h(
            'table',
            {},
            h(
              'thead',
              {},
              h('tr', {}, col('settings.cookie'), col('settings.duration'), col('settings.party'), col('settings.description')),
            ),
            h(
              'tbody',
              {},
              ...v.cookies.map((c) =>
                h(
                  'tr',
                  {},
                  h('td', {}, h('code', {}, c.name)),
                  h('td', {}, lifetime(c, t)),
                  h('td', {}, t(c.party == 'third' ? 'settings.third_party' : 'settings.first_party')),
                  h('td', {}, c.description || ''),
                ),
              ),
            ),
          ),
      ),
    ),
  );
}

/** The choice in force: its consent id, when it was given, each purpose's state and the receipts' download link. */
export function consentSummary(cfg: BannerConfig, cur: Stored, download: string): HTMLElement {
  const t = (k: string) => cfg.texts[k] || '';
  let when = new Date(cur.time).toISOString();
  try {
    when = new Intl.DateTimeFormat(cfg.language, { dateStyle: 'medium', timeStyle: 'short' }).format(cur.time);
  } catch {}
  const rows: Kid[] = [
    h('dt', {}, t('settings.consent_id')),
    h('dd', {}, h('code', {}, cur.id)),
    h('dt', {}, t('settings.given_at')),
    h('dd', {}, when),
  ];
  for (const p of cfg.purposes)
    if (!p.required) rows.push(h('dt', {}, p.name), h('dd', {}, t(cur.choices[p.id as Optional] ? 'settings.granted' : 'settings.denied')));
  return h(
    'div',
    { class: 'me' },
    h('h3', {}, t('settings.your_consent')),
    h('dl', {}, ...rows),
    h('a', { href: download }, t('settings.download')),
  );
}

/** Where a visitor downloads the receipts of their consent id. */
export const downloadUrl = (base: string, id: string) => `${base}/consents/${encodeURIComponent(id)}?download=1`;

const FOCUSABLE = 'button:not([disabled]),a[href],summary,[tabindex="0"]';

export function ui(ctx: UiContext) {
  const { cfg } = ctx;
  const t = (k: string) => cfg.texts[k] || '';
  const lang = cfg.language;
  let host: HTMLElement | undefined;
  let impressions = 0;
  let returnTo: Element | null = null;

  const act = (name: string, label: string, onclick: () => void, cls = '') =>
    h('button', { type: 'button', class: cls || null, 'data-samtykke-action': name, onclick }, label);

  function close() {
    host?.remove();
    host = undefined;
  }

  function banner() {
    close();
    const [el, root] = mount('samtykke-banner', ctx.nonce);
    host = el;
    const d = (all: boolean) => () => ctx.decide(all, all, all ? 'all' : 'none', 'banner');
    const card = h(
      'div',
      { class: 'w card', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 't', 'aria-describedby': 'd', tabindex: '-1', lang },
      h('h2', { id: 't' }, t('banner.title')),
      h('p', { id: 'd' }, t('banner.body') + ' ', h('a', { href: cfg.privacy_policy_url }, t('banner.privacy_policy'))),
      h(
        'div',
        { class: 'grid' },
        act('reject-all', t('banner.reject_all'), d(false)),
        act('accept-all', t('banner.accept_all'), d(true)),
        act('customize', t('banner.customize'), () => settings(), 'o x'),
      ),
    );
    root.append(card);
    card.focus();
    // One impression per page view, however often the banner comes back.
    if (!impressions++)
      fetch(ctx.base + '/impressions', {
        method: 'POST',
        body: JSON.stringify({ config_version: cfg.config_version, language: cfg.language, gpc: ctx.gpc }),
        keepalive: true,
        credentials: 'omit',
      }).catch(() => {});
  }

  function settings() {
    const fromBanner = host?.id == 'samtykke-banner' && !host.shadowRoot!.querySelector('.bg');
    if (!fromBanner) {
      returnTo = document.activeElement;
      while (returnTo?.shadowRoot?.activeElement) returnTo = returnTo.shadowRoot.activeElement;
    }
    close();
    const [el, root] = mount('samtykke-banner', ctx.nonce);
    host = el;
    const cur = ctx.current();
    const draft: Record<Optional, boolean> = { statistics: !!cur?.choices.statistics, marketing: !!cur?.choices.marketing };
    const dismiss = () => {
      if (ctx.current()) {
        close();
        (returnTo as HTMLElement | null)?.focus?.();
      } else banner();
    };

    const purposes = cfg.purposes.map((p, i) => {
      const id = 'n' + i;
      const control = p.required
        ? h('span', { class: 'on' }, t('settings.always_on'))
        : h('button', {
            type: 'button',
            role: 'switch',
            'aria-checked': String(draft[p.id as Optional]),
            'aria-labelledby': id,
            'aria-describedby': id + 'd',
            'data-purpose': p.id,
            onclick(this: HTMLElement) {
              const on = (draft[p.id as Optional] = !draft[p.id as Optional]);
              this.setAttribute('aria-checked', String(on));
            },
          });
      const vendors = p.vendors.length
        ? h('details', {}, h('summary', {}, `${t('settings.vendors')} (${p.vendors.length})`), vendorList(p.vendors, t))
        : null;
      return h(
        'section',
        { class: 'p' },
        h('div', { class: 'row' }, h('h3', { id }, p.name), control),
        h('p', { id: id + 'd' }, p.description),
        vendors,
      );
    });

    const mine = cur && consentSummary(cfg, cur, downloadUrl(ctx.base, cur.id));
    const panel = h(
      'div',
      { class: 'w panel', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 't', tabindex: '-1', lang },
      h(
        'div',
        { class: 'hd' },
        h('h2', { id: 't' }, t('settings.title')),
        h('button', { type: 'button', class: 'cl', 'aria-label': t('settings.close'), onclick: dismiss }, '×'),
      ),
      h(
        'div',
        { class: 'bd' },
        h('p', {}, t('settings.body') + ' ', h('a', { href: cfg.privacy_policy_url }, t('banner.privacy_policy'))),
        ...purposes,
        mine,
      ),
      h(
        'div',
        { class: 'ft' },
        act('reject-all', t('banner.reject_all'), () => ctx.decide(false, false, 'none', 'settings'), 'o'),
        act('accept-all', t('banner.accept_all'), () => ctx.decide(true, true, 'all', 'settings'), 'o'),
        act('save', t('settings.save'), () => ctx.decide(draft.statistics, draft.marketing, 'custom', 'settings'), 'x'),
      ),
    );
    const bg = h('div', { class: 'w bg' }, panel);
    bg.addEventListener('keydown', (e) => {
      if (e.key == 'Escape') {
        e.preventDefault();
        dismiss();
      } else if (e.key == 'Tab') {
        // Keep focus inside while the settings layer is modal.
        const all = Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((x) => x.getClientRects().length);
        const first = all[0],
          last = all[all.length - 1];
        const at = root.activeElement;
        if (e.shiftKey ? at == first || at == panel : at == last) {
          e.preventDefault();
          (e.shiftKey ? last : first).focus();
        }
      }
    });
    root.append(bg);
    panel.focus();
  }

  return { banner, settings, close };
}
