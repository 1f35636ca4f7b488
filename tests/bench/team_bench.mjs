// Team mode benchmark: the Worker on workerd (Miniflare 4) and the sandbox at its normal speed.
//   node tests/bench/team_bench.mjs [runs=3] [samples=5]
// Prints, as ranges over the runs (each run a fresh sandbox and a fresh workerd):
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
import { startTeam, waitFor, BUILD, WAREHOUSE } from '../e2e/team-harness.mjs';

const RUNS = Math.max(3, Number(process.argv[2] || 3));
const SAMPLES = Math.max(1, Number(process.argv[3] || 5));
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
