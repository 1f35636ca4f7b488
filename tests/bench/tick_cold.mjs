// What an alarm costs a configured browser when its tick has nothing to do (automatic emission
// off, nothing open in the journal, no job due, no import): the worker stopped, then
// {cmd: 'tick', alarm: 'tick'} sent from an extension page, message → reply timed in the page
// (performance.now(); no Playwright round trip in the figure). In the same rounds, in a rotating
// order, two anchors of the same worker: a card of another MiniCRM account (`card`, `state`: the
// full core's start, which answers it from the settings alone, no vendor call) and a page that is
// not a card (`panelState`: the first module, no storage). Since 2026-12-06 the first module
// answers such a tick. Each run is a fresh browser and a fresh sandbox; with
// BENCH_COMPARE=<another build's dist/sandbox> the runs alternate between the two builds. Prints
// figures as ranges over the runs; asserts only that every reply is ok (exit 1 when a run cannot
// run).
//
//   node tests/bench/tick_cold.mjs [runs=3] [samples=12]   (after bash scripts/build.sh)
import { fileURLToPath } from 'node:url';
import { child, runBuilds, median, range } from './child-runs.mjs';

const RUNS = Number(process.argv[2] || 3);
const SAMPLES = Number(process.argv[3] || 12);

/** One run in a child process (the harness loads the build named by EXTENSION_DIR). */
async function one() {
  const { startSandbox, launchBrowser, configureAll, command, stopWorker, waitFor } = await import('../e2e/harness.mjs');
  const sandbox = await startSandbox();
  const browser = await launchBrowser();
  try {
    await configureAll(browser, sandbox.info);
    // Nothing left to do: the payment refresh run (it is due once enabled), and one tick (it
    // makes the journal's list of open emissions, once).
    const asked = await command(browser, { cmd: 'syncNow', kind: 'payments' });
    if (!asked.ok) throw new Error(JSON.stringify(asked));
    await waitFor(async () => (await command(browser, { cmd: 'jobsStatus' })).jobs.payments.run?.status === 'done', 'the refresh to finish');
    const first = await command(browser, { cmd: 'tick', alarm: 'tick' });
    if (!first.ok || first.jobsDue) throw new Error(`the first tick: ${JSON.stringify(first)}`);
    const { base, systemId } = sandbox.info.minicrm;
    const probes = {
      tick: { cmd: 'tick', alarm: 'tick' },
      core: { cmd: 'card', url: `${base}/${Number(systemId) + 1}/#Project-21/1`, action: 'state' },
      front: { cmd: 'panelState', url: 'about:blank' },
    };
    // The import page: it sends one message when it opens and none after while no import runs
    // (the popup and the options page refresh the jobs' view on a timer, which would wake the
    // worker between a stop and a sample).
    const page = await browser.page('import.html');
    const times = Object.fromEntries(Object.keys(probes).map((k) => [k, []]));
    let tickStartedByTick = false;
    const names = Object.keys(probes);
    for (let round = 0; round <= SAMPLES; round += 1) {
      for (let i = 0; i < names.length; i += 1) {
        const name = names[(i + round) % names.length];
        await stopWorker(browser);
        const r = await page.evaluate(async (m) => {
          const t = performance.now();
          const reply = await chrome.runtime.sendMessage(m);
          return { ms: performance.now() - t, reply };
        }, probes[name]);
        if (!r.reply || !r.reply.ok) throw new Error(`${name}: ${JSON.stringify(r.reply)}`);
        if (name === 'tick') {
          tickStartedByTick ||= await browser.worker().evaluate(() => /** @type {any} */ (self).mcsbTickStarted === true);
        }
        // The first round is a warm-up (the modules' copies kept in Cache Storage).
        if (round > 0) times[name].push(r.ms);
      }
    }
    await page.close();
    return { ...Object.fromEntries(Object.entries(times).map(([k, xs]) => [k, median(xs)])), tickStartedByTick };
  } finally {
    await browser.close();
    sandbox.stop();
  }
}

if (process.env.BENCH_CHILD) {
  child(one);
} else {
  const results = runBuilds(fileURLToPath(import.meta.url), RUNS, (name, i, r) => {
    console.log(`${name}, run ${i + 1}: cold tick with nothing to do ${r.tick.toFixed(1)} ms (the tick module started: ${r.tickStartedByTick ? 'yes' : 'no'}); another account's card (the full core) ${r.core.toFixed(1)} ms; a page that is not a card (the first module) ${r.front.toFixed(1)} ms; tick ÷ card ${(r.tick / r.core).toFixed(2)}, tick ÷ not a card ${(r.tick / r.front).toFixed(2)}`);
  });
  console.log(`\nmedians of ${SAMPLES} cold samples each a run, ranges over ${RUNS} runs:`);
  for (const [name, rs] of results) {
    console.log(`${name}: tick ${range(rs.map((r) => r.tick))} ms; the full core's card ${range(rs.map((r) => r.core))} ms; not a card ${range(rs.map((r) => r.front))} ms; tick ÷ card ${range(rs.map((r) => r.tick / r.core), 2)}; tick ÷ not a card ${range(rs.map((r) => r.tick / r.front), 2)}`);
  }
}
