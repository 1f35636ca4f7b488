// The background jobs in the real extension: stock sync on enable and after an invoice that
// discharged stock, payment refresh, both surviving a stopped worker; the popup and options show
// progress, last results, the next run and the activity log.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSandbox, launchBrowser, configureAll, openCard, panel, panelState, killWorker, freshCase, command, artifact, waitFor,
  watchErrors, errorsSeen, TIME_SCALE,
} from './harness.mjs';

let sandbox;
let browser;

before(async () => {
  sandbox = await startSandbox();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  sandbox?.stop();
});

beforeEach(async () => {
  // Nothing of the previous case goes on: its worker stops before storage is cleared.
  await freshCase(sandbox, browser);
});


const products = async () => (await sandbox.control('/minicrm/products')).products;
const product = async (sku) => (await products()).find((p) => p.SKU === sku);

test('enabling stock sync fills MiniCRM products; an invoice that discharges stock updates them', async () => {
  const options = await configureAll(browser, sandbox.info, { stock: 'Depozit Central' });
  // The sync starts by itself after saving (never the price).
  await waitFor(async () => (await command(browser, { cmd: 'jobsStatus' })).jobs.stock.run?.status === 'done', 'the first stock sync');
  // The core's tick said the sync was due, and the jobs' module ran it.
  assert.equal(await browser.worker().evaluate(() => /** @type {any} */ (self).mcsbJobsStarted === true), true);
  assert.equal((await product('LAP-001')).Quantity, 15);
  assert.equal((await product('TON-HP')).Quantity, 2);
  assert.equal((await product('CRT-ARH')).Quantity, 25);
  const puts = (await sandbox.requests('minicrm')).filter((r) => r.method === 'PUT' && r.path.startsWith('/Api/R3/Product'));
  assert.ok(puts.length > 0 && puts.every((r) => r.body.PriceNet === undefined), 'no price is ever sent');
  await options.reload();
  await options.locator('[data-testid="last-stock"]').waitFor();
  assert.match(await options.locator('[data-testid="last-stock"]').innerText(), /încheiată/);
  assert.match(await options.locator('[data-testid="webhook-note"]').innerText(), /prin serverul echipei/);
  await options.screenshot({ path: artifact('e2e-options-sync.png'), fullPage: true });
  await options.close();

  const card = await openCard(browser, sandbox.info, 'offerBucharestRon');
  assert.match(await panel(card).locator('[data-testid="stock-managed"]').innerText(), /gestionează din SmartBill/);
  await panel(card).locator('button[data-testid="emit"]').click();
  await panelState(card, 'issued');
  // 2 laptops, 2 monitors, 4 cables left Depozit Central with the invoice.
  await waitFor(async () => (await product('LAP-001'))?.Quantity === 13, 'LAP-001 to follow the invoice', 40000);
  await waitFor(async () => (await command(browser, { cmd: 'jobsStatus' })).jobs.stock.run?.status === 'done', 'the second stock sync');
  assert.equal((await product('MON-024')).Quantity, 38);
  assert.equal((await product('CAB-HDMI')).Quantity, 496);
  await card.close();

  const popup = await browser.page('popup.html');
  await popup.locator('[data-testid="activity"] > li').nth(1).waitFor();
  const activity = await popup.locator('[data-testid="activity"]').innerText();
  assert.equal((activity.match(/Stocuri SmartBill → MiniCRM/g) || []).length >= 2, true, activity);
  assert.match(activity, /omise/);
  await popup.setViewportSize({ width: 400, height: 760 });
  await popup.screenshot({ path: artifact('e2e-popup-activity.png'), fullPage: true });
  await popup.close();
});

