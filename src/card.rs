//! MiniCRM card pages: `https://r3.minicrm.{tld}/{SystemId}/#Project-{CategoryId}/{ProjectId}`
//! (minicrm-api.md §5). The id in the URL is the card's, not the document's.

use minicrm_smartbill_macros::LeanDeserialize;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CardRef {
    pub origin: String,
    pub system_id: String,
    pub category_id: u64,
    pub project_id: u64,
}

/// Where the panel's place is stored (one place for every card).
pub(crate) const PANEL_PLACE_KEY: &str = "ui.panelPlace";

/// Where the panel sits on the page (pixels from the top-left corner) and whether it is folded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct PanelPlace {
    pub left: Option<i32>,
    pub top: Option<i32>,
    pub collapsed: bool,
}

impl PanelPlace {
    /// Within a sane screen (the page clamps it to its window too).
    pub fn bounded(self) -> PanelPlace {
        PanelPlace {
            left: self.left.map(|v| v.clamp(0, 10_000)),
            top: self.top.map(|v| v.clamp(0, 10_000)),
            collapsed: self.collapsed,
        }
    }

    /// Remembers where the person put the panel (bounded), for every card: the full core's
    /// `panelPlace` and the first module's.
    pub async fn save(self, store: &dyn crate::platform::Store) -> Result<(), String> {
        crate::platform::save(store, PANEL_PLACE_KEY, &self.bounded()).await
    }
}

/// Parses a card URL; `None` for any other page (module lists, the dashboard, other sites).
pub fn parse_card_url(url: &str) -> Option<CardRef> {
    let origin = crate::url::origin(url)?;
    let (_, _, _, rest) = crate::url::split(url)?;
    let (path, hash) = rest.split_once('#')?;
    let path = path.split('?').next().unwrap_or("");
    let system_id = path
        .trim_matches('/')
        .split('/')
        .next()
        .filter(|s| !s.is_empty())?;
    if !system_id.chars().all(|c| c.is_ascii_digit()) || path.trim_matches('/').contains('/') {
        return None;
    }
    let ids = hash.strip_prefix("Project-")?;
    let (category, project) = ids.split_once('/')?;
    let project = project.split(['/', '?', '&']).next().unwrap_or("");
    Some(CardRef {
        origin,
        system_id: system_id.to_string(),
        category_id: category.parse().ok()?,
        project_id: project.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_card_urls_only() {
        let c = parse_card_url("https://r3.minicrm.ro/53832/#Project-21/1201").unwrap();
        assert_eq!(
            (c.system_id.as_str(), c.category_id, c.project_id),
            ("53832", 21, 1201)
        );
        assert_eq!(c.origin, "https://r3.minicrm.ro");
        assert!(parse_card_url("http://127.0.0.1:4100/53832/#Project-22/1301").is_some());
        assert_eq!(parse_card_url("https://r3.minicrm.ro/53832/#Project-21"), None);
        assert_eq!(parse_card_url("https://r3.minicrm.ro/53832/"), None);
        assert_eq!(
            parse_card_url("https://r3.minicrm.ro/53832/Settings/#Project-21/5"),
            None
        );
        assert_eq!(parse_card_url("https://r3.minicrm.ro/#Project-21/5"), None);
        assert_eq!(parse_card_url("https://r3.minicrm.ro/53832/#Project-x/5"), None);
    }
}
