//! MiniCRM offer/order → SmartBill invoice or proforma request. Pure: data in, data out.
//!
//! Money is `Decimal`. **Rounding rule** (stated because the totals must equal MiniCRM's
//! `Amount`): every product line's net value (quantity × net price) and its VAT are rounded to
//! 2 decimals, half away from zero, and then summed; a value discount line is a negative net
//! value whose VAT is rounded the same way. SmartBill applies its VAT maths per line
//! (smartbill-api.md §2.1, "VAT maths") with `precision` 2; MiniCRM's own rounding is not
//! documented and is assumed to be per line as well [INF]. Before anything is sent, the total we
//! expect SmartBill to compute is checked against MiniCRM's `Amount`; any difference stops the
//! emission with a message instead of issuing an invoice with wrong money.

use crate::platform::SortedMap;

use chrono::{NaiveDate, TimeDelta};
use rust_decimal::Decimal;

use crate::cif::{cnp_valid, parse_cif};
use crate::document::DocumentKind;
use crate::error::invoice::MappingProblem;
use crate::minicrm::{Document, Item};
use crate::money::{add, mul, parse_decimal, round2};
use crate::settings::{DocumentType, Settings};
use crate::smartbill::{Client, DocumentRequest, Line, Tax};
use crate::text::fold;

/// The SmartBill currencies (smartbill-api.md §2.1, new spec enum).
const CURRENCIES: [&str; 31] = [
    "RON", "EUR", "USD", "GBP", "CAD", "AUD", "CHF", "TRY", "CZK", "DKK", "HUF", "MDL", "SEK", "NOK", "JPY",
    "EGP", "PLN", "RUB", "AED", "BRL", "CNY", "HRK", "INR", "KRW", "MXN", "NZD", "RSD", "THB", "UAH", "XDR",
    "ZAR",
];

/// MiniCRM documents give the country as a numeric string, apparently the phone country code
/// ("40" Romania, "36" Hungary; minicrm-api.md §2.11) [INF]. SmartBill wants a name.
fn country_name(code: &str) -> Option<&'static str> {
    Some(match code.trim() {
        "" | "40" => "Romania",
        "36" => "Hungary",
        "49" => "Germany",
        "43" => "Austria",
        "33" => "France",
        "39" => "Italy",
        "34" => "Spain",
        "44" => "United Kingdom",
        "1" => "United States",
        "359" => "Bulgaria",
        "381" => "Serbia",
        "373" => "Moldova",
        "380" => "Ukraine",
        "421" => "Slovakia",
        "420" => "Czech Republic",
        "48" => "Poland",
        "31" => "Netherlands",
        "32" => "Belgium",
        "41" => "Switzerland",
        "30" => "Greece",
        "385" => "Croatia",
        "386" => "Slovenia",
        "90" => "Turkey",
        "353" => "Ireland",
        "45" => "Denmark",
        "46" => "Sweden",
        "358" => "Finland",
        "351" => "Portugal",
        "352" => "Luxembourg",
        _ => return None,
    })
}

/// Default unit table: MiniCRM's free-text units (folded) → SmartBill measuring units. The
/// user's table in the settings (`units`) takes precedence. Units must match SmartBill Cloud
/// exactly (smartbill-api.md §2.1); unknown units are sent as they are.
pub fn default_units() -> SortedMap<String, String> {
    let groups: [(&str, &[&str]); 12] = [
        (
            "buc",
            &[
                "buc",
                "bucata",
                "bucati",
                "bucăți",
                "piece",
                "pieces",
                "pcs",
                "pc",
                "db",
                "darab",
                "unit",
                "units",
                "unitpiece",
                "ea",
            ],
        ),
        (
            "ora",
            &["ora", "ore", "oră", "hour", "hours", "h", "hr", "óra", "oraora"],
        ),
        ("zi", &["zi", "zile", "day", "days", "nap"]),
        (
            "luna",
            &["luna", "luni", "lună", "month", "months", "honap", "hónap"],
        ),
        ("an", &["an", "ani", "year", "years", "ev"]),
        ("kg", &["kg", "kilogram", "kilograme", "kilogramm"]),
        ("g", &["g", "gram", "grame"]),
        ("m", &["m", "metru", "metri", "meter", "metre", "meters"]),
        ("mp", &["mp", "m2", "m²", "metrupatrat", "sqm", "negyzetmeter"]),
        ("l", &["l", "litru", "litri", "liter", "litre"]),
        ("set", &["set", "seturi", "kit"]),
        ("pachet", &["pachet", "pachete", "pack", "package", "csomag"]),
    ];
    let mut map = SortedMap::new();
    for (to, froms) in groups {
        for f in froms {
            map.insert(fold(f), to.to_string());
        }
    }
    map
}

