___TERMS_OF_SERVICE___

By creating or modifying this file you agree to Google Tag Manager's Community
Template Gallery Developer Terms of Service available at
https://developers.google.com/tag-manager/gallery-tos (or such other URL as
Google may provide), as modified from time to time.


___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Samtykke Consent Mode",
  "categories": [
    "UTILITY",
    "ANALYTICS",
    "ADVERTISING"
  ],
  "brand": {
    "id": "github.com_samtykke",
    "displayName": "Samtykke"
  },
  "description": "Samtykke (open-source consent platform): sets Google Consent Mode v2 defaults, applies a returning visitor's choice at once, loads the Samtykke banner for your site and updates consent when the visitor decides. Fire it on \"Consent Initialization - All Pages\".",
  "containerContexts": [
    "WEB"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "GROUP",
    "name": "samtykkeGroup",
    "displayName": "Samtykke",
    "groupStyle": "NO_ZIPPY",
    "subParams": [
      {
        "type": "TEXT",
        "name": "consentHost",
        "displayName": "consentd URL",
        "simpleValueType": true,
        "alwaysInSummary": true,
        "help": "Where your Samtykke server (consentd) answers, e.g. https://consent.example.com: the address in the script tag the dashboard shows under Install, without /samtykke.js.",
        "valueHint": "https://consent.example.com",
        "valueValidators": [
          {
            "type": "NON_EMPTY"
          },
          {
            "type": "REGEX",
            "args": [
              "^https://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?/?$"
            ],
            "errorMessage": "An https:// address in lower case, host and optional port only (no path), e.g. https://consent.example.com"
          }
        ]
      },
      {
        "type": "TEXT",
        "name": "siteId",
        "displayName": "Site id",
        "simpleValueType": true,
        "alwaysInSummary": true,
        "help": "The site id from the dashboard (the value of ?site= and data-site in the script tag under Install).",
        "valueValidators": [
          {
            "type": "NON_EMPTY"
          },
          {
            "type": "REGEX",
            "args": [
              "^[A-Za-z0-9_-]{1,64}$"
            ],
            "errorMessage": "Letters, digits, - and _ only, as the dashboard shows it."
          }
        ]
      }
    ]
  },
  {
    "type": "GROUP",
    "name": "defaultGroup",
    "displayName": "Consent Mode defaults (before the visitor decides)",
    "groupStyle": "ZIPPY_OPEN",
    "subParams": [
      {
        "type": "LABEL",
        "name": "defaultLabel",
        "displayName": "Everything is denied until the visitor decides, except security_storage. Fire this tag on \"Consent Initialization - All Pages\" so the defaults are set before any other tag."
      },
      {
        "type": "SELECT",
        "name": "ad_storage",
        "displayName": "ad_storage",
        "macrosInSelect": false,
        "selectItems": [
          {
            "value": "denied",
            "displayValue": "Denied"
          },
          {
            "value": "granted",
            "displayValue": "Granted"
          }
        ],
        "simpleValueType": true,
        "defaultValue": "denied",
        "help": "Marketing: cookies for advertising."
      },
      {
        "type": "SELECT",
        "name": "ad_user_data",
        "displayName": "ad_user_data",
        "macrosInSelect": false,
        "selectItems": [
          {
            "value": "denied",
            "displayValue": "Denied"
          },
          {
            "value": "granted",
            "displayValue": "Granted"
          }
        ],
        "simpleValueType": true,
        "defaultValue": "denied",
        "help": "Marketing: user data sent to Google for advertising."
      },
      {
        "type": "SELECT",
        "name": "ad_personalization",
        "displayName": "ad_personalization",
        "macrosInSelect": false,
        "selectItems": [
          {
            "value": "denied",
            "displayValue": "Denied"
          },
          {
            "value": "granted",
            "displayValue": "Granted"
          }
        ],
        "simpleValueType": true,
        "defaultValue": "denied",
        "help": "Marketing: personalised advertising (remarketing)."
      },
      {
        "type": "SELECT",
        "name": "analytics_storage",
        "displayName": "analytics_storage",
        "macrosInSelect": false,
        "selectItems": [
          {
            "value": "denied",
            "displayValue": "Denied"
          },
          {
            "value": "granted",
            "displayValue": "Granted"
          }
        ],
        "simpleValueType": true,
        "defaultValue": "denied",
        "help": "Statistics: cookies for analytics."
      },
      {
        "type": "SELECT",
        "name": "functionality_storage",
        "displayName": "functionality_storage",
        "macrosInSelect": false,
        "selectItems": [
          {
            "value": "denied",
            "displayValue": "Denied"
          },
          {
            "value": "granted",
            "displayValue": "Granted"
          }
        ],
        "simpleValueType": true,
        "defaultValue": "denied",
        "help": "Storage the site needs to work (e.g. language). Samtykke has no purpose for it: denied unless truly necessary."
      },
      {
        "type": "SELECT",
        "name": "personalization_storage",
        "displayName": "personalization_storage",
        "macrosInSelect": false,
        "selectItems": [
          {
            "value": "denied",
            "displayValue": "Denied"
          },
          {
            "value": "granted",
            "displayValue": "Granted"
          }
        ],
        "simpleValueType": true,
        "defaultValue": "denied",
        "help": "Personalisation such as recommendations. Samtykke has no purpose for it: leave denied."
      },
      {
        "type": "SELECT",
        "name": "security_storage",
        "displayName": "security_storage",
        "macrosInSelect": false,
        "selectItems": [
          {
            "value": "denied",
            "displayValue": "Denied"
          },
          {
            "value": "granted",
            "displayValue": "Granted"
          }
        ],
        "simpleValueType": true,
        "defaultValue": "granted",
        "help": "Security, e.g. authentication and fraud prevention: granted, as Samtykke does."
      },
      {
        "type": "PARAM_TABLE",
        "name": "regionDefaults",
        "displayName": "Defaults by region (optional; the most specific region wins, the table above applies everywhere else)",
        "paramTableColumns": [
          {
            "param": {
              "type": "TEXT",
              "name": "region",
              "displayName": "Regions (ISO 3166-2, comma separated, e.g. NO, SE, US-CA)",
              "simpleValueType": true,
              "valueValidators": [
                {
                  "type": "NON_EMPTY"
                },
                {
                  "type": "REGEX",
                  "args": [
                    "^\\s*[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?(\\s*,\\s*[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?)*\\s*$"
                  ],
                  "errorMessage": "Country codes such as NO or GB, or subdivisions such as US-CA, separated by commas. There is no EU or EEA code: list the countries."
                }
              ]
            },
            "isUnique": true
          },
          {
            "param": {
              "type": "SELECT",
              "name": "ad_storage",
              "displayName": "ad_storage",
              "macrosInSelect": false,
              "selectItems": [
                {
                  "value": "denied",
                  "displayValue": "Denied"
                },
                {
                  "value": "granted",
                  "displayValue": "Granted"
                }
              ],
              "simpleValueType": true,
              "defaultValue": "denied"
            },
            "isUnique": false
          },
          {
            "param": {
              "type": "SELECT",
              "name": "ad_user_data",
              "displayName": "ad_user_data",
              "macrosInSelect": false,
              "selectItems": [
                {
                  "value": "denied",
                  "displayValue": "Denied"
                },
                {
                  "value": "granted",
                  "displayValue": "Granted"
                }
              ],
              "simpleValueType": true,
              "defaultValue": "denied"
            },
            "isUnique": false
          },
          {
            "param": {
              "type": "SELECT",
              "name": "ad_personalization",
              "displayName": "ad_personalization",
              "macrosInSelect": false,
              "selectItems": [
                {
                  "value": "denied",
                  "displayValue": "Denied"
                },
                {
                  "value": "granted",
                  "displayValue": "Granted"
                }
              ],
              "simpleValueType": true,
              "defaultValue": "denied"
            },
            "isUnique": false
          },
          {
            "param": {
              "type": "SELECT",
              "name": "analytics_storage",
              "displayName": "analytics_storage",
              "macrosInSelect": false,
              "selectItems": [
                {
                  "value": "denied",
                  "displayValue": "Denied"
                },
                {
                  "value": "granted",
                  "displayValue": "Granted"
                }
              ],
              "simpleValueType": true,
              "defaultValue": "denied"
            },
            "isUnique": false
          }
        ]
      },
      {
        "type": "TEXT",
        "name": "waitForUpdate",
        "displayName": "wait_for_update",
        "simpleValueType": true,
        "defaultValue": 500,
        "valueUnit": "ms",
        "help": "How long Google tags wait for the banner's update before they fire with the defaults.",
        "valueValidators": [
          {
            "type": "NON_NEGATIVE_NUMBER"
          },
          {
            "type": "REGEX",
            "args": [
              "^([0-9]{1,4}|10000)$"
            ],
            "errorMessage": "Whole milliseconds, 0 to 10000 (as consentd allows)."
          }
        ]
      }
    ]
  },
  {
    "type": "GROUP",
    "name": "googleGroup",
    "displayName": "Google settings",
    "groupStyle": "ZIPPY_CLOSED",
    "subParams": [
      {
        "type": "CHECKBOX",
        "name": "adsDataRedaction",
        "checkboxText": "ads_data_redaction: redact ad click identifiers while ad_storage is denied",
        "simpleValueType": true,
        "defaultValue": true
      },
      {
        "type": "CHECKBOX",
        "name": "urlPassthrough",
        "checkboxText": "url_passthrough: carry ad click identifiers (gclid, …) in link URLs while storage is denied",
        "simpleValueType": true,
        "defaultValue": false,
        "help": "Off by default: in the EEA, passing identifiers through URLs is itself tracking that needs consent (EDPB Guidelines 2/2023)."
      },
      {
        "type": "TEXT",
        "name": "developerId",
        "displayName": "Google developer ID (optional)",
        "simpleValueType": true,
        "help": "The developer_id Google assigns to a consent platform (sent as gtag set developer_id.<ID>). Leave empty unless Google gave you one.",
        "valueValidators": [
          {
            "type": "REGEX",
            "args": [
              "^([A-Za-z0-9]{1,32})?$"
            ],
            "errorMessage": "Letters and digits only."
          }
        ]
      }
    ]
  }
]


