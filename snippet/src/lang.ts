// The visitor's language preferences, most wanted first: the script tag's
// data-lang, then <html lang>, then the browser's languages. The server picks
// the first one it supports and falls back to the site's default language.
export function languagePrefs(dataLang: string | null | undefined, htmlLang: string | null | undefined, browser: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const l of [dataLang, htmlLang, ...browser]) {
    const t = (l || '').trim();
    if (/^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$/.test(t) && !out.includes(t)) out.push(t);
  }
  return out;
}