test('a stock sync stopped with the worker resumes: every product written, none skipped', async () => {
  const items = Array.from({ length: 80 }, (_, i) => ({ warehouse: 'Depozit Central', code: `E2E-${String(i).padStart(3, '0')}`, quantity: i + 1 }));
  await sandbox.control('/smartbill/stock', { body: { items } });
  // Each product write takes a while, so the run is long enough to stop in the middle.
  await sandbox.control('/faults', { body: { service: 'minicrm', method: 'PUT', path: '/Api/R3/Product', kind: 'latency', ms: 60, times: 1000 } });
  await configureAll(browser, sandbox.info, { stock: 'Depozit Central' });
  await waitFor(async () => (await products()).filter((p) => p.SKU.startsWith('E2E-')).length >= 10, 'the first products');
  const popup = await browser.page('popup.html');
  await popup.locator('[data-testid="progress-stock"]').waitFor();
  assert.match(await popup.locator('[data-testid="progress-stock"]').innerText(), /În lucru: \d+ din \d+/);
  await popup.screenshot({ path: artifact('e2e-popup-progress.png'), fullPage: true });
  await popup.close();
  await killWorker(browser);
  // The "continue" alarm (or the next tick) wakes a new worker, which resumes from the cursor.
  await waitFor(async () => (await products()).filter((p) => p.SKU.startsWith('E2E-')).length === 80, 'all 80 products', 60000);
  const written = (await sandbox.requests('minicrm')).filter((r) => r.method === 'PUT' && String(r.body?.SKU).startsWith('E2E-'));
  const perSku = {};
  for (const r of written) perSku[r.body.SKU] = (perSku[r.body.SKU] || 0) + 1;
  assert.equal(Object.keys(perSku).length, 80, 'none skipped');
  const twice = Object.entries(perSku).filter(([, n]) => n > 1);
  // At most the one write in flight when the worker died is sent again (an idempotent upsert).
  assert.ok(twice.length <= 1, `written twice: ${JSON.stringify(twice)}`);
  for (let i = 0; i < 80; i += 7) assert.equal((await product(`E2E-${String(i).padStart(3, '0')}`)).Quantity, i + 1);
  const status = await command(browser, { cmd: 'jobsStatus' });
  assert.equal(status.jobs.stock.run.status, 'done');
});

test('the popup’s Stop stays the element a click is on while the progress moves, and stops the run', async () => {
  const items = Array.from({ length: 200 }, (_, i) => ({ warehouse: 'Depozit Central', code: `STOP-${String(i).padStart(3, '0')}`, quantity: i + 1 }));
  await sandbox.control('/smartbill/stock', { body: { items } });
  await sandbox.control('/faults', { body: { service: 'minicrm', method: 'PUT', path: '/Api/R3/Product', kind: 'latency', ms: 60, times: 1000 } });
  await configureAll(browser, sandbox.info, { stock: 'Depozit Central' });
  const popup = await browser.page('popup.html');
  const stop = popup.locator('[data-testid="cancel-stock"]');
  await stop.waitFor();
  await stop.evaluate((b) => { b.kept = true; });
  // The popup draws the run again as it moves; the button is the one it was.
  const progress = popup.locator('[data-testid="progress-stock"]');
  const first = await progress.innerText();
  await waitFor(async () => (await progress.innerText()) !== first, 'the progress to move');
  assert.equal(await stop.evaluate((b) => b.kept === true), true, 'the same button');
  await stop.click();
  await waitFor(async () => (await command(browser, { cmd: 'jobsStatus' })).jobs.stock.run?.status === 'cancelled', 'the run to stop');
  const written = (await products()).filter((p) => p.SKU.startsWith('STOP-')).length;
  assert.ok(written < 200, `stopped before the end: ${written} written`);
  await popup.locator('[data-testid="last-stock"]').waitFor();
  await popup.close();
});

/**
 * "offerPersonRon" issued through the panel (FCT 0124), then paid in part in SmartBill: its card.
 * @param {{ requestTimeoutMs?: number }} [options] the extension's request timeout (8 s)
 */
async function issuedAndPaidInPart(options = {}) {
  await configureAll(browser, sandbox.info, options);
  const card = await openCard(browser, sandbox.info, 'offerPersonRon');
  await panel(card).locator('button[data-testid="emit"]').click();
  await panelState(card, 'issued');
  await sandbox.control('/smartbill/payment', { body: { series: 'FCT', number: '0124', amount: 100 } });
  return card;
}