___SANDBOXED_JS_FOR_WEB_TEMPLATE___

// Samtykke: Consent Mode v2 defaults, the returning visitor's choice and
// samtykke.js for this site, on "Consent Initialization - All Pages".
const setDefaultConsentState = require('setDefaultConsentState');
const updateConsentState = require('updateConsentState');
const gtagSet = require('gtagSet');
const getCookieValues = require('getCookieValues');
const injectScript = require('injectScript');
const callInWindow = require('callInWindow');
const copyFromWindow = require('copyFromWindow');
const encodeUriComponent = require('encodeUriComponent');
const getTimestampMillis = require('getTimestampMillis');
const makeInteger = require('makeInteger');
const makeString = require('makeString');
const getType = require('getType');
const queryPermission = require('queryPermission');
const logToConsole = require('logToConsole');

const ALL_TYPES = [
  'ad_storage',
  'ad_user_data',
  'ad_personalization',
  'analytics_storage',
  'functionality_storage',
  'personalization_storage',
  'security_storage',
];
const REGION_TYPES = ['ad_storage', 'ad_user_data', 'ad_personalization', 'analytics_storage'];
const DAY_MS = 86400000;
// The longest consent lifetime consentd allows (snippet/src/state.ts MAX_DAYS).
const MAX_AGE_MS = 365 * DAY_MS;

