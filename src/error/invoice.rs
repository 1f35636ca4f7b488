//! What stops a MiniCRM document from becoming a SmartBill request (see `invoice::build`).

use crate::i18n::{Lang, Text};

/// What stops a document from becoming a SmartBill request. Each names the line and what to fix.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum MappingProblem {
    #[error("the document has no items")]
    NoItems,
    #[error("the customer has no name")]
    MissingCustomerName,
    /// A line without a usable quantity or price.
    #[error("line {line} ({name:?}) has no usable quantity or price")]
    BadLine { line: usize, name: String },
    /// No SmartBill VAT rate has this percentage.
    #[error("line {line} ({name:?}): no SmartBill VAT rate of {percent}% (available: {available:?})")]
    UnknownVat {
        line: usize,
        name: String,
        percent: String,
        available: Vec<String>,
    },
    /// A discount (negative) line before any product.
    #[error("line {line} ({name:?}) is a discount before any product")]
    DiscountFirst { line: usize, name: String },
    /// A Bucharest client without "Sector 1".."Sector 6" (e-Factura rejects it).
    #[error("Bucharest address without a sector: {city:?}")]
    BucharestSector { city: String },
    /// The customer's country code is not one we know.
    #[error("unknown country code {code:?}")]
    UnknownCountry { code: String },
    /// The document currency is not one SmartBill accepts.
    #[error("currency {code:?} not accepted by SmartBill")]
    Currency { code: String },
    /// A quantity, price or total beyond what an invoice can hold (or our arithmetic can
    /// compute exactly): nothing is issued.
    #[error("line {line} ({name:?}) is beyond what an invoice can hold")]
    OutOfRange { line: usize, name: String },
    /// Our computed total differs from MiniCRM's: nothing is issued.
    #[error("computed total {computed} {currency} differs from MiniCRM's {minicrm} {currency}")]
    TotalMismatch {
        computed: String,
        minicrm: String,
        currency: String,
    },
}

impl MappingProblem {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            MappingProblem::NoItems => lang.text(Text::InvoiceNoItems).to_string(),
            MappingProblem::MissingCustomerName => lang.text(Text::InvoiceMissingCustomerName).to_string(),
            MappingProblem::BadLine { line, name } => {
                lang.fill(Text::InvoiceBadLine, &[("line", &line), ("name", &name)])
            }
            MappingProblem::UnknownVat {
                line,
                name,
                percent,
                available,
            } => lang.fill(
                Text::InvoiceUnknownVat,
                &[
                    ("line", &line),
                    ("name", &name),
                    ("percent", &percent),
                    ("available", &available.join(", ")),
                ],
            ),
            MappingProblem::DiscountFirst { line, name } => {
                lang.fill(Text::InvoiceDiscountFirst, &[("line", &line), ("name", &name)])
            }
            MappingProblem::BucharestSector { city } => {
                lang.fill(Text::InvoiceBucharestSector, &[("city", &city)])
            }
            MappingProblem::UnknownCountry { code } => {
                lang.fill(Text::InvoiceUnknownCountry, &[("code", &code)])
            }
            MappingProblem::Currency { code } => lang.fill(Text::InvoiceCurrency, &[("code", &code)]),
            MappingProblem::OutOfRange { line, name } => {
                lang.fill(Text::InvoiceOutOfRange, &[("line", &line), ("name", &name)])
            }
            MappingProblem::TotalMismatch {
                computed,
                minicrm,
                currency,
            } => lang.fill(
                Text::InvoiceTotalMismatch,
                &[
                    ("computed", &computed),
                    ("currency", &currency),
                    ("minicrm", &minicrm),
                ],
            ),
        }
    }
}
