// The worker's first module (src/front.rs, src/wasm_front.rs) as background.js uses it, for `tsc`.
// Not part of the built extension (scripts/flavours.mjs leaves *.d.ts out).
import type { Sender } from '../types/core';
import type { AnyReply } from './core-module';

/** Loads and instantiates the module. */
export default function init(options: { module_or_path: string | Response | Promise<Response> }): Promise<unknown>;

/** The extension's `host_permissions` from its manifest, once when the worker starts. */
export function setHostPermissions(list: string[]): void;

/**
 * The reply to a command this module answers (`getSettings`, `panelState` off a card of the
 * configured module), or `undefined`: the full core must answer (`core-module`'s `handle`), or
 * the name of the module that must: `'importJob'` (`importjob-module`'s `handle`), `'setup'`
 * (`setup-module`'s `handle`) or `'jobs'` (`jobs-module`'s `handle`).
 */
export function handle(command: { cmd: string } & Record<string, unknown>, sender: Sender): Promise<AnyReply | undefined | 'importJob' | 'setup' | 'jobs'>;
