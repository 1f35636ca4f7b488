//! Why an emission stopped before (or instead of) creating a document, in words a person can act
//! on.

use super::invoice::MappingProblem;
use crate::document::DocumentKind;
use crate::i18n::Lang;
use crate::platform;

/// Why an emission stopped before (or instead of) creating a document.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EmissionProblem {
    /// The offer/order cannot become a SmartBill request.
    #[error("the document cannot become a SmartBill request: {problem}")]
    Mapping {
        #[source]
        problem: MappingProblem,
    },
    /// The configured series is not a series of that type in SmartBill.
    #[error("series {series:?} is not a SmartBill series of this type (available: {available:?})")]
    SeriesMissing { series: String, available: Vec<String> },
    /// SmartBill's "Cantitate stoc insuficienta…", with what the stock says.
    #[error(
        "not enough stock of {code:?} in {warehouse:?}: {available:?} available, {needed} {unit} needed"
    )]
    InsufficientStock {
        product: String,
        code: String,
        warehouse: String,
        available: Option<String>,
        needed: String,
        unit: String,
        vendor: String,
    },
    /// No document behind this card (an order still in draft is not listed by MiniCRM).
    #[error("no document behind the card")]
    DocumentNotFound,
    /// No document in the module's list names this card as its `ProjectId` (drafts are not
    /// listed; the card may belong to another module).
    #[error("no {document:?} in the module's list names the card")]
    DocumentNotListed { document: DocumentKind },
    /// Several documents name this card: we do not guess which one to invoice.
    #[error("several {document:?} documents name the card: {ids:?}")]
    SeveralDocuments { document: DocumentKind, ids: Vec<u64> },
    /// The card → document index is still being built (page of pages).
    #[error("the card index is being built (page {page} of {pages})")]
    Indexing { page: u32, pages: u32 },
    /// The document's card is not the card the panel is on.
    #[error("document {doc_id} belongs to another card than {card}")]
    WrongCard { doc_id: u64, card: u64 },
    /// No error-message field is mapped: there is nowhere to claim the card for this browser.
    #[error("no error-message field to claim the card in")]
    NoClaimField,
    /// Another browser of the team is issuing this card right now.
    #[error("claimed by {label:?} at {at_ms} (automatic: {auto})")]
    ClaimedByOther { label: String, at_ms: i64, auto: bool },
    /// MiniCRM took longer than the bound to write our claim: not safe to go on.
    #[error("writing the claim took {ms} ms, over the {bound_ms} ms bound")]
    ClaimSlow { ms: i64, bound_ms: i64 },
    /// Our claim was replaced before we could confirm it (someone else claimed at once).
    #[error("the claim was replaced before it was confirmed")]
    ClaimLost,
    /// The claim got too old before the POST could start (long rate-limit waits).
    #[error("the claim expired before the request could start")]
    ClaimExpired,
    /// This browser is already working on the document (another tab, the poller).
    #[error("the document is already being worked on in this browser")]
    Busy,
    /// The page changed to another card after the panel was drawn: a new click is needed.
    #[error("the page moved to another card")]
    PageChanged,
    /// The document is already invoiced (or cancelled): nothing to do without an explicit request.
    #[error("already invoiced: {number}")]
    AlreadyIssued { number: String },
    /// Cancel/storno need an issued invoice.
    #[error("no issued invoice to cancel")]
    NothingToCancel,
}

