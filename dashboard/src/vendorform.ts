// The site form's Vendors card: built-in vendors of the catalogue to tick,
// grouped by purpose with the cookies the banner will list for them, and
// the owner's own (custom) vendors with their hosts and cookies. It edits a
// VendorDraft in place; setup.ts turns it into the site's `vendors`.
import { announce, clear, h } from './dom.ts';
import { field } from './main.ts';
import {
  type CatalogVendor,
  type CookieDraft,
  type CustomDraft,
  lifetimeText,
  newCookie,
  newCustom,
  PURPOSE_NAMES,
  purposeGroups,
  VENDOR_PURPOSES,
  type VendorDraft,
} from './vendors.ts';

export interface VendorCardOptions {
  catalog: CatalogVendor[];
  languages: { code: string; name: string }[];
  draft: VendorDraft;
  owner: boolean;
  /** Something changed: redraw the preview. */
  onChange(): void;
  /** The built-in vendors the integrations' fields bring in now. */
  integrated(): Set<string>;
  /** The GA cookie lifetime in days typed above, or null for Google's default. */
  gaExpiresDays(): number | null;
}

/** A check box with its label, hint and error line, as the rest of the form has them. */
function check(id: string, input: HTMLInputElement, label: string, hint: Node | string | null = null, describedBy = id + '-hint') {
  const hintEl = hint ? h('div', { class: 'hint', id: id + '-hint' }, hint) : null;
  if (hint) input.setAttribute('aria-describedby', describedBy);
  return h(
    'div',
    { class: 'field check' },
    input,
    h('label', { for: id }, label),
    hintEl,
    h('p', { class: 'field-error', id: id + '-error' }),
  );
}