const log = (msg) => logToConsole('Samtykke: ' + msg);
const stateOf = (value, fallback) => (value === 'granted' || value === 'denied' ? value : fallback);
const grant = (yes) => (yes ? 'granted' : 'denied');

const isDigits = (s) => {
  if (!s.length) return false;
  for (let i = 0; i < s.length; i++) {
    if ('0123456789'.indexOf(s.charAt(i)) < 0) return false;
  }
  return true;
};
const onlyChars = (s, allowed) => {
  for (let i = 0; i < s.length; i++) {
    if (allowed.indexOf(s.charAt(i)) < 0) return false;
  }
  return true;
};

// Statistics -> analytics_storage; marketing -> the three ad types (snippet/src/gcm.ts).
const consentUpdate = (statistics, marketing) => ({
  ad_storage: grant(marketing),
  ad_user_data: grant(marketing),
  ad_personalization: grant(marketing),
  analytics_storage: grant(statistics),
});

// 1. Defaults: the table for everywhere, then one command per region row.
const rawWait = data.waitForUpdate;
let waitForUpdate = rawWait === undefined || rawWait === null || rawWait === '' ? 500 : makeInteger(rawWait);
if (!(waitForUpdate >= 0)) waitForUpdate = 500;
if (waitForUpdate > 10000) waitForUpdate = 10000;

