//! The team's Durable Object: one per team (named from SmartBill CUI + MiniCRM System ID, see
//! [`Config::team_name`]). Everything the core keeps lives in its storage (settings without
//! secrets, the emission journal, job runs and cursors, the stock snapshot, the governors' state),
//! and every request of the team runs in this one object, so the core's governors and locks in
//! `runtime` are the whole team's. Per-card leases in storage ([`crate::lease`]) keep two
//! colleagues from acting on one card at once even across object restarts.
//!
//! Routes (reached only through the front door in `entry.rs`):
//!
//! | route | who | does |
//! |---|---|---|
//! | `POST /smartbill/stock` | SmartBill (webhook token) | queues the delivery, answers at once; the alarm writes MiniCRM |
//! | `POST /api/command` | member or admin | runs a core command (members: panel and card commands only) |
//! | `GET /api/health` | member or admin | "Test connection": both vendors answer with the stored settings |
//! | `GET /admin/members`, `POST /admin/members`, `DELETE /admin/members/{id}` | admin | member keys |
//! | `GET /admin/status` | admin | webhook deliveries and reports, CORS origins, cron triggers |
//! | `POST /internal/cron` | the Worker's cron handler only | asks for the trigger's jobs, then ticks |

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use minicrm_smartbill::api::{App, ErrorView, Sender};
use minicrm_smartbill::i18n::Lang;
use minicrm_smartbill::jobs::{Priority, Runtime};
use minicrm_smartbill::sync::{self, webhook, Runner};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::{
    console_error, console_log, durable_object, DurableObject, Env, Method, Request, Response, State,
};

use crate::auth::{self, Caller, Member};
use crate::config::Config;
use crate::lease::{self, Lease};
use minicrm_smartbill::platform::Store;

use crate::platform::{now_ms, random, random_hex, DoStore, TeamStore, WorkerClock, WorkerTransport};

const MEMBERS_KEY: &str = "server.members";
const PENDING_KEY: &str = "server.webhook.pending";
const STATS_KEY: &str = "server.webhook.stats";
/// SmartBill's own receivers' texts (smartbill-api.md §4.1).
pub const WEBHOOK_BAD_TOKEN: &str = "Autentificare esuata. Asigura-te ca tokenul folosit pentru trimiterea notificarii de stoc este corect si ca serverul tau permite autentificarea prin headers.";
const WEBHOOK_BAD_JSON: &str = "Eroare sintaxa. Verifica valididatea JSON-ului trimis.";
const WEBHOOK_TEST_OK: &str = "Testul de sincronizare stoc a fost facut cu succes!";
/// A delivery that found the stock sync working waits this long before the next try.
const BUSY_RETRY_MS: u64 = 2_000;
/// After an unexpected failure (storage, settings), the delivery is tried again after this.
const ERROR_RETRY_MS: u64 = 30_000;
/// Set while a tick asked for another slice.
const CONTINUE_KEY: &str = "server.tick.again";

/// Reads the configuration from the Worker's environment.
pub fn config_from_env(env: &Env) -> Result<Config, Vec<&'static str>> {
    Config::from_lookup(|name| env.var(name).ok().map(|v| v.to_string()))
}

pub fn json_response(status: u16, value: &Value) -> worker::Result<Response> {
    let resp = Response::from_json(value)?.with_status(status);
    resp.headers().set("Cache-Control", "no-store")?;
    Ok(resp)
}

fn error(status: u16, code: &str, message: &str) -> worker::Result<Response> {
    json_response(
        status,
        &json!({"ok": false, "error": {"code": code, "message": message}}),
    )
}

/// The sender the core sees for every server request: the server itself, as trusted as the
/// extension's own pages. Who may run what is decided before ([`auth::may_run`]).
fn sender(lang: &str) -> Sender {
    Sender {
        extension_id: "team-server".into(),
        extension_url: "chrome-extension://team-server/".into(),
        sender_id: "team-server".into(),
        url: "chrome-extension://team-server/server".into(),
        lang: lang.into(),
    }
}

fn lang_of(req: &Request) -> String {
    req.headers()
        .get("Accept-Language")
        .ok()
        .flatten()
        .and_then(|v| v.split([',', ';']).next().map(|s| s.trim().to_string()))
        .unwrap_or_else(|| "ro".into())
}

