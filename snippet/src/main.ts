// samtykke.js: the site owner's first <script> in <head>. Everything up to
// the config fetch runs synchronously, before any vendor snippet below it.
// What draws the layers, the declaration and placeholders is samtykke-ui.js
// (ui-bundle.ts), loaded only when one of them is to be shown: at once on a
// first visit, alongside the config; for a visitor who has chosen, only
// when they open the settings or the page needs a declaration or placeholder.
import { blocker } from './blocker.ts';
import { cookieDomains, cookiePaths, deletions } from './cookies.ts';
import { embeds } from './embeds.ts';
import { settingsButton } from './fab.ts';
import { gcmRedaction, gcmStart, gcmUpdate } from './gcm.ts';
import { languagePrefs } from './lang.ts';
import { Outbox } from './outbox.ts';
import { COOKIE, MAX_DAYS, choices, decodeState, isExpired, needsPrompt, readCookie, withdrawn } from './state.ts';
import type { Stored } from './state.ts';
import { guards } from './guards.ts';
import { match } from './rules.ts';
import type { Rule } from './rules.ts';
import type { BannerConfig, Choices, ConsentMode, Optional, Surface } from './types.ts';
import type { UiBundle } from './ui-bundle.ts';
import { integrations, tellVendors, trapFbq } from './vendors.ts';
import type { TagKind } from './warnings.ts';

declare const UI_FILE: string;

const w = window as any;