impl EmissionProblem {
    pub fn code(&self) -> &'static str {
        match self {
            EmissionProblem::Mapping { .. } => "emission.mapping",
            EmissionProblem::SeriesMissing { .. } => "emission.seriesMissing",
            EmissionProblem::InsufficientStock { .. } => "emission.insufficientStock",
            EmissionProblem::DocumentNotFound => "emission.documentNotFound",
            EmissionProblem::DocumentNotListed { .. } => "emission.documentNotListed",
            EmissionProblem::SeveralDocuments { .. } => "emission.severalDocuments",
            EmissionProblem::Indexing { .. } => "emission.indexing",
            EmissionProblem::WrongCard { .. } => "emission.wrongCard",
            EmissionProblem::NoClaimField => "emission.noClaimField",
            EmissionProblem::ClaimedByOther { .. } => "emission.claimedByOther",
            EmissionProblem::ClaimSlow { .. } => "emission.claimSlow",
            EmissionProblem::ClaimLost => "emission.claimLost",
            EmissionProblem::ClaimExpired => "emission.claimExpired",
            EmissionProblem::Busy => "emission.busy",
            EmissionProblem::PageChanged => "emission.pageChanged",
            EmissionProblem::AlreadyIssued { .. } => "emission.alreadyIssued",
            EmissionProblem::NothingToCancel => "emission.nothingToCancel",
        }
    }
}

