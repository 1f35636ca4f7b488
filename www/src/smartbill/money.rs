//! SmartBill's document maths (reference §2.1): per-line rounding to the document precision,
//! VAT extracted from or added to the price, product lines and discount lines.
//!
//! * price excludes VAT: `net = round(qty × price)`, `vat = round(net × p/100)`, `gross = net + vat`;
//! * price includes VAT: `gross = round(qty × price)`, `vat = round(gross − gross/(1+p/100))`,
//!   `net = gross − vat` (the formula of the old spec, "TVA = price − price/(1+p%)").
//!
//! Discounts apply to the `numberOfItems` lines immediately before them (products or earlier
//! discounts, so a second discount also covers the first). Their VAT rate is the rate of the covered
//! lines (the sent taxName/taxPercentage are then ignored, old spec "Observatii" 1); a value
//! discount over lines with different rates needs its own `taxPercentage` (3); a percentage
//! discount over different rates is an error (2). Worked numbers of the new spec (§2.1) hold:
//! 100 + 21 % with a value discount −10 → 108.90, +10 → 133.10, out-of-enum type → 111.00.
//!
//! [INF] Rounding is half away from zero (Java's HALF_UP), the usual choice of Java back ends.

use rust_decimal::{Decimal, RoundingStrategy};

/// Rounds to `dp` decimals, half away from zero.
pub fn round(x: Decimal, dp: u32) -> Decimal {
    x.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// Formats with exactly `dp` decimals (control API: totals as strings).
pub fn fixed(x: Decimal, dp: u32) -> String {
    let mut r = round(x, dp);
    r.rescale(dp);
    r.to_string()
}

/// A JSON number for an amount: an integer when it has no fraction (the documented examples show
/// `"invoiceTotalAmount":121`), else a double. [INF] the live server may print `121.0`.
pub fn json_number(x: Decimal) -> serde_json::Value {
    let n = x.normalize();
    if n.fract().is_zero() {
        if let Ok(i) = i64::try_from(n) {
            return serde_json::Value::from(i);
        }
    }
    let f: f64 = n.to_string().parse().unwrap_or(0.0);
    serde_json::Value::from(f)
}

/// How a discount line computes its amount (`discountType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiscountKind {
    /// 1: `discountValue` as sent (should be negative; a positive value increases the total).
    Value,
    /// 2 (default): `discountPercentage` of the covered lines.
    Percent,
    /// Any other number: not rejected (new spec); the value is subtracted without VAT.
    Other,
}

#[derive(Clone, Debug)]
pub enum CalcLine {
    Product {
        quantity: Decimal,
        /// Unit price already converted to the document currency.
        price: Decimal,
        tax_included: bool,
        /// VAT percentage (0 for non-VAT-payers).
        rate: Decimal,
    },
    Discount {
        /// `numberOfItems`; `None` or 0 → the discount is silently ignored (new spec).
        items: Option<usize>,
        kind: DiscountKind,
        value: Option<Decimal>,
        percent: Option<Decimal>,
        tax_included: bool,
        /// The `taxPercentage` sent on the discount line, if any.
        rate: Option<Decimal>,
    },
}

/// The amounts of one line, in the document currency.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Amounts {
    pub net: Decimal,
    pub vat: Decimal,
    pub gross: Decimal,
    /// The VAT rate the line ended with.
    pub rate: Decimal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalcError {
    /// Line index (0-based) of a percentage discount over lines with different VAT rates.
    PercentOverMixedRates(usize),
    /// Line index of a value discount over different rates without its own taxPercentage.
    ValueOverMixedRatesNeedsRate(usize),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub net: Decimal,
    pub vat: Decimal,
    pub gross: Decimal,
}

fn split(amount: Decimal, tax_included: bool, rate: Decimal, dp: u32) -> Amounts {
    let hundred = Decimal::ONE_HUNDRED;
    if tax_included {
        let gross = round(amount, dp);
        let vat = round(gross - gross / (Decimal::ONE + rate / hundred), dp);
        Amounts {
            net: gross - vat,
            vat,
            gross,
            rate,
        }
    } else {
        let net = round(amount, dp);
        let vat = round(net * rate / hundred, dp);
        Amounts {
            net,
            vat,
            gross: net + vat,
            rate,
        }
    }
}

