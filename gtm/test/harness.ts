// A small stand-in for GTM's template sandbox and its test runner, so that
// gtm/template.tpl's code and its ___TESTS___ scenarios run under Node too.
// It enforces the permissions the template declares, as GTM does: an API
// call outside ___WEB_PERMISSIONS___ throws.
import { isDeepStrictEqual } from 'node:util';
import { runInNewContext } from 'node:vm';

export type Sections = Record<string, string>;

/** Splits a .tpl file into its ___NAME___ sections. */
export function sections(text: string): Sections {
  const out: Sections = {};
  let name = '';
  for (const line of text.replace(/^\uFEFF/, '').split('\n')) {
    const m = /^___([A-Z_]+)___\s*$/.exec(line);
    if (m) {
      name = m[1];
      out[name] = '';
    } else if (name) out[name] += `${line}\n`;
  }
  for (const k of Object.keys(out)) out[k] = out[k].trim();
  return out;
}

export interface Scenario {
  name: string;
  code: string;
}

/**
 * Reads ___TESTS___: the subset of YAML GTM writes there (a list of
 * scenarios with a name and a `|-` code block, and a `setup: |-` block).
 */
export function parseTests(yaml: string): { scenarios: Scenario[]; setup: string } {
  const lines = yaml.split('\n');
  const scenarios: Scenario[] = [];
  let setup = '';
  const block = (from: number, indent: number): [string, number] => {
    const body: string[] = [];
    let i = from;
    for (; i < lines.length; i++) {
      const l = lines[i];
      if (l.trim() && l.length - l.trimStart().length < indent) break;
      body.push(l.slice(indent));
    }
    return [body.join('\n').trimEnd(), i];
  };
  let i = 0;
  if (lines[0]?.trim() != 'scenarios:') throw new Error('___TESTS___ does not start with scenarios:');
  for (i = 1; i < lines.length; ) {
    const l = lines[i];
    let m = /^- name: (.+)$/.exec(l);
    if (m) {
      const name = m[1].trim();
      if (!/^ {2}code: \|-$/.test(lines[i + 1] || '')) throw new Error(`scenario ${name}: expected "  code: |-"`);
      const [code, next] = block(i + 2, 4);
      scenarios.push({ name, code });
      i = next;
      continue;
    }
    m = /^setup: \|-$/.exec(l);
    if (m) {
      [setup, i] = block(i + 1, 2);
      continue;
    }
    if (l.trim()) throw new Error(`___TESTS___: unexpected line ${i + 1}: ${l}`);
    i++;
  }
  return { scenarios, setup };
}

// ___WEB_PERMISSIONS___ values are typed: 1 string, 2 list, 3 map, 8 boolean.
type Value = { type: number; string?: string; boolean?: boolean; listItem?: Value[]; mapKey?: Value[]; mapValue?: Value[] };
const plain = (v: Value): unknown => {
  switch (v.type) {
    case 1:
      return v.string;
    case 8:
      return v.boolean;
    case 2:
      return (v.listItem || []).map(plain);
    case 3:
      return Object.fromEntries((v.mapKey || []).map((k, i) => [plain(k), plain(v.mapValue![i])]));
  }
  throw new Error(`unknown permission value type ${v.type}`);
};

export interface Permission {
  publicId: string;
  param: Record<string, unknown>;
}

export function permissions(json: string): Permission[] {
  return (JSON.parse(json) as { instance: { key: { publicId: string }; param?: { key: string; value: Value }[] } }[]).map((p) => ({
    publicId: p.instance.key.publicId,
    param: Object.fromEntries((p.instance.param || []).map((x) => [x.key, plain(x.value)])),
  }));
}

