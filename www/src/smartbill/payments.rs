//! Collections: `POST /payment` (§2.8), `GET /invoice/paymentstatus` (§2.4),
//! `DELETE /payment/chitanta` (§2.8).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::api::{check_body_cif, Ctx};
use super::documents::{payment_type, SERIES_NOT_FOUND};
use super::fields::{self, Obj};
use super::money;
use super::resp::{self, classic, Resp, Result};
use super::state::{pad, DocKind, Payment, SeriesType, State};

/// "RO 18547290" / "ro18547290" / "18547290" → "18547290" (client CIF comparison) [INF].
fn bare_cif(s: &str) -> String {
    let t: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    t.strip_prefix("RO").map(str::to_string).unwrap_or(t)
}

/// `POST /payment`.
pub fn create(s: &mut State, ctx: &Ctx) -> Result<Resp> {
    let body_map = ctx.json_body(&fields::PAYMENT)?;
    check_body_cif(s, &body_map, false, ctx.readings)?;
    let body = Obj(&body_map);
    let fail = |text: &str| resp::error(400, text);

    let Some(type_sent) = body.text("type") else {
        return Err(fail("Tipul incasarii trebuie specificat."));
    };
    // [INF] 404 for any unknown type (the reference documents 404 for the extra-spaces case).
    let Some(kind) = payment_type(type_sent) else {
        return Err(resp::error(404, "Tipul documentului nu a fost gasit pe server!"));
    };
    if kind == "Bon" {
        return fiscal_receipt(s, ctx, &body);
    }
    let use_invoice = body.flag("useInvoiceDetails");
    let refs = body.list("invoicesList").unwrap_or_default();
    let client = body.obj("client");
    let explicit_value = body.num("value");
    let issue_date = body.date("issueDate").unwrap_or(ctx.today);

    // The invoices it settles.
    if use_invoice && refs.is_empty() {
        return Err(fail(
            "Pentru emiterea unei incasari cu datele de pe factura trebuie specificate seria si numarul facturii.",
        ));
    }
    if !use_invoice && client.is_none() {
        return Err(fail(
            "Datele clientului trebuie specificate. Ele se preiau din factura doar in cazul in care usePaymentDetails = true.",
        ));
    }
    if !use_invoice && explicit_value.is_none() {
        return Err(fail("Valoarea incasarii trebuie specificata."));
    }
    let mut invoices: Vec<(u64, Decimal)> = Vec::new();
    for r in &refs {
        let series = r.str("seriesName").unwrap_or("");
        let number = r.str("number").unwrap_or("");
        let Some(doc) = s.find_doc(DocKind::Invoice, series, number) else {
            return Err(fail("Factura nu a fost gasita!"));
        };
        let label = doc.label();
        if doc.cancelled {
            return Err(fail(&format!(
                "Factura {label} este anulata, nu o puteti incasa. Restaurati intai factura sau emiteti incasarea independent de factura."
            )));
        }
        if let Some(c) = &client {
            let sent = bare_cif(c.str("vatCode").unwrap_or(""));
            if !use_invoice && sent != bare_cif(&doc.client_str("vatCode")) {
                return Err(fail(&format!(
                    "Ciful clientului de pe factura {label} difera de ciful clientului incasarii!"
                )));
            }
        }
        if let Some(cur) = body.text("currency") {
            if cur != doc.currency {
                return Err(fail(&format!(
                    "Moneda facturii {label} nu corespunde cu moneda incasarii!"
                )));
            }
        }
        let unpaid = s.unpaid_amount(doc);
        if unpaid <= Decimal::ZERO {
            return Err(fail("Factura este incasata sau stornata in totalitate."));
        }
        invoices.push((doc.id, unpaid));
    }
    let value = explicit_value.unwrap_or_else(|| invoices.iter().map(|(_, u)| *u).sum());

    // Receipt series (Chitanta): seriesName, else the account's first receipt series.
    let mut receipt_series = String::new();
    if kind == "Chitanta" {
        let name = match body.text("seriesName") {
            Some(n) => n.to_string(),
            None => s
                .series
                .iter()
                .find(|x| x.kind == SeriesType::Receipt)
                .map(|x| x.name.clone())
                .unwrap_or_default(),
        };
        match s.series_named(&name) {
            None => return Err(fail(SERIES_NOT_FOUND)),
            Some(x) if x.kind != SeriesType::Receipt => {
                return Err(fail("Seria nu poate fi folosita la chitante."))
            }
            Some(_) => receipt_series = name,
        }
    }

    // Allocation: in list order, each invoice up to what it still owes; [INF] an excess stays on
    // the last invoice (SmartBill records overpayments).
    let mut allocations = Vec::new();
    let mut left = value;
    for (i, (id, unpaid)) in invoices.iter().enumerate() {
        let last = i + 1 == invoices.len();
        let amount = if last { left } else { left.min(*unpaid) };
        if amount > Decimal::ZERO || last {
            allocations.push((*id, amount));
        }
        left -= amount;
    }

    let draft = kind == "Chitanta" && body.flag("isDraft");
    let receipt_number = if kind == "Chitanta" && !draft {
        match s.series_mut(&receipt_series) {
            Some(ser) => {
                let n = ser.next;
                ser.next += 1;
                pad(n)
            }
            None => String::new(),
        }
    } else {
        String::new()
    };
    let (client_name, client_vat) = match (&client, invoices.first().and_then(|(id, _)| s.doc_by_id(*id))) {
        (Some(c), _) => (
            c.str("name").unwrap_or("").to_string(),
            c.str("vatCode").unwrap_or("").to_string(),
        ),
        (None, Some(d)) => (d.client_str("name"), d.client_str("vatCode")),
        _ => (String::new(), String::new()),
    };
    let id = s.new_id();
    s.payments.push(Payment {
        id,
        kind: kind.to_string(),
        value,
        date: issue_date,
        // Forced true for Chitanta; new spec default true.
        is_cash: kind == "Chitanta" || body.bool("isCash").unwrap_or(true),
        receipt_series: receipt_series.clone(),
        receipt_number: receipt_number.clone(),
        client_name,
        client_vat_code: client_vat,
        allocations,
        source: "api".into(),
        deleted: false,
        request: Value::Object(body_map.clone()),
    });
    let (number, series) = if kind == "Chitanta" {
        (receipt_number, receipt_series)
    } else {
        (String::new(), String::new())
    };
    Ok(Resp::json(200, &Value::Object(classic("", "", &number, &series))))
}

