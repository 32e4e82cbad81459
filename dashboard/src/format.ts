// Pure formatting and date logic, unit-tested without a browser.

import type { Action, Purpose as AnyPurpose } from './wire.gen.ts';

export type { Action };
/** The purposes a visitor may refuse, the ones the report counts. */
export type Purpose = Exclude<AnyPurpose, 'necessary'>;
export const PURPOSES: Purpose[] = ['statistics', 'marketing'];
export const ACTIONS: Action[] = ['accept_all', 'reject_all', 'custom', 'withdraw', 'gpc'];

export const ACTION_LABEL: Record<Action, string> = {
  accept_all: 'Accept all',
  reject_all: 'Reject all',
  custom: 'Custom choice',
  withdraw: 'Withdrawal',
  gpc: 'Refused by GPC',
};
export const PURPOSE_LABEL: Record<Purpose, string> = { statistics: 'Statistics', marketing: 'Marketing' };

export type Rate = number | null;

/** Counts of one bucket or of the whole range. */
export interface Counts {
  impressions: number;
  decisions: number;
  actions: Record<Action, number>;
  purposes: Record<Purpose, { granted: number; denied: number }>;
  gpc: { impressions: number; decisions: number };
}

/** One value of a breakdown; order is its place on screen. */
export interface Segment {
  key: string;
  label: string;
  order: number;
  since?: string;
  current?: boolean;
  impressions: number;
  decisions: number;
  granted: Record<Purpose, number>;
  interaction_rate: Rate;
  consent_rate: Record<Purpose, Rate>;
  opt_in_rate: Record<Purpose, Rate>;
}

/** A breakdown, keyed by the value (a language, a device class, a banner version). */
export type Breakdown = Record<string, Segment>;

/** The report of one site and range (consent.Report in Go), as the admin API answers it too. */
export interface Report {
  site_id: string;
  from: string;
  to: string;
  granularity: 'day' | 'hour';
  totals: Counts;
  funnel: { impressions: number; decisions: number; interaction_rate: Rate; no_decision: number; no_decision_rate: Rate };
  actions: { action: Action; count: number; share: Rate }[];
  purposes: { purpose: Purpose; granted: number; denied: number; consent_rate: Rate; opt_in_rate: Rate }[];
  gpc: { impressions: number; decisions: number; impression_share: Rate; decision_share: Rate };
  series: (Counts & { start: string; consent_rate: Record<Purpose, Rate> })[];
  languages: Breakdown;
  devices: Breakdown;
  config_versions: Breakdown;
  formulas: Record<string, string>;
  notes: string[];
}

/** A breakdown's rows in the order the server gave them. */
export function segmentRows(b: Breakdown | null | undefined): Segment[] {
  return Object.values(b ?? {}).sort((x, y) => x.order - y.order);
}

const nf = new Intl.NumberFormat('en-GB');

/** 12345 → "12,345". */
export const num = (n: number) => nf.format(n);

/** 0.4567 → "45.7 %"; null → "–" (nothing to divide by). */
export function pct(r: Rate): string {
  if (r == null || !isFinite(r)) return '–';
  return (Math.round(r * 1000) / 10).toFixed(1) + ' %';
}

/** A date as YYYY-MM-DD in UTC. */
export const isoDate = (d: Date) => d.toISOString().slice(0, 10);