/// Counters and the last reports of the stock webhook, for the admin's status page.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Stats {
    /// Deliveries accepted (token right, JSON readable), connectivity tests included.
    deliveries: u64,
    tests: u64,
    /// Alarm runs that worked a batch of deliveries to the end.
    processed: u64,
    /// MiniCRM product writes made by the webhook.
    written: u64,
    last_delivery_ms: Option<i64>,
    last_processed_ms: Option<i64>,
    /// The last reports, newest first.
    reports: Vec<Value>,
}

#[durable_object(alarm)]
pub struct Team {
    state: State,
    env: Env,
    store: DoStore,
    runtime: Runtime,
}

impl DurableObject for Team {
    fn new(state: State, env: Env) -> Self {
        let store = DoStore {
            storage: state.storage(),
        };
        Team {
            state,
            env,
            store,
            runtime: Runtime::default(),
        }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        let config = match config_from_env(&self.env) {
            Ok(c) => c,
            Err(missing) => {
                return json_response(
                    500,
                    &json!({"ok": false, "error": {"code": "server.notConfigured", "missing": missing}}),
                )
            }
        };
        let path = req.path();
        let method = req.method();
        match (&method, path.as_str()) {
            (Method::Post, "/smartbill/stock") => return self.webhook(req, &config).await,
            (Method::Post, "/internal/cron") => return self.cron(req, &config).await,
            _ => {}
        }
        let Some(caller) = self.caller(&req, &config).await else {
            return error(
                401,
                "server.unauthorized",
                "Cheia de acces lipsește, este greșită sau a fost revocată.",
            );
        };
        match (&method, path.as_str()) {
            (Method::Post, "/api/command") => self.command(req, &config, &caller).await,
            (Method::Get, "/api/health") => self.health(&req, &config, &caller).await,
            (_, p) if p.starts_with("/admin/") && !caller.is_admin() => error(
                403,
                "server.forbidden",
                "Doar administratorul echipei poate face asta.",
            ),
            (Method::Get, "/admin/members") => {
                let members = self.members().await.map_err(worker::Error::from)?;
                let list: Vec<Value> = members.iter().map(Member::view).collect();
                json_response(200, &json!({"ok": true, "members": list}))
            }
            (Method::Post, "/admin/members") => self.add_member(req).await,
            (Method::Delete, p) if p.starts_with("/admin/members/") => {
                self.revoke_member(p.trim_start_matches("/admin/members/")).await
            }
            (Method::Get, "/admin/status") => self.status(&config).await,
            _ => error(404, "server.notFound", "Adresă necunoscută."),
        }
    }

    async fn alarm(&self) -> worker::Result<Response> {
        if let Err(e) = self.work_deliveries().await {
            console_error!("stock webhook: {e}");
            let _ = self.arm_alarm(ERROR_RETRY_MS).await;
        }
        // The next slice of a tick a cron trigger began.
        if self
            .state
            .storage()
            .get::<bool>(CONTINUE_KEY)
            .await
            .ok()
            .flatten()
            == Some(true)
        {
            match config_from_env(&self.env) {
                Ok(config) => {
                    let reply = self.tick_slice(&config).await?;
                    if reply.get("skipped").is_some() {
                        // Another slice holds the lease (a cron's): it re-arms when it needs to.
                        self.arm_alarm(BUSY_RETRY_MS).await?;
                    }
                }
                Err(missing) => console_error!("tick: not configured, missing: {}", missing.join(", ")),
            }
        }
        Response::ok("")
    }
}

