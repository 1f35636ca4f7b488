//! Which offer or order belongs to which card, found only through documented calls.
//!
//! The id in a card's URL is the card's, not the document's (minicrm-api.md §5), and
//! `GET /Api/{Offer|Order}/List` documents only `Page`, `UpdatedSince` and `StatusGroup` (§2.9): there
//! is no documented card filter. A tenant may honour, ignore or refuse an undocumented one, and
//! one that is silently ignored would hand us another card's document. So we keep our own index,
//! card id → documents, built from the list's pages: every list item carries `ProjectId` next to
//! the document's `Id` (§0). One full scan (resumable, page by page), then incremental passes with
//! `UpdatedSince` from the previous pass's start (minus an overlap). A document belongs to a card
//! only when its `ProjectId` is present and equal; we never trust a server's filtering.
//!
//! Why no item is missed: the list is ordered by modification, newest first (§1.5). Paging while
//! documents change can shift an item past a page boundary, but only an item modified after the
//! pass started can move that way, and the next pass (from that start) reads it again.

use crate::platform::SortedMap;

use minicrm_smartbill_macros::LeanDeserialize;
use serde::Serialize;

use crate::document::DocumentKind;
use crate::error::{EmissionProblem, Error, Result};
use crate::minicrm::{DocumentSummary, ListFilter, MiniCrm};
use crate::platform::{self, Clock, Store};

/// A pass looks this far behind the previous one's start.
pub const OVERLAP_MS: i64 = 2 * 60 * 1000;
/// MiniCRM's page size (§1.5).
const PAGE: usize = 100;

/// A document as the list showed it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Listed {
    pub doc_id: u64,
    /// The card's status label as the list shows it (`Status`).
    pub status: String,
    pub status_group: String,
}

/// A pass over the list's pages: a full scan (`since` none) or an incremental one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Pass {
    pub since_ms: Option<i64>,
    pub next_page: u32,
    pub started_ms: i64,
    /// `Count` of the first page: how many pages to expect (for progress).
    pub count: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DocIndex {
    /// The MiniCRM account the index belongs to (address and System ID).
    pub account: String,
    /// Card id → the documents listed with that `ProjectId`.
    pub cards: SortedMap<u64, Vec<Listed>>,
    /// When the last complete pass started (our clock); none until a full scan has completed.
    pub synced_ms: Option<i64>,
    /// The pass in progress, resumable.
    pub pass: Option<Pass>,
}

/// What the index says about a card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    Found(Listed),
    /// The index is complete and current, and no listed document names this card.
    NotListed,
    /// Several documents name this card: we do not guess.
    Several(Vec<u64>),
    /// Still building: `page` of about `pages` read so far.
    Building {
        page: u32,
        pages: u32,
    },
}

fn key(kind: DocumentKind) -> String {
    format!("docindex.{}", kind.path())
}

impl DocIndex {
    pub async fn load(store: &dyn Store, kind: DocumentKind, account: &str) -> DocIndex {
        let stored: Option<DocIndex> = platform::load(store, &key(kind)).await.ok().flatten();
        match stored {
            Some(i) if i.account == account => i,
            _ => DocIndex {
                account: account.to_string(),
                ..Default::default()
            },
        }
    }

    pub async fn save(&self, store: &dyn Store, kind: DocumentKind) -> Result<()> {
        platform::save(store, &key(kind), self)
            .await
            .map_err(|detail| Error::Storage { detail })
    }

