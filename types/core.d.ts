// Generated from the core's Rust types by `cargo test` (src/api.rs, `typescript`): do not edit.
// After changing a reply's type: UPDATE_TYPES=1 cargo test --lib typescript

export type CardReply = { 
/**
 * Whether this page gets a panel (a card of the configured account and module). `false`
 * with a [`CardReply::pdf`] too: the PDF action's file draws nothing.
 */
show: boolean, 
/**
 * `false`: the extension is not set up yet; the panel says so with [`CardReply::hint`].
 */
configured?: boolean, card?: CardRef, hint?: string, 
/**
 * The document's state, words and buttons.
 */
panel?: PanelView, 
/**
 * The command stopped before anything changed: why, shown over what the panel showed.
 */
error?: ErrorView, 
/**
 * Ask again after this many milliseconds (with `error`: something in progress elsewhere).
 */
refreshMs?: number, 
/**
 * The page moved to another card since the panel was drawn: draw it again.
 */
redraw?: boolean, 
/**
 * The answer is team mode's own (the team server could not be asked).
 */
teamMode?: boolean, 
/**
 * Where this person put the panel.
 */
place?: PanelPlace, 
/**
 * The alarms the background keeps (an invoice may have discharged stock: tick soon).
 */
alarms?: Array<Alarm>, 
/**
 * The PDF action: the file, in base64, and its name.
 */
pdf?: string, fileName?: string, };

export type PanelView = { state: PanelState, 
/**
 * What the state's badge says.
 */
badge: Badge, docType: DocumentType, documentId: number, 
/**
 * The document's name as the core knows it (`Issued::label`): what the panel sends back
 * with a button that acts on this document.
 */
number: string | null, 
/**
 * A document with no number yet (a draft): its series. The panel shows it as "Draft
 * {series}" in the person's language instead of `number` ("Ciornă {series}").
 */
draftOf: string | null, 
/**
 * Only an `https` link of SmartBill (or of the sandbox's SmartBill in a sandbox build).
 */
link: string | null, pdf: boolean, draft: boolean, payment: PaymentView | null, error: StoredError | null, candidates: Array<string>, storno: string | null, duplicates: Array<string>, cardPending: boolean, stockManaged: boolean, 
/**
 * Where an emission in progress is.
 */
phase: Phase | null, 
/**
 * An unknown outcome is judged at this time (Romanian time, `HH:MM:SS`).
 */
waitingUntil: string | null, 
/**
 * A card write whose answer was lost (or that a stopped worker left out) may still land
 * until this time (Romanian time, `HH:MM:SS`): a cancel or a storno asked for now waits
 * until then ([`crate::jobs::Locks::keep_until`]).
 */
settlingUntil?: string, 
/**
 * The card showed this other number: ours was not written over it.
 */
conflict: string | null, 
/**
 * Issued by another browser of the team (its name).
 */
byOther: string | null, 
/**
 * Another browser of the team is issuing it right now (its name).
 */
claimedBy: string | null, 
/**
 * The buttons, in order.
 */
actions: Array<Action>, 
/**
 * The buttons of `actions` whose press starts an emission: the panel draws
 * [`PanelView::starting`] at once and follows the journal's progress until the core answers.
 * The other buttons are disabled until it answers.
 */
starts: Array<Action>, 
/**
 * What the panel shows the moment a button of `starts` is pressed.
 */
starting?: PanelView, 
/**
 * Ask again after this many milliseconds (something is in progress).
 */
refreshMs: number | null, };

export type PanelState = "notIssued" | "issuing" | "issued" | "error" | "needsConfirmation" | "cancelled" | "reversed";

export type Badge = "notIssued" | "issuing" | "issued" | "draft" | "error" | "needsConfirmation" | "cancelled" | "reversed";

export type Action = "emit" | "retry" | "cancel" | "reverse" | "reissue" | "pdf" | "confirm" | "issuing";

export type PaymentView = { state: PaymentState, paid: string, total: string, currency: string, };

