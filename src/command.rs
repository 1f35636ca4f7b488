//! The messages the extension's pages and content scripts send to the core: who sent one
//! ([`Sender`]), what it asks ([`Command`]) and which sender may ask what. `api` runs them.

use minicrm_smartbill_macros::LeanDeserialize;
use serde::{Deserialize, Deserializer, Serialize};

use crate::card::CardRef;
pub use crate::card::PanelPlace;
use crate::emission::panel::{CardReply, PanelState};
use crate::error::{EmissionProblem, Error, ErrorView};
use crate::i18n::Lang;
#[cfg(not(all(
    any(feature = "sw", feature = "setup", feature = "tick"),
    not(feature = "importjob")
)))]
pub use crate::import::ImportAction;
/// The full core, the tick module and the setup module do not run the import: the import job's
/// module does, and the worker's first module sends it the import page's commands
/// (`front::module_for`). They read such an action past, not into the import's types, whose
/// readers would otherwise be linked in.
#[cfg(all(
    any(feature = "sw", feature = "setup", feature = "tick"),
    not(feature = "importjob")
))]
pub type ImportAction = serde::de::IgnoredAny;
use crate::jobs::JobKind;
#[cfg(not(setup_elsewhere))]
pub use crate::settings::SettingsInput;
/// A worker module other than the setup module (`cfg(setup_elsewhere)`: build.rs) does not run
/// the setup commands: the first module sends them to the setup module. It reads their settings
/// past, not into the input's types.
#[cfg(setup_elsewhere)]
pub type SettingsInput = serde::de::IgnoredAny;

/// Who sent a message, as the background script saw it (`chrome.runtime.MessageSender`).
#[derive(Clone, Debug, Default, LeanDeserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct Sender {
    /// `chrome.runtime.id`.
    pub extension_id: String,
    /// `chrome.runtime.getURL("")`: the extension's own origin, `chrome-extension://<id>/` in
    /// Chromium, `moz-extension://<uuid>/` in Firefox, whose UUID is per profile and is not the
    /// add-on id. Empty: taken to be `chrome-extension://<extension_id>/`.
    pub extension_url: String,
    /// `sender.id`: must equal `extension_id`.
    pub sender_id: String,
    /// `sender.url`: an extension page (`chrome-extension://<id>/options.html`) or a web page.
    pub url: String,
    /// The browser's UI language (`chrome.i18n.getUILanguage()`).
    pub lang: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SenderKind {
    /// The extension's own pages (options, popup, import): may see and change settings.
    ExtensionPage,
    /// A content script on a MiniCRM page: may only ask about cards and emit.
    ContentScript,
}

impl Sender {
    pub fn kind(&self) -> Option<SenderKind> {
        if self.extension_id.is_empty() || self.sender_id != self.extension_id {
            return None;
        }
        // Only the extension's own origin makes an extension page; any other URL (a web page, or
        // another moz-extension:// origin) is at most a content script.
        let own = if self.extension_url.is_empty() {
            format!("chrome-extension://{}/", self.extension_id)
        } else {
            self.extension_url.clone()
        };
        Some(if self.url.starts_with(&own) {
            SenderKind::ExtensionPage
        } else {
            SenderKind::ContentScript
        })
    }

    pub fn lang(&self) -> Lang {
        Lang::from_tag(&self.lang)
    }

    /// The page a panel's command is about: a content script acts only on the card of its own
    /// page, as the browser reports it (`url`), never on a URL inside the message (`named`); an
    /// extension page names the page.
    pub fn page<'a>(&'a self, kind: SenderKind, named: &'a str) -> &'a str {
        match kind {
            SenderKind::ContentScript => &self.url,
            SenderKind::ExtensionPage => named,
        }
    }
}

