// Google Consent Mode v2: what the purposes mean to Google's tags.
import type { Choices, ConsentMode } from './types.ts';

type State = 'granted' | 'denied';
const g = (b: boolean): State => (b ? 'granted' : 'denied');

/** The default pushed before any other dataLayer entry (basic mode). */
export const gcmDefault = (waitForUpdate = 500) => ({
  ad_storage: 'denied',
  ad_user_data: 'denied',
  ad_personalization: 'denied',
  analytics_storage: 'denied',
  functionality_storage: 'denied',
  personalization_storage: 'denied',
  security_storage: 'granted',
  wait_for_update: waitForUpdate,
});

/**
 * The site's first dataLayer entries, before any vendor snippet's: one
 * default per region the owner set (Google applies the most specific), the
 * global default, then Google's developer id slot and url_passthrough when
 * set. o is what consentd puts in front of samtykke.js?site= (window.samtykkeGcm).
 */
export function gcmStart(o: ConsentMode = {}): unknown[][] {
  const wait = o.wait_for_update ?? 500;
  const out: unknown[][] = (o.regions || []).map(({ region, ...states }) => [
    'consent',
    'default',
    { ...states, wait_for_update: wait, region },
  ]);
  out.push(['consent', 'default', gcmDefault(wait)]);
  if (o.developer_id) out.push(['set', 'developer_id.' + o.developer_id, true]);
  if (o.url_passthrough) out.push(['set', 'url_passthrough', true]);
  return out;
}

/** ads_data_redaction while marketing is denied, unless the owner turned it off. */
export const gcmRedaction = (o: ConsentMode, marketing: boolean): unknown[][] =>
  o.ads_data_redaction === false ? [] : [['set', 'ads_data_redaction', !marketing]];

/** statistics → analytics_storage; marketing → the three ad types. */
export const gcmUpdate = (c: Choices) => ({
  ad_storage: g(c.marketing),
  ad_user_data: g(c.marketing),
  ad_personalization: g(c.marketing),
  analytics_storage: g(c.statistics),
});

/** HubSpot's categories for setHubSpotConsent. Its loader waits for marketing, so functionality follows marketing. */
export const hubspotConsent = (c: Choices) => ({ analytics: c.statistics, advertisement: c.marketing, functionality: c.marketing });
