//! The request-log checker behind `cargo run -p sandbox --bin check-requests -- FILES…`: every
//! request the sandbox logged (`sandbox --request-log FILE`, one JSON line each, see
//! [`crate::http::RequestLogFile`]) is judged against the allow-list of [`crate::documented`],
//! under the strict readings: a parameter or key that only a lenient reading accepts is reported
//! too, with that reading's name, since a client cannot rely on it.
//!
//! Custom fields are judged against the tenant schemas the sandbox defines (every shape), the same
//! tables the fake MiniCRM serves.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::documented::{self, Finding, Reading, Readings, Scope};
use crate::http::Service;

/// One undocumented use, aggregated: where, what, and how often.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Use {
    pub service: String,
    pub method: String,
    /// The endpoint's pattern (`/Api/Offer/List`), or the path with ids as `{id}` when no
    /// endpoint is documented.
    pub endpoint: String,
    pub finding: Finding,
}

#[derive(Debug, Default)]
pub struct Report {
    pub files: usize,
    pub requests: usize,
    /// Lines that are not a logged request (reported, never fatal by themselves).
    pub unreadable: usize,
    pub uses: BTreeMap<Use, usize>,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.uses.is_empty()
    }

    /// The human report: one line per undocumented use, with the count.
    pub fn render(&self) -> String {
        let mut out = format!(
            "check-requests: {} request(s) in {} file(s): {}\n",
            self.requests,
            self.files,
            if self.is_clean() {
                "every parameter and body key is documented".to_string()
            } else {
                format!("{} undocumented use(s)", self.uses.len())
            }
        );
        for (u, count) in &self.uses {
            let (what, reading) = match &u.finding {
                Finding::Endpoint(r) => ("endpoint not documented".to_string(), *r),
                Finding::Query(name, r) => (format!("query parameter '{name}'"), *r),
                Finding::Body(path, r) => (format!("body key '{path}'"), *r),
            };
            let note = reading
                .map(|r| format!(" (accepted only under the lenient reading of {})", r.key()))
                .unwrap_or_default();
            out.push_str(&format!(
                "  {} {} {}: {what} ×{count}{note}\n",
                u.service, u.method, u.endpoint
            ));
        }
        if self.unreadable > 0 {
            out.push_str(&format!("  ({} unreadable line(s) skipped)\n", self.unreadable));
        }
        out
    }
}

/// Whether `name` is a custom field of `scope` in any tenant shape the sandbox defines.
pub fn known_schema_field(scope: Scope, name: &str) -> bool {
    use crate::minicrm::CategoryKind;
    match scope {
        Scope::Card | Scope::NewCard | Scope::AnyCard => crate::minicrm::known_card_field(None, name),
        Scope::OfferCard => crate::minicrm::known_card_field(Some(CategoryKind::Offer), name),
        Scope::OrderCard => crate::minicrm::known_card_field(Some(CategoryKind::Order), name),
        Scope::Contact => crate::minicrm::known_contact_field(name),
        Scope::ContactCustom => {
            !documented::minicrm::STANDARD_CONTACT_KEYS.contains(&name)
                && crate::minicrm::known_contact_field(name)
        }
        Scope::Product => false,
    }
}

/// `/Api/R3/Project/1001` → `/Api/R3/Project/{id}`.
fn generic_path(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
                "{id}"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The undocumented uses of one logged request (a line of the request log).
pub fn check_line(line: &Value) -> Option<Vec<Use>> {
    let service: Service = serde_json::from_value(line.get("service")?.clone()).ok()?;
    let method = line.get("method")?.as_str()?.to_string();
    let path = line.get("path")?.as_str()?.to_string();
    let names: Vec<String> = line
        .get("query")?
        .as_array()?
        .iter()
        .filter_map(|p| p.get(0).and_then(Value::as_str).map(str::to_string))
        .collect();
    let keys: Vec<String> = line
        .get("bodyKeys")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    // A CORS preflight is the browser asking whether it may send a request (for example from
    // the options page while host permissions are withdrawn): it carries no parameters and is not
    // a call the product makes.
    if method == "OPTIONS" {
        return Some(Vec::new());
    }
    let service_name = match service {
        Service::MiniCrm => "minicrm",
        Service::SmartBill => "smartbill",
        // SmartBill's stock webhook deliveries go out from the sandbox to team mode's Worker:
        // not a request to a vendor's API.
        Service::Webhook => return Some(Vec::new()),
    };
    let make = |endpoint: &str, finding: Finding| Use {
        service: service_name.to_string(),
        method: method.clone(),
        endpoint: endpoint.to_string(),
        finding,
    };
    let Some(endpoint) = documented::lookup(service, &method, &path) else {
        return Some(vec![make(&generic_path(&path), Finding::Endpoint(None))]);
    };
    let strict = Readings::strict();
    let mut out = Vec::new();
    if let Some(r) = endpoint.lenient_only {
        out.push(make(endpoint.path, Finding::Endpoint(Some(r))));
    }
    let schemas = |scope: Scope, name: &str| known_schema_field(scope, name);
    for (name, reading) in
        documented::undocumented_query(endpoint, names.iter().map(String::as_str), strict, &schemas)
    {
        out.push(make(endpoint.path, Finding::Query(name, reading)));
    }
    for (key, reading) in documented::undocumented_body(endpoint, &keys, strict, &schemas) {
        out.push(make(endpoint.path, Finding::Body(key, reading)));
    }
    Some(out)
}

/// Checks JSON lines (the content of one log file) into `report`.
pub fn check_text(text: &str, report: &mut Report) {
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let parsed: Option<Vec<Use>> = serde_json::from_str::<Value>(line)
            .ok()
            .and_then(|v| check_line(&v));
        match parsed {
            Some(uses) => {
                report.requests += 1;
                for u in uses {
                    *report.uses.entry(u).or_insert(0) += 1;
                }
            }
            None => report.unreadable += 1,
        }
    }
}