impl Team {
    fn app<'a>(&'a self, store: &'a TeamStore<'a>, config: &Config) -> App<'a> {
        App {
            transport: &WorkerTransport,
            store,
            clock: &WorkerClock,
            runtime: &self.runtime,
            host_permissions: config.host_permissions(),
        }
    }

    async fn caller(&self, req: &Request, config: &Config) -> Option<Caller> {
        let header = req.headers().get("Authorization").ok().flatten();
        let token = auth::bearer(header.as_deref());
        let admin = auth::secret_matches(token, &config.admin_token);
        let members = self.members().await.unwrap_or_default();
        let member = auth::find_member(&members, token.unwrap_or(""));
        if admin {
            return Some(Caller::Admin);
        }
        member.map(|m| Caller::Member {
            id: m.id.clone(),
            name: m.name.clone(),
        })
    }

    // --- commands ------------------------------------------------------------------------------

    async fn command(&self, mut req: Request, config: &Config, caller: &Caller) -> worker::Result<Response> {
        let lang = lang_of(&req);
        let Ok(mut command) = req.json::<Value>().await else {
            return error(400, "server.badCommand", "Comanda nu este JSON.");
        };
        let name = command
            .get("cmd")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if !auth::may_run(caller, &name) {
            return error(
                403,
                "server.forbidden",
                "Comanda nu este permisă cu această cheie (setările sunt ale administratorului).",
            );
        }
        let mut notes = Vec::new();
        if caller.is_admin() && config.fill_input(&mut command) {
            notes.push("Secretele se schimbă pe server cu `wrangler secret put`; cele trimise aici au fost ignorate.");
        }
        // Actions that change a card take the team-wide lease on it; looking is free.
        let mut lease_name = card_lease(&command);
        let owner = random_hex::<16>().map_err(worker::Error::from)?;
        if let Some(name) = lease_name.clone() {
            if !self.take_lease(&name, &owner, lease::CARD_TTL_MS).await? {
                if !only_looks_when_busy(&command) {
                    return error(
                        409,
                        "server.cardBusy",
                        "Un coleg lucrează chiar acum pe acest document; încearcă din nou în câteva secunde.",
                    );
                }
                // A page noticed the card change while a colleague acts on it: the holder
                // judges the card, so this one only looks (no busy error on a panel whose
                // person did nothing).
                command["action"] = Value::from("state");
                lease_name = None;
            }
        }
        let store = TeamStore {
            inner: &self.store,
            config,
        };
        let app = self.app(&store, config);
        let mut reply = app.handle(command, &sender(&lang)).await;
        if let Some(name) = &lease_name {
            self.release_lease(name, &owner).await;
        }
        if let (Value::Object(map), false) = (&mut reply, notes.is_empty()) {
            map.insert("serverNotes".into(), json!(notes));
        }
        json_response(200, &reply)
    }

    async fn health(&self, req: &Request, config: &Config, caller: &Caller) -> worker::Result<Response> {
        let lang = Lang::from_tag(&lang_of(req));
        let store = TeamStore {
            inner: &self.store,
            config,
        };
        let app = self.app(&store, config);
        let settings = match app.settings().await {
            Ok(s) => s,
            Err(e) => return json_response(200, &json!({"ok": false, "error": ErrorView::new(&e, lang)})),
        };
        let smartbill = match app.smartbill(&settings, Priority::Interactive, 15_000) {
            Ok(client) => match client.series(None).await {
                Ok(series) => json!({"ok": true, "series": series.len()}),
                Err(e) => json!({"ok": false, "error": ErrorView::new(&e, lang)}),
            },
            Err(e) => json!({"ok": false, "error": ErrorView::new(&e, lang)}),
        };
        let minicrm = match app.minicrm(&settings, Priority::Interactive, 15_000) {
            Ok(client) => match client.categories().await {
                Ok(modules) => json!({"ok": true, "modules": modules.len()}),
                Err(e) => json!({"ok": false, "error": ErrorView::new(&e, lang)}),
            },
            Err(e) => json!({"ok": false, "error": ErrorView::new(&e, lang)}),
        };
        let who = match caller {
            Caller::Admin => json!({"role": "admin"}),
            Caller::Member { id, name } => json!({"role": "member", "id": id, "name": name}),
        };
        let problems = settings.validate_all(&config.host_permissions());
        // The public address the members reached us at (behind Cloudflare: the deployment's).
        let origin = req
            .url()
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default();
        json_response(
            200,
            &json!({
                "ok": smartbill["ok"] == true && minicrm["ok"] == true,
                "team": {"cif": config.smartbill_cif, "systemId": config.minicrm_system_id, "minicrmUrl": config.minicrm_url},
                "webhook": config.webhook_view(&origin, caller.is_admin()),
                "caller": who,
                "settingsComplete": problems.is_empty() && settings.minicrm.category_id.is_some(),
                "stockSync": {"enabled": settings.stock.enabled, "warehouse": settings.stock.warehouse},
                "smartbill": smartbill,
                "minicrm": minicrm,
            }),
        )
    }

    // --- members -------------------------------------------------------------------------------

    async fn members(&self) -> Result<Vec<Member>, String> {
        match self.store.get_value(MEMBERS_KEY).await? {
            None => Ok(Vec::new()),
            Some(v) => serde_json::from_value(v).map_err(|e| e.to_string()),
        }
    }

    async fn save_members(&self, members: &[Member]) -> Result<(), String> {
        let v = serde_json::to_value(members).map_err(|e| e.to_string())?;
        self.store.put_value(MEMBERS_KEY, &v).await
    }

    async fn add_member(&self, mut req: Request) -> worker::Result<Response> {
        #[derive(Deserialize)]
        struct NewMember {
            name: String,
        }
        let name = match req.json::<NewMember>().await {
            Ok(m) if !m.name.trim().is_empty() && m.name.trim().chars().count() <= 80 => {
                m.name.trim().to_string()
            }
            _ => {
                return error(
                    400,
                    "server.badMember",
                    "Dă un nume colegului (cel mult 80 de caractere): {\"name\": \"…\"}.",
                )
            }
        };
        let key = auth::member_key(&random::<32>().map_err(worker::Error::from)?);
        let member = Member {
            id: random_hex::<8>().map_err(worker::Error::from)?,
            name,
            key_hash: auth::sha256_hex(key.as_bytes()),
            created_ms: now_ms(),
            revoked_ms: None,
        };
        let mut members = self.members().await.map_err(worker::Error::from)?;
        members.push(member.clone());
        self.save_members(&members).await.map_err(worker::Error::from)?;
        console_log!("member {} added", member.id);
        // The only time the key is shown: it is stored as a hash.
        json_response(201, &json!({"ok": true, "member": member.view(), "key": key}))
    }

    async fn revoke_member(&self, id: &str) -> worker::Result<Response> {
        let mut members = self.members().await.map_err(worker::Error::from)?;
        let Some(m) = members.iter_mut().find(|m| m.id == id) else {
            return error(404, "server.noMember", "Nu există un coleg cu acest id.");
        };
        if m.revoked_ms.is_none() {
            m.revoked_ms = Some(now_ms());
        }
        let view = m.view();
        self.save_members(&members).await.map_err(worker::Error::from)?;
        console_log!("member {id} revoked");
        json_response(200, &json!({"ok": true, "member": view}))
    }

    // --- leases --------------------------------------------------------------------------------

    /// Compare-and-set in a storage transaction: takes the lease when it is free, expired or ours.
    async fn take_lease(&self, name: &str, owner: &str, ttl_ms: i64) -> worker::Result<bool> {
        let key = lease::key(name);
        let owner = owner.to_string();
        let taken = Rc::new(Cell::new(false));
        let result = taken.clone();
        self.state
            .storage()
            .transaction(move |txn| async move {
                let now = js_sys::Date::now() as i64;
                let found = txn.get_multiple(vec![key.as_str()]).await?;
                let current: Option<Lease> = found
                    .get(&key.as_str().into())
                    .as_string()
                    .and_then(|s| serde_json::from_str(&s).ok());
                if lease::may_take(current.as_ref(), &owner, now) {
                    let lease = Lease {
                        owner,
                        until_ms: now + ttl_ms,
                    };
                    let text =
                        serde_json::to_string(&lease).map_err(|e| worker::Error::from(e.to_string()))?;
                    txn.put(&key, text).await?;
                    result.set(true);
                }
                Ok(())
            })
            .await?;
        Ok(taken.get())
    }

    async fn release_lease(&self, name: &str, owner: &str) {
        let key = lease::key(name);
        let current: Option<Lease> = self
            .store
            .storage
            .get::<String>(&key)
            .await
            .ok()
            .flatten()
            .and_then(|s| serde_json::from_str(&s).ok());
        if current.is_some_and(|l| l.owner == owner) {
            let _ = self.store.storage.delete(&key).await;
        }
    }

    // --- stock webhook -------------------------------------------------------------------------

    async fn stats(&self) -> Stats {
        self.store
            .get_value(STATS_KEY)
            .await
            .ok()
            .flatten()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default()
    }

    async fn save_stats(&self, stats: &Stats) {
        if let Ok(v) = serde_json::to_value(stats) {
            let _ = self.store.put_value(STATS_KEY, &v).await;
        }
    }

    async fn pending(&self) -> Vec<webhook::Pushed> {
        self.store
            .get_value(PENDING_KEY)
            .await
            .ok()
            .flatten()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default()
    }

    /// Puts products back in front of what arrived meanwhile (older first: later elements win).
    async fn requeue(&self, mut older: Vec<webhook::Pushed>) -> Result<(), String> {
        older.extend(self.pending().await);
        let v = serde_json::to_value(&older).map_err(|e| e.to_string())?;
        self.store.put_value(PENDING_KEY, &v).await
    }

    /// Queues a delivery and answers at once; the object's alarm does the MiniCRM writes.
    async fn webhook(&self, mut req: Request, config: &Config) -> worker::Result<Response> {
        let header = req.headers().get("Authorization").ok().flatten();
        if !auth::secret_matches(auth::bearer(header.as_deref()), &config.webhook_token) {
            return Ok(Response::ok(WEBHOOK_BAD_TOKEN)?.with_status(401));
        }
        let body = req.bytes().await.unwrap_or_default();
        let delivery = match webhook::parse(&body) {
            Ok(d) => d,
            Err(_) => return Ok(Response::ok(WEBHOOK_BAD_JSON)?.with_status(400)),
        };
        let mut stats = self.stats().await;
        stats.deliveries += 1;
        stats.last_delivery_ms = Some(now_ms());
        if delivery.is_test() {
            stats.tests += 1;
            self.save_stats(&stats).await;
            return json_response(200, &json!({"ok": true, "message": WEBHOOK_TEST_OK}));
        }
        let accepted = delivery.products.len();
        if accepted > 0 {
            self.requeue(delivery.products)
                .await
                .map_err(worker::Error::from)?;
            self.arm_alarm(0).await?;
        }
        self.save_stats(&stats).await;
        json_response(
            200,
            &json!({"ok": true, "accepted": accepted, "unreadable": delivery.unreadable.iter().map(|n| json!({"item": n.item, "reason": n.reason})).collect::<Vec<_>>()}),
        )
    }

    /// The alarm: writes the queued deliveries to MiniCRM through the core's stock writer.
    async fn work_deliveries(&self) -> Result<(), String> {
        let pending = self.pending().await;
        if pending.is_empty() {
            return Ok(());
        }
        // Taken: what arrives while MiniCRM is written queues behind it.
        Store::remove(&self.store, PENDING_KEY).await?;
        let config = match config_from_env(&self.env) {
            Ok(c) => c,
            Err(missing) => {
                self.requeue(pending).await?;
                return Err(format!("not configured: {}", missing.join(", ")));
            }
        };
        let store = TeamStore {
            inner: &self.store,
            config: &config,
        };
        let app = self.app(&store, &config);
        let settings = match app.settings().await {
            Ok(s) => s,
            Err(e) => {
                self.requeue(pending).await?;
                return Err(e.message(Lang::En));
            }
        };
        let runner = Runner {
            app: &app,
            settings,
            lang: Lang::Ro,
            deadline_ms: now_ms() + 60_000,
        };
        let report = match webhook::apply(&runner, &pending).await {
            Ok(r) => r,
            Err(e) => {
                self.requeue(pending).await?;
                return Err(e.message(Lang::En));
            }
        };
        if report.busy {
            self.requeue(pending).await?;
            self.arm_alarm(BUSY_RETRY_MS).await.map_err(|e| e.to_string())?;
            return Ok(());
        }
        if let Some(until) = report.paused_until_ms {
            self.requeue(report.remaining.clone()).await?;
            let wait = (until - now_ms()).max(0) as u64;
            self.arm_alarm(wait).await.map_err(|e| e.to_string())?;
        } else if !self.pending().await.is_empty() {
            // More arrived while this batch was written.
            self.arm_alarm(0).await.map_err(|e| e.to_string())?;
        }
        console_log!(
            "stock webhook: {} received, {} written, {} unchanged, {} skipped, {} failed",
            report.received,
            report.counts.changed,
            report
                .counts
                .checked
                .saturating_sub(report.counts.changed + report.counts.failed + report.counts.skipped),
            report.counts.skipped,
            report.counts.failed
        );
        let mut stats = self.stats().await;
        stats.processed += 1;
        stats.written += u64::from(report.counts.changed);
        stats.last_processed_ms = Some(now_ms());
        let mut entry = serde_json::to_value(&report).unwrap_or(Value::Null);
        if let Value::Object(m) = &mut entry {
            m.insert("atMs".into(), json!(now_ms()));
        }
        stats.reports.insert(0, entry);
        stats.reports.truncate(20);
        self.save_stats(&stats).await;
        Ok(())
    }

    async fn status(&self, config: &Config) -> worker::Result<Response> {
        let stats = self.stats().await;
        let pending = self.pending().await.len();
        let members = self.members().await.unwrap_or_default();
        json_response(
            200,
            &json!({
                "ok": true,
                "team": {"cif": config.smartbill_cif, "systemId": config.minicrm_system_id, "object": config.team_name()},
                "webhook": {"stats": stats, "pending": pending},
                "members": {"active": members.iter().filter(|m| m.revoked_ms.is_none()).count(), "revoked": members.iter().filter(|m| m.revoked_ms.is_some()).count()},
                "cors": {"allowedOrigins": config.allowed_origins, "ignoredOrigins": config.ignored_origins},
                "crons": crate::cron::ALL,
            }),
        )
    }

    // --- cron ----------------------------------------------------------------------------------

    async fn cron(&self, mut req: Request, config: &Config) -> worker::Result<Response> {
        #[derive(Deserialize)]
        struct Trigger {
            cron: String,
        }
        let Ok(trigger) = req.json::<Trigger>().await else {
            return error(400, "server.badCron", "cron?");
        };
        let Some(jobs) = crate::cron::jobs_for(&trigger.cron) else {
            return error(400, "server.unknownCron", "Declanșator necunoscut.");
        };
        let store = TeamStore {
            inner: &self.store,
            config,
        };
        for kind in jobs {
            if let Err(e) = sync::request(&store, *kind, "schedule").await {
                console_error!("cron {}: {}", trigger.cron, e.message(Lang::En));
            }
        }
        let reply = self.tick_slice(config).await?;
        json_response(200, &json!({"ok": true, "cron": trigger.cron, "tick": reply}))
    }

    /// One slice of the core's tick, at most `TICK_SLICE_MS` of job work. When the core says there
    /// is more (a refresh over hundreds of invoices, an outcome being judged), the object's alarm
    /// goes on with the next slice, so no event runs for minutes and a webhook delivery waits for
    /// one slice at most. A slice already running (its lease held) answers `busy`: it continues.
    async fn tick_slice(&self, config: &Config) -> worker::Result<Value> {
        let owner = random_hex::<16>().map_err(worker::Error::from)?;
        if !self.take_lease("tick", &owner, lease::TICK_TTL_MS).await? {
            return Ok(json!({"skipped": "busy"}));
        }
        let store = TeamStore {
            inner: &self.store,
            config,
        };
        let app = self.app(&store, config);
        let reply = app.tick_for(Lang::Ro, config.slice_ms).await;
        self.release_lease("tick", &owner).await;
        let reply = match reply {
            Ok(v) => v,
            Err(e) => {
                console_error!("tick: {}", e.message(Lang::En));
                // Not lost: the next trigger (every 2 minutes) ticks again.
                return Ok(json!({"error": ErrorView::new(&e, Lang::En)}));
            }
        };
        let storage = self.state.storage();
        match crate::cron::continuation(&reply, now_ms()) {
            Some(at_ms) => {
                storage.put(CONTINUE_KEY, true).await?;
                self.arm_alarm((at_ms - now_ms()).max(0) as u64).await?;
            }
            None => {
                storage.delete(CONTINUE_KEY).await?;
            }
        }
        Ok(reply)
    }

    /// Sets the object's one alarm to fire within `delay_ms`, unless it is already set sooner
    /// (the webhook's deliveries and the tick's slices share it).
    async fn arm_alarm(&self, delay_ms: u64) -> worker::Result<()> {
        let storage = self.state.storage();
        let at = now_ms() + delay_ms as i64;
        // One still to fire, sooner: kept. One in the past may be the alarm now running (gone
        // when it returns), so it is set again.
        if let Ok(Some(current)) = storage.get_alarm().await {
            if current > now_ms() && current <= at {
                return Ok(());
            }
        }
        storage.set_alarm(Duration::from_millis(delay_ms)).await
    }
}

/// `changed` (a panel saw the card's page change) only asks whether the new status triggers an
/// emission. When a colleague's action holds the card, that action decides the card and the
/// 2-minute poll sees the status anyway: the command looks instead of failing.
fn only_looks_when_busy(command: &Value) -> bool {
    command.get("action").and_then(Value::as_str) == Some("changed")
}

/// The lease a command needs: card actions that change something, keyed by the card.
fn card_lease(command: &Value) -> Option<String> {
    if command.get("cmd").and_then(Value::as_str) != Some("card") {
        return None;
    }
    let action = command.get("action").and_then(Value::as_str).unwrap_or("");
    if matches!(action, "state" | "pdf") {
        return None;
    }
    let url = command.get("url").and_then(Value::as_str)?;
    let card = minicrm_smartbill::card::parse_card_url(url)?;
    Some(format!(
        "card.{}.{}.{}",
        card.system_id, card.category_id, card.project_id
    ))
}
