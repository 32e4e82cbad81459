// The three browser engines visitors use, behind one small interface, so
// that one test file runs unchanged in each:
// - Chromium: Debian's chromium through playwright-core (CDP);
// - Firefox: Debian's firefox-esr through puppeteer-core over WebDriver BiDi;
// - WebKit: WebKitGTK's MiniBrowser through WebKitWebDriver (W3C WebDriver),
//   in a private Xvfb display.
// Every engine sends all its traffic through one RecordingProxy, which maps
// the test hosts to local ports and answers and records third parties.
// Clicks and keys are real input events in every engine (WebDriver and CDP
// actions), never element.click() from script.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import { freePort, waitFor } from './harness.ts';
import type { RecordingProxy } from './proxy.ts';

export type EngineName = 'chromium' | 'firefox' | 'webkit';
export const ENGINES: EngineName[] = ['chromium', 'firefox', 'webkit'];

export interface Cookie {
  name: string;
  value: string;
  domain: string;
}

/** One private browser window: its cookies and storage are its own. */
export interface Tab {
  /** Navigates and waits for the load event. */
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  /** Runs fn(arg) in the page; fn must not close over test variables. */
  eval<T>(fn: (arg: any) => T | Promise<T>, arg?: unknown): Promise<T>;
  /** Moves the mouse to the centre of the element and clicks it. */
  click(selector: string): Promise<void>;
  /** Presses and releases one key: Tab, Enter, Escape, Space, or Shift+Tab. */
  press(key: Key): Promise<void>;
  /** Every cookie the page's document can see, HttpOnly ones included. */
  cookies(): Promise<Cookie[]>;
  screenshot(path: string): Promise<void>;
  close(): Promise<void>;
}

export type Key = 'Tab' | 'Shift+Tab' | 'Enter' | 'Escape' | 'Space';

export interface Engine {
  name: EngineName;
  open(): Promise<Tab>;
  close(): Promise<void>;
}

export const VIEWPORT = { width: 1366, height: 768 };

// Runs in the page: the element for a selector, looking into the banner's
// open shadow roots ('#samtykke-banner .x' finds .x inside #samtykke-banner).
const FIND = `function(sel){
  var d=document.querySelector(sel); if(d) return d;
  var m=sel.match(/^(#[\\w-]+)\\s+(.+)$/); if(!m) return null;
  var host=document.querySelector(m[1]); return host&&host.shadowRoot?host.shadowRoot.querySelector(m[2]):null;}`;

/** The centre of the element in viewport pixels, after scrolling it into view. */
const centre = new Function(
  'sel',
  `var el=(${FIND})(sel); if(!el) throw new Error('no element for '+sel);
   el.scrollIntoView({block:'center',inline:'center'}); var r=el.getBoundingClientRect();
   return {x:Math.round(r.left+r.width/2), y:Math.round(r.top+r.height/2)};`,
) as (sel: string) => { x: number; y: number };

// ---------------------------------------------------------------- Chromium

