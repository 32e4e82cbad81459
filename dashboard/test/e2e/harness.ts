// End-to-end harness: the real consentd (built from this checkout), driven
// through its public API and through the dashboard in Debian's headless
// Chromium via playwright-core. Screenshots go to test-results/.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as netServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SCREENSHOTS = join(ROOT, 'test-results');
export const SHOP = 'https://www.nordicshop.example';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = netServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor(fn: () => Promise<boolean> | boolean, ms: number, what: string) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if (await fn()) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out waiting for ' + what);
}

export class Consentd {
  dir = mkdtempSync(join(tmpdir(), 'samtykke-dash-e2e-'));
  bin = join(this.dir, 'consentd');
  token = 'e2e-admin-token-' + Math.random().toString(36).slice(2);
  port = 0;
  proc?: ChildProcess;
  log = '';

  /** extraEnv adds or overrides consentd's settings, such as SAMTYKKE_SESSION_IDLE_TIMEOUT. */
  constructor(private extraEnv: Record<string, string> = {}) {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    // `make test` builds consentd once for every suite; alone, a suite builds its own.
    if (process.env.SAMTYKKE_TEST_CONSENTD) this.bin = process.env.SAMTYKKE_TEST_CONSENTD;
    else if (!existsSync(this.bin)) execFileSync('go', ['build', '-o', this.bin, './server/cmd/consentd'], { cwd: ROOT, stdio: 'inherit' });
    this.port = await freePort();
    const env = {
      ...process.env,
      SAMTYKKE_ADDR: `127.0.0.1:${this.port}`,
      SAMTYKKE_DATA_DIR: join(this.dir, 'data'),
      SAMTYKKE_ADMIN_TOKEN: this.token,
      SAMTYKKE_PUBLIC_URL: this.url,
      SAMTYKKE_DEMO: 'false',
      ...this.extraEnv,
    };
    const proc = spawn(this.bin, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stdout!.on('data', (d) => (this.log += d));
    proc.stderr!.on('data', (d) => (this.log += d));
    await waitFor(async () => (await fetch(this.url + '/healthz')).status == 200, 20000, 'consentd /healthz\n' + this.log);
  }

  async stop() {
    const p = this.proc;
    if (!p || p.exitCode != null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
    this.proc = undefined;
  }

  async close() {
    await this.stop().catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }

  async admin(method: string, path: string, body?: unknown) {
    const r = await fetch(this.url + '/v1/admin' + path, {
      method,
      headers: { Authorization: 'Bearer ' + this.token, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  /** Posts what the snippet posts for one visitor, from the shop's origin. */
  async visit(site: { id: string; config_version: string }, o: { lang?: string; mobile?: boolean; gpc?: boolean; action?: string | null } = {}) {
    const ua = o.mobile
      ? 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148'
      : 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36';
    const headers = { 'Content-Type': 'text/plain;charset=UTF-8', Origin: SHOP, 'User-Agent': ua };
    const lang = o.lang || 'nb';
    const gpc = !!o.gpc;
    let r = await fetch(`${this.url}/v1/sites/${site.id}/impressions`, { method: 'POST', headers, body: JSON.stringify({ config_version: site.config_version, language: lang, gpc }) });
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
}

export function axeSource(): string {
  return readFileSync(join(ROOT, 'dashboard/node_modules/axe-core/axe.min.js'), 'utf8');
}

/** Runs axe-core on the page and returns serious and critical violations. */
export async function axeSerious(page: Page): Promise<string[]> {
  // Evaluated, not added as a <script>: the dashboard's CSP rightly
  // refuses inline scripts.
  if (!(await page.evaluate(() => !!(window as any).axe))) await page.evaluate(axeSource());
  const violations: any[] = await page.evaluate(async () => (await (window as any).axe.run(document, { resultTypes: ['violations'] })).violations);
  return violations.filter((v) => v.impact == 'serious' || v.impact == 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} → ${v.nodes.map((n: any) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

export async function shot(page: Page, name: string, fullPage = true) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, name), fullPage });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
