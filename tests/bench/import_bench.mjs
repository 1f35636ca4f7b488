// Benchmark, in Debian's Chromium, same run, same files: the import page's WASM parse + map
// (calamine, pkg/import) against SheetJS 0.18.5 (`read` + `sheet_to_json` + the same mapping in
// JS), for 10,000 and 100,000 rows of 14 columns. Prints times and memory; asserts nothing.
//   node tests/bench/import_bench.mjs [rows...]      (after scripts/build.sh)
// Each size is measured twice, in fresh pages:
//   cold    the file is the first thing the page parses;
//   warmed  as the import page does while it waits for the user's file, each engine first opens
//           the build's small export (extension/pkg/import-warmup.xlsx, 300 rows) once: ours with
//           ImportSession.open + preview, SheetJS with its own parse + map.
// BENCH_WASM=import_nosimd_bg.wasm measures the build without WebAssembly SIMD (the one the page
// loads where SIMD is off) instead of pkg/import_bg.wasm.
import http from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { exportXlsx } from '../e2e/export.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PKG = join(ROOT, 'extension', 'pkg');
const WASM = process.env.BENCH_WASM || 'import_bg.wasm';
if (!existsSync(join(PKG, WASM)) || !existsSync(join(PKG, 'import-warmup.xlsx'))) {
  console.error(`extension/pkg/${WASM} or import-warmup.xlsx is missing: run scripts/build.sh`);
  process.exit(1);
}
const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const ROWS = sizes.length ? sizes : [10000, 100000];

// The same mapping as the Rust side, written in JS: header detection by alias after folding,
// CIF/CNP checks, e-mail split, numeric postal codes and phones, duplicates merged.
const PAGE = `<!doctype html><meta charset="utf-8"><script src="/xlsx.js"></script><script type="module">
import init, { parseAndMap, ImportSession } from '/pkg/import.js';
window.wasmReady = init({ module_or_path: '/pkg/import_bg.wasm' }).then((w) => { window.wasm = w; });
window.parseAndMap = parseAndMap;
window.warmUpWasm = (bytes) => { const s = ImportSession.open(bytes, 'import-warmup.xlsx', 'ro'); s.preview(); s.free(); };
</script><script>
const fold = (s) => String(s).normalize('NFD').replace(/[\\u0300-\\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]/g, '');
const ALIASES = { name: ['denumire', 'nume', 'client', 'firma'], vat: ['cif', 'cui', 'cifcnp', 'codfiscal'],
  regCom: ['nrregcom', 'regcom'], address: ['adresa'], city: ['localitate', 'oras'], county: ['judet'], country: ['tara'],
  postal: ['codpostal'], email: ['email'], phone: ['telefon'], contact: ['persoanadecontact', 'contact'],
  iban: ['iban', 'contbancar'], bank: ['banca'], code: ['codclient'] };
function classify(h) {
  const f = fold(h);
  let best = null; let score = 0;
  for (const [t, list] of Object.entries(ALIASES)) for (const a of list) {
    const s = f === a ? 1000 + a.length : (a.length >= 5 && f.startsWith(a) ? a.length : 0);
    if (s > score) { score = s; best = t; }
  }
  return best;
}
function cifOk(d) {
  const key = [7, 5, 3, 2, 1, 7, 5, 3, 2];
  const body = d.slice(0, -1).split('').map(Number);
  const k = key.slice(9 - body.length);
  let c = body.reduce((s, x, i) => s + x * k[i], 0) * 10 % 11;
  if (c === 10) c = 0;
  return c === Number(d[d.length - 1]);
}
window.sheetjsParseAndMap = function (bytes) {
  const wb = XLSX.read(bytes, { type: 'array' });
  let best = null;
  for (const name of wb.SheetNames) {
    const rows = XLSX.utils.sheet_to_json(wb.Sheets[name], { header: 1, defval: '', raw: true });
    for (let r = 0; r < Math.min(30, rows.length); r++) {
      const cols = rows[r].map((h) => (typeof h === 'string' ? classify(h) : null));
      const n = new Set(cols.filter(Boolean)).size;
      if (n >= 3 && cols.includes('name') && (!best || n > best.n)) best = { rows, r, cols, n };
    }
  }
  if (!best) throw new Error('no header');
  const idx = {};
  best.cols.forEach((t, i) => { if (t && idx[t] === undefined) idx[t] = i; });
  const out = []; const seen = new Map();
  const text = (row, t) => { const v = idx[t] === undefined ? '' : row[idx[t]]; return typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(v)) : String(v ?? '').split(/\\s+/).filter(Boolean).join(' '); };
  for (let r = best.r + 1; r < best.rows.length; r++) {
    const row = best.rows[r];
    const c = { row: r + 1, issues: [] };
    for (const t of Object.keys(ALIASES)) c[t] = text(row, t);
    if (typeof row[idx.postal] === 'number' && c.postal.length < 6) c.postal = c.postal.padStart(6, '0');
    if (typeof row[idx.phone] === 'number' && c.phone.length === 9) c.phone = '0' + c.phone;
    const emails = c.email.split(/[,; ]+/).filter(Boolean);
    c.email = emails[0] || '';
    if (emails.length > 1) c.issues.push('extraEmails');
    let v = c.vat.replace(/[\\s.\\-/]/g, '');
    const ro = /^ro/i.test(v);
    if (ro) v = v.slice(2);
    if (!c.name) c.issues.push('missingName');
    if (!/^[0-9]{2,10}$/.test(v)) c.issues.push('cifInvalid');
    else if (!cifOk(v)) c.issues.push('cifControl');
    c.vat = v; c.payer = ro;
    c.valid = !c.issues.some((i) => i !== 'extraEmails');
    if (c.valid) { const k = 'cif:' + v; if (seen.has(k)) { c.merged = seen.get(k); } else seen.set(k, c.row); }
    out.push(c);
  }
  return { rows: out.length, valid: out.filter((c) => c.valid).length };
};
</script>`;