async function chromiumEngine(proxy: RecordingProxy): Promise<Engine> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // Chromium bypasses a proxy for loopback on its own; everything else goes through it.
    proxy: { server: 'http://' + proxy.address },
  });
  return {
    name: 'chromium',
    async open() {
      const context = await browser.newContext({ viewport: VIEWPORT, locale: 'en-US', ignoreHTTPSErrors: true });
      const page = await context.newPage();
      return {
        goto: async (url) => void (await page.goto(url)),
        reload: async () => void (await page.reload()),
        eval: (fn, arg) => page.evaluate(fn as any, arg),
        async click(sel) {
          const p = await page.evaluate(centre, sel);
          await page.mouse.click(p.x, p.y);
        },
        press: (key) => page.keyboard.press(key == 'Space' ? ' ' : key),
        cookies: async () => (await context.cookies()).map(({ name, value, domain }) => ({ name, value, domain })),
        screenshot: async (path) => void (await page.screenshot({ path })),
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

// ---------------------------------------------------------------- Firefox

async function firefoxEngine(proxy: RecordingProxy): Promise<Engine> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: '/usr/bin/firefox-esr',
    headless: true,
    acceptInsecureCerts: true,
    defaultViewport: VIEWPORT,
    extraPrefsFirefox: {
      'network.proxy.type': 1,
      'network.proxy.http': '127.0.0.1',
      'network.proxy.http_port': proxy.port,
      'network.proxy.ssl': '127.0.0.1',
      'network.proxy.ssl_port': proxy.port,
      'network.proxy.no_proxies_on': 'localhost, 127.0.0.1',
      'intl.accept_languages': 'en-US, en',
    },
  });
  return {
    name: 'firefox',
    async open() {
      // A user context is Firefox's container: cookies and storage of its own.
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      await page.setViewport(VIEWPORT);
      return {
        goto: async (url) => void (await page.goto(url, { waitUntil: 'load' })),
        reload: async () => void (await page.reload({ waitUntil: 'load' })),
        eval: (fn, arg) => page.evaluate(fn as any, arg) as any,
        async click(sel) {
          const p = await page.evaluate(centre, sel);
          await page.mouse.click(p.x, p.y);
        },
        async press(key) {
          if (key == 'Shift+Tab') {
            await page.keyboard.down('Shift');
            await page.keyboard.press('Tab');
            await page.keyboard.up('Shift');
          } else await page.keyboard.press(key == 'Space' ? ' ' : key);
        },
        cookies: async () => (await context.cookies()).map(({ name, value, domain }) => ({ name, value, domain })),
        screenshot: async (path) => void (await page.screenshot({ path })),
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

// ---------------------------------------------------------------- WebKit

/** Xvfb on the first free display; -displayfd makes Xvfb choose and tell it. */
async function xvfb(): Promise<{ display: string; proc: ChildProcess }> {
  const proc = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1400x900x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const n = await new Promise<string>((resolve, reject) => {
    let out = '';
    (proc.stdio[3] as NodeJS.ReadableStream).on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.trim());
    });
    proc.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}: ${err}`)));
  });
  return { display: ':' + n, proc };
}

function miniBrowser(): string {
  for (const arch of readdirSync('/usr/lib'))
    for (const v of ['webkit2gtk-4.1', 'webkit2gtk-4.0', 'webkitgtk-6.0']) {
      const p = `/usr/lib/${arch}/${v}/MiniBrowser`;
      try {
        readdirSync(`/usr/lib/${arch}/${v}`);
        return p;
      } catch {}
    }
  throw new Error('WebKitGTK MiniBrowser not found (Debian package webkit2gtk-driver)');
}

const KEYS: Record<Key, string[]> = {
  Tab: ['\uE004'],
  'Shift+Tab': ['\uE008', '\uE004'],
  Enter: ['\uE007'],
  Escape: ['\uE00C'],
  Space: ['\uE00D'],
};

async function webkitEngine(proxy: RecordingProxy): Promise<Engine> {
  const x = await xvfb();
  const port = await freePort();
  // WebKitGTK speaks TLS to an HTTPS proxy given as a capability, and then
  // refuses our self-signed proxy; through the environment (libproxy) it uses
  // plain CONNECT, like the other engines.
  const env = {
    ...process.env,
    DISPLAY: x.display,
    http_proxy: 'http://' + proxy.address,
    https_proxy: 'http://' + proxy.address,
    no_proxy: '127.0.0.1,localhost',
  };
  // One session at a time: a new one replaces a window a failed test left open.
  const driver = spawn('WebKitWebDriver', [`--port=${port}`, '--replace-on-new-session'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  driver.stderr!.on('data', (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(base + '/status')).ok, 10000, 'WebKitWebDriver ' + log);
  const binary = miniBrowser();

  async function call(method: string, path: string, body?: unknown, ms = 30000): Promise<any> {
    const r = await fetch(base + path, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(ms),
    });
    const j: any = await r.json();
    if (!r.ok) throw new Error(`WebDriver ${method} ${path}: ${j.value?.error} ${j.value?.message}`);
    return j.value;
  }

  return {
    name: 'webkit',
    async open() {
      // Each session is a fresh MiniBrowser process with ephemeral storage.
      const caps = {
        capabilities: {
          alwaysMatch: {
            acceptInsecureCerts: true,
            // Fail a test in seconds, not the default five minutes.
            timeouts: { pageLoad: 20000, script: 20000 },
            'webkitgtk:browserOptions': { binary, args: ['--automation'] },
          },
        },
      };
      // Now and then, on a busy machine, a new MiniBrowser never answers the
      // driver; a second request replaces it (--replace-on-new-session).
      let s: any;
      for (let attempt = 1; !s; attempt++)
        s = await call('POST', '/session', caps, 20000).catch((e) => {
          if (attempt == 3) throw new Error(`${e}\nWebKitWebDriver: ${log.slice(-2000)}`);
          console.warn(`webkit: a new session did not start (${e}); trying again`);
        });
      const sp = '/session/' + s.sessionId;
      await call('POST', sp + '/window/rect', { width: VIEWPORT.width, height: VIEWPORT.height + 80 }).catch(() => {});
      const run = async (fn: Function, arg: unknown) => {
        const out = await call('POST', sp + '/execute/async', {
          script: `var done=arguments[arguments.length-1];
            Promise.resolve().then(function(){return (${fn.toString()})(arguments[0]);}.bind(null, arguments[0]))
              .then(function(v){done({ok:v===undefined?null:v})}, function(e){done({err:String(e&&e.stack||e)})});`,
          args: [arg === undefined ? null : arg],
        });
        if (out && 'err' in out) throw new Error('in page: ' + out.err);
        return out?.ok ?? undefined;
      };
      const keys = (values: string[]) =>
        call('POST', sp + '/actions', {
          actions: [
            {
              type: 'key',
              id: 'keyboard',
              actions: [
                ...values.map((value) => ({ type: 'keyDown', value })),
                ...values.reverse().map((value) => ({ type: 'keyUp', value })),
              ],
            },
          ],
        });
      return {
        goto: async (url) => void (await call('POST', sp + '/url', { url })),
        reload: async () => void (await call('POST', sp + '/refresh', {})),
        eval: (fn, arg) => run(fn, arg),
        async click(sel) {
          const p = await run(centre, sel);
          await call('POST', sp + '/actions', {
            actions: [
              {
                type: 'pointer',
                id: 'mouse',
                parameters: { pointerType: 'mouse' },
                actions: [
                  { type: 'pointerMove', x: p.x, y: p.y, origin: 'viewport' },
                  { type: 'pointerDown', button: 0 },
                  { type: 'pointerUp', button: 0 },
                ],
              },
            ],
          });
          await call('DELETE', sp + '/actions');
        },
        press: async (key) => {
          await keys([...KEYS[key]]);
          await call('DELETE', sp + '/actions');
        },
        cookies: async () => ((await call('GET', sp + '/cookie')) as Cookie[]).map(({ name, value, domain }) => ({ name, value, domain })),
        screenshot: async (path) => writeFileSync(path, Buffer.from(await call('GET', sp + '/screenshot'), 'base64')),
        close: async () => void (await call('DELETE', sp).catch(() => {})),
      };
    },
    async close() {
      driver.kill('SIGTERM');
      x.proc.kill('SIGTERM');
    },
  };
}

/** Starts the named engine with all its traffic through proxy. */
export function launchEngine(name: EngineName, proxy: RecordingProxy): Promise<Engine> {
  return { chromium: chromiumEngine, firefox: firefoxEngine, webkit: webkitEngine }[name](proxy);
}