/// A message names its command in `cmd`, beside the command's fields (`{"cmd": "card", "url": …}`),
/// read through [`crate::tagged`] (not serde's `tag = "cmd"`, which costs the WASM a second
/// deserializer for every variant).
#[derive(Clone, Debug, Deserialize)]
#[serde(remote = "Self", rename = "\u{0}cmd", rename_all = "camelCase")]
pub enum Command {
    /// Options page: the stored settings, secrets hidden.
    GetSettings {},
    /// Options page: validate and store.
    SaveSettings { settings: SettingsInput },
    /// Options page: prove the SmartBill side works with the form's values.
    TestSmartBill { settings: SettingsInput },
    /// Options page: prove the MiniCRM side works with the form's values.
    TestMiniCrm { settings: SettingsInput },
    /// Content script: should a panel show on this page, and in which state? The card is the
    /// sender's page (`sender.url`); `url` is what the content script believes it is.
    PanelState {
        #[serde(default)]
        url: String,
        /// The state the panel shows (none before it first draws): what an error is drawn over.
        #[serde(default)]
        shown: Option<PanelState>,
    },
    /// Content script: an action on the card of the sender's page (emit, cancel, PDF, …). `url` is
    /// the page the panel was drawn for: when the page has moved to another card since, an action
    /// that changes anything is refused (a new click is needed).
    Card {
        #[serde(default)]
        url: String,
        action: CardAction,
        /// For `confirm`: the number SmartBill issued, or none for "it was not issued".
        #[serde(default)]
        number: Option<String>,
        /// The state the panel shows: what an error is drawn over.
        #[serde(default)]
        shown: Option<PanelState>,
    },
    /// Content script: open the options page.
    OpenOptions {},
    /// Content script: where the person put the panel (remembered for every card).
    PanelPlace { place: PanelPlace },
    /// Sandbox builds only (tests): a panic in the core, to prove a trap ends as an error a person
    /// sees and a fresh worker, never a stuck card.
    Trap {},
    /// The background's alarm (or "sync now"): resume unfinished work, poll for triggers.
    Tick {
        /// The alarm that fired (`schedule::alarms`' names); none at the browser's start and
        /// from a page. A "continue" alarm, set only so that a job or an outcome goes on sooner,
        /// does not poll for triggers: the "tick" alarm's period does.
        #[serde(default)]
        alarm: Option<String>,
    },
    /// Options page: the setup checklist and what the field mapping needs from the schema.
    Checklist { settings: Option<SettingsInput> },
    /// Popup/options: run the payment refresh and/or the stock sync now.
    SyncNow {
        #[serde(default)]
        kind: Option<JobKind>,
    },
    /// Popup/options: stop a running job after its current item.
    CancelJob { kind: JobKind },
    /// Popup/options: progress, last results, next runs, activity log.
    JobsStatus {},
    /// Options page: SmartBill's warehouses (`GET /stocks`).
    Warehouses {},
    /// Import page: company import from SmartBill's client export (see `import`). The action
    /// names its kind in `type` (`{"cmd": "import", "action": {"type": "status", …}}`).
    Import { action: ImportAction },
    /// Options page: "Test connection" of the team server, with the form's address and key.
    TestServer { settings: SettingsInput },
}

impl<'de> Deserialize<'de> for Command {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // The internally tagged form (`crate::tagged`).
        Command::deserialize(deserializer)
    }
}

impl Command {
    /// The command's name in messages (`cmd`).
    pub fn name(&self) -> &'static str {
        match self {
            Command::GetSettings {} => "getSettings",
            Command::SaveSettings { .. } => "saveSettings",
            Command::TestSmartBill { .. } => "testSmartBill",
            Command::TestMiniCrm { .. } => "testMiniCrm",
            Command::PanelState { .. } => "panelState",
            Command::Card { .. } => "card",
            Command::OpenOptions {} => "openOptions",
            Command::PanelPlace { .. } => "panelPlace",
            Command::Trap {} => "trap",
            Command::Tick { .. } => "tick",
            Command::Checklist { .. } => "checklist",
            Command::SyncNow { .. } => "syncNow",
            Command::CancelJob { .. } => "cancelJob",
            Command::JobsStatus {} => "jobsStatus",
            Command::Warehouses {} => "warehouses",
            Command::Import { .. } => "import",
            Command::TestServer { .. } => "testServer",
        }
    }

    /// Whether a sender of this kind may send this command.
    pub fn allowed_from(&self, kind: SenderKind) -> bool {
        match kind {
            SenderKind::ExtensionPage => true,
            SenderKind::ContentScript => {
                matches!(
                    self,
                    Command::PanelState { .. }
                        | Command::Card { .. }
                        | Command::OpenOptions {}
                        | Command::PanelPlace { .. }
                )
            }
        }
    }
}

/// A panel's command on its card: `panelState` (nothing drawn for, [`CardAction::State`]) or
/// `card`.
pub struct CardAsk<'a> {
    /// The page the panel was drawn for (`card` only): an action that changes anything is refused
    /// when the page has moved to another card since.
    pub drawn_for: Option<&'a str>,
    pub action: CardAction,
    pub number: Option<String>,
    /// The state the panel shows: what an error is drawn over.
    pub shown: Option<PanelState>,
}