const files = {};
for (const n of ROWS) {
  const t = Date.now();
  files[n] = exportXlsx(n);
  console.log(`generated ${n} rows: ${(files[n].length / 1048576).toFixed(1)} MB in ${Date.now() - t} ms`);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const send = (type, body) => { res.writeHead(200, { 'content-type': type }); res.end(body); };
  if (url.pathname === '/') return send('text/html', PAGE);
  if (url.pathname === '/xlsx.js') return send('text/javascript', readFileSync(join(ROOT, 'node_modules/xlsx/dist/xlsx.full.min.js')));
  if (url.pathname === '/pkg/import.js') return send('text/javascript', readFileSync(join(PKG, 'import.js')));
  if (url.pathname === '/pkg/import_bg.wasm') return send('application/wasm', readFileSync(join(PKG, WASM)));
  if (url.pathname === '/pkg/import-warmup.xlsx') return send('application/octet-stream', readFileSync(join(PKG, 'import-warmup.xlsx')));
  const m = url.pathname.match(/^\/file\/(\d+)$/);
  if (m && files[m[1]]) return send('application/octet-stream', files[m[1]]);
  res.writeHead(404); res.end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--js-flags=--expose-gc', '--enable-precise-memory-info'],
});

const mb = (b) => `${(b / 1048576).toFixed(0)} MB`;