fn map_unit(unit: &str, overrides: &SortedMap<String, String>) -> String {
    let key = fold(unit);
    if key.is_empty() {
        return "buc".into();
    }
    if let Some(to) = overrides.get(&key) {
        return to.clone();
    }
    default_units()
        .get(&key)
        .cloned()
        .unwrap_or_else(|| unit.trim().to_string())
}

/// Picks the SmartBill VAT rate for a percentage. Several rates may share a percentage (0 %:
/// "Taxare inversa", "SDD", …); the first in SmartBill's own list wins [INF].
fn vat_for(percent: Decimal, taxes: &[Tax]) -> Option<&Tax> {
    taxes.iter().find(|t| t.percentage == percent)
}

fn nonempty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The client block: VAT code and payer status from the RO prefix, Bucharest sectors, country.
fn client(doc: &Document, email: Option<String>) -> Result<Client, MappingProblem> {
    let c = &doc.customer;
    let name = nonempty(&c.name).ok_or(MappingProblem::MissingCustomerName)?;
    // A VAT payer is written with the RO prefix (EUVatNumber); otherwise the plain CIF/CNP.
    let eu = c.eu_vat_number.split_whitespace().collect::<String>();
    let plain = c.vat_number.split_whitespace().collect::<String>();
    let vat_code = if eu.to_ascii_uppercase().starts_with("RO") {
        eu.to_ascii_uppercase()
    } else if !plain.is_empty() {
        plain.to_ascii_uppercase()
    } else if !eu.is_empty() {
        eu.to_ascii_uppercase()
    } else {
        // ANAF accepts "-" for individuals without a CNP (smartbill-api.md §2.1 Client table).
        "-".to_string()
    };
    let is_tax_payer = vat_code.starts_with("RO") && parse_cif(&vat_code).is_ok();
    let country = if !c.country.trim().is_empty() && c.country.trim().parse::<u32>().is_err() {
        c.country.trim().to_string()
    } else {
        let code = if c.country_id.trim().is_empty() {
            c.country.trim()
        } else {
            c.country_id.trim()
        };
        country_name(code)
            .ok_or_else(|| MappingProblem::UnknownCountry {
                code: code.to_string(),
            })?
            .to_string()
    };
    let mut city = nonempty(&c.city);
    let mut county = nonempty(&c.county);
    let bucharest = |s: &Option<String>| s.as_deref().map(fold).is_some_and(|f| f.contains("bucuresti"));
    if fold(&country) == "romania" && (bucharest(&county) || bucharest(&city)) {
        // e-Factura: county "Bucuresti", city "Sector 1".."Sector 6" (smartbill-api.md §5).
        // MiniCRM addresses put the sector in the city, the county or the street line.
        let haystack = format!("{} {} {}", c.city, c.county, c.address);
        let sector =
            sector_of(&haystack).ok_or_else(|| MappingProblem::BucharestSector { city: c.city.clone() })?;
        city = Some(format!("Sector {sector}"));
        county = Some("Bucuresti".to_string());
    }
    Ok(Client {
        name,
        vat_code: Some(vat_code),
        code: None,
        reg_com: nonempty(&c.registration_number),
        is_tax_payer,
        // ANAF requires address and city; "-" is accepted (§2.1).
        address: Some(nonempty(&c.address).unwrap_or_else(|| "-".into())),
        city: Some(city.unwrap_or_else(|| "-".into())),
        county,
        country,
        email: email.or_else(|| nonempty(&c.email)),
        phone: None,
        contact: None,
        save_to_db: false,
    })
}

