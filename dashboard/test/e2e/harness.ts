// End-to-end harness of the dashboard: the real consentd (from
// @samtykke/testkit, with the demo site off) driven through its public API
// and through the dashboard in Debian's headless Chromium via
// playwright-core. Screenshots go to test-results/.
import type { Page } from 'playwright-core';
import { axeSource, Consentd as BaseConsentd, launchChromium } from '@samtykke/testkit';

export { axeSource, CHROMIUM_ARGS, freePort, ROOT, SCREENSHOTS, shot, sleep, waitFor } from '@samtykke/testkit';

export const SHOP = 'https://www.nordicshop.example';

export const launch = () => launchChromium();

export class Consentd extends BaseConsentd {
  /** extraEnv adds or overrides consentd's settings, such as SAMTYKKE_SESSION_IDLE_TIMEOUT. */
  constructor(extraEnv: Record<string, string> = {}) {
    super({ SAMTYKKE_DEMO: 'false', ...extraEnv });
  }

  /** Posts what the snippet posts for one visitor, from the shop's origin. */
  async visit(
    site: { id: string; config_version: string },
    o: { lang?: string; mobile?: boolean; gpc?: boolean; action?: string | null } = {},
  ) {
    const ua = o.mobile
      ? 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148'
      : 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36';
    const headers = { 'Content-Type': 'text/plain;charset=UTF-8', Origin: SHOP, 'User-Agent': ua };
    const lang = o.lang || 'nb';
    const gpc = !!o.gpc;
    let r = await fetch(`${this.url}/v1/sites/${site.id}/impressions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ config_version: site.config_version, language: lang, gpc }),
    });
    if (r.status != 204) throw new Error('impression: ' + r.status + ' ' + (await r.text()));
    if (!o.action) return null;
    const choices = { necessary: true, statistics: o.action == 'accept_all' || o.action == 'custom', marketing: o.action == 'accept_all' };
    const consentId = crypto.randomUUID();
    r = await fetch(`${this.url}/v1/sites/${site.id}/receipts`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        receipt_id: crypto.randomUUID(),
        consent_id: consentId,
        action: o.action,
        choices,
        config_version: site.config_version,
        language: lang,
        page_url: SHOP + '/sko',
        surface: 'banner',
        gpc,
        client_time: new Date().toISOString(),
      }),
    });
    if (r.status != 201) throw new Error('receipt: ' + r.status + ' ' + (await r.text()));
    return consentId;
  }

  /** Posts what the snippet reports of tags pasted unmarked on a page, from the shop's origin. */
  async tagWarnings(
    site: { id: string; config_version: string },
    pagePath: string,
    tags: { vendor: string; kind: string; markup: string }[],
  ) {
    const r = await fetch(`${this.url}/v1/sites/${site.id}/tag-warnings`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain;charset=UTF-8', Origin: SHOP },
      body: JSON.stringify({ config_version: site.config_version, page_path: pagePath, tags }),
    });
    if (r.status != 202) throw new Error('tag warnings: ' + r.status + ' ' + (await r.text()));
  }
}

/** Runs axe-core on the page and returns serious and critical violations. */
export async function axeSerious(page: Page): Promise<string[]> {
  // Evaluated, not added as a <script>: the dashboard's CSP rightly
  // refuses inline scripts.
  if (!(await page.evaluate(() => !!(window as any).axe))) await page.evaluate(axeSource());
  const violations: any[] = await page.evaluate(
    async () => (await (window as any).axe.run(document, { resultTypes: ['violations'] })).violations,
  );
  return violations
    .filter((v) => v.impact == 'serious' || v.impact == 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} → ${v.nodes
          .map((n: any) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    );
}
