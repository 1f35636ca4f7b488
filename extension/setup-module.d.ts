// The worker's setup module (src/wasm.rs with feature `setup`) as background.js uses it, for
// `tsc`. Not part of the built extension (scripts/flavours.mjs leaves *.d.ts out).
import type { Sender } from '../types/core';
import type { AnyReply } from './core-module';

/** Loads and instantiates the module. */
export default function init(options: { module_or_path: string | Response | Promise<Response> }): Promise<unknown>;

/** The extension's `host_permissions` from its manifest, once when the worker starts. */
export function setHostPermissions(list: string[]): void;

/**
 * Runs one of the options page's setup commands (save, the connection tests, the checklist, the
 * team server's test, the warehouses: `src/setup.rs`); never rejects: errors are replies.
 */
export function handle(command: { cmd: string } & Record<string, unknown>, sender: Sender): Promise<AnyReply>;
