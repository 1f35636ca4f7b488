//! What stops a MiniCRM document from becoming a SmartBill request (see `invoice::build`).

use crate::i18n::Lang;

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
            MappingProblem::NoItems => lang.pick(
                "Documentul nu are produse: adaugă cel puțin un produs în MiniCRM.",
                "The document has no items: add at least one item in MiniCRM.",
                "A bizonylaton nincs tétel: adj hozzá legalább egy tételt a MiniCRM-ben.",
            ),
            MappingProblem::MissingCustomerName => lang.pick(
                "Clientul documentului nu are nume în MiniCRM.",
                "The document's customer has no name in MiniCRM.",
                "A bizonylat ügyfelének nincs neve a MiniCRM-ben.",
            ),
            MappingProblem::BadLine { line, name } => lang.pick(
                format!("Linia {line} („{name}”) nu are cantitate sau preț valid."),
                format!("Line {line} (\"{name}\") has no valid quantity or price."),
                format!("A(z) {line}. sor („{name}”) mennyisége vagy ára érvénytelen."),
            ),
            MappingProblem::UnknownVat { line, name, percent, available } => lang.pick(
                format!("Linia {line} („{name}”) are TVA {percent}%, dar SmartBill nu are această cotă (cote disponibile: {}). Corectează cota în MiniCRM sau adaug-o în SmartBill.", available.join(", ")),
                format!("Line {line} (\"{name}\") has {percent}% VAT, but SmartBill has no such rate (available: {}). Fix the rate in MiniCRM or add it in SmartBill.", available.join(", ")),
                format!("A(z) {line}. sor („{name}”) ÁFA-kulcsa {percent}%, de a SmartBillben nincs ilyen kulcs (elérhető: {}). Javítsd a MiniCRM-ben vagy add hozzá a SmartBillben.", available.join(", ")),
            ),
            MappingProblem::DiscountFirst { line, name } => lang.pick(
                format!("Linia {line} („{name}”) este o reducere (valoare negativă) înaintea oricărui produs; mut-o după produsele la care se aplică."),
                format!("Line {line} (\"{name}\") is a discount (negative value) before any product; move it after the products it applies to."),
                format!("A(z) {line}. sor („{name}”) kedvezmény (negatív érték) minden termék előtt; tedd azok után a termékek után, amelyekre vonatkozik."),
            ),
            MappingProblem::BucharestSector { city } => lang.pick(
                format!("Clientul este din București, dar localitatea „{city}” nu indică sectorul. Pentru e-Factura, scrie în adresa din MiniCRM „Sector 1”…„Sector 6”."),
                format!("The customer is in Bucharest, but the city \"{city}\" does not name the sector. e-Factura needs \"Sector 1\"…\"Sector 6\" in the MiniCRM address."),
                format!("Az ügyfél bukaresti, de a(z) „{city}” település nem jelöli a kerületet. Az e-Factura „Sector 1”…„Sector 6” értéket vár a MiniCRM címben."),
            ),
            MappingProblem::UnknownCountry { code } => lang.pick(
                format!("Țara clientului (cod MiniCRM {code}) nu este cunoscută; completează țara în adresa clientului."),
                format!("The customer's country (MiniCRM code {code}) is unknown; fill in the country in the customer's address."),
                format!("Az ügyfél országa (MiniCRM kód: {code}) ismeretlen; add meg az országot az ügyfél címében."),
            ),
            MappingProblem::Currency { code } => lang.pick(
                format!("Moneda „{code}” nu este acceptată de SmartBill."),
                format!("The currency \"{code}\" is not accepted by SmartBill."),
                format!("A(z) „{code}” pénznemet a SmartBill nem fogadja el."),
            ),
            MappingProblem::OutOfRange { line, name } => lang.pick(
                format!("Linia {line} („{name}”) are o cantitate sau un preț peste ce poate avea o factură (cel mult 1.000.000.000 bucăți și 1.000.000.000.000 pe unitate). Nu am emis nimic; corectează documentul în MiniCRM."),
                format!("Line {line} (\"{name}\") has a quantity or price beyond what an invoice can hold (at most 1,000,000,000 units and 1,000,000,000,000 per unit). Nothing was issued; correct the document in MiniCRM."),
                format!("A(z) {line}. sor („{name}”) mennyisége vagy ára meghaladja, amit egy számla tartalmazhat (legfeljebb 1 000 000 000 egység és egységenként 1 000 000 000 000). Semmi sem lett kiállítva; javítsd a bizonylatot a MiniCRM-ben."),
            ),
            MappingProblem::TotalMismatch { computed, minicrm, currency } => lang.pick(
                format!("Totalul calculat pentru SmartBill ({computed} {currency}) diferă de totalul din MiniCRM ({minicrm} {currency}). Nu am emis nimic; verifică prețurile și cotele TVA ale documentului."),
                format!("The total computed for SmartBill ({computed} {currency}) differs from MiniCRM's ({minicrm} {currency}). Nothing was issued; check the document's prices and VAT rates."),
                format!("A SmartBillnek számolt végösszeg ({computed} {currency}) eltér a MiniCRM-ben lévőtől ({minicrm} {currency}). Semmi sem lett kiállítva; ellenőrizd az árakat és az ÁFA-kulcsokat."),
            ),
        }
    }
}
