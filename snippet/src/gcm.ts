// Google Consent Mode v2: what the purposes mean to Google's tags.
import type { Choices } from './types.ts';

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

/** statistics → analytics_storage; marketing → the three ad types. */
export const gcmUpdate = (c: Choices) => ({
  ad_storage: g(c.marketing),
  ad_user_data: g(c.marketing),
  ad_personalization: g(c.marketing),
  analytics_storage: g(c.statistics),
});

/** HubSpot's categories for setHubSpotConsent. Its loader waits for marketing, so functionality follows marketing. */
export const hubspotConsent = (c: Choices) => ({ analytics: c.statistics, advertisement: c.marketing, functionality: c.marketing });