export function vendorsCard(o: VendorCardOptions) {
  const { draft, owner } = o;
  const builtinBox = h('div', { class: 'builtin-vendors' });
  const customBox = h('div', { class: 'custom-vendors' });

  const drawBuiltins = () => {
    const integrated = o.integrated();
    const ga = o.gaExpiresDays();
    const known = new Set(o.catalog.map((v) => v.id));
    const row = (v: CatalogVendor) => {
      const id = 'bv-' + v.id;
      const viaIntegration = integrated.has(v.id);
      const box = h('input', {
        type: 'checkbox',
        id,
        name: id,
        value: v.id,
        checked: viaIntegration || draft.builtins.includes(v.id),
        disabled: !owner || viaIntegration,
      });
      box.addEventListener('change', () => {
        const ids = new Set(draft.builtins);
        if (box.checked) ids.add(v.id);
        else ids.delete(v.id);
        // Kept in the catalogue's order, so the saved list does not churn.
        draft.builtins = [...o.catalog.map((c) => c.id).filter((c) => ids.has(c)), ...draft.builtins.filter((c) => !known.has(c))];
        o.onChange();
      });
      const shown = v.cookies.map((c) => ({
        ...c,
        minutes: v.id == 'google_analytics' && ga && (c.name == '_ga' || c.name == '_ga_*') ? ga * 1440 : c.minutes,
      }));
      const party = (p: string) => (p == 'third' ? 'this site and the provider (third party)' : 'this site (first party)');
      const hint = h(
        'div',
        {},
        h(
          'span',
          { id: id + '-provider' },
          v.provider,
          v.embed ? ' · embedded content, shown behind a placeholder until allowed' : '',
          viaIntegration
            ? ' · listed through its integration above'
            : v.integration
              ? ' · tick it if you paste its tag yourself; to let the banner load it, fill in its integration above instead'
              : '',
        ),
        shown.length
          ? [
              h(
                'ul',
                { class: 'cookie-list', id: id + '-cookies' },
                shown.map((c) =>
                  h('li', {}, h('code', {}, c.name), ` ${lifetimeText(c.minutes)}`, c.party == 'third' ? ', third party' : ''),
                ),
              ),
              h(
                'details',
                { class: 'cookie-details' },
                h('summary', {}, 'What the banner says about them'),
                h(
                  'table',
                  {},
                  h(
                    'thead',
                    {},
                    h(
                      'tr',
                      {},
                      h('th', { scope: 'col' }, 'Cookie'),
                      h('th', { scope: 'col' }, 'Lifetime'),
                      h('th', { scope: 'col' }, 'Read by'),
                      h('th', { scope: 'col' }, 'Purpose'),
                    ),
                  ),
                  h(
                    'tbody',
                    {},
                    shown.map((c) =>
                      h(
                        'tr',
                        {},
                        h('td', {}, h('code', {}, c.name)),
                        h('td', {}, lifetimeText(c.minutes)),
                        h('td', {}, party(c.party)),
                        h('td', {}, c.description),
                      ),
                    ),
                  ),
                ),
              ),
            ]
          : h('p', { class: 'cookie-list muted' }, 'Sets no cookies of its own.'),
      );
      return h(
        'li',
        { class: 'vendor-row', 'data-vendor': v.id },
        check(id, box, v.name, hint, shown.length ? `${id}-provider ${id}-cookies` : `${id}-provider`),
      );
    };
    const unknown = draft.builtins.filter((id) => !known.has(id));
    clear(
      builtinBox,
      purposeGroups(o.catalog).map((g) =>
        h('fieldset', { class: 'vendor-group' }, h('legend', {}, g.label), h('ul', { class: 'vendor-list' }, g.vendors.map(row))),
      ),
      unknown.length
        ? h(
            'fieldset',
            { class: 'vendor-group' },
            h('legend', {}, 'No longer in the catalogue'),
            h(
              'ul',
              { class: 'vendor-list' },
              unknown.map((id) =>
                row({ id, name: id, provider: 'Untick it to remove it', purposes: [], embed: false, privacy_policy_url: '', cookies: [] }),
              ),
            ),
          )
        : null,
    );
  };

  const others = o.languages.filter((l) => l.code != 'en');

  const cookieFields = (c: CookieDraft, p: string, j: number, v: CustomDraft) => {
    const id = `${p}-c${j}`;
    const input = (suffix: string, value: string, attrs: Record<string, any> = {}) => {
      const el = h('input', { id: `${id}-${suffix}`, name: `${id}-${suffix}`, value, disabled: !owner, autocomplete: 'off', ...attrs });
      return el;
    };
    const name = input('name', c.name, { spellcheck: 'false' });
    name.addEventListener('input', () => ((c.name = name.value), o.onChange()));
    const days = input('days', c.days, { type: 'number', min: 0, step: 1, inputmode: 'numeric' });
    days.addEventListener('input', () => ((c.days = days.value), o.onChange()));
    const party = h(
      'select',
      { id: `${id}-party`, name: `${id}-party`, disabled: !owner },
      h('option', { value: 'first', selected: c.party == 'first' }, 'This site (first party)'),
      h('option', { value: 'third', selected: c.party == 'third' }, 'The vendor’s domain (third party)'),
    );
    party.addEventListener('change', () => ((c.party = party.value as 'first' | 'third'), o.onChange()));
    const desc = (code: string, label: string) => {
      const el = input('desc-' + code, c.description[code] || '', { lang: code });
      el.addEventListener('input', () => {
        if (el.value) c.description[code] = el.value;
        else delete c.description[code];
        o.onChange();
      });
      return field(`${id}-desc-${code}`, label, el);
    };
    const filled = others.filter((l) => c.description[l.code]).length;
    const remove = owner ? h('button', { type: 'button', class: 'link danger-link' }, `Remove cookie ${j + 1}`) : null;
    remove?.addEventListener('click', () => {
      v.cookies.splice(j, 1);
      drawCustoms(`${p}-cookies`);
      o.onChange();
      announce(`Cookie ${j + 1} was removed.`);
    });
    return h(
      'fieldset',
      { class: 'cookie-fields' },
      h('legend', {}, `Cookie ${j + 1}`),
      h(
        'div',
        { class: 'row3' },
        field(`${id}-name`, 'Name', name, 'Exact, or a prefix ending in *, such as chatly_*.'),
        field(`${id}-days`, 'Lifetime (days)', days, '0 means until the browser closes.'),
        field(`${id}-party`, 'Set on', party),
      ),
      desc('en', 'What it is for (English)'),
      h(
        'details',
        { class: 'text-group', open: filled > 0 },
        h('summary', {}, 'In the other banner languages', filled ? h('span', { class: 'badge' }, `${filled} written`) : null),
        h('p', { class: 'hint' }, 'Optional: visitors who read another language see the English text when there is none in theirs.'),
        others.map((l) => desc(l.code, `What it is for (${l.name})`)),
      ),
      remove,
    );
  };

  const customFields = (v: CustomDraft, i: number) => {
    const p = 'cv-' + i;
    const text = (suffix: string, key: 'name' | 'provider' | 'privacy_policy_url', attrs: Record<string, any> = {}) => {
      const el = h('input', {
        id: `${p}-${suffix}`,
        name: `${p}-${suffix}`,
        value: v[key],
        disabled: !owner,
        autocomplete: 'off',
        ...attrs,
      });
      el.addEventListener('input', () => {
        v[key] = el.value;
        if (key == 'name') {
          legendName.textContent = v.name.trim() ? `: ${v.name.trim()}` : '';
          if (remove) remove.textContent = `Remove ${v.name.trim() || `custom vendor ${i + 1}`}`;
        }
        o.onChange();
      });
      return el;
    };
    const legendName = h('span', {}, v.name.trim() ? `: ${v.name.trim()}` : '');
    const purpose = h(
      'select',
      { id: `${p}-purpose`, name: `${p}-purpose`, disabled: !owner },
      VENDOR_PURPOSES.map((x) => h('option', { value: x, selected: v.purpose == x }, PURPOSE_NAMES[x])),
    );
    purpose.addEventListener('change', () => ((v.purpose = purpose.value), o.onChange()));
    const hosts = h('textarea', { id: `${p}-hosts`, name: `${p}-hosts`, rows: 3, disabled: !owner, spellcheck: 'false' }, v.hosts);
    hosts.addEventListener('input', () => ((v.hosts = hosts.value), o.onChange()));
    const embed = h('input', { type: 'checkbox', id: `${p}-embed`, name: `${p}-embed`, checked: v.embed, disabled: !owner });
    embed.addEventListener('change', () => ((v.embed = embed.checked), o.onChange()));
    const addCookie = owner ? h('button', { type: 'button', id: `${p}-cookies` }, 'Add a cookie') : null;
    addCookie?.addEventListener('click', () => {
      v.cookies.push(newCookie());
      drawCustoms(`${p}-c${v.cookies.length - 1}-name`);
      o.onChange();
    });
    const remove = owner ? h('button', { type: 'button', class: 'danger' }, `Remove ${v.name.trim() || `custom vendor ${i + 1}`}`) : null;
    remove?.addEventListener('click', () => {
      draft.customs.splice(i, 1);
      drawCustoms('f-vendors');
      o.onChange();
      announce(`${v.name.trim() || `Custom vendor ${i + 1}`} was removed. Save to apply.`);
    });
    return h(
      'fieldset',
      { class: 'custom-vendor', id: p, 'data-vendor': v.id || null },
      h('legend', {}, `Custom vendor ${i + 1}`, legendName),
      h(
        'div',
        { class: 'row2' },
        field(`${p}-name`, 'Name', text('name', 'name'), 'As visitors know it, such as Chatly.'),
        field(`${p}-provider`, 'Provider', text('provider', 'provider'), 'The company and its country, such as Chatly AS, Norway.'),
      ),
      h(
        'div',
        { class: 'row2' },
        field(`${p}-purpose`, 'Purpose', purpose),
        field(
          `${p}-policy`,
          'Privacy policy link',
          text('policy', 'privacy_policy_url', { type: 'url', placeholder: 'https://vendor.example/privacy' }),
        ),
      ),
      field(
        `${p}-hosts`,
        'Hosts to hold back until consent',
        hosts,
        'One per line, such as widget.chatly.example or *.chatly.example; a path may follow. The banner stops scripts, pixels and frames from these until the visitor allows the purpose.',
      ),
      check(
        `${p}-embed`,
        embed,
        'Shows embedded content (iframes)',
        'Frames from these hosts are replaced by a placeholder that names the vendor and offers to load it.',
      ),
      h('h4', {}, 'Cookies'),
      v.cookies.length
        ? v.cookies.map((c, j) => cookieFields(c, p, j, v))
        : h('p', { class: 'muted small' }, 'No cookies declared. Add the cookies it sets, so the banner can list them.'),
      h('div', { class: 'field' }, addCookie, h('p', { class: 'field-error', id: `${p}-cookies-error` })),
      h('div', { class: 'form-actions plain' }, remove),
    );
  };

  const add = owner ? h('button', { type: 'button', id: 'f-vendors' }, 'Add a custom vendor') : null;
  add?.addEventListener('click', () => {
    draft.customs.push(newCustom());
    drawCustoms(`cv-${draft.customs.length - 1}-name`);
    o.onChange();
  });

  /** Redraws the custom vendors from the draft, then focuses focusId. */
  const drawCustoms = (focusId?: string) => {
    clear(
      customBox,
      draft.customs.length
        ? draft.customs.map(customFields)
        : h('p', { class: 'muted small', id: 'no-custom-vendors' }, 'No custom vendors. Add one for a tool the catalogue does not know.'),
    );
    if (focusId) (document.getElementById(focusId) || add)?.focus();
  };

  const el = h(
    'section',
    { class: 'card', 'aria-labelledby': 'vendors-h', id: 'vendors' },
    h('h2', { id: 'vendors-h' }, 'Vendors'),
    h(
      'p',
      { class: 'muted small' },
      'Declare every tool the site runs through tags of its own, besides the integrations above. The banner lists each one under its purpose, with its cookies, their lifetimes and who can read them, and holds its tags back until the visitor allows that purpose.',
    ),
    h('h3', {}, 'Built-in vendors'),
    builtinBox,
    h('h3', {}, 'Your own vendors'),
    customBox,
    h('div', { class: 'field' }, add, h('p', { class: 'field-error', id: 'f-vendors-error' })),
  );
  drawBuiltins();
  drawCustoms();

  return {
    el,
    /** Redraws the built-in list, after an integration or the GA lifetime changed. */
    refreshBuiltins: drawBuiltins,
    redrawCustoms: () => drawCustoms(),
    /** Ticks a built-in vendor; false when it is not in the catalogue. */
    declare(id: string): boolean {
      if (!o.catalog.some((v) => v.id == id)) return false;
      if (!draft.builtins.includes(id)) draft.builtins.push(id);
      const known = new Set(o.catalog.map((v) => v.id));
      draft.builtins = [
        ...o.catalog.map((c) => c.id).filter((c) => draft.builtins.includes(c)),
        ...draft.builtins.filter((c) => !known.has(c)),
      ];
      drawBuiltins();
      o.onChange();
      return true;
    },
  };
}
