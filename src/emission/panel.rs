//! What the card panel shows, and the card → document lookup behind it.

use serde::Serialize;
use serde_json::{json, Value};

use super::journal::{self, Entry, Status};
use super::Emission;
use crate::card::CardRef;
use crate::error::{EmissionProblem, Error, Result};
use crate::fields::PaymentState;
use crate::minicrm::{DocumentKind, ListFilter, MiniCrm};
use crate::platform::Store;
use crate::settings::DocumentType;

/// The document behind a card, as MiniCRM lists it now (`List?ProjectId=`, one call; the id in
/// the card URL is the card's, not the document's: minicrm-api.md §5). The mapping is cached.
pub async fn lookup(
    mc: &MiniCrm<'_>,
    store: &dyn Store,
    kind: DocumentKind,
    project_id: u64,
) -> Result<crate::minicrm::DocumentSummary> {
    let filter = ListFilter {
        project_id: Some(project_id),
        ..Default::default()
    };
    let summary = mc
        .list_documents(kind, &filter)
        .await?
        .results
        .into_iter()
        .find(|d| d.project_id.is_none_or(|p| p == project_id))
        .ok_or(Error::from(EmissionProblem::DocumentNotFound))?;
    journal::cache_document(store, project_id, kind, summary.id).await;
    Ok(summary)
}

/// The document id behind a card: the cached mapping, else [`lookup`].
pub async fn find_document(
    mc: &MiniCrm<'_>,
    store: &dyn Store,
    kind: DocumentKind,
    project_id: u64,
) -> Result<u64> {
    if let Some((k, id)) = journal::cached_document(store, project_id).await {
        if k == kind {
            return Ok(id);
        }
    }
    Ok(lookup(mc, store, kind, project_id).await?.id)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentView {
    pub state: PaymentState,
    pub paid: String,
    pub total: String,
    pub currency: String,
}

/// The panel's state, in its words: notIssued · issuing · issued · error · needsConfirmation ·
/// cancelled · reversed.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PanelView {
    pub state: &'static str,
    pub doc_type: DocumentType,
    pub document_id: u64,
    pub number: Option<String>,
    pub link: Option<String>,
    pub pdf: bool,
    pub draft: bool,
    pub payment: Option<PaymentView>,
    pub error: Option<journal::StoredError>,
    pub candidates: Vec<String>,
    pub storno: Option<String>,
    pub duplicates: Vec<String>,
    pub can_cancel: bool,
    pub can_reverse: bool,
    pub can_reissue: bool,
    pub card_pending: bool,
    pub stock_managed: bool,
}

pub fn view(entry: &Entry, configured: DocumentType, stock_managed: bool) -> PanelView {
    let issued = entry.issued.as_ref();
    let state = match entry.status {
        Status::NotIssued => {
            if entry.error.is_some() {
                "error"
            } else {
                "notIssued"
            }
        }
        Status::Issuing => "issuing",
        Status::Issued => "issued",
        Status::Failed => "error",
        Status::NeedsConfirmation => "needsConfirmation",
        Status::Cancelled => "cancelled",
        Status::Reversed => "reversed",
    };
    let live = matches!(entry.status, Status::Issued)
        && issued.is_some_and(|i| !i.external && !i.draft && !i.number.is_empty());
    PanelView {
        state,
        doc_type: issued.map(|i| i.doc_type).unwrap_or(configured),
        document_id: entry.doc_id,
        number: issued.map(|i| i.label()),
        link: issued.map(|i| i.document_url.clone()).filter(|l| !l.is_empty()),
        pdf: issued.is_some_and(|i| !i.external && !i.draft && !i.number.is_empty()),
        draft: issued.is_some_and(|i| i.draft),
        payment: entry.payment.as_ref().map(|p| PaymentView {
            state: p.state,
            paid: p.paid.normalize().to_string(),
            total: p.total.normalize().to_string(),
            currency: issued.map(|i| i.currency.clone()).unwrap_or_default(),
        }),
        error: entry
            .error
            .clone()
            .filter(|_| !matches!(entry.status, Status::Issued)),
        candidates: entry.candidates.clone(),
        storno: entry.storno.as_ref().map(|s| s.label()),
        duplicates: entry.duplicates.clone(),
        can_cancel: live,
        can_reverse: live && issued.is_some_and(|i| i.doc_type == DocumentType::Invoice),
        can_reissue: matches!(entry.status, Status::Cancelled | Status::Reversed),
        card_pending: matches!(
            entry.status,
            Status::Issued | Status::Cancelled | Status::Reversed
        ) && !entry.written_back,
        stock_managed,
    }
}

impl Emission<'_> {
    /// The journal entry for a card, creating none: what the panel shows before any click.
    pub async fn entry_for_card(&self, card: &CardRef) -> Result<Entry> {
        let kind = self.settings.minicrm.module.document_kind();
        let mc = self.minicrm()?;
        let doc_id = find_document(&mc, self.app.store, kind, card.project_id).await?;
        let mut entry = journal::load(self.app.store, kind, doc_id)
            .await?
            .unwrap_or_else(|| Entry::new(kind, doc_id, card.project_id));
        if self.app.runtime.locks.is_locked(&entry.key()) {
            entry.status = Status::Issuing;
        }
        Ok(entry)
    }

    pub fn panel(&self, entry: &Entry) -> Value {
        let v = view(entry, self.settings.document.kind, self.settings.stock.enabled);
        json!({"show": true, "configured": true, "panel": v})
    }
}

impl Emission<'_> {
    /// "Descarcă PDF": the background fetches it with the credentials the page never sees.
    pub async fn pdf(&self, entry: &Entry) -> Result<Value> {
        use base64::Engine;
        let issued = entry
            .issued
            .as_ref()
            .filter(|i| !i.external && !i.draft && !i.number.is_empty())
            .ok_or(Error::from(EmissionProblem::NothingToCancel))?;
        let sb = self.smartbill()?;
        let bytes = sb
            .pdf(
                issued.doc_type == DocumentType::Proforma,
                &issued.series,
                &issued.number,
            )
            .await?;
        Ok(json!({
            "pdf": base64::engine::general_purpose::STANDARD.encode(bytes),
            "fileName": format!("factura{}{}.pdf", issued.series, issued.number),
        }))
    }
}
