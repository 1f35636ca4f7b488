//! The import page's `#[wasm_bindgen]` surface (module `pkg/import`, built with the `import`
//! feature; the service worker's module has none of this). The page hands over the file's bytes,
//! shows the preview this returns, forwards column choices, and sends the candidates to the
//! background worker. Errors come back as `{code, message}` objects, never as panics.

use wasm_bindgen::prelude::*;

use super::session::Session;
use crate::error::import::ImportError;
use crate::i18n::Lang;

fn to_js<T: serde::Serialize + ?Sized>(value: &T) -> JsValue {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value.serialize(&serializer).unwrap_or(JsValue::NULL)
}

fn error_js(e: &ImportError, lang: Lang) -> JsValue {
    to_js(&serde_json::json!({"code": e.code(), "message": e.message(lang)}))
}

#[wasm_bindgen]
pub struct ImportSession {
    session: Session,
}

#[wasm_bindgen]
impl ImportSession {
    /// Parses the file, picks the sheet with clients, detects the header and validates the rows.
    pub fn open(bytes: &[u8], file_name: &str, lang: &str) -> Result<ImportSession, JsValue> {
        let lang = Lang::from_tag(lang);
        super::open(bytes, file_name, lang)
            .map(|session| ImportSession { session })
            .map_err(|e| error_js(&e, lang))
    }

    /// Mapping, counts, rows with problems, notes.
    pub fn preview(&self) -> JsValue {
        to_js(&self.session.preview())
    }

    /// Maps a column to a target id ("" ignores it); returns the new preview.
    #[wasm_bindgen(js_name = setColumn)]
    pub fn set_column(&mut self, column: usize, target: &str) -> Result<JsValue, JsValue> {
        let lang = self.session.lang;
        self.session
            .set_column(column, target)
            .map_err(|e| error_js(&e, lang))?;
        Ok(self.preview())
    }

    /// Uses another sheet of the workbook; returns the new preview.
    #[wasm_bindgen(js_name = setSheet)]
    pub fn set_sheet(&mut self, index: usize) -> Result<JsValue, JsValue> {
        let lang = self.session.lang;
        self.session.set_sheet(index).map_err(|e| error_js(&e, lang))?;
        Ok(self.preview())
    }

    /// The validated rows, as the background's `match` action takes them.
    pub fn candidates(&self) -> JsValue {
        to_js(self.session.candidates())
    }

    /// The whole `match` action for the background (file name, content hash, candidates).
    #[wasm_bindgen(js_name = matchAction)]
    pub fn match_action(&self) -> JsValue {
        to_js(&self.session.match_action())
    }
}

/// Parse + detect + map + validate, for the benchmark: returns the counts only.
#[wasm_bindgen(js_name = parseAndMap)]
pub fn parse_and_map(bytes: &[u8]) -> Result<JsValue, JsValue> {
    let session = super::open(bytes, "bench.xlsx", Lang::Ro).map_err(|e| error_js(&e, Lang::Ro))?;
    let c = session.candidates();
    let valid = c.iter().filter(|c| c.valid()).count();
    Ok(to_js(&serde_json::json!({"rows": c.len(), "valid": valid})))
}
