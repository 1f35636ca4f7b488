// The worker's tick module (src/wasm.rs with feature `tick`) as background.js uses it, for `tsc`.
// Not part of the built extension (scripts/flavours.mjs leaves *.d.ts out).
import type { Sender } from '../types/core';
import type { AnyReply } from './core-module';

/** Loads and instantiates the module. */
export default function init(options: { module_or_path: string | Response | Promise<Response> }): Promise<unknown>;

/** The extension's `host_permissions` from its manifest, once when the worker starts. */
export function setHostPermissions(list: string[]): void;

/**
 * Runs the background tick the first module hands on (one with work to do: unfinished
 * emissions, automatic emission's pass, what the jobs and the import need next); never rejects:
 * errors are replies.
 */
export function handle(command: { cmd: string } & Record<string, unknown>, sender: Sender): Promise<AnyReply>;