    /// Adds what a list page showed. Items without a `ProjectId` cannot be attributed and are left
    /// out; a document seen under another card before is moved.
    ///
    /// One pass over the index finds where the page's documents are now; then each item moves
    /// its document, in the page's order. (A pass over the whole index per item made a full scan
    /// of N documents take N² steps: 6.5 s of native time for 50,000.)
    pub fn merge(&mut self, items: &[DocumentSummary]) {
        let attributed = || {
            items
                .iter()
                .filter_map(|d| Some((d, d.project_id.filter(|p| *p > 0)?)))
        };
        if attributed().next().is_none() {
            return;
        }
        // The page's documents → the cards that list them now.
        let mut owners: SortedMap<u64, Vec<u64>> = SortedMap::new();
        for (d, _) in attributed() {
            owners.insert(d.id, Vec::new());
        }
        for (card, docs) in self.cards.iter() {
            for l in docs {
                if let Some(owned) = owners.get_mut(&l.doc_id) {
                    owned.push(*card);
                }
            }
        }
        // Cards new to the index are gathered apart and added in one pass at the end: an insert
        // into the index moves every card after it, and a page of new cards comes newest first.
        let mut fresh: SortedMap<u64, Vec<Listed>> = SortedMap::new();
        for (d, project) in attributed() {
            // Every document of the page has its entry.
            if let Some(owned) = owners.get_mut(&d.id) {
                for card in owned.iter().filter(|c| **c != project) {
                    if let Some(docs) = self.cards.get_mut(card).or_else(|| fresh.get_mut(card)) {
                        docs.retain(|l| l.doc_id != d.id);
                    }
                }
                owned.clear();
                owned.push(project);
            }
            let listed = Listed {
                doc_id: d.id,
                status: d.status.clone(),
                status_group: d.status_group.clone(),
            };
            let docs = match self.cards.get_mut(&project) {
                Some(docs) => docs,
                None => fresh.get_or_insert_with(project, Vec::new),
            };
            match docs.iter_mut().find(|l| l.doc_id == d.id) {
                Some(l) => *l = listed,
                None => docs.push(listed),
            }
        }
        self.cards.absorb(fresh);
        self.cards.retain(|_, docs| !docs.is_empty());
    }

    /// The merge as it was first written, for the tests and `examples/index_merge.rs` only: each
    /// item moves its document with a pass over the whole index. [`DocIndex::merge`] must give
    /// exactly what this gives.
    #[doc(hidden)]
    pub fn merge_item_by_item(&mut self, items: &[DocumentSummary]) {
        for d in items {
            let Some(project) = d.project_id.filter(|p| *p > 0) else {
                continue;
            };
            for (card, docs) in self.cards.iter_mut() {
                if *card != project {
                    docs.retain(|l| l.doc_id != d.id);
                }
            }
            self.cards.retain(|_, docs| !docs.is_empty());
            let listed = Listed {
                doc_id: d.id,
                status: d.status.clone(),
                status_group: d.status_group.clone(),
            };
            let docs = self.cards.get_or_insert_with(project, Vec::new);
            match docs.iter_mut().find(|l| l.doc_id == d.id) {
                Some(l) => *l = listed,
                None => docs.push(listed),
            }
        }
    }

    pub fn lookup(&self, project_id: u64) -> Option<Lookup> {
        match self.cards.get(&project_id).map(Vec::as_slice) {
            Some([one]) => Some(Lookup::Found(one.clone())),
            Some(several) if several.len() > 1 => {
                Some(Lookup::Several(several.iter().map(|l| l.doc_id).collect()))
            }
            _ => None,
        }
    }

    fn progress(&self) -> Lookup {
        let pass = self.pass.clone().unwrap_or_default();
        let pages = pass.count.div_ceil(PAGE as u64).max(1) as u32;
        Lookup::Building {
            page: pass.next_page,
            pages: pages.max(pass.next_page),
        }
    }
}

/// Reads list pages for at most `max_pages` calls: continues the pass in progress, or starts a
/// full scan (never synced) or an incremental pass (synced before `fresh_ms`). Returns the items
/// read. The index is saved after every page, so a stopped worker resumes where it was.
pub async fn advance(
    mc: &MiniCrm<'_>,
    store: &dyn Store,
    clock: &dyn Clock,
    kind: DocumentKind,
    index: &mut DocIndex,
    max_pages: u32,
) -> Result<Vec<DocumentSummary>> {
    let now = clock.now_ms();
    let mut pass = index.pass.clone().unwrap_or(Pass {
        since_ms: index.synced_ms.map(|s| s - OVERLAP_MS),
        next_page: 0,
        started_ms: now,
        count: 0,
    });
    let mut seen = Vec::new();
    for _ in 0..max_pages.max(1) {
        let filter = ListFilter {
            page: pass.next_page,
            updated_since: pass.since_ms.map(crate::emission::poll::minicrm_time),
            status_group: None,
        };
        let list = mc.list_documents(kind, &filter).await?;
        if pass.next_page == 0 {
            pass.count = list.count;
        }
        let n = list.results.len();
        index.merge(&list.results);
        seen.extend(list.results);
        pass.next_page += 1;
        // The last page is short; `Count` also says when we are through (an empty page past the
        // end would cost one more call).
        let done = n < PAGE || u64::from(pass.next_page) * PAGE as u64 >= pass.count;
        if done {
            index.synced_ms = Some(pass.started_ms);
            index.pass = None;
            index.save(store, kind).await?;
            return Ok(seen);
        }
        index.pass = Some(pass.clone());
        index.save(store, kind).await?;
    }
    Ok(seen)
}

