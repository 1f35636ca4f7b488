//! Company import from SmartBill's client export (.xlsx). Placeholder until the import lands.

use serde_json::Value;

use crate::api::App;
use crate::error::{Error, Result};
use crate::i18n::Lang;

/// Commands of the import page, run in the background worker.
pub async fn handle(_app: &App<'_>, action: Value, _lang: Lang) -> Result<Value> {
    Err(Error::BadCommand {
        detail: format!("import action not available yet: {action}"),
    })
}
