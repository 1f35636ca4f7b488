//! The options page's commands that reach the vendors or change the settings: save, the two
//! connection tests, the checklist, the team server's test and SmartBill's warehouses. In the
//! service worker they run in a module of their own (feature `setup`, `pkg/setup_bg.wasm`), which
//! the worker's first module hands them to (`front::module_for`); the full core (feature `sw`) is
//! built without them. Natively (tests, the team server) `api`'s dispatcher runs them here.

use crate::api::{elsewhere, App, Command, ErrorView, Sender};
use crate::error::Result;
use crate::i18n::Lang;
use crate::jobs::{JobKind, Priority};
use crate::platform::{apart, Apart};
use crate::reply::{to_json, MiniCrmTest, ReplyText, SavedSettings, SmartBillTest, Warehouses};
use crate::settings::{self, SettingsInput};

impl App<'_> {
    /// The options page's commands that reach the vendors or change the settings: the setup
    /// module's (feature `setup`) in the worker, the full core's elsewhere (tests, team server).
    pub(crate) fn setup<'a>(
        &'a self,
        command: Command,
        lang: Lang,
        sender: &'a Sender,
    ) -> Apart<'a, Result<ReplyText>> {
        match command {
            Command::SaveSettings { settings: input } => {
                apart(async move { self.save_settings(&input, lang).await.map(to_json) })
            }
            Command::TestSmartBill { settings: input } => {
                apart(async move { self.test_smartbill(&input).await.map(to_json) })
            }
            Command::TestMiniCrm { settings: input } => {
                apart(async move { self.test_minicrm(&input).await.map(to_json) })
            }
            Command::Checklist { settings } => {
                apart(async move { self.checklist(settings, lang).await.map(to_json) })
            }
            Command::TestServer { settings: input } => apart(async move {
                crate::team_mode::server_test::test(self, &input, sender, lang)
                    .await
                    .map(to_json)
            }),
            Command::Warehouses {} => apart(async move { self.warehouses().await.map(to_json) }),
            other => elsewhere(&other),
        }
    }

    async fn save_settings(&self, input: &SettingsInput, lang: Lang) -> Result<SavedSettings> {
        let stored = settings::load(self.store).await?;
        let mut merged = stored.merged(input);
        if merged.team.runner && merged.team.runner_since_ms.is_none() {
            // This browser runs automatic emission and the jobs from now on (see `team`).
            merged.team.runner_since_ms = Some(self.clock.now_ms());
        }
        if merged.integration.auto && merged.integration.auto_since_ms.is_none() {
            // Switching automatic emission on never invoices what reached a status before.
            merged.integration.auto_since_ms = Some(self.clock.now_ms());
        }
        let problems = merged.validate_all(&self.host_permissions);
        settings::save(self.store, &merged).await?;
        // Incomplete settings are saved too (nothing typed is lost); the problems are listed so
        // the page can point at each field.
        let problems: Vec<ErrorView> = problems.iter().map(|e| ErrorView::new(e, lang)).collect();
        // Saved as typed; what will not work is said in words.
        let warnings = crate::checklist::consequences(&merged, lang);
        if merged.stock.enabled && (!stored.stock.enabled || stored.stock.warehouse != merged.stock.warehouse)
        {
            // Enabling stock sync (or another warehouse) syncs at once.
            crate::jobs::schedule::request(self.store, JobKind::Stock, "enabled").await?;
        }
        let alarms = crate::schedule::alarms(&merged, &self.host_permissions, merged.stock.enabled);
        Ok(SavedSettings {
            saved: true,
            problems,
            warnings,
            settings: merged.view(&self.host_permissions),
            alarms,
        })
    }

    async fn test_smartbill(&self, input: &SettingsInput) -> Result<SmartBillTest> {
        let stored = self.settings().await?;
        let merged = stored.merged(input);
        // The CUI, e-mail and token shape are checked before any call.
        let client = self.smartbill(&merged, Priority::Interactive, 15_000)?;
        let series = client.series(None).await?;
        let taxes = client.taxes().await?;
        let wanted = merged.document.kind.series_type();
        let series_found = !merged.document.series.is_empty()
            && series
                .iter()
                .any(|s| s.kind == wanted && s.name == merged.document.series);
        Ok(SmartBillTest {
            series,
            taxes,
            series_found,
            series_type: wanted,
        })
    }

    async fn test_minicrm(&self, input: &SettingsInput) -> Result<MiniCrmTest> {
        let stored = self.settings().await?;
        let merged = stored.merged(input);
        let client = self.minicrm(&merged, Priority::Interactive, 15_000)?;
        let modules = client.categories().await?;
        let chosen = crate::checklist::chosen_module(&merged, &modules);
        Ok(MiniCrmTest {
            modules,
            module: chosen,
        })
    }

    async fn warehouses(&self) -> Result<Warehouses> {
        let settings = self.settings().await?;
        let sb = self.smartbill(&settings, Priority::Interactive, 15_000)?;
        let list = sb
            .stocks(crate::platform::today_ro(self.clock), None, None)
            .await?;
        // One name per warehouse, in SmartBill's order (a warehouse appears once per product).
        let mut seen = crate::platform::SortedSet::new();
        let names: Vec<String> = list
            .into_iter()
            .map(|w| w.warehouse.warehouse_name)
            .filter(|name| seen.insert(name.clone()))
            .collect();
        Ok(Warehouses { warehouses: names })
    }

    async fn checklist(
        &self,
        input: Option<SettingsInput>,
        lang: Lang,
    ) -> Result<crate::checklist::ChecklistReply> {
        let stored = self.settings().await?;
        let settings = match &input {
            Some(i) => stored.merged(i),
            None => stored,
        };
        crate::checklist::run(self, &settings, lang).await
    }
}
