// Benchmark beside coldstart.mjs: how much WebAssembly a cold service worker compiles to answer
// one message. V8 compiles a WASM function in full the first time it runs, so the bytes of the
// functions a command touches are part of its cold start. Prints figures; asserts nothing.
//
//   node tests/bench/coldpath.mjs            (after bash scripts/build.sh)
//
// One Debian Chromium with --js-flags=--trace-wasm-compilation-times (its stdout reaches us
// through Playwright's debug log, DEBUG=pw:browser, read off this process's stderr), the build in dist/sandbox (or BENCH_BUILD=<a copy of an older
// dist/sandbox>, for before/after) plus one empty page to send from. For each command: stop the
// worker (CDP Target.closeTarget, as coldstart.mjs), send the command from the page, then sum the
// body sizes of the functions compiled by the worker's new module instance (V8 names each
// instance's module by address: the last address seen is the cold one; since the worker has two
// modules, that is the first module for what it answers, the full core for what it hands on).
import { cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

// Playwright's debug log carries the browser's stdout; it reads DEBUG when it loads.
process.env.DEBUG = [process.env.DEBUG, 'pw:browser'].filter(Boolean).join(',');
const compiled = [];
const LINE = /Compiled function (0x[0-9a-f]+)#(\d+) .*bodysize (\d+)/;
const writeErr = process.stderr.write.bind(process.stderr);
process.stderr.write = (chunk, ...rest) => {
  const text = String(chunk);
  if (!text.includes('pw:browser')) return writeErr(chunk, ...rest);
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (m) compiled.push({ module: m[1], index: Number(m[2]), body: Number(m[3]) });
  }
  return true;
};
const { chromium } = await import('playwright-core');

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILD = process.env.BENCH_BUILD || join(ROOT, 'dist', 'sandbox');
if (!existsSync(join(BUILD, 'manifest.json'))) {
  console.error(`${BUILD}/manifest.json is missing: run bash scripts/build.sh`);
  process.exit(1);
}
// The tick with nothing to do (this profile is not configured) is the first module's since
// 2026-12-06; a card's state asked from an extension page is the full core's.
const COMMANDS = [
  { cmd: 'getSettings' },
  { cmd: 'panelState', url: 'about:blank' },
  { cmd: 'tick' },
  { cmd: 'card', url: 'https://r3.minicrm.ro/1/#Project-21/1', action: 'state' },
];

const work = mkdtempSync(join(tmpdir(), 'mcsb-coldpath-'));
const dir = join(work, 'ext');
cpSync(BUILD, dir, { recursive: true });
writeFileSync(join(dir, 'bench.html'), '<!doctype html><meta charset="utf-8"><title>bench</title>\n');

const context = await chromium.launchPersistentContext(join(work, 'profile'), {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    `--disable-extensions-except=${dir}`, `--load-extension=${dir}`, '--no-sandbox', '--disable-gpu',
    '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync',
    '--js-flags=--trace-wasm-compilation-times',
  ],
});

try {
  const worker = context.serviceWorkers()[0] || await context.waitForEvent('serviceworker', { timeout: 20000 });
  const id = new URL(worker.url()).host;
  const page = await context.newPage();
  await page.goto(`chrome-extension://${id}/bench.html`);
  const cdp = await context.newCDPSession(page);
  const target = async () => (await cdp.send('Target.getTargets')).targetInfos
    .find((t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${id}/`));
  // Stopped: its target is gone (a condition, not a delay).
  const stop = async () => {
    for (let tries = 0; tries < 200; tries++) {
      const t = await target();
      if (!t) return;
      await cdp.send('Target.closeTarget', { targetId: t.targetId }).catch(() => {});
      await page.waitForFunction(() => true, null, { timeout: 1000 }).catch(() => {});
    }
    throw new Error('the worker does not stop');
  };
  // The install-time tick runs first: wait for its reply by sending a command and reading one.
  await page.evaluate(() => chrome.runtime.sendMessage({ cmd: 'panelState', url: 'about:blank' }));

  console.log(`WASM compiled by a cold worker for one message (${BUILD})`);
  console.log('command                     functions   body bytes');
  for (const command of COMMANDS) {
    await stop();
    const before = compiled.length;
    const reply = await page.evaluate((m) => chrome.runtime.sendMessage(m), command);
    // The trace lines arrive on the browser's stdout: wait until the new module's lines stop
    // growing across two reads of the page (each read is a round trip through the browser).
    let seen = -1;
    while (seen !== compiled.length) {
      seen = compiled.length;
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    }
    const mine = compiled.slice(before);
    const last = mine.length ? mine[mine.length - 1].module : null;
    const cold = mine.filter((c) => c.module === last);
    const bytes = cold.reduce((s, c) => s + c.body, 0);
    const name = command.cmd + ({ panelState: ' (no card)', card: ' (state)' }[command.cmd] || '');
    // BENCH_DUMP=<dir>: the compiled functions' indices, one file per command (for a look at
    // which functions they are, against a build whose wasm-opt kept the names: -g).
    if (process.env.BENCH_DUMP) {
      mkdirSync(process.env.BENCH_DUMP, { recursive: true });
      writeFileSync(join(process.env.BENCH_DUMP, `${command.cmd}.json`), JSON.stringify(cold));
    }
    console.log(`${name.padEnd(28)}${String(cold.length).padStart(9)}   ${bytes.toLocaleString('en-US').padStart(10)}${reply && reply.ok ? '' : '   (reply not ok)'}`);
  }
} finally {
  await context.close();
  rmSync(work, { recursive: true, force: true });
}
