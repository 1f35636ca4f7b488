//! What can go wrong between a colleague's browser and the team's server, in words a person can
//! act on (Romanian first, English, Hungarian).

use crate::error::{Error, Field};
use crate::i18n::Lang;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TeamProblem {
    /// The server address is missing, malformed or not https.
    #[error("team server address {url:?} is not valid")]
    Address { url: String },
    #[error("no member key")]
    KeyMissing,
    /// Not a single word of printable characters (a key pasted with spaces or cut short).
    #[error("the member key is not shaped like one")]
    KeyShape,
    /// No answer to a request that changes nothing: the server is down, the address is wrong, or
    /// the browser refused the request (no access to the address, or the server's CORS refused
    /// this extension). A browser cannot tell these apart.
    #[error("team server {url} unreachable (origin {origin})")]
    Unreachable { url: String, origin: String },
    /// No answer to an action (emit, cancel, …): it may still be running on the server.
    #[error("no answer from team server {url}")]
    NoAnswer { url: String },
    /// 401: the key is wrong or was revoked.
    #[error("the member key was refused")]
    Unauthorized,
    /// 403: this extension's origin is not in the server's `ALLOWED_ORIGINS`.
    #[error("origin {origin} is not allowed by the team server")]
    OriginRefused { origin: String },
    /// 403: the key may not run this command (settings are the admin's).
    #[error("the member key may not run {command:?}")]
    Forbidden { command: String },
    /// 409: a colleague is acting on this card right now (the server's card lease).
    #[error("a colleague is acting on the card")]
    CardBusy,
    /// 500: the server lacks part of its configuration (names of Workers vars or secrets).
    #[error("the team server lacks configuration {missing:?}")]
    NotConfigured { missing: Vec<String> },
    /// The address answers, but not as a team server (404, HTML, …).
    #[error("no team server at {url} (HTTP {status})")]
    NotTeamServer { url: String, status: u16 },
    /// An answer we could not understand (5xx from the platform, …).
    #[error("unexpected answer from the team server (HTTP {status}): {detail}")]
    Unexpected { status: u16, detail: String },
    /// The server's core refused or failed the command: its own words, already in our language.
    #[error("the team server answered {code}: {message}")]
    Remote {
        code: String,
        message: String,
        vendor_text: Option<String>,
        vendor: Option<String>,
    },
    /// In team mode this is the server's business (connection tests, checklist, warehouses).
    #[error("{command:?} is the team server's in team mode")]
    ServerHolds { command: String },
    /// The company import needs the MiniCRM API key in this browser, which team mode does not keep.
    #[error("the company import is not available in team mode")]
    ImportUnavailable,
    /// The jobs run on the server; only its admin stops them.
    #[error("the jobs run on the team server")]
    JobsOnServer,
}

impl TeamProblem {
    pub fn code(&self) -> &'static str {
        match self {
            TeamProblem::Address { .. } => "team.address",
            TeamProblem::KeyMissing => "team.keyMissing",
            TeamProblem::KeyShape => "team.keyShape",
            TeamProblem::Unreachable { .. } => "team.unreachable",
            TeamProblem::NoAnswer { .. } => "team.noAnswer",
            TeamProblem::Unauthorized => "team.unauthorized",
            TeamProblem::OriginRefused { .. } => "team.originRefused",
            TeamProblem::Forbidden { .. } => "team.forbidden",
            TeamProblem::CardBusy => "team.cardBusy",
            TeamProblem::NotConfigured { .. } => "team.notConfigured",
            TeamProblem::NotTeamServer { .. } => "team.notTeamServer",
            TeamProblem::Unexpected { .. } => "team.unexpected",
            TeamProblem::Remote { .. } => "team.remote",
            TeamProblem::ServerHolds { .. } => "team.serverHolds",
            TeamProblem::ImportUnavailable => "team.importUnavailable",
            TeamProblem::JobsOnServer => "team.jobsOnServer",
        }
    }
}

