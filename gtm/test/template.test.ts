// gtm/template.tpl under Node: its sections parse, its sandboxed code keeps to
// GTM's sandbox and to the permissions it declares, its own ___TESTS___
// scenarios pass, and the same behaviour is checked again here.
// Run: node --import @samtykke/testkit/ts-hook --test gtm/test/*.test.ts
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  API_PERMISSION,
  type Call,
  PermissionError,
  allowed,
  parseTests,
  permissions,
  runScenario,
  runTemplate,
  sections,
  urlAllowed,
} from './harness.ts';

const tpl = readFileSync(new URL('../template.tpl', import.meta.url), 'utf8');
const s = sections(tpl);
const code = s.SANDBOXED_JS_FOR_WEB_TEMPLATE;
const perms = permissions(s.WEB_PERMISSIONS);

const NOW = Date.UTC(2026, 0, 1);
const ID = '3f2b8c1e-9d4a-4e6b-8a7c-5d1e2f3a4b5c';
const cookie = (choice: string, ageSeconds = 3600) => `1.${ID}.0a1b2c3d4e5f6a7b.${choice}.${NOW / 1000 - ageSeconds}`;

const data = (over: Record<string, unknown> = {}) => ({
  consentHost: 'https://consent.example.com',
  siteId: 'k7x2m4p9q3r8s5t6',
  ad_storage: 'denied',
  ad_user_data: 'denied',
  ad_personalization: 'denied',
  analytics_storage: 'denied',
  functionality_storage: 'denied',
  personalization_storage: 'denied',
  security_storage: 'granted',
  regionDefaults: [],
  waitForUpdate: 500,
  adsDataRedaction: true,
  urlPassthrough: false,
  developerId: '',
  ...over,
});

// Objects made inside the sandbox have its prototypes: copy them into ours to compare.
const local = (v: unknown): unknown =>
  Array.isArray(v)
    ? Array.from(v, local)
    : v && typeof v == 'object'
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, local(x)]))
      : v;

function run(over: Record<string, unknown> = {}, mocks: Record<string, unknown> = {}) {
  const calls: Call[] = [];
  const required = runTemplate(code, perms, data(over), { getTimestampMillis: NOW, ...mocks }, calls);
  const of = (api: string) => calls.filter((c) => c.api == api).map((c) => c.args.map(local));
  return { calls, of, required };
}

const DEFAULT = {
  ad_storage: 'denied',
  ad_user_data: 'denied',
  ad_personalization: 'denied',
  analytics_storage: 'denied',
  functionality_storage: 'denied',
  personalization_storage: 'denied',
  security_storage: 'granted',
  wait_for_update: 500,
};
const update = (statistics: boolean, marketing: boolean) => {
  const g = (b: boolean) => (b ? 'granted' : 'denied');
  return { ad_storage: g(marketing), ad_user_data: g(marketing), ad_personalization: g(marketing), analytics_storage: g(statistics) };
};

