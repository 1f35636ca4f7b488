// The service worker's WASM module (src/wasm.rs) as background.js uses it, for `tsc`: what crosses
// the boundary is typed by the core's generated types (types/core.d.ts). Not part of the built
// extension (scripts/flavours.mjs leaves *.d.ts out).
import type { Alarm, Effect, ErrorView, Sender } from '../types/core';

/** Loads and instantiates the module. */
export default function init(options: { module_or_path: string | Response | Promise<Response> }): Promise<unknown>;

/** The extension's `host_permissions` from its manifest, once when the worker starts. */
export function setHostPermissions(list: string[]): void;

/**
 * Any command's reply as the background sees it (the pages type each command's own reply,
 * types/reply.d.ts): the side effects the core chose are the only fields the background reads.
 */
export type AnyReply =
  | ({ ok: true; effect?: Effect; alarms?: Alarm[]; importDue?: boolean } & Record<string, unknown>)
  | { ok: false; error: ErrorView };

/** Runs one command (`App::handle`); never rejects: errors are replies. */
export function handle(command: { cmd: string } & Record<string, unknown>, sender: Sender): Promise<AnyReply>;
