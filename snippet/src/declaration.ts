// The cookie declaration for the privacy policy page: the owner places
// <div data-samtykke-declaration></div> and gets every purpose with its
// vendors and cookies in the visitor's language, the visitor's current choice
// and a button to change it. It is drawn into the page itself, not a shadow
// root, so that it takes the look of the policy text around it.
import type { Stored } from './state.ts';
import type { BannerConfig } from './types.ts';
import { h } from './dom.ts';
import { consentSummary, downloadUrl, vendorList } from './ui.ts';

export function declaration(cfg: BannerConfig, cur: Stored | null, base: string, change: () => void) {
  const t = (k: string) => cfg.texts[k] || '';
  document
    .querySelectorAll('[data-samtykke-declaration]')
    .forEach((el) =>
      el.replaceChildren(
        h(
          'div',
          { class: 'samtykke-declaration', lang: cfg.language },
          ...cfg.purposes.map((p) =>
            h(
              'section',
              { 'data-purpose': p.id },
              h('h3', {}, p.name),
              h('p', {}, p.description),
              p.vendors.length ? vendorList(p.vendors, t) : h('p', {}, t('declaration.no_vendors')),
            ),
          ),
          cur ? consentSummary(cfg, cur, downloadUrl(base, cur.id)) : h('p', {}, t('declaration.no_choice')),
          h('button', { type: 'button', 'data-samtykke-action': 'change', onclick: change }, t('declaration.change')),
        ),
      ),
    );
}
