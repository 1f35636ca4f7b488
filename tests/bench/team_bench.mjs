// Team mode benchmark: the Worker on workerd (Miniflare 4) and the sandbox.
//   node tests/bench/team_bench.mjs [runs=3] [samples=5] [--webhook-only | --rate-only]
// Prints, as ranges over the runs (each run a fresh sandbox and a fresh workerd):
//   - the team's combined SmartBill call rate, as a fraction of SmartBill's limit (30 calls per
//     10 s per token), while the cron's payment refresh works through a few hundred invoices and
//     two browsers (two Chromium profiles with the sandbox build, in team mode) issue invoices from
//     their panels at the same time — aim ≥ 90 %, with 0 lockouts (403/429). Measured in real
//     time (see RATE_SPEED for why not sped up); only the set-up runs faster;
// and, with the sandbox at its normal speed:
//   - webhook-to-MiniCRM latency: from the stock change in the fake SmartBill to the product's new
//     quantity in the fake MiniCRM (the sandbox POSTs the webhook, the Worker answers, its
//     Durable Object's alarm writes MiniCRM) — aim ≤ 2 s;
//   - the webhook's answer time (SmartBill waits only for this);
//   - the first request of a fresh workerd (WASM instantiation, Durable Object creation);
//   - the Worker's WASM size, raw and gzipped, against the Workers limits.
// Builds nothing: run `bash scripts/build-server.sh` (or scripts/build.sh) first.
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { startTeam, waitFor, unpackedExtensionId, BUILD, WAREHOUSE } from '../e2e/team-harness.mjs';
import { launchBrowser, openCard, panel, panelState, EXTENSION } from '../e2e/harness.mjs';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const RUNS = Number(process.env.BENCH_RUNS) || Math.max(3, Number(args[0] || 3));
const SAMPLES = Math.max(1, Number(args[1] || 5));
const RATE = !process.argv.includes('--webhook-only');
const WEBHOOK = !process.argv.includes('--rate-only');
const CODES = ['LAP-001', 'MON-024', 'CAB-HDMI', 'CRT-ARH', 'TON-HP', 'SCAUN-ERG'];

const range = (xs, unit = 'ms', digits = 0) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0].toFixed(digits)}–${s[s.length - 1].toFixed(digits)} ${unit}`;
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};

async function run(index) {
  const t = await startTeam({ speed: 1 });
  try {
    const c0 = performance.now();
    const first = await t.call('/api/health', { key: t.secrets.ADMIN_TOKEN });
    const cold = performance.now() - c0;
    if (first.status !== 200) throw new Error(`health: ${first.text}`);
    await t.configure();
    await t.hook();

    const latencies = [];
    for (let i = 0; i < SAMPLES; i++) {
      const code = CODES[i % CODES.length];
      const quantity = 1000 + index * 100 + i;
      const start = performance.now();
      await t.sandbox.control('/smartbill/stock', { body: { warehouse: WAREHOUSE, code, quantity } });
      await waitFor(`${code} at ${quantity}`, async () => (await t.product(code))?.Quantity === quantity, { every: 5, timeout: 30000 });
      latencies.push(performance.now() - start);
    }

    const answers = [];
    for (let i = 0; i < SAMPLES; i++) {
      const body = { products: [{ warehouse: WAREHOUSE, productName: 'Toner HP 85A', productCode: 'TON-HP', quantity: 2000 + index * 100 + i, measuringUnit: 'buc' }] };
      const start = performance.now();
      const r = await t.call('/smartbill/stock', { method: 'POST', body, headers: { authorization: `Bearer ${t.secrets.STOCK_WEBHOOK_TOKEN}` } });
      answers.push(performance.now() - start);
      if (r.status !== 200) throw new Error(`webhook: ${r.status} ${r.text}`);
    }
    await waitFor('the last direct delivery written', async () => (await t.status()).webhook.pending === 0);
    return { cold, latencies, answers };
  } finally {
    await t.stop();
  }
}

// --- The team's SmartBill call rate: the cron and two browsers at once ----------------------
/** Invoices the payment refresh works through. */
const INVOICES = Number(process.env.BENCH_INVOICES || 300);
/**
 * The measured part's speed: 1, real time. The server's clock is the Worker's real `Date.now()`,
 * while a sped-up sandbox counts SmartBill's fixed windows and answers `X-RateLimit-Reset` on its
 * virtual clock: the governor then sees calls it already let go still counted by SmartBill, and
 * a reset time in its future, and holds whole windows (about 61–65 % at ×10). The extension's
 * sandbox build has the same real clock; examples/rates.rs measures the core with one virtual
 * clock on both sides instead. `BENCH_SPEED` shows the sped-up figure.
 */
const RATE_SPEED = Number(process.env.BENCH_SPEED || 1);
/**
 * The set-up (the first refresh reads every card from MiniCRM to find its invoice) runs with the
 * server's windows shrunk this much and the sandbox's limits lifted, then both are put back.
 */
const SETUP_SCALE = 50;
const LIMIT = { calls: 30, windowMs: 10_000 };
const OURS = `chrome-extension://${unpackedExtensionId(EXTENSION)}`;