describe('template.tpl sections', () => {
  test('has every section of the format, in order', () => {
    const want = ['TERMS_OF_SERVICE', 'INFO', 'TEMPLATE_PARAMETERS', 'SANDBOXED_JS_FOR_WEB_TEMPLATE', 'WEB_PERMISSIONS', 'TESTS', 'NOTES'];
    assert.deepEqual(Object.keys(s), want);
  });

  test('___INFO___, ___TEMPLATE_PARAMETERS___ and ___WEB_PERMISSIONS___ are JSON', () => {
    const info = JSON.parse(s.INFO);
    assert.equal(info.type, 'TAG');
    assert.equal(info.id, 'cvt_temp_public_id');
    assert.deepEqual(info.containerContexts, ['WEB']);
    assert.ok(info.displayName && info.brand?.id && info.description);
    assert.ok(Array.isArray(JSON.parse(s.TEMPLATE_PARAMETERS)));
    assert.ok(Array.isArray(JSON.parse(s.WEB_PERMISSIONS)));
  });

  test('___TESTS___ parses to named scenarios and a setup', () => {
    const t = parseTests(s.TESTS);
    assert.ok(t.scenarios.length >= 8);
    assert.ok(t.setup.includes('makeData'));
    assert.equal(new Set(t.scenarios.map((x) => x.name)).size, t.scenarios.length, 'scenario names are unique');
  });

  test('every field the code reads is a template parameter, and every parameter is read', () => {
    type P = { name: string; subParams?: P[]; paramTableColumns?: { param: P }[]; type: string };
    const names = new Set<string>();
    const columns = new Set<string>();
    const walk = (ps: P[]) => {
      for (const p of ps) {
        if (p.type != 'GROUP' && p.type != 'LABEL') names.add(p.name);
        if (p.subParams) walk(p.subParams);
        for (const c of p.paramTableColumns || []) columns.add(c.param.name);
      }
    };
    walk(JSON.parse(s.TEMPLATE_PARAMETERS));
    const read = new Set([...code.matchAll(/\bdata\.(\w+)/g)].map((m) => m[1]).filter((n) => !n.startsWith('gtmOn')));
    // The seven consent types are read as data[type].
    for (const t of Object.keys(DEFAULT)) if (t != 'wait_for_update') read.add(t);
    assert.deepEqual([...read].sort(), [...names].sort());
    assert.deepEqual(
      [...columns].sort(),
      ['ad_personalization', 'ad_storage', 'ad_user_data', 'analytics_storage', 'region'],
      'region rows: the region list and the four ad/analytics types',
    );
  });

  test('the parameter rules accept good values and refuse bad ones', () => {
    const rx = (param: string) => {
      const all: {
        name: string;
        valueValidators?: { type: string; args?: string[] }[];
        subParams?: unknown[];
        paramTableColumns?: { param: unknown }[];
      }[] = [];
      const walk = (ps: any[]) => {
        for (const p of ps) {
          all.push(p);
          walk(p.subParams || []);
          walk((p.paramTableColumns || []).map((c: any) => c.param));
        }
      };
      walk(JSON.parse(s.TEMPLATE_PARAMETERS));
      const p = all.find((x) => x.name == param)!;
      const r = p.valueValidators!.find((v) => v.type == 'REGEX')!;
      return new RegExp(r.args![0]);
    };
    const host = rx('consentHost');
    for (const ok of ['https://consent.example.com', 'https://consent.example.com/', 'https://c.example.no:8443']) assert.match(ok, host);
    for (const bad of [
      'http://consent.example.com',
      'https://Consent.example.com',
      'https://consent.example.com/samtykke.js',
      'consent.example.com',
      'https://a.example.com?x=1',
    ])
      assert.doesNotMatch(bad, host);
    const site = rx('siteId');
    assert.match('k7x2m4p9q3r8s5t6', site);
    for (const bad of ['', 'a b', 'x&gtm=0', 'a/b']) assert.doesNotMatch(bad, site);
    const region = rx('region');
    for (const ok of ['NO', 'NO, SE,DK', 'US-CA', 'gb']) assert.match(ok, region);
    for (const bad of ['EEA', 'NO;SE', 'NO,', 'US-CALIF']) assert.doesNotMatch(bad, region);
    const wait = rx('waitForUpdate');
    for (const ok of ['0', '500', '10000']) assert.match(ok, wait);
    for (const bad of ['-1', '10001', '1.5']) assert.doesNotMatch(bad, wait);
  });
});

