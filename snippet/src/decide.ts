// A visitor's decision, from a layer, a placeholder, the API or the GPC
// signal: the state cookie, the receipt, and on a withdrawal the deletion of
// what the withdrawn purposes' vendors stored. It is in samtykke-ui.js:
// decisions are made through the layers, which are loaded by then; an API
// call on a page without them loads them first.
import type { Outbox } from './outbox.ts';
import { trackerNames } from './rules.ts';
import type { Rule } from './rules.ts';
import { type Stored, actionFor, choices, stateCookie, uuid, withdrawn } from './state.ts';
import type { BannerConfig, Choices, Receipt, Surface } from './types.ts';
import { tellVendors } from './vendors.ts';

/** What samtykke.js hands over of the page's state; set and choose write it back. */
export interface Decider {
  cfg: BannerConfig;
  stored: Stored | null;
  gpc: boolean;
  store: Storage | null;
  base: string;
  rules: Rule[];
  outbox: Outbox;
  dl: unknown[];
  /** Stores the new state (the cookie is written here). */
  set(s: Stored): void;
  /** Puts the new choice in force for requests and Consent Mode, and closes the layers. */
  choose(c: Choices): void;
  /** Releases what the choice allows. */
  confirm(c: Choices): void;
  emit(detail: { consent: Choices; consentId: string; action: string | null }): void;
  purge(names: string[]): void;
  /** The "Cookie settings" button; with note, the GPC notice. */
  button(note: boolean): void;
}

const LAST = 'samtykke_last';

export function decide(k: Decider, s: boolean, m: boolean, clicked: 'all' | 'none' | 'custom' | 'gpc', surface: Surface) {
  const { cfg, store } = k;
  const w = window as any;
  const next = choices(s, m);
  const prev = k.stored?.choices || null;
  const gone = withdrawn(prev, next);
  const now = Date.now();
  const id = k.stored?.id || uuid();
  const stored: Stored = { id, version: cfg.config_version, choices: next, time: now };
  k.set(stored);
  document.cookie = stateCookie(stored, cfg.consent_lifetime_days, location.protocol == 'https:');

  const rid = uuid();
  let last = '';
  try {
    last = store?.getItem(LAST) || '';
    store?.setItem(LAST, id + ' ' + rid);
  } catch {}
  const receipt: Receipt = {
    receipt_id: rid,
    consent_id: id,
    action: clicked == 'gpc' ? clicked : actionFor(prev, next, clicked),
    choices: next,
    config_version: cfg.config_version,
    language: cfg.language,
    page_url: location.href,
    surface,
    gpc: k.gpc,
    client_time: new Date(now).toISOString(),
  };
  if (last.startsWith(id + ' ')) receipt.previous_receipt_id = last.slice(37);
  const sent = k.outbox.add({ id: rid, url: k.base + '/receipts', body: JSON.stringify(receipt), t: now });

  // Requests are judged by the new choice before the vendors hear of it:
  // gtag sends its pings the moment Consent Mode is updated.
  k.choose(next);
  const detail = { consent: { ...next }, consentId: id, action: receipt.action };
  if (gone.length) {
    // Withdrawal: tell the vendors, delete what they stored, and reload so
    // that no script of the withdrawn purpose keeps running.
    tellVendors(next);
    if (gone.includes('marketing')) (w._hsq = w._hsq || []).push(['doNotTrack']);
    k.purge(
      trackerNames(
        k.rules,
        document.cookie.split(/; */).map((c) => c.split('=')[0]),
        gone,
      ),
    );
    for (const key of ['localStorage', 'sessionStorage'])
      try {
        const st: Storage = w[key];
        for (const name of trackerNames(k.rules, Object.keys(st), gone, 'storage')) st.removeItem(name);
      } catch {}
    k.dl.push({ event: 'samtykke_consent_update', samtykke: { ...next } });
    k.emit(detail);
    // Give the receipt a moment to leave; the outbox retries it after the reload anyway.
    Promise.race([sent, new Promise((r) => setTimeout(r, 400))]).then(() => location.reload());
    return;
  }
  k.confirm(next);
  k.emit(detail);
  k.button(clicked == 'gpc');
}