impl From<TeamProblem> for Error {
    fn from(problem: TeamProblem) -> Error {
        Error::Team {
            problem: Box::new(problem),
        }
    }
}

impl TeamProblem {
    /// The form field a problem is about, for the options page.
    pub fn field(&self) -> Option<Field> {
        match self {
            TeamProblem::Address { .. } | TeamProblem::NotTeamServer { .. } => Some(Field::ServerUrl),
            TeamProblem::KeyMissing | TeamProblem::KeyShape | TeamProblem::Unauthorized => {
                Some(Field::ServerKey)
            }
            _ => None,
        }
    }

    pub fn vendor_text(&self) -> Option<&str> {
        match self {
            TeamProblem::Remote { vendor_text, .. } => vendor_text.as_deref(),
            TeamProblem::Unexpected { detail, .. } if !detail.is_empty() => Some(detail),
            _ => None,
        }
    }

    pub fn vendor(&self) -> Option<&'static str> {
        match self {
            TeamProblem::Remote { vendor, .. } => match vendor.as_deref() {
                Some("MiniCRM") => Some("MiniCRM"),
                Some(_) => Some("SmartBill"),
                None => None,
            },
            TeamProblem::Unexpected { .. } => Some("server"),
            _ => None,
        }
    }

    /// When the panel should ask again by itself: a colleague's work ends soon, a server that
    /// did not answer may be back. A refused key or origin needs a person first.
    pub fn refresh_ms(&self) -> Option<u32> {
        match self {
            TeamProblem::CardBusy => Some(1_500),
            TeamProblem::NoAnswer { .. } => Some(2_000),
            TeamProblem::Unreachable { .. } | TeamProblem::Unexpected { .. } => Some(4_000),
            _ => None,
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            TeamProblem::Address { url } if url.trim().is_empty() => lang.pick(
                "Adresa serverului echipei lipsește.",
                "The team server address is missing.",
                "Hiányzik a csapatszerver címe.",
            ),
            TeamProblem::Address { url } => invalid_address(url, lang),
            TeamProblem::KeyMissing => lang.pick(
                "Cheia de membru lipsește: cere-o administratorului echipei (o creează pe server pentru fiecare coleg).",
                "The member key is missing: ask the team's admin for it (they create one per colleague on the server).",
                "Hiányzik a tagkulcs: kérd el a csapat adminisztrátorától (ő hoz létre egyet minden kollégának a szerveren).",
            ),
            TeamProblem::KeyShape => lang.pick(
                "Cheia de membru nu arată bine: lipește-o întreagă, fără spații (începe cu „mcsb_”).",
                "The member key does not look right: paste all of it, without spaces (it starts with \"mcsb_\").",
                "A tagkulcs nem tűnik helyesnek: másold be teljesen, szóközök nélkül (így kezdődik: „mcsb_”).",
            ),
            TeamProblem::Unreachable { url, origin } => unreachable(url, origin, lang),
            TeamProblem::NoAnswer { url } => lang.pick(
                format!("Serverul echipei ({url}) nu a răspuns (conexiune întreruptă sau timp depășit). Acțiunea poate continua pe server: panoul se actualizează singur. Nu emite din nou până nu vezi rezultatul."),
                format!("The team server ({url}) did not answer (connection dropped or timed out). The action may still be running on the server: the panel updates by itself. Do not issue again until you see the result."),
                format!("A csapatszerver ({url}) nem válaszolt (megszakadt kapcsolat vagy időtúllépés). A művelet a szerveren még folyhat: a panel magától frissül. Ne állítsd ki újra, amíg nem látod az eredményt."),
            ),
            TeamProblem::Unauthorized => lang.pick(
                "Serverul echipei nu acceptă cheia de membru a acestui browser: este greșită sau a fost revocată de administrator. Cere-i o cheie nouă și introdu-o în Setări › Server echipă. Nu s-a emis nimic.",
                "The team server does not accept this browser's member key: it is wrong or the admin revoked it. Ask them for a new key and enter it in Settings › Team server. Nothing was issued.",
                "A csapatszerver nem fogadja el ennek a böngészőnek a tagkulcsát: hibás, vagy az adminisztrátor visszavonta. Kérj új kulcsot, és add meg a Beállítások › Csapatszerver részben. Semmi nem lett kiállítva.",
            ),
            TeamProblem::OriginRefused { origin } => origin_refused(origin, lang),
            TeamProblem::Forbidden { command } => lang.pick(
                format!("Cheia aceasta nu are voie să ruleze „{command}” pe serverul echipei (setările sunt ale administratorului)."),
                format!("This key may not run \"{command}\" on the team server (the settings are the admin's)."),
                format!("Ez a kulcs nem futtathatja a(z) „{command}” parancsot a csapatszerveren (a beállítások az adminisztrátoréi)."),
            ),
            TeamProblem::CardBusy => lang.pick(
                "Un coleg lucrează chiar acum pe documentul acestui card, pe serverul echipei. Panoul arată rezultatul imediat ce e gata; nu emite din nou.",
                "A colleague is working on this card's document right now, on the team server. The panel shows the result as soon as it is ready; do not issue again.",
                "Egy kolléga éppen ennek a kártyának a bizonylatán dolgozik a csapatszerveren. A panel megmutatja az eredményt, amint kész; ne állítsd ki újra.",
            ),
            TeamProblem::NotConfigured { missing } => lang.pick(
                format!("Serverul echipei nu este configurat complet (lipsesc: {}). Administratorul le setează cu wrangler.", missing.join(", ")),
                format!("The team server is not fully configured (missing: {}). The admin sets them with wrangler.", missing.join(", ")),
                format!("A csapatszerver nincs teljesen beállítva (hiányzik: {}). Az adminisztrátor a wranglerrel állítja be.", missing.join(", ")),
            ),
            TeamProblem::NotTeamServer { url, status } => lang.pick(
                format!("La adresa {url} nu răspunde un server de echipă MiniCRM × SmartBill (HTTP {status}). Verifică adresa primită de la administrator."),
                format!("No MiniCRM × SmartBill team server answers at {url} (HTTP {status}). Check the address the admin gave you."),
                format!("A(z) {url} címen nem MiniCRM × SmartBill csapatszerver válaszol (HTTP {status}). Ellenőrizd az adminisztrátortól kapott címet."),
            ),
            TeamProblem::Unexpected { status, .. } => lang.pick(
                format!("Serverul echipei a trimis un răspuns neașteptat (HTTP {status}). Încearcă din nou peste puțin timp; dacă se repetă, anunță administratorul."),
                format!("The team server sent an unexpected answer (HTTP {status}). Try again shortly; if it happens again, tell the admin."),
                format!("A csapatszerver váratlan választ küldött (HTTP {status}). Próbáld újra kicsit később; ha ismétlődik, szólj az adminisztrátornak."),
            ),
            TeamProblem::Remote { message, .. } => message.clone(),
            TeamProblem::ServerHolds { command } => server_holds(command, lang),
            TeamProblem::ImportUnavailable => lang.pick(
                "Importul de companii nu este disponibil în modul echipă: are nevoie de cheia API MiniCRM în acest browser, iar în modul echipă browserul nu păstrează chei ale furnizorilor. Importul îl poate face administratorul, dintr-un browser fără server configurat.",
                "The company import is not available in team mode: it needs the MiniCRM API key in this browser, and in team mode the browser keeps no vendor key. The admin can import from a browser without a server configured.",
                "A cégimport csapat módban nem érhető el: ehhez a MiniCRM API kulcsra van szükség ebben a böngészőben, csapat módban pedig a böngésző nem tárol szolgáltatói kulcsot. Az importot az adminisztrátor végezheti el egy szerver nélküli böngészőből.",
            ),
            TeamProblem::JobsOnServer => lang.pick(
                "În modul echipă sincronizările rulează pe serverul echipei; doar administratorul le poate opri.",
                "In team mode the syncs run on the team server; only the admin can stop them.",
                "Csapat módban a szinkronizálások a csapatszerveren futnak; csak az adminisztrátor állíthatja le őket.",
            ),
        }
    }
}