const defaults = {};
ALL_TYPES.forEach((type) => {
  defaults[type] = stateOf(data[type], type === 'security_storage' ? 'granted' : 'denied');
});
defaults.wait_for_update = waitForUpdate;
setDefaultConsentState(defaults);

const regionRows = getType(data.regionDefaults) === 'array' ? data.regionDefaults : [];
regionRows.forEach((row) => {
  const regions = [];
  makeString(row.region || '')
    .split(',')
    .forEach((code) => {
      const c = code.trim().toUpperCase();
      if (c.length) regions.push(c);
    });
  if (!regions.length) return;
  const regional = { region: regions };
  ALL_TYPES.forEach((type) => {
    regional[type] = REGION_TYPES.indexOf(type) >= 0 ? stateOf(row[type], 'denied') : defaults[type];
  });
  regional.wait_for_update = waitForUpdate;
  setDefaultConsentState(regional);
});

// 2. Google's settings: ads_data_redaction, url_passthrough, developer_id.
const settings = {};
let anySetting = false;
if (data.adsDataRedaction) {
  settings.ads_data_redaction = true;
  anySetting = true;
}
if (data.urlPassthrough) {
  settings.url_passthrough = true;
  anySetting = true;
}
const developerId = makeString(data.developerId || '').trim();
if (developerId.length && onlyChars(developerId, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')) {
  settings['developer_id.' + developerId] = true;
  anySetting = true;
}
if (anySetting) gtagSet(settings);

// 3. A returning visitor's choice, from Samtykke's own cookie:
// 1.<consent id>.<config version>.<statistics><marketing>.<unix time>
const readStoredChoice = () => {
  const values = getCookieValues('samtykke');
  for (let i = 0; i < values.length; i++) {
    const parts = makeString(values[i]).split('.');
    if (parts.length !== 5 || parts[0] !== '1') continue;
    if (parts[1].length !== 36 || !onlyChars(parts[1], '0123456789abcdef-')) continue;
    if (!parts[2].length || parts[2].length > 64 || !onlyChars(parts[2], '0123456789abcdefghijklmnopqrstuvwxyz')) continue;
    if (parts[3].length !== 2 || !onlyChars(parts[3], '01')) continue;
    if (parts[4].length > 12 || !isDigits(parts[4])) continue;
    const age = getTimestampMillis() - makeInteger(parts[4]) * 1000;
    if (age >= MAX_AGE_MS || age < -DAY_MS) continue;
    return { statistics: parts[3].charAt(0) === '1', marketing: parts[3].charAt(1) === '1' };
  }
  return null;
};
const stored = readStoredChoice();
if (stored) updateConsentState(consentUpdate(stored.statistics, stored.marketing));

// 4. Every decision from now on: samtykke.on('change', fn) calls fn with
// {necessary, statistics, marketing} on each choice and once the stored
// choice is confirmed.
const applyChoice = (consent) => {
  if (getType(consent) !== 'object') return;
  updateConsentState(consentUpdate(consent.statistics === true, consent.marketing === true));
};
const listen = () => {
  callInWindow('samtykke.on', 'change', applyChoice);
  // A banner that was already on the page may have decided before we listened.
  const current = copyFromWindow('samtykke.consent');
  if (current) applyChoice(current);
};

// 5. samtykke.js for this site, unless the page already runs it.
const base = makeString(data.consentHost || '').trim();
const site = makeString(data.siteId || '').trim();
const baseUrl = base.charAt(base.length - 1) === '/' ? base.substring(0, base.length - 1) : base;
const scriptUrl = baseUrl + '/samtykke.js?site=' + encodeUriComponent(site) + '&gtm=1';

if (copyFromWindow('samtykke')) {
  listen();
  data.gtmOnSuccess();
} else if (baseUrl.indexOf('https://') !== 0 || !site.length) {
  log('set the consentd URL (https://...) and the site id; Consent Mode stays at its defaults.');
  data.gtmOnFailure();
} else if (!queryPermission('inject_script', scriptUrl)) {
  log('this template may not load ' + scriptUrl);
  data.gtmOnFailure();
} else {
  injectScript(
    scriptUrl,
    listen,
    () => log('could not load ' + scriptUrl + '; Consent Mode stays at its defaults.'),
    'samtykke'
  );
  // Defaults are in place: other tags need not wait for the banner.
  data.gtmOnSuccess();
}


___WEB_PERMISSIONS___

[
  {
    "instance": {
      "key": {
        "publicId": "logging",
        "versionId": "1"
      },
      "param": [
        {
          "key": "environments",
          "value": {
            "type": 1,
            "string": "debug"
          }
        }
      ]
    },
    "clientAnnotations": {
      "isEditedByUser": true
    },
    "isRequired": true
  },
  {
    "instance": {
      "key": {
        "publicId": "access_consent",
        "versionId": "1"
      },
      "param": [
        {
          "key": "consentTypes",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "consentType"
                  },
                  {
                    "type": 1,
                    "string": "read"
                  },
                  {
                    "type": 1,
                    "string": "write"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "ad_storage"
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": true
                  }
                ]
              },
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "consentType"
                  },
                  {
                    "type": 1,
                    "string": "read"
                  },
                  {
                    "type": 1,
                    "string": "write"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "ad_user_data"
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": true
                  }
                ]
              },
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "consentType"
                  },
                  {
                    "type": 1,
                    "string": "read"
                  },
                  {
                    "type": 1,
                    "string": "write"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "ad_personalization"
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": true
                  }
                ]
              },
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "consentType"
                  },
                  {
                    "type": 1,
                    "string": "read"
                  },
                  {
                    "type": 1,
                    "string": "write"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "analytics_storage"
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": true
                  }
                ]
              },
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "consentType"
                  },
                  {
                    "type": 1,
                    "string": "read"
                  },
                  {
                    "type": 1,
                    "string": "write"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "functionality_storage"
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": true
                  }
                ]
              },
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "consentType"
                  },
                  {
                    "type": 1,
                    "string": "read"
                  },
                  {
                    "type": 1,
                    "string": "write"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "personalization_storage"
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": true
                  }
                ]
              },
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "consentType"
                  },
                  {
                    "type": 1,
                    "string": "read"
                  },
                  {
                    "type": 1,
                    "string": "write"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "security_storage"
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": true
                  }
                ]
              },
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "consentType"
                  },
                  {
                    "type": 1,
                    "string": "read"
                  },
                  {
                    "type": 1,
                    "string": "write"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "wait_for_update"
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": true
                  }
                ]
              }
            ]
          }
        }
      ]
    },
    "clientAnnotations": {
      "isEditedByUser": true
    },
    "isRequired": true
  },
  {
    "instance": {
      "key": {
        "publicId": "write_data_layer",
        "versionId": "1"
      },
      "param": [
        {
          "key": "keyPatterns",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 1,
                "string": "ads_data_redaction"
              },
              {
                "type": 1,
                "string": "url_passthrough"
              },
              {
                "type": 1,
                "string": "developer_id.*"
              }
            ]
          }
        }
      ]
    },
    "clientAnnotations": {
      "isEditedByUser": true
    },
    "isRequired": true
  },
  {
    "instance": {
      "key": {
        "publicId": "get_cookies",
        "versionId": "1"
      },
      "param": [
        {
          "key": "cookieAccess",
          "value": {
            "type": 1,
            "string": "specific"
          }
        },
        {
          "key": "cookieNames",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 1,
                "string": "samtykke"
              }
            ]
          }
        }
      ]
    },
    "clientAnnotations": {
      "isEditedByUser": true
    },
    "isRequired": true
  },
  {
    "instance": {
      "key": {
        "publicId": "inject_script",
        "versionId": "1"
      },
      "param": [
        {
          "key": "urls",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 1,
                "string": "https://*/samtykke.js*"
              }
            ]
          }
        }
      ]
    },
    "clientAnnotations": {
      "isEditedByUser": true
    },
    "isRequired": true
  },
  {
    "instance": {
      "key": {
        "publicId": "access_globals",
        "versionId": "1"
      },
      "param": [
        {
          "key": "keys",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "key"
                  },
                  {
                    "type": 1,
                    "string": "read"
                  },
                  {
                    "type": 1,
                    "string": "write"
                  },
                  {
                    "type": 1,
                    "string": "execute"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "samtykke"
                  },
                  {
                    "type": 8,
                    "boolean": true
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": false
                  }
                ]
              },
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "key"
                  },
                  {
                    "type": 1,
                    "string": "read"
                  },
                  {
                    "type": 1,
                    "string": "write"
                  },
                  {
                    "type": 1,
                    "string": "execute"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "samtykke.consent"
                  },
                  {
                    "type": 8,
                    "boolean": true
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": false
                  }
                ]
              },
              {
                "type": 3,
                "mapKey": [
                  {
                    "type": 1,
                    "string": "key"
                  },
                  {
                    "type": 1,
                    "string": "read"
                  },
                  {
                    "type": 1,
                    "string": "write"
                  },
                  {
                    "type": 1,
                    "string": "execute"
                  }
                ],
                "mapValue": [
                  {
                    "type": 1,
                    "string": "samtykke.on"
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": false
                  },
                  {
                    "type": 8,
                    "boolean": true
                  }
                ]
              }
            ]
          }
        }
      ]
    },
    "clientAnnotations": {
      "isEditedByUser": true
    },
    "isRequired": true
  }
]