/** Which permission each sandboxed API needs (null: none). */
export const API_PERMISSION: Record<string, string | null> = {
  setDefaultConsentState: 'access_consent',
  updateConsentState: 'access_consent',
  gtagSet: 'write_data_layer',
  getCookieValues: 'get_cookies',
  injectScript: 'inject_script',
  callInWindow: 'access_globals',
  copyFromWindow: 'access_globals',
  logToConsole: 'logging',
  encodeUriComponent: null,
  getTimestampMillis: null,
  makeInteger: null,
  makeString: null,
  getType: null,
  queryPermission: null,
};

/** GTM's URL match patterns: https, a host or `*`/`*.domain`, a path where `*` is anything. */
export function urlAllowed(pattern: string, url: string): boolean {
  const p = /^https:\/\/([^/]+)(\/.*)$/.exec(pattern);
  const u = /^https:\/\/([^/?#]+)([/?#].*)?$/.exec(url);
  if (!p || !u) return false;
  const [, ph, pp] = p;
  const host = u[1].toLowerCase();
  const hostOk = ph == '*' || (ph.startsWith('*.') ? host == ph.slice(2) || host.endsWith(ph.slice(1)) : host == ph);
  const glob = new RegExp(
    `^${pp
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return hostOk && glob.test(u[2] || '/');
}

const keyAllowed = (pattern: string, key: string) =>
  pattern == key || (pattern.endsWith('.*') && key.startsWith(pattern.slice(0, -1)) && key.length > pattern.length - 1);

/** The permission check GTM runs for one API call (also queryPermission). */
export function allowed(perms: Permission[], id: string, ...args: unknown[]): boolean {
  const p = perms.find((x) => x.publicId == id);
  if (!p) return false;
  switch (id) {
    case 'logging':
      return true;
    case 'access_consent': {
      const [type, mode] = args as [string, 'read' | 'write'];
      return (p.param.consentTypes as Record<string, unknown>[]).some((t) => t.consentType == type && t[mode] === true);
    }
    case 'write_data_layer':
      return (p.param.keyPatterns as string[]).some((k) => keyAllowed(k, args[0] as string));
    case 'get_cookies':
      return p.param.cookieAccess == 'any' || (p.param.cookieNames as string[]).includes(args[0] as string);
    case 'inject_script':
      return (p.param.urls as string[]).some((pat) => urlAllowed(pat, args[0] as string));
    case 'access_globals': {
      const [mode, key] = args as ['read' | 'write' | 'execute', string];
      return (p.param.keys as Record<string, unknown>[]).some((k) => k.key == key && k[mode] === true);
    }
  }
  return false;
}

export interface Call {
  api: string;
  args: unknown[];
}

export class PermissionError extends Error {}

type Impl = (...a: unknown[]) => unknown;

/** GTM's getType. */
const getType = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Runs the sandboxed JS once. `mocks` replace an API's behaviour (a function)
 * or its return value; every call is recorded in `calls`, after the
 * permission check GTM would make.
 */
export function runTemplate(
  code: string,
  perms: Permission[],
  data: Record<string, unknown>,
  mocks: Record<string, unknown>,
  calls: Call[],
) {
  const check = (api: string, ...args: unknown[]) => {
    if (!allowed(perms, API_PERMISSION[api]!, ...args))
      throw new PermissionError(`${api}(${JSON.stringify(args)}) is not allowed by ___WEB_PERMISSIONS___`);
  };
  const defaults: Record<string, Impl> = {
    setDefaultConsentState: () => undefined,
    updateConsentState: () => undefined,
    gtagSet: () => undefined,
    getCookieValues: () => [],
    injectScript: () => undefined,
    callInWindow: () => undefined,
    copyFromWindow: () => undefined,
    logToConsole: () => undefined,
    encodeUriComponent: (s) => encodeURIComponent(String(s)),
    getTimestampMillis: () => Date.now(),
    makeInteger: (v) => Math.trunc(Number(v)),
    makeString: (v) => String(v),
    getType: (v) => getType(v),
    queryPermission: (id, ...a) => allowed(perms, id as string, ...a),
  };
  // What each call asks of its permission, as GTM checks it.
  const asks: Record<string, (...a: unknown[]) => void> = {
    setDefaultConsentState: (o) => {
      for (const k of Object.keys(o as object)) if (k != 'region') check('setDefaultConsentState', k, 'write');
    },
    updateConsentState: (o) => {
      for (const k of Object.keys(o as object)) check('updateConsentState', k, 'write');
    },
    gtagSet: (o, v) => {
      for (const k of typeof o == 'string' ? [o] : Object.keys(o as object)) check('gtagSet', k, v);
    },
    getCookieValues: (name) => check('getCookieValues', name),
    injectScript: (url) => check('injectScript', url),
    callInWindow: (path) => check('callInWindow', 'execute', path),
    copyFromWindow: (key) => check('copyFromWindow', 'read', key),
    logToConsole: () => check('logToConsole'),
  };
  const required: string[] = [];
  const req = (name: string) => {
    if (!(name in API_PERMISSION)) throw new Error(`require('${name}'): not an API this harness knows`);
    required.push(name);
    return (...args: unknown[]) => {
      asks[name]?.(...args);
      calls.push({ api: name, args });
      const m = mocks[name];
      if (m === undefined && !(name in mocks)) return defaults[name](...args);
      return typeof m == 'function' ? (m as Impl)(...args) : m;
    };
  };
  const fullData = {
    ...data,
    gtmOnSuccess: () => calls.push({ api: 'gtmOnSuccess', args: [] }),
    gtmOnFailure: () => calls.push({ api: 'gtmOnFailure', args: [] }),
  };
  // A fresh global scope: no window, document, process or Node require.
  const fn = runInNewContext(`(function (require, data) {\n${code}\n})`, {}) as (r: typeof req, d: object) => void;
  fn(req, fullData);
  return required;
}

/** Runs one ___TESTS___ scenario with GTM's test API: mock, runCode, assertApi, assertThat, fail. */
export function runScenario(code: string, perms: Permission[], setup: string, scenario: string) {
  const mocks: Record<string, unknown> = {};
  const calls: Call[] = [];
  const fail = (msg: string): never => {
    throw new Error(msg);
  };
  const show = (v: unknown) => JSON.stringify(v);
  // Values made in the scenario's context have that context's prototypes: compare them as data.
  const same = (a: unknown, b: unknown) => isDeepStrictEqual(JSON.parse(show([a]) || 'null'), JSON.parse(show([b]) || 'null'));
  const api = {
    mock: (name: string, value: unknown) => {
      mocks[name] = value;
    },
    runCode: (data: Record<string, unknown>) => runTemplate(code, perms, data, mocks, calls),
    assertApi: (name: string) => {
      const of = () => calls.filter((c) => c.api == name);
      return {
        wasCalled: () => of().length > 0 || fail(`${name} was not called`),
        wasNotCalled: () => of().length == 0 || fail(`${name} was called: ${show(of().map((c) => c.args))}`),
        wasCalledWith: (...args: unknown[]) =>
          of().some((c) => same(c.args, args)) ||
          fail(`${name} was not called with ${show(args)}; calls: ${show(of().map((c) => c.args))}`),
      };
    },
    assertThat: (actual: unknown) => ({
      isEqualTo: (want: unknown) => same(actual, want) || fail(`${show(actual)} is not ${show(want)}`),
      isNotEqualTo: (want: unknown) => !same(actual, want) || fail(`${show(actual)} equals ${show(want)}`),
      isTrue: () => actual === true || fail(`${show(actual)} is not true`),
      isFalse: () => actual === false || fail(`${show(actual)} is not false`),
      isUndefined: () => actual === undefined || fail(`${show(actual)} is not undefined`),
      isDefined: () => actual !== undefined || fail('value is undefined'),
    }),
    fail,
  };
  runInNewContext(`(function () {\n${setup}\n${scenario}\n})()`, api);
  return calls;
}