impl EmissionProblem {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            EmissionProblem::Mapping { problem } => problem.message(lang),
            EmissionProblem::SeriesMissing { series, available } => lang.pick(
                format!("Seria „{series}” nu există în SmartBill pentru acest tip de document (serii disponibile: {}). Alege seria în setările extensiei.", available.join(", ")),
                format!("The series \"{series}\" does not exist in SmartBill for this document type (available: {}). Choose the series in the extension settings.", available.join(", ")),
                format!("A(z) „{series}” sorozat nem létezik a SmartBillben ehhez a bizonylattípushoz (elérhető: {}). Válaszd ki a sorozatot a bővítmény beállításaiban.", available.join(", ")),
            ),
            EmissionProblem::InsufficientStock { product, code, warehouse, available, needed, unit, .. } => {
                let avail = available.clone().unwrap_or_else(|| "?".into());
                lang.pick(
                    format!("Stoc insuficient pentru „{product}” ({code}) în gestiunea „{warehouse}”: disponibil {avail} {unit}, necesar {needed} {unit}. Încarcă stoc în SmartBill sau modifică cantitatea."),
                    format!("Not enough stock of \"{product}\" ({code}) in the warehouse \"{warehouse}\": {avail} {unit} available, {needed} {unit} needed. Add stock in SmartBill or change the quantity."),
                    format!("Nincs elég készlet: „{product}” ({code}), raktár: „{warehouse}”: elérhető {avail} {unit}, szükséges {needed} {unit}. Vételezz készletet a SmartBillben, vagy módosítsd a mennyiséget."),
                )
            }
            EmissionProblem::DocumentNotFound => lang.pick(
                "Nu am găsit documentul acestui card în MiniCRM (o comandă în ciornă nu poate fi facturată: finalizeaz-o întâi).",
                "The document behind this card was not found in MiniCRM (an order in draft cannot be invoiced: finalise it first).",
                "A kártyához tartozó bizonylat nem található a MiniCRM-ben (piszkozat megrendelés nem számlázható: előbb véglegesítsd).",
            ),
            EmissionProblem::DocumentNotListed { document } => not_listed(*document, lang),
            EmissionProblem::SeveralDocuments { document, ids } => several_documents(*document, ids, lang),
            EmissionProblem::Indexing { page, pages } => lang.pick(
                format!("Citim lista de documente din MiniCRM ca să găsim documentul acestui card (pagina {page} din aproximativ {pages})…"),
                format!("Reading MiniCRM's document list to find this card's document (page {page} of about {pages})…"),
                format!("A MiniCRM bizonylatlistáját olvassuk, hogy megtaláljuk a kártya bizonylatát ({page}. oldal a kb. {pages}-ből)…"),
            ),
            EmissionProblem::WrongCard { doc_id, card } => lang.pick(
                format!("Documentul {doc_id} din MiniCRM aparține altui card decât cardul {card}: nu emitem nimic. Reîncarcă pagina."),
                format!("MiniCRM document {doc_id} belongs to another card than card {card}: nothing is issued. Reload the page."),
                format!("A(z) {doc_id} MiniCRM bizonylat nem a(z) {card} kártyához tartozik: nem állítunk ki semmit. Töltsd újra az oldalt."),
            ),
            EmissionProblem::NoClaimField => lang.pick(
                "Alege câmpul „Mesaj de eroare” în setările extensiei: în el rezervăm cardul cât timp emitem, ca doi colegi să nu emită aceeași factură.",
                "Choose the \"Error message\" field in the extension settings: we reserve the card there while issuing, so that two colleagues never issue the same invoice.",
                "Válaszd ki a „Hibaüzenet” mezőt a bővítmény beállításaiban: abban foglaljuk le a kártyát a kiállítás idejére, hogy két kolléga ne állítsa ki ugyanazt a számlát.",
            ),
            EmissionProblem::ClaimedByOther { label, at_ms, auto } => claimed_by_other(label, *at_ms, *auto, lang),
            EmissionProblem::ClaimSlow { ms, bound_ms } => lang.pick(
                format!("MiniCRM a răspuns prea încet ({:.1} s, limita e {:.1} s) când am rezervat cardul, deci nu emitem acum (nu putem exclude un coleg care emite în aceeași clipă). Nu s-a emis nimic: reîncearcă peste puțin timp.", *ms as f64 / 1000.0, *bound_ms as f64 / 1000.0),
                format!("MiniCRM answered too slowly ({:.1} s, the limit is {:.1} s) when we reserved the card, so nothing is issued now (a colleague issuing at the same moment cannot be ruled out). Nothing was issued: retry in a little while.", *ms as f64 / 1000.0, *bound_ms as f64 / 1000.0),
                format!("A MiniCRM túl lassan válaszolt ({:.1} s, a korlát {:.1} s) a kártya lefoglalásakor, ezért most nem állítunk ki semmit (nem zárható ki, hogy egy kolléga ugyanekkor állítja ki). Semmi nem lett kiállítva: próbáld újra egy kicsit később.", *ms as f64 / 1000.0, *bound_ms as f64 / 1000.0),
            ),
            EmissionProblem::ClaimLost => lang.pick(
                "Un alt browser a rezervat cardul în aceeași clipă: nu emitem de aici. Reîncarcă panoul în câteva secunde.",
                "Another browser reserved the card at the same moment: it is not issued from here. Refresh the panel in a few seconds.",
                "Egy másik böngésző ugyanabban a pillanatban foglalta le a kártyát: innen nem állítjuk ki. Néhány másodperc múlva frissítsd a panelt.",
            ),
            EmissionProblem::ClaimExpired => lang.pick(
                "Așteptarea după limitele de apeluri a durat prea mult, iar rezervarea cardului a expirat înainte de emitere. Nu s-a emis nimic: reîncearcă.",
                "Waiting for the call limits took too long and the card's reservation ran out before issuing. Nothing was issued: retry.",
                "A hívási korlátok kivárása túl sokáig tartott, és a kártya foglalása lejárt a kiállítás előtt. Semmi nem lett kiállítva: próbáld újra.",
            ),
            EmissionProblem::Busy => lang.pick(
                "Documentul e deja în lucru în acest browser (alt tab sau emiterea automată). Așteaptă câteva secunde.",
                "The document is already being worked on in this browser (another tab or automatic emission). Wait a few seconds.",
                "A bizonylaton már dolgozik ez a böngésző (másik lap vagy az automatikus kiállítás). Várj néhány másodpercet.",
            ),
            EmissionProblem::PageChanged => lang.pick(
                "Pagina a trecut la alt card după ce panoul a fost afișat: panoul s-a actualizat. Apasă din nou dacă vrei să emiți pentru acest card.",
                "The page moved to another card after the panel was drawn: the panel was refreshed. Click again to issue for this card.",
                "Az oldal a panel megjelenése után másik kártyára váltott: a panel frissült. Kattints újra, ha ehhez a kártyához akarsz kiállítani.",
            ),
            EmissionProblem::AlreadyIssued { number } => lang.pick(
                format!("Documentul are deja factura {number}; nu emitem din nou."),
                format!("The document already has the invoice {number}; it is not issued again."),
                format!("A bizonylathoz már tartozik számla ({number}); nem állítjuk ki újra."),
            ),
            EmissionProblem::NothingToCancel => lang.pick(
                "Nu există o factură emisă pentru acest document.",
                "There is no issued invoice for this document.",
                "Ehhez a bizonylathoz nincs kiállított számla.",
            ),
        }
    }
}