/// The server cannot be reached: the address, the connection, or the browser's refusal.
fn unreachable(url: &str, origin: &str, lang: Lang) -> String {
    lang.pick(
        format!("Serverul echipei ({url}) nu poate fi contactat. Verifică adresa și conexiunea la internet. Dacă adresa e corectă, browserul a refuzat cererea: dă-i extensiei acces la server („Permite accesul”) și cere administratorului să pună originea acestei extensii, {origin}, în ALLOWED_ORIGINS."),
        format!("The team server ({url}) cannot be reached. Check the address and the internet connection. If the address is right, the browser refused the request: grant the extension access to the server (\"Allow access\") and ask the admin to put this extension's origin, {origin}, in ALLOWED_ORIGINS."),
        format!("A csapatszerver ({url}) nem érhető el. Ellenőrizd a címet és az internetkapcsolatot. Ha a cím helyes, a böngésző utasította el a kérést: adj hozzáférést a bővítménynek a szerverhez („Hozzáférés engedélyezése”), és kérd meg az adminisztrátort, hogy vegye fel a bővítmény eredetét ({origin}) az ALLOWED_ORIGINS listába."),
    )
}

/// The server refuses this extension's origin.
fn origin_refused(origin: &str, lang: Lang) -> String {
    lang.pick(
        format!("Serverul echipei refuză cererile acestei extensii: originea ei, {origin}, nu este în ALLOWED_ORIGINS pe server. Trimite-i administratorului această origine (o adaugă în wrangler.toml și publică din nou). Nu s-a emis nimic."),
        format!("The team server refuses this extension's requests: its origin, {origin}, is not in the server's ALLOWED_ORIGINS. Send this origin to the admin (they add it in wrangler.toml and deploy again). Nothing was issued."),
        format!("A csapatszerver elutasítja a bővítmény kéréseit: az eredete ({origin}) nincs a szerver ALLOWED_ORIGINS listájában. Küldd el ezt az eredetet az adminisztrátornak (felveszi a wrangler.toml-ba, és újra telepít). Semmi nem lett kiállítva."),
    )
}

