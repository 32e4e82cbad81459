package vendors

// Cookie and storage descriptions, one short sentence in each banner
// language. Many vendors' cookies do the same few things, so they share
// texts; a text names no vendor, since the settings layer shows the vendor
// next to it.
var (
	tVisitorID = Text{
		"en": "Tells visitors apart, to count them and their visits",
		"nb": "Skiller besøkende fra hverandre for å telle dem og besøkene deres",
		"sv": "Skiljer besökare åt för att räkna dem och deras besök",
		"da": "Skelner mellem besøgende for at tælle dem og deres besøg",
		"fi": "Erottaa kävijät toisistaan, jotta kävijät ja käynnit voidaan laskea",
	}
	tVisitState = Text{
		"en": "Keeps track of the current visit",
		"nb": "Holder styr på det pågående besøket",
		"sv": "Håller reda på det pågående besöket",
		"da": "Holder styr på det igangværende besøg",
		"fi": "Pitää kirjaa meneillään olevasta käynnistä",
	}
	tThrottle = Text{
		"en": "Limits how often data is sent",
		"nb": "Begrenser hvor ofte data sendes",
		"sv": "Begränsar hur ofta data skickas",
		"da": "Begrænser, hvor ofte data sendes",
		"fi": "Rajoittaa, kuinka usein tietoja lähetetään",
	}
	tAdClick = Text{
		"en": "Remembers the ad click that brought the visitor here, to measure conversions",
		"nb": "Husker annonseklikket som førte den besøkende hit, for å måle konverteringer",
		"sv": "Kommer ihåg annonsklicket som ledde besökaren hit, för att mäta konverteringar",
		"da": "Husker det annonceklik, der førte den besøgende hertil, for at måle konverteringer",
		"fi": "Muistaa mainosklikkauksen, jonka kautta kävijä tuli sivustolle, konversioiden mittaamiseksi",
	}
	tAdCampaign = Text{
		"en": "Holds ad campaign details for measuring conversions",
		"nb": "Inneholder kampanjeopplysninger for å måle konverteringer",
		"sv": "Innehåller kampanjuppgifter för att mäta konverteringar",
		"da": "Indeholder kampagneoplysninger til måling af konverteringer",
		"fi": "Sisältää kampanjatietoja konversioiden mittaamiseen",
	}
	tAdBrowser = Text{
		"en": "Recognises the browser to show and measure ads",
		"nb": "Kjenner igjen nettleseren for å vise og måle annonser",
		"sv": "Känner igen webbläsaren för att visa och mäta annonser",
		"da": "Genkender browseren for at vise og måle annoncer",
		"fi": "Tunnistaa selaimen mainosten näyttämistä ja mittaamista varten",
	}
	tAdVisit = Text{
		"en": "Keeps the current visit together for measuring ad conversions",
		"nb": "Holder det pågående besøket samlet for å måle annonsekonverteringer",
		"sv": "Håller ihop det pågående besöket för att mäta annonskonverteringar",
		"da": "Holder sammen på det igangværende besøg for at måle annoncekonverteringer",
		"fi": "Pitää meneillään olevan käynnin koossa mainoskonversioiden mittaamista varten",
	}
	tCookieTest = Text{
		"en": "Checks whether the browser accepts cookies",
		"nb": "Sjekker om nettleseren godtar informasjonskapsler",
		"sv": "Kontrollerar om webbläsaren godkänner kakor",
		"da": "Tjekker, om browseren accepterer cookies",
		"fi": "Tarkistaa, hyväksyykö selain evästeet",
	}
	tDomainTest = Text{
		"en": "Finds the widest domain the service's cookies can be set on",
		"nb": "Finner det bredeste domenet tjenestens informasjonskapsler kan settes på",
		"sv": "Tar reda på den bredaste domän som tjänstens kakor kan sättas på",
		"da": "Finder det bredeste domæne, tjenestens cookies kan sættes på",
		"fi": "Selvittää laajimman verkkotunnuksen, jolle palvelun evästeet voidaan asettaa",
	}
	tFirstSeen = Text{
		"en": "Marks a new visitor's first visit",
		"nb": "Markerer en ny besøkendes første besøk",
		"sv": "Markerar en ny besökares första besök",
		"da": "Markerer en ny besøgendes første besøg",
		"fi": "Merkitsee uuden kävijän ensimmäisen käynnin",
	}
	tVisitStart = Text{
		"en": "Detects the first page view of a visit",
		"nb": "Oppdager den første sidevisningen i et besøk",
		"sv": "Upptäcker den första sidvisningen under ett besök",
		"da": "Registrerer den første sidevisning i et besøg",
		"fi": "Tunnistaa käynnin ensimmäisen sivunäytön",
	}
	tSample = Text{
		"en": "Records whether this visit is in the sample that is recorded",
		"nb": "Registrerer om besøket er med i utvalget som tas opp",
		"sv": "Registrerar om besöket ingår i urvalet som spelas in",
		"da": "Registrerer, om besøget er med i det udvalg, der optages",
		"fi": "Merkitsee, kuuluuko käynti tallennettavaan otokseen",
	}
	tOtherFeatures = Text{
		"en": "Other cookies of the service, for features such as surveys, feedback and recordings",
		"nb": "Andre informasjonskapsler fra tjenesten, for funksjoner som undersøkelser, tilbakemeldinger og opptak",
		"sv": "Andra kakor från tjänsten, för funktioner som enkäter, återkoppling och inspelningar",
		"da": "Andre cookies fra tjenesten til funktioner som undersøgelser, feedback og optagelser",
		"fi": "Palvelun muut evästeet esimerkiksi kyselyjä, palautetta ja tallenteita varten",
	}
	tStorage = Text{
		"en": "The service's working data, kept in the browser's storage",
		"nb": "Tjenestens arbeidsdata, lagret i nettleserens lagring",
		"sv": "Tjänstens arbetsdata, sparade i webbläsarens lagring",
		"da": "Tjenestens arbejdsdata, gemt i browserens lagring",
		"fi": "Palvelun käyttötietoja selaimen tallennustilassa",
	}
	tVisits = Text{
		"en": "Counts the visitor's visits and when they happened",
		"nb": "Teller den besøkendes besøk og når de fant sted",
		"sv": "Räknar besökarens besök och när de ägde rum",
		"da": "Tæller den besøgendes besøg, og hvornår de fandt sted",
		"fi": "Laskee kävijän käynnit ja niiden ajankohdat",
	}
	tContact = Text{
		"en": "Recognises the visitor and links submitted forms to them",
		"nb": "Kjenner igjen den besøkende og knytter innsendte skjemaer til vedkommende",
		"sv": "Känner igen besökaren och kopplar inskickade formulär till hen",
		"da": "Genkender den besøgende og knytter indsendte formularer til vedkommende",
		"fi": "Tunnistaa kävijän ja yhdistää lähetetyt lomakkeet häneen",
	}
	tNewVisit = Text{
		"en": "Tells whether the browser was restarted, to detect a new visit",
		"nb": "Viser om nettleseren er startet på nytt, for å oppdage et nytt besøk",
		"sv": "Visar om webbläsaren har startats om, för att upptäcka ett nytt besök",
		"da": "Viser, om browseren er genstartet, for at opdage et nyt besøg",
		"fi": "Kertoo, onko selain käynnistetty uudelleen, uuden käynnin tunnistamiseksi",
	}
	tChat = Text{
		"en": "Recognises the visitor in the chat",
		"nb": "Kjenner igjen den besøkende i chatten",
		"sv": "Känner igen besökaren i chatten",
		"da": "Genkender den besøgende i chatten",
		"fi": "Tunnistaa kävijän chatissa",
	}
	tRecording = Text{
		"en": "Joins the pages of a visit into one recording",
		"nb": "Setter sammen sidene i et besøk til ett opptak",
		"sv": "Sätter ihop sidorna under ett besök till en inspelning",
		"da": "Samler siderne i et besøg til én optagelse",
		"fi": "Yhdistää käynnin sivut yhdeksi tallenteeksi",
	}
	tAcrossSites = Text{
		"en": "Recognises the browser across the websites that use the service",
		"nb": "Kjenner igjen nettleseren på tvers av nettstedene som bruker tjenesten",
		"sv": "Känner igen webbläsaren på de webbplatser som använder tjänsten",
		"da": "Genkender browseren på tværs af de websteder, der bruger tjenesten",
		"fi": "Tunnistaa selaimen niillä sivustoilla, jotka käyttävät palvelua",
	}
	tMicrosoftID = Text{
		"en": "Recognises the browser across Microsoft services, for ads and analytics",
		"nb": "Kjenner igjen nettleseren på tvers av Microsofts tjenester, for annonser og analyse",
		"sv": "Känner igen webbläsaren i Microsofts tjänster, för annonser och analys",
		"da": "Genkender browseren på tværs af Microsofts tjenester til annoncer og analyse",
		"fi": "Tunnistaa selaimen Microsoftin palveluissa mainontaa ja analytiikkaa varten",
	}
	tMicrosoftSync = Text{
		"en": "Keeps the Microsoft browser id in step across Microsoft's domains",
		"nb": "Holder Microsofts nettleser-ID lik på tvers av Microsofts domener",
		"sv": "Håller Microsofts webbläsar-id likadant på Microsofts olika domäner",
		"da": "Holder Microsofts browser-id ens på tværs af Microsofts domæner",
		"fi": "Pitää Microsoftin selaintunnisteen samana Microsoftin eri verkkotunnuksissa",
	}
	tIDSync = Text{
		"en": "Records when the visitor's id was last matched with advertising partners",
		"nb": "Registrerer når den besøkendes ID sist ble koblet med annonsepartnere",
		"sv": "Registrerar när besökarens id senast matchades med annonspartner",
		"da": "Registrerer, hvornår den besøgendes id sidst blev matchet med annoncepartnere",
		"fi": "Tallentaa, milloin kävijän tunniste viimeksi yhdistettiin mainoskumppaneiden tietoihin",
	}
	tRouting = Text{
		"en": "Routes requests to the right data centre",
		"nb": "Sender forespørsler til riktig datasenter",
		"sv": "Skickar förfrågningar till rätt datacenter",
		"da": "Sender forespørgsler til det rette datacenter",
		"fi": "Ohjaa pyynnöt oikeaan datakeskukseen",
	}
	tPlatformUser = Text{
		"en": "Links the visitor to a user of the advertising platform",
		"nb": "Kobler den besøkende til en bruker av annonseplattformen",
		"sv": "Kopplar besökaren till en användare av annonsplattformen",
		"da": "Forbinder den besøgende med en bruger af annonceplatformen",
		"fi": "Yhdistää kävijän mainosalustan käyttäjään",
	}
	tPlatformLogin = Text{
		"en": "The platform's login cookie, read to recognise its users",
		"nb": "Plattformens informasjonskapsel for innlogging, som leses for å kjenne igjen brukerne",
		"sv": "Plattformens inloggningskaka, som läses för att känna igen användarna",
		"da": "Platformens login-cookie, som læses for at genkende brugerne",
		"fi": "Alustan kirjautumiseväste, jota luetaan käyttäjien tunnistamiseksi",
	}
	tGooglePrefs = Text{
		"en": "Remembers Google settings and is used for Google's ads",
		"nb": "Husker innstillinger hos Google og brukes til Googles annonser",
		"sv": "Kommer ihåg inställningar hos Google och används för Googles annonser",
		"da": "Husker indstillinger hos Google og bruges til Googles annoncer",
		"fi": "Muistaa Google-asetukset ja on käytössä Googlen mainonnassa",
	}
	tAbuse = Text{
		"en": "Protects against abuse during the visit",
		"nb": "Beskytter mot misbruk under besøket",
		"sv": "Skyddar mot missbruk under besöket",
		"da": "Beskytter mod misbrug under besøget",
		"fi": "Suojaa väärinkäytöltä käynnin aikana",
	}
	tVideoSettings = Text{
		"en": "Remembers video settings and helps find faults in the service",
		"nb": "Husker videoinnstillinger og hjelper med å finne feil i tjenesten",
		"sv": "Kommer ihåg videoinställningar och hjälper till att hitta fel i tjänsten",
		"da": "Husker videoindstillinger og hjælper med at finde fejl i tjenesten",
		"fi": "Muistaa videoasetukset ja auttaa löytämään palvelun vikoja",
	}
	tPlayerPrefs = Text{
		"en": "Remembers video player settings such as volume and quality",
		"nb": "Husker innstillinger for videospilleren, som lydstyrke og kvalitet",
		"sv": "Kommer ihåg inställningar för videospelaren, som volym och kvalitet",
		"da": "Husker indstillinger for videoafspilleren, såsom lydstyrke og kvalitet",
		"fi": "Muistaa videosoittimen asetukset, kuten äänenvoimakkuuden ja laadun",
	}
	tVideoStats = Text{
		"en": "Counts views for the video owner's statistics",
		"nb": "Teller visninger for videoeierens statistikk",
		"sv": "Räknar visningar för videoägarens statistik",
		"da": "Tæller visninger til videoejerens statistik",
		"fi": "Laskee katselukerrat videon omistajan tilastoja varten",
	}
)
