// The envelope of every reply (`App::handle` in src/api.rs): the command's reply with `ok: true`,
// or the error the command stopped on.
import type {
  CardReply, ChecklistReply, EffectReply, ErrorView, JobsReply, JobsStatus, MiniCrmTest, Saved, SavedSettings,
  ServerTest, SettingsReply, SmartBillTest, TickReply, Warehouses,
} from './core';

export type Reply<T> = (T & { ok: true }) | { ok: false; error: ErrorView };

/** Each command's reply (the Rust types behind `App::run` in src/api.rs), by its `cmd`. */
export interface Replies {
  getSettings: SettingsReply;
  saveSettings: SavedSettings;
  testSmartBill: SmartBillTest;
  testMiniCrm: MiniCrmTest;
  testServer: ServerTest;
  checklist: ChecklistReply;
  warehouses: Warehouses;
  jobsStatus: JobsStatus;
  cancelJob: JobsStatus;
  syncNow: JobsReply;
  tick: TickReply;
  panelState: CardReply;
  card: CardReply;
  panelPlace: Saved;
  openOptions: EffectReply;
}

/** The reply to a command: typed for the commands above, unchecked for the others. */
export type ReplyTo<C> = C extends keyof Replies ? Reply<Replies[C]> : any;
