// The site form's "Google Consent Mode" card: basic or advanced mode,
// region defaults (with an EEA preset), wait_for_update, url_passthrough,
// ads_data_redaction, Google's developer id, and whether Google Tag
// Manager may load before consent, each with its trade-off. The server
// validates; fieldTarget maps its field errors to the inputs here.
import { clear, h } from './dom.ts';
import { field } from './main.ts';
import type { ConsentMode, ConsentState, RegionDefault } from './wire.gen.ts';

/** The 30 EEA countries (the EU's 27, Iceland, Liechtenstein and Norway) with the United Kingdom and Switzerland. */
export const EEA_PRESET = [
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
  'IS',
  'LI',
  'NO',
  'GB',
  'CH',
];

const TYPES = [
  ['analytics_storage', 'Analytics storage'],
  ['ad_storage', 'Ad storage'],
  ['ad_user_data', 'Ad user data'],
  ['ad_personalization', 'Ad personalization'],
] as const;

type StateKey = (typeof TYPES)[number][0];

interface RegionDraft {
  codes: string;
  states: Record<StateKey, ConsentState>;
}

const codesOf = (s: string) => s.split(/[\s,;]+/).filter(Boolean);

/** Where a consent_mode field error goes, or null for other fields. */
export function consentModeTarget(fieldName: string, codes: (i: number) => string[]): { id: string; prefix?: string } | null {
  let m = /^consent_mode\.regions\[(\d+)\]\.region\[(\d+)\]$/.exec(fieldName);
  if (m) return { id: `f-gcm-r${m[1]}-codes`, prefix: codes(Number(m[1]))[Number(m[2])] || `Code ${Number(m[2]) + 1}` };
  m = /^consent_mode\.regions\[(\d+)\]\.region$/.exec(fieldName);
  if (m) return { id: `f-gcm-r${m[1]}-codes` };
  m = /^consent_mode\.regions\[(\d+)\]\.(\w+)$/.exec(fieldName);
  if (m) return { id: `f-gcm-r${m[1]}-${m[2]}` };
  const map: Record<string, string> = {
    'consent_mode.mode': 'f-gcm-mode',
    'consent_mode.regions': 'f-gcm-add',
    'consent_mode.wait_for_update': 'f-gcm-wait',
    'consent_mode.url_passthrough': 'f-gcm-passthrough',
    'consent_mode.ads_data_redaction': 'f-gcm-redaction',
    'consent_mode.developer_id': 'f-gcm-developer',
    gtm_loads_before_consent: 'f-gtm-first',
  };
  return map[fieldName] ? { id: map[fieldName] } : null;
}

export interface ConsentModeCard {
  el: HTMLElement;
  /** What the settings send: consent_mode and gtm_loads_before_consent. */
  value(): { consent_mode: ConsentMode; gtm_loads_before_consent: boolean };
  /** The codes typed in region row i, as the server numbers them. */
  codes(i: number): string[];
}

const check = (id: string, input: HTMLElement, label: string, hint: Node) =>
  h(
    'div',
    {},
    h('div', { class: 'field check' }, input, h('label', { for: id }, label), h('p', { class: 'field-error', id: id + '-error' })),
    hint,
  );

