// Site setup: the settings form (owners), the live preview of the real
// banner, and the tag to paste. The server validates; its field errors are
// shown next to their fields, and nothing is saved while any remains.
import { api, type ApiError, type FieldError } from './api.ts';
import { consentModeCard, consentModeTarget } from './consentmode.ts';
import { announce, clear, h, uid } from './dom.ts';
import { fieldTarget } from './format.ts';
import { field, type Ctx, type SiteSummary } from './main.ts';
import { scansCard } from './scans.ts';
import { tagWarningsCard } from './tagwarnings.ts';
import { vendorsCard } from './vendorform.ts';
import { catalogVendors, draftFromSettings, settingsFromDraft, type VendorEntry, vendorFieldTarget } from './vendors.ts';
import type { SiteSettings } from './wire.gen.ts';

interface Catalog {
  languages: { code: string; name: string }[];
  text_keys: string[];
  default_texts: Record<string, Record<string, string>>;
  lifetime_days: { default: number; max: number };
  retention_days: { default: number; min: number; max: number };
  public_url: string;
  /** The built-in vendor catalogue (id, name, provider, purposes, embed, cookies with lifetimes). */
  vendors?: unknown;
}

/** Site settings as the server takes them; the form fills integrations by vendor key from its fields. */
interface Settings extends Omit<SiteSettings, 'integrations' | 'vendors'> {
  integrations: Record<string, Record<string, unknown>>;
  vendors: VendorEntry[];
}

interface SiteView extends Settings {
  id: string;
  role: 'owner' | 'viewer';
  script_tag: string;
  config_version: string;
  config_history?: { version: string; since: string; minor?: boolean }[];
}

/** What saving would do (POST …/settings/preview). */
interface SavePreview {
  new_version: boolean;
  asks_again: boolean;
  material: boolean;
  changes: { field: string; material: boolean }[];
}

/** The line under the save button that says what saving would do. */
export function saveEffectText(p: SavePreview): string {
  if (!p.new_version) return p.changes.length ? '' : 'Saving changes nothing visitors see.';
  const n = p.changes.length;
  const what = n == 1 ? '1 change' : `${n} changes`;
  if (p.material) {
    const first = p.changes.find((x) => x.material)?.field || '';
    return `Saving will ask every visitor again: ${what}, including ${first}, change what they agree to.`;
  }
  return p.asks_again
    ? `Saving will ask every visitor again, as you chose (${what}, texts only).`
    : `Saving keeps visitors’ choices: ${what} to texts only, a minor change.`;
}

let catalogReq: Promise<Catalog> | null = null;
const getCatalog = () => (catalogReq ??= api<Catalog>('GET', '/catalog').catch((e) => ((catalogReq = null), Promise.reject(e))));

export function copyButton(text: () => string, label = 'Copy') {
  const b = h('button', { type: 'button', class: 'copy' }, label);
  b.addEventListener('click', async () => {
    let ok = false;
    try {
      await navigator.clipboard.writeText(text());
      ok = true;
    } catch {
      // Clipboard refused (an insecure origin): select the text instead.
      const code = b.parentElement?.querySelector('code');
      if (code) {
        const r = document.createRange();
        r.selectNodeContents(code);
        getSelection()?.removeAllRanges();
        getSelection()?.addRange(r);
      }
    }
    b.textContent = ok ? 'Copied' : 'Press Ctrl+C to copy';
    announce(ok ? 'Copied to the clipboard.' : 'The tag is selected; press Ctrl+C to copy it.');
    setTimeout(() => (b.textContent = label), 2500);
  });
  return b;
}

export async function setupView(c: Ctx, s: SiteSummary, body: HTMLElement) {
  const my = c.seq;
  const [cat, site] = await Promise.all([getCatalog(), api<SiteView>('GET', `/sites/${encodeURIComponent(s.id)}`)]);
  if (my != c.seq) return;
  form(c, body, cat, site);
}

export async function newSiteView(c: Ctx) {
  document.title = 'Add a site · Samtykke';
  const my = c.seq;
  const cat = await getCatalog();
  if (my != c.seq) return;
  const body = h('div', {});
  clear(c.main, h('div', { class: 'page-head' }, h('h1', {}, 'Add a site')), body);
  form(c, body, cat, null);
  c.focusMain();
}

