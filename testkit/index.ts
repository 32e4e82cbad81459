// What both end-to-end suites (the banner's in snippet/test/e2e, the
// dashboard's in dashboard/test/e2e) need: the real consentd on a free port
// with a throwaway data directory, Debian's headless Chromium through
// playwright-core, polling, screenshots and axe-core. Each suite's own
// harness.ts adds what only it needs and re-exports this.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type AddressInfo, createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

/** The repository's root directory. */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Where the suites write screenshots. */
export const SCREENSHOTS = join(ROOT, 'test-results');

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = netServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Polls fn every 25 ms until it returns true (a throw counts as false), for at most ms.
 * The suites wait this way a few hundred times; polling more often would cost
 * the browsers more than it saves.
 */
export async function waitFor(fn: () => Promise<boolean> | boolean, ms: number, what: string) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if (await fn()) return;
    } catch {}
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// ---------------------------------------------------------------- consentd

/** Site settings as POST /v1/admin/sites takes them. */
export interface SiteInput {
  name: string;
  origins: string[];
  default_language?: string;
  privacy_policy_url: string;
  consent_lifetime_days?: number;
  integrations?: Record<string, unknown>;
  texts?: Record<string, Record<string, string>>;
}

/**
 * The real consentd on the embedded store, on a free port of 127.0.0.1 with
 * a data directory of its own. `make test` builds the binary once for every
 * suite and names it in SAMTYKKE_TEST_CONSENTD; a suite run alone builds its
 * own from this checkout.
 */
export class Consentd {
  dir = mkdtempSync(join(tmpdir(), 'samtykke-e2e-'));
  bin = join(this.dir, 'consentd');
  token = `e2e-admin-token-${Math.random().toString(36).slice(2)}`;
  port = 0;
  proc?: ChildProcess;
  log = '';

  /** env adds to or overrides consentd's settings, such as SAMTYKKE_SESSION_IDLE_TIMEOUT. */
  constructor(private env: Record<string, string> = {}) {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts consentd and waits for /healthz; after stop(), starts it again on the same port and data. */
  async start() {
    if (!this.port) {
      if (process.env.SAMTYKKE_TEST_CONSENTD) this.bin = process.env.SAMTYKKE_TEST_CONSENTD;
      else execFileSync('go', ['build', '-o', this.bin, './server/cmd/consentd'], { cwd: ROOT, stdio: 'inherit' });
      this.port = await freePort();
    }
    const env = {
      ...process.env,
      SAMTYKKE_ADDR: `127.0.0.1:${this.port}`,
      SAMTYKKE_DATA_DIR: join(this.dir, 'data'),
      SAMTYKKE_ADMIN_TOKEN: this.token,
      SAMTYKKE_PUBLIC_URL: this.url,
      ...this.env,
    };
    const proc = spawn(this.bin, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stdout?.on('data', (d) => {
      this.log += d;
    });
    proc.stderr?.on('data', (d) => {
      this.log += d;
    });
    await waitFor(async () => (await fetch(`${this.url}/healthz`)).status === 200, 20000, `consentd /healthz\n${this.log}`);
  }

  /** SIGTERM, and wait for a clean exit. */
  async stop() {
    const p = this.proc;
    if (!p || p.exitCode != null) return;
    const code = await new Promise<number | null>((resolve) => {
      p.once('exit', (c) => resolve(c));
      p.kill('SIGTERM');
    });
    this.proc = undefined;
    if (code !== 0) throw new Error(`consentd exited with ${code}\n${this.log}`);
  }

  /** Stops consentd and removes its data. */
  async close() {
    await this.stop().catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** One admin API call with the admin token; the parsed answer, or a throw on an error status. */
  async admin(method: string, path: string, body?: unknown) {
    const r = await fetch(`${this.url}/v1/admin${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  async createSite(s: SiteInput): Promise<{ id: string; config_version: string }> {
    return this.admin('POST', '/sites', s);
  }

  /** The receipts stored for a consent id, oldest first ([] when none). */
  async receipts(site: string, consentId: string): Promise<any[]> {
    const r = await fetch(`${this.url}/v1/sites/${site}/consents/${consentId}`);
    if (r.status === 404) return [];
    if (!r.ok) throw new Error(`consents: ${r.status} ${await r.text()}`);
    return (await r.json()).receipts;
  }
}

// ---------------------------------------------------------------- browser

/** Debian's Chromium, headless, without the background traffic of a fresh profile. */
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

/** Starts /usr/bin/chromium with CHROMIUM_ARGS and any extra ones. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs], headless: true });
}

export async function shot(page: Page, name: string, fullPage = true) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, name), fullPage });
}

/** axe-core's browser build, to evaluate in a page. */
export function axeSource(): string {
  return readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
}