/// The card's document is not in the module's list (with why that may be, per module).
fn not_listed(document: DocumentKind, lang: Lang) -> String {
    let (ro, en, hu) = match document {
        DocumentKind::Offer => (
            "Oferta acestui card nu apare în lista de oferte din MiniCRM, deci nu emitem nimic. O ofertă încă neemisă poate lipsi din listă: emite oferta în MiniCRM, apoi reîncearcă.",
            "This card's offer is not in MiniCRM's offer list, so nothing is issued. An offer not issued yet may be missing from the list: issue the offer in MiniCRM, then retry.",
            "A kártya ajánlata nem szerepel a MiniCRM ajánlatlistájában, ezért nem állítunk ki semmit. A még ki nem adott ajánlat hiányozhat a listából: add ki az ajánlatot a MiniCRM-ben, majd próbáld újra.",
        ),
        DocumentKind::Order => (
            "Comanda acestui card nu apare în lista de comenzi din MiniCRM, deci nu emitem nimic. Comenzile în ciornă nu sunt listate: finalizează comanda în MiniCRM, apoi reîncearcă.",
            "This card's order is not in MiniCRM's order list, so nothing is issued. Draft orders are not listed: finalise the order in MiniCRM, then retry.",
            "A kártya megrendelése nem szerepel a MiniCRM megrendeléslistájában, ezért nem állítunk ki semmit. A piszkozat megrendelések nem szerepelnek a listában: véglegesítsd a megrendelést a MiniCRM-ben, majd próbáld újra.",
        ),
    };
    lang.pick(ro, en, hu)
}

/// The card has several documents of the module: none is invoiced.
fn several_documents(document: DocumentKind, ids: &[u64], lang: Lang) -> String {
    let list = ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ");
    let (ro, en, hu) = match document {
        DocumentKind::Offer => ("oferte", "offers", "ajánlat"),
        DocumentKind::Order => ("comenzi", "orders", "megrendelés"),
    };
    lang.pick(
        format!("Acest card are mai multe {ro} în MiniCRM (id-uri {list}): nu știm pe care să o facturăm, deci nu emitem nimic. Lasă un singur document pe card sau emite factura din SmartBill."),
        format!("This card has several {en} in MiniCRM (ids {list}): we cannot tell which one to invoice, so nothing is issued. Keep one document on the card or issue the invoice in SmartBill."),
        format!("Ehhez a kártyához több {hu} tartozik a MiniCRM-ben (azonosítók: {list}): nem tudjuk, melyiket kell számlázni, ezért nem állítunk ki semmit. Hagyj egyetlen bizonylatot a kártyán, vagy állítsd ki a számlát a SmartBillben."),
    )
}

/// Another browser's live claim is on the card: it is issuing the document now.
fn claimed_by_other(label: &str, at_ms: i64, auto: bool, lang: Lang) -> String {
    let time = platform::local_ro(at_ms).format("%H:%M:%S").to_string();
    let (ro, en, hu) = if auto {
        (
            " (emitere automată)",
            " (automatic emission)",
            " (automatikus kiállítás)",
        )
    } else {
        ("", "", "")
    };
    lang.pick(
        format!("Browserul „{label}”{ro} emite chiar acum documentul acestui card (din {time}). Nu emitem încă o dată: în câteva secunde numărul apare aici."),
        format!("The browser \"{label}\"{en} is issuing this card's document right now (since {time}). It is not issued twice: the number shows here in a few seconds."),
        format!("A(z) „{label}” böngésző{hu} éppen most állítja ki a kártya bizonylatát ({time} óta). Nem állítjuk ki kétszer: a szám néhány másodperc múlva itt megjelenik."),
    )
}