/// Finds "Sector 3", "sectorul 3", "S3", "S. 3" in a Bucharest address.
fn sector_of(text: &str) -> Option<u32> {
    let lower = crate::text::lower(text);
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    for (i, word) in words.iter().enumerate() {
        let split = word.find(|c: char| c.is_ascii_digit()).unwrap_or(word.len());
        let (prefix, digits) = word.split_at(split);
        if !matches!(prefix, "sector" | "sectorul" | "s") {
            continue;
        }
        let digits = if digits.is_empty() {
            words.get(i + 1).copied().unwrap_or("")
        } else {
            digits
        };
        if let Ok(n) = digits.parse::<u32>() {
            if (1..=6).contains(&n) {
                return Some(n);
            }
        }
    }
    None
}

/// The request, and the total we expect SmartBill to compute for it.
#[derive(Clone, Debug, PartialEq)]
pub struct Built {
    pub request: DocumentRequest,
    pub total: Decimal,
}

pub struct Input<'a> {
    pub doc: &'a Document,
    pub kind: DocumentKind,
    pub settings: &'a Settings,
    /// `GET /tax`, never hard-coded.
    pub taxes: &'a [Tax],
    pub today: NaiveDate,
    /// The customer's e-mail when the document has none (from the MiniCRM contact).
    pub email: Option<String>,
}

/// The largest quantity and unit price a line may have: far beyond any real invoice, far below
/// where decimal arithmetic could overflow (quantity × price × VAT stays under 10^22).
pub const MAX_QUANTITY: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);
pub const MAX_PRICE: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);

pub fn build(input: &Input) -> Result<Built, MappingProblem> {
    let doc = input.doc;
    let settings = input.settings;
    let currency = match doc.currency_code.trim() {
        "" => "RON".to_string(),
        c => c.to_ascii_uppercase(),
    };
    if !CURRENCIES.contains(&currency.as_str()) {
        return Err(MappingProblem::Currency { code: currency });
    }
    if doc.items.is_empty() {
        return Err(MappingProblem::NoItems);
    }
    let client = client(doc, input.email.clone())?;
    let use_stock = settings.document.kind == DocumentType::Invoice && settings.stock.enabled;
    let lines = lines(input, &currency, use_stock)?;

    let minicrm_total = doc.amount.map(round2);
    let computed = round2(lines.total);
    if let Some(expected) = minicrm_total {
        if expected != computed {
            return Err(MappingProblem::TotalMismatch {
                computed: computed.to_string(),
                minicrm: expected.to_string(),
                currency,
            });
        }
    }
    Ok(Built {
        request: request(input, client, currency, lines, use_stock),
        total: computed,
    })
}

/// The document's lines, checked, with the total SmartBill should compute for them.
struct Lines {
    lines: Vec<Line>,
    total: Decimal,
    /// A unit price has more than two decimals.
    needs_precision_4: bool,
}

/// One item's numbers, checked: the VAT rate is one of SmartBill's, nothing overflows.
struct Priced<'t> {
    qty: Decimal,
    price: Decimal,
    tax: &'t Tax,
    net: Decimal,
    line_total: Decimal,
}

