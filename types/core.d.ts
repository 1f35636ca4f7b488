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

export type PanelView = { state: PanelState, docType: DocumentType, documentId: number, number: string | null, 
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
 * Ask again after this many milliseconds (something is in progress).
 */
refreshMs: number | null, };

export type PanelState = "notIssued" | "issuing" | "issued" | "error" | "needsConfirmation" | "cancelled" | "reversed";

export type Action = "emit" | "retry" | "cancel" | "reverse" | "reissue" | "pdf" | "confirm";

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

export type ImportReply = ImportStatus | ImportReport;

export type ImportStatus = { job: ImportJob | null, 
/**
 * The index of the first of [`ImportStatus::rows`] among the job's rows.
 */
offset: number, rows: Array<ImportRow>, };

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