const INTEGRATIONS: { id: string; key: string; prop: string; label: string; hint: string; numeric?: boolean }[] = [
  {
    id: 'f-ga',
    key: 'google_analytics',
    prop: 'measurement_id',
    label: 'Google Analytics 4 measurement id',
    hint: 'Such as G-ABC123XYZ. Loaded once a visitor allows statistics.',
  },
  {
    id: 'f-gtm',
    key: 'google_tag_manager',
    prop: 'container_id',
    label: 'Google Tag Manager container id',
    hint: 'Such as GTM-ABC1234. Receives Consent Mode signals.',
  },
  { id: 'f-hotjar', key: 'hotjar', prop: 'site_id', label: 'Hotjar site id', hint: 'Digits, such as 1234567. Statistics.', numeric: true },
  { id: 'f-meta', key: 'meta_pixel', prop: 'pixel_id', label: 'Meta pixel id', hint: '10 to 20 digits. Marketing.' },
  { id: 'f-hubspot', key: 'hubspot', prop: 'portal_id', label: 'HubSpot portal id', hint: 'Digits, such as 1234567. Marketing.' },
];

function form(c: Ctx, body: HTMLElement, cat: Catalog, site: SiteView | null) {
  const owner = !site || site.role == 'owner';
  const texts: Record<string, Record<string, string>> = JSON.parse(JSON.stringify(site?.texts || {}));
  const input = (id: string, attrs: Record<string, any> = {}) => h('input', { id, name: id, disabled: !owner, ...attrs });

  const name = input('f-name', { value: site?.name || '', autocomplete: 'off', required: true });
  const origins = h(
    'textarea',
    { id: 'f-origins', name: 'origins', rows: 3, disabled: !owner, spellcheck: 'false' },
    (site?.origins || []).join('\n'),
  );
  const policy = input('f-policy', { type: 'url', value: site?.privacy_policy_url || '', placeholder: 'https://www.example.com/privacy' });
  const lang = h(
    'select',
    { id: 'f-lang', disabled: !owner },
    cat.languages.map((l) => h('option', { value: l.code, selected: l.code == (site?.default_language || 'en') }, `${l.name} (${l.code})`)),
  );
  const lifetime = input('f-lifetime', {
    type: 'number',
    min: 1,
    max: cat.lifetime_days.max,
    value: site?.consent_lifetime_days || cat.lifetime_days.default,
    inputmode: 'numeric',
  });
  const retention = input('f-retention', {
    type: 'number',
    min: cat.retention_days.min,
    max: cat.retention_days.max,
    value: site?.retention_days || cat.retention_days.default,
    inputmode: 'numeric',
  });
  const integ = INTEGRATIONS.map((i) => {
    const cur = site?.integrations?.[i.key]?.[i.prop];
    return { ...i, el: input(i.id, { value: cur == null ? '' : String(cur), autocomplete: 'off', spellcheck: 'false' }) };
  });
  const gaExpires = input('f-ga-expires', {
    type: 'number',
    min: 1,
    max: 730,
    inputmode: 'numeric',
    value: site?.integrations?.google_analytics?.cookie_expires_days ?? '',
  });
  const hubEU = input('f-hubspot-eu', { type: 'checkbox', checked: site?.integrations?.hubspot?.region == 'eu1' });
  const gpcReject = input('f-gpc', { type: 'checkbox', checked: site?.gpc_handling == 'reject_all', 'aria-describedby': 'f-gpc-hint' });

  // Banner texts: one language at a time; an empty box means the default.
  const textLang = h(
    'select',
    { id: 'f-text-lang' },
    cat.languages.map((l) => h('option', { value: l.code, selected: l.code == (site?.default_language || 'en') }, l.name)),
  );
  const textBox = h('div', { class: 'texts', id: 'f-texts' });
  const drawTexts = () => {
    const l = textLang.value;
    const one = (k: string) => {
      const id = 'f-text-' + k;
      const long = (cat.default_texts[l]?.[k] || '').length > 60;
      const el = h(long ? 'textarea' : 'input', {
        id,
        name: id,
        disabled: !owner,
        placeholder: cat.default_texts[l]?.[k] || '',
        rows: long ? 3 : null,
        'data-key': k,
      }) as HTMLInputElement;
      el.value = texts[l]?.[k] || '';
      el.addEventListener('input', () => {
        texts[l] ??= {};
        if (el.value == '') delete texts[l][k];
        else texts[l][k] = el.value;
        if (!Object.keys(texts[l]).length) delete texts[l];
        schedulePreview();
      });
      return field(id, k, el);
    };
    // The first layer's texts are open; the settings layer's and the
    // purposes' are folded away until wanted.
    const keys = cat.text_keys;
    const group = (title: string, prefix: string) => {
      const ks = keys.filter((k) => k.startsWith(prefix));
      const changed = ks.filter((k) => texts[l]?.[k]).length;
      return h(
        'details',
        { class: 'text-group', open: changed > 0 },
        h('summary', {}, title, changed ? h('span', { class: 'badge' }, `${changed} changed`) : null),
        ks.map(one),
      );
    };
    clear(
      textBox,
      keys.filter((k) => !k.startsWith('settings.') && !k.startsWith('purpose.') && !k.startsWith('gpc.')).map(one),
      group('Purposes: names and descriptions', 'purpose.'),
      group('Settings layer', 'settings.'),
      group('Global Privacy Control notice', 'gpc.'),
    );
  };
  textLang.addEventListener('change', () => {
    drawTexts();
    previewLang.value = textLang.value;
    schedulePreview();
  });

  // The vendors the site declares: built-in ones ticked, custom ones typed.
  const draft = draftFromSettings((site as { vendors?: unknown } | null)?.vendors);
  const integrated = () => new Set(integ.filter((i) => i.el.value.trim()).map((i) => i.key));
  let layout: string[] = [];
  let problems: FieldError[] = [];
  const vendorCard = vendorsCard({
    catalog: catalogVendors(cat.vendors),
    languages: cat.languages,
    draft,
    owner,
    onChange: () => schedulePreview(),
    integrated,
    gaExpiresDays: () => (/^\d+$/.test(gaExpires.value.trim()) ? Number(gaExpires.value) : null),
  });

  const gcm = consentModeCard({
    current: site?.consent_mode,
    gtmFirst: site?.gtm_loads_before_consent,
    owner,
    onChange: () => schedulePreview(),
  });

  const settings = (): Settings => {
    const integrations: Settings['integrations'] = {};
    for (const i of integ) {
      const v = i.el.value.trim();
      if (!v) continue;
      integrations[i.key] = { [i.prop]: i.numeric && /^\d+$/.test(v) ? Number(v) : v };
    }
    if (integrations.hubspot && hubEU.checked) integrations.hubspot.region = 'eu1';
    // GA's cookie lifetime goes with GA; typed without a measurement id,
    // the server says that the id is missing.
    const ex = gaExpires.value.trim();
    if (ex) (integrations.google_analytics ??= { measurement_id: '' }).cookie_expires_days = Number(ex);
    const n = (el: HTMLInputElement) => (el.value.trim() == '' ? 0 : Number(el.value));
    const v = settingsFromDraft(draft, integrated());
    layout = v.layout;
    problems = v.problems;
    return {
      name: name.value,
      origins: origins.value
        .split(/[\n,]+/)
        .map((o) => o.trim())
        .filter(Boolean),
      default_language: lang.value,
      privacy_policy_url: policy.value.trim(),
      consent_lifetime_days: n(lifetime),
      retention_days: n(retention),
      integrations,
      vendors: v.vendors,
      texts,
      ...(gpcReject.checked ? { gpc_handling: 'reject_all' as const } : {}),
      ...gcm.value(),
    };
  };

  const summary = h('div', { class: 'error-summary', id: 'f-summary', tabindex: -1, hidden: true, role: 'alert' });
  const status = h('p', { class: 'status', role: 'status' });
  const save = h('button', { type: 'submit', class: 'primary' }, site ? 'Save changes' : 'Create site');
  // Before saving, the server tells whether the change would ask every
  // visitor again (a material change) or keep their choices (a minor one,
  // which the owner may still choose to ask again for).
  const askAgain = h('input', { type: 'checkbox', id: 'f-ask-again', name: 'ask_again' });
  const saveEffect = h('p', { class: 'hint', id: 'save-effect', 'aria-live': 'polite' });
  const askAgainBox = h('label', { for: 'f-ask-again', class: 'check', hidden: true }, askAgain, ' Ask every visitor again anyway');
  let previewTimer = 0;
  const previewSave = () => {
    clearTimeout(previewTimer);
    if (!site || !owner) return;
    previewTimer = window.setTimeout(async () => {
      const body = settings();
      if (problems.length) return;
      try {
        const p = await api<SavePreview>(
          'POST',
          `/sites/${encodeURIComponent(site.id)}/settings/preview${askAgain.checked ? '?ask_again=true' : ''}`,
          body,
        );
        saveEffect.textContent = saveEffectText(p);
        askAgainBox.hidden = !p.new_version || p.material;
      } catch {
        saveEffect.textContent = '';
      }
    }, 400);
  };
  askAgain.addEventListener('change', previewSave);

  // Preview: the real samtykke.js in an iframe, fed the draft config.
  const previewLang = h(
    'select',
    { id: 'preview-lang', 'aria-label': 'Preview language' },
    cat.languages.map((l) => h('option', { value: l.code, selected: l.code == (site?.default_language || 'en') }, l.name)),
  );
  const phone = h('input', { type: 'checkbox', id: 'preview-phone' });
  const layer = h(
    'select',
    { id: 'preview-layer', 'aria-label': 'Layer' },
    h('option', { value: 'banner' }, 'Banner'),
    h('option', { value: 'settings' }, 'Settings layer'),
  );
  const frameWrap = h('div', { class: 'preview-frame' });
  const previewNote = h(
    'p',
    { class: 'muted small', id: 'preview-note' },
    'This is the real banner script with your unsaved changes. Choices made here are not stored or counted.',
  );
  let timer = 0;
  let frame: HTMLIFrameElement | null = null;
  const schedulePreview = () => {
    clearTimeout(timer);
    timer = window.setTimeout(drawPreview, 400);
  };
  let pending: any = null;
  let previewSeq = 0;
  const drawPreview = async () => {
    const path = site ? `/sites/${encodeURIComponent(site.id)}/preview` : '/preview';
    // Answers may come back out of order; only the latest draft is shown.
    const mine = ++previewSeq;
    let cfg: unknown;
    try {
      cfg = await api('POST', `${path}?lang=${previewLang.value}`, settings());
    } catch (e) {
      if (mine == previewSeq) previewNote.textContent = 'The preview could not be built: ' + (e as ApiError).message;
      return;
    }
    if (mine != previewSeq) return;
    pending = cfg;
    previewNote.textContent = 'This is the real banner script with your unsaved changes. Choices made here are not stored or counted.';
    frame = h('iframe', {
      title: 'Banner preview',
      id: 'preview-frame',
      src: `/dashboard/preview?site=${encodeURIComponent(site?.id || 'preview')}&lang=${previewLang.value}&t=${Date.now()}`,
    });
    clear(frameWrap, frame);
  };
  window.addEventListener('message', function onMsg(e) {
    if (!frameWrap.isConnected) return window.removeEventListener('message', onMsg);
    if (e.origin != location.origin || !frame || e.source != frame.contentWindow) return;
    if (e.data?.type == 'samtykke-preview-ready')
      frame.contentWindow!.postMessage({ type: 'samtykke-preview-config', config: pending, layer: layer.value }, location.origin);
  });
  previewLang.addEventListener('change', schedulePreview);
  layer.addEventListener('change', drawPreview);
  phone.addEventListener('change', () => frameWrap.classList.toggle('phone', phone.checked));
  for (const el of [name, policy, lifetime, ...integ.map((i) => i.el)]) el.addEventListener('input', schedulePreview);
  // The built-in list shows which vendors an integration brings, and GA's lifetime.
  for (const el of [gaExpires, ...integ.map((i) => i.el)])
    el.addEventListener('input', () => {
      vendorCard.refreshBuiltins();
      schedulePreview();
    });
  for (const el of [lang, hubEU, gpcReject]) el.addEventListener('change', schedulePreview);

  const tag = site ? site.script_tag : '';
  const install = site
    ? h(
        'section',
        { class: 'card', 'aria-labelledby': 'install-h', id: 'install' },
        h('h2', { id: 'install-h' }, 'Install'),
        h(
          'p',
          {},
          'Paste this tag as the first script in the <head> of every page of the site, before Google Analytics, Tag Manager and other tags:',
        ),
        h(
          'div',
          { class: 'tag' },
          h('code', { id: 'script-tag' }, tag),
          copyButton(() => tag, 'Copy tag'),
        ),
      )
    : null;

  const f = h(
    'form',
    { class: 'setup', novalidate: true, id: 'site-form' },
    summary,
    owner ? null : h('p', { class: 'notice' }, 'You can see this site’s setup. Only its owners can change it.'),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'general-h' },
      h('h2', { id: 'general-h' }, 'General'),
      field('f-name', 'Site name', name, 'Shown in the banner’s vendor list as the provider of the consent cookie.'),
      field('f-origins', 'Origins', origins, 'One per line, such as https://www.example.com. Receipts are accepted only from these.'),
      field('f-policy', 'Privacy policy link', policy),
      h(
        'div',
        { class: 'row3' },
        field('f-lang', 'Default language', lang),
        field('f-lifetime', 'Consent lifetime (days)', lifetime, `Ask again after this; at most ${cat.lifetime_days.max}.`),
        field('f-retention', 'Keep receipts (days)', retention, `At least ${cat.retention_days.min}.`),
      ),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'integrations-h' },
      h('h2', { id: 'integrations-h' }, 'Integrations'),
      h(
        'p',
        { class: 'muted small' },
        'Leave a box empty if the site does not use that tool. The banner loads each tool only after the visitor allows its purpose.',
      ),
      h(
        'div',
        { class: 'grid2 tight' },
        integ.map((i) => [
          field(i.id, i.label, i.el, i.hint),
          i.key == 'google_analytics'
            ? field(
                'f-ga-expires',
                'Google Analytics cookie lifetime (days)',
                gaExpires,
                'Optional, 1 to 730. Empty: Google’s default of 730 days. The site’s _ga cookies then last this long, and the banner lists the lifetime really set.',
              )
            : null,
        ]),
      ),
      h(
        'div',
        { class: 'field check' },
        hubEU,
        h('label', { for: 'f-hubspot-eu' }, 'HubSpot portal is hosted in the EU (eu1)'),
        h('p', { class: 'field-error', id: 'f-hubspot-eu-error' }),
      ),
    ),
    vendorCard.el,
    gcm.el,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'gpc-h' },
      h('h2', { id: 'gpc-h' }, 'Global Privacy Control'),
      h(
        'div',
        { class: 'field check' },
        gpcReject,
        h('label', { for: 'f-gpc' }, 'Apply Global Privacy Control as “Reject all”, without showing the banner'),
        h('p', { class: 'field-error', id: 'f-gpc-error' }),
      ),
      h(
        'div',
        { class: 'muted small', id: 'f-gpc-hint' },
        h(
          'p',
          {},
          'Global Privacy Control is a setting in some browsers and extensions (Firefox, Brave, DuckDuckGo and others) by which the visitor asks every site not to sell or share their data. The banner always reads it and records it in each receipt.',
        ),
        h(
          'p',
          {},
          'Off (the default): visitors who send it see the banner like everyone else, with nothing switched on. On: they are not asked; the banner applies “Reject all” for them, stores it as a receipt with the action “GPC”, and shows a small notice saying that their browser’s privacy signal was honoured, with a button to open the cookie settings and change it.',
        ),
        h(
          'p',
          {},
          'Why you might turn it on: the visitor has already said no, so asking again adds a banner without adding a choice; it is the answer they would most likely give, and in California, Colorado and Connecticut honouring the signal is required by law. Why it is off by default: in the EU the signal is not consent and does not replace asking, it only refuses, so visitors with it will rarely end up allowing statistics or marketing; you get fewer consents from them. Turning it on or off changes what visitors are shown, so every visitor is asked again.',
        ),
      ),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'texts-h' },
      h('h2', { id: 'texts-h' }, 'Banner texts'),
      h('p', { class: 'muted small' }, 'Empty boxes use the default wording shown in grey. Change a text to see it in the preview.'),
      h('div', { class: 'field' }, h('label', { for: 'f-text-lang' }, 'Language'), textLang),
      textBox,
    ),
    owner ? h('div', { class: 'form-actions' }, save, status) : null,
    owner && site ? h('div', { class: 'save-effect' }, saveEffect, askAgainBox) : null,
  );
  f.addEventListener('input', previewSave);
  f.addEventListener('change', previewSave);
  const preview = h(
    'section',
    { class: 'card preview', 'aria-labelledby': 'preview-h' },
    h('h2', { id: 'preview-h' }, 'Preview'),
    h('div', { class: 'preview-controls' }, previewLang, layer, h('label', { for: 'preview-phone', class: 'check' }, phone, ' Phone size')),
    frameWrap,
    previewNote,
  );
  const danger = site && owner ? deleteCard(c, site) : null;
  let declareVendor = async (_id: string) => false;
  const tagsToFix = site ? tagWarningsCard({ siteId: site.id, owner, declare: (id) => declareVendor(id) }) : null;
  const scans = site ? scansCard({ siteId: site.id, owner }) : null;
  clear(
    body,
    h(
      'div',
      { class: 'setup-layout' },
      h('div', { class: 'setup-main' }, install, tagsToFix?.el, scans?.el, f, danger),
      h('aside', { class: 'setup-side' }, preview),
    ),
  );
  drawTexts();
  drawPreview();

  const showErrors = (fields: FieldError[]) => {
    for (const el of f.querySelectorAll('.field-error')) el.textContent = '';
    for (const el of f.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    const items: Node[] = [];
    let first: HTMLElement | null = null;
    for (const fe of fields) {
      const t: { id: string; lang?: string; line?: number; prefix?: string } =
        vendorFieldTarget(fe.field, layout) ?? consentModeTarget(fe.field, gcm.codes) ?? fieldTarget(fe.field);
      const msg = t.line
        ? `Line ${t.line}: ${fe.message}`
        : t.prefix
          ? `${t.prefix}: ${fe.message}`
          : fe.message.charAt(0).toUpperCase() + fe.message.slice(1);
      if (t.lang && t.lang != textLang.value) {
        // Another language's text: say which, and offer to go there.
        const go = h('button', { type: 'button', class: 'link' }, `${fe.field}: ${fe.message}`);
        go.addEventListener('click', () => {
          textLang.value = t.lang!;
          drawTexts();
          showErrors(fields);
          document.getElementById(t.id)?.closest('details')?.setAttribute('open', '');
          document.getElementById(t.id)?.focus();
        });
        items.push(h('li', {}, go));
        continue;
      }
      const el = document.getElementById(t.id);
      const errEl = document.getElementById(t.id + '-error');
      el?.closest('details')?.setAttribute('open', '');
      if (el && errEl && t.id != 'f-summary') {
        errEl.textContent = errEl.textContent ? errEl.textContent + ' ' + msg : msg;
        el.setAttribute('aria-invalid', 'true');
        el.setAttribute(
          'aria-describedby',
          [...new Set([...(el.getAttribute('aria-describedby') || '').split(' ').filter(Boolean), t.id + '-error'])].join(' '),
        );
        first ??= el;
        const link = h('a', { href: '#' + t.id }, labelOf(t.id) + ': ' + msg);
        link.addEventListener('click', (e) => {
          e.preventDefault();
          el.focus();
        });
        items.push(h('li', {}, link));
      } else items.push(h('li', {}, `${fe.field}: ${fe.message}`));
    }
    summary.hidden = !items.length;
    clear(
      summary,
      h('h2', {}, items.length == 1 ? 'One thing to fix before saving' : `${items.length} things to fix before saving`),
      h('ul', {}, items),
    );
    if (items.length) summary.focus();
    return first;
  };

  /** Saves the form; false when the server (or a lifetime that is no number) refused it. */
  const saveForm = async (): Promise<boolean> => {
    if (!owner) return false;
    const body = settings();
    if (problems.length) {
      // Nothing is sent while a number cannot even be read as one.
      status.textContent = '';
      showErrors(problems);
      return false;
    }
    save.disabled = true;
    status.textContent = 'Saving…';
    try {
      const saved = site
        ? await api<SiteView>('PUT', `/sites/${encodeURIComponent(site.id)}${askAgain.checked ? '?ask_again=true' : ''}`, body)
        : await api<SiteView>('POST', '/sites', body);
      showErrors([]);
      // Custom vendors get their ids (custom_…) from the server.
      const fresh = draftFromSettings((saved as { vendors?: unknown }).vendors);
      draft.customs.forEach((c, i) => {
        if (fresh.customs[i]?.id) c.id = fresh.customs[i].id;
      });
      await c.refreshSites();
      if (site) {
        const last = saved.config_history?.[saved.config_history.length - 1];
        status.textContent =
          saved.config_version == site.config_version
            ? 'Saved.'
            : last?.minor
              ? 'Saved. Visitors keep the choices they made: a minor change, saved as a new version.'
              : 'Saved. Visitors will be asked again, since what the banner shows has changed.';
        site.config_version = saved.config_version;
        askAgain.checked = false;
        askAgainBox.hidden = true;
        saveEffect.textContent = '';
      } else {
        c.go(`#/sites/${encodeURIComponent(saved.id)}/setup`);
        announce('Site created. Paste the tag shown under Install.');
      }
      return true;
    } catch (x) {
      const ae = x as ApiError;
      status.textContent = '';
      if (ae.fields?.length) showErrors(ae.fields);
      else showErrors([{ field: 'form', message: ae.message }]);
      return false;
    } finally {
      save.disabled = false;
    }
  };
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    void saveForm();
  });
  // "Tags to fix" offers to declare a vendor: tick it and save.
  declareVendor = async (id: string) => vendorCard.declare(id) && (await saveForm());
  void uid;
}

