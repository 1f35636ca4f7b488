// Team mode end to end: the built Worker (server/build/) on workerd through the Miniflare 4 API,
// the sandbox binary as SmartBill and MiniCRM, and no browser. SmartBill's webhook sender, the
// Worker, its Durable Object, alarm and cron handler are the real ones; tests wait for the
// sandbox's request log and state, never for the clock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTeam, waitFor, ORIGIN, FIREFOX_ORIGIN, WAREHOUSE } from './team-harness.mjs';

let t;
let member;

before(async () => {
  t = await startTeam();
  await t.configure();
  await t.hook();
});

after(async () => {
  await t?.stop();
});

const deliveries = async (since) => t.log('webhook', since);

test('admin creates a member key; the member tests the connection; settings stay the admin\'s', async () => {
  const created = await t.call('/admin/members', { method: 'POST', key: t.secrets.ADMIN_TOKEN, body: { name: 'Ana Popescu' } });
  assert.equal(created.status, 201, created.text);
  member = created.body.key;
  assert.match(member, /^mcsb_[A-Za-z0-9_-]{43}$/);

  const health = await t.call('/api/health', { key: member });
  assert.equal(health.status, 200, health.text);
  assert.equal(health.body.ok, true, health.text);
  assert.equal(health.body.caller.role, 'member');
  assert.equal(health.body.caller.name, 'Ana Popescu');
  assert.equal(health.body.settingsComplete, true);
  assert.ok(health.body.smartbill.series > 0 && health.body.minicrm.modules > 0, health.text);

  assert.equal((await t.call('/api/health')).status, 401);
  assert.equal((await t.call('/api/health', { key: 'mcsb_not-a-key' })).status, 401);
  assert.equal((await t.call('/api/health', { key: t.secrets.STOCK_WEBHOOK_TOKEN })).status, 401);

  const refused = await t.command({ cmd: 'saveSettings', settings: { document: { series: 'X' } } }, member);
  assert.equal(refused.status, 403);
  assert.equal((await t.command({ cmd: 'getSettings' }, member)).status, 403);
  assert.equal((await t.call('/admin/members', { key: member })).status, 403);

  // The admin sees the settings, never the vendor secrets (they are Workers secrets).
  const settings = await t.command({ cmd: 'getSettings' });
  assert.equal(settings.status, 200);
  assert.equal(settings.body.settings.smartbill.tokenSet, true);
  assert.equal(settings.body.settings.minicrm.apiKeySet, true);
  for (const reply of [settings.text, health.text, (await t.call('/admin/status', { key: t.secrets.ADMIN_TOKEN })).text]) {
    assert.ok(!reply.includes(t.info.smartbill.token) && !reply.includes(t.info.minicrm.apiKey), 'a vendor secret in a reply');
  }
  const listed = await t.call('/admin/members', { key: t.secrets.ADMIN_TOKEN });
  assert.equal(listed.body.members.length, 1);
  assert.ok(!listed.text.includes(member), 'the key is shown once, at creation');
});

test('a stock movement in SmartBill updates the MiniCRM product through the webhook, with no browser', async () => {
  const since = await t.lastSeq();
  await t.sandbox.control('/smartbill/stock', { body: { warehouse: WAREHOUSE, code: 'SCAUN-ERG', quantity: 5 } });
  const written = await waitFor('the webhook write of SCAUN-ERG', async () => {
    const p = await t.product('SCAUN-ERG');
    return p && p.Quantity === 5 && p;
  });
  assert.equal(written.Name, 'Scaun ergonomic');
  const [delivery] = await deliveries(since);
  assert.equal(delivery.status, 200, JSON.stringify(delivery));
  assert.equal(delivery.user, null, 'the log never shows the token');
  assert.deepEqual(delivery.body.products, [{ warehouse: WAREHOUSE, productName: 'Scaun ergonomic', productCode: 'SCAUN-ERG', measuringUnit: 'buc', quantity: 5 }]);
  const writes = await t.productWrites(since);
  assert.equal(writes.length, 1);
  assert.deepEqual(Object.keys(writes[0].body).sort(), ['Name', 'Quantity', 'SKU', 'UnitName', 'Warehouse_Name']);
  assert.ok(!('PriceNet' in writes[0].body), 'never the price');

  // Another warehouse is not ours: delivered, answered, not written.
  const other = await t.lastSeq();
  await t.sandbox.control('/smartbill/stock', { body: { warehouse: 'Magazin Cluj', code: 'TON-HP', quantity: 9 } });
  await t.sandbox.control('/smartbill/stock', { body: { warehouse: WAREHOUSE, code: 'SCAUN-ERG', quantity: 4 } });
  await waitFor('SCAUN-ERG at 4', async () => (await t.product('SCAUN-ERG'))?.Quantity === 4);
  const d = await deliveries(other);
  assert.equal(d.length, 2);
  assert.ok(d.every((x) => x.status === 200));
  assert.ok(!(await t.productWrites(other)).some((w) => w.body.SKU === 'TON-HP'), 'Magazin Cluj is not the configured warehouse');
});

