// Benchmark for issue #11's size and cold-start aims. Prints figures; asserts nothing (exit 0
// whether the aims are met or not, unless the benchmark itself cannot run).
//
//   node tests/bench/coldstart.mjs [samples]          (after bash scripts/build.sh; no sandbox,
//                                                       no network)
//
// 1. Size of the module the service worker starts with: pkg/front_bg.wasm, the first module
//    (src/front.rs; a build before it has none, and starts with pkg/core_bg.wasm), raw, gzip -9,
//    brotli -q 11, against the aim of ≤ 200 KB gzip (KB = 1,000 bytes here); and of the full core,
//    pkg/core_bg.wasm, which the worker starts for the messages the first module hands on, and of
//    the import job's module, pkg/importjob_bg.wasm, which it starts for the import.
// 2. Cold start, in one Debian Chromium (playwright-core, /usr/bin/chromium) with four
//    extensions loaded side by side:
//      real      a copy of dist/sandbox (the real sandbox build, unchanged) plus one empty page,
//                bench.html, to send from (the popup and options pages send messages of their
//                own and would wake the worker);
//      minimal   tests/bench/minimal-worker: a plain-JS MV3 service worker that answers a
//                chrome.runtime message — the anchor; a classic script, as the real build's
//                bundled background.js (scripts/flavours.mjs);
//      init-only the real build's pkg/ with a worker that only runs the init() of the module
//                the worker starts with (fetch, compile and instantiate it) before it answers;
//      storage   a plain-JS worker that makes the same storage reads as getSettings
//                (storage.local "settings", IndexedDB open + the two secrets, storage.local
//                "browser.id") before it answers.
//    Each sample stops the extension's service worker (CDP Target.closeTarget on its target, as
//    killWorker in tests/e2e/harness.mjs), checks it is gone, then times, inside an extension
//    page, chrome.runtime.sendMessage(command) → reply (performance.now() in the page; no
//    Playwright round trip in the figure). Then the same message once more with the worker
//    running (warm). The probes are interleaved, in a rotating order, in every round.
//    The headline command is {cmd: 'getSettings'}: what the options page sends first; the core
//    reads the stored settings (chrome.storage.local and the secrets in IndexedDB) and the
//    browser id, and makes no network call. It is sent from an extension page, so the core
//    allows it. The real worker is also timed with {cmd: 'panelState', url: 'about:blank'}: a
//    command the core answers ({show: false}) without storage or network, so the breakdown can
//    tell the storage reads from the WASM's own start; with {cmd: 'card', action: 'state'} (a
//    card's state asked from an extension page), which the first module hands on: the cold start
//    of a message that needs the full core; with {cmd: 'tick'}, the browser's start with nothing
//    to do (the first module's since 2026-12-06, the full core's before); and, when
//    the build has the import job's module, with {cmd: 'import', action: {type: 'status'}}, what
//    the import page sends when it opens, which the first module hands to that module.
//    The figures printed: min / median / max per probe, and the ratio of the medians
//    real getSettings ÷ minimal against the aim of ≤ 2.5×.
//
// Environment: SAMPLES (default 20), BENCH_BUILD (default dist/sandbox), CHROMIUM (default /usr/bin/chromium),
// BENCH_COMPARE=<another build's dist/sandbox> to load it beside the real one and time its
// getSettings and its tick in the same rounds (a change worth a few milliseconds is lost in the noise between
// runs, not within one),
// BENCH_JSON=path to also write the raw samples as JSON, BENCH_JS_FLAGS=V8 flags for diagnosis
// (e.g. --no-wasm-lazy-compilation).
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, brotliCompressSync, constants as zc } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// BENCH_BUILD=<a copy of an older dist/sandbox>: the same figures for that build (before/after).
const SANDBOX = process.env.BENCH_BUILD || join(ROOT, 'dist', 'sandbox');
const CORE = join(SANDBOX, 'pkg', 'core_bg.wasm');
const FRONT = join(SANDBOX, 'pkg', 'front_bg.wasm');
// The import job's module (a build before it has none: the import job is then in the full core).
const IMPORT_JOB = join(SANDBOX, 'pkg', 'importjob_bg.wasm');
// The setup module (a build before it has none: the setup commands are then in the full core).
const SETUP = join(SANDBOX, 'pkg', 'setup_bg.wasm');
// The jobs' module (a build before it has none: the jobs are then in the full core).
const JOBS = join(SANDBOX, 'pkg', 'jobs_bg.wasm');
// The tick module (a build before 2026-12-07 has none: the tick is then in the full core).
const TICK_MODULE = join(SANDBOX, 'pkg', 'tick_bg.wasm');
// The module the worker starts with.
const FIRST = existsSync(FRONT) ? 'front' : 'core';
const WASM = FIRST === 'front' ? FRONT : CORE;
const MINIMAL = join(ROOT, 'tests', 'bench', 'minimal-worker');
const SAMPLES = Number(process.argv[2] || process.env.SAMPLES || 20);
const COMMAND = { cmd: 'getSettings' };
const NO_STORAGE = { cmd: 'panelState', url: 'about:blank' };
// A card's state asked from an extension page: always the full core's (on this unconfigured
// profile it answers with the hint to configure).
const FULL_CORE = { cmd: 'card', url: 'https://r3.minicrm.ro/1/#Project-21/1', action: 'state' };
// The tick at the browser's start (or an alarm's) with nothing to do: the first module's since
// 2026-12-06 (the full core's before).
const TICK = { cmd: 'tick' };
const IMPORT = { cmd: 'import', action: { type: 'status' } };
// The options page's save with nothing changed: the stored settings stay as they are.
const SETUP_SAVE = { cmd: 'saveSettings', settings: {} };
// A command of the jobs' module (the full core's in a build without it): cancelling a stock sync
// that is not running (storage reads only, as the popup's Stop).
const JOBS_CANCEL = { cmd: 'cancelJob', kind: 'stock' };
const SIZE_AIM = 200_000; // bytes of gzip -9
const RATIO_AIM = 2.5;