test('the payment refresh leaves an invoice being cancelled to the cancel: the core\'s lock is in the cells the worker\'s modules share', async () => {
  // Collected in part meanwhile: a change the refresh would write to the card.
  const card = await issuedAndPaidInPart();
  // SmartBill holds the cancel until the case lets it go; the core holds the document's lock.
  const cancelPath = '/SBORO/api/invoice/cancel';
  await sandbox.control('/faults', { body: { service: 'smartbill', method: 'PUT', path: cancelPath, kind: 'hold', times: 1 } });
  await panel(card).locator('button[data-testid="cancel"]').click();
  await panel(card).locator('button[data-testid="confirm-yes"]').click();
  const cancelling = async () => (await sandbox.control('/inflight')).requests.some((r) => r.path === cancelPath);
  await waitFor(cancelling, 'the cancel waiting for SmartBill');
  const minicrmBefore = (await sandbox.requests('minicrm')).length;
  const smartbillBefore = (await sandbox.requests('smartbill')).length;
  const asked = Date.now();
  // "Sincronizează acum": the refresh runs in the jobs' module, apart from the core.
  const popup = await browser.page('popup.html');
  await popup.click('#syncNow');
  await waitFor(async () => {
    const run = (await command(browser, { cmd: 'jobsStatus' })).jobs.payments.run;
    return run && run.startedMs >= asked && run.status === 'done';
  }, 'the refresh asked for to finish', 60000);
  await popup.close();
  assert.equal(await cancelling(), true, 'the cancel is still waiting (otherwise this case proves nothing)');
  const checked = (await sandbox.requests('smartbill')).slice(smartbillBefore)
    .filter((r) => r.path === '/SBORO/api/invoice/paymentstatus');
  assert.equal(checked.length, 1, 'the refresh asked SmartBill about the invoice');
  const writes = (await sandbox.requests('minicrm')).slice(minicrmBefore)
    .filter((r) => r.method === 'POST' && r.path.endsWith('/Project'));
  assert.deepEqual(writes, [], 'the refresh wrote no payment state to the card of an invoice being cancelled');
  await sandbox.control('/release', { method: 'POST' });
  await panelState(card, 'cancelled');
  const id = sandbox.info.minicrm.cards.offerPersonRon.projectId;
  const fields = (await sandbox.control('/minicrm/projects')).projects.find((p) => p.Id === id).Fields;
  assert.equal(fields.SmartBillPaymentStatus, 'Anulată');
  await card.close();
});

test('a refresh\'s card write whose answer was lost keeps the invoice locked until it settles: a cancel meanwhile writes the card after it', async () => {
  // Collected in part meanwhile: the refresh writes the new state to the card, and MiniCRM holds
  // that write past the request timeout (8 s in these tests): the refresh gives it up, while
  // MiniCRM may still apply it.
  const card = await issuedAndPaidInPart();
  const doc = sandbox.info.minicrm.cards.offerPersonRon.documentId;
  const writePath = `/Api/Offer/${doc}/Project`;
  await sandbox.control('/faults', { body: { service: 'minicrm', method: 'POST', path: writePath, kind: 'hold', times: 1 } });
  const writing = async () => (await sandbox.control('/inflight')).requests.some((r) => r.method === 'POST' && r.path === writePath);
  const asked = Date.now();
  const popup = await browser.page('popup.html');
  await popup.click('#syncNow');
  await waitFor(writing, 'the refresh\'s card write held by MiniCRM');
  // Every error the panel shows from now on (a busy one comes and goes: the panel asks again).
  await watchErrors(card);
  const cancelPath = '/SBORO/api/invoice/cancel';
  const cancels = async () => (await sandbox.requests('smartbill')).filter((r) => r.path === cancelPath).length;
  // The person cancels: the core waits for the document's lock.
  await panel(card).locator('button[data-testid="cancel"]').click();
  await panel(card).locator('button[data-testid="confirm-yes"]').click();
  // The refresh gives its write up (its run ends with that item failed)...
  await waitFor(async () => {
    const run = (await command(browser, { cmd: 'jobsStatus' })).jobs.payments.run;
    return run && run.startedMs >= asked && run.status === 'done';
  }, 'the refresh to give its write up', 60000);
  await popup.close();
  assert.equal(await writing(), true, 'the refresh\'s write is still held (otherwise this case proves nothing)');
  // What the person sees while the cancel waits: the core's view says until when.
  const waits = panel(card).locator('[data-testid="working-waits"]');
  await waitFor(async () => /până la \d\d:\d\d:\d\d/.test((await waits.innerText().catch(() => '')) || ''),
    'the note that the cancel waits for the write');
  await card.screenshot({ path: artifact('e2e-card-cancel-waits.png') });
  // ...and MiniCRM applies it late: the invoice is still locked (until the write has settled,
  // 8.5 s in these tests), so the cancel has not gone ahead.
  await sandbox.control('/release', { method: 'POST' });
  await waitFor(async () => !(await writing()), 'the late write applied');
  assert.equal(await cancels(), 0, 'the cancel went ahead while the refresh\'s write could still land');
  const id = sandbox.info.minicrm.cards.offerPersonRon.projectId;
  const fields = async () => (await sandbox.control('/minicrm/projects')).projects.find((p) => p.Id === id).Fields;
  assert.equal((await fields()).SmartBillPaymentStatus, 'Încasată parțial');
  // Then the cancel goes on by itself: it waits for the document to its keep's end, however long
  // past its 15 s wait for another flow (before, the panel said the document was busy, and the
  // person had to cancel again).
  await panelState(card, 'cancelled', 60000);
  assert.deepEqual((await errorsSeen(card)).filter((e) => /deja în lucru/.test(e)), [],
    'the cancel was refused as busy');
  assert.equal(await cancels(), 1);
  assert.equal((await fields()).SmartBillPaymentStatus, 'Anulată', 'the cancel\'s card write came last');
  await card.close();
});