/** Deleting a site, for its owners and operators. It cannot be undone, so
 * the owner types the site's name first; the server checks the name too,
 * so a stray request deletes nothing. */
function deleteCard(c: Ctx, site: SiteView) {
  const typed = h('input', { id: 'd-confirm', name: 'confirm_name', autocomplete: 'off', spellcheck: 'false' });
  const err = () => document.getElementById('d-confirm-error')!;
  const btn = h('button', { type: 'submit', class: 'danger' }, 'Delete site');
  const status = h('p', { class: 'status', role: 'status' });
  const fail = (msg: string) => {
    err().textContent = msg;
    typed.setAttribute('aria-invalid', 'true');
    typed.setAttribute(
      'aria-describedby',
      [...new Set([...(typed.getAttribute('aria-describedby') || '').split(' ').filter(Boolean), 'd-confirm-error'])].join(' '),
    );
    typed.focus();
  };
  const form = h(
    'form',
    { class: 'card danger-zone', novalidate: true, id: 'delete-form', 'aria-labelledby': 'delete-h' },
    h('h2', { id: 'delete-h' }, 'Delete this site'),
    h(
      'p',
      {},
      'Hides the site at once: the banner stops on every page that has the tag, and the site leaves every list. Its setup, receipts and numbers are kept for a grace period, during which you can restore it from your site list; then they are purged for good.',
    ),
    h(
      'p',
      {},
      'Receipts are your proof of consent. ',
      h('a', { href: `#/sites/${encodeURIComponent(site.id)}/receipts`, id: 'delete-export' }, 'Export them first'),
      ' if you may need them after the purge.',
    ),
    field('d-confirm', `Type the site’s name, ${site.name}, to confirm`, typed),
    h('div', { class: 'form-actions' }, btn, status),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err().textContent = '';
    typed.removeAttribute('aria-invalid');
    if (typed.value.trim() != site.name.trim()) {
      fail(
        typed.value.trim()
          ? `This is not the site’s name; type ${site.name} exactly.`
          : 'Type the site’s name to confirm that it is to be deleted.',
      );
      return;
    }
    btn.disabled = true;
    status.textContent = 'Deleting…';
    try {
      await api('DELETE', `/sites/${encodeURIComponent(site.id)}`, { confirm_name: typed.value });
      await c.refreshSites();
      c.notice = `${site.name} was deleted. You can restore it from the list of deleted sites below until it is purged.`;
      c.go('#/');
      announce(`${site.name} was deleted.`);
    } catch (x) {
      const ae = x as ApiError;
      status.textContent = '';
      const fe = ae.fields?.find((f) => f.field == 'confirm_name');
      if (fe) fail(fe.message.charAt(0).toUpperCase() + fe.message.slice(1) + '.');
      else status.textContent = ae.message;
    } finally {
      btn.disabled = false;
    }
  });
  return form;
}

function labelOf(id: string): string {
  const l = document.querySelector(`label[for="${CSS.escape(id)}"]`);
  return l?.textContent || id;
}