export type PaymentState = "unpaid" | "partlyPaid" | "paid" | "cancelled" | "reversed";

export type Phase = "claiming" | "waiting" | "posting" | "settling" | "writingBack";

export type StoredError = { code: string, message: string, vendorText: string | null, };

export type ErrorView = { code: string, message: string, vendorText: string | null, 
/**
 * Whose words `vendor_text` are: "SmartBill" or "MiniCRM".
 */
vendor: string | null, field: Field | null, };

export type Field = "smartbillCif" | "smartbillEmail" | "smartbillToken" | "smartbillSeries" | "smartbillApiBase" | "minicrmUrl" | "minicrmSystemId" | "minicrmApiKey" | "minicrmModule" | "dueDays" | "pollInterval" | "triggers" | "stockWarehouse" | "serverUrl" | "serverKey";

export type CardRef = { origin: string, systemId: string, categoryId: number, projectId: number, };

export type PanelPlace = { left: number | null, top: number | null, collapsed: boolean, };

export type Alarm = { name: string, 
/**
 * A repeating alarm.
 */
periodInMinutes?: number, 
/**
 * A one-shot alarm.
 */
delayInMinutes?: number, };

export type DocumentType = "invoice" | "proforma";

export type SettingsReply = { settings: SettingsView, browser: BrowserView, 
/**
 * The SmartBill API address (and the time scale) may be edited: a sandbox build.
 */
apiBaseEditable: boolean, 
/**
 * The default unit table, used when the settings name none: each SmartBill unit with the
 * MiniCRM units (folded) that become it.
 */
defaultUnits: Array<UnitGroup>, };

export type BrowserView = { id: string, label: string, };

export type SettingsView = { smartbill: SmartBillView, minicrm: MiniCrmView, document: DocumentSettings, integration: IntegrationSettings, stock: StockSettings, units: { [key in string]: string }, 
/**
 * The units table as text, one `MiniCRM unit = SmartBill unit` per line.
 */
unitsText: string, advanced: AdvancedSettings, team: TeamSettings, server: ServerView, complete: boolean, 
/**
 * The host permissions these settings need granted (see [`Settings::origins_needed`]).
 */
origins: Array<string>, };

export type SmartBillView = { cif: string, email: string, tokenSet: boolean, apiBase: string, };

export type MiniCrmView = { url: string, systemId: string, apiKeySet: boolean, module: Module, categoryId: number | null, };

export type Module = "offers" | "orders";

export type DocumentSettings = { kind: DocumentType, 
/**
 * The SmartBill series to issue on (of the document type's kind).
 */
series: string, 
/**
 * Due date = issue date + this many days.
 */
dueDays: number, 
/**
 * Issue drafts (no number), for a safe first try.
 */
draft: boolean, };

export type IntegrationSettings = { fields: FieldMap, 
/**
 * Reaching one of these statuses emits automatically (when `auto` is on).
 */
triggers: Array<StatusRef>, auto: boolean, 
/**
 * How often the background looks for documents that reached a trigger status.
 */
intervalMinutes: number, 
/**
 * When automatic emission was switched on: older changes are never invoiced automatically.
 */
autoSinceMs: number | null, };

export type FieldMap = { invoiceNumber: string | null, link: string | null, paymentStatus: string | null, pdf: string | null, error: string | null, };

export type Role = "invoiceNumber" | "link" | "paymentStatus" | "pdf" | "error";

export type StatusRef = { id: string, label: string, };

export type StockSettings = { 
/**
 * SmartBill is the source of truth for quantities; invoices discharge stock.
 */
enabled: boolean, 
/**
 * The SmartBill warehouse invoices discharge and the sync reads.
 */
warehouse: string, };

export type AdvancedSettings = { 
/**
 * Shrinks rate-limit windows by this factor, to match the sandbox's sped-up clock.
 */
timeScale: number, 
/**
 * Tests: how long a request may take before its outcome is unknown.
 */
requestTimeoutMs: number | null, 
/**
 * Tests: the claim's bound `D` (see `emission::claim`).
 */
claimBoundMs: number | null, 
/**
 * Tests: the margin after a request's timeout before its outcome is judged.
 */
landMarginMs: number | null, };