___TESTS___

scenarios:
- name: Defaults without regions, no stored choice
  code: |-
    runCode(makeData());
    assertApi('setDefaultConsentState').wasCalledWith({
      ad_storage: 'denied',
      ad_user_data: 'denied',
      ad_personalization: 'denied',
      analytics_storage: 'denied',
      functionality_storage: 'denied',
      personalization_storage: 'denied',
      security_storage: 'granted',
      wait_for_update: 500
    });
    assertApi('gtagSet').wasCalledWith({ads_data_redaction: true});
    assertApi('updateConsentState').wasNotCalled();
    assertApi('gtmOnSuccess').wasCalled();
    assertApi('gtmOnFailure').wasNotCalled();
- name: Defaults with region rows
  code: |-
    const data = makeData();
    data.regionDefaults = [
      {region: 'NO, se,GB', ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'denied'},
      {region: 'US-CA', ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'denied', analytics_storage: 'granted'}
    ];
    runCode(data);
    assertApi('setDefaultConsentState').wasCalledWith({
      ad_storage: 'denied',
      ad_user_data: 'denied',
      ad_personalization: 'denied',
      analytics_storage: 'denied',
      functionality_storage: 'denied',
      personalization_storage: 'denied',
      security_storage: 'granted',
      wait_for_update: 500
    });
    assertApi('setDefaultConsentState').wasCalledWith({
      region: ['NO', 'SE', 'GB'],
      ad_storage: 'denied',
      ad_user_data: 'denied',
      ad_personalization: 'denied',
      analytics_storage: 'denied',
      functionality_storage: 'denied',
      personalization_storage: 'denied',
      security_storage: 'granted',
      wait_for_update: 500
    });
    assertApi('setDefaultConsentState').wasCalledWith({
      region: ['US-CA'],
      ad_storage: 'granted',
      ad_user_data: 'granted',
      ad_personalization: 'denied',
      analytics_storage: 'granted',
      functionality_storage: 'denied',
      personalization_storage: 'denied',
      security_storage: 'granted',
      wait_for_update: 500
    });