export function addDays(day: string, n: number): string {
  const d = new Date(day + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return isoDate(d);
}

export interface Range {
  from: string; // YYYY-MM-DD, inclusive
  to: string; // YYYY-MM-DD, inclusive
  by: 'day' | 'hour';
}

export const PRESETS: { id: string; label: string; days: number; by: 'day' | 'hour' }[] = [
  { id: '2d', label: 'Last 48 hours', days: 2, by: 'hour' },
  { id: '7d', label: 'Last 7 days', days: 7, by: 'day' },
  { id: '30d', label: 'Last 30 days', days: 30, by: 'day' },
  { id: '90d', label: 'Last 90 days', days: 90, by: 'day' },
  { id: '365d', label: 'Last 12 months', days: 365, by: 'day' },
];

/** The range of a preset ending today (UTC). */
export function presetRange(id: string, today: string): Range {
  const p = PRESETS.find((x) => x.id == id) || PRESETS[2];
  return { from: addDays(today, -(p.days - 1)), to: today, by: p.by };
}

/** Which preset a range is, or "custom". */
export function presetOf(r: Range, today: string): string {
  for (const p of PRESETS) {
    const pr = presetRange(p.id, today);
    if (pr.from == r.from && pr.to == r.to && pr.by == r.by) return p.id;
  }
  return 'custom';
}

/** Checks a range the way the server does, so the form can say it first. */
export function rangeProblem(r: Range): string | null {
  const re = /^\d{4}-\d{2}-\d{2}$/;
  if (!re.test(r.from) || isNaN(Date.parse(r.from))) return 'Choose a start date.';
  if (!re.test(r.to) || isNaN(Date.parse(r.to))) return 'Choose an end date.';
  const days = (Date.parse(r.to) - Date.parse(r.from)) / 864e5 + 1;
  if (days < 1) return 'The start date must not be after the end date.';
  if (r.by == 'hour' && days > 93) return 'By hour, a range may span at most 93 days. Choose “By day”.';
  if (days > 800) return 'A range may span at most 800 days.';
  return null;
}

/** The query string of a range for the API. */
export const rangeQuery = (r: Range) => `from=${r.from}&to=${r.to}&granularity=${r.by}`;

/** A bucket start as the chart's axis and the table show it (UTC). */
export function bucketLabel(start: string, by: 'day' | 'hour'): string {
  const d = new Date(start);
  const day = d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
  if (by == 'day') return day;
  return day + ' ' + String(d.getUTCHours()).padStart(2, '0') + ':00';
}

/** Parses "#/sites/abc/setup?from=…" into a route. */
export function parseRoute(hash: string): { path: string[]; query: URLSearchParams } {
  const raw = hash.replace(/^#\/?/, '');
  const [p, q = ''] = raw.split('?');
  return { path: p.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(q) };
}

/** Where an API field error belongs in the site form. */
export function fieldTarget(field: string): { id: string; lang?: string; line?: number } {
  let m = /^origins\[(\d+)\]$/.exec(field);
  if (m) return { id: 'f-origins', line: Number(m[1]) + 1 };
  m = /^texts\.([a-z]{2})\.(.+)$/.exec(field);
  if (m) return { id: 'f-text-' + m[2], lang: m[1] };
  m = /^texts\.([a-z]{2})$/.exec(field);
  if (m) return { id: 'f-texts', lang: m[1] };
  const map: Record<string, string> = {
    name: 'f-name',
    origins: 'f-origins',
    privacy_policy_url: 'f-policy',
    default_language: 'f-lang',
    consent_lifetime_days: 'f-lifetime',
    retention_days: 'f-retention',
    'integrations.google_analytics.measurement_id': 'f-ga',
    'integrations.google_analytics.cookie_expires_days': 'f-ga-expires',
    'integrations.google_analytics': 'f-ga',
    'integrations.google_tag_manager.container_id': 'f-gtm',
    'integrations.hotjar.site_id': 'f-hotjar',
    'integrations.meta_pixel.pixel_id': 'f-meta',
    'integrations.hubspot.portal_id': 'f-hubspot',
    'integrations.hubspot.region': 'f-hubspot-eu',
    gpc_handling: 'f-gpc',
  };
  return { id: map[field] || 'f-summary' };
}

/** Wrong passwords given for the signed-in user's account since their
 * previous sign-in, as the server keeps them: the network of the last one
 * only, never a full address. */
export interface FailedSignIns {
  count: number;
  last: string;
  last_network: string;
}

/** What the owner of an account is told after signing in. */
export function failedSignInsText(f: FailedSignIns): string {
  const when = new Date(f.last).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  const what = f.count == 1 ? '1 failed sign-in' : `${num(f.count)} failed sign-ins`;
  return `${what} to your account since your last visit, the last on ${when} from the network ${f.last_network}. If that was not you, your password held; if it is a weak one, ask an operator for a new one.`;
}
