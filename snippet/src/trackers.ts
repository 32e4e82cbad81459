// Which purpose a tracker belongs to, by the host it loads from or the name
// of the cookie it sets (vendors-and-law §1–4 and §10). Pure functions.
import type { Optional } from './types.ts';

const S: Optional[] = ['statistics'];
const M: Optional[] = ['marketing'];
/** GTM is a loader without a purpose of its own: it runs once either purpose is granted. */
const ANY: Optional[] = ['statistics', 'marketing'];

const STATS_HOST = /(^|\.)(google-analytics\.com|analytics\.google\.com|hotjar\.com|hotjar\.io)$|^t\.contentsquare\.net$/;
const MKT_HOST =
  /(^|\.)(doubleclick\.net|hs-analytics\.net|hs-banner\.com|hscollectedforms\.net|hsadspixel\.net|usemessages\.com)$|^(www\.googleadservices\.com|connect\.facebook\.net|js(-eu1)?\.hs-scripts\.com)$/;

/**
 * The purposes of which one must be granted before src may load, or null
 * when src is not a tracker.
 */
export function purposesForUrl(src: string, base?: string): Optional[] | null {
  let u: URL;
  try {
    u = new URL(src, base);
  } catch {
    return null;
  }
  const h = u.hostname.toLowerCase();
  if (h == 'www.googletagmanager.com') {
    const id = u.pathname.startsWith('/gtag/') ? u.searchParams.get('id') || '' : '';
    return /^G-/.test(id) ? S : /^(AW|DC)-/.test(id) ? M : ANY;
  }
  if (STATS_HOST.test(h)) return S;
  if (MKT_HOST.test(h) || (h == 'www.facebook.com' && u.pathname.startsWith('/tr'))) return M;
  return null;
}

/** Cookies each purpose's vendors set on the site's own domain. */
export const COOKIES: Record<Optional, RegExp> = {
  statistics: /^(_ga$|_ga_|_gid$|_gat|_dc_gtm_|_hj|_cs_)/,
  marketing: /^(_gcl_|_gac_|_fbp$|_fbc$|__hstc$|hubspotutk$|__hssc$|__hssrc$|messagesUtk$)/,
};

/** Names in a document.cookie string that belong to one of purposes. */
export function trackerCookies(all: string, purposes: Optional[]): string[] {
  const names = all
    .split(/; */)
    .map((c) => c.split('=')[0])
    .filter(Boolean);
  return [...new Set(names.filter((n) => purposes.some((p) => COOKIES[p].test(n))))];
}

/**
 * The host and each parent domain a cookie may have been set on, longest
 * first. Parents stop before the first one canSet refuses: browsers refuse
 * cookies on public suffixes (co.uk), so no deletion is tried there. IP
 * addresses and single-label hosts have no parents.
 */
export function cookieDomains(host: string, canSet: (domain: string) => boolean): string[] {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!h.includes('.') || /^[\d.]+$|:/.test(h)) return [];
  const labels = h.split('.');
  const out: string[] = [];
  for (let i = 0; i < labels.length - 1; i++) {
    const d = labels.slice(i).join('.');
    if (i && !canSet(d)) break;
    out.push(d);
  }
  return out;
}

/** The paths a cookie may have been set for on this page: / and each parent directory. */
export function cookiePaths(pathname: string): string[] {
  const out = ['/'];
  const parts = pathname.split('/').slice(1, -1);
  for (let i = 1; i <= parts.length; i++) out.push('/' + parts.slice(0, i).join('/'));
  return out;
}

/** document.cookie assignments that delete name everywhere it may live. */
export function deletions(name: string, domains: string[], paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) for (const d of ['', ...domains]) out.push(`${name}=; Max-Age=0; Path=${p}${d && '; Domain=' + d}`);
  return out;
}