export type TeamSettings = { 
/**
 * A name colleagues recognise on the cards this browser is issuing ("Ana – laptop").
 */
browserLabel: string, 
/**
 * This browser runs automatic emission and the background jobs for the team. Only one
 * browser should: the first one configured is, and it steps down when it meets another
 * browser that has been running them longer (see `team`).
 */
runner: boolean, 
/**
 * Since when this browser runs them.
 */
runnerSinceMs: number | null, 
/**
 * The browser seen running automatic emission for the team, when it is not this one.
 */
otherRunner: OtherRunner | null, };

export type OtherRunner = { browser: string, label: string, sinceMs: number | null, 
/**
 * When its claim was seen on a card.
 */
seenMs: number, };

export type ServerView = { url: string, keySet: boolean, 
/**
 * Team mode is on (a server address is set).
 */
enabled: boolean, };

export type SavedSettings = { 
/**
 * Always `true` (the settings are saved even when incomplete).
 */
saved: boolean, problems: Array<ErrorView>, warnings: Array<string>, settings: SettingsView, 
/**
 * The alarms the background keeps from now on.
 */
alarms: Array<Alarm>, };

export type SmartBillTest = { series: Array<Series>, taxes: Array<Tax>, seriesFound: boolean, 
/**
 * The series type the chosen document type is issued on.
 */
seriesType: SeriesType, };

export type Series = { name: string, nextNumber: number, type: SeriesType, };

export type SeriesType = "f" | "p" | "c";

export type Tax = { name: string, 
/**
 * A JSON number (`ser_decimal`).
 */
percentage: number, };

export type MiniCrmTest = { modules: Array<Category>, module: Category | null, };

export type Category = { id: number, name: string, 
/**
 * `Offer`, `Order`, `Generic`, … from `?Detailed=1`.
 */
kind: string | null, };

export type Warehouses = { warehouses: Array<string>, };

export type Saved = { saved: boolean, };

export type EffectReply = { effect: Effect, };

export type Effect = "openOptions";

export type ChecklistReply = { lines: Array<ChecklistLine>, allOk: boolean, schema: SchemaInfo | null, };

export type ChecklistLine = { id: string, ok: boolean, message: string, };

export type SchemaInfo = { categoryId: number, fields: Array<FieldInfo>, candidates: RoleCandidates, suggestion: FieldMap, chosen: FieldMap, statuses: Array<StatusRef>, };

export type RoleCandidates = { invoiceNumber: Array<Candidate>, link: Array<Candidate>, paymentStatus: Array<Candidate>, pdf: Array<Candidate>, error: Array<Candidate>, };

export type FieldInfo = { name: string, type: string, };

export type Candidate = { name: string, 
/**
 * Empty when the field is not in the schema.
 */
type: string, sample: string | null, };

export type ServerTest = { allOk: boolean, lines: Array<HealthLine>, webhook: WebhookView | null, 
/**
 * This extension's origin, as the server's `ALLOWED_ORIGINS` must name it.
 */
origin: string, 
/**
 * The team the server serves, as its health reports it (`null`: not said).
 */
team: unknown, 
/**
 * The host permissions these settings need granted.
 */
origins: Array<string>, };

export type HealthLine = { ok: boolean, text: string, };

export type WebhookView = { url: string | null, token: string | null, tokenNote: string, where: string, };

export type JobsStatus = { jobs: Jobs, 
/**
 * The last runs, newest first (automatic emission's passes too).
 */
activity: Array<Run>, now: number, };

export type Jobs = { payments: JobView, stock: JobView, };

export type JobView = { enabled: boolean, run: Run | null, 
/**
 * While running: the estimated end at full speed.
 */
etaMs: number | null, 
/**
 * Now, when a run is due (asked for, never run in the browser that runs the schedule, or
 * its day is past); otherwise the next scheduled run, if any.
 */
nextDueMs: number | null, lastDoneMs: number | null, };