/// A command that in team mode is the server's business.
fn server_holds(command: &str, lang: Lang) -> String {
    lang.pick(
        format!("În modul echipă, „{command}” ține de serverul echipei: conexiunile SmartBill și MiniCRM, seria, câmpurile cardului și gestiunea le stabilește administratorul pe server. Folosește „Testează conexiunea” din secțiunea Server echipă."),
        format!("In team mode, \"{command}\" is the team server's business: the SmartBill and MiniCRM connections, the series, the card fields and the warehouse are set by the admin on the server. Use \"Test connection\" in the Team server section."),
        format!("Csapat módban a(z) „{command}” a csapatszerver dolga: a SmartBill- és MiniCRM-kapcsolatot, a sorozatot, a kártyamezőket és a raktárt az adminisztrátor állítja be a szerveren. Használd a Csapatszerver rész „Kapcsolat tesztelése” gombját."),
    )
}

/// A team server address that is not a valid https address.
fn invalid_address(url: &str, lang: Lang) -> String {
    lang.pick(
        format!("Adresa serverului echipei „{url}” nu este validă: scrie adresa https primită de la administrator, de ex. https://minicrm-smartbill-team.firma.workers.dev."),
        format!("The team server address \"{url}\" is not valid: type the https address the admin gave you, e.g. https://minicrm-smartbill-team.company.workers.dev."),
        format!("A csapatszerver címe („{url}”) érvénytelen: írd be az adminisztrátortól kapott https címet, pl. https://minicrm-smartbill-team.ceg.workers.dev."),
    )
}
