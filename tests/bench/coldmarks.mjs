// Benchmark beside coldstart.mjs: where a cold getSettings spends its time, as a timeline inside
// the service worker. Prints figures; asserts nothing (exit 1 only when it cannot run, e.g. the
// bundled background.js no longer has the lines it marks).
//
//   node tests/bench/coldmarks.mjs [samples]          (after bash scripts/build.sh)
//   node tests/bench/coldmarks.mjs --check            (only makes the copies: whether the bundle
//                                                      still has every line this marks; test.sh)
//
// Three extensions in one Debian Chromium (playwright-core, /usr/bin/chromium), probed in turn in
// every round, each stopped before its sample (CDP Target.closeTarget, as coldstart.mjs):
//   marks     a copy of the build (dist/sandbox, or BENCH_BUILD=) whose bundled background.js
//             records performance.now() at: its first line (eval), the first module's start
//             (moduleStart), its file read from the extension's Cache Storage (kept) or fetched
//             (fetched; with the fetch's call, fetchStart, and its return, fetchCalled, for the
//             time fetch() blocks the worker), the module started (instantiated), the secrets
//             database open (dbOpen), the message event (message), the module ready for it
//             (frontReady), the first module's answer (handled), the end of the script (evalEnd);
//             the reply carries them and the worker's time origin. The first round, not counted,
//             keeps the modules (extension/module-cache.js), so the rounds read them kept;
//   fetched   the same, with the modules fetched from the package every time (the build before
//             the modules were kept);
//   minimal   tests/bench/minimal-worker's script with the same marks (eval, message).
// Every time is printed relative to the moment the page sent the message (the page's and the
// worker's clocks share the epoch: timeOrigin + now), as the median over the samples, with
// min and max; "workerStart" is the worker's time origin.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILD = process.env.BENCH_BUILD || join(ROOT, 'dist', 'sandbox');
const CHECK = process.argv[2] === '--check';
const SAMPLES = Number((!CHECK && process.argv[2]) || process.env.SAMPLES || 12);
if (!existsSync(join(BUILD, 'manifest.json')) || !existsSync(join(BUILD, 'pkg', 'front_bg.wasm'))) {
  console.error(`${BUILD} has no manifest.json or pkg/front_bg.wasm: run bash scripts/build.sh`);
  process.exit(1);
}

const MARK = "const __marks = {}; const mark = (k) => { if (__marks[k] === undefined) __marks[k] = performance.now(); }; mark('eval');\n";
const PAGE = '<!doctype html><meta charset="utf-8"><title>bench</title>\n';
const work = mkdtempSync(join(tmpdir(), 'mcsb-coldmarks-'));

/**
 * Replaces `from` once in `text`, whatever the indentation of its second and later lines (the
 * bundle is a classic script: esbuild indents the whole file inside its function); the benchmark
 * stops if the bundle no longer has it.
 */
