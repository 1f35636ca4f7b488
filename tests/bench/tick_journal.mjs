// What a long journal costs the background tick and the daily payment refresh: the `tick` (sent
// as the alarm sends it; with nothing to do, the first module answers it since 2026-12-06, as it
// does once the journal's open list is made and the refresh is done) and "Sincronizează acum" for the payment refresh (REFRESHES times;
// one unpaid invoice to ask SmartBill about) with a journal of one entry, the anchor, and then
// with ENTRIES more (invoices older than the refresh's window, as a year or more of use leaves),
// in the same browser of the same run. The first refresh after the entries are added is given
// apart: a journal from before the refresh's list is read whole once, to make it. Each refresh
// makes four MiniCRM calls; before each set of refreshes the run waits out MiniCRM's rate window
// (61 s), so that no refresh waits for the governor's slots (it did, by up to 1.5 s, and
// only the later sets, which made them look slower than the anchor). Each run is a fresh browser and
// a fresh sandbox; with BENCH_COMPARE=<another build's dist/sandbox> the runs alternate between
// the two builds. Prints figures as ranges over the runs; asserts nothing (exit 1 only when a
// run cannot run).
//
//   node tests/bench/tick_journal.mjs [runs=3] [samples=12] [entries=3000]
//       (after bash scripts/build.sh; BENCH_COMPARE optional)
import { fileURLToPath } from 'node:url';
import { child, runBuilds, median, range } from './child-runs.mjs';

const RUNS = Number(process.argv[2] || 3);
const SAMPLES = Number(process.argv[3] || 12);
const ENTRIES = Number(process.argv[4] ?? 3000);
const REFRESHES = 5;
// MiniCRM's rate window (`jobs::governor::MINICRM`) and a margin.
const MINICRM_WINDOW_MS = 62000;

/** One run in a child process (the harness loads the build named by EXTENSION_DIR). */
async function one() {
  const { startSandbox, launchBrowser, configureAll, openCard, panel, panelState } = await import('../e2e/harness.mjs');
  const sandbox = await startSandbox();
  const browser = await launchBrowser();
  try {
    await configureAll(browser, sandbox.info);
    // One real entry: the shape every copy takes.
    const card = await openCard(browser, sandbox.info, 'offerBucharestRon');
    await panel(card).locator('button[data-testid="emit"]').click();
    await panelState(card, 'issued');
    await card.close();
    const page = await browser.page('popup.html');
    const ticks = (n) => page.evaluate(async (count) => {
      const times = [];
      for (let i = 0; i < count; i += 1) {
        const t = performance.now();
        const reply = await chrome.runtime.sendMessage({ cmd: 'tick' });
        times.push(performance.now() - t);
        if (!reply.ok) throw new Error(JSON.stringify(reply));
      }
      return times;
    }, n);
    // Until the jobs the first ticks start (the payment refresh, in the jobs' module) are done.
    const settle = async () => {
      for (let i = 0; i < 60; i += 1) {
        await ticks(1);
        const status = await page.evaluate(() => chrome.runtime.sendMessage({ cmd: 'jobsStatus' }));
        const run = status.jobs && status.jobs.payments.run;
        if (run && run.status !== 'running') return;
        await new Promise((r) => setTimeout(r, 500));
      }
      throw new Error('the payment refresh did not finish');
    };
    await settle();
    await ticks(3);
    const anchor = await ticks(SAMPLES);
    // The payment refresh, run whole by "sync now" (one invoice: its first slice is all of it).
    const refreshes = async (n) => {
      await new Promise((r) => setTimeout(r, MINICRM_WINDOW_MS));
      return refreshesNow(n);
    };
    const refreshesNow = (n) => page.evaluate(async (count) => {
      const times = [];
      for (let i = 0; i < count; i += 1) {
        const t = performance.now();
        const reply = await chrome.runtime.sendMessage({ cmd: 'syncNow', kind: 'payments' });
        times.push(performance.now() - t);
        const run = reply.ok && reply.status && reply.status.jobs.payments.run;
        if (!run || run.status !== 'done') throw new Error(`the refresh did not run whole: ${JSON.stringify(reply)}`);
      }
      return times;
    }, n);
    const refreshAnchor = await refreshes(REFRESHES);
    const entries = await page.evaluate(async (n) => {
      const all = await chrome.storage.local.get(null);
      const index = all['journal.index'];
      const model = all[index[0]];
      const items = {};
      const keys = [];
      for (let i = 0; i < n; i += 1) {
        const docId = 500000 + i;
        const key = `journal.${model.kind}.${docId}`;
        const issued = { ...model.issued, number: String(10000 + i), issueDate: '2025-01-15' };
        items[key] = { ...model, docId, projectId: 600000 + i, issued, writtenBack: true, status: 'issued', updatedMs: 1736899200000 };
        keys.push(key);
      }
      await chrome.storage.local.set(items);
      await chrome.storage.local.set({ 'journal.index': [...index, ...keys] });
      return (await chrome.storage.local.get('journal.index'))['journal.index'].length;
    }, ENTRIES);
    // The first ticks after (a journal from before the open list: made once here).
    await ticks(3);
    const loaded = await ticks(SAMPLES);
    const [refreshFirst] = await refreshes(1);
    const refreshLoaded = await refreshesNow(REFRESHES);
    await page.close();
    return {
      anchor: median(anchor),
      loaded: median(loaded),
      entries,
      refreshAnchor: median(refreshAnchor),
      refreshFirst,
      refreshLoaded: median(refreshLoaded),
    };
  } finally {
    await browser.close();
    sandbox.stop();
  }
}

if (process.env.BENCH_CHILD) {
  child(one);
} else {
  const results = runBuilds(fileURLToPath(import.meta.url), RUNS, (name, i, r) => {
    console.log(`${name}, run ${i + 1}: tick ${r.anchor.toFixed(1)} ms with 1 entry, ${r.loaded.toFixed(1)} ms with ${r.entries} (${(r.loaded / r.anchor).toFixed(2)}×); payment refresh ${r.refreshAnchor.toFixed(1)} ms with 1 entry, ${r.refreshLoaded.toFixed(1)} ms with ${r.entries} (${(r.refreshLoaded / r.refreshAnchor).toFixed(2)}×), the first after ${r.refreshFirst.toFixed(1)} ms`);
  });
  console.log(`\nmedians of ${SAMPLES} ticks and ${REFRESHES} payment refreshes a run, ranges over ${RUNS} runs:`);
  for (const [name, rs] of results) {
    console.log(`${name}, tick: 1 entry ${range(rs.map((r) => r.anchor))} ms; ${rs[0].entries} entries ${range(rs.map((r) => r.loaded))} ms; ratio ${range(rs.map((r) => r.loaded / r.anchor), 2)}×`);
    console.log(`${name}, payment refresh: 1 entry ${range(rs.map((r) => r.refreshAnchor))} ms; ${rs[0].entries} entries ${range(rs.map((r) => r.refreshLoaded))} ms; ratio ${range(rs.map((r) => r.refreshLoaded / r.refreshAnchor), 2)}×; the first after ${range(rs.map((r) => r.refreshFirst))} ms`);
  }
}