export type Run = { kind: JobKind, startedMs: number, finishedMs: number | null, status: RunStatus, 
/**
 * Items in the plan; the cursor is the next one to work.
 */
total: number, cursor: number, counts: Counts, 
/**
 * Errors a person can act on (the last few).
 */
errors: Array<string>, 
/**
 * Items left out on purpose, with the reason (the last few).
 */
skipped: Array<Note>, 
/**
 * Why the run is waiting (a lockout), until when.
 */
pausedUntilMs: number | null, 
/**
 * What started it: "schedule", "now" (a person), "invoice" (stock after a discharge), "enabled".
 */
reason: string, };

export type RunStatus = "running" | "done" | "cancelled" | "failed";

export type Counts = { checked: number, changed: number, skipped: number, failed: number, };

export type Note = { item: string, reason: string, };

export type JobKind = "payments" | "stock" | "emission";

export type TickReply = { alarms: Array<Alarm>, skipped?: Skipped, poll?: PollReport, jobs?: StepReport, 
/**
 * Tick again soon (a job's run goes on, or an outcome is being judged).
 */
again?: boolean, 
/**
 * An unfinished company import may go on now: the worker runs it after this reply.
 */
importDue?: boolean, 
/**
 * The worker's full core: a job's run goes on or a new one is due (`jobs_due`); the worker
 * runs the jobs' step in the jobs' module after this reply (its reply is a [`JobsReply`]).
 * Natively the tick works them itself (`jobs`).
 */
jobsDue?: boolean, };

export type JobsReply = { 
/**
 * Only while a run goes on: the alarms with the sooner "continue" one. Otherwise the alarms
 * stay as the tick set them (which knows what else waits: an emission's outcome, an import).
 */
alarms?: Array<Alarm>, skipped?: Skipped, jobs: StepReport, 
/**
 * `syncNow`: the jobs' state after the first slice.
 */
status?: JobsStatus, };

export type Skipped = "notConfigured" | "teamMode";

export type StepReport = { worked: number, 
/**
 * A run is still in progress: the background should tick again soon.
 */
more: boolean, pausedUntilMs: number | null, };

export type PollReport = { resumed: number, checked: number, emitted: number, failed: number, needsConfirmation: number, pausedUntilMs: number | null, 
/**
 * Automatic emission runs in another browser of the team (its name).
 */
otherRunner: string | null, errors: Array<string>, };

export type UnitGroup = { smartbill: string, minicrm: Array<string>, };

export type Sender = { 
/**
 * `chrome.runtime.id`.
 */
extensionId: string, 
/**
 * `chrome.runtime.getURL("")`: the extension's own origin, `chrome-extension://<id>/` in
 * Chromium, `moz-extension://<uuid>/` in Firefox, whose UUID is per profile and is not the
 * add-on id. Empty: taken to be `chrome-extension://<extension_id>/`.
 */
extensionUrl: string, 
/**
 * `sender.id`: must equal `extension_id`.
 */
senderId: string, 
/**
 * `sender.url`: an extension page (`chrome-extension://<id>/options.html`) or a web page.
 */
url: string, 
/**
 * The browser's UI language (`chrome.i18n.getUILanguage()`).
 */
lang: string, };

export type ImportReply = ImportStatus | ImportReport;

export type ImportStatus = { job: ImportJob | null, 
/**
 * The index of the first of [`ImportStatus::rows`] among the job's rows.
 */
offset: number, rows: Array<ImportRow>, 
/**
 * The MiniCRM settings' problems, as the options page names them (or the settings' own
 * error when they cannot be read): the import looks the companies up in MiniCRM and writes
 * them there, so while this is not empty a file is previewed but not matched (`match`
 * answers with no job). Empty: the import can go on.
 */
setup: Array<ErrorView>, };

export type ImportReport = { csv: string, fileName: string, };