/// Computes every line. `vat_payer = false` zeroes all VAT (prices are final).
pub fn compute(lines: &[CalcLine], dp: u32, vat_payer: bool) -> Result<Vec<Amounts>, CalcError> {
    let mut out: Vec<Amounts> = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let amounts = match line {
            CalcLine::Product {
                quantity,
                price,
                tax_included,
                rate,
            } => {
                let rate = if vat_payer { *rate } else { Decimal::ZERO };
                split(*quantity * *price, *tax_included && vat_payer, rate, dp)
            }
            CalcLine::Discount {
                items,
                kind,
                value,
                percent,
                tax_included,
                rate,
            } => {
                let n = items.unwrap_or(0).min(i);
                if n == 0 {
                    out.push(Amounts::default());
                    continue;
                }
                let covered = &out[i - n..i];
                let first = covered[0].rate;
                let mixed = covered.iter().any(|a| a.rate != first);
                let line_rate = if !vat_payer {
                    Decimal::ZERO
                } else if !mixed {
                    first
                } else {
                    match (kind, rate) {
                        (DiscountKind::Percent, _) => return Err(CalcError::PercentOverMixedRates(i)),
                        (DiscountKind::Value, Some(r)) => *r,
                        (DiscountKind::Value, None) => {
                            return Err(CalcError::ValueOverMixedRatesNeedsRate(i))
                        }
                        (DiscountKind::Other, r) => r.unwrap_or(Decimal::ZERO),
                    }
                };
                let incl = *tax_included && vat_payer;
                match kind {
                    DiscountKind::Value => split(value.unwrap_or_default(), incl, line_rate, dp),
                    DiscountKind::Percent => {
                        let pct = percent.unwrap_or_default();
                        let base: Decimal = covered
                            .iter()
                            .map(|a| if incl || !vat_payer { a.gross } else { a.net })
                            .sum();
                        split(-(base * pct / Decimal::ONE_HUNDRED), incl, line_rate, dp)
                    }
                    DiscountKind::Other => {
                        let v = round(value.unwrap_or_default(), dp);
                        Amounts {
                            net: v,
                            vat: Decimal::ZERO,
                            gross: v,
                            rate: line_rate,
                        }
                    }
                }
            }
        };
        out.push(amounts);
    }
    Ok(out)
}