/// The files to read: the arguments, with every `*.jsonl` of a directory argument.
pub fn collect_files(args: &[String]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for arg in args {
        let p = Path::new(arg);
        if p.is_dir() {
            let entries = std::fs::read_dir(p).map_err(|e| format!("{arg}: {e}"))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "jsonl"))
                .collect();
            found.sort();
            files.extend(found);
        } else if p.is_file() {
            files.push(p.to_path_buf());
        } else {
            return Err(format!("{arg}: no such file or directory"));
        }
    }
    Ok(files)
}

/// Reads and checks every file.
pub fn check_files(files: &[PathBuf]) -> Result<Report, String> {
    let mut report = Report::default();
    for f in files {
        let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        report.files += 1;
        check_text(&text, &mut report);
    }
    Ok(report)
}

/// What `check-requests` does with its arguments: the report and the exit code (0 clean, 1
/// undocumented uses, 2 nothing to check or unreadable input).
pub fn run(args: &[String]) -> (String, u8) {
    let files = match collect_files(args) {
        Ok(f) => f,
        Err(e) => return (format!("check-requests: {e}\n"), 2),
    };
    if files.is_empty() {
        return (
            "check-requests: no request log to check (give files or a directory of *.jsonl)\n".into(),
            2,
        );
    }
    match check_files(&files) {
        Ok(report) => {
            let code = if report.is_clean() { 0 } else { 1 };
            (report.render(), code)
        }
        Err(e) => (format!("check-requests: {e}\n"), 2),
    }
}

