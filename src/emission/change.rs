//! Cancel (`PUT /invoice/cancel`, `/estimate/cancel`) and storno (`POST /invoice/reverse`) of a
//! document this browser issued (smartbill-api.md §2.5, §2.6). A document issued by other means
//! or by another browser of the team is never offered for either.

use super::journal::{Entry, Issued, Status};
use super::Emission;
use crate::document::DocumentKind;
use crate::error::{EmissionProblem, Error, Result};
use crate::platform::today_ro;
use crate::settings::DocumentType;

impl Emission<'_> {
    /// "Anulează": the card shows it.
    pub async fn cancel(&self, kind: DocumentKind, doc_id: u64, asked: Option<&str>) -> Result<Entry> {
        self.change(kind, doc_id, false, asked).await
    }

    /// "Stornează": the card shows the storno.
    pub async fn reverse(&self, kind: DocumentKind, doc_id: u64, asked: Option<&str>) -> Result<Entry> {
        self.change(kind, doc_id, true, asked).await
    }

    /// `asked`: the number the person confirmed (`FCT 0124`, as the panel showed it); nothing is
    /// done when the card's document is another one now.
    pub(crate) async fn change(
        &self,
        kind: DocumentKind,
        doc_id: u64,
        reverse: bool,
        asked: Option<&str>,
    ) -> Result<Entry> {
        let (_guard, entry) = self.locked(kind, doc_id).await?;
        let mut entry = entry.ok_or(Error::from(EmissionProblem::NothingToCancel))?;
        // Asked twice (a double click, two tabs: the second waited for the first's lock): what
        // was asked is done, and that is the answer, not "nothing to cancel".
        let done = if reverse {
            Status::Reversed
        } else {
            Status::Cancelled
        };
        let asked_for = |i: &Issued| asked.is_none_or(|asked| asked == i.label());
        if entry.status == done && entry.issued.as_ref().is_some_and(asked_for) {
            return Ok(entry);
        }
        let issued = match (&entry.status, &entry.issued) {
            (Status::Issued, Some(i)) if i.ours() => i.clone(),
            _ => return Err(Error::from(EmissionProblem::NothingToCancel)),
        };
        if let Some(asked) = asked.filter(|asked| *asked != issued.label()) {
            return Err(Error::from(EmissionProblem::DocumentChanged {
                asked: asked.to_string(),
                now: issued.label(),
            }));
        }
        let sb = self.smartbill()?;
        if reverse {
            if issued.doc_type != DocumentType::Invoice {
                return Err(Error::from(EmissionProblem::NothingToCancel));
            }
            let storno = sb
                .reverse_invoice(&issued.series, &issued.number, Some(today_ro(self.app.clock)))
                .await?;
            entry.storno = Some(Issued {
                doc_type: DocumentType::Invoice,
                series: storno.series,
                number: storno.number,
                document_url: storno.document_url,
                document_view_url: storno.document_view_url,
                document_id: storno.document_id,
                total: -issued.total,
                currency: issued.currency.clone(),
                issue_date: today_ro(self.app.clock),
                draft: false,
                reconciled: false,
                external: false,
                by_other: None,
            });
            entry.status = Status::Reversed;
            let label = entry.storno.as_ref().map(|s| s.label()).unwrap_or_default();
            entry.log(self.now(), format!("reversed by {label}"));
        } else {
            let proforma = issued.doc_type == DocumentType::Proforma;
            sb.cancel_document(proforma, &issued.series, &issued.number)
                .await?;
            entry.status = Status::Cancelled;
            entry.log(self.now(), format!("cancelled {}", issued.label()));
        }
        entry.written_back = false;
        self.save(&mut entry).await?;
        // The card: payment status "Anulată"/"Stornată", the storno named in the error field.
        self.write_back(&mut entry).await?;
        Ok(entry)
    }
}