- name: wait_for_update, url_passthrough and developer_id
  code: |-
    const data = makeData();
    data.waitForUpdate = '1200';
    data.urlPassthrough = true;
    data.developerId = 'dAbC123';
    runCode(data);
    assertApi('gtagSet').wasCalledWith({ads_data_redaction: true, url_passthrough: true, 'developer_id.dAbC123': true});
    assertApi('setDefaultConsentState').wasCalledWith({
      ad_storage: 'denied',
      ad_user_data: 'denied',
      ad_personalization: 'denied',
      analytics_storage: 'denied',
      functionality_storage: 'denied',
      personalization_storage: 'denied',
      security_storage: 'granted',
      wait_for_update: 1200
    });
- name: Returning visitor who allowed statistics only
  code: |-
    mock('getCookieValues', (name) => name === 'samtykke' ? ['1.3f2b8c1e-9d4a-4e6b-8a7c-5d1e2f3a4b5c.0a1b2c3d4e5f6a7b.10.' + (NOW / 1000 - 86400)] : []);
    runCode(makeData());
    assertApi('updateConsentState').wasCalledWith({
      ad_storage: 'denied',
      ad_user_data: 'denied',
      ad_personalization: 'denied',
      analytics_storage: 'granted'
    });
- name: Returning visitor who allowed both purposes
  code: |-
    mock('getCookieValues', (name) => name === 'samtykke' ? ['1.3f2b8c1e-9d4a-4e6b-8a7c-5d1e2f3a4b5c.0a1b2c3d4e5f6a7b.11.' + (NOW / 1000 - 3600)] : []);
    runCode(makeData());
    assertApi('updateConsentState').wasCalledWith({
      ad_storage: 'granted',
      ad_user_data: 'granted',
      ad_personalization: 'granted',
      analytics_storage: 'granted'
    });
