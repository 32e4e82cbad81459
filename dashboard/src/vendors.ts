// The vendors a site declares, as pure logic unit-tested without a browser:
// the catalogue as the form shows it, the form's state to the site's
// `vendors` JSON and back, where a server field error belongs in the form,
// and what "Tags to fix" tells an owner to do.
import type { FieldError } from './api.ts';

/** A cookie of a built-in vendor, as the form lists it. */
export interface CatalogCookie {
  name: string;
  /** 0 = until the browser closes. */
  minutes: number;
  party: 'first' | 'third';
  description: string;
}

/** A built-in vendor of the catalogue, as the form lists it. */
export interface CatalogVendor {
  id: string;
  name: string;
  provider: string;
  purposes: string[];
  embed: boolean;
  privacy_policy_url: string;
  /** The integrations key that loads this vendor, for the five the banner loads itself. */
  integration?: string;
  cookies: CatalogCookie[];
}

/** The built-in vendors the integrations' fields configure (the banner lists them when the field is filled). */
export const INTEGRATION_VENDORS = ['google_analytics', 'google_tag_manager', 'hotjar', 'meta_pixel', 'hubspot'];

/** The purposes a declared vendor may serve. */
export const VENDOR_PURPOSES = ['statistics', 'marketing'] as const;
export type VendorPurpose = (typeof VENDOR_PURPOSES)[number];

const text = (t: unknown, lang = 'en'): string => {
  if (typeof t == 'string') return t;
  if (t && typeof t == 'object') {
    const m = t as Record<string, string>;
    return m[lang] || m.en || Object.values(m).find(Boolean) || '';
  }
  return '';
};

/** Reads the catalogue's `vendors` list, taking a cookie's lifetime in minutes or days. */
export function catalogVendors(raw: unknown): CatalogVendor[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((v) => v && typeof v.id == 'string')
    .map((v: any) => ({
      id: v.id,
      name: v.name || v.id,
      provider: v.provider || '',
      purposes: Array.isArray(v.purposes) ? v.purposes : v.purpose ? [v.purpose] : [],
      embed: !!(v.embed || v.embed_hosts?.length),
      privacy_policy_url: v.privacy_policy_url || '',
      ...(v.integration ? { integration: String(v.integration) } : {}),
      cookies: (Array.isArray(v.cookies) ? v.cookies : []).map((c: any) => ({
        name: String(c.name || ''),
        minutes:
          typeof c.duration_minutes == 'number'
            ? c.duration_minutes
            : typeof c.lifetime_days == 'number'
              ? c.lifetime_days * 1440
              : typeof c.duration_days == 'number'
                ? c.duration_days * 1440
                : 0,
        party: c.party == 'third' ? 'third' : 'first',
        description: text(c.description),
      })),
    }));
}

const plural = (n: number, one: string) => `${n} ${one}${n == 1 ? '' : 's'}`;

/** A cookie lifetime in words: 0 → "until the browser closes", 1051200 → "2 years". */
export function lifetimeText(minutes: number): string {
  if (!(minutes > 0)) return 'until the browser closes';
  if (minutes < 60) return plural(minutes, 'minute');
  if (minutes < 1440 || minutes % 1440 != 0) return minutes % 60 == 0 ? plural(minutes / 60, 'hour') : plural(minutes, 'minute');
  const days = minutes / 1440;
  if (days % 365 == 0) return plural(days / 365, 'year');
  if (days >= 60 && days % 30 == 0) return plural(days / 30, 'month');
  return plural(days, 'day');
}

export const PURPOSE_NAMES: Record<string, string> = { statistics: 'Statistics', marketing: 'Marketing' };

