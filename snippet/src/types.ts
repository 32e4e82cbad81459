// The shapes the server sends and receives. They are generated from the Go
// types (server/consent) into wire.gen.ts: change the Go type, run
// `go generate ./scripts/wiretypes`, and the banner's code is checked against
// it. What follows only narrows them to what the banner relies on.
import type * as Wire from './wire.gen.ts';

export type { Action, ConsentMode, Integrations, Purpose, Surface } from './wire.gen.ts';

/** The purposes a visitor may refuse. */
export type Optional = Exclude<Wire.Purpose, 'necessary'>;

/** A decision as the banner makes one: necessary cookies are always allowed. */
export interface Choices extends Wire.Choices {
  necessary: true;
}

/** A vendor's cookie as the banner reads it. */
export interface Cookie extends Omit<Wire.Cookie, 'duration_minutes'> {
  /** Lifetime in minutes; 0 until the browser closes. Absent from servers older than the banner. */
  duration_minutes?: number;
}

export interface Vendor extends Omit<Wire.Vendor, 'cookies'> {
  cookies: Cookie[];
}

export interface PurposeConfig extends Omit<Wire.PurposeConfig, 'vendors'> {
  vendors: Vendor[];
}

/** One vendor's hosts and names (server/vendors.Rule); the server sends only statistics and marketing. */
export interface Rule extends Omit<Wire.Rule, 'purposes'> {
  purposes: Optional[];
}

/** What GET /v1/sites/{id}/config answers, from this server or an older one. */
export interface BannerConfig extends Omit<Wire.BannerConfig, 'purposes' | 'rules'> {
  purposes: PurposeConfig[];
  /** Absent from servers older than the banner: the rules served with the script stay. */
  rules?: Rule[];
}

/** The fields consentd adds to a receipt when it stores one; the banner never sends them. */
type ServerSet = 'site_id' | 'server_time' | 'expires_at' | 'user_agent' | 'ip' | 'device';

/** A receipt as the banner posts it to /v1/sites/{id}/receipts. */
export interface Receipt extends Omit<Wire.Receipt, ServerSet | 'choices'> {
  choices: Choices;
}