- name: A malformed or expired cookie is ignored
  code: |-
    mock('getCookieValues', (name) => [
      'garbage',
      '2.3f2b8c1e-9d4a-4e6b-8a7c-5d1e2f3a4b5c.0a1b2c3d4e5f6a7b.11.' + (NOW / 1000),
      '1.3f2b8c1e-9d4a-4e6b-8a7c-5d1e2f3a4b5c.0a1b2c3d4e5f6a7b.12.' + (NOW / 1000),
      '1.3f2b8c1e-9d4a-4e6b-8a7c-5d1e2f3a4b5c.0a1b2c3d4e5f6a7b.11.' + (NOW / 1000 - 366 * 86400)
    ]);
    runCode(makeData());
    assertApi('updateConsentState').wasNotCalled();
- name: Loads samtykke.js for the site with gtm=1
  code: |-
    const data = makeData();
    data.consentHost = 'https://consent.example.com/';
    runCode(data);
    assertApi('injectScript').wasCalled();
    assertThat(injectedUrl).isEqualTo('https://consent.example.com/samtykke.js?site=k7x2m4p9q3r8s5t6&gtm=1');
    assertApi('gtmOnSuccess').wasCalled();
- name: The change callback maps each choice to updateConsentState
  code: |-
    mock('injectScript', (url, onSuccess, onFailure, cacheToken) => {
      injectedUrl = url;
      onSuccess();
    });
    let onChange;
    mock('callInWindow', (path, event, fn) => {
      if (path === 'samtykke.on' && event === 'change') onChange = fn;
    });
    runCode(makeData());
    assertApi('callInWindow').wasCalled();
    onChange({necessary: true, statistics: false, marketing: true}, '3f2b8c1e-9d4a-4e6b-8a7c-5d1e2f3a4b5c');
    assertApi('updateConsentState').wasCalledWith({
      ad_storage: 'granted',
      ad_user_data: 'granted',
      ad_personalization: 'granted',
      analytics_storage: 'denied'
    });
    onChange({necessary: true, statistics: true, marketing: false}, '3f2b8c1e-9d4a-4e6b-8a7c-5d1e2f3a4b5c');
    assertApi('updateConsentState').wasCalledWith({
      ad_storage: 'denied',
      ad_user_data: 'denied',
      ad_personalization: 'denied',
      analytics_storage: 'granted'
    });
- name: A banner already on the page is listened to, not loaded again
  code: |-
    mock('copyFromWindow', (key) => {
      if (key === 'samtykke') return {consentId: null};
      if (key === 'samtykke.consent') return {necessary: true, statistics: true, marketing: true};
    });
    runCode(makeData());
    assertApi('injectScript').wasNotCalled();
    assertApi('callInWindow').wasCalled();
    assertApi('updateConsentState').wasCalledWith({
      ad_storage: 'granted',
      ad_user_data: 'granted',
      ad_personalization: 'granted',
      analytics_storage: 'granted'
    });
    assertApi('gtmOnSuccess').wasCalled();
- name: Without a site id the defaults stay and the tag fails
  code: |-
    const data = makeData();
    data.siteId = '';
    runCode(data);
    assertApi('setDefaultConsentState').wasCalled();
    assertApi('injectScript').wasNotCalled();
    assertApi('gtmOnFailure').wasCalled();
    assertApi('gtmOnSuccess').wasNotCalled();
setup: |-
  const NOW = 1767225600000;
  let injectedUrl;
  const makeData = () => ({
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
    developerId: ''
  });
  mock('getTimestampMillis', NOW);
  mock('getCookieValues', (name) => []);
  mock('copyFromWindow', (key) => undefined);
  mock('callInWindow', (path, event, fn) => undefined);
  mock('injectScript', (url, onSuccess, onFailure, cacheToken) => {
    injectedUrl = url;
  });


___NOTES___

Samtykke Consent Mode template, in the repository's gtm/ folder. Documentation:
gtm/README.md. Tests: the scenarios above run in GTM's template editor; the same
scenarios and the permission checks also run with Node (gtm/test/template.test.ts).