impl CardAsk<'_> {
    /// `card`: an action on the card of the page the panel was drawn for.
    pub fn card(
        drawn_for: &str,
        action: CardAction,
        number: Option<String>,
        shown: Option<PanelState>,
    ) -> CardAsk<'_> {
        CardAsk {
            drawn_for: Some(drawn_for),
            action,
            number,
            shown,
        }
    }

    /// `panelState`: what the panel shows, asking nothing.
    pub fn state(shown: Option<PanelState>) -> CardAsk<'static> {
        CardAsk {
            drawn_for: None,
            action: CardAction::State,
            number: None,
            shown,
        }
    }

    /// The refusal of an action that changes anything when the page has moved to another card
    /// since the panel was drawn (a new click is needed); nothing is done.
    pub fn page_moved(&self, card: &CardRef, lang: Lang) -> Option<CardReply> {
        let moved = self
            .drawn_for
            .map(crate::card::parse_card_url)
            .is_some_and(|drawn| drawn.as_ref() != Some(card));
        if !moved || matches!(self.action, CardAction::State | CardAction::Changed) {
            return None;
        }
        let e = Error::from(EmissionProblem::PageChanged);
        Some(CardReply {
            redraw: Some(true),
            ..CardReply::error(card.clone(), ErrorView::new(&e, lang), self.shown, None)
        })
    }
}

pub(crate) use crate::card::PANEL_PLACE_KEY;