test('a refresh\'s card write left out by a stopped worker keeps the invoice locked in the restarted one: its cancel goes to SmartBill only once the write has settled', async () => {
  // A request timeout of 20 s: the write may land until 20.5 s after it was sent, far past the
  // few seconds a cancel that did not wait takes to reach SmartBill after it.
  const card = await issuedAndPaidInPart({ requestTimeoutMs: 20000 });
  const doc = sandbox.info.minicrm.cards.offerPersonRon.documentId;
  const writePath = `/Api/Offer/${doc}/Project`;
  await sandbox.control('/faults', { body: { service: 'minicrm', method: 'POST', path: writePath, kind: 'hold', times: 1 } });
  const cancelPath = '/SBORO/api/invoice/cancel';
  const inFlight = async (path) => (await sandbox.control('/inflight')).requests.find((r) => r.path === path);
  const popup = await browser.page('popup.html');
  await popup.click('#syncNow');
  await waitFor(() => inFlight(writePath), 'the refresh\'s card write held by MiniCRM');
  await popup.close();
  // The worker stops with the write out (Chrome ends the request; MiniCRM may still apply it).
  // The locks in its memory go with it.
  await killWorker(browser);
  const write = await inFlight(writePath);
  assert.ok(write, 'the write is still held (otherwise this case proves nothing)');
  // SmartBill holds the cancel when it comes, so that the late write lands before its card write.
  await sandbox.control('/faults', { body: { service: 'smartbill', method: 'PUT', path: cancelPath, kind: 'hold', times: 1 } });
  // The person cancels: the panel's message starts the worker again.
  await panel(card).locator('button[data-testid="cancel"]').click();
  await panel(card).locator('button[data-testid="confirm-yes"]').click();
  const cancel = await waitFor(() => inFlight(cancelPath), 'the cancel at SmartBill', 60000);
  // The write may land until the request timeout and the margin after it was sent: the
  // restarted worker sent nothing to SmartBill before then. Without storage telling it, the
  // cancel reached SmartBill about 0.3 s after the write. (The sandbox's clock runs
  // TIME_SCALE times faster than the extension's.)
  const after = (cancel.at_ms - write.at_ms) / TIME_SCALE;
  console.log(`the restarted worker's cancel reached SmartBill ${Math.round(after)} ms after the write`);
  assert.ok(after >= 20000, `the cancel reached SmartBill ${Math.round(after)} ms after the write it had to wait for`);
  await sandbox.control('/release', { method: 'POST' });
  await panelState(card, 'cancelled', 60000);
  const id = sandbox.info.minicrm.cards.offerPersonRon.projectId;
  const fields = (await sandbox.control('/minicrm/projects')).projects.find((p) => p.Id === id).Fields;
  assert.equal(fields.SmartBillPaymentStatus, 'Anulată', 'the cancel\'s card write came last');
  await card.close();
});

