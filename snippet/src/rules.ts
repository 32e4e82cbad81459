// What the snippet holds back, as data: the vendor catalogue's rules
// (server/vendors) come with samtykke.js as served by consentd and again in
// the site's config, together with the site's own vendors. Nothing about a
// vendor is written here. Pure functions.
import type { Optional, Rule } from './types.ts';

export type { Rule };

export interface Match {
  rule: Rule;
  purposes: Optional[];
}

/** The rule whose host pattern matches url most specifically (the longest pattern; ties join their purposes), or null. */
export function match(rules: readonly Rule[], url: string, base?: string): Match | null {
  let u: URL;
  try {
    u = new URL(url, base);
  } catch {
    return null;
  }
  if (!/^(https?|wss?):$/.test(u.protocol)) return null;
  const host = u.hostname.toLowerCase().replace(/\.$/, '');
  const rest = u.pathname + u.search;
  let best = -1;
  let out: Match | null = null;
  for (const rule of rules)
    for (const p of rule.hosts) {
      const slash = p.indexOf('/');
      const hp = slash < 0 ? p : p.slice(0, slash);
      const wild = hp.startsWith('*.');
      const h = wild ? hp.slice(2) : hp;
      if (!(host == h || (wild && host.endsWith('.' + h))) || (slash >= 0 && !rest.startsWith(p.slice(slash)))) continue;
      if (p.length > best) {
        best = p.length;
        out = { rule, purposes: [...rule.purposes] };
      } else if (p.length == best && out) for (const q of rule.purposes) if (!out.purposes.includes(q)) out.purposes.push(q);
    }
  return out;
}

/** Whether a cookie or storage name matches pattern (a trailing `*` matches any suffix). */
export const nameMatches = (pattern: string, name: string) =>
  pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name == pattern;

/** Cookie (or storage) names of purposes' vendors among names. */
export function trackerNames(
  rules: readonly Rule[],
  names: string[],
  purposes: Optional[],
  kind: 'cookies' | 'storage' = 'cookies',
): string[] {
  const pats = rules.filter((r) => r.purposes.some((p) => purposes.includes(p))).flatMap((r) => r[kind] || []);
  return [...new Set(names.filter((n) => pats.some((p) => nameMatches(p, n))))];
}
