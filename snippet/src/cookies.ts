// Where a cookie may live, so that it can be deleted from everywhere: which
// names to delete comes from the rules (rules.ts). Pure functions.

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
