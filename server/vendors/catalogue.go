package vendors

// lifetime is a cookie lifetime as the catalogue writes it; the zero value
// is "not set", which the tests refuse.
type lifetime struct {
	minutes  int
	set      bool
	reported bool
}

func session() lifetime          { return lifetime{set: true} }
func minutes(n int) lifetime     { return lifetime{minutes: n, set: true} }
func hours(n int) lifetime       { return minutes(n * 60) }
func days(n int) lifetime        { return minutes(n * 24 * 60) }
func (l lifetime) rep() lifetime { l.reported = true; return l }

// thirteenMonths is the "13 months" vendors and regulators (CNIL) use,
// rounded up to whole days.
const thirteenMonths = 395

func cookie(name string, l lifetime, party string, d Text) Cookie {
	return Cookie{Name: name, DurationMinutes: l.minutes, Party: party, Description: d, Reported: l.reported, deliberate: l.set}
}
func first(name string, l lifetime, d Text) Cookie { return cookie(name, l, FirstParty, d) }
func third(name string, l lifetime, d Text) Cookie { return cookie(name, l, ThirdParty, d) }
func store(name string, d Text) StorageKey {
	return StorageKey{Name: name, Party: FirstParty, Description: d}
}

// Privacy policies shared by several vendors of one provider.
const (
	googlePolicy    = "https://policies.google.com/privacy"
	googleProvider  = "Google Ireland Limited"
	googleCookieDoc = "https://policies.google.com/technologies/cookies"
	microsoftPolicy = "https://privacy.microsoft.com/privacystatement"
)