/// The lines of the request: products, and negative lines as discounts on the products before.
fn lines(input: &Input, currency: &str, use_stock: bool) -> Result<Lines, MappingProblem> {
    let settings = input.settings;
    let available: Vec<String> = input
        .taxes
        .iter()
        .map(|t| format!("{} {}%", t.name, t.percentage.normalize()))
        .collect();
    let mut lines = Vec::new();
    let mut total = Decimal::ZERO;
    let mut products_since_discount = 0u32;
    let mut needs_precision_4 = false;
    for (i, item) in input.doc.items.iter().enumerate() {
        let line_no = i + 1;
        let name = item.name.trim().to_string();
        let Priced {
            qty,
            price,
            tax,
            net,
            line_total,
        } = priced(item, line_no, &name, input.taxes, &available)?;
        let out_of_range = || MappingProblem::OutOfRange {
            line: line_no,
            name: name.clone(),
        };
        total = add(total, line_total).ok_or_else(out_of_range)?;
        if net < Decimal::ZERO {
            // A negative line is a discount on the products before it (§2.1 Discount table):
            // a value discount (type 1) with its own VAT rate, so mixed rates are allowed.
            if products_since_discount == 0 && lines.is_empty() {
                return Err(MappingProblem::DiscountFirst { line: line_no, name });
            }
            lines.push(Line {
                name: if name.is_empty() { "Discount".into() } else { name },
                is_discount: true,
                measuring_unit_name: map_unit(&item.unit, &settings.units),
                currency: currency.to_string(),
                is_tax_included: false,
                tax_name: Some(tax.name.clone()),
                tax_percentage: Some(tax.percentage),
                number_of_items: Some(products_since_discount.max(1)),
                discount_type: Some(1),
                discount_value: Some(net),
                ..Line::default()
            });
            products_since_discount = 0;
            continue;
        }
        if qty <= Decimal::ZERO {
            return Err(MappingProblem::BadLine { line: line_no, name });
        }
        if price.normalize().scale() > 2 {
            needs_precision_4 = true;
        }
        products_since_discount += 1;
        lines.push(product_line(
            item, name, qty, price, tax, currency, settings, use_stock,
        ));
    }
    Ok(Lines {
        lines,
        total,
        needs_precision_4,
    })
}

/// An item's quantity, price and VAT rate, and its net and gross amounts (rounded to bani).
fn priced<'t>(
    item: &Item,
    line_no: usize,
    name: &str,
    taxes: &'t [Tax],
    available: &[String],
) -> Result<Priced<'t>, MappingProblem> {
    let (qty, price) = match (item.quantity, item.price_net) {
        (Some(q), Some(p)) => (q, p),
        _ => {
            return Err(MappingProblem::BadLine {
                line: line_no,
                name: name.to_string(),
            })
        }
    };
    let percent = parse_decimal(&item.vat).unwrap_or(Decimal::ZERO).normalize();
    let tax = vat_for(percent, taxes).ok_or_else(|| MappingProblem::UnknownVat {
        line: line_no,
        name: name.to_string(),
        percent: percent.to_string(),
        available: available.to_vec(),
    })?;
    let out_of_range = || MappingProblem::OutOfRange {
        line: line_no,
        name: name.to_string(),
    };
    if qty.abs() > MAX_QUANTITY || price.abs() > MAX_PRICE {
        return Err(out_of_range());
    }
    let net = round2(mul(qty, price).ok_or_else(out_of_range)?);
    // The VAT: the net amount × the rate × 1/100 (exact: both have few decimals).
    let line_total = mul(net, tax.percentage)
        .and_then(|v| mul(v, Decimal::new(1, 2)))
        .and_then(|vat| add(net, round2(vat)))
        .ok_or_else(out_of_range)?;
    Ok(Priced {
        qty,
        price,
        tax,
        net,
        line_total,
    })
}

/// The request around the checked lines: the company, the dates, the currency and the mentions.
fn request(
    input: &Input,
    client: Client,
    currency: String,
    lines: Lines,
    use_stock: bool,
) -> DocumentRequest {
    let doc = input.doc;
    let settings = input.settings;
    let kind_name = match input.kind {
        DocumentKind::Offer => "oferta",
        DocumentKind::Order => "comanda",
    };
    let number = if doc.number.trim().is_empty() {
        format!("#{}", doc.id)
    } else {
        doc.number.trim().to_string()
    };
    DocumentRequest {
        company_vat_code: settings.smartbill.cif.split_whitespace().collect(),
        client,
        is_draft: settings.document.draft,
        issue_date: input.today,
        series_name: settings.document.series.clone(),
        due_date: Some(input.today + TimeDelta::days(i64::from(settings.document.due_days))),
        exchange_rate: if currency == "RON" {
            None
        } else {
            doc.conversion_rate.filter(|r| *r > Decimal::ZERO)
        },
        currency,
        language: None,
        precision: lines.needs_precision_4.then_some(4),
        mentions: Some(format!("Conform {kind_name} MiniCRM {number}")),
        observations: Some(format!("MiniCRM {} {}", input.kind.path(), doc.id)),
        use_stock: if settings.document.kind == DocumentType::Invoice {
            Some(use_stock)
        } else {
            None
        },
        products: lines.lines,
    }
}

