//! Pages outside the API, on the SmartBill origin, no auth, no rate limit:
//! * `GET /documente/extern/pf/{factura|proforma}/{hash}?srvid=2` — the public `documentViewUrl`,
//!   serving the PDF inline;
//! * `GET /documente/editare/{factura|proforma}/{id}/` — the (login-only, in reality) edit page,
//!   a small HTML page for the demo ("SmartBill Cloud — Factura FCT 0124");
//! * `GET /plata/{token}` — the simulated card-payment page behind `paymentUrl: "Generate URL"`.

use axum::extract::{Path, State as AxState};
use axum::response::{IntoResponse, Response};

use super::money;
use super::resp::{html_escape, Resp};
use super::state::{DocKind, Document, State};
use crate::Shared;

impl State {
    /// The document behind a public view path, with or without the query.
    pub fn doc_by_public_path(&self, path: &str) -> Option<&Document> {
        let path = path.split(['?', '#']).next().unwrap_or("");
        let rest = path.strip_prefix("/documente/extern/pf/")?;
        let (slug, hash) = rest.split_once('/')?;
        let hash = hash.trim_end_matches('/');
        self.documents
            .iter()
            .find(|d| !d.deleted && d.kind.slug() == slug && d.view_hash == hash)
    }
}

pub async fn view(AxState(shared): AxState<Shared>, Path((slug, hash)): Path<(String, String)>) -> Response {
    let w = shared.lock();
    let found = w
        .smartbill
        .doc_by_public_path(&format!("/documente/extern/pf/{slug}/{hash}"))
        .map(|d| super::documents::render_pdf(&w.smartbill, d));
    drop(w);
    match found {
        Some((name, bytes)) => Resp::new(200, "application/pdf", bytes)
            .with_header("Content-Disposition", &format!("inline; filename=\"{name}\""))
            .into_response(),
        None => Resp::html(
            404,
            "<html><body><h1>Documentul nu a fost gasit</h1></body></html>",
        )
        .into_response(),
    }
}

pub async fn edit(AxState(shared): AxState<Shared>, Path((slug, id)): Path<(String, String)>) -> Response {
    let w = shared.lock();
    let id: u64 = id.trim_end_matches('/').parse().unwrap_or(0);
    let page = w
        .smartbill
        .doc_by_id(id)
        .filter(|d| d.kind.slug() == slug && !d.deleted)
        .map(|d| edit_page(&w.smartbill, d, &w.urls.smartbill));
    drop(w);
    match page {
        Some(html) => Resp::html(200, &html).into_response(),
        None => Resp::html(
            404,
            "<html><body><h1>Documentul nu a fost gasit</h1></body></html>",
        )
        .into_response(),
    }
}

fn edit_page(s: &State, d: &Document, origin: &str) -> String {
    let name = if d.draft {
        format!("{} ciorna {}", d.kind.title(), d.series)
    } else {
        format!("{} {} {}", d.kind.title(), d.series, d.number)
    };
    let status = if d.cancelled {
        "Anulata"
    } else if d.reverses.is_some() {
        "Storno"
    } else if d.reversed_by.is_some() {
        "Stornata"
    } else if d.draft {
        "Ciorna"
    } else {
        "Emisa"
    };
    let rows: String = d
        .lines
        .iter()
        .map(|l| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                html_escape(&l.name),
                html_escape(&l.code),
                l.quantity.normalize(),
                html_escape(&l.unit),
                money::fixed(l.amounts.gross, d.precision)
            )
        })
        .collect();
    let unpaid = if d.kind == DocKind::Invoice {
        format!(
            "<p>Rest de plata: <b>{}</b> {}</p>",
            money::fixed(s.unpaid_amount(d), d.precision),
            d.currency
        )
    } else {
        String::new()
    };
    format!(
        "<!doctype html><html lang=\"ro\"><head><meta charset=\"utf-8\"><title>SmartBill Cloud — {title}</title></head><body>\
<h1>SmartBill Cloud — {title}</h1><p>Status: {status}</p><p>Client: {client}</p><p>Data: {date}</p>\
<table border=\"1\"><tr><th>Produs</th><th>Cod</th><th>Cant.</th><th>UM</th><th>Valoare</th></tr>{rows}</table>\
<p>Total: <b>{total}</b> {currency}</p>{unpaid}<p><a href=\"{view}\">Descarca PDF</a></p></body></html>",
        title = html_escape(&name),
        client = html_escape(&d.client_str("name")),
        date = d.issue_date.format("%d.%m.%Y"),
        total = money::fixed(d.totals.gross, d.precision),
        currency = d.currency,
        view = super::state::view_url(origin, d),
    )
}

pub async fn pay(AxState(shared): AxState<Shared>, Path(token): Path<String>) -> Response {
    let w = shared.lock();
    let doc = w
        .smartbill
        .documents
        .iter()
        .find(|d| !d.deleted && d.view_hash.starts_with(&token) && token.len() >= 16);
    let html = doc.map(|d| {
        format!(
            "<!doctype html><html lang=\"ro\"><head><meta charset=\"utf-8\"><title>Plata online</title></head><body><h1>Plata online (simulata)</h1><p>{} {}{}: {} {}</p></body></html>",
            d.kind.title(),
            html_escape(&d.series),
            html_escape(&d.number),
            money::fixed(d.totals.gross, d.precision),
            d.currency
        )
    });
    drop(w);
    match html {
        Some(h) => Resp::html(200, &h).into_response(),
        None => Resp::html(404, "<html><body><h1>Link invalid</h1></body></html>").into_response(),
    }
}