// catalogue is the built-in vendor list, in the order All returns it. The
// first five ids are the ones sites have used since the first release.
var catalogue = []Vendor{
	// Google Analytics 4 through gtag.js.
	// Hosts: the gtag.js snippet (developers.google.com/analytics/devguides/collection/gtagjs)
	// loads www.googletagmanager.com/gtag/js?id=G-… (and, for a further id
	// configured on the page, gtag/destination?id=…, as observed); hits go to
	// www.google-analytics.com and region1.google-analytics.com /g/collect
	// and to *.analytics.google.com.
	// Cookies: _ga and _ga_<container> 2 years (support.google.com/analytics/answer/11397207);
	// the default cookie_expires is 63072000 s (gtagjs/cookies-user-id), which
	// the site can shorten. _gid 24 hours, _gat* and _dc_gtm_* 1 minute are
	// Universal Analytics cookies still set by old tags (gaConceptsCookies).
	{
		ID: "google_analytics", Name: "Google Analytics 4", Provider: googleProvider, ProviderCountry: "IE",
		Purposes: []string{Statistics}, PrivacyPolicyURL: googlePolicy,
		Hosts: []string{
			"www.googletagmanager.com/gtag/js?id=G-", "www.googletagmanager.com/gtag/destination?id=G-",
			"*.google-analytics.com", "*.analytics.google.com",
		},
		Cookies: []Cookie{
			first("_ga", days(730), tVisitorID),
			first("_ga_*", days(730), tVisitState),
			first("_gid", hours(24), tVisitorID),
			first("_gat*", minutes(1), tThrottle),
			first("_dc_gtm_*", minutes(1), tThrottle),
		},
		ConsentHooks: []string{HookGoogleConsentMode},
		Sources: []string{
			"https://developers.google.com/analytics/devguides/collection/gtagjs",
			"https://support.google.com/analytics/answer/11397207",
			"https://developers.google.com/analytics/devguides/collection/gtagjs/cookies-user-id",
			"https://developers.google.com/analytics/resources/concepts/gaConceptsCookies",
		},
	},
	// Google Tag Manager: a loader with no purpose of its own, so it may load
	// once either purpose is granted; the tags it fires read Consent Mode.
	// It sets no cookie itself. Hosts: gtm.js and the <noscript> ns.html
	// iframe come from www.googletagmanager.com
	// (developers.google.com/tag-platform/tag-manager/web); so do gtag.js
	// loads whose id is neither G- nor AW-/DC- (e.g. GT-), which fall back to
	// this rule.
	{
		ID: "google_tag_manager", Name: "Google Tag Manager", Provider: googleProvider, ProviderCountry: "IE",
		Purposes: []string{Statistics, Marketing}, PrivacyPolicyURL: googlePolicy,
		Hosts:        []string{"www.googletagmanager.com/gtm.js", "www.googletagmanager.com"},
		Cookies:      []Cookie{},
		ConsentHooks: []string{HookGoogleConsentMode},
		Sources: []string{
			"https://developers.google.com/tag-platform/tag-manager/web",
			"https://support.google.com/tagmanager/answer/14847097",
			"https://developers.google.com/tag-platform/security/guides/consent",
		},
	},
	// Google Ads conversion tracking and remarketing (and Floodlight, DC-).
	// Hosts: gtag.js with an AW-/DC- id, also as a further destination
	// loaded by a G- tag (gtag/destination?id=AW-…), which today's snippet
	// held back for marketing too; conversion and remarketing hits to
	// www.googleadservices.com, googleads.g.doubleclick.net and
	// *.doubleclick.net, www.google.com/pagead/… (and the visitor's country
	// domain, e.g. www.google.no/pagead/1p-user-list), www.google.com/ccm/…
	// and /rmkt/…; ad scripts from *.googlesyndication.com and
	// adservice.google.com. These are the "cookieless pings" of Consent
	// Mode, held back until marketing is granted.
	// Cookies: _gcl_* (conversion linker: _gcl_au, _gcl_aw, _gcl_dc, …) and
	// _gac_* 90 days (Google's advertising and measurement cookie
	// reference, linked from developers.google.com/tag-platform/security/concepts/cookies;
	// support.google.com/analytics/answer/11397207). IDE (13 months in the
	// EEA) and test_cookie (15 minutes) on doubleclick.net are described in
	// "How Google uses cookies", but the copy read here did not show their
	// lifetimes: marked reported.
	{
		ID: "google_ads", Name: "Google Ads", Provider: googleProvider, ProviderCountry: "IE",
		Purposes: []string{Marketing}, PrivacyPolicyURL: googlePolicy,
		Hosts: []string{
			"www.googletagmanager.com/gtag/js?id=AW-", "www.googletagmanager.com/gtag/js?id=DC-",
			"www.googletagmanager.com/gtag/destination?id=AW-", "www.googletagmanager.com/gtag/destination?id=DC-",
			"*.googleadservices.com", "*.doubleclick.net", "*.googlesyndication.com", "adservice.google.com",
			"*.google.com/pagead", "*.google.com/ccm", "*.google.com/rmkt",
			"*.google.no/pagead", "*.google.se/pagead", "*.google.dk/pagead", "*.google.fi/pagead",
		},
		Cookies: []Cookie{
			first("_gcl_*", days(90), tAdClick),
			first("_gac_*", days(90), tAdCampaign),
			third("IDE", days(thirteenMonths).rep(), tAdBrowser),
			third("test_cookie", minutes(15).rep(), tCookieTest),
		},
		ConsentHooks: []string{HookGoogleConsentMode},
		Sources: []string{
			"https://developers.google.com/tag-platform/security/concepts/cookies",
			"https://business.safety.google/adscookies/",
			"https://support.google.com/analytics/answer/11397207",
			googleCookieDoc,
			"https://developers.google.com/tag-platform/security/guides/consent",
		},
	},
	// Hotjar, now part of Contentsquare, and Contentsquare's own tag.
	// Hosts: static.hotjar.com/c/hotjar-<id>.js loads script.hotjar.com,
	// vars.hotjar.com, in.hotjar.com and websockets on *.hotjar.com and
	// *.hotjar.io (help.hotjar.com 115009336727); Contentsquare's tag is
	// t.contentsquare.net/uxa/<id>.js, collecting to other *.contentsquare.net
	// hosts (docs.contentsquare.com tag-delivery).
	// Cookies: Hotjar Cookie Information (help.hotjar.com 115011789248):
	// _hjSessionUser_* 365 days, _hjSession_* 30 minutes,
	// _hjAbsoluteSessionInProgress 30 minutes, _hjIncludedInSessionSample_*
	// 30 minutes, _hjTLDTest session, _hjFirstSeen 30 minutes. "_hj*" covers
	// the legacy and feature cookies the article lists with varying
	// lifetimes (up to a year, reported). Contentsquare
	// (docs.contentsquare.com/en/web/cookies): _cs_id 13 months, _cs_s 30
	// minutes; "_cs_*" covers the others (e.g. the consent flag _cs_c), with
	// the 13-month maximum as reported. The _hj* storage keys are reported
	// from observation, not documented.
	{
		ID: "hotjar", Name: "Hotjar", Provider: "Hotjar Ltd.", ProviderCountry: "MT",
		Purposes: []string{Statistics}, PrivacyPolicyURL: "https://www.hotjar.com/legal/policies/privacy/",
		Hosts: []string{"*.hotjar.com", "*.hotjar.io", "*.contentsquare.net"},
		Cookies: []Cookie{
			first("_hjSessionUser_*", days(365), tVisitorID),
			first("_hjSession_*", minutes(30), tVisitState),
			first("_hjAbsoluteSessionInProgress", minutes(30), tVisitStart),
			first("_hjIncludedInSessionSample_*", minutes(30), tSample),
			first("_hjTLDTest", session(), tDomainTest),
			first("_hjFirstSeen", minutes(30), tFirstSeen),
			first("_hj*", days(365).rep(), tOtherFeatures),
			first("_cs_id", days(thirteenMonths), tVisitorID),
			first("_cs_s", minutes(30), tVisitState),
			first("_cs_*", days(thirteenMonths).rep(), tOtherFeatures),
		},
		Storage:      []StorageKey{store("_hj*", tStorage)},
		ConsentHooks: []string{HookContentsquareOptout},
		Sources: []string{
			"https://help.hotjar.com/hc/en-us/articles/115009336727",
			"https://help.hotjar.com/hc/en-us/articles/115011789248-Hotjar-Cookie-Information",
			"https://docs.contentsquare.com/fr/web/tag-delivery",
			"https://docs.contentsquare.com/en/web/cookies",
			"https://docs.contentsquare.com/en/web/send-the-users-decisions-about-data-collection",
		},
	},
	// Meta Pixel. Hosts: the base code loads
	// connect.facebook.net/en_US/fbevents.js (and signals/config/<id> from the
	// same host); events and the <noscript> image go to www.facebook.com/tr
	// (developers.facebook.com/docs/meta-pixel/get-started).
	// Cookies: _fbp and _fbc are documented in the Conversions API
	// parameters page, which gives no lifetime; 90 days is the lifetime
	// commonly reported, marked as reported. fr is Meta's third-party ad cookie on facebook.com, 90 days
	// as reported.
	{
		ID: "meta_pixel", Name: "Meta Pixel", Provider: "Meta Platforms Ireland Limited", ProviderCountry: "IE",
		Purposes: []string{Marketing}, PrivacyPolicyURL: "https://www.facebook.com/privacy/policy/",
		Hosts: []string{"connect.facebook.net", "www.facebook.com/tr"},
		Cookies: []Cookie{
			first("_fbp", days(90).rep(), tAdBrowser),
			first("_fbc", days(90).rep(), tAdClick),
			third("fr", days(90).rep(), tAdBrowser),
		},
		ConsentHooks: []string{HookMetaFbqConsent},
		Sources: []string{
			"https://developers.facebook.com/docs/meta-pixel/get-started",
			"https://developers.facebook.com/docs/meta-pixel/implementation/gdpr",
			"https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/fbp-and-fbc",
			"https://www.facebook.com/privacy/policies/cookies/",
		},
	},
	// HubSpot tracking code, forms, chat and ads pixel.
	// Hosts: js.hs-scripts.com / js-eu1.hs-scripts.com load
	// js.hs-analytics.net, js.hs-banner.com, js.hscollectedforms.net,
	// js.usemessages.com (chat) and js.hsadspixel.net (ads), and send to
	// track.hubspot.com / track-eu1.hubspot.com (install-the-hubspot-tracking-code;
	// the chat, ads and track hosts are as observed, not listed there).
	// Cookies (knowledge.hubspot.com, cookies HubSpot sets): __hstc,
	// hubspotutk and messagesUtk 6 months (older versions of the article say
	// 13 months), __hssc 30 minutes, __hssrc session. __hs_do_not_track,
	// which the doNotTrack call sets on withdrawal, is deliberately not
	// here: it records the objection, and the snippet lifts it when
	// marketing is granted again rather than purging it with the others.
	{
		ID: "hubspot", Name: "HubSpot", Provider: "HubSpot, Inc.", ProviderCountry: "US",
		Purposes: []string{Marketing}, PrivacyPolicyURL: "https://legal.hubspot.com/privacy-policy",
		Hosts: []string{
			"*.hs-scripts.com", "*.hs-analytics.net", "*.hs-banner.com", "*.hscollectedforms.net",
			"*.hsadspixel.net", "*.usemessages.com", "track.hubspot.com", "track-eu1.hubspot.com",
		},
		Cookies: []Cookie{
			first("__hstc", days(180), tVisits),
			first("hubspotutk", days(180), tContact),
			first("__hssc", minutes(30), tVisitState),
			first("__hssrc", session(), tNewVisit),
			first("messagesUtk", days(180), tChat),
		},
		ConsentHooks: []string{HookHubSpotHsp},
		Sources: []string{
			"https://knowledge.hubspot.com/reports/install-the-hubspot-tracking-code",
			"https://knowledge.hubspot.com/privacy-and-consent/what-cookies-does-hubspot-set-in-a-visitor-s-browser",
			"https://developers.hubspot.com/docs/api-reference/latest/account/settings/consent-banner/consent-banner-api",
		},
	},
	// Microsoft Clarity. Hosts: the tag loads www.clarity.ms/tag/<id>, which
	// loads scripts.clarity.ms and sends to <letter>.clarity.ms/collect.
	// Cookies: Clarity's cookie list (learn.microsoft.com clarity cookie-list)
	// names _clck, _clsk (first party) and CLID, MUID, ANONCHK, MR, SM (third
	// party, on clarity.ms and bing.com) but gives no lifetimes; the
	// lifetimes here are as commonly measured (_clck 1 year, _clsk 1 day,
	// CLID 1 year, MUID about 13 months, ANONCHK 10 minutes, MR 7 days, SM
	// session) and marked reported. Consent: window.clarity('consentv2', …)
	// (clarity-consent-api-v2). Clarity's terms are with Microsoft
	// Corporation; the provider entity is not confirmed against them.
	{
		ID: "microsoft_clarity", Name: "Microsoft Clarity", Provider: "Microsoft Corporation", ProviderCountry: "US",
		Purposes: []string{Statistics}, PrivacyPolicyURL: microsoftPolicy,
		Hosts: []string{"*.clarity.ms"},
		Cookies: []Cookie{
			first("_clck", days(365).rep(), tVisitorID),
			first("_clsk", days(1).rep(), tRecording),
			third("CLID", days(365).rep(), tAcrossSites),
			third("MUID", days(390).rep(), tMicrosoftID),
			third("ANONCHK", minutes(10).rep(), tMicrosoftSync),
			third("MR", days(7).rep(), tMicrosoftSync),
			third("SM", session().rep(), tMicrosoftSync),
		},
		ConsentHooks: []string{HookClarityConsent},
		Sources: []string{
			"https://learn.microsoft.com/en-us/clarity/setup-and-installation/cookie-list",
			"https://learn.microsoft.com/en-us/clarity/setup-and-installation/clarity-consent-api-v2",
			"https://learn.microsoft.com/en-us/clarity/setup-and-installation/cmp-integration-guide",
		},
	},
	// Microsoft Advertising Universal Event Tracking (UET).
	// Hosts: the UET tag loads bat.bing.com/bat.js and sends to
	// bat.bing.com/action/…; bat.bing.net is the alternative host.
	// Cookies: the UET parameter table says msclkid "should be stored in a
	// first party cookie" (_uetmsclkid); Microsoft documents UET Consent Mode
	// (ad_storage) and that first-party cookies are neither read nor written
	// when it is denied, but no lifetimes. _uetsid 1 day, _uetvid about 13
	// months, _uetmsclkid 90 days, MUID about 13 months and the _uet* local
	// storage copies are as commonly measured, marked reported.
	{
		ID: "microsoft_uet", Name: "Microsoft Advertising (UET)", Provider: "Microsoft Ireland Operations Limited", ProviderCountry: "IE",
		Purposes: []string{Marketing}, PrivacyPolicyURL: microsoftPolicy,
		Hosts: []string{"bat.bing.com", "bat.bing.net"},
		Cookies: []Cookie{
			first("_uetsid", days(1).rep(), tAdVisit),
			first("_uetvid", days(390).rep(), tAdBrowser),
			first("_uetmsclkid", days(90).rep(), tAdClick),
			third("MUID", days(390).rep(), tMicrosoftID),
		},
		Storage:      []StorageKey{store("_uet*", tStorage)},
		ConsentHooks: []string{HookUETConsentMode},
		Sources: []string{
			"https://learn.microsoft.com/en-us/advertising/msa-help/hlp_ba_conc_uet_consentfaq",
			"https://learn.microsoft.com/en-us/advertising/msa-help/hlp_ba_conc_uet_parameters_table",
			"https://learn.microsoft.com/en-us/advertising/campaign-management-service/uettag?view=bingads-13",
		},
	},
	// LinkedIn Insight Tag. Hosts: the base code loads
	// snap.licdn.com/li.lms-analytics/insight.min.js and fires
	// px.ads.linkedin.com/collect (older tags dc.ads.linkedin.com), with
	// cookie syncs through www.linkedin.com/px.
	// Cookies: LinkedIn's cookie table (linkedin.com/legal/l/cookie-table)
	// lists the cookies it uses on sites with the Insight Tag; the stored
	// copy of it that could be read stops before those rows, so the
	// lifetimes below are as reported from it by others and marked
	// reported: li_fat_id 30 days (first party, after an ad click);
	// bcookie 1 year, lidc 1 day, UserMatchHistory and AnalyticsSyncHistory
	// 30 days, li_sugr 90 days (third party, linkedin.com). LinkedIn offers
	// no in-page consent API: the tag must not load without consent.
	{
		ID: "linkedin_insight", Name: "LinkedIn Insight Tag", Provider: "LinkedIn Ireland Unlimited Company", ProviderCountry: "IE",
		Purposes: []string{Marketing}, PrivacyPolicyURL: "https://www.linkedin.com/legal/privacy-policy",
		Hosts: []string{"snap.licdn.com", "*.ads.linkedin.com", "www.linkedin.com/px"},
		Cookies: []Cookie{
			first("li_fat_id", days(30).rep(), tAdClick),
			third("bcookie", days(365).rep(), tAdBrowser),
			third("lidc", days(1).rep(), tRouting),
			third("UserMatchHistory", days(30).rep(), tIDSync),
			third("AnalyticsSyncHistory", days(30).rep(), tIDSync),
			third("li_sugr", days(90).rep(), tPlatformUser),
		},
		Sources: []string{"https://www.linkedin.com/legal/l/cookie-table"},
	},
	// TikTok Pixel. Hosts: the base code loads
	// analytics.tiktok.com/i18n/pixel/events.js and sends events to
	// analytics.tiktok.com/api/….
	// Cookies: TikTok's "About using cookies with TikTok Pixel"
	// (ads.tiktok.com/help/article?aid=10007540) documents that the pixel's
	// first-party cookies are on by default and expire 13 months after
	// being set or last used, without naming them; the names _ttp,
	// _tt_enable_cookie and ttclid are as reported. Consent:
	// ttq.holdConsent() / ttq.grantConsent() / ttq.revokeConsent().
	{
		ID: "tiktok_pixel", Name: "TikTok Pixel", Provider: "TikTok Technology Limited", ProviderCountry: "IE",
		Purposes: []string{Marketing}, PrivacyPolicyURL: "https://www.tiktok.com/legal/page/eea/privacy-policy/en",
		Hosts: []string{"analytics.tiktok.com"},
		Cookies: []Cookie{
			first("_ttp", days(thirteenMonths), tAdBrowser),
			first("_tt_enable_cookie", days(thirteenMonths), tCookieTest),
			first("ttclid", days(thirteenMonths), tAdClick),
		},
		ConsentHooks: []string{HookTikTokGrantRevoke},
		Sources: []string{
			"https://ads.tiktok.com/help/article?aid=10007540",
			"https://ads.tiktok.com/help/article/using-cookies-with-tiktok-pixel",
		},
	},
	// Pinterest Tag. Hosts: the base code loads s.pinimg.com/ct/core.js
	// (and s.pinimg.com/ct/lib/…) and sends to ct.pinterest.com
	// (help.pinterest.com "Pinterest tag parameters and cookies": filter
	// the network tab for ct.pinterest).
	// Cookies: the same article names _epik, _derived_epik and _pin_unauth
	// (first party, on the site) and _pinterest_ct_ua and _pinterest_sess
	// (third party, read by the tag) but gives no lifetimes; 1 year is as
	// commonly reported, marked reported.
	{
		ID: "pinterest_tag", Name: "Pinterest Tag", Provider: "Pinterest Europe Limited", ProviderCountry: "IE",
		Purposes: []string{Marketing}, PrivacyPolicyURL: "https://policy.pinterest.com/en/privacy-policy",
		Hosts: []string{"s.pinimg.com/ct", "ct.pinterest.com"},
		Cookies: []Cookie{
			first("_pin_unauth", days(365).rep(), tAdBrowser),
			first("_epik", days(365).rep(), tAdClick),
			first("_derived_epik", days(365).rep(), tPlatformUser),
			third("_pinterest_ct_ua", days(365).rep(), tAdBrowser),
			third("_pinterest_sess", days(365).rep(), tPlatformLogin),
		},
		Sources: []string{"https://help.pinterest.com/en/business/article/pinterest-tag-parameters-and-cookies"},
	},
	// Snap Pixel. Snap's own pixel documentation could not be read here: the
	// hosts (sc-static.net/scevent.min.js, events to tr.snapchat.com and
	// tr-shadow.snapchat.com) are those of the published base code, and the
	// first-party _scid cookies (_scid, _scid_r) with 13 months are as
	// reported. Snap's cookie information page, listed as the source, covers
	// Snap's own sites and does not list the pixel's cookies.
	{
		ID: "snap_pixel", Name: "Snap Pixel", Provider: "Snap B.V.", ProviderCountry: "NL",
		Purposes: []string{Marketing}, PrivacyPolicyURL: "https://values.snap.com/privacy/privacy-policy",
		Hosts: []string{"sc-static.net", "tr.snapchat.com", "tr-shadow.snapchat.com"},
		Cookies: []Cookie{
			first("_scid*", days(thirteenMonths).rep(), tAdBrowser),
		},
		Sources: []string{"https://www.snap.com/privacy/cookie-information"},
	},
	// YouTube embeds. Embed hosts: www.youtube.com/embed/<id> and the
	// privacy-enhanced www.youtube-nocookie.com/embed/<id>
	// (developers.google.com/youtube/player_parameters; support.google.com/youtube/answer/171780).
	// Script hosts: the IFrame Player API (www.youtube.com/iframe_api, which
	// loads www.youtube.com/s/player/…/www-widgetapi.js into the page). The
	// player then talks to www.youtube.com (/youtubei/, /api/stats/), which
	// sets the cookies, and to ad hosts on doubleclick.net (Google Ads rule).
	// Cookies ("How Google uses cookies"): YSC for the browsing session,
	// VISITOR_INFO1_LIVE 6 months, both on youtube.com. PREF is described
	// there too, but its lifetime (8 months) was not in the copy read here:
	// marked reported.
	{
		ID: "youtube", Name: "YouTube", Provider: googleProvider, ProviderCountry: "IE",
		Purposes: []string{Marketing}, PrivacyPolicyURL: googlePolicy,
		Hosts: []string{
			"www.youtube.com/iframe_api", "www.youtube.com/player_api", "www.youtube.com/s/player",
			"www.youtube.com/youtubei", "www.youtube.com/api/stats",
		},
		EmbedHosts: []string{"*.youtube.com/embed", "*.youtube-nocookie.com/embed"},
		Cookies: []Cookie{
			third("YSC", session(), tAbuse),
			third("VISITOR_INFO1_LIVE", days(180), tVideoSettings),
			third("PREF", days(240).rep(), tPlayerPrefs),
		},
		Sources: []string{
			"https://developers.google.com/youtube/player_parameters",
			"https://developers.google.com/youtube/iframe_api_reference",
			"https://support.google.com/youtube/answer/171780",
			googleCookieDoc,
		},
	},
	// Vimeo embeds. Embed host: player.vimeo.com/video/<id>; script host:
	// the Player SDK player.vimeo.com/api/player.js.
	// Cookies (help.vimeo.com 26080940921361, cookies of the embeddable
	// player): vuid 2 years (analytics for the video owner), player 1 year,
	// on vimeo.com. Vimeo's stated use of vuid is statistics for the video
	// owner, hence the purpose.
	{
		ID: "vimeo", Name: "Vimeo", Provider: "Vimeo.com, Inc.", ProviderCountry: "US",
		Purposes: []string{Statistics}, PrivacyPolicyURL: "https://vimeo.com/privacy",
		Hosts:      []string{"player.vimeo.com/api"},
		EmbedHosts: []string{"player.vimeo.com/video"},
		Cookies: []Cookie{
			third("vuid", days(730), tVideoStats),
			third("player", days(365), tPlayerPrefs),
		},
		Sources: []string{
			"https://help.vimeo.com/hc/en-us/articles/26080940921361",
			"https://vimeo.com/cookie_policy",
		},
	},
	// Google Maps embeds. Embed hosts: www.google.com/maps/embed?pb=… (Maps
	// Embed API, also google.com/maps/embed/v1/…) and the older
	// maps.google.com/maps?…&output=embed. Script host: the Maps JavaScript
	// API, maps.googleapis.com/maps/api/js.
	// Cookies ("How Google uses cookies"): NID on google.com, 6 months from
	// last use, remembers preferences and is used for Google's ads.
	{
		ID: "google_maps", Name: "Google Maps", Provider: googleProvider, ProviderCountry: "IE",
		Purposes: []string{Marketing}, PrivacyPolicyURL: googlePolicy,
		Hosts:      []string{"maps.googleapis.com"},
		EmbedHosts: []string{"*.google.com/maps/embed", "maps.google.com/maps"},
		Cookies: []Cookie{
			third("NID", days(183), tGooglePrefs),
		},
		Sources: []string{
			"https://developers.google.com/maps/documentation/embed/get-started",
			"https://developers.google.com/maps/documentation/javascript/overview",
			googleCookieDoc,
		},
	},
}