test('the payment refresh writes only changed states and survives a stopped worker', async () => {
  await configureAll(browser, sandbox.info);
  // Three invoices through the panel.
  for (const name of ['offerBucharestRon', 'offerPayerEur', 'offerPersonRon']) {
    const card = await openCard(browser, sandbox.info, name);
    await panel(card).locator('button[data-testid="emit"]').click();
    await panelState(card, 'issued');
    await card.close();
  }
  const docs = (await sandbox.control('/smartbill/documents')).documents;
  const byNumber = Object.fromEntries(docs.map((d) => [d.number, d]));
  // Collected in SmartBill meanwhile: 0124 fully, 0125 in part, 0126 not at all.
  await sandbox.control('/smartbill/payment', { body: { series: 'FCT', number: '0124', amount: Number(byNumber['0124'].totals.total) } });
  await sandbox.control('/smartbill/payment', { body: { series: 'FCT', number: '0125', amount: 100 } });
  await sandbox.control('/faults', { body: { service: 'smartbill', path: '/SBORO/api/invoice/paymentstatus', kind: 'latency', ms: 700, times: 10 } });
  const before = (await sandbox.requests('minicrm')).length;
  const popup = await browser.page('popup.html');
  await popup.click('#syncNow');
  await waitFor(async () => (await sandbox.requests('smartbill')).some((r) => r.path === '/SBORO/api/invoice/paymentstatus'), 'the first check');
  await killWorker(browser);
  await popup.close();
  const fields = async (name) => {
    const id = sandbox.info.minicrm.cards[name].projectId;
    return (await sandbox.control('/minicrm/projects')).projects.find((p) => p.Id === id).Fields;
  };
  await waitFor(async () => (await fields('offerPayerEur')).SmartBillPaymentStatus === 'Încasată parțial', 'the partial payment on the card', 60000);
  await waitFor(async () => (await fields('offerBucharestRon')).SmartBillPaymentStatus === 'Încasată', 'the payment on the card', 60000);
  assert.equal((await fields('offerPersonRon')).SmartBillPaymentStatus, 'Neîncasată');
  await waitFor(async () => (await command(browser, { cmd: 'jobsStatus' })).jobs.payments.run?.status === 'done', 'the run to finish', 60000);
  // Only the two changed cards were written (each once, or once more if the worker died mid-write).
  const writes = (await sandbox.requests('minicrm')).slice(before).filter((r) => r.method === 'POST' && r.path.endsWith('/Project'));
  assert.ok(writes.length >= 2 && writes.length <= 3, `card writes: ${writes.length}`);
  const checks = (await sandbox.requests('smartbill')).filter((r) => r.path === '/SBORO/api/invoice/paymentstatus');
  const perNumber = {};
  for (const r of checks) {
    const n = new URLSearchParams(r.query).get('number');
    perNumber[n] = (perNumber[n] || 0) + 1;
  }
  assert.deepEqual(Object.keys(perNumber).sort(), ['0124', '0125', '0126'], 'none skipped');
  // The panel shows the paid amount.
  const card = await openCard(browser, sandbox.info, 'offerPayerEur');
  assert.match(await panel(card).locator('[data-testid="payment"]').innerText(), /Încasată parțial: 100 \/ /);
  await card.close();
});

/** The journal's list of open emissions, as stored. */
async function journalOpen() {
  const page = await browser.page('popup.html');
  const list = await page.evaluate(async () => (await chrome.storage.local.get('journal.open'))['journal.open']);
  await page.close();
  return list;
}

test('an alarm with nothing to do is answered by the first module; one with an emission left open starts the tick module', async () => {
  await configureAll(browser, sandbox.info);
  // The payment refresh, never run, is due: run now, so that nothing is.
  const asked = await command(browser, { cmd: 'syncNow', kind: 'payments' });
  assert.equal(asked.ok, true, JSON.stringify(asked));
  await waitFor(async () => (await command(browser, { cmd: 'jobsStatus' })).jobs.payments.run?.status === 'done', 'the refresh to finish');
  // The first tick makes the journal's list of open emissions (the full core's work, once).
  const first = await command(browser, { cmd: 'tick', alarm: 'tick' });
  assert.equal(first.ok, true, JSON.stringify(first));
  assert.deepEqual(await journalOpen(), ['']);
  await killWorker(browser);
  const calls = async () => (await sandbox.requests('minicrm')).length + (await sandbox.requests('smartbill')).length;
  const before = await calls();
  const idle = await command(browser, { cmd: 'tick', alarm: 'tick' });
  assert.equal(idle.ok, true, JSON.stringify(idle));
  assert.equal(idle.again, false, JSON.stringify(idle));
  assert.equal(idle.jobsDue, undefined, JSON.stringify(idle));
  assert.deepEqual(idle.alarms.map((a) => a.name), ['tick'], JSON.stringify(idle));
  const started = () => browser.worker().evaluate(() => /** @type {any} */ (self).mcsbTickStarted === true);
  assert.equal(await started(), false, 'a tick with nothing to do started the tick module');
  assert.equal(await calls(), before, 'a tick with nothing to do called a vendor');
  // The journal lists an emission as open (a worker stopped in the middle of one): the tick
  // module resumes it. This one is gone, so it takes it off the list.
  const popup = await browser.page('popup.html');
  await popup.evaluate(() => chrome.storage.local.set({ 'journal.open': ['', 'journal.invoice.404'] }));
  const resumed = await command(browser, { cmd: 'tick', alarm: 'tick' });
  assert.equal(resumed.ok, true, JSON.stringify(resumed));
  assert.equal(await started(), true, 'the tick with an open entry did not reach the tick module');
  // The cards' module has nothing to do with a tick.
  assert.equal(await browser.worker().evaluate(() => /** @type {any} */ (self).mcsbCoreStarted === true), false);
  await popup.close();
  assert.deepEqual(await journalOpen(), ['']);
});