/// The document behind a card. Uses the index; when the card is not in it, reads the pages that
/// changed since the last pass (or continues the first full scan) for at most `max_pages` calls.
pub async fn find(
    mc: &MiniCrm<'_>,
    store: &dyn Store,
    clock: &dyn Clock,
    kind: DocumentKind,
    account: &str,
    project_id: u64,
    max_pages: u32,
) -> Result<Lookup> {
    let mut index = DocIndex::load(store, kind, account).await;
    if let Some(found) = index.lookup(project_id) {
        return Ok(found);
    }
    // Not known: whatever pass is due (the card or its document may be new).
    advance(mc, store, clock, kind, &mut index, max_pages).await?;
    if let Some(found) = index.lookup(project_id) {
        return Ok(found);
    }
    if index.pass.is_some() || index.synced_ms.is_none() {
        return Ok(index.progress());
    }
    Ok(Lookup::NotListed)
}

/// The one document of a card, or an error a person can act on.
pub fn one(lookup: Lookup, kind: DocumentKind) -> Result<Listed> {
    match lookup {
        Lookup::Found(l) => Ok(l),
        Lookup::NotListed => Err(Error::from(EmissionProblem::DocumentNotListed { document: kind })),
        Lookup::Several(ids) => Err(Error::from(EmissionProblem::SeveralDocuments {
            document: kind,
            ids,
        })),
        Lookup::Building { page, pages } => Err(Error::from(EmissionProblem::Indexing { page, pages })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: u64, project: Option<u64>, status: &str) -> DocumentSummary {
        DocumentSummary {
            id,
            project_id: project,
            status: status.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_document_belongs_to_a_card_only_when_its_project_id_is_present_and_equal() {
        let mut index = DocIndex::default();
        index.merge(&[item(931, Some(1001), "Trimisă"), item(932, None, "Trimisă")]);
        assert_eq!(
            index.lookup(1001),
            Some(Lookup::Found(Listed {
                doc_id: 931,
                status: "Trimisă".into(),
                status_group: String::new()
            }))
        );
        // A document listed without ProjectId is never anyone's.
        assert_eq!(index.lookup(1002), None);
        assert!(index.cards.values().flatten().all(|l| l.doc_id != 932));
    }

    #[test]
    fn merging_a_page_at_once_gives_what_merging_item_by_item_gives() {
        // A small deterministic generator: few documents and cards, so that pages repeat
        // documents, move them back and forth, and leave them without a ProjectId or with 0.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut pages = 0;
        for round in 0..300 {
            let (mut fast, mut slow) = (DocIndex::default(), DocIndex::default());
            if round % 3 == 0 {
                // A stored index may hold a card with no documents, and a document under two cards.
                for index in [&mut fast, &mut slow] {
                    index.cards.insert(7, Vec::new());
                    index.cards.insert(
                        3,
                        vec![Listed {
                            doc_id: 5,
                            ..Listed::default()
                        }],
                    );
                    index.cards.insert(
                        4,
                        vec![Listed {
                            doc_id: 5,
                            ..Listed::default()
                        }],
                    );
                }
            }
            for _ in 0..1 + next(6) {
                let page: Vec<DocumentSummary> = (0..next(12))
                    .map(|_| {
                        let project = match next(8) {
                            0 => None,
                            1 => Some(0),
                            _ => Some(1 + next(6)),
                        };
                        let status = ["A", "B", "C"][next(3) as usize];
                        item(1 + next(10), project, status)
                    })
                    .collect();
                fast.merge(&page);
                slow.merge_item_by_item(&page);
                assert_eq!(fast, slow, "round {round}, page {page:?}");
                pages += 1;
            }
        }
        assert!(pages > 300);
    }

    #[test]
    fn several_documents_on_one_card_are_not_guessed_and_moves_are_followed() {
        let mut index = DocIndex::default();
        index.merge(&[item(1, Some(10), "A"), item(2, Some(10), "A")]);
        assert_eq!(index.lookup(10), Some(Lookup::Several(vec![1, 2])));
        index.merge(&[item(2, Some(11), "B")]);
        assert_eq!(
            index.lookup(10).map(|l| matches!(l, Lookup::Found(_))),
            Some(true)
        );
        assert_eq!(
            index.lookup(11),
            Some(Lookup::Found(Listed {
                doc_id: 2,
                status: "B".into(),
                status_group: String::new()
            }))
        );
    }
}