function once(text, from, to, what) {
  const pattern = new RegExp(from.split(/\n\s*/).map((line) => line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\n\\s*'));
  if (!pattern.test(text)) {
    console.error(`coldmarks: the bundled background.js has changed (${what}): update tests/bench/coldmarks.mjs`);
    process.exit(1);
  }
  return text.replace(pattern, () => to);
}

/** A copy of the build with the marks; `fetched`: its modules always fetched, never kept. */
function instrumented(dir, name, fetched) {
  cpSync(BUILD, dir, { recursive: true });
  writeFileSync(join(dir, 'bench.html'), PAGE);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  manifest.name = name;
  delete manifest.content_scripts;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  let s = MARK + readFileSync(join(dir, 'background.js'), 'utf8');
  // The first module's start, as scripts/flavours.mjs bundles background.js (esbuild renames
  // the second glue's functions with a "2").
  const start = /startModule\((__wbg_init2?), "pkg\/front_bg\.wasm"\)\.then\(\(\) => \{/.exec(s);
  if (!start) once('', 'the init line', '', 'the first module\'s start');
  const glue = start[1].endsWith('2') ? '2' : '';
  // extension/module-cache.js: the first module read (kept or fetched, and the fetch's own
  // blocking call), then started.
  s = once(s, 'async function startModule(init, file) {', 'async function startModule(init, file) {\n  mark("moduleStart");', 'startModule');
  s = once(s, 'from[file] = kept ? "kept" : "fetched";', 'from[file] = kept ? "kept" : "fetched"; mark(from[file]);', 'the module read');
  s = once(s, 'await init({ module_or_path: response });', 'await init({ module_or_path: response }); mark("instantiated");', 'the module started');
  s = once(s, 'return { response: await fetch(url), kept: false };', 'return { response: await ((p) => (mark("fetchCalled"), p))((mark("fetchStart"), fetch(url))), kept: false };', 'the fetch');
  if (fetched) s = once(s, 'function cacheName() {', 'function cacheName() {\n  return null;', 'the cache\'s name');
  s = once(s, 'async function run(message, sender, module) {\n  await frontReady;', 'async function run(message, sender, module) {\n  await frontReady; mark("frontReady");', 'run()');
  s = once(s, `first = await guarded(() => handle${glue}(message, sender));`, `first = await guarded(() => handle${glue}(message, sender)); mark("handled");`, 'the first module\'s handle');
  s = once(s, 'run(message, senderInfo(sender)).then(sendResponse)', 'mark("message"); run(message, senderInfo(sender)).then((r) => sendResponse({ ...r, __marks, __origin: performance.timeOrigin }))', 'onMessage');
  s = once(s, 'request.onsuccess = () => resolve(request.result);', 'request.onsuccess = () => { mark("dbOpen"); resolve(request.result); };', 'the secrets database');
  s += '\nmark("evalEnd");\n';
  writeFileSync(join(dir, 'background.js'), s);
  return dir;
}

const minimal = join(work, 'minimal');
cpSync(join(ROOT, 'tests', 'bench', 'minimal-worker'), minimal, { recursive: true });
writeFileSync(join(minimal, 'bench.html'), PAGE);
writeFileSync(join(minimal, 'background.js'), `${MARK}chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  mark('message');
  Promise.resolve().then(() => sendResponse({ ok: true, __marks, __origin: performance.timeOrigin }));
  return true;
});
`);
const PROBES = {
  marks: instrumented(join(work, 'marks'), 'Cold marks: the build', false),
  fetched: instrumented(join(work, 'fetched'), 'Cold marks: the modules fetched', true),
  minimal,
};
if (CHECK) {
  rmSync(work, { recursive: true, force: true });
  console.log('coldmarks: the bundled background.js has every line the benchmark marks');
  process.exit(0);
}
const dirs = Object.values(PROBES);
const context = await chromium.launchPersistentContext(join(work, 'profile'), {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    `--disable-extensions-except=${dirs.join(',')}`, `--load-extension=${dirs.join(',')}`, '--no-sandbox',
    '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync',
  ],
});
try {
  const deadline = Date.now() + 20000;
  while (context.serviceWorkers().length < dirs.length && Date.now() < deadline) {
    await context.waitForEvent('serviceworker', { timeout: Math.max(1, deadline - Date.now()) }).catch(() => {});
  }
  const ids = {};
  for (const w of context.serviceWorkers()) {
    const name = await w.evaluate(() => chrome.runtime.getManifest().name);
    const id = new URL(w.url()).host;
    if (/fetched/.test(name)) ids.fetched = id;
    else if (/the build/.test(name)) ids.marks = id;
    else if (/minimal/.test(name)) ids.minimal = id;
  }
  if (Object.keys(ids).length !== dirs.length) throw new Error(`service workers found: ${JSON.stringify(ids)}`);
  const cdp = await context.newCDPSession(await context.newPage());
  const target = async (id) => (await cdp.send('Target.getTargets')).targetInfos
    .find((t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${id}/`));
  const stop = async (id) => {
    for (let tries = 0; tries < 200; tries++) {
      const t = await target(id);
      if (!t) return;
      await cdp.send('Target.closeTarget', { targetId: t.targetId }).catch(() => {});
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the worker of ${id} does not stop`);
  };
  const pages = {};
  for (const [kind, id] of Object.entries(ids)) {
    pages[kind] = await context.newPage();
    await pages[kind].goto(`chrome-extension://${id}/bench.html`);
  }
  const rows = {};
  let skipped = 0;
  for (let round = 0; round <= SAMPLES; round++) {
    const kinds = Object.keys(ids);
    for (const kind of kinds.map((_, i) => kinds[(i + round) % kinds.length])) {
      await stop(ids[kind]);
      await new Promise((r) => setTimeout(r, 150));
      if (await target(ids[kind])) { skipped += 1; continue; }
      const r = await pages[kind].evaluate(async () => {
        const sent = performance.timeOrigin + performance.now();
        const reply = await chrome.runtime.sendMessage({ cmd: 'getSettings' });
        return { sent, received: performance.timeOrigin + performance.now(), reply };
      });
      if (!r.reply || !r.reply.ok) throw new Error(`${kind}: ${JSON.stringify(r.reply)}`);
      if (round === 0) continue; // the first round warms the browser up
      const row = { workerStart: r.reply.__origin - r.sent };
      for (const [k, v] of Object.entries(r.reply.__marks)) row[k] = r.reply.__origin + v - r.sent;
      row.reply = r.received - r.sent;
      for (const [k, v] of Object.entries(row)) ((rows[kind] ||= {})[k] ||= []).push(v);
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const ms = (n) => `${n.toFixed(1)} ms`.padStart(9);
  console.log(`== a cold getSettings, inside the worker (${BUILD}; ${SAMPLES} rounds, the probes interleaved) ==`);
  console.log('ms after the page sent the message: median (min–max)');
  for (const kind of Object.keys(ids)) {
    console.log(`-- ${kind}`);
    for (const [k, xs] of Object.entries(rows[kind]).sort((a, b) => median(a[1]) - median(b[1]))) {
      console.log(`  ${k.padEnd(14)}${ms(median(xs))}  (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`);
    }
  }
  const m = (kind, k) => median(rows[kind][k]);
  console.log('');
  console.log(`the first module's answer (frontReady → handled): ${ms(m('marks', 'handled') - m('marks', 'frontReady')).trim()}`);
  console.log(`reply ÷ minimal: the build ${(m('marks', 'reply') / m('minimal', 'reply')).toFixed(2)}×, the modules fetched ${(m('fetched', 'reply') / m('minimal', 'reply')).toFixed(2)}×; fetched − build ${(m('fetched', 'reply') - m('marks', 'reply')).toFixed(1)} ms`);
  if (skipped) console.log(`${skipped} sample(s) skipped: the worker was running again before the message`);
} finally {
  await context.close();
  rmSync(work, { recursive: true, force: true });
}