#[allow(clippy::too_many_arguments)]
fn product_line(
    item: &Item,
    name: String,
    qty: Decimal,
    price: Decimal,
    tax: &Tax,
    currency: &str,
    settings: &Settings,
    use_stock: bool,
) -> Line {
    let unit = map_unit(&item.unit, &settings.units);
    // Hours, months and the like are services: SmartBill leaves them out of stock discharge.
    let service = matches!(unit.as_str(), "ora" | "zi" | "luna" | "an");
    Line {
        name,
        code: nonempty(&item.sku),
        measuring_unit_name: unit,
        currency: currency.to_string(),
        quantity: Some(qty.normalize()),
        price: Some(price.normalize()),
        is_tax_included: false,
        tax_name: Some(tax.name.clone()),
        tax_percentage: Some(tax.percentage),
        is_service: service.then_some(true),
        warehouse_name: (use_stock && !service).then(|| settings.stock.warehouse.clone()),
        save_to_db: Some(false),
        ..Line::default()
    }
}

/// True when the text is a CNP (an individual), for callers that care.
pub fn is_individual(vat_code: &str) -> bool {
    cnp_valid(vat_code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minicrm::Customer;

    fn d(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    fn taxes() -> Vec<Tax> {
        vec![
            Tax {
                name: "Normala".into(),
                percentage: d("21"),
            },
            Tax {
                name: "Redusa".into(),
                percentage: d("11"),
            },
            Tax {
                name: "Taxare inversa".into(),
                percentage: d("0"),
            },
        ]
    }

    fn item(name: &str, sku: &str, qty: &str, price: &str, unit: &str, vat: &str) -> Item {
        Item {
            name: name.into(),
            sku: sku.into(),
            quantity: parse_decimal(qty),
            price_net: parse_decimal(price),
            unit: unit.into(),
            vat: vat.into(),
            ..Item::default()
        }
    }

    fn settings() -> Settings {
        let mut s = Settings::default();
        s.smartbill.cif = "RO18547290".into();
        s.document.series = "FCT".into();
        s.document.due_days = 15;
        s
    }

    fn doc(items: Vec<Item>, amount: &str) -> Document {
        Document {
            id: 901,
            number: "OF-2026/0012".into(),
            currency_code: "RON".into(),
            amount: parse_decimal(amount),
            customer: Customer {
                name: "Agro Verde SRL".into(),
                country_id: "40".into(),
                county: "Cluj".into(),
                city: "Cluj-Napoca".into(),
                address: "Str. Memorandumului 28".into(),
                vat_number: "40571235".into(),
                eu_vat_number: "RO40571235".into(),
                registration_number: "J12/345/2010".into(),
                ..Customer::default()
            },
            items,
            ..Document::default()
        }
    }

    fn run(doc: &Document, s: &Settings) -> Result<Built, MappingProblem> {
        let taxes = taxes();
        build(&Input {
            doc,
            kind: DocumentKind::Offer,
            settings: s,
            taxes: &taxes,
            today: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
            email: Some("office@agroverde.ro".into()),
        })
    }

    #[test]
    fn maps_a_vat_payer_with_21_and_11_percent_lines() {
        // 2 × 4200 at 21 % = 8400 + 1764; 3 × 89.90 at 11 % = 269.70 + 29.67 → 10463.37
        let doc = doc(
            vec![
                item(
                    "Laptop Dell Latitude 5440",
                    "LAP-001",
                    "2.00",
                    "4200.0000",
                    "bucată",
                    "21",
                ),
                item(
                    "Carte Arhitectura software",
                    "CRT-ARH",
                    "3",
                    "89.9000",
                    "darab",
                    "11%",
                ),
            ],
            "10463.37",
        );
        let built = run(&doc, &settings()).unwrap();
        let r = &built.request;
        assert_eq!(built.total, d("10463.37"));
        assert_eq!(r.client.vat_code.as_deref(), Some("RO40571235"));
        assert!(r.client.is_tax_payer);
        assert_eq!(r.client.country, "Romania");
        assert_eq!(r.products[0].code.as_deref(), Some("LAP-001"));
        assert_eq!(r.products[0].measuring_unit_name, "buc");
        assert_eq!(r.products[1].measuring_unit_name, "buc");
        assert_eq!(r.products[1].tax_name.as_deref(), Some("Redusa"));
        assert_eq!(r.products[1].tax_percentage, Some(d("11")));
        assert_eq!(r.due_date, NaiveDate::from_ymd_opt(2026, 12, 12));
        assert_eq!(r.mentions.as_deref(), Some("Conform oferta MiniCRM OF-2026/0012"));
        assert!(!r.products[0].is_tax_included);
        let json = serde_json::to_value(r).unwrap();
        assert_eq!(json["products"][0]["price"], serde_json::json!(4200));
        assert_eq!(json["issueDate"], "2026-11-27");
    }

    #[test]
    fn negative_lines_become_value_discounts_and_totals_match() {
        // 1 × 100 at 21 % = 121; discount −10 at 21 % = −12.10 → 108.90 (the spec's worked example)
        let doc = doc(
            vec![
                item("Produs", "P1", "1", "100", "buc", "21"),
                item("Discount fidelitate", "", "1", "-10", "buc", "21"),
            ],
            "108.90",
        );
        let built = run(&doc, &settings()).unwrap();
        let discount = &built.request.products[1];
        assert!(discount.is_discount);
        assert_eq!(discount.discount_type, Some(1));
        assert_eq!(discount.discount_value, Some(d("-10")));
        assert_eq!(discount.number_of_items, Some(1));
        assert_eq!(discount.quantity, None);
        assert_eq!(built.total, d("108.90"));
    }

    #[test]
    fn a_total_that_differs_from_minicrm_stops_everything() {
        let doc = doc(vec![item("Produs", "P1", "1", "100", "buc", "21")], "120.00");
        assert!(matches!(
            run(&doc, &settings()),
            Err(MappingProblem::TotalMismatch { .. })
        ));
    }

    #[test]
    fn huge_quantities_and_prices_are_refused_not_overflowed() {
        for (qty, price) in [
            ("70000000000000000000", "10"),
            ("2", "9000000000000"),
            ("1000000001", "1"),
        ] {
            let d = doc(vec![item("Mare", "M", qty, price, "buc", "21")], "");
            let r = run(&d, &settings());
            assert!(
                matches!(r, Err(MappingProblem::OutOfRange { line: 1, .. })),
                "{qty} × {price}: {r:?}"
            );
        }
        // At the bounds, the arithmetic is exact.
        let mut d = doc(vec![item("Mare", "M", "1", "1", "buc", "21")], "");
        d.items[0].quantity = Some(MAX_QUANTITY);
        d.items[0].price_net = Some(MAX_PRICE);
        assert!(run(&d, &settings()).is_ok());
    }

    #[test]
    fn bucharest_clients_get_a_sector() {
        let mut doc = doc(vec![item("Produs", "P1", "1", "100", "buc", "21")], "121");
        doc.customer.vat_number = "31826470".into();
        doc.customer.eu_vat_number = String::new();
        doc.customer.county = "București".into();
        doc.customer.city = "București, Sector 3".into();
        let built = run(&doc, &settings()).unwrap();
        assert_eq!(built.request.client.city.as_deref(), Some("Sector 3"));
        assert_eq!(built.request.client.county.as_deref(), Some("Bucuresti"));
        assert_eq!(built.request.client.vat_code.as_deref(), Some("31826470"));
        assert!(!built.request.client.is_tax_payer);
        doc.customer.city = "Bucuresti".into();
        doc.customer.address = "Str. Ion Nistor 4, S3".into();
        assert_eq!(
            run(&doc, &settings()).unwrap().request.client.city.as_deref(),
            Some("Sector 3")
        );
        doc.customer.address = "Str. Ion Nistor 4".into();
        assert!(matches!(
            run(&doc, &settings()),
            Err(MappingProblem::BucharestSector { .. })
        ));
    }

    #[test]
    fn eur_documents_carry_currency_and_rate() {
        let mut doc = doc(
            vec![item("Monitor", "MON-024", "2", "150.50", "buc", "21")],
            "364.21",
        );
        doc.currency_code = "EUR".into();
        doc.conversion_rate = parse_decimal("4.9750");
        let built = run(&doc, &settings()).unwrap();
        assert_eq!(built.request.currency, "EUR");
        assert_eq!(built.request.products[0].currency, "EUR");
        assert_eq!(built.request.exchange_rate, Some(d("4.975")));
    }

    #[test]
    fn unknown_vat_rates_name_the_line() {
        let doc = doc(vec![item("Produs vechi", "P1", "1", "100", "buc", "19")], "119");
        match run(&doc, &settings()) {
            Err(MappingProblem::UnknownVat {
                line, name, percent, ..
            }) => {
                assert_eq!((line, name.as_str(), percent.as_str()), (1, "Produs vechi", "19"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn stock_discharge_adds_the_warehouse_to_goods_only() {
        let mut s = settings();
        s.stock.enabled = true;
        s.stock.warehouse = "Depozit Central".into();
        let doc = doc(
            vec![
                item("Laptop", "LAP-001", "1", "100", "buc", "21"),
                item("Instalare", "SRV-INST", "2", "150", "oră", "21"),
            ],
            "484.00",
        );
        let r = run(&doc, &s).unwrap().request;
        assert_eq!(r.use_stock, Some(true));
        assert_eq!(r.products[0].warehouse_name.as_deref(), Some("Depozit Central"));
        assert_eq!(r.products[1].warehouse_name, None);
        assert_eq!(r.products[1].is_service, Some(true));
        assert_eq!(r.products[1].measuring_unit_name, "ora");
    }

    #[test]
    fn proformas_leave_invoice_only_fields_out() {
        let mut s = settings();
        s.document.kind = DocumentType::Proforma;
        let doc = doc(vec![item("Produs", "P1", "1", "100", "buc", "21")], "121");
        let json = serde_json::to_value(run(&doc, &s).unwrap().request).unwrap();
        assert!(json.get("useStock").is_none());
    }

    #[test]
    fn the_users_unit_table_comes_first() {
        let mut s = settings();
        s.units.insert(fold("cutie"), "set".into());
        s.units.insert(fold("buc"), "BUC".into());
        let doc = doc(
            vec![
                item("A", "A1", "1", "10", "Cutie", "21"),
                item("B", "B1", "1", "10", "buc", "21"),
                item("C", "C1", "1", "10", "kilogram", "21"),
            ],
            "36.30",
        );
        let r = run(&doc, &s).unwrap().request;
        let units: Vec<&str> = r
            .products
            .iter()
            .map(|l| l.measuring_unit_name.as_str())
            .collect();
        assert_eq!(units, vec!["set", "BUC", "kg"]);
    }

    #[test]
    fn finds_sectors() {
        assert_eq!(sector_of("Bucuresti Sector 6"), Some(6));
        assert_eq!(sector_of("sectorul 2, bd. Unirii"), Some(2));
        assert_eq!(sector_of("Str. X nr. 5, S.4"), Some(4));
        assert_eq!(sector_of("Str. Sperantei 5"), None);
        assert_eq!(sector_of("Sector 7"), None);
    }
}