test('metadata.yaml has the Gallery fields: homepage, documentation and versions with a commit sha', () => {
  const meta = readFileSync(new URL('../metadata.yaml', import.meta.url), 'utf8').replace(/^\s*#.*\n/gm, '');
  assert.match(meta, /^homepage: "https:\/\/[^"]+"$/m);
  assert.match(meta, /^documentation: "https:\/\/[^"]+\/gtm\/README\.md"$/m);
  assert.match(meta, /^versions:\n {2}- sha: [0-9a-f]{40}\n {4}changeNotes: \S/m);
});

describe('sandbox', () => {
  test('the code uses only what GTM’s sandboxed JavaScript has', () => {
    const body = code.replace(/\/\/.*$/gm, '').replace(/'(?:[^'\\]|\\.)*'/g, "''");
    for (const [what, re] of [
      ['template literals', /`/],
      ['regular expressions', /new RegExp|[=(,:]\s*\/[^/*]/],
      ['browser globals', /\b(window|document|navigator|location|localStorage)\b/],
      ['JavaScript globals that need require()', /\b(Object|JSON|Math|Date|Array|Promise|setTimeout)\s*[.(]/],
      ['new', /\bnew\s/],
      ['typeof', /\btypeof\b/],
      ['spread', /\.\.\./],
    ] as const)
      assert.doesNotMatch(body, re, what);
  });

  test('it requires only known APIs, and declares exactly the permissions they need', () => {
    const apis = [...code.matchAll(/require\('([^']+)'\)/g)].map((m) => m[1]);
    for (const a of apis) assert.ok(a in API_PERMISSION, `unknown API ${a}`);
    const needed = new Set(apis.map((a) => API_PERMISSION[a]).filter(Boolean));
    assert.deepEqual([...new Set(perms.map((p) => p.publicId))].sort(), [...needed].sort());
  });

  test('the permissions are as narrow as the template needs', () => {
    assert.ok(allowed(perms, 'get_cookies', 'samtykke'));
    assert.ok(!allowed(perms, 'get_cookies', '_ga'));
    assert.ok(allowed(perms, 'inject_script', 'https://consent.example.com/samtykke.js?site=abc&gtm=1'));
    assert.ok(!allowed(perms, 'inject_script', 'https://evil.example/other.js'));
    assert.ok(!allowed(perms, 'inject_script', 'http://consent.example.com/samtykke.js?site=abc&gtm=1'));
    assert.ok(allowed(perms, 'access_globals', 'execute', 'samtykke.on'));
    assert.ok(!allowed(perms, 'access_globals', 'execute', 'samtykke.accept'));
    assert.ok(!allowed(perms, 'access_globals', 'write', 'samtykke'));
    assert.ok(allowed(perms, 'write_data_layer', 'developer_id.dAbC123'));
    assert.ok(!allowed(perms, 'write_data_layer', 'user_id'));
    assert.ok(urlAllowed('https://*/samtykke.js*', 'https://a.b.example/samtykke.js'));
  });

  test('a call outside the declared permissions fails, as in GTM', () => {
    const bad = code.replace("getCookieValues('samtykke')", "getCookieValues('_ga')");
    assert.throws(() => runTemplate(bad, perms, data(), {}, []), PermissionError);
  });
});

describe("the template's own ___TESTS___", () => {
  const t = parseTests(s.TESTS);
  for (const sc of t.scenarios) test(sc.name, () => void runScenario(code, perms, t.setup, sc.code));

  test('a scenario that should fail does fail', () => {
    assert.throws(() => runScenario(code, perms, t.setup, "runCode(makeData());\nassertApi('updateConsentState').wasCalled();"));
  });
});

describe('behaviour', () => {
  test('defaults without regions: all denied but security_storage, wait_for_update 500', () => {
    const r = run();
    assert.deepEqual(r.of('setDefaultConsentState'), [[DEFAULT]]);
    assert.deepEqual(r.of('gtagSet'), [[{ ads_data_redaction: true }]]);
    assert.deepEqual(r.of('updateConsentState'), []);
    assert.equal(r.of('gtmOnSuccess').length, 1);
    // Defaults come before anything else the template does.
    assert.equal(
      r.calls.find((c) => !['getTimestampMillis', 'makeInteger', 'makeString', 'getType'].includes(c.api))?.api,
      'setDefaultConsentState',
    );
  });

  test('defaults with regions: one command per row, other types from the table', () => {
    const r = run({
      waitForUpdate: '800',
      regionDefaults: [
        { region: ' no,SE , gb', ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'denied' },
        { region: 'US-CA', ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted' },
        { region: '  ', ad_storage: 'granted' },
      ],
    });
    const d = { ...DEFAULT, wait_for_update: 800 };
    assert.deepEqual(r.of('setDefaultConsentState'), [
      [d],
      [{ region: ['NO', 'SE', 'GB'], ...d }],
      [{ region: ['US-CA'], ...d, ...update(true, true) }],
    ]);
  });

  test('an empty or invalid wait_for_update falls back to 500, and at most 10000', () => {
    for (const w of ['', undefined, 'x', -3])
      assert.equal((run({ waitForUpdate: w }).of('setDefaultConsentState')[0][0] as any).wait_for_update, 500);
    assert.equal((run({ waitForUpdate: 60000 }).of('setDefaultConsentState')[0][0] as any).wait_for_update, 10000);
  });

  test('the switches and developer_id go to gtagSet', () => {
    assert.deepEqual(run({ adsDataRedaction: false, urlPassthrough: true, developerId: 'dAbC123' }).of('gtagSet'), [
      [{ url_passthrough: true, 'developer_id.dAbC123': true }],
    ]);
    assert.deepEqual(run({ adsDataRedaction: false, developerId: 'bad id!' }).of('gtagSet'), []);
  });

  for (const [choice, statistics, marketing] of [
    ['00', false, false],
    ['10', true, false],
    ['01', false, true],
    ['11', true, true],
  ] as const)
    test(`returning visitor ${choice}: the stored choice is an update at once`, () => {
      const r = run({}, { getCookieValues: (n: string) => (n == 'samtykke' ? [cookie(choice)] : []) });
      assert.deepEqual(r.of('getCookieValues'), [['samtykke']]);
      assert.deepEqual(r.of('updateConsentState'), [[update(statistics, marketing)]]);
    });

  test('a cookie that is malformed, expired or from the future is ignored', () => {
    for (const v of [
      'x',
      cookie('11').replace(/^1\./, '2.'),
      cookie('1'),
      cookie('11').replace(ID, 'not-a-uuid'),
      cookie('11', 366 * 86400),
      cookie('11', -2 * 86400),
    ])
      assert.deepEqual(run({}, { getCookieValues: [v] }).of('updateConsentState'), [], v);
    // Of several values (one per path or domain), the first valid one counts.
    assert.deepEqual(run({}, { getCookieValues: ['x', cookie('10'), cookie('01')] }).of('updateConsentState'), [[update(true, false)]]);
  });

  test('injects samtykke.js for the site, with gtm=1, and ends successfully at once', () => {
    for (const host of ['https://consent.example.com', 'https://consent.example.com/']) {
      const r = run({ consentHost: host, siteId: 'k7x2m4p9q3r8s5t6' });
      const [[url, ok, fail, token]] = r.of('injectScript') as [string, unknown, unknown, unknown][];
      assert.equal(url, 'https://consent.example.com/samtykke.js?site=k7x2m4p9q3r8s5t6&gtm=1');
      assert.equal(typeof ok, 'function');
      assert.equal(typeof fail, 'function');
      assert.equal(token, 'samtykke');
      assert.equal(r.of('gtmOnSuccess').length, 1);
      assert.deepEqual(r.of('callInWindow'), [], 'listens only once the script has loaded');
    }
  });

  test('the change callback maps every choice to updateConsentState', () => {
    let onChange: ((c: unknown, id: string) => void) | undefined;
    const r = run(
      {},
      {
        injectScript: (_url: string, ok: () => void) => ok(),
        callInWindow: (path: string, event: string, fn: typeof onChange) => {
          assert.equal(path, 'samtykke.on');
          assert.equal(event, 'change');
          onChange = fn;
        },
      },
    );
    assert.ok(onChange);
    for (const [statistics, marketing] of [
      [true, false],
      [false, true],
      [true, true],
      [false, false],
    ])
      onChange({ necessary: true, statistics, marketing }, ID);
    onChange(null, ID);
    assert.deepEqual(r.of('updateConsentState'), [
      [update(true, false)],
      [update(false, true)],
      [update(true, true)],
      [update(false, false)],
    ]);
  });

  test('a failed load leaves the defaults and logs', () => {
    const r = run({}, { injectScript: (_u: string, _ok: () => void, fail: () => void) => fail() });
    assert.deepEqual(r.of('updateConsentState'), []);
    assert.equal(r.of('logToConsole').length, 1);
  });

  test('a banner already on the page is listened to and not loaded twice', () => {
    const r = run(
      {},
      {
        copyFromWindow: (k: string) =>
          k == 'samtykke' ? {} : k == 'samtykke.consent' ? { statistics: true, marketing: false } : undefined,
      },
    );
    assert.deepEqual(r.of('injectScript'), []);
    assert.equal(r.of('callInWindow').length, 1);
    assert.deepEqual(r.of('updateConsentState'), [[update(true, false)]]);
  });

  test('missing or non-https settings: defaults stay, nothing is loaded, the tag fails', () => {
    for (const over of [{ siteId: '' }, { consentHost: '' }, { consentHost: 'http://consent.example.com' }]) {
      const r = run(over);
      assert.deepEqual(r.of('setDefaultConsentState'), [[DEFAULT]]);
      assert.deepEqual(r.of('injectScript'), []);
      assert.equal(r.of('gtmOnFailure').length, 1);
      assert.equal(r.of('gtmOnSuccess').length, 0);
    }
  });

  test('the site id is URL-encoded', () => {
    const [[url]] = run({ siteId: 'a b&c' }).of('injectScript');
    assert.equal(url, 'https://consent.example.com/samtykke.js?site=a%20b%26c&gtm=1');
  });
});