/** The catalogue grouped by purpose: statistics, marketing, then vendors that serve both. */
export function purposeGroups(vs: CatalogVendor[]): { key: string; label: string; vendors: CatalogVendor[] }[] {
  const order = ['statistics', 'marketing', 'statistics marketing'];
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  const groups = new Map<string, CatalogVendor[]>();
  for (const v of vs) {
    const key = [...v.purposes].sort((a, b) => order.indexOf(a) - order.indexOf(b)).join(' ') || 'other';
    groups.set(key, [...(groups.get(key) || []), v]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([key, vendors]) => ({
      key,
      label:
        key
          .split(' ')
          .map((p) => PURPOSE_NAMES[p] || p)
          .join(' and ') + (key.includes(' ') ? ' (either one)' : ''),
      vendors,
    }));
}

// The site's `vendors` as the server takes them (see the admin API).

export interface CookieEntry {
  name: string;
  lifetime_days: number;
  party: 'first' | 'third';
  description: Record<string, string>;
}

export interface CustomVendorEntry {
  id?: string;
  name: string;
  provider: string;
  purpose: string;
  privacy_policy_url: string;
  hosts: string[];
  embed: boolean;
  cookies: CookieEntry[];
}

export type VendorEntry = { id: string } | CustomVendorEntry;

/** A custom vendor's cookie as the form holds it: the lifetime as typed. */
export interface CookieDraft {
  name: string;
  days: string;
  party: 'first' | 'third';
  description: Record<string, string>;
}

/** A custom vendor as the form holds it: hosts one per line. */
export interface CustomDraft {
  /** custom_…, given by the server once saved. */
  id?: string;
  name: string;
  provider: string;
  purpose: string;
  privacy_policy_url: string;
  hosts: string;
  embed: boolean;
  cookies: CookieDraft[];
}

export interface VendorDraft {
  /** Ids of the declared built-in vendors. */
  builtins: string[];
  customs: CustomDraft[];
}

const isCustom = (v: any) => typeof v?.name == 'string' || (typeof v?.id == 'string' && v.id.startsWith('custom_'));

export const newCookie = (): CookieDraft => ({ name: '', days: '', party: 'first', description: {} });
export const newCustom = (): CustomDraft => ({
  name: '',
  provider: '',
  purpose: 'marketing',
  privacy_policy_url: '',
  hosts: '',
  embed: false,
  cookies: [],
});

/** The form's state from a site's saved `vendors`. */
export function draftFromSettings(list: unknown): VendorDraft {
  const d: VendorDraft = { builtins: [], customs: [] };
  for (const v of Array.isArray(list) ? list : []) {
    if (!v || typeof v != 'object') continue;
    if (!isCustom(v)) {
      if (typeof v.id == 'string' && !d.builtins.includes(v.id)) d.builtins.push(v.id);
      continue;
    }
    d.customs.push({
      ...(v.id ? { id: String(v.id) } : {}),
      name: v.name || '',
      provider: v.provider || '',
      purpose: v.purpose || v.purposes?.[0] || 'marketing',
      privacy_policy_url: v.privacy_policy_url || '',
      hosts: [...(v.hosts || []), ...(v.embed_hosts || [])].join('\n'),
      embed: !!(v.embed || v.embed_hosts?.length),
      cookies: (v.cookies || []).map((c: any) => ({
        name: c.name || '',
        days: String(c.lifetime_days ?? (typeof c.duration_minutes == 'number' ? Math.round(c.duration_minutes / 1440) : 0)),
        party: c.party == 'third' ? 'third' : 'first',
        description: typeof c.description == 'string' ? { en: c.description } : { ...(c.description || {}) },
      })),
    });
  }
  return d;
}

/** Splits a box of one value per line (or comma) into its values. */
export const lines = (s: string) =>
  s
    .split(/[\n,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

/**
 * The site's `vendors` from the form's state: built-in vendors first, by id, then the custom ones. Built-in vendors that an
 * integration already brings (integrated) are left out. layout[i] is the
 * form's id prefix of vendors[i], for placing the server's field errors.
 * problems are what cannot be sent at all (a lifetime that is no number).
 */
export function settingsFromDraft(
  d: VendorDraft,
  integrated: Set<string> = new Set(),
): { vendors: VendorEntry[]; layout: string[]; problems: FieldError[] } {
  const vendors: VendorEntry[] = [];
  const layout: string[] = [];
  const problems: FieldError[] = [];
  for (const id of d.builtins) {
    if (integrated.has(id)) continue;
    vendors.push({ id });
    layout.push('bv-' + id);
  }
  d.customs.forEach((c, ci) => {
    const i = vendors.length;
    const cookies = c.cookies.map((k, j): CookieEntry => {
      const days = k.days.trim();
      if (!/^\d+$/.test(days))
        problems.push({
          field: `vendors[${i}].cookies[${j}].lifetime_days`,
          message:
            days == ''
              ? 'Enter how many days the cookie lasts; 0 means until the browser closes.'
              : 'Must be a whole number of days, 0 or more (0: until the browser closes).',
        });
      const description: Record<string, string> = {};
      for (const [l, t] of Object.entries(k.description)) if (t.trim()) description[l] = t.trim();
      return { name: k.name.trim(), lifetime_days: /^\d+$/.test(days) ? Number(days) : 0, party: k.party, description };
    });
    // A custom vendor's id is made by the server from its name, so it is not sent.
    vendors.push({
      name: c.name.trim(),
      provider: c.provider.trim(),
      purpose: c.purpose,
      privacy_policy_url: c.privacy_policy_url.trim(),
      hosts: lines(c.hosts),
      embed: c.embed,
      cookies,
    });
    layout.push('cv-' + ci);
  });
  return { vendors, layout, problems };
}

/**
 * Where a field error of the site's `vendors` belongs in the form, given
 * the layout settingsFromDraft returned: { id } of the input (with the
 * line of a one-per-line box), or null when the field is not a vendor's.
 */
export function vendorFieldTarget(field: string, layout: string[]): { id: string; line?: number } | null {
  if (field == 'vendors') return { id: 'f-vendors' };
  const m = /^vendors\[(\d+)\](.*)$/.exec(field);
  if (!m) return null;
  const p = layout[Number(m[1])];
  if (!p) return { id: 'f-vendors' };
  if (p.startsWith('bv-')) return { id: p };
  const rest = m[2];
  let r = /^\.(?:hosts|embed_hosts)\[(\d+)\]$/.exec(rest);
  if (r) return { id: p + '-hosts', line: Number(r[1]) + 1 };
  r = /^\.cookies\[(\d+)\](.*)$/.exec(rest);
  if (r) {
    const c = `${p}-c${r[1]}`;
    const sub = r[2];
    if (/^\.(lifetime_days|duration_minutes|duration_days)$/.test(sub)) return { id: c + '-days' };
    if (sub == '.party') return { id: c + '-party' };
    const d = /^\.description(?:\.([a-z]{2}))?$/.exec(sub);
    if (d) return { id: `${c}-desc-${d[1] || 'en'}` };
    return { id: c + '-name' };
  }
  const map: Record<string, string> = {
    '.name': '-name',
    '.id': '-name',
    '.provider': '-provider',
    '.provider_country': '-provider',
    '.purpose': '-purpose',
    '.purposes': '-purpose',
    '.privacy_policy_url': '-policy',
    '.hosts': '-hosts',
    '.embed_hosts': '-hosts',
    '.embed': '-embed',
    '.cookies': '-cookies',
  };
  if (/^\.purposes\[\d+\]$/.test(rest)) return { id: p + '-purpose' };
  return { id: p + (map[rest] || '-name') };
}

// "Tags to fix": what the snippet reported, and what the owner should do.

export type TagKind = 'script' | 'pixel' | 'iframe' | 'noscript' | 'inline';

export interface TagWarning {
  vendor: string;
  vendor_name: string;
  kind: TagKind;
  /** The marked markup to paste instead; '' when the fix is to remove the tag or to declare the vendor. */
  markup: string;
  pages: string[];
  count: number;
  first_seen: string;
  last_seen: string;
  /** Whether the site declares the vendor (the banner lists it). */
  declared: boolean;
}

export const KIND_LABEL: Record<TagKind, string> = {
  script: 'Script tag',
  pixel: 'Image pixel',
  iframe: 'Embedded frame (iframe)',
  noscript: '<noscript> pixel',
  inline: 'Inline loader',
};

/** What to do about one warning, in plain words, and which fixes to offer. */
export function tagAdvice(w: Pick<TagWarning, 'kind' | 'markup' | 'declared' | 'vendor_name'>): {
  todo: string;
  showMarkup: boolean;
  declare: boolean;
} {
  const name = w.vendor_name || 'this vendor';
  const declare = !w.declared;
  const also = declare ? ` Then declare ${name} so the banner lists it.` : '';
  if (w.kind == 'noscript')
    return {
      todo: `Remove the <noscript> pixel of ${name} from your pages: it fires for visitors without JavaScript, and without JavaScript no consent can be asked.${also}`,
      showMarkup: !!w.markup,
      declare,
    };
  if (w.kind == 'inline' || !w.markup)
    return {
      todo: declare
        ? `The banner holds this ${name} tag until consent, but does not list ${name}. Declare ${name} so the banner lists it and its cookies.`
        : `Check how ${name} is added to your pages: the banner noticed it running before consent.`,
      showMarkup: false,
      declare,
    };
  const what = w.kind == 'iframe' ? 'frame' : w.kind == 'pixel' ? 'pixel' : 'script tag';
  return {
    todo: `The browser fetched this ${what} before the visitor could choose. Paste this marked markup instead of it; it loads only once the visitor allows it.${also}`,
    showMarkup: true,
    declare,
  };
}

/** "2026-12-02T11:05:00Z" → "2 Dec 2026, 11:05 UTC". */
export function seenAt(iso: string): string {
  const d = new Date(iso);
  if (isNaN(d.getTime())) return iso;
  const day = d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  return `${day}, ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')} UTC`;
}
