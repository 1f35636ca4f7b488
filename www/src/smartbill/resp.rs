//! Response bodies of SmartBill V1 (reference §3.3), built synchronously under the world lock and
//! turned into an axum response afterwards.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// A finished answer: status, headers, body.
#[derive(Clone, Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

pub type Result<T> = std::result::Result<T, Resp>;

impl Resp {
    pub fn new(status: u16, content_type: &str, body: Vec<u8>) -> Resp {
        Resp {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body,
        }
    }

    pub fn json(status: u16, value: &Value) -> Resp {
        Resp::new(
            status,
            "application/json;charset=UTF-8",
            value.to_string().into_bytes(),
        )
    }

    pub fn html(status: u16, html: &str) -> Resp {
        Resp::new(status, "text/html;charset=utf-8", html.as_bytes().to_vec())
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Resp {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The body as JSON (tests, logging).
    pub fn json_body(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl IntoResponse for Resp {
    fn into_response(self) -> Response {
        let mut resp = Response::new(Body::from(self.body));
        *resp.status_mut() = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        for (name, value) in self.headers {
            if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::from_str(&value)) {
                resp.headers_mut().insert(n, v);
            }
        }
        resp
    }
}

/// The classic envelope: `{"errorText","message","number","series","url"}`.
pub fn classic(error_text: &str, message: &str, number: &str, series: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("errorText".into(), json!(error_text));
    m.insert("message".into(), json!(message));
    m.insert("number".into(), json!(number));
    m.insert("series".into(), json!(series));
    m.insert("url".into(), json!(""));
    m
}

/// A business error in the classic envelope.
pub fn error(status: u16, text: &str) -> Resp {
    Resp::json(status, &Value::Object(classic(text, "", "", "")))
}

/// A success message in the classic envelope (cancel, restore, delete…).
pub fn message(text: &str) -> Resp {
    Resp::json(200, &Value::Object(classic("", text, "", "")))
}

/// An error of a create call (invoice, proforma, storno): the classic envelope plus
/// `documentUrl:""`, `documentId:-1`, `documentViewUrl:""` (§2.1, §2.6).
pub fn create_error(status: u16, text: &str) -> Resp {
    let mut m = classic(text, "", "", "");
    m.insert("documentUrl".into(), json!(""));
    m.insert("documentId".into(), json!(-1));
    m.insert("documentViewUrl".into(), json!(""));
    Resp::json(status, &Value::Object(m))
}

/// The 401 body of §3.3(2).
pub fn unauthorized(text: &str) -> Resp {
    Resp::json(
        401,
        &json!({
            "key": "!.oresp@&",
            "successfully": false,
            "errorText": text,
            "errorCode": "0",
            "message": "",
            "operationExecuted": false,
            "cooldown": 0,
            "needsConsent": false
        }),
    )
}

pub const AUTH_FAILED: &str = "Autentificare esuata. Va rugam verificati datele si incercati din nou.";
pub const COMPANY_UNAVAILABLE: &str =
    "Firma la care incercati sa va conectati nu mai este disponibila in Cloud.";

const DOC_URL: &str = "https://api.smartbill.ro/#v3-error-invalid_request_error";

/// The pre-validation envelope of §3.3(3).
pub fn invalid_request(status: u16, instance: &str, code: &str, message: &str, param: Option<&str>) -> Resp {
    let mut err = Map::new();
    err.insert("code".into(), json!(code));
    err.insert("message".into(), json!(message));
    err.insert("docUrl".into(), json!(DOC_URL));
    if let Some(p) = param {
        err.insert("param".into(), json!(p));
    }
    Resp::json(
        status,
        &json!({"status": status, "type": "invalid_request_error", "instance": instance, "errors": [Value::Object(err)]}),
    )
}

/// nginx's 502 page (§2.3: `/invoice/pdf` with missing parameters or an unknown invoice).
pub fn bad_gateway() -> Resp {
    Resp::html(
        502,
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
    )
}

/// Tomcat-style page for an unknown path. [INF] shape not documented.
pub fn not_found(path: &str) -> Resp {
    Resp::html(
        404,
        &format!(
            "<!doctype html><html lang=\"en\"><head><title>HTTP Status 404 – Not Found</title></head><body><h1>HTTP Status 404 – Not Found</h1><hr class=\"line\" /><p><b>Type</b> Status Report</p><p><b>Message</b> {}</p><hr class=\"line\" /></body></html>",
            html_escape(path)
        ),
    )
}

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
