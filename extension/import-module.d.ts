// The import page's WASM module (src/import/wasm.rs) as import.js uses it, for `tsc`: what it
// returns is typed by the core's generated types (types/core.d.ts). Not part of the built
// extension (scripts/flavours.mjs leaves *.d.ts out).
import type { ImportPreview } from '../types/core';

/** Loads and instantiates the module. */
export default function init(options: { module_or_path: string }): Promise<unknown>;

/** A file being imported (`ImportSession` in src/import/wasm.rs). Its methods throw an
 * `ImportFileError` for a file they cannot read. */
export class ImportSession {
  static open(bytes: Uint8Array, fileName: string, lang: string): ImportSession;
  preview(): ImportPreview;
  setColumn(column: number, target: string): ImportPreview;
  setSheet(index: number): ImportPreview;
  /** The background's `match` action for this file and mapping, sent as it is. */
  matchAction(): { type: 'match'; fileName: string; fileHash: string; candidates: unknown[] };
  free(): void;
}

/** What the module throws: the error's code and its message in the page's language. */
export type ImportFileError = { code: string; message: string };
