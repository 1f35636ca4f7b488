// Benchmark beside coldstart.mjs: where a cold getSettings spends its time, as a timeline inside
// the service worker. Prints figures; asserts nothing (exit 1 only when it cannot run, e.g. the
// bundled background.js no longer has the lines it marks).
//
//   node tests/bench/coldmarks.mjs [samples]          (after bash scripts/build.sh)
//
// Three extensions in one Debian Chromium (playwright-core, /usr/bin/chromium), probed in turn in
// every round, each stopped before its sample (CDP Target.closeTarget, as coldstart.mjs):
//   marks     a copy of the build (dist/sandbox, or BENCH_BUILD=) whose bundled background.js
//             records performance.now() at: its first line (eval), the start of the first
//             module's fetch, the fetch's answer, the module started (instantiated), the secrets
//             database open (dbOpen), the message event (message), the module ready for it
//             (frontReady), the first module's answer (handled), the end of the script (evalEnd);
//             the reply carries them and the worker's time origin;
//   embedded  the same, with pkg/front_bg.wasm carried in background.js (base64) and compiled
//             synchronously instead of fetched: an experiment kept here so that its figure can be
//             measured again (README, "Limits": not shipped);
//   minimal   tests/bench/minimal-worker's script with the same marks (eval, message).
// Every time is printed relative to the moment the page sent the message (the page's and the
// worker's clocks share the epoch: timeOrigin + now), as the median over the samples, with
// min and max; "workerStart" is the worker's time origin.
import { cpSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILD = process.env.BENCH_BUILD || join(ROOT, 'dist', 'sandbox');
const SAMPLES = Number(process.argv[2] || process.env.SAMPLES || 12);
if (!existsSync(join(BUILD, 'manifest.json')) || !existsSync(join(BUILD, 'pkg', 'front_bg.wasm'))) {
  console.error(`${BUILD} has no manifest.json or pkg/front_bg.wasm: run bash scripts/build.sh`);
  process.exit(1);
}

const MARK = "const __marks = {}; const mark = (k) => { if (__marks[k] === undefined) __marks[k] = performance.now(); }; mark('eval');\n";
const PAGE = '<!doctype html><meta charset="utf-8"><title>bench</title>\n';
const work = mkdtempSync(join(tmpdir(), 'mcsb-coldmarks-'));

/** Replaces `from` once in `text`; the benchmark stops if the bundle no longer has it. */
function once(text, from, to, what) {
  if (!text.includes(from)) {
    console.error(`coldmarks: the bundled background.js has changed (${what}): update tests/bench/coldmarks.mjs`);
    process.exit(1);
  }
  return text.replace(from, to);
}

/** A copy of the build with the marks; `embed`: the first module inside background.js. */
function instrumented(dir, name, embed) {
  cpSync(BUILD, dir, { recursive: true });
  writeFileSync(join(dir, 'bench.html'), PAGE);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  manifest.name = name;
  delete manifest.content_scripts;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  let s = MARK + readFileSync(join(dir, 'background.js'), 'utf8');
  // The first module's start, as scripts/flavours.mjs bundles background.js (esbuild renames
  // the second glue's functions with a "2").
  const start = /(__wbg_init2?)\(\{ module_or_path: chrome\.runtime\.getURL\("pkg\/front_bg\.wasm"\) \}\)\.then\(\(\) => \{/.exec(s);
  if (!start) once('', 'the init line', '', 'the first module\'s init');
  const glue = start[1].endsWith('2') ? '2' : '';
  const load = embed
    ? `Promise.resolve().then(() => { mark("fetchStart"); const bytes = Uint8Array.fromBase64 ? Uint8Array.fromBase64(FRONT_WASM) : Uint8Array.from(atob(FRONT_WASM), (c) => c.charCodeAt(0)); mark("fetched"); const module = new WebAssembly.Module(bytes); __wbg_finalize_init${glue}(new WebAssembly.Instance(module, __wbg_get_imports${glue}()), module); }).then(() => { mark("instantiated");`
    : `${start[1]}({ module_or_path: (mark("fetchStart"), fetch(chrome.runtime.getURL("pkg/front_bg.wasm")).then((r) => (mark("fetched"), r))) }).then(() => { mark("instantiated");`;
  s = s.replace(start[0], load);
  s = once(s, 'async function run(message, sender) {\n  await frontReady;', 'async function run(message, sender) {\n  await frontReady; mark("frontReady");', 'run()');
  s = once(s, `reply = await guarded(() => handle${glue}(message, sender));`, `reply = await guarded(() => handle${glue}(message, sender)); mark("handled");`, 'the first module\'s handle');
  s = once(s, 'run(message, senderInfo(sender)).then(sendResponse)', 'mark("message"); run(message, senderInfo(sender)).then((r) => sendResponse({ ...r, __marks, __origin: performance.timeOrigin }))', 'onMessage');
  s = once(s, 'request.onsuccess = () => resolve(request.result);', 'request.onsuccess = () => { mark("dbOpen"); resolve(request.result); };', 'the secrets database');
  if (embed) s += `\nvar FRONT_WASM = "${readFileSync(join(dir, 'pkg', 'front_bg.wasm')).toString('base64')}";\n`;
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
  embedded: instrumented(join(work, 'embedded'), 'Cold marks: the first module embedded', true),
  minimal,
};
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
    if (/embedded/.test(name)) ids.embedded = id;
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
  console.log(`reply ÷ minimal: the build ${(m('marks', 'reply') / m('minimal', 'reply')).toFixed(2)}×, the first module embedded ${(m('embedded', 'reply') / m('minimal', 'reply')).toFixed(2)}×; embedded − build ${(m('embedded', 'reply') - m('marks', 'reply')).toFixed(1)} ms`);
  if (skipped) console.log(`${skipped} sample(s) skipped: the worker was running again before the message`);
} finally {
  await context.close();
}
