// The visitor's stored choice: one first-party cookie holding the consent id,
// the config version it was given for, the two optional purposes and the
// time, and nothing else. Pure functions; main.ts does the I/O.
import type { Action, Choices, Optional } from './types.ts';

export const COOKIE = 'samtykke';
const DAY = 864e5;
/** The longest lifetime the server allows (consent.MaxLifetimeDays). */
export const MAX_DAYS = 365;

export interface Stored {
  id: string;
  version: string;
  choices: Choices;
  /** When the choice was made, in ms since the epoch. */
  time: number;
}

export const choices = (statistics: boolean, marketing: boolean): Choices => ({ necessary: true, statistics, marketing });

/** Cookie value: `1.<consent id>.<config version>.<statistics><marketing>.<unix seconds>`. */
export function encodeState(s: Stored): string {
  return ['1', s.id, s.version, +s.choices.statistics + '' + +s.choices.marketing, Math.floor(s.time / 1e3)].join('.');
}

export function decodeState(v: string | undefined): Stored | null {
  const m = /^1\.([0-9a-f-]{36})\.([0-9a-z]{1,64})\.([01])([01])\.(\d{1,12})$/.exec(v || '');
  return m ? { id: m[1], version: m[2], choices: choices(m[3] == '1', m[4] == '1'), time: +m[5] * 1e3 } : null;
}

/** Reads one cookie from a document.cookie string. */
export function readCookie(all: string, name: string): string | undefined {
  for (const part of all.split(/; */)) {
    const i = part.indexOf('=');
    if (part.slice(0, i) == name) return part.slice(i + 1);
  }
}

/** The Set-Cookie style string for document.cookie. */
export function stateCookie(s: Stored, lifetimeDays: number, secure: boolean): string {
  return `${COOKIE}=${encodeState(s)}; Path=/; Max-Age=${Math.round(clampDays(lifetimeDays) * 86400)}; SameSite=Lax${secure ? '; Secure' : ''}`;
}

export const clampDays = (d: number) => Math.min(Math.max(d || 182, 1), MAX_DAYS);

export const isExpired = (s: Stored, lifetimeDays: number, now: number) =>
  now - s.time >= clampDays(lifetimeDays) * DAY || s.time - now > DAY;

/**
 * Whether the banner must ask (again): no choice, a choice given under a
 * config version that is neither the current one nor one whose decisions
 * still hold (accepted: the site's changes since it were minor), or one
 * older than the site's consent lifetime.
 */
export const needsPrompt = (s: Stored | null, version: string, lifetimeDays: number, now: number, accepted: readonly string[] = []) =>
  !s || (s.version != version && !accepted.includes(s.version)) || isExpired(s, lifetimeDays, now);

export const OPTIONAL: Optional[] = ['statistics', 'marketing'];

/** The purposes granted in prev that next takes back. */
export const withdrawn = (prev: Choices | null, next: Choices): Optional[] => (prev ? OPTIONAL.filter((p) => prev[p] && !next[p]) : []);

/**
 * The receipt action: "withdraw" whenever a purpose granted before is taken
 * back, otherwise what the visitor clicked.
 */
export function actionFor(prev: Choices | null, next: Choices, clicked: 'all' | 'none' | 'custom'): Action {
  if (withdrawn(prev, next).length) return 'withdraw';
  return clicked == 'all' ? 'accept_all' : clicked == 'none' ? 'reject_all' : 'custom';
}

/** A random version 4 UUID; crypto.randomUUID exists only on https pages. */
export function uuid(rand: (b: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  const b = rand(new Uint8Array(16));
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  const h = Array.from(b, (x) => (x + 256).toString(16).slice(1)).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