const fmt = (n) => n.toLocaleString('en-US');
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
const ms = (n) => `${n.toFixed(1)} ms`;

// ---------------------------------------------------------------------------------------------
// 1. Size
if (!existsSync(CORE) || !existsSync(join(SANDBOX, 'manifest.json'))) {
  console.error(`${SANDBOX}/pkg/core_bg.wasm or its manifest is missing: run bash scripts/build.sh`);
  process.exit(1);
}
const sizes = (file) => {
  const bytes = readFileSync(file);
  // gzip(1) -9, as scripts/build.sh reports it (zlib's level 9 differs by a few KB); zlib if absent.
  const gzipCli = spawnSync('gzip', ['-9c', file], { maxBuffer: 1 << 28 });
  const gz = gzipCli.status === 0 ? gzipCli.stdout.length : gzipSync(bytes, { level: 9 }).length;
  const br = brotliCompressSync(bytes, {
    params: { [zc.BROTLI_PARAM_QUALITY]: 11, [zc.BROTLI_PARAM_LGWIN]: 24, [zc.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  }).length;
  return { raw: bytes.length, gz, br };
};
const first = sizes(WASM);
const full = FIRST === 'front' ? sizes(CORE) : first;
const importJob = existsSync(IMPORT_JOB) ? sizes(IMPORT_JOB) : null;
const setup = existsSync(SETUP) ? sizes(SETUP) : null;
const jobs = existsSync(JOBS) ? sizes(JOBS) : null;
const tickModule = existsSync(TICK_MODULE) ? sizes(TICK_MODULE) : null;
const gz = first.gz;
console.log(`== size of pkg/${FIRST}_bg.wasm, the module the service worker starts with ==`);
console.log(`raw      ${fmt(first.raw)} B`);
console.log(`gzip -9  ${fmt(gz)} B (${kb(gz)})   aim ≤ ${kb(SIZE_AIM)}: ${gz <= SIZE_AIM ? 'aim met' : `aim missed (${(gz / SIZE_AIM).toFixed(2)}× the aim)`}`);
console.log(`brotli   ${fmt(first.br)} B (${kb(first.br)})`);
if (FIRST === 'front') {
  console.log('== size of pkg/core_bg.wasm, the full core (started for the messages the first module hands on) ==');
  console.log(`raw      ${fmt(full.raw)} B; gzip -9 ${fmt(full.gz)} B (${kb(full.gz)}); brotli ${fmt(full.br)} B`);
  console.log(`both     gzip -9 ${fmt(first.gz + full.gz)} B (${kb(first.gz + full.gz)})`);
}
if (importJob) {
  console.log('== size of pkg/importjob_bg.wasm, the import job (started for the import page and a due import) ==');
  console.log(`raw      ${fmt(importJob.raw)} B; gzip -9 ${fmt(importJob.gz)} B (${kb(importJob.gz)}); brotli ${fmt(importJob.br)} B`);
}
if (setup) {
  console.log('== size of pkg/setup_bg.wasm, the setup module (started for the options page\'s save, tests, checklist, warehouses) ==');
  console.log(`raw      ${fmt(setup.raw)} B; gzip -9 ${fmt(setup.gz)} B (${kb(setup.gz)}); brotli ${fmt(setup.br)} B`);
}
if (jobs) {
  console.log('== size of pkg/jobs_bg.wasm, the jobs\' module (started for "sync now", cancelling, and due jobs) ==');
  console.log(`raw      ${fmt(jobs.raw)} B; gzip -9 ${fmt(jobs.gz)} B (${kb(jobs.gz)}); brotli ${fmt(jobs.br)} B`);
}
if (tickModule) {
  console.log('== size of pkg/tick_bg.wasm, the tick module (started for a tick with work to do) ==');
  console.log(`raw      ${fmt(tickModule.raw)} B; gzip -9 ${fmt(tickModule.gz)} B (${kb(tickModule.gz)}); brotli ${fmt(tickModule.br)} B`);
}

// ---------------------------------------------------------------------------------------------
// 2. Cold start
const work = mkdtempSync(join(tmpdir(), 'mcsb-coldstart-'));
const realDir = join(work, 'real');
const initDir = join(work, 'init-only');
const EMPTY_PAGE = '<!doctype html><meta charset="utf-8"><title>bench</title>\n';
/** A copy of `build` in `dir` with the empty page to send from; `name` renames it and drops its
 * content scripts (the real build keeps both). */
function copyBuild(build, dir, name) {
  cpSync(build, dir, { recursive: true });
  writeFileSync(join(dir, 'bench.html'), EMPTY_PAGE);
  if (!name) return;
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  manifest.name = name;
  delete manifest.content_scripts;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
}
copyBuild(SANDBOX, realDir);
// init-only: the same pkg/ and manifest, a worker that loads the core and answers.
copyBuild(SANDBOX, initDir, 'Cold-start bench: init only');
// A dist build bundles the module's glue into its background.js (scripts/flavours.mjs): the
// init-only worker takes it from extension/pkg/, which the same build wrote.
if (!existsSync(join(initDir, 'pkg', `${FIRST}.js`))) {
  cpSync(join(ROOT, 'extension', 'pkg', `${FIRST}.js`), join(initDir, 'pkg', `${FIRST}.js`));
}
// It imports the glue: an ES module worker, unlike the bundled real one (a classic script).
const initManifest = JSON.parse(readFileSync(join(initDir, 'manifest.json'), 'utf8'));
initManifest.background = { service_worker: 'background.js', type: 'module' };
writeFileSync(join(initDir, 'manifest.json'), JSON.stringify(initManifest, null, 2));
writeFileSync(join(initDir, 'background.js'), `import init from './pkg/${FIRST}.js';
const ready = init({ module_or_path: chrome.runtime.getURL('pkg/${FIRST}_bg.wasm') });
chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  ready.then(() => sendResponse({ ok: true }), (e) => sendResponse({ ok: false, error: String(e) }));
  return true;
});
`);

// storage: the storage reads of getSettings, in plain JS (no WASM).
const storageDir = join(work, 'storage');
mkdirSync(storageDir);
writeFileSync(join(storageDir, 'bench.html'), EMPTY_PAGE);
writeFileSync(join(storageDir, 'manifest.json'), JSON.stringify({
  manifest_version: 3, name: 'Cold-start bench: storage only', version: '1.0.0',
  permissions: ['storage'], background: { service_worker: 'background.js' },
}, null, 2));
writeFileSync(join(storageDir, 'background.js'), `let opening = null;
function db() {
  if (!opening) opening = new Promise((resolve, reject) => {
    const request = indexedDB.open('minicrm-smartbill-secrets', 1);
    request.onupgradeneeded = () => request.result.createObjectStore('secrets');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opening;
}
async function secret(key) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const t = d.transaction('secrets', 'readonly');
    const r = t.objectStore('secrets').get(key);
    t.oncomplete = () => resolve(r.result);
    t.onerror = () => reject(t.error);
  });
}
async function getSettings() {
  await chrome.storage.local.get('settings');
  await secret('secret.smartbill.token');
  await secret('secret.minicrm.apiKey');
  const { 'browser.id': id } = await chrome.storage.local.get('browser.id');
  if (!id) await chrome.storage.local.set({ 'browser.id': 'bench' });
}
chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  getSettings().then(() => sendResponse({ ok: true }), (e) => sendResponse({ ok: false, error: String(e) }));
  return true;
});
`);

// compare: another build, probed with the same command in the same rounds (BENCH_COMPARE).
const COMPARE = process.env.BENCH_COMPARE || '';
const compareDir = join(work, 'compare');
if (COMPARE) {
  if (!existsSync(join(COMPARE, 'manifest.json'))) {
    console.error(`${COMPARE}/manifest.json is missing: BENCH_COMPARE names a built dist/sandbox`);
    process.exit(1);
  }
  copyBuild(COMPARE, compareDir, 'Cold-start bench: compare');
}
const EXTENSIONS = [realDir, MINIMAL, initDir, storageDir, ...(COMPARE ? [compareDir] : [])];
const userData = join(work, 'profile');
const locale = process.env.UI_LOCALE || 'ro-RO';
const context = await chromium.launchPersistentContext(userData, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  locale,
  env: { ...process.env, LANG: `${locale.replace('-', '_')}.UTF-8`, LANGUAGE: locale.split('-')[0] },
  args: [
    `--disable-extensions-except=${EXTENSIONS.join(',')}`,
    `--load-extension=${EXTENSIONS.join(',')}`,
    '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-sync', '--disable-quic',
    // Diagnostics only, e.g. BENCH_JS_FLAGS=--no-wasm-lazy-compilation (docs/size.md).
    ...(process.env.BENCH_JS_FLAGS ? [`--js-flags=${process.env.BENCH_JS_FLAGS}`] : []),
  ],
});

let exitCode = 0;
try {
  // The workers, told apart by their manifest's name.
  const deadline = Date.now() + 20000;
  while (context.serviceWorkers().length < EXTENSIONS.length && Date.now() < deadline) {
    await context.waitForEvent('serviceworker', { timeout: Math.max(1, deadline - Date.now()) }).catch(() => {});
  }
  const ids = {};
  for (const w of context.serviceWorkers()) {
    const name = await w.evaluate(() => chrome.runtime.getManifest().name);
    const id = new URL(w.url()).host;
    if (/minimal worker/.test(name)) ids.minimal = id;
    else if (/init only/.test(name)) ids['init-only'] = id;
    else if (/storage only/.test(name)) ids.storage = id;
    else if (/bench: compare/.test(name)) ids.compare = id;
    else ids.real = id;
  }
  if (!ids.real || !ids.minimal || !ids['init-only'] || !ids.storage || (COMPARE && !ids.compare)) throw new Error(`service workers found: ${JSON.stringify(ids)}`);
  // Let the real worker finish its install tick.
  await new Promise((r) => setTimeout(r, 1500));

  const cdpPage = await context.newPage();
  const cdp = await context.newCDPSession(cdpPage);
  const workerTarget = async (id) => {
    const { targetInfos } = await cdp.send('Target.getTargets');
    return targetInfos.find((t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${id}/`));
  };
  const stop = async (id) => {
    const end = Date.now() + 10000;
    for (;;) {
      const t = await workerTarget(id);
      if (!t) return;
      if (Date.now() > end) throw new Error(`the worker of ${id} does not stop`);
      await cdp.send('Target.closeTarget', { targetId: t.targetId }).catch(() => {});
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const pages = {};
  for (const [kind, id] of Object.entries(ids)) {
    pages[kind] = await context.newPage();
    await pages[kind].goto(`chrome-extension://${id}/${kind === 'minimal' ? 'page.html' : 'bench.html'}`);
  }
  const send = (ext, command) => pages[ext].evaluate(async (m) => {
    const t0 = performance.now();
    const reply = await chrome.runtime.sendMessage(m);
    return { ms: performance.now() - t0, ok: !!(reply && reply.ok), reply: reply && reply.ok ? null : reply };
  }, command);

  // What is timed: a message from an extension page to a stopped worker of that extension.
  const PROBES = [
    { key: 'real', ext: 'real', command: COMMAND, label: `real: ${COMMAND.cmd} (dist/sandbox)` },
    { key: 'minimal', ext: 'minimal', command: { cmd: 'ping' }, label: 'minimal worker (plain JS)' },
    { key: 'real-nostorage', ext: 'real', command: NO_STORAGE, label: `real: ${NO_STORAGE.cmd} (no storage)` },
    { key: 'real-core', ext: 'real', command: FULL_CORE, label: `real: ${FULL_CORE.cmd} (the full core)` },
    { key: 'real-tick', ext: 'real', command: TICK, label: `real: ${TICK.cmd} with nothing to do` },
    { key: 'init-only', ext: 'init-only', command: { cmd: 'ping' }, label: 'init-only (WASM init, no handle)' },
    { key: 'storage', ext: 'storage', command: { cmd: 'ping' }, label: 'storage reads only (plain JS)' },
    { key: 'real-setup', ext: 'real', command: SETUP_SAVE, label: `real: ${SETUP_SAVE.cmd} (${setup ? 'the setup module' : 'the full core'})` },
    { key: 'real-jobs', ext: 'real', command: JOBS_CANCEL, label: `real: ${JOBS_CANCEL.cmd} (${jobs ? 'the jobs\' module' : 'the full core'})` },
    ...(importJob ? [{ key: 'real-import', ext: 'real', command: IMPORT, label: `real: ${IMPORT.cmd} status (the import job)` }] : []),
    ...(COMPARE ? [
      { key: 'compare', ext: 'compare', command: COMMAND, label: `compare: ${COMMAND.cmd} (BENCH_COMPARE)` },
      { key: 'compare-core', ext: 'compare', command: FULL_CORE, label: `compare: ${FULL_CORE.cmd} (BENCH_COMPARE)` },
      { key: 'compare-tick', ext: 'compare', command: TICK, label: `compare: ${TICK.cmd} (BENCH_COMPARE)` },
      { key: 'compare-setup', ext: 'compare', command: SETUP_SAVE, label: `compare: ${SETUP_SAVE.cmd} (BENCH_COMPARE)` },
      { key: 'compare-jobs', ext: 'compare', command: JOBS_CANCEL, label: `compare: ${JOBS_CANCEL.cmd} (BENCH_COMPARE)` },
    ] : []),
  ];
  const cold = Object.fromEntries(PROBES.map((p) => [p.key, []]));
  const warm = Object.fromEntries(PROBES.map((p) => [p.key, []]));
  const firstRound = {};
  let skipped = 0;
  const ROUNDS = SAMPLES + 1; // the first round is a warm-up, reported apart
  for (let round = 0; round < ROUNDS; round++) {
    const order = PROBES.map((_, i) => PROBES[(i + round) % PROBES.length]);
    for (const probe of order) {
      await stop(ids[probe.ext]);
      // A moment for the browser to finish tearing the worker down; then make sure nothing
      // (an alarm, a page) started it again before the message.
      await new Promise((r) => setTimeout(r, 150));
      if (await workerTarget(ids[probe.ext])) {
        skipped += 1;
        continue;
      }
      const c = await send(probe.ext, probe.command);
      if (!c.ok) throw new Error(`${probe.key}: the reply to ${JSON.stringify(probe.command)} is not ok: ${JSON.stringify(c.reply)}`);
      const w = await send(probe.ext, probe.command);
      if (round === 0) firstRound[probe.key] = c.ms;
      else {
        cold[probe.key].push(c.ms);
        warm[probe.key].push(w.ms);
      }
    }
  }

  const stats = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    return { n: s.length, min: s[0], median, max: s[s.length - 1] };
  };
  const W = 38;
  const row = (label, st) => `${label.padEnd(W)} ${String(st.n).padStart(3)}  ${ms(st.min).padStart(9)}  ${ms(st.median).padStart(9)}  ${ms(st.max).padStart(9)}`;
  const head = (what) => `${what.padEnd(W)} ${'n'.padStart(3)}  ${'min'.padStart(9)}  ${'median'.padStart(9)}  ${'max'.padStart(9)}`;
  const result = { command: COMMAND, chromium: context.browser()?.version() || null, first: FIRST, size: first, core: full, importJob, setup, jobs, tickModule, cold: {}, warm: {}, firstRound, skipped };
  for (const p of PROBES) {
    result.cold[p.key] = stats(cold[p.key]);
    result.warm[p.key] = stats(warm[p.key]);
  }
  console.log('');
  console.log(`== cold start: message from an extension page → reply, the worker stopped before each sample ==`);
  console.log(`${process.env.CHROMIUM || '/usr/bin/chromium'}${process.env.BENCH_JS_FLAGS ? ` --js-flags=${process.env.BENCH_JS_FLAGS}` : ''}, headless; ${SAMPLES} rounds, the probes interleaved (+1 warm-up round, below)`);
  console.log(head('cold (worker stopped)'));
  for (const p of PROBES) console.log(row(p.label, result.cold[p.key]));
  console.log(head('warm (the next message, worker running)'));
  for (const p of PROBES) console.log(row(p.label, result.warm[p.key]));
  console.log(`first cold start after install (warm-up round): ${PROBES.map((p) => `${p.key} ${firstRound[p.key] === undefined ? '-' : ms(firstRound[p.key])}`).join(', ')}`);
  if (skipped) console.log(`${skipped} sample(s) skipped: the worker was running again before the message`);
  const med = (k) => result.cold[k].median;
  const ratio = med('real') / med('minimal');
  result.ratio = ratio;
  console.log('');
  console.log('breakdown of the real median (medians, so only roughly additive):');
  console.log(`  the worker itself (minimal)                          ${ms(med('minimal'))}`);
  console.log(`  + fetch, compile, instantiate ${`${FIRST}_bg.wasm`.padEnd(22)} ${ms(med('init-only') - med('minimal'))}  (init-only − minimal)`);
  console.log(`  + background.js, handle() of a no-storage command    ${ms(med('real-nostorage') - med('init-only'))}  (real panelState − init-only)`);
  console.log(`  + getSettings' storage and IndexedDB reads, serde    ${ms(med('real') - med('real-nostorage'))}  (real getSettings − real panelState;`);
  console.log(`                                                       the same reads in plain JS: ${ms(med('storage') - med('minimal'))} over minimal)`);
  console.log('');
  console.log(`cold start, ratio of medians real ${COMMAND.cmd} ÷ minimal: ${ratio.toFixed(2)}× (${ms(med('real'))} ÷ ${ms(med('minimal'))})   aim ≤ ${RATIO_AIM}×: ${ratio <= RATIO_AIM ? 'aim met' : 'aim missed'}`);
  if (COMPARE) {
    console.log(`BENCH_COMPARE (${COMPARE}), the same rounds: ${COMMAND.cmd} ÷ minimal ${(med('compare') / med('minimal')).toFixed(2)}× (${ms(med('compare'))}); compare ÷ real ${(med('compare') / med('real')).toFixed(3)}`);
  }
  console.log(`a message the full core answers, ${FULL_CORE.cmd} ÷ minimal: ${(med('real-core') / med('minimal')).toFixed(2)}× (${ms(med('real-core'))})`);
  if (COMPARE) {
    console.log(`BENCH_COMPARE, the same rounds: ${FULL_CORE.cmd} ÷ minimal ${(med('compare-core') / med('minimal')).toFixed(2)}× (${ms(med('compare-core'))}); compare ÷ real ${(med('compare-core') / med('real-core')).toFixed(3)}`);
  }
  console.log(`a tick with nothing to do (the browser's start on a new install), ${TICK.cmd} ÷ minimal: ${(med('real-tick') / med('minimal')).toFixed(2)}× (${ms(med('real-tick'))})`);
  if (COMPARE) {
    console.log(`BENCH_COMPARE, the same rounds: ${TICK.cmd} ÷ minimal ${(med('compare-tick') / med('minimal')).toFixed(2)}× (${ms(med('compare-tick'))}); compare ÷ real ${(med('compare-tick') / med('real-tick')).toFixed(3)}`);
  }
  console.log(`the options page's save with nothing changed (${setup ? 'the setup module' : 'the full core'}), ${SETUP_SAVE.cmd} ÷ minimal: ${(med('real-setup') / med('minimal')).toFixed(2)}× (${ms(med('real-setup'))})`);
  if (COMPARE) {
    console.log(`BENCH_COMPARE, the same rounds: ${SETUP_SAVE.cmd} ÷ minimal ${(med('compare-setup') / med('minimal')).toFixed(2)}× (${ms(med('compare-setup'))}); compare ÷ real ${(med('compare-setup') / med('real-setup')).toFixed(3)}`);
  }
  console.log(`a job's command (${jobs ? 'the jobs\' module' : 'the full core'}), ${JOBS_CANCEL.cmd} ÷ minimal: ${(med('real-jobs') / med('minimal')).toFixed(2)}× (${ms(med('real-jobs'))})`);
  if (COMPARE) {
    console.log(`BENCH_COMPARE, the same rounds: ${JOBS_CANCEL.cmd} ÷ minimal ${(med('compare-jobs') / med('minimal')).toFixed(2)}× (${ms(med('compare-jobs'))}); compare ÷ real ${(med('compare-jobs') / med('real-jobs')).toFixed(3)}`);
  }
  if (importJob) {
    console.log(`a message the import job's module answers, ${IMPORT.cmd} status ÷ minimal: ${(med('real-import') / med('minimal')).toFixed(2)}× (${ms(med('real-import'))})`);
  }
  console.log(`size, ${FIRST}_bg.wasm (the module the worker starts with) gzip -9: ${kb(gz)}   aim ≤ ${kb(SIZE_AIM)}: ${gz <= SIZE_AIM ? 'aim met' : 'aim missed'}`);
  if (FIRST === 'front') {
    console.log(`size, core_bg.wasm (the full core, which the worker also loads) gzip -9: ${kb(full.gz)}   aim ≤ ${kb(SIZE_AIM)}: ${full.gz <= SIZE_AIM ? 'aim met' : 'aim missed'}`);
  }
  if (importJob) {
    console.log(`size, importjob_bg.wasm (the import job, which the worker loads for the import) gzip -9: ${kb(importJob.gz)}   aim ≤ ${kb(SIZE_AIM)}: ${importJob.gz <= SIZE_AIM ? 'aim met' : 'aim missed'}`);
  }
  if (setup) {
    console.log(`size, setup_bg.wasm (the setup module, which the worker loads for the options page's setup) gzip -9: ${kb(setup.gz)}   aim ≤ ${kb(SIZE_AIM)}: ${setup.gz <= SIZE_AIM ? 'aim met' : 'aim missed'}`);
  }
  if (jobs) {
    console.log(`size, jobs_bg.wasm (the jobs' module, which the worker loads for the payment refresh and the stock sync) gzip -9: ${kb(jobs.gz)}   aim ≤ ${kb(SIZE_AIM)}: ${jobs.gz <= SIZE_AIM ? 'aim met' : 'aim missed'}`);
  }
  if (tickModule) {
    console.log(`size, tick_bg.wasm (the tick module, which the worker loads for a tick with work to do) gzip -9: ${kb(tickModule.gz)}   aim ≤ ${kb(SIZE_AIM)}: ${tickModule.gz <= SIZE_AIM ? 'aim met' : 'aim missed'}`);
  }
  if (process.env.BENCH_JSON) {
    mkdirSync(dirname(process.env.BENCH_JSON), { recursive: true });
    writeFileSync(process.env.BENCH_JSON, JSON.stringify({ ...result, samples: { cold, warm } }, null, 2));
  }
} catch (e) {
  console.error(`cold-start benchmark could not run: ${e.stack || e}`);
  exitCode = 1;
} finally {
  await context.close().catch(() => {});
  rmSync(work, { recursive: true, force: true });
}
process.exit(exitCode);