export type ImportJob = { id: string, fileName: string, phase: ImportPhase, phaseLabel: string, rows: number, matched: number, toMatch: number, written: number, counts: ImportCounts, 
/**
 * The count boxes, in order: the plan's before writing, what was done after.
 */
tallies: Array<ImportTally>, 
/**
 * MiniCRM fields the account lacks, not imported.
 */
leftOut: Array<string>, 
/**
 * [`JobView::left_out`] in words; none when nothing is left out.
 */
leftOutNote: string | null, plannedCalls: number, writeCalls: number, calls: number, msPerCall: number, etaMs: number, 
/**
 * The progress bar, 0–100.
 */
percent: number, 
/**
 * The progress in words (`12 / 25 · 40 apeluri`); none when there is none to show.
 */
progress: string | null, 
/**
 * The estimated duration in words, or that there is nothing to write.
 */
eta: string | null, 
/**
 * Why the job stopped or is paused, in words.
 */
problem: string | null, 
/**
 * The job writes in the background (the page may be closed).
 */
background: boolean, 
/**
 * The buttons, in order.
 */
actions: Array<ImportJobAction>, 
/**
 * Ask again after this many milliseconds (the job looks up or writes).
 */
refreshMs: number | null, retryAt: number | null, error: string | null, startedMs: number | null, finishedMs: number | null, };

export type ImportJobAction = "start" | "resume" | "cancel" | "report" | "again";

export type ImportTally = { value: number, label: string, kind: ImportTallyKind, };

export type ImportTallyKind = "new" | "update" | "unchanged" | "failed" | "invalid" | "merged";

export type ImportRow = { row: number, name: string, 
/**
 * The CIF/CNP to show: the accepted one, or the refused one as written.
 */
vat: string, 
/**
 * The refused CIF/CNP as written (the reason is among the issues).
 */
rejectedVat: string | null, 
/**
 * What the plan does with the row.
 */
action: ImportRowAction | null, actionLabel: string | null, 
/**
 * What was done.
 */
done: ImportRowAction | null, doneLabel: string | null, error: string | null, 
/**
 * The fields an update changes.
 */
changes: Array<string>, issues: Array<ImportIssue>, };

export type ImportIssue = { error: boolean, message: string, };

export type ImportCounts = { create: number, update: number, unchanged: number, invalid: number, merged: number, 
/**
 * Executed so far.
 */
created: number, updated: number, failed: number, };

export type ImportPhase = "matching" | "matched" | "running" | "done" | "cancelled" | "failed";

export type ImportRowAction = "create" | "update" | "unchanged" | "invalid" | "merged";

export type ImportPreview = { fileName: string, 
/**
 * The index of the sheet used, in [`Preview::sheets`].
 */
sheet: number, sheets: Array<ImportSheet>, 
/**
 * 1-based.
 */
headerRow: number, columns: Array<ImportColumn>, 
/**
 * What a column may be imported as.
 */
targets: Array<ImportTarget>, counts: ImportPreviewCounts, 
/**
 * The count boxes: valid companies, invalid rows, merged duplicates, rows with remarks.
 */
tallies: Array<ImportTally>, 
/**
 * The first rows with an issue.
 */
rows: Array<ImportPreviewRow>, notes: Array<string>, };

export type ImportSheet = { index: number, name: string, 
/**
 * It has a recognisable header.
 */
usable: boolean, rows: number, };

export type ImportColumn = { index: number, letter: string, header: string, 
/**
 * A target's id; none: ignored.
 */
target: string | null, samples: Array<string>, };

export type ImportTarget = { id: string, label: string, };

export type ImportPreviewCounts = { rows: number, companies: number, invalid: number, merged: number, warnings: number, emptyRows: number, };

export type ImportPreviewRow = { row: number, name: string, 
/**
 * A refused CIF/CNP is shown as the file wrote it, beside the reason.
 */
vat: string, rejectedVat: string | null, valid: boolean, issues: Array<ImportIssue>, };
