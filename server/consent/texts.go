package consent

import "strings"

// Languages the banner speaks out of the box. Nordic languages come first
// because our first users are Nordic; Bokmål and Nynorsk are separate
// written standards and both are used by Norwegian public bodies.
var Languages = []string{"en", "nb", "nn", "sv", "da", "fi", "de"}

// SupportedLanguage reports whether lang is one of Languages.
func SupportedLanguage(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// MatchLanguage picks the first supported language from a visitor's
// preferences (BCP 47 tags such as "nb-NO" or "sv"), or fallback when none
// matches. Plain "no" means Norwegian without saying which written standard;
// Bokmål is what nine in ten Norwegians write.
func MatchLanguage(prefs []string, fallback string) string {
	for _, p := range prefs {
		tag := strings.ToLower(strings.TrimSpace(p))
		if i := strings.IndexAny(tag, "-_"); i >= 0 {
			tag = tag[:i]
		}
		if tag == "no" {
			tag = "nb"
		}
		if SupportedLanguage(tag) {
			return tag
		}
	}
	return fallback
}

// Texts maps a text key ("banner.title") to its wording in one language.
type Texts map[string]string

// DefaultTexts returns the built-in wording for lang, with every key set.
func DefaultTexts(lang string) Texts {
	t := Texts{}
	for k, v := range defaultTexts["en"] {
		t[k] = v
	}
	for k, v := range defaultTexts[lang] {
		t[k] = v
	}
	return t
}

// TextKeys lists every key a site may override.
func TextKeys() []string {
	keys := make([]string, 0, len(defaultTexts["en"]))
	for k := range defaultTexts["en"] {
		keys = append(keys, k)
	}
	return keys
}

func knownTextKey(k string) bool {
	_, ok := defaultTexts["en"][k]
	return ok
}

// gpcTextPrefix starts the keys of the notice shown when a site applies
// Global Privacy Control as "Reject all" (SiteSettings.GPCHandling).
const gpcTextPrefix = "gpc."

// defaultTexts holds the banner's wording. English defines the key set; a
// language missing a key falls back to English, and a test insists that none
// does. The duration units ("settings.minutes" …) are "singular|plural": the
// settings layer writes a cookie's lifetime as the number, a space and the
// form for that number ("1 minute", "30 minutes"), in whole years when it is
// a multiple of 365 days, else in days, hours or minutes.
var defaultTexts = map[string]Texts{
	"en": {
		"banner.title":                   "We value your privacy",
		"banner.body":                    "We would like to use cookies for statistics and marketing. Some of them are set by third parties, listed under “Customize”. Necessary cookies keep the site working and are always on. You can change or withdraw your consent at any time with the “Cookie settings” button.",
		"banner.accept_all":              "Accept all",
		"banner.reject_all":              "Reject all",
		"banner.customize":               "Customize",
		"banner.privacy_policy":          "Privacy policy",
		"settings.title":                 "Cookie settings",
		"settings.body":                  "Choose what we may use cookies for. You can change your choice at any time.",
		"settings.save":                  "Save choices",
		"settings.always_on":             "Always on",
		"settings.vendors":               "Vendors and cookies",
		"settings.cookie":                "Cookie",
		"settings.duration":              "Duration",
		"settings.session":               "Session",
		"settings.minutes":               "minute|minutes",
		"settings.hours":                 "hour|hours",
		"settings.days":                  "day|days",
		"settings.years":                 "year|years",
		"settings.your_consent":          "Your consent",
		"settings.consent_id":            "Consent ID",
		"settings.given_at":              "Given",
		"settings.granted":               "Allowed",
		"settings.denied":                "Not allowed",
		"settings.download":              "Download your consent receipts",
		"settings.close":                 "Close",
		"button.cookie_settings":         "Cookie settings",
		"gpc.notice":                     "Your browser sent a Global Privacy Control signal, and we have honoured it: cookies for statistics and marketing are off. You can change this at any time.",
		"purpose.necessary.name":         "Necessary",
		"purpose.necessary.description":  "Needed for the site to work and to remember your choice. These cannot be turned off.",
		"purpose.statistics.name":        "Statistics",
		"purpose.statistics.description": "Used to count visits and see how visitors use the site, so that we can improve it.",
		"purpose.marketing.name":         "Marketing",
		"purpose.marketing.description":  "Used to show you relevant ads and to measure our campaigns, also on other websites.",
		"embed.blocked":                  "This content is provided by {vendor}. To show it, we need your consent to “{purpose}”, which also covers the other vendors of that purpose.",
		"embed.load":                     "Allow and show",
		"settings.party":                 "Stored on",
		"settings.first_party":           "This site's domain",
		"settings.third_party":           "The vendor's domain",
		"settings.description":           "Purpose",
		"declaration.no_vendors":         "No cookies for this purpose.",
		"declaration.no_choice":          "You have not made a choice yet.",
		"declaration.change":             "Change your choice",
	},
	"nb": {
		"banner.title":                   "Vi tar personvernet ditt på alvor",
		"banner.body":                    "Vi vil gjerne bruke informasjonskapsler til statistikk og markedsføring. Noen av dem settes av tredjeparter, som er listet opp under «Tilpass». Nødvendige informasjonskapsler får nettstedet til å virke og er alltid på. Du kan når som helst endre eller trekke tilbake samtykket med knappen «Informasjonskapsler».",
		"banner.accept_all":              "Godta alle",
		"banner.reject_all":              "Avvis alle",
		"banner.customize":               "Tilpass",
		"banner.privacy_policy":          "Personvernerklæring",
		"settings.title":                 "Innstillinger for informasjonskapsler",
		"settings.body":                  "Velg hva vi får bruke informasjonskapsler til. Du kan når som helst endre valget ditt.",
		"settings.save":                  "Lagre valg",
		"settings.always_on":             "Alltid på",
		"settings.vendors":               "Leverandører og informasjonskapsler",
		"settings.cookie":                "Informasjonskapsel",
		"settings.duration":              "Varighet",
		"settings.session":               "Økt",
		"settings.minutes":               "minutt|minutter",
		"settings.hours":                 "time|timer",
		"settings.days":                  "dag|dager",
		"settings.years":                 "år|år",
		"settings.your_consent":          "Ditt samtykke",
		"settings.consent_id":            "Samtykke-ID",
		"settings.given_at":              "Gitt",
		"settings.granted":               "Tillatt",
		"settings.denied":                "Ikke tillatt",
		"settings.download":              "Last ned samtykkekvitteringene dine",
		"settings.close":                 "Lukk",
		"button.cookie_settings":         "Informasjonskapsler",
		"gpc.notice":                     "Nettleseren din sendte et Global Privacy Control-signal, og vi har fulgt det: informasjonskapsler for statistikk og markedsføring er slått av. Du kan når som helst endre dette.",
		"purpose.necessary.name":         "Nødvendige",
		"purpose.necessary.description":  "Trengs for at nettstedet skal virke og for å huske valget ditt. Disse kan ikke slås av.",
		"purpose.statistics.name":        "Statistikk",
		"purpose.statistics.description": "Hjelper oss å forstå hvordan besøkende bruker nettstedet, slik at vi kan gjøre det bedre.",
		"purpose.marketing.name":         "Markedsføring",
		"purpose.marketing.description":  "Brukes til å vise deg relevante annonser og måle kampanjene våre, også på andre nettsteder.",
		"embed.blocked":                  "Dette innholdet kommer fra {vendor}. For å vise det trenger vi samtykket ditt til «{purpose}», som også gjelder de andre leverandørene for dette formålet.",
		"embed.load":                     "Tillat og vis",
		"settings.party":                 "Lagres på",
		"settings.first_party":           "Dette nettstedets domene",
		"settings.third_party":           "Leverandørens domene",
		"settings.description":           "Formål",
		"declaration.no_vendors":         "Ingen informasjonskapsler for dette formålet.",
		"declaration.no_choice":          "Du har ikke gjort et valg ennå.",
		"declaration.change":             "Endre valget ditt",
	},
	"nn": {
		"banner.title":                   "Vi tek personvernet ditt på alvor",
		"banner.body":                    "Vi vil gjerne bruke informasjonskapslar til statistikk og marknadsføring. Nokre av dei blir sette av tredjepartar, som er lista opp under «Tilpass». Naudsynte informasjonskapslar får nettstaden til å verke og er alltid på. Du kan kva tid som helst endre eller trekkje tilbake samtykket med knappen «Informasjonskapslar».",
		"banner.accept_all":              "Godta alle",
		"banner.reject_all":              "Avvis alle",
		"banner.customize":               "Tilpass",
		"banner.privacy_policy":          "Personvernerklæring",
		"settings.title":                 "Innstillingar for informasjonskapslar",
		"settings.body":                  "Vel kva vi får bruke informasjonskapslar til. Du kan kva tid som helst endre valet ditt.",
		"settings.save":                  "Lagre val",
		"settings.always_on":             "Alltid på",
		"settings.vendors":               "Leverandørar og informasjonskapslar",
		"settings.cookie":                "Informasjonskapsel",
		"settings.duration":              "Varigheit",
		"settings.session":               "Økt",
		"settings.minutes":               "minutt|minuttar",
		"settings.hours":                 "time|timar",
		"settings.days":                  "dag|dagar",
		"settings.years":                 "år|år",
		"settings.your_consent":          "Samtykket ditt",
		"settings.consent_id":            "Samtykke-ID",
		"settings.given_at":              "Gitt",
		"settings.granted":               "Tillate",
		"settings.denied":                "Ikkje tillate",
		"settings.download":              "Last ned samtykkekvitteringane dine",
		"settings.close":                 "Lukk",
		"button.cookie_settings":         "Informasjonskapslar",
		"gpc.notice":                     "Nettlesaren din sende eit Global Privacy Control-signal, og vi har følgt det: informasjonskapslar for statistikk og marknadsføring er slått av. Du kan når som helst endre dette.",
		"purpose.necessary.name":         "Naudsynte",
		"purpose.necessary.description":  "Trengst for at nettstaden skal verke og for å hugse valet ditt. Desse kan ikkje slåast av.",
		"purpose.statistics.name":        "Statistikk",
		"purpose.statistics.description": "Hjelper oss å forstå korleis besøkjande brukar nettstaden, slik at vi kan gjere han betre.",
		"purpose.marketing.name":         "Marknadsføring",
		"purpose.marketing.description":  "Blir brukte til å vise deg relevante annonsar og måle kampanjane våre, også på andre nettstader.",
		"embed.blocked":                  "Dette innhaldet kjem frå {vendor}. For å vise det treng vi samtykket ditt til «{purpose}», som også gjeld dei andre leverandørane for dette føremålet.",
		"embed.load":                     "Tillat og vis",
		"settings.party":                 "Lagra på",
		"settings.first_party":           "Domenet til denne nettstaden",
		"settings.third_party":           "Domenet til leverandøren",
		"settings.description":           "Føremål",
		"declaration.no_vendors":         "Ingen informasjonskapslar for dette føremålet.",
		"declaration.no_choice":          "Du har ikkje gjort eit val enno.",
		"declaration.change":             "Endre valet ditt",
	},
	"sv": {
		"banner.title":                   "Vi värnar om din integritet",
		"banner.body":                    "Vi vill gärna använda kakor för statistik och marknadsföring. En del av dem sätts av tredje parter, som listas under ”Anpassa”. Nödvändiga kakor får webbplatsen att fungera och är alltid på. Du kan när som helst ändra eller återkalla ditt samtycke med knappen ”Kakinställningar”.",
		"banner.accept_all":              "Godkänn alla",
		"banner.reject_all":              "Avvisa alla",
		"banner.customize":               "Anpassa",
		"banner.privacy_policy":          "Integritetspolicy",
		"settings.title":                 "Kakinställningar",
		"settings.body":                  "Välj vad vi får använda kakor till. Du kan när som helst ändra ditt val.",
		"settings.save":                  "Spara val",
		"settings.always_on":             "Alltid på",
		"settings.vendors":               "Leverantörer och kakor",
		"settings.cookie":                "Kaka",
		"settings.duration":              "Lagringstid",
		"settings.session":               "Session",
		"settings.minutes":               "minut|minuter",
		"settings.hours":                 "timme|timmar",
		"settings.days":                  "dag|dagar",
		"settings.years":                 "år|år",
		"settings.your_consent":          "Ditt samtycke",
		"settings.consent_id":            "Samtyckes-ID",
		"settings.given_at":              "Lämnat",
		"settings.granted":               "Tillåtet",
		"settings.denied":                "Inte tillåtet",
		"settings.download":              "Ladda ned dina samtyckeskvitton",
		"settings.close":                 "Stäng",
		"button.cookie_settings":         "Kakinställningar",
		"gpc.notice":                     "Din webbläsare skickade en Global Privacy Control-signal, och vi har följt den: kakor för statistik och marknadsföring är avstängda. Du kan ändra detta när som helst.",
		"purpose.necessary.name":         "Nödvändiga",
		"purpose.necessary.description":  "Behövs för att webbplatsen ska fungera och för att komma ihåg ditt val. De kan inte stängas av.",
		"purpose.statistics.name":        "Statistik",
		"purpose.statistics.description": "Hjälper oss att förstå hur besökare använder webbplatsen, så att vi kan förbättra den.",
		"purpose.marketing.name":         "Marknadsföring",
		"purpose.marketing.description":  "Används för att visa dig relevanta annonser och mäta våra kampanjer, även på andra webbplatser.",
		"embed.blocked":                  "Det här innehållet kommer från {vendor}. För att visa det behöver vi ditt samtycke till ”{purpose}”, som också gäller de andra leverantörerna för det ändamålet.",
		"embed.load":                     "Tillåt och visa",
		"settings.party":                 "Lagras på",
		"settings.first_party":           "Den här webbplatsens domän",
		"settings.third_party":           "Leverantörens domän",
		"settings.description":           "Ändamål",
		"declaration.no_vendors":         "Inga kakor för det här ändamålet.",
		"declaration.no_choice":          "Du har inte gjort något val ännu.",
		"declaration.change":             "Ändra ditt val",
	},
	"da": {
		"banner.title":                   "Vi passer på dit privatliv",
		"banner.body":                    "Vi vil gerne bruge cookies til statistik og markedsføring. Nogle af dem sættes af tredjeparter, som er listet under »Tilpas«. Nødvendige cookies får hjemmesiden til at fungere og er altid slået til. Du kan til enhver tid ændre eller trække dit samtykke tilbage med knappen »Cookieindstillinger«.",
		"banner.accept_all":              "Accepter alle",
		"banner.reject_all":              "Afvis alle",
		"banner.customize":               "Tilpas",
		"banner.privacy_policy":          "Privatlivspolitik",
		"settings.title":                 "Cookieindstillinger",
		"settings.body":                  "Vælg, hvad vi må bruge cookies til. Du kan til enhver tid ændre dit valg.",
		"settings.save":                  "Gem valg",
		"settings.always_on":             "Altid slået til",
		"settings.vendors":               "Leverandører og cookies",
		"settings.cookie":                "Cookie",
		"settings.duration":              "Varighed",
		"settings.session":               "Session",
		"settings.minutes":               "minut|minutter",
		"settings.hours":                 "time|timer",
		"settings.days":                  "dag|dage",
		"settings.years":                 "år|år",
		"settings.your_consent":          "Dit samtykke",
		"settings.consent_id":            "Samtykke-ID",
		"settings.given_at":              "Afgivet",
		"settings.granted":               "Tilladt",
		"settings.denied":                "Ikke tilladt",
		"settings.download":              "Download dine samtykkekvitteringer",
		"settings.close":                 "Luk",
		"button.cookie_settings":         "Cookieindstillinger",
		"gpc.notice":                     "Din browser sendte et Global Privacy Control-signal, og vi har fulgt det: cookies til statistik og markedsføring er slået fra. Du kan til enhver tid ændre dette.",
		"purpose.necessary.name":         "Nødvendige",
		"purpose.necessary.description":  "Sørger for, at hjemmesiden fungerer, og at dit valg bliver husket. De kan ikke slås fra.",
		"purpose.statistics.name":        "Statistik",
		"purpose.statistics.description": "Hjælper os med at forstå, hvordan besøgende bruger hjemmesiden, så vi kan gøre den bedre.",
		"purpose.marketing.name":         "Markedsføring",
		"purpose.marketing.description":  "Bruges til at vise dig relevante annoncer og måle vores kampagner, også på andre hjemmesider.",
		"embed.blocked":                  "Dette indhold kommer fra {vendor}. For at vise det skal vi have dit samtykke til »{purpose}«, som også gælder de andre leverandører til det formål.",
		"embed.load":                     "Tillad og vis",
		"settings.party":                 "Gemmes på",
		"settings.first_party":           "Denne hjemmesides domæne",
		"settings.third_party":           "Leverandørens domæne",
		"settings.description":           "Formål",
		"declaration.no_vendors":         "Ingen cookies til dette formål.",
		"declaration.no_choice":          "Du har ikke truffet et valg endnu.",
		"declaration.change":             "Ændr dit valg",
	},
	"fi": {
		"banner.title":                   "Yksityisyytesi on meille tärkeää",
		"banner.body":                    "Haluaisimme käyttää evästeitä tilastointiin ja markkinointiin. Osan niistä asettavat kolmannet osapuolet, jotka on lueteltu kohdassa ”Mukauta”. Sivusto tarvitsee välttämättömiä evästeitä toimiakseen, ja ne ovat aina käytössä. Voit muuttaa tai peruuttaa suostumuksesi milloin tahansa painikkeella ”Evästeasetukset”.",
		"banner.accept_all":              "Hyväksy kaikki",
		"banner.reject_all":              "Hylkää kaikki",
		"banner.customize":               "Mukauta",
		"banner.privacy_policy":          "Tietosuojaseloste",
		"settings.title":                 "Evästeasetukset",
		"settings.body":                  "Valitse, mihin saamme käyttää evästeitä. Voit muuttaa valintaasi milloin tahansa.",
		"settings.save":                  "Tallenna valinnat",
		"settings.always_on":             "Aina käytössä",
		"settings.vendors":               "Palveluntarjoajat ja evästeet",
		"settings.cookie":                "Eväste",
		"settings.duration":              "Voimassaolo",
		"settings.session":               "Istunnon ajan",
		"settings.minutes":               "minuutti|minuuttia",
		"settings.hours":                 "tunti|tuntia",
		"settings.days":                  "päivä|päivää",
		"settings.years":                 "vuosi|vuotta",
		"settings.your_consent":          "Suostumuksesi",
		"settings.consent_id":            "Suostumuksen tunnus",
		"settings.given_at":              "Annettu",
		"settings.granted":               "Sallittu",
		"settings.denied":                "Ei sallittu",
		"settings.download":              "Lataa suostumuskuittisi",
		"settings.close":                 "Sulje",
		"button.cookie_settings":         "Evästeasetukset",
		"gpc.notice":                     "Selaimesi lähetti Global Privacy Control -signaalin, ja olemme noudattaneet sitä: tilastointi- ja markkinointievästeet ovat pois päältä. Voit muuttaa tätä milloin tahansa.",
		"purpose.necessary.name":         "Välttämättömät",
		"purpose.necessary.description":  "Tarvitaan sivuston toimintaan ja valintasi muistamiseen. Näitä ei voi poistaa käytöstä.",
		"purpose.statistics.name":        "Tilastointi",
		"purpose.statistics.description": "Nämä evästeet kertovat meille, miten kävijät käyttävät sivustoa, jotta voimme parantaa sitä.",
		"purpose.marketing.name":         "Markkinointi",
		"purpose.marketing.description":  "Käytetään sinulle osuvien mainosten näyttämiseen ja kampanjoidemme mittaamiseen myös muilla sivustoilla.",
		"embed.blocked":                  "Tämä sisältö tulee palvelusta {vendor}. Sen näyttämiseen tarvitsemme suostumuksesi kohtaan ”{purpose}”, ja se koskee myös saman käyttötarkoituksen muita palveluntarjoajia.",
		"embed.load":                     "Salli ja näytä",
		"settings.party":                 "Tallennuspaikka",
		"settings.first_party":           "Tämän sivuston verkkotunnus",
		"settings.third_party":           "Palveluntarjoajan verkkotunnus",
		"settings.description":           "Käyttötarkoitus",
		"declaration.no_vendors":         "Tähän käyttötarkoitukseen ei käytetä evästeitä.",
		"declaration.no_choice":          "Et ole vielä tehnyt valintaa.",
		"declaration.change":             "Muuta valintaasi",
	},
	"de": {
		"banner.title":                   "Wir respektieren Ihre Privatsphäre",
		"banner.body":                    "Wir möchten Cookies für Statistik und Marketing verwenden. Einige davon werden von Drittanbietern gesetzt, die unter „Anpassen“ aufgeführt sind. Notwendige Cookies sorgen dafür, dass die Website funktioniert, und sind immer aktiv. Sie können Ihre Einwilligung jederzeit über die Schaltfläche „Cookie-Einstellungen“ ändern oder widerrufen.",
		"banner.accept_all":              "Alle akzeptieren",
		"banner.reject_all":              "Alle ablehnen",
		"banner.customize":               "Anpassen",
		"banner.privacy_policy":          "Datenschutzerklärung",
		"settings.title":                 "Cookie-Einstellungen",
		"settings.body":                  "Wählen Sie, wofür wir Cookies verwenden dürfen. Sie können Ihre Auswahl jederzeit ändern.",
		"settings.save":                  "Auswahl speichern",
		"settings.always_on":             "Immer aktiv",
		"settings.vendors":               "Anbieter und Cookies",
		"settings.cookie":                "Cookie",
		"settings.duration":              "Speicherdauer",
		"settings.session":               "Sitzung",
		"settings.minutes":               "Minute|Minuten",
		"settings.hours":                 "Stunde|Stunden",
		"settings.days":                  "Tag|Tage",
		"settings.years":                 "Jahr|Jahre",
		"settings.your_consent":          "Ihre Einwilligung",
		"settings.consent_id":            "Einwilligungs-ID",
		"settings.given_at":              "Erteilt",
		"settings.granted":               "Erlaubt",
		"settings.denied":                "Nicht erlaubt",
		"settings.download":              "Ihre Einwilligungsbelege herunterladen",
		"settings.close":                 "Schließen",
		"button.cookie_settings":         "Cookie-Einstellungen",
		"gpc.notice":                     "Ihr Browser hat ein Global-Privacy-Control-Signal gesendet, und wir haben es befolgt: Cookies für Statistik und Marketing sind ausgeschaltet. Sie können das jederzeit ändern.",
		"purpose.necessary.name":         "Notwendig",
		"purpose.necessary.description":  "Erforderlich, damit die Website funktioniert und Ihre Auswahl gespeichert wird. Diese können nicht deaktiviert werden.",
		"purpose.statistics.name":        "Statistik",
		"purpose.statistics.description": "Helfen uns zu verstehen, wie Besucher die Website nutzen, damit wir sie verbessern können.",
		"purpose.marketing.name":         "Marketing",
		"purpose.marketing.description":  "Werden verwendet, um Ihnen relevante Werbung zu zeigen und unsere Kampagnen zu messen, auch auf anderen Websites.",
		"embed.blocked":                  "Dieser Inhalt wird von {vendor} bereitgestellt. Um ihn anzuzeigen, brauchen wir Ihre Einwilligung in „{purpose}“, die auch für die anderen Anbieter dieses Zwecks gilt.",
		"embed.load":                     "Erlauben und anzeigen",
		"settings.party":                 "Gespeichert auf",
		"settings.first_party":           "Domain dieser Website",
		"settings.third_party":           "Domain des Anbieters",
		"settings.description":           "Zweck",
		"declaration.no_vendors":         "Keine Cookies für diesen Zweck.",
		"declaration.no_choice":          "Sie haben noch keine Auswahl getroffen.",
		"declaration.change":             "Auswahl ändern",
	},
}