/** The most calls in any window of `windowMs` (virtual time), over sorted times. */
function busiestWindow(times, windowMs) {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

async function joinTeam(browser, url, key) {
  const page = await browser.page('options.html');
  const reply = await page.evaluate(([u, k]) => chrome.runtime.sendMessage({ cmd: 'saveSettings', settings: { server: { url: u, key: k } } }), [url, key]);
  await page.close();
  if (!reply.ok || reply.problems.length) throw new Error(`joining the team: ${JSON.stringify(reply)}`);
}

/** A colleague clicks "Emite" on each card in turn and waits for the invoice on the panel. */
async function issueAll(browser, info, cards) {
  for (const name of cards) {
    const page = await openCard(browser, info, name);
    await panelState(page, 'notIssued', 60000);
    await panel(page).locator('button[data-testid="emit"]').click();
    await panelState(page, 'issued', 120000);
    await page.close();
  }
}

/** Waits for a payment refresh that started after `afterMs` to be done; resolves with its run. */
async function paymentsDone(t, afterMs) {
  let run;
  await waitFor('the payment refresh done', async () => {
    run = (await t.command({ cmd: 'jobsStatus' })).body.jobs?.payments?.run;
    return run && run.startedMs > afterMs && run.status === 'done';
  }, { every: 500, timeout: 15 * 60_000 });
  return run;
}

async function rateRun(index, [ana, bogdan]) {
  const t = await startTeam({ speed: RATE_SPEED, origins: [OURS] });
  try {
    const settings = (scale) => ({ stock: { enabled: false, warehouse: '' }, advanced: { timeScale: scale } });
    await t.configure(settings(SETUP_SCALE));
    await t.sandbox.control('/smartbill/limit', { body: { calls: 1_000_000 } });
    await t.sandbox.control('/minicrm/settings', { body: { limitPerMinute: 1_000_000 } });
    const keys = [];
    for (const name of ['Ana', 'Bogdan']) keys.push((await t.call('/admin/members', { method: 'POST', key: t.secrets.ADMIN_TOKEN, body: { name } })).body.key);
    await joinTeam(ana, t.url, keys[0]);
    await joinTeam(bogdan, t.url, keys[1]);

    await t.seedInvoicedCards(INVOICES);
    // The first refresh (cron) finds them on the cards and keeps them in the team's journal.
    // The cron event does one slice; the team's Durable Object goes on with alarms, so the run's
    // state says when it is done.
    const worker = await t.mf.getWorker();
    const warm = await worker.scheduled({ cron: '10 4 * * *' });
    if (warm.outcome !== 'ok') throw new Error(`first refresh: ${warm.outcome}`);
    const warmRun = await paymentsDone(t, 0);

    // Measured: SmartBill's and MiniCRM's limits as documented, the server's windows as in
    // production (at RATE_SPEED 1); the next refresh asks SmartBill about every one of them,
    // while Ana and Bogdan issue invoices from their panels.
    await t.sandbox.control('/smartbill/limit', { body: { calls: LIMIT.calls, windowMs: LIMIT.windowMs, blockMs: 600_000 } });
    await t.sandbox.control('/smartbill/limit/block', { method: 'DELETE' });
    await t.sandbox.control('/minicrm/settings', { body: { limitPerMinute: 60 } });
    await t.configure(settings(RATE_SPEED));
    const since = await t.lastSeq();
    const cron = await worker.scheduled({ cron: '10 4 * * *' });
    if (cron.outcome !== 'ok') throw new Error(`refresh: ${cron.outcome}`);
    await waitFor('the refresh asking SmartBill', async () => (await t.log('smartbill', since)).some((r) => r.path.endsWith('/invoice/paymentstatus')), { timeout: 60000 });
    await Promise.all([
      issueAll(ana, t.info, ['offerBucharestRon', 'offerPersonRon']),
      issueAll(bogdan, t.info, ['offerPayerEur', 'offerStockShort']),
    ]);
    await paymentsDone(t, warmRun.startedMs);

    const log = await t.log('smartbill', since);
    const payments = log.filter((r) => r.path.endsWith('/invoice/paymentstatus'));
    const emissions = log.filter((r) => r.method === 'POST' && r.path.startsWith('/SBORO/api/invoice'));
    // While the refresh works, every SmartBill call of the team counts (the refresh's and the
    // panels' emissions). The governor sends in bursts (a window's slots, then a wait for the
    // oldest call to leave the window), so the rate is taken over whole periods: from the first
    // call to the start of the refresh's last burst (the last one followed by another within a
    // window and a second; later calls are the panels' alone).
    const first = payments[0].at_ms;
    const inside = log.filter((r) => r.at_ms >= first);
    const starts = inside.filter((r, i) => i === 0 || r.at_ms - inside[i - 1].at_ms > 2000).map((r) => r.at_ms);
    let end = 0;
    while (end + 1 < starts.length && starts[end + 1] - starts[end] <= LIMIT.windowMs + 1000) end += 1;
    const lastStart = end > 0 ? starts[end] : inside.at(-1).at_ms + 1;
    const counted = inside.filter((r) => r.at_ms < lastStart);
    const spanMs = Math.max(1, lastStart - first);
    const rate = counted.length / (spanMs / LIMIT.windowMs) / LIMIT.calls;
    const busiest = busiestWindow(log.map((r) => r.at_ms).sort((a, b) => a - b), LIMIT.windowMs);
    const refused = log.filter((r) => r.status === 403 || r.status === 429).length;
    if (process.env.BENCH_DEBUG) {
      const gaps = inside.slice(1).map((r, i) => r.at_ms - inside[i].at_ms).sort((a, b) => a - b);
      const q = (f) => gaps[Math.floor(f * (gaps.length - 1))];
      const bursts = [];
      for (let i = 0; i < inside.length; i++) {
        if (i === 0 || inside[i].at_ms - inside[i - 1].at_ms > 2000) bursts.push({ at: inside[i].at_ms - first, n: 0, kinds: {} });
        const cur = bursts.at(-1);
        cur.n += 1;
        const k = inside[i].path.replace('/SBORO/api/', '');
        cur.kinds[k] = (cur.kinds[k] || 0) + 1;
      }
      console.log(JSON.stringify(bursts));
      const times = log.map((r) => r.at_ms);
      for (let i = 0, j = 0; i < times.length; i++) {
        while (times[i] - times[j] >= LIMIT.windowMs) j++;
        if (i - j + 1 > LIMIT.calls) console.log(`over ${LIMIT.calls} in 10 s: ${log.slice(j, i + 1).map((r) => `${r.at_ms - first}:${r.path.replace('/SBORO/api/', '')}`).join(' ')}`);
      }
      console.log(`gaps (virtual ms): p10 ${q(0.1)} p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)} max ${gaps.at(-1)}; sum of gaps > 500 ms: ${gaps.filter((g) => g > 500).reduce((a, b) => a + b, 0)}`);
    }
    if (payments.length < INVOICES) throw new Error(`the refresh asked about ${payments.length} of ${INVOICES} invoices`);
    return { calls: counted.length, payments: payments.length, emissions: emissions.length, emittedInside: inside.filter((r) => r.method === 'POST').length, spanS: spanMs / 1000, rate, busiest, refused };
  } finally {
    await t.stop();
  }
}

if (RATE) {
  const ana = await launchBrowser();
  const bogdan = await launchBrowser();
  const rates = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const r = await rateRun(i, [ana, bogdan]);
      rates.push(r);
      console.log(`rate run ${i + 1}: ${r.calls} SmartBill calls in ${r.spanS.toFixed(1)} s (virtual) = ${(r.rate * 100).toFixed(1)} % of 30/10 s; busiest 10 s: ${r.busiest} calls; ${r.payments} payment checks, ${r.emissions} invoices issued from the panels (${r.emittedInside} during the refresh); ${r.refused} refused (403/429)`);
    }
  } finally {
    await ana.close();
    await bogdan.close();
  }
  console.log('');
  console.log(`Team mode, the team's SmartBill calls (cron payment refresh over ${INVOICES} invoices + two browsers issuing), ${RUNS} runs, ${RATE_SPEED === 1 ? 'real time' : `clock ×${RATE_SPEED}`}`);
  console.log(`  combined call rate, share of 30 calls / 10 s: ${range(rates.map((r) => r.rate * 100), '%', 1)}  (aim ≥ 90 %)`);
  console.log(`  busiest 10 s window:                         ${range(rates.map((r) => r.busiest), 'calls')}  (limit 30)`);
  console.log(`  lockouts (403/429 answers):                  ${range(rates.map((r) => r.refused), '')}`);
  if (Math.min(...rates.map((r) => r.rate)) < 0.9) console.log('  note: a run stayed under the 90 % aim');
  if (rates.some((r) => r.refused > 0)) {
    console.log('  FAILED: SmartBill refused calls');
    process.exitCode = 1;
  }
  console.log('');
}