test('a member emits an invoice; the stock it discharged follows in MiniCRM by the webhook', async () => {
  const since = await t.lastSeq();
  const url = t.cardUrl('offerBucharestRon');
  const emitted = await t.command({ cmd: 'card', url, action: 'emit' }, member);
  assert.equal(emitted.status, 200, emitted.text);
  assert.equal(emitted.body.ok, true, emitted.text);
  const issued = (await t.sandbox.control('/smartbill/documents')).documents.filter((doc) => !doc.draft);
  assert.ok(issued.length >= 1);
  await waitFor('LAP-001 13, MON-024 38, CAB-HDMI 496 in MiniCRM', async () => {
    const [lap, mon, cab] = await Promise.all(['LAP-001', 'MON-024', 'CAB-HDMI'].map((s) => t.product(s)));
    return lap?.Quantity === 13 && mon?.Quantity === 38 && cab?.Quantity === 496;
  });
  const [delivery] = await deliveries(since);
  assert.equal(delivery.delivery, 'movement');
  assert.deepEqual(delivery.body.products.map((p) => [p.productCode, p.quantity]).sort(), [['CAB-HDMI', 496], ['LAP-001', 13], ['MON-024', 38]]);
  // The seeded prices in MiniCRM are untouched.
  assert.equal((await t.product('LAP-001')).PriceNet, 4200);
});

test('a wrong or missing token gets 401 and writes nothing', async () => {
  const statsBefore = (await t.status()).webhook.stats;
  const since = await t.lastSeq();
  const body = { products: [{ warehouse: WAREHOUSE, productName: 'Toner HP 85A', productCode: 'TON-HP', quantity: 999 }] };
  for (const headers of [{}, { authorization: 'Bearer wrong-token' }, { authorization: `Basic ${t.secrets.STOCK_WEBHOOK_TOKEN}` }, { authorization: `Bearer ${t.secrets.STOCK_WEBHOOK_TOKEN}x` }]) {
    const r = await t.call('/smartbill/stock', { method: 'POST', body, headers });
    assert.equal(r.status, 401, JSON.stringify(headers));
    assert.match(r.text, /Autentificare esuata/);
  }
  // SmartBill itself with a stale token: its delivery is refused too.
  await t.hook('stale-token');
  await t.sandbox.control('/smartbill/stock', { body: { warehouse: WAREHOUSE, code: 'TON-HP', quantity: 998 } });
  await waitFor('the refused delivery in the log', async () => (await deliveries(since)).some((d) => d.status === 401));
  await t.hook();
  // A good delivery afterwards is written; the refused ones never were.
  await t.sandbox.control('/smartbill/stock', { body: { warehouse: WAREHOUSE, code: 'CRT-ARH', quantity: 21 } });
  await waitFor('CRT-ARH at 21', async () => (await t.product('CRT-ARH'))?.Quantity === 21);
  const writes = await t.productWrites(since);
  assert.deepEqual(writes.map((w) => w.body.SKU), ['CRT-ARH']);
  assert.equal((await t.status()).webhook.stats.deliveries, statsBefore.deliveries + 1);
});

