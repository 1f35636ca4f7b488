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
