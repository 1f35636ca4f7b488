// The worker's import job module (src/wasm.rs with feature `importjob`) as background.js uses it,
// for `tsc`. Not part of the built extension (scripts/flavours.mjs leaves *.d.ts out).
import type { Sender } from '../types/core';
import type { AnyReply } from './core-module';

/** Loads and instantiates the module. */
export default function init(options: { module_or_path: string | Response | Promise<Response> }): Promise<unknown>;

/** The extension's `host_permissions` from its manifest, once when the worker starts. */
export function setHostPermissions(list: string[]): void;

/** Runs one of the import page's commands (`App::handle`); never rejects: errors are replies. */
export function handle(command: { cmd: string } & Record<string, unknown>, sender: Sender): Promise<AnyReply>;

/** Goes on with an unfinished company import; resolves when it is done or must wait. */
export function resumeImport(): Promise<void>;