/// What the panel can ask about its card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CardAction {
    State,
    Emit,
    Retry,
    Reissue,
    Cancel,
    Reverse,
    Confirm,
    Pdf,
    Changed,
    /// Cancel a suspected duplicate (`number` = "FCT 0124"), or dismiss the suspicion (none).
    CancelDuplicate,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const ID: &str = "minicrm-smartbill@extension";
    const FIREFOX_BASE: &str = "moz-extension://0b0c1c9e-5d4e-4b2a-9c55-2f6f0e8b7a11/";

    fn firefox(url: &str) -> Sender {
        Sender {
            extension_id: ID.into(),
            extension_url: FIREFOX_BASE.into(),
            sender_id: ID.into(),
            url: url.into(),
            lang: "ro".into(),
        }
    }

    fn parse(message: Value) -> Result<Command, String> {
        crate::platform::from_value::<Command>(message).map_err(|e| e.to_string())
    }

    #[test]
    fn messages_name_their_command_in_cmd_beside_its_fields() {
        assert!(matches!(
            parse(serde_json::json!({"cmd": "tick"})),
            Ok(Command::Tick { alarm: None })
        ));
        // Fields a command does not have are ignored, as the pages send some everywhere.
        assert!(matches!(
            parse(serde_json::json!({"cmd": "getSettings", "url": "https://x"})),
            Ok(Command::GetSettings {})
        ));
        match parse(serde_json::json!({"cmd": "card", "url": "u", "action": "emit"})) {
            Ok(Command::Card {
                url,
                action,
                number,
                shown,
            }) => {
                assert_eq!(
                    (url.as_str(), action, number, shown),
                    ("u", CardAction::Emit, None, None)
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse(serde_json::json!({"cmd": "panelState"})),
            Ok(Command::PanelState { url, shown: None }) if url.is_empty()
        ));
        let missing = parse(serde_json::json!({"url": "u"})).unwrap_err();
        assert!(missing.contains("cmd"), "{missing}");
        let unknown = parse(serde_json::json!({"cmd": "format"})).unwrap_err();
        assert!(unknown.contains("unknown variant `format`"), "{unknown}");
        let wrong = parse(serde_json::json!({"cmd": "card", "url": "u", "action": "burn"})).unwrap_err();
        assert!(wrong.contains("burn"), "{wrong}");
        assert!(parse(serde_json::json!(["tick"])).is_err());
        // A text parses the same (the tests' and the server's path).
        let text: Command = crate::platform::from_json(br#"{"cmd":"cancelJob","kind":"stock"}"#).unwrap();
        assert!(matches!(text, Command::CancelJob { .. }));
    }

    fn import(action: Value) -> Result<ImportAction, String> {
        match parse(serde_json::json!({"cmd": "import", "action": action}))? {
            Command::Import { action } => Ok(action),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_import_pages_actions_are_typed_and_name_themselves_in_type() {
        use serde_json::json;
        assert_eq!(
            import(json!({"type": "status", "offset": 50, "limit": 20})),
            Ok(ImportAction::Status {
                offset: 50,
                limit: 20
            })
        );
        // The page's first status asks for neither: the first page of 50 rows.
        assert_eq!(
            import(json!({"type": "status"})),
            Ok(ImportAction::Status { offset: 0, limit: 50 })
        );
        assert_eq!(import(json!({"type": "start"})), Ok(ImportAction::Start {}));
        assert_eq!(import(json!({"type": "cancel"})), Ok(ImportAction::Cancel {}));
        assert_eq!(import(json!({"type": "report"})), Ok(ImportAction::Report {}));
        assert_eq!(import(json!({"type": "discard"})), Ok(ImportAction::Discard {}));
        assert_eq!(
            import(json!({"type": "fileRejected"})),
            Ok(ImportAction::FileRejected {})
        );
        let candidate = json!({"row": 2, "key": "cif:18547290", "name": "Alfa SRL", "vat": "18547290"});
        match import(
            json!({"type": "match", "fileName": "clienti.xlsx", "fileHash": "ab-3", "candidates": [candidate]}),
        ) {
            Ok(ImportAction::Match {
                file_name,
                file_hash,
                candidates,
            }) => {
                assert_eq!((file_name.as_str(), file_hash.as_str()), ("clienti.xlsx", "ab-3"));
                assert_eq!(candidates.len(), 1);
                assert_eq!((candidates[0].row, candidates[0].name.as_str()), (2, "Alfa SRL"));
            }
            other => panic!("{other:?}"),
        }
        // An older page without the file's hash: nothing is reused, the action still goes.
        assert!(matches!(
            import(json!({"type": "match", "fileName": "a.xlsx", "candidates": []})),
            Ok(ImportAction::Match { file_hash, .. }) if file_hash.is_empty()
        ));
    }

    #[test]
    fn a_wrong_import_action_is_refused_with_what_is_wrong() {
        use serde_json::json;
        let unknown = import(json!({"type": "burn"})).unwrap_err();
        assert!(
            unknown.contains("import action: unknown variant `burn`"),
            "{unknown}"
        );
        assert!(unknown.contains("`fileRejected`"), "{unknown}");
        let untyped = import(json!({"offset": 3})).unwrap_err();
        assert!(untyped.contains("missing field `type`"), "{untyped}");
        let incomplete = import(json!({"type": "match", "fileName": "a.xlsx"})).unwrap_err();
        assert!(incomplete.contains("missing field `candidates`"), "{incomplete}");
        let wrong = import(json!({"type": "status", "offset": "first"})).unwrap_err();
        assert!(wrong.contains("import action: invalid type"), "{wrong}");
        let missing = parse(json!({"cmd": "import"})).unwrap_err();
        assert!(missing.contains("missing field `action`"), "{missing}");
        assert!(parse(json!({"cmd": "import", "action": "status"})).is_err());
    }

    #[test]
    fn firefox_pages_are_recognised_by_their_uuid_origin_not_the_add_on_id() {
        let options = firefox(&format!("{FIREFOX_BASE}options.html"));
        assert_eq!(options.kind(), Some(SenderKind::ExtensionPage));
        // Another add-on's origin, or a page pretending to be ours by id, is not our page.
        let other = firefox("moz-extension://11111111-2222-3333-4444-555555555555/options.html");
        assert_eq!(other.kind(), Some(SenderKind::ContentScript));
        let by_id = firefox(&format!("moz-extension://{ID}/options.html"));
        assert_eq!(by_id.kind(), Some(SenderKind::ContentScript));
        let card = firefox("https://r3.minicrm.ro/53832/#Project-21/1001");
        assert_eq!(card.kind(), Some(SenderKind::ContentScript));
        let stranger = Sender {
            sender_id: "someone-else@extension".into(),
            ..firefox(&format!("{FIREFOX_BASE}options.html"))
        };
        assert_eq!(stranger.kind(), None);
    }

    #[test]
    fn chromium_pages_without_a_base_url_fall_back_to_the_id() {
        let page = Sender {
            extension_id: "abcdefghijklmnop".into(),
            sender_id: "abcdefghijklmnop".into(),
            url: "chrome-extension://abcdefghijklmnop/popup.html".into(),
            ..Sender::default()
        };
        assert_eq!(page.kind(), Some(SenderKind::ExtensionPage));
        let web = Sender {
            url: "https://r3.minicrm.ro/".into(),
            ..page.clone()
        };
        assert_eq!(web.kind(), Some(SenderKind::ContentScript));
    }
}