export function consentModeCard(o: { current?: ConsentMode; gtmFirst?: boolean; owner: boolean; onChange: () => void }): ConsentModeCard {
  const cm = o.current || {};
  const input = (id: string, attrs: Record<string, any> = {}) => h('input', { id, name: id, disabled: !o.owner, ...attrs });
  const hint = (id: string, ...paras: string[]) =>
    h(
      'div',
      { class: 'muted small', id },
      paras.map((p) => h('p', {}, p)),
    );

  const mode = h(
    'select',
    { id: 'f-gcm-mode', name: 'f-gcm-mode', disabled: !o.owner },
    h('option', { value: 'basic', selected: cm.mode != 'advanced' }, 'Basic: Google’s tags wait for consent (recommended)'),
    h('option', { value: 'advanced', selected: cm.mode == 'advanced' }, 'Advanced: Google’s tags load before consent'),
  );
  const advancedWarning = h(
    'p',
    { class: 'notice', id: 'f-gcm-advanced-warning', hidden: cm.mode != 'advanced' },
    'Advanced mode is on: on every page, before the visitor has chosen, Google Analytics, Google Ads and Tag Manager load and send requests to Google.',
  );
  mode.addEventListener('change', () => {
    advancedWarning.hidden = mode.value != 'advanced';
    o.onChange();
  });

  const wait = input('f-gcm-wait', {
    type: 'number',
    min: 0,
    max: 10000,
    step: 100,
    inputmode: 'numeric',
    value: cm.wait_for_update ?? 500,
  });
  const passthrough = input('f-gcm-passthrough', {
    type: 'checkbox',
    checked: !!cm.url_passthrough,
    'aria-describedby': 'f-gcm-passthrough-hint',
  });
  const redaction = input('f-gcm-redaction', {
    type: 'checkbox',
    checked: cm.ads_data_redaction !== false,
    'aria-describedby': 'f-gcm-redaction-hint',
  });
  const developer = input('f-gcm-developer', { value: cm.developer_id || '', autocomplete: 'off', spellcheck: 'false' });
  const gtmFirst = input('f-gtm-first', { type: 'checkbox', checked: !!o.gtmFirst, 'aria-describedby': 'f-gtm-first-hint' });
  for (const el of [passthrough, redaction, gtmFirst]) el.addEventListener('change', o.onChange);

  // Region defaults: one row per default, drawn again when one is added or removed.
  const regions: RegionDraft[] = (cm.regions || []).map((r: RegionDefault) => ({
    codes: r.region.join(', '),
    states: {
      analytics_storage: r.analytics_storage,
      ad_storage: r.ad_storage,
      ad_user_data: r.ad_user_data,
      ad_personalization: r.ad_personalization,
    },
  }));
  const denied = (): RegionDraft['states'] => ({
    analytics_storage: 'denied',
    ad_storage: 'denied',
    ad_user_data: 'denied',
    ad_personalization: 'denied',
  });
  const list = h('div', { id: 'f-gcm-regions' });
  const draw = (focus?: number) => {
    clear(
      list,
      regions.map((r, i) => {
        const id = `f-gcm-r${i}`;
        const codes = h(
          'textarea',
          { id: id + '-codes', name: id + '-codes', rows: 2, disabled: !o.owner, spellcheck: 'false' },
          r.codes,
        ) as HTMLTextAreaElement;
        codes.addEventListener('input', () => {
          r.codes = codes.value;
          o.onChange();
        });
        const selects = TYPES.map(([k, label]) => {
          const s = h(
            'select',
            { id: `${id}-${k}`, disabled: !o.owner },
            (['denied', 'granted'] as const).map((v) =>
              h('option', { value: v, selected: r.states[k] == v }, v == 'denied' ? 'Denied' : 'Granted'),
            ),
          ) as HTMLSelectElement;
          s.addEventListener('change', () => {
            r.states[k] = s.value as ConsentState;
            o.onChange();
          });
          return field(`${id}-${k}`, label, s);
        });
        const remove = h('button', { type: 'button', class: 'link', disabled: !o.owner }, `Remove region default ${i + 1}`);
        remove.addEventListener('click', () => {
          regions.splice(i, 1);
          draw();
          o.onChange();
        });
        return h(
          'fieldset',
          { class: 'region-default', id, 'data-region': i },
          h('legend', {}, `Region default ${i + 1}`),
          field(
            id + '-codes',
            'Regions',
            codes,
            'ISO codes separated by commas: countries such as NO, SE, GB (the United Kingdom) or regions such as US-CA. There is no EU code.',
          ),
          h('div', { class: 'row2' }, selects),
          remove,
        );
      }),
    );
    if (focus != null) (document.getElementById(`f-gcm-r${focus}-codes`) as HTMLElement | null)?.focus();
  };
  const add = h('button', { type: 'button', id: 'f-gcm-add', disabled: !o.owner }, 'Add a region default');
  const preset = h('button', { type: 'button', id: 'f-gcm-preset', disabled: !o.owner }, 'Add EEA + UK + NO + CH + IS + LI (all denied)');
  add.addEventListener('click', () => {
    regions.push({ codes: '', states: denied() });
    draw(regions.length - 1);
    o.onChange();
  });
  preset.addEventListener('click', () => {
    regions.push({ codes: EEA_PRESET.join(', '), states: denied() });
    draw(regions.length - 1);
    o.onChange();
  });
  draw();

  const el = h(
    'section',
    { class: 'card', 'aria-labelledby': 'gcm-h', id: 'consent-mode' },
    h('h2', { id: 'gcm-h' }, 'Google Consent Mode'),
    h(
      'p',
      { class: 'muted small' },
      'The banner tells Google’s tags what the visitor allowed (Consent Mode v2): statistics sets analytics_storage, marketing the three ad types. Before any choice, every type is denied but security. None of these settings changes what visitors are shown, so nobody is asked again when you change them.',
    ),
    field('f-gcm-mode', 'Mode', mode),
    advancedWarning,
    hint(
      'f-gcm-mode-more',
      'Basic (the default): Google Analytics, Google Ads and Tag Manager are held until the visitor allows statistics or marketing. A visitor who refuses sends Google nothing, not even the refusal; Google then models conversions from its general data.',
      'Advanced: they load on every page before the visitor chooses and, while consent is denied, send Google “cookieless pings” (the consent state, the time, the page and referrer, the browser) from which Google models the visits and conversions of those who refused. No Google cookie is set until the visitor allows it. Other vendors (Meta, Hotjar, HubSpot, …) stay held either way.',
      'The legal trade-off: the EDPB’s Guidelines 2/2023 bring tracking pixels, link decoration and tracking by IP address within Article 5(3) of the ePrivacy Directive, which the Nordic laws implement (Norway’s ekomloven § 3-15, Sweden’s LEK 9:28, Finland’s § 205, Denmark’s cookie order) and their regulators read strictly: analytics and advertising are not strictly necessary. Cookieless pings still read and send information from the visitor’s device before consent, so they need consent too. Advanced mode is your explicit choice: choose it only after weighing that risk for your site.',
    ),
    h('h3', {}, 'Region defaults'),
    h(
      'p',
      { class: 'muted small' },
      'Defaults for visitors in particular regions, sent to Google before the site’s default; Google applies the most specific one (US-CA before US). Everyone else gets the site’s default, every type denied. As long as Google’s tags wait for consent (basic mode), these matter only to tags that load before it: in advanced mode, or inside Tag Manager when it loads first.',
    ),
    list,
    h('p', {}, preset, ' ', add),
    h('p', { class: 'field-error', id: 'f-gcm-add-error' }),
    h('h3', {}, 'Options'),
    h(
      'div',
      { class: 'grid2 tight' },
      field(
        'f-gcm-wait',
        'Wait for the banner (milliseconds)',
        wait,
        '0 to 10000. How long Google’s tags wait for the visitor’s stored choice before they fire; 500 is Google’s suggestion.',
      ),
      field(
        'f-gcm-developer',
        'Google developer id',
        developer,
        'Optional. The id Google issued for a consent integration, sent as developer_id.<id>. Leave empty if you have none.',
      ),
    ),
    check(
      'f-gcm-redaction',
      redaction,
      'Redact ad data while marketing is denied (ads_data_redaction)',
      hint(
        'f-gcm-redaction-hint',
        'On (the default): while marketing is not allowed, Google removes ad click ids from its requests and uses cookieless domains. Turn it off only if you have a reason to send them.',
      ),
    ),
    check(
      'f-gcm-passthrough',
      passthrough,
      'Pass ad click ids through links (url_passthrough)',
      hint(
        'f-gcm-passthrough-hint',
        'Off (the default). On: while cookies are denied, Google adds the ad click id (gclid and the like) to the site’s own links, so that a conversion on a later page can be attributed without cookies. This is tracking through URLs, which the EDPB (Guidelines 2/2023) counts under Article 5(3) as well.',
      ),
    ),
    check(
      'f-gtm-first',
      gtmFirst,
      'Google Tag Manager may load before consent',
      hint(
        'f-gtm-first-hint',
        'For sites that install Samtykke through its Google Tag Manager template, where the container itself enforces consent: built-in consent checks on Google’s tags, and “additional consent” for Meta, Hotjar, HubSpot and the rest. Tag Manager’s gtm.js then loads before the visitor chooses; the tags inside it still follow Consent Mode, and the banner still holds Google Analytics, Google Ads and every other vendor it knows until their purpose is allowed.',
        'The trade-off: loading gtm.js is itself a request to Google before consent, and a custom HTML tag in the container without a consent check runs at once. Leave it off (the default) if you paste Tag Manager’s own snippet into your pages: gtm.js then waits until the visitor allows statistics or marketing.',
      ),
    ),
  );

  return {
    el,
    codes: (i) => codesOf(regions[i]?.codes || ''),
    value() {
      const w = wait.value.trim();
      return {
        consent_mode: {
          mode: mode.value as ConsentMode['mode'],
          regions: regions.map((r) => ({ region: codesOf(r.codes), ...r.states })),
          ...(w == '' ? {} : { wait_for_update: Number(w) }),
          url_passthrough: passthrough.checked,
          ads_data_redaction: redaction.checked,
          developer_id: developer.value.trim(),
        },
        gtm_loads_before_consent: gtmFirst.checked,
      };
    },
  };
}