test('a replayed delivery writes nothing twice; the connectivity test answers 200', async () => {
  const since = await t.lastSeq();
  const processed = (await t.status()).webhook.stats.processed;
  await t.sandbox.control('/smartbill/webhook/replay', { body: {} });
  await waitFor('the replay delivered and worked', async () => {
    const replayed = (await deliveries(since)).find((d) => d.delivery === 'replay');
    return replayed?.status === 200 && (await t.status()).webhook.stats.processed > processed;
  });
  assert.deepEqual(await t.productWrites(since), [], 'a replay writes nothing');

  await t.sandbox.control('/smartbill/webhook/test', { body: {} });
  const probe = await waitFor('the test delivery', async () => (await deliveries(since)).find((d) => d.delivery === 'test'));
  assert.equal(probe.status, 200);
  assert.match(probe.response, /Testul de sincronizare stoc a fost facut cu succes/);

  // A bare array with a string quantity and no unit is read as well; sent twice, written once.
  const bare = [{ warehouse: 'depozit central', productName: 'Toner HP 85A', productCode: 'TON-HP', quantity: '7' }];
  const hdr = { authorization: `Bearer ${t.secrets.STOCK_WEBHOOK_TOKEN}` };
  for (let i = 0; i < 2; i++) {
    const r = await t.call('/smartbill/stock', { method: 'POST', body: bare, headers: hdr });
    assert.equal(r.status, 200, r.text);
  }
  await waitFor('TON-HP at 7', async () => (await t.product('TON-HP'))?.Quantity === 7);
  await waitFor('both deliveries worked', async () => (await t.status()).webhook.pending === 0);
  const toner = (await t.productWrites(since)).filter((w) => w.body.SKU === 'TON-HP');
  assert.equal(toner.length, 1);
  assert.ok(!('UnitName' in toner[0].body), 'no unit in the delivery: MiniCRM keeps its own');
  const bad = await t.call('/smartbill/stock', { method: 'POST', body: '{"products": [', headers: hdr });
  assert.equal(bad.status, 400);
});

test('the cron triggers run the jobs: daily stock sync, payment refresh, the 2-minute poll', async () => {
  const worker = await t.mf.getWorker();
  // A change the webhook does not tell (it is switched off for a moment): the daily sync finds it.
  await t.sandbox.control('/smartbill/webhook', { body: { url: null } });
  await t.sandbox.control('/smartbill/stock', { body: { warehouse: WAREHOUSE, code: 'CRT-ARH', quantity: 30 } });
  await t.hook();
  let since = await t.lastSeq();
  const stock = await worker.scheduled({ cron: '40 4 * * *' });
  assert.equal(stock.outcome, 'ok');
  const sb = await t.log('smartbill', since);
  assert.ok(sb.some((r) => r.method === 'GET' && r.path.endsWith('/stocks')), 'the stock sync read SmartBill');
  const writes = await t.productWrites(since);
  assert.ok(writes.some((w) => w.body.SKU === 'CRT-ARH' && w.body.Quantity === 30), JSON.stringify(writes.map((w) => w.body)));
  assert.ok(!writes.some((w) => w.body.SKU === 'SCAUN-ERG' || w.body.SKU === 'LAP-001'), 'already written by the webhook: not again');

  since = await t.lastSeq();
  const pay = await worker.scheduled({ cron: '10 4 * * *' });
  assert.equal(pay.outcome, 'ok');
  assert.ok((await t.log('smartbill', since)).some((r) => r.path.endsWith('/invoice/paymentstatus')), 'the payment refresh asked SmartBill');

  const poll = await worker.scheduled({ cron: '*/2 * * * *' });
  assert.equal(poll.outcome, 'ok');
  const jobs = await t.command({ cmd: 'jobsStatus' }, member);
  assert.equal(jobs.body.jobs.stock.run.status, 'done');
  assert.equal(jobs.body.jobs.payments.run.status, 'done');
});

test('a long payment refresh goes on in the object\'s alarm after the cron event ends, each invoice asked once', async () => {
  // A team of its own whose slices are short (300 ms of job work), and a SmartBill slow to answer
  // payment status: the refresh cannot finish inside the cron event.
  const own = await startTeam({ vars: { TICK_SLICE_MS: '300' } });
  try {
    await own.configure({ stock: { enabled: false, warehouse: '' } });
    const invoices = await own.seedInvoicedCards(24);
    await own.sandbox.control('/faults', { body: { service: 'smartbill', path: '/SBORO/api/invoice/paymentstatus', kind: 'latency', ms: 120, forever: true } });
    const since = await own.lastSeq();
    const asked = async () => (await own.log('smartbill', since)).filter((r) => r.path.endsWith('/invoice/paymentstatus'));
    const cron = await (await own.mf.getWorker()).scheduled({ cron: '10 4 * * *' });
    assert.equal(cron.outcome, 'ok');
    const atEnd = (await asked()).length;
    const run = (await own.command({ cmd: 'jobsStatus' })).body.jobs.payments.run;
    assert.equal(run?.status, 'running', `the cron event ended with the refresh still running (${atEnd} asked)`);
    // No trigger follows: only the alarm can finish it.
    await waitFor('the refresh done', async () => (await own.command({ cmd: 'jobsStatus' })).body.jobs.payments.run?.status === 'done', { timeout: 60000 });
    const calls = await asked();
    const asked1 = calls.map((r) => `${new URLSearchParams(r.query).get('seriesname')} ${new URLSearchParams(r.query).get('number')}`);
    for (const inv of invoices) {
      assert.equal(asked1.filter((x) => x === `${inv.series} ${inv.number}`).length, 1, `invoice ${inv.series} ${inv.number} asked once: ${asked1.join(', ')}`);
    }
    assert.ok(atEnd < invoices.length, `${atEnd} of ${invoices.length} asked inside the cron event`);
  } finally {
    await own.stop();
  }
});

