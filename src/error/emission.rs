//! Why an emission stopped before (or instead of) creating a document, in words a person can act
//! on.

use super::invoice::MappingProblem;
use crate::document::DocumentKind;
use crate::i18n::{Lang, Text};
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
    /// The person confirmed a cancel or storno of the number the panel showed, and the card's
    /// document is another one now (a colleague cancelled and issued again meanwhile).
    #[error("confirmed for {asked:?}, the card's document is now {now:?}")]
    DocumentChanged { asked: String, now: String },
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
            EmissionProblem::DocumentChanged { .. } => "emission.documentChanged",
        }
    }
}

impl EmissionProblem {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            EmissionProblem::Mapping { problem } => problem.message(lang),
            EmissionProblem::SeriesMissing { series, available } => lang.fill(
                Text::EmissionSeriesMissing,
                &[("series", &series), ("available", &available.join(", "))],
            ),
            EmissionProblem::InsufficientStock {
                product,
                code,
                warehouse,
                available,
                needed,
                unit,
                ..
            } => {
                let avail = available.clone().unwrap_or_else(|| "?".into());
                lang.fill(
                    Text::EmissionNoStock,
                    &[
                        ("product", &product),
                        ("code", &code),
                        ("warehouse", &warehouse),
                        ("avail", &avail),
                        ("unit", &unit),
                        ("needed", &needed),
                    ],
                )
            }
            EmissionProblem::DocumentNotFound => lang.text(Text::EmissionDocumentNotFound).to_string(),
            EmissionProblem::DocumentNotListed { document } => not_listed(*document, lang),
            EmissionProblem::SeveralDocuments { document, ids } => several_documents(*document, ids, lang),
            EmissionProblem::Indexing { page, pages } => {
                lang.fill(Text::EmissionIndexing, &[("page", &page), ("pages", &pages)])
            }
            EmissionProblem::WrongCard { doc_id, card } => {
                lang.fill(Text::EmissionWrongCard, &[("doc_id", &doc_id), ("card", &card)])
            }
            EmissionProblem::NoClaimField => lang.text(Text::EmissionNoClaimField).to_string(),
            EmissionProblem::ClaimedByOther { label, at_ms, auto } => {
                claimed_by_other(label, *at_ms, *auto, lang)
            }
            EmissionProblem::ClaimSlow { ms, bound_ms } => lang.fill(
                Text::EmissionClaimSlow,
                &[("seconds", &seconds(*ms)), ("limit", &seconds(*bound_ms))],
            ),
            EmissionProblem::ClaimLost => lang.text(Text::EmissionClaimLost).to_string(),
            EmissionProblem::ClaimExpired => lang.text(Text::EmissionClaimExpired).to_string(),
            EmissionProblem::Busy => lang.text(Text::EmissionBusy).to_string(),
            EmissionProblem::PageChanged => lang.text(Text::EmissionPageChanged).to_string(),
            EmissionProblem::AlreadyIssued { number } => {
                lang.fill(Text::EmissionAlreadyIssued, &[("number", &number)])
            }
            EmissionProblem::NothingToCancel => lang.text(Text::EmissionNothingToCancel).to_string(),
            EmissionProblem::DocumentChanged { asked, now } => {
                lang.fill(Text::EmissionDocumentChanged, &[("asked", &asked), ("now", &now)])
            }
        }
    }
}

/// The card's document is not in the module's list (with why that may be, per module).
fn not_listed(document: DocumentKind, lang: Lang) -> String {
    lang.text(match document {
        DocumentKind::Offer => Text::EmissionOfferNotListed,
        DocumentKind::Order => Text::EmissionOrderNotListed,
    })
    .to_string()
}

/// The card has several documents of the module: none is invoiced.
fn several_documents(document: DocumentKind, ids: &[u64], lang: Lang) -> String {
    let list = ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ");
    let documents = lang.text(match document {
        DocumentKind::Offer => Text::EmissionOffers,
        DocumentKind::Order => Text::EmissionOrders,
    });
    lang.fill(
        Text::EmissionSeveralDocuments,
        &[("documents", &documents), ("list", &list)],
    )
}

/// Another browser's live claim is on the card: it is issuing the document now.
fn claimed_by_other(label: &str, at_ms: i64, auto: bool, lang: Lang) -> String {
    let time = platform::when::hms(platform::local_ro(at_ms));
    let auto = if auto {
        lang.text(Text::EmissionAutomatic)
    } else {
        ""
    };
    lang.fill(
        Text::EmissionClaimedByOther,
        &[("label", &label), ("auto", &auto), ("time", &time)],
    )
}

/// Milliseconds as seconds with one decimal (`1.5`), a half tenth rounded up. In integers: a
/// float written with a precision links the standard library's exact float formatting (about
/// 7 KB of the service worker's module) for this one text.
fn seconds(ms: i64) -> String {
    let tenths = ms.unsigned_abs().saturating_add(50) / 100;
    let sign = if ms < 0 && tenths > 0 { "-" } else { "" };
    format!("{sign}{}.{}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::seconds;

    #[test]
    fn seconds_have_one_decimal() {
        let cases = [
            (0, "0.0"),
            (49, "0.0"),
            (50, "0.1"),
            (1_500, "1.5"),
            (1_549, "1.5"),
            (1_550, "1.6"),
            (20_000, "20.0"),
            (-1_500, "-1.5"),
            (-40, "0.0"),
        ];
        for (ms, text) in cases {
            assert_eq!(seconds(ms), text, "{ms} ms");
        }
        // What the float formatting it replaces wrote, away from its ties.
        for ms in [0, 1, 99, 101, 999, 1_001, 12_345, 59_999, 86_400_000] {
            assert_eq!(seconds(ms), format!("{:.1}", ms as f64 / 1000.0), "{ms} ms");
        }
        assert_eq!(seconds(i64::MIN), "-9223372036854775.8");
        assert_eq!(seconds(i64::MAX), "9223372036854775.8");
    }
}