if (!w.samtykke) {
  const me = (document.currentScript || document.querySelector('script[data-site]')) as HTMLScriptElement | null;
  // A script injected by a tag manager carries no data- attributes: ?site= in its src says it.
  const site = me?.getAttribute('data-site') || (me?.src && new URL(me.src, location.href).searchParams.get('site')) || '';
  const api = new URL(me?.src || '/', location.href).origin;
  const base = `${api}/v1/sites/${encodeURIComponent(site)}`;
  const nonce = me?.nonce || '';
  // Global Privacy Control: the browser's own signal, or the Sec-GPC header
  // the config request carried (the server says so in the config).
  let gpc = (navigator as any).globalPrivacyControl === true;
  const dl: unknown[] = (w.dataLayer = w.dataLayer || []);
  // gtag.js reads Arguments objects from the dataLayer, not arrays.
  const gtag: (...a: unknown[]) => void = function () {
    dl.push(arguments);
  };
  // The site's Consent Mode settings, which consentd serves ahead of this script (?site=).
  const gcm: ConsentMode = w.samtykkeGcm || {};
  const run = (cmds: unknown[][]) => cmds.forEach((a) => gtag(...a));
  // Injected by Samtykke's GTM template (?gtm=1): the template sets Consent
  // Mode's defaults and updates from samtykke.on('change'), and the container
  // is already running, so none of that is done twice here.
  const viaGtm = !!me?.src && new URL(me.src, location.href).searchParams.get('gtm') == '1';
  const signal = (c: Choices) => {
    if (viaGtm) return;
    run(gcmRedaction(gcm, c.marketing));
    gtag('consent', 'update', gcmUpdate(c));
  };

  // 1. Consent Mode defaults, before any vendor snippet can push config or gtm.js.
  if (!viaGtm) run(gcmStart(gcm));
  let stored: Stored | null = decodeState(readCookie(document.cookie, COOKIE));
  if (stored && isExpired(stored, MAX_DAYS, Date.now())) stored = null;
  if (stored) signal(stored.choices);
  else if (!viaGtm) run(gcmRedaction(gcm, false));
  w.disableHubSpotCookieBanner = true;

  // 2. Gates. Nothing is released until the config has confirmed the stored
  // choice (or could not be fetched), or the visitor decides.
  let current: Choices | null = null;
  let cfg: BannerConfig | null = null;
  let view: ReturnType<UiBundle['ui']> | null = null;
  const waiting: (() => void)[] = [];
  const listeners: ((c: Choices, consentId: string) => void)[] = [];
  const loaded = new Set<string>();
  trapFbq(() => (current?.marketing ? 'grant' : 'revoke'));
  // The vendor catalogue's rules, which consentd serves ahead of this script;
  // the config brings them again with the site's own vendors.
  let rules: Rule[] = w.samtykkeRules || [];
  const find = (url: string) => match(rules, url, document.baseURI);
  const allowed = (need: Optional[], all = false) =>
    (all && !need.length) || (!!current && (all ? need.every((p) => current![p]) : need.some((p) => current![p])));
  const permit = (url: string) => {
    const m = find(url);
    return !m || allowed(m.purposes);
  };
  /** Not held at all: Google's tags in advanced Consent Mode, gtm.js where the site lets it load first. */
  const free = (url: string) => !find(url);
  // Tags to fix, as they pass: samtykke-ui.js turns them into the report (a
  // copy of the element, as it was when seen, gives the markup to paste).
  const seenTags: [TagKind, string, Element | null][] = [];
  const seen = (kind: TagKind, url: string, el: Element | null = null) => seenTags.push([kind, url, el && (el.cloneNode() as Element)]);
  const srcOf = Object.getOwnPropertyDescriptor(HTMLIFrameElement.prototype, 'src')!;
  const gate = blocker(allowed, (url) => find(url)?.purposes || null, seen);
  /** The button of an embed's placeholder: grants its purpose. */
  const grant = (p: Optional) =>
    whenConfig(() => decide(p == 'statistics' || !!current?.statistics, p == 'marketing' || !!current?.marketing, 'custom', 'embed'));
  const emb = embeds(
    {
      match: find,
      allowed,
      parsed: (el, src) => seen('iframe', src, el),
      draw: (e) => whenConfig(() => loadUi().then((m) => !allowed(e.purposes) && e.el.isConnected && m.placeholder(e, cfg!, nonce, grant))),
    },
    (el, src) => srcOf.set!.call(el, src),
  );
  guards(permit, (el, src) => (emb.hold(el, src), true));

  const ready = (fn: () => void) => (document.body ? fn() : addEventListener('DOMContentLoaded', () => fn()));
  const whenConfig = (fn: () => void) => (cfg ? fn() : waiting.push(fn));

  const load = (src: string, id?: string) => {
    const s = document.createElement('script');
    s.async = true;
    if (id) s.id = id;
    s.nonce = nonce;
    s.src = src;
    (document.head || document.documentElement).append(s);
    return s;
  };

  // samtykke-ui.js, next to this script (so also for ?site= and the GTM template's ?gtm=1).
  let uiBundle: Promise<UiBundle> | undefined;
  let ui: UiBundle | undefined;
  const loadUi = () =>
    (uiBundle ||= new Promise((done) => {
      const s = load(new URL(UI_FILE, me?.src || api).href);
      s.onload = () => done((ui = w.samtykkeUi));
      // Nothing can be drawn without it; the gates hold as they are.
      s.onerror = () => console.warn('samtykke: could not load', s.src);
    }));
  const withUi = (fn: (u: UiBundle) => void) => (ui ? fn(ui) : loadUi().then(fn));
  /** Runs fn with the layers once both the config and samtykke-ui.js are in. */
  const withView = (fn: (v: NonNullable<typeof view>) => void) =>
    whenConfig(() =>
      loadUi().then((m) =>
        fn(
          (view ||= m.ui({
            cfg: cfg!,
            nonce,
            current: () => (current ? stored : null),
            decide,
            base,
            gpc,
          })),
        ),
      ),
    );
  /** The "Cookie settings" button; with note, inside the notice that GPC was applied as "Reject all". */
  const button = (note?: boolean) => {
    if (!cfg) return;
    const open = () => w.samtykke.show();
    const plain = () => settingsButton(cfg!.texts['button.cookie_settings'] || '', nonce, open);
    if (note) loadUi().then((m) => m.gpcNotice(cfg!, nonce, open, () => plain().focus()));
    else if (!document.getElementById('samtykke-settings')) plain();
  };

  const siteIntegrations = (c: BannerConfig) => (viaGtm ? { ...c.integrations, google_tag_manager: undefined } : c.integrations);
  const confirm = (c: Choices) => {
    // HubSpot remembers a withdrawal in a cookie of its own, which would keep
    // it off after a later grant: the grant lifts it before HubSpot loads.
    if (c.marketing && readCookie(document.cookie, HS_DNT) != null) purge([HS_DNT]);
    current = c;
    gate.release();
    emb.update();
    if (cfg) integrations(siteIntegrations(cfg), c, gtag, load, loaded, free);
    tellVendors(c);
    dl.push({ event: 'samtykke_consent_update', samtykke: { ...c } });
  };

  // 3. Receipts.
  let store: Storage | null = null;
  try {
    store = localStorage;
  } catch {}
  const outbox = new Outbox(store, (i) =>
    fetch(i.url, { method: 'POST', body: i.body, keepalive: true, credentials: 'omit' }).then((r) => r.status),
  );
  addEventListener('pagehide', () => outbox.beacon((u, b) => navigator.sendBeacon(u, b)));
  outbox.flush();

  const HS_DNT = '__hs_do_not_track';
  const purge = (names: string[]) => {
    const domains = cookieDomains(location.hostname, probe);
    for (const name of names) for (const d of deletions(name, domains, cookiePaths(location.pathname))) document.cookie = d;
  };
  const probe = (d: string) => {
    const c = 'samtykke_probe';
    document.cookie = `${c}=1; Path=/; Domain=${d}`;
    const ok = readCookie(document.cookie, c) != null;
    document.cookie = `${c}=; Max-Age=0; Path=/; Domain=${d}`;
    return ok;
  };

  /** A decision (samtykke-ui.js records it: see decide.ts); at once when the layers are in, as they are after a click. */
  function decide(s: boolean, m: boolean, clicked: 'all' | 'none' | 'custom' | 'gpc', surface: Surface) {
    if (cfg)
      withUi((u) =>
        u.decide(
          {
            cfg: cfg!,
            stored,
            gpc,
            store,
            base,
            rules,
            outbox,
            dl,
            set: (v) => (stored = v),
            choose(c) {
              current = c;
              signal(c);
              view?.close();
            },
            confirm,
            emit,
            purge,
            button: (note) => ready(() => button(note)),
          },
          s,
          m,
          clicked,
          surface,
        ),
      );
  }

  /** Tells the page the consent in force: on a decision (with its action), or on load once a stored choice is confirmed (action null). */
  function emit(detail: { consent: Choices; consentId: string; action: string | null }) {
    ready(drawDeclaration);
    document.dispatchEvent(new CustomEvent('samtykke:change', { detail }));
    for (const fn of listeners)
      try {
        fn({ ...detail.consent }, detail.consentId);
      } catch (e) {
        console.error(e);
      }
  }

  const drawDeclaration = () =>
    cfg &&
    document.querySelector('[data-samtykke-declaration]') &&
    loadUi().then((m) => m.declaration(cfg!, current ? stored : null, base, () => w.samtykke.show()));

  function start(c: BannerConfig) {
    cfg = c;
    gpc ||= !!c.gpc;
    if (c.rules) rules = c.rules;
    emb.update();
    integrations(siteIntegrations(c), current, gtag, load, loaded, free);
    ready(drawDeclaration);
    if (stored && !needsPrompt(stored, c.config_version, c.consent_lifetime_days, Date.now(), c.accepted_versions)) {
      confirm(stored.choices);
      emit({ consent: { ...stored.choices }, consentId: stored.id, action: null });
      ready(button);
    } else if (gpc && c.gpc_reject_all && !withdrawn(stored && stored.choices, choices(false, false)).length) {
      // The site applies GPC as "Reject all": no banner, a receipt with
      // action gpc, and a notice from which the visitor can change it.
      // A visitor who once said yes (to an earlier banner) is asked instead:
      // the signal does not take back an explicit choice.
      decide(false, false, 'gpc', 'banner');
    } else {
      // No choice, or one given for another version of the banner or too
      // long ago: ask again, and keep everything blocked meanwhile.
      if (stored) signal(choices(false, false));
      // Unless the visitor decided (through the API) while the layers were on their way.
      withView((v) => ready(() => current || v.banner()));
    }
    // Tags to fix, once the page's own tags have run: reported by the page
    // views that load the layers anyway (a first visit, a new banner
    // version), so that a returning visitor never loads them for this.
    const report = () => uiBundle?.then((m) => m.tagReport(seenTags, find, c, base));
    if (document.readyState == 'complete') report();
    else addEventListener('load', report);
    waiting.splice(0).forEach((fn) => fn());
  }

  // 4. The site's config, in the visitor's language.
  const prefs = languagePrefs(me?.getAttribute('data-lang'), document.documentElement.lang, navigator.languages);
  // A first visit will show the banner: its layers load alongside the config.
  if (!stored) loadUi();
  const abort = new AbortController();
  setTimeout(() => abort.abort(), 8000);
  fetch(`${base}/config?lang=${encodeURIComponent(prefs.join(','))}`, { credentials: 'omit', signal: abort.signal })
    .then((r) => {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    })
    .then(start, (e) => {
      // Without the config there are no texts to show. A visitor who has
      // already chosen keeps that choice; everyone else stays blocked.
      console.warn('samtykke: could not load the site config:', e);
      if (stored && !current) {
        confirm(stored.choices);
        emit({ consent: { ...stored.choices }, consentId: stored.id, action: null });
      }
    });

  document.addEventListener('click', (e) => {
    const t = (e.target as Element)?.closest?.('[data-samtykke-open]');
    if (t) {
      e.preventDefault();
      w.samtykke.show();
    }
  });

  const purposes = (list: string[]) => [list.includes('statistics'), list.includes('marketing')] as const;
  w.samtykke = {
    get consentId(): string | null {
      return stored?.id || null;
    },
    get consent(): Choices | null {
      return current && { ...current };
    },
    show() {
      withView((v) => ready(v.settings));
    },
    accept(list: string[] = []) {
      whenConfig(() => {
        const [s, m] = purposes(list);
        decide(s, m, s && m ? 'all' : s || m ? 'custom' : 'none', 'api');
      });
    },
    rejectAll() {
      whenConfig(() => decide(false, false, 'none', 'api'));
    },
    on(event: string, fn: (c: Choices, consentId: string) => void) {
      if (event == 'change') listeners.push(fn);
    },
  };
}
