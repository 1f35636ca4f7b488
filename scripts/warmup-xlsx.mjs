// Writes extension/pkg/import-warmup.xlsx: a small SmartBill-like client export (300 rows, the
// generator of the import tests) that the import page parses once while it waits for the user's
// file. V8 compiles a WebAssembly function the first time it runs and optimises the hot ones
// after a while; without that first parse, the user's file pays for both (a 10,000-row file
// took 1.6–2.0× as long from a fresh page; tests/bench/import_bench.mjs prints both figures).
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportXlsx } from '../tests/e2e/export.mjs';

export const WARMUP_ROWS = 300;
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'extension', 'pkg', 'import-warmup.xlsx');
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(out, exportXlsx(WARMUP_ROWS));
}