/** One measurement in a fresh page: time, and the JS heap / WASM memory it needed. */
async function measure(kind, n, warmed) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(base);
  await page.evaluate(() => window.wasmReady);
  if (warmed) {
    await page.evaluate(async (kind) => {
      const b = new Uint8Array(await (await fetch('/pkg/import-warmup.xlsx')).arrayBuffer());
      if (kind === 'wasm') window.warmUpWasm(b);
      else window.sheetjsParseAndMap(b);
    }, kind);
  }
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.evaluate(async (n) => {
    window.bytes = new Uint8Array(await (await fetch(`/file/${n}`)).arrayBuffer());
    window.gc();
  }, n);
  const heapBefore = (await cdp.send('Runtime.getHeapUsage')).usedSize;
  const wasmBefore = await page.evaluate(() => window.wasm.memory.buffer.byteLength);
  const result = await page.evaluate((kind) => {
    const t = performance.now();
    try {
      const r = kind === 'wasm' ? window.parseAndMap(window.bytes) : window.sheetjsParseAndMap(window.bytes);
      window.keep = r;
      return { ms: performance.now() - t, rows: r.rows, valid: r.valid };
    } catch (e) {
      return { ms: NaN, rows: 0, valid: 0, error: (e && e.message) || String(e) };
    }
  }, kind);
  if (result.error) console.log(`  ${kind} failed: ${result.error}`);
  // The same parse again in the same page: V8 has tiered the module's hot code up by then
  // (the first call in a fresh page runs partly on baseline code).
  if (kind === 'wasm' && !result.error) {
    result.warmMs = await page.evaluate(() => {
      const t = performance.now();
      window.keep = window.parseAndMap(window.bytes);
      return performance.now() - t;
    });
  }
  // The JS heap grows to what a run needs and is not returned right away: its total size after the
  // run (before any GC) is the peak; the WASM memory only ever grows, so its size is its peak.
  const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const wasmAfter = await page.evaluate(() => window.wasm.memory.buffer.byteLength);
  await context.close();
  return { ...result, heapPeak: metrics.JSHeapTotalSize - 0, heapBefore, wasm: wasmAfter, wasmGrowth: wasmAfter - wasmBefore };
}

console.log(`\nChromium ${browser.version()}, pkg/${WASM}, ${ROWS.join(' and ')} rows × 14 columns\n`);
for (const n of ROWS) {
  for (const warmed of [false, true]) {
    const runs = n >= 100000 ? 3 : 5;
    const wasm = [];
    const sheetjs = [];
    for (let i = 0; i < runs; i++) wasm.push(await measure('wasm', n, warmed));
    for (let i = 0; i < (n >= 100000 ? 2 : 3); i++) sheetjs.push(await measure('sheetjs', n, warmed));
    const median = (list) => [...list].sort((a, b) => a.ms - b.ms)[Math.floor(list.length / 2)];
    const w = median(wasm);
    const s = median(sheetjs);
    const wasmPeak = Math.max(...wasm.map((r) => r.wasm + r.heapPeak));
    const sPeak = Math.max(...sheetjs.map((r) => r.heapPeak));
    const label = warmed ? 'warmed (both engines opened the 300-row warm-up file first, as the import page does)' : 'cold (the first parse in a fresh page)';
    console.log(`${n} rows, ${label} (${w.rows} mapped, ${w.valid} valid; SheetJS ${s.rows}/${s.valid})`);
    console.log(`  ours (WASM):  ${w.ms.toFixed(0)} ms median of ${runs} fresh pages [${wasm.map((r) => r.ms.toFixed(0)).join(', ')}], second parse in the same page [${wasm.map((r) => (r.warmMs || 0).toFixed(0)).join(', ')}]; WASM memory ${mb(w.wasm)}, JS heap total ${mb(w.heapPeak)}`);
    console.log(`  SheetJS:      ${s.ms.toFixed(0)} ms median of ${sheetjs.length} [${sheetjs.map((r) => r.ms.toFixed(0)).join(', ')}]; JS heap total ${mb(s.heapPeak)}`);
    const aim = n >= 100000 ? 6 : 4;
    console.log(`  speed-up ${(s.ms / w.ms).toFixed(1)}× (aim ≥ ${aim}×: ${s.ms / w.ms >= aim ? 'met' : 'NOT met'}); peak memory ours ${mb(wasmPeak)} (WASM + JS heap) vs SheetJS ${mb(sPeak)} = ${(wasmPeak / sPeak).toFixed(2)}×`);
    if (n === 100000) {
      console.log(`  anchors: ≤ 1200 ms → ${w.ms <= 1200 ? 'met' : 'NOT met'}; ≤ 1/3 of the memory → ${wasmPeak <= sPeak / 3 ? 'met' : 'NOT met'}`);
    }
  }
}
await browser.close();
server.close();
