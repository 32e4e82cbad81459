// The visitor's language preferences, most wanted first: the script tag's
// data-lang, then <html lang>, then the browser's languages. The server picks
// the first one it supports and falls back to the site's default language.
export function languagePrefs(
  dataLang: string | null | undefined,
  htmlLang: string | null | undefined,
  browser: readonly string[] = [],
): string[] {
  const out: string[] = [];
  for (const l of [dataLang, htmlLang, ...browser]) {
    const t = (l || '').trim();
    if (/^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$/.test(t) && !out.includes(t)) out.push(t);
  }
  return out;
}

// A cookie's lifetime in words: the number and the unit in the largest unit
// that divides it (a year is 365 days), from the config's "singular|plural"
// texts settings.minutes/hours/days/years; 0 minutes is settings.session.
// Configs from servers without duration_minutes give whole days.
export function lifetime(c: { duration_minutes?: number; duration_days: number }, t: (key: string) => string): string {
  const m = c.duration_minutes ?? c.duration_days * 1440;
  const [n, k] = m % 525600 ? (m % 1440 ? (m % 60 ? [m, 'minutes'] : [m / 60, 'hours']) : [m / 1440, 'days']) : [m / 525600, 'years'];
  const [one, many] = t('settings.' + k).split('|');
  return m ? n + ' ' + (n == 1 || !many ? one : many) : t('settings.session');
}
