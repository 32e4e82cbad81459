// The shapes the server sends and receives (server/consent/site.go,
// receipt.go). Field names are the JSON ones.

export type Purpose = 'necessary' | 'statistics' | 'marketing';
export type Optional = 'statistics' | 'marketing';
export type Action = 'accept_all' | 'reject_all' | 'custom' | 'withdraw' | 'gpc';
export type Surface = 'banner' | 'settings' | 'api';

export interface Choices {
  necessary: true;
  statistics: boolean;
  marketing: boolean;
}

export interface Cookie {
  name: string;
  /** Lifetime in minutes; 0 until the browser closes. Absent from servers older than the banner. */
  duration_minutes?: number;
  /** The same in whole days, rounded down; kept for older banners. */
  duration_days: number;
}

export interface Vendor {
  id: string;
  name: string;
  provider: string;
  privacy_policy_url: string;
  cookies: Cookie[];
}

export interface PurposeConfig {
  id: Purpose;
  required: boolean;
  name: string;
  description: string;
  vendors: Vendor[];
}

export interface Integrations {
  google_analytics?: { measurement_id: string };
  google_tag_manager?: { container_id: string };
  hotjar?: { site_id: number };
  meta_pixel?: { pixel_id: string };
  hubspot?: { portal_id: string; region?: string };
}

export interface BannerConfig {
  site_id: string;
  config_version: string;
  language: string;
  languages: string[];
  consent_lifetime_days: number;
  privacy_policy_url: string;
  purposes: PurposeConfig[];
  integrations: Integrations;
  texts: Record<string, string>;
  /** The site applies Global Privacy Control as "Reject all", with a notice. */
  gpc_reject_all?: boolean;
  /** The config request carried Sec-GPC: 1. */
  gpc?: boolean;
}

export interface Receipt {
  receipt_id: string;
  consent_id: string;
  action: Action;
  choices: Choices;
  config_version: string;
  language: string;
  page_url: string;
  surface: Surface;
  gpc: boolean;
  client_time: string;
  previous_receipt_id?: string;
}