/// `type: "Bon"`: needs a cash register for the calling user (§2.8). With one configured
/// (control `settings.cashRegister`), answers `{"errorText":"","id":…,"number":"0"}`.
fn fiscal_receipt(s: &mut State, ctx: &Ctx, body: &Obj) -> Result<Resp> {
    if !s.settings.cash_register {
        return Err(resp::error(
            400,
            &format!("Nu s-a gasit casa de marcat pentru userul {}.", ctx.user),
        ));
    }
    if body.text("currency").is_some_and(|c| c != "RON") {
        return Err(resp::error(400, "Bonurile fiscale pot fi emise doar in Lei!"));
    }
    let id = s.new_id();
    let value = body.num("value").unwrap_or_default();
    s.payments.push(Payment {
        id,
        kind: "Bon".into(),
        value,
        date: body.date("issueDate").unwrap_or(ctx.today),
        is_cash: true,
        receipt_series: String::new(),
        receipt_number: String::new(),
        client_name: body
            .obj("client")
            .and_then(|c| c.str("name"))
            .unwrap_or("")
            .to_string(),
        client_vat_code: body
            .obj("client")
            .and_then(|c| c.str("vatCode"))
            .unwrap_or("")
            .to_string(),
        allocations: Vec::new(),
        source: "api".into(),
        deleted: false,
        request: Value::Object(body.0.clone()),
    });
    let mut m = serde_json::Map::new();
    m.insert("errorText".into(), json!(""));
    m.insert("id".into(), json!(id.to_string()));
    m.insert("number".into(), json!("0"));
    if body.flag("returnFiscalPrinterText") {
        use base64::Engine;
        let text = format!("S,1,______,_,__;BON {id};{value};1;1;1;1;1;\n");
        m.insert(
            "message".into(),
            json!(base64::engine::general_purpose::STANDARD.encode(text)),
        );
    }
    Ok(Resp::json(200, &Value::Object(m)))
}

/// `GET /invoice/paymentstatus?cif=&seriesname=&number=` (§2.4). Amounts are in the invoice's
/// currency; [INF] a storno counts as settling (see `State::unpaid_amount`), so `paidAmount` is
/// `invoiceTotalAmount − unpaidAmount`.
pub fn status(s: &State, ctx: &Ctx) -> Result<Resp> {
    let with_paid = |text: &str| {
        let mut m = classic(text, "", "", "");
        m.insert("paid".into(), json!(false));
        Resp::json(400, &Value::Object(m))
    };
    let Some(number) = ctx.query.number() else {
        return Err(with_paid("Numarul facturii trebuie specificat"));
    };
    let series = ctx.query.series().unwrap_or("");
    let Some(doc) = s.find_doc(DocKind::Invoice, series, number) else {
        return Err(with_paid("Factura nu a fost gasita"));
    };
    let total = doc.totals.gross;
    let unpaid = s.unpaid_amount(doc);
    let paid_amount = total - unpaid;
    let mut m = classic("", "", "", "");
    m.insert("invoiceTotalAmount".into(), money::json_number(total));
    m.insert("paidAmount".into(), money::json_number(paid_amount));
    m.insert("unpaidAmount".into(), money::json_number(unpaid));
    m.insert("paid".into(), json!(unpaid <= Decimal::ZERO));
    Ok(Resp::json(200, &Value::Object(m)))
}