test('two colleagues acting on one card: one invoice; a page noticing the change meanwhile only looks', async () => {
  const url = t.cardUrl('orderPayerRon');
  await t.configure({ minicrm: { module: 'orders' } });
  const other = (await t.call('/admin/members', { method: 'POST', key: t.secrets.ADMIN_TOKEN, body: { name: 'Bogdan' } })).body.key;
  const before = (await t.sandbox.control('/smartbill/documents')).documents.length;
  // SmartBill answers the invoice slowly: the first emission still holds the card's lease when
  // the other clicks, and a page's `changed`, arrive.
  await t.sandbox.control('/faults', { body: { service: 'smartbill', method: 'POST', path: '/SBORO/api/invoice', kind: 'latency', ms: 1500 } });
  const clicks = Promise.all([member, other, member].map((k) => t.command({ cmd: 'card', url, action: 'emit' }, k)));
  await waitFor('the POST /invoice in flight', async () =>
    (await t.sandbox.control('/inflight')).requests.some((r) => r.method === 'POST' && r.path.startsWith('/SBORO/api/invoice')));
  // A colleague's page notices the card change meanwhile: it looks, with no busy error (its
  // person did nothing), and sees the emission under way.
  const noticed = await t.command({ cmd: 'card', url, action: 'changed' }, other);
  assert.equal(noticed.status, 200, noticed.text);
  assert.equal(noticed.body.show, true, noticed.text);
  assert.equal(noticed.body.error ?? null, null, noticed.text);
  assert.equal(noticed.body.panel.state, 'issuing', noticed.text);
  const replies = await clicks;
  assert.equal(replies.filter((r) => r.status === 200 && r.body.ok).length, 1, replies.map((r) => r.text).join('\n'));
  const busy = replies.filter((r) => r.status === 409);
  assert.equal(busy.length, 2);
  assert.ok(busy.every((r) => r.body.error.code === 'server.cardBusy'));
  // Once the first is done, the card is free again: looking and emitting again change nothing.
  const again = await t.command({ cmd: 'card', url, action: 'emit' }, other);
  assert.equal(again.status, 200, again.text);
  const after = (await t.sandbox.control('/smartbill/documents')).documents.length;
  assert.equal(after - before, 1, 'exactly one document');
  await t.configure();
});

test('CORS: only the configured extension origins; preflight answered', async () => {
  for (const origin of [ORIGIN, FIREFOX_ORIGIN]) {
    const pre = await t.call('/api/command', { method: 'OPTIONS', origin, headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), origin);
    assert.match(pre.headers.get('access-control-allow-headers'), /Authorization/i);
    assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
    const ok = await t.call('/api/health', { key: member, origin });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), origin);
  }
  for (const origin of ['https://evil.example', 'chrome-extension://pppppppppppppppppppppppppppppppp', 'null']) {
    const pre = await t.call('/api/command', { method: 'OPTIONS', origin, headers: { 'access-control-request-method': 'POST' } });
    assert.equal(pre.status, 403, origin);
    assert.equal(pre.headers.get('access-control-allow-origin'), null);
    const r = await t.call('/api/health', { key: member, origin });
    assert.equal(r.status, 403, origin);
    assert.equal(r.headers.get('access-control-allow-origin'), null);
  }
});

test('a revoked member key stops working at once', async () => {
  const list = (await t.call('/admin/members', { key: t.secrets.ADMIN_TOKEN })).body.members;
  const ana = list.find((m) => m.name === 'Ana Popescu');
  const revoked = await t.call(`/admin/members/${ana.id}`, { method: 'DELETE', key: t.secrets.ADMIN_TOKEN });
  assert.equal(revoked.status, 200);
  assert.equal(revoked.body.member.active, false);
  assert.equal((await t.call('/api/health', { key: member })).status, 401);
  assert.equal((await t.command({ cmd: 'panelState', url: t.cardUrl('offerPayerEur') }, member)).status, 401);
  assert.equal((await t.call('/admin/members/nope', { method: 'DELETE', key: t.secrets.ADMIN_TOKEN })).status, 404);
});
