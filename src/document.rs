//! Which MiniCRM document a card leads to: an offer or an order. A leaf of its own, so that the
//! errors (an emission that finds no document behind a card, or several) can name it too.

use serde::{Deserialize, Serialize};

#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DocumentKind {
    // The blank a struct's reading starts from (`LeanDeserialize`).
    #[default]
    Offer,
    Order,
}

impl DocumentKind {
    pub fn path(self) -> &'static str {
        match self {
            DocumentKind::Offer => "Offer",
            DocumentKind::Order => "Order",
        }
    }
}