/// The reading an undocumented use would need, if any (for callers that want to group by it).
pub fn reading_of(finding: &Finding) -> Option<Reading> {
    match finding {
        Finding::Endpoint(r) | Finding::Query(_, r) | Finding::Body(_, r) => *r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn line(service: &str, method: &str, path: &str, query: &[(&str, &str)], keys: &[&str]) -> String {
        let q: Vec<Value> = query.iter().map(|(k, v)| json!([k, v])).collect();
        json!({"service": service, "method": method, "path": path, "query": q, "bodyKeys": keys,
               "status": 200, "readings": "strict", "atMs": 0})
        .to_string()
    }

    #[test]
    fn flags_an_undocumented_parameter_with_its_endpoint_and_count() {
        let text = [
            line("minicrm", "GET", "/Api/Offer/List", &[("ProjectId", "1001")], &[]),
            line(
                "minicrm",
                "GET",
                "/Api/Offer/List",
                &[("ProjectId", "1002"), ("Page", "1")],
                &[],
            ),
            line(
                "minicrm",
                "GET",
                "/Api/Offer/List",
                &[("UpdatedSince", "2026-01-01 10:00")],
                &[],
            ),
            line(
                "minicrm",
                "GET",
                "/Api/Order/List",
                &[("Status", "Finalizată")],
                &[],
            ),
        ]
        .join("\n");
        let mut report = Report::default();
        check_text(&text, &mut report);
        assert_eq!(report.requests, 4);
        assert!(!report.is_clean());
        let key = Use {
            service: "minicrm".into(),
            method: "GET".into(),
            endpoint: "/Api/Offer/List".into(),
            finding: Finding::Query("ProjectId".into(), None),
        };
        assert_eq!(report.uses.get(&key), Some(&2));
        assert_eq!(report.uses.len(), 2, "{:?}", report.uses);
        let text = report.render();
        assert!(
            text.contains("minicrm GET /Api/Offer/List: query parameter 'ProjectId' ×2"),
            "{text}"
        );
        assert!(
            text.contains("minicrm GET /Api/Order/List: query parameter 'Status' ×1"),
            "{text}"
        );
    }

    #[test]
    fn a_cors_preflight_is_not_a_call_but_its_get_is_judged() {
        let text = [
            line("minicrm", "OPTIONS", "/Api/R3/Category", &[], &[]),
            line("minicrm", "GET", "/Api/R3/Nowhere", &[], &[]),
        ]
        .join("\n");
        let mut report = Report::default();
        check_text(&text, &mut report);
        assert_eq!(report.uses.len(), 1, "{:?}", report.uses);
        assert!(report.render().contains("minicrm GET /Api/R3/Nowhere"));
    }

    #[test]
    fn documented_requests_pass_and_custom_fields_come_from_the_schemas() {
        let text = [
            line(
                "minicrm",
                "GET",
                "/Api/Offer/List",
                &[("Page", "1"), ("StatusGroup", "Success")],
                &[],
            ),
            line(
                "minicrm",
                "POST",
                "/Api/Offer/931/Project",
                &[],
                &["SmartBillInvoiceNumber", "StatusId"],
            ),
            line(
                "minicrm",
                "POST",
                "/Api/Order/845/Project",
                &[],
                &["Text3301", "Enum3303"],
            ),
            line(
                "minicrm",
                "GET",
                "/Api/R3/Contact",
                &[("CodClientSmartBill", "C1")],
                &[],
            ),
            line("minicrm", "PUT", "/Api/R3/Project/1001", &[], &["File2204"]),
            line(
                "smartbill",
                "GET",
                "/SBORO/api/invoice/paymentstatus",
                &[("cif", "RO1"), ("seriesname", "FCT"), ("number", "0001")],
                &[],
            ),
            line(
                "smartbill",
                "POST",
                "/SBORO/api/invoice/v2",
                &[],
                &[
                    "companyVatCode",
                    "client",
                    "client.name",
                    "products",
                    "products[].name",
                ],
            ),
        ]
        .join("\n");
        let mut report = Report::default();
        check_text(&text, &mut report);
        assert!(report.is_clean(), "{}", report.render());
    }

    #[test]
    fn lenient_only_uses_name_their_reading() {
        let text = [
            line("minicrm", "GET", "/Api/R3/Contact", &[("VatNumber", "123")], &[]),
            line("minicrm", "POST", "/Api/Offer/931/Project", &[], &["Nope"]),
            line("minicrm", "GET", "/Api/Order/841/Finalize", &[], &[]),
            line("minicrm", "GET", "/Api/R3/Nothing/1", &[], &[]),
            line(
                "smartbill",
                "GET",
                "/SBORO/api/invoice/pdf",
                &[("cif", "RO1"), ("seriesName", "FCT")],
                &[],
            ),
            line(
                "smartbill",
                "POST",
                "/SBORO/api/invoice/v2",
                &[],
                &["products", "products[].useSBProductName"],
            ),
            "not json".to_string(),
        ]
        .join("\n");
        let mut report = Report::default();
        check_text(&text, &mut report);
        assert_eq!(report.unreadable, 1);
        let findings: Vec<(&str, &Finding)> = report
            .uses
            .keys()
            .map(|u| (u.endpoint.as_str(), &u.finding))
            .collect();
        assert!(findings.contains(&("/Api/R3/Contact", &Finding::Query("VatNumber".into(), None))));
        assert!(findings.contains(&("/Api/Offer/{id}/Project", &Finding::Body("Nope".into(), None))));
        assert!(findings.contains(&(
            "/Api/Order/{id}/Finalize",
            &Finding::Endpoint(Some(Reading::OrderTransitionsGet))
        )));
        assert!(findings.contains(&("/Api/R3/Nothing/{id}", &Finding::Endpoint(None))));
        assert!(findings.contains(&(
            "/SBORO/api/invoice/pdf",
            &Finding::Query("seriesName".into(), Some(Reading::SeriesNameCamelCase))
        )));
        assert!(findings.contains(&(
            "/SBORO/api/invoice/v2",
            &Finding::Body(
                "products[].useSBProductName".into(),
                Some(Reading::BodyFieldsOutsideSwagger)
            )
        )));
        assert!(report.render().contains("lenient reading of seriesNameCamelCase"));
    }

    #[test]
    fn run_reads_files_and_directories_and_sets_the_exit_code() {
        let dir = std::env::temp_dir().join(format!("check-requests-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("a.jsonl");
        std::fs::write(
            &bad,
            line("minicrm", "GET", "/Api/Offer/List", &[("CustomerId", "1")], &[]) + "\n",
        )
        .unwrap();
        let (text, code) = run(&[dir.display().to_string()]);
        assert_eq!(code, 1, "{text}");
        assert!(text.contains("query parameter 'CustomerId' ×1"), "{text}");
        std::fs::write(
            &bad,
            line("minicrm", "GET", "/Api/Offer/List", &[("Page", "0")], &[]) + "\n",
        )
        .unwrap();
        assert_eq!(run(&[bad.display().to_string()]).1, 0);
        assert_eq!(run(&[]).1, 2);
        assert_eq!(run(&[dir.join("missing.jsonl").display().to_string()]).1, 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