if (WEBHOOK) {
  const results = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await run(i);
    results.push(r);
    console.log(`run ${i + 1}: cold first request ${r.cold.toFixed(0)} ms; webhook→MiniCRM median ${median(r.latencies).toFixed(0)} ms (max ${Math.max(...r.latencies).toFixed(0)}); webhook answer median ${median(r.answers).toFixed(1)} ms`);
  }

  const wasm = readFileSync(join(BUILD, 'index_bg.wasm'));
  const gz = gzipSync(wasm, { level: 9 }).length;
  const js = statSync(join(BUILD, 'index.js')).size;
  const mb = (n) => (n / 1024 / 1024).toFixed(2);
  const medians = results.map((r) => median(r.latencies));
  const maxima = results.map((r) => Math.max(...r.latencies));
  console.log('');
  console.log(`Team mode on workerd (Miniflare 4), sandbox at normal speed, ${RUNS} runs × ${SAMPLES} samples`);
  console.log(`  webhook → MiniCRM product, median per run:  ${range(medians)}  (aim ≤ 2000 ms)`);
  console.log(`  webhook → MiniCRM product, slowest per run: ${range(maxima)}`);
  console.log(`  webhook answer to SmartBill, median per run: ${range(results.map((r) => median(r.answers)), 'ms', 1)}`);
  console.log(`  first request of a fresh workerd:           ${range(results.map((r) => r.cold))}`);
  console.log(`  Worker WASM: ${wasm.length} bytes raw (${mb(wasm.length)} MB), ${gz} bytes gzipped (${mb(gz)} MB); JS glue ${js} bytes`);
  console.log(`  Workers limits (gzipped): 3 MB free → ${((gz / (3 * 1024 * 1024)) * 100).toFixed(1)} % used; 10 MB paid → ${((gz / (10 * 1024 * 1024)) * 100).toFixed(1)} %`);
  if (Math.max(...maxima) > 2000) {
    console.log('  note: a sample exceeded the 2 s aim');
  }
}