pub fn totals(lines: &[Amounts]) -> Totals {
    lines.iter().fold(Totals::default(), |t, a| Totals {
        net: t.net + a.net,
        vat: t.vat + a.vat,
        gross: t.gross + a.gross,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn product(q: &str, p: &str, incl: bool, rate: &str) -> CalcLine {
        CalcLine::Product {
            quantity: d(q),
            price: d(p),
            tax_included: incl,
            rate: d(rate),
        }
    }

    fn value_discount(items: usize, v: &str, rate: Option<&str>) -> CalcLine {
        CalcLine::Discount {
            items: Some(items),
            kind: DiscountKind::Value,
            value: Some(d(v)),
            percent: None,
            tax_included: false,
            rate: rate.map(d),
        }
    }

    fn gross(lines: &[CalcLine]) -> Decimal {
        totals(&compute(lines, 2, true).unwrap()).gross
    }

    #[test]
    fn worked_examples_of_the_new_spec() {
        let p = product("1", "100", false, "21");
        assert_eq!(gross(&[p.clone(), value_discount(1, "-10", None)]), d("108.90"));
        assert_eq!(gross(&[p.clone(), value_discount(1, "10", None)]), d("133.10"));
        let other = CalcLine::Discount {
            items: Some(1),
            kind: DiscountKind::Other,
            value: Some(d("-10")),
            percent: None,
            tax_included: false,
            rate: None,
        };
        assert_eq!(gross(&[p.clone(), other]), d("111.00"));
    }

    #[test]
    fn vat_excluded_and_included_per_line_rounding() {
        let lines = compute(
            &[
                product("3", "33.333", false, "21"),
                product("2", "40", true, "21"),
            ],
            2,
            true,
        )
        .unwrap();
        // 3 × 33.333 = 99.999 → 100.00, VAT 21.00
        assert_eq!(
            lines[0],
            Amounts {
                net: d("100.00"),
                vat: d("21.00"),
                gross: d("121.00"),
                rate: d("21")
            }
        );
        // 80 incl. → VAT 80 − 80/1.21 = 13.884 → 13.88, net 66.12
        assert_eq!(lines[1].vat, d("13.88"));
        assert_eq!(lines[1].net, d("66.12"));
        assert_eq!(lines[1].gross, d("80"));
        let lines = compute(&[product("1", "0.125", false, "21")], 2, true).unwrap();
        assert_eq!(lines[0].net, d("0.13"), "half away from zero");
        let lines = compute(&[product("1", "0.125", false, "21")], 4, true).unwrap();
        assert_eq!(lines[0].vat, d("0.0263"));
    }

    #[test]
    fn percentage_discount_covers_products_and_earlier_discounts() {
        // The old spec's "Aplicarea unui discount" example with today's rate (21 %):
        // 2 × 40 incl., 3 × 60 incl., −15 on the second, then 10 % on all three lines.
        let lines = [
            product("2", "40", true, "21"),
            product("3", "60", true, "21"),
            CalcLine::Discount {
                items: Some(1),
                kind: DiscountKind::Value,
                value: Some(d("-15")),
                percent: None,
                tax_included: true,
                rate: Some(d("21")),
            },
            CalcLine::Discount {
                items: Some(3),
                kind: DiscountKind::Percent,
                value: None,
                percent: Some(d("10")),
                tax_included: true,
                rate: Some(d("21")),
            },
        ];
        let a = compute(&lines, 2, true).unwrap();
        assert_eq!(a[2].gross, d("-15"));
        assert_eq!(a[2].vat, d("-2.60"));
        assert_eq!(a[3].gross, d("-24.50"));
        assert_eq!(totals(&a).gross, d("220.50"));
    }

    #[test]
    fn percentage_discount_on_net_prices() {
        let a = compute(
            &[
                product("1", "200", false, "21"),
                CalcLine::Discount {
                    items: Some(1),
                    kind: DiscountKind::Percent,
                    value: None,
                    percent: Some(d("15")),
                    tax_included: false,
                    rate: None,
                },
            ],
            2,
            true,
        )
        .unwrap();
        assert_eq!(a[1].net, d("-30.00"));
        assert_eq!(a[1].vat, d("-6.30"));
        assert_eq!(totals(&a).gross, d("205.70"));
    }

    #[test]
    fn mixed_rates() {
        let two = [product("1", "100", false, "21"), product("1", "100", false, "11")];
        let mut lines = two.to_vec();
        lines.push(value_discount(2, "-10", None));
        assert_eq!(
            compute(&lines, 2, true),
            Err(CalcError::ValueOverMixedRatesNeedsRate(2))
        );
        let mut lines = two.to_vec();
        lines.push(value_discount(2, "-10", Some("11")));
        let a = compute(&lines, 2, true).unwrap();
        assert_eq!(a[2].vat, d("-1.10"));
        let mut lines = two.to_vec();
        lines.push(CalcLine::Discount {
            items: Some(2),
            kind: DiscountKind::Percent,
            value: None,
            percent: Some(d("10")),
            tax_included: false,
            rate: Some(d("21")),
        });
        assert_eq!(compute(&lines, 2, true), Err(CalcError::PercentOverMixedRates(2)));
        // Covering only the last line (one rate) is fine.
        let mut lines = two.to_vec();
        lines.push(value_discount(1, "-10", Some("21")));
        let a = compute(&lines, 2, true).unwrap();
        assert_eq!(
            a[2].rate,
            d("11"),
            "the covered line's rate wins over the sent one"
        );
    }

    #[test]
    fn discount_without_number_of_items_is_ignored() {
        let lines = [
            product("1", "100", false, "21"),
            CalcLine::Discount {
                items: None,
                kind: DiscountKind::Value,
                value: Some(d("-10")),
                percent: None,
                tax_included: false,
                rate: None,
            },
        ];
        assert_eq!(gross(&lines), d("121.00"));
    }

    #[test]
    fn non_vat_payer_prices_are_final() {
        let a = compute(&[product("2", "10.005", true, "21")], 2, false).unwrap();
        assert_eq!(
            a[0],
            Amounts {
                net: d("20.01"),
                vat: d("0"),
                gross: d("20.01"),
                rate: d("0")
            }
        );
    }

    #[test]
    fn formatting() {
        assert_eq!(fixed(d("108.9"), 2), "108.90");
        assert_eq!(fixed(d("-0.005"), 2), "-0.01");
        assert_eq!(json_number(d("121.00")), serde_json::json!(121));
        assert_eq!(json_number(d("108.90")), serde_json::json!(108.9));
    }
}
