// What each vendor is told on every page, and the official loaders of the
// integrations configured on the site, injected once their purpose is granted.
import { hubspotConsent } from './gcm.ts';
import type { Choices, Integrations } from './types.ts';

const w = window as any;

/**
 * Meta's base code creates window.fbq and then calls fbq('init'). The first
 * time anyone calls the queue, fbq('consent', state()) goes in before that
 * call, so 'revoke' precedes 'init' on pages without marketing consent.
 */
export function trapFbq(state: () => 'grant' | 'revoke') {
  if (w.fbq) return;
  let v: any;
  Object.defineProperty(w, 'fbq', {
    configurable: true,
    enumerable: true,
    get() {
      if (v && v.queue) {
        Object.defineProperty(w, 'fbq', { value: v, writable: true, configurable: true, enumerable: true });
        v('consent', state());
      }
      return v;
    },
    set(x) {
      v = x;
    },
  });
}

/** The per-page signals for Meta and HubSpot, which neither vendor remembers. */
export function tellVendors(c: Choices) {
  if (typeof w.fbq == 'function') w.fbq('consent', c.marketing ? 'grant' : 'revoke');
  (w._hsp = w._hsp || []).push(['setHubSpotConsent', hubspotConsent(c)]);
}

type Load = (src: string, id?: string) => void;

/**
 * Injects the loaders of the integrations granted in c (null: no choice yet)
 * that are not loaded yet (done holds their keys), and of Google's that the
 * site's rules do not hold at all (free: advanced Consent Mode, or GTM
 * allowed to load first).
 */
export function integrations(
  ig: Integrations,
  c: Choices | null,
  gtag: (...a: unknown[]) => void,
  load: Load,
  done: Set<string>,
  free: (url: string) => boolean,
) {
  const once = (key: keyof Integrations, ok: boolean) => ok && !!ig[key] && !done.has(key) && !!done.add(key);
  const ga = ig.google_analytics,
    gtm = ig.google_tag_manager,
    hj = ig.hotjar,
    fb = ig.meta_pixel,
    hs = ig.hubspot;
  const gtmHost = 'https://www.googletagmanager.com/';
  const gaSrc = ga ? gtmHost + 'gtag/js?id=' + encodeURIComponent(ga.measurement_id) : '';
  const gtmSrc = gtm ? gtmHost + 'gtm.js?id=' + encodeURIComponent(gtm.container_id) : '';
  if (once('google_analytics', !!c?.statistics || (!!ga && free(gaSrc)))) {
    gtag('js', new Date());
    const days = ga!.cookie_expires_days;
    // The lifetime the owner declared is the one set (Google's default is 2 years).
    if (days) gtag('config', ga!.measurement_id, { cookie_expires: days * 86400 });
    else gtag('config', ga!.measurement_id);
    load(gaSrc);
  }
  if (once('google_tag_manager', !!(c?.statistics || c?.marketing) || (!!gtm && free(gtmSrc)))) {
    w.dataLayer.push({ 'gtm.start': Date.now(), event: 'gtm.js' });
    load(gtmSrc);
  }
  if (!c) return;
  if (once('hotjar', c.statistics)) {
    w.hj =
      w.hj ||
      function () {
        (w.hj.q = w.hj.q || []).push(arguments);
      };
    w._hjSettings = { hjid: hj!.site_id, hjsv: 6 };
    load(`https://static.hotjar.com/c/hotjar-${+hj!.site_id}.js?sv=6`);
  }
  if (once('meta_pixel', c.marketing)) {
    if (!w.fbq) {
      const f: any = function () {
        f.callMethod ? f.callMethod.apply(f, arguments) : f.queue.push(arguments);
      };
      f.push = f;
      f.loaded = true;
      f.version = '2.0';
      f.queue = [];
      w.fbq = f;
      w._fbq = w._fbq || f;
    }
    w.fbq('consent', 'grant');
    w.fbq('init', fb!.pixel_id);
    w.fbq('track', 'PageView');
    load('https://connect.facebook.net/en_US/fbevents.js');
  }
  if (once('hubspot', c.marketing)) {
    w.disableHubSpotCookieBanner = true;
    load(`https://js${hs!.region == 'eu1' ? '-eu1' : ''}.hs-scripts.com/${encodeURIComponent(hs!.portal_id)}.js`, 'hs-script-loader');
  }
}