/// `DELETE /payment/chitanta?cif=&seriesname=&number=`: only the last receipt of its series.
pub fn delete_receipt(s: &mut State, ctx: &Ctx) -> Result<Resp> {
    let Some(number) = ctx.query.number() else {
        return Err(resp::error(
            400,
            "Numarul chitantei trebuie specificat in url in parametrul 'number'!",
        ));
    };
    let Some(series) = ctx.query.series() else {
        return Err(resp::error(
            400,
            "Seria chitantei trebuie specificata in url in parametrul 'seriesname'!",
        ));
    };
    let wanted: Option<u32> = number.trim().parse().ok();
    let Some(idx) = s.payments.iter().position(|p| {
        !p.deleted
            && p.kind == "Chitanta"
            && p.receipt_series == series
            && !p.receipt_number.is_empty()
            && p.receipt_number.parse::<u32>().ok() == wanted
    }) else {
        return Err(resp::error(400, "Chitanta nu a fost gasita."));
    };
    let n: u32 = s.payments[idx].receipt_number.parse().unwrap_or(0);
    let next = s.series_named(series).map(|x| x.next).unwrap_or(0);
    let padded = s.payments[idx].receipt_number.clone();
    if n + 1 != next {
        return Err(resp::error(
            403,
            &format!("Nu poti sterge documentul cu seria si numarul {series} {padded}, deoarece nu este ultimul din serie!"),
        ));
    }
    s.payments[idx].deleted = true;
    if let Some(ser) = s.series_mut(series) {
        ser.next = n;
    }
    Ok(resp::message(&format!(
        "Chitanta cu seria si numarul {series}{padded} a fost stearsa cu succes."
    )))
}

impl State {
    /// Records a collection on an invoice as if entered in SmartBill's UI (control API).
    pub fn record_payment(
        &mut self,
        series: &str,
        number: &str,
        amount: Decimal,
        kind: &str,
        date: NaiveDate,
    ) -> std::result::Result<u64, String> {
        let doc = self
            .find_doc(DocKind::Invoice, series, number)
            .ok_or_else(|| format!("no invoice {series}{number}"))?;
        let (doc_id, name, vat) = (doc.id, doc.client_str("name"), doc.client_str("vatCode"));
        let id = self.new_id();
        self.payments.push(Payment {
            id,
            kind: kind.to_string(),
            value: amount,
            date,
            is_cash: false,
            receipt_series: String::new(),
            receipt_number: String::new(),
            client_name: name,
            client_vat_code: vat,
            allocations: vec![(doc_id, amount)],
            source: "control".into(),
            deleted: false,
            request: Value::Null,
        });
        Ok(id)
    }

    /// The control API's view of every payment.
    pub fn payments_json(&self) -> Vec<Value> {
        self.payments
            .iter()
            .map(|p| {
                let allocations: Vec<Value> = p
                    .allocations
                    .iter()
                    .map(|(id, v)| {
                        let d = self.doc_by_id(*id);
                        json!({
                            "documentId": id,
                            "series": d.map(|d| d.series.clone()).unwrap_or_default(),
                            "number": d.map(|d| d.number.clone()).unwrap_or_default(),
                            "amount": money::fixed(*v, 2),
                        })
                    })
                    .collect();
                json!({
                    "id": p.id,
                    "type": p.kind,
                    "value": money::fixed(p.value, 2),
                    "date": p.date.to_string(),
                    "isCash": p.is_cash,
                    "receiptSeries": p.receipt_series,
                    "receiptNumber": p.receipt_number,
                    "clientName": p.client_name,
                    "clientVatCode": p.client_vat_code,
                    "invoices": allocations,
                    "source": p.source,
                    "deleted": p.deleted,
                    "request": p.request,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn client_cif_comparison_ignores_prefix_case_and_spaces() {
        assert_eq!(super::bare_cif("RO 40571235"), "40571235");
        assert_eq!(super::bare_cif("ro40571235"), "40571235");
        assert_eq!(super::bare_cif("31826470"), "31826470");
    }
}
