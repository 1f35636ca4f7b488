// Exactly once when the network, the worker, a colleague's browser or the page misbehave: the
// fault matrix of issue #9 in the real extension. Two browser profiles are two Chromium
// contexts on one sandbox. Every case ends with exactly one active document per card, or none
// with a clear message. Waits are for conditions (the request log, the panel, the card).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSandbox, launchBrowser, configureAll, openCard, panel, panelState, killWorker, freshCase, inContentScript, artifact, waitFor, moveCard,
} from './harness.mjs';

let sandbox;
let ana;
let bogdan;

before(async () => {
  sandbox = await startSandbox();
  ana = await launchBrowser();
  bogdan = await launchBrowser();
});

after(async () => {
  await ana?.close();
  await bogdan?.close();
  sandbox?.stop();
});

beforeEach(async () => {
  // Nothing of the previous case goes on: its workers stop before storage is cleared.
  await freshCase(sandbox, ana, bogdan);
});

const documents = async () => (await sandbox.control('/smartbill/documents')).documents.filter((d) => d.number);
const active = async () => (await documents()).filter((d) => !d.cancelled);
const fieldsOf = async (name) => {
  const id = sandbox.info.minicrm.cards[name].projectId;
  const { projects } = await sandbox.control('/minicrm/projects');
  return projects.find((p) => p.Id === id).Fields;
};
const posts = async () => (await sandbox.requests('smartbill')).filter((r) => r.method === 'POST').length;
const inflight = async () => (await sandbox.control('/inflight')).requests;
const click = (page, testid) => panel(page).locator(`button[data-testid="${testid}"]`).click();
const text = (page, testid) => panel(page).locator(`[data-testid="${testid}"]`).innerText();


async function setUp(browser, label, options = {}) {
  const page = await configureAll(browser, sandbox.info, options);
  await page.fill('#browserLabel', label);
  await page.click('#save');
  await page.locator('#saveStatus.ok').waitFor();
  await page.close();
}

test('the page cannot drive the panel: no shadow root, no untrusted click, no other card', async () => {
  await setUp(ana, 'Ana');
  const page = await openCard(ana, sandbox.info, 'offerBucharestRon');
  await panelState(page, 'notIssued');
  // The page's own scripts get no way into the panel.
  assert.equal(await page.evaluate(() => document.getElementById('minicrm-smartbill-panel').shadowRoot), null);
  assert.equal(await page.evaluate(() => typeof globalThis.chrome?.runtime?.sendMessage), 'undefined');
  // Even holding the button (here from the content script's own world), a script's click is not
  // a person's: nothing happens.
  await inContentScript(page, `(() => {
    const root = chrome.dom.openOrClosedShadowRoot(document.getElementById('minicrm-smartbill-panel'));
    root.querySelector('button[data-testid="emit"]').click();
    root.querySelector('button[data-testid="emit"]').dispatchEvent(new MouseEvent('click', { bubbles: true }));
    return true;
  })()`);
  // A message naming another card's URL acts on nothing: the core takes the card from the page
  // the browser says sent it, and that page's panel was drawn for another card.
  const other = sandbox.info.minicrm.cards.offerPersonRon;
  const otherUrl = `${sandbox.info.minicrm.base}/${sandbox.info.minicrm.systemId}/#Project-${other.categoryId}/${other.projectId}`;
  const reply = await inContentScript(page, `chrome.runtime.sendMessage({ cmd: 'card', url: ${JSON.stringify(otherUrl)}, action: 'emit' })`);
  assert.equal(reply.error?.code, 'emission.pageChanged', JSON.stringify(reply));
  // The page moves itself to another card; an action drawn for the first one is refused.
  const first = page.url();
  await page.evaluate((u) => { location.hash = new URL(u).hash; }, otherUrl);
  const moved = await inContentScript(page, `chrome.runtime.sendMessage({ cmd: 'card', url: ${JSON.stringify(first)}, action: 'emit' })`);
  assert.equal(moved.error?.code, 'emission.pageChanged', JSON.stringify(moved));
  assert.equal(await posts(), 0, 'nothing posted to SmartBill');
  assert.equal((await documents()).length, 0);
  // A person's click on the redrawn panel works, for the card now shown.
  await panelState(page, 'notIssued');
  await click(page, 'emit');
  await panelState(page, 'issued');
  assert.equal((await fieldsOf('offerPersonRon')).SmartBillInvoiceNumber, 'FCT 0124');
  assert.equal((await fieldsOf('offerBucharestRon')).SmartBillInvoiceNumber, '');
  await page.close();
});

test('a content script can read neither the SmartBill token nor the MiniCRM API key', async () => {
  await setUp(ana, 'Ana');
  const { smartbill, minicrm } = sandbox.info;
  const page = await openCard(ana, sandbox.info, 'offerBucharestRon');
  const local = await inContentScript(page, `chrome.storage.local.get(null).then((v) => JSON.stringify(v), (e) => 'refused: ' + e.message)`);
  assert.ok(!local.includes(smartbill.token) && !local.includes(minicrm.apiKey), local.slice(0, 300));
  assert.match(local, /^refused/, 'Chrome: storage.local is for trusted contexts only');
  // The secrets live in the extension origin's IndexedDB, which the page's origin cannot open.
  const dbs = await inContentScript(page, `indexedDB.databases().then((l) => JSON.stringify(l.map((d) => d.name)))`);
  assert.ok(!dbs.includes('minicrm-smartbill-secrets'), dbs);
  // The extension's own pages still see that they are set, never their values.
  const options = await ana.page('options.html');
  const settings = await options.evaluate(() => chrome.runtime.sendMessage({ cmd: 'getSettings' }));
  assert.equal(settings.settings.smartbill.tokenSet, true);
  assert.ok(!JSON.stringify(settings).includes(smartbill.token));
  await options.close();
  await page.close();
});

test('two colleagues clicking at once on one offer: one invoice, the other browser shows it', async () => {
  await setUp(ana, 'Ana');
  await setUp(bogdan, 'Bogdan');
  const a = await openCard(ana, sandbox.info, 'offerBucharestRon');
  const b = await openCard(bogdan, sandbox.info, 'offerBucharestRon');
  await Promise.all([click(a, 'emit'), click(b, 'emit')]);
  await waitFor(async () => (await active()).length === 1, 'one invoice');
  for (const page of [a, b]) {
    await panelState(page, ['issued', 'error', 'issuing'], 30000);
  }
  // The one that lost the claim says who is issuing, then shows the number; neither offers to
  // cancel the colleague's invoice.
  for (const page of [a, b]) {
    await page.reload();
    await panelState(page, 'issued', 30000);
    assert.equal(await text(page, 'number'), 'FCT 0124');
  }
  const cancels = await Promise.all([a, b].map((p) => panel(p).locator('button[data-testid="cancel"]').count()));
  assert.equal(cancels.filter((n) => n > 0).length, 1, 'only the issuing browser may cancel it');
  assert.equal((await active()).length, 1);
  assert.equal(await posts(), 1);
  await a.close();
  await b.close();
});

test('a colleague clicking while the first card write-back is slow (8 s) gets no second invoice', async () => {
  await setUp(ana, 'Ana');
  await setUp(bogdan, 'Bogdan');
  const doc = sandbox.info.minicrm.cards.offerPersonRon.documentId;
  await sandbox.control('/faults', { body: { service: 'minicrm', method: 'POST', path: `/Api/Offer/${doc}/Project`, kind: 'latency', ms: 8000 } });
  const a = await openCard(ana, sandbox.info, 'offerPersonRon');
  const b = await openCard(bogdan, sandbox.info, 'offerPersonRon');
  await click(a, 'emit');
  // Ana's invoice exists in SmartBill; her write-back has not landed on the card yet.
  await waitFor(async () => (await documents()).length === 1, 'SmartBill to issue');
  assert.equal((await fieldsOf('offerPersonRon')).SmartBillInvoiceNumber, '');
  await b.reload();
  await panelState(b, ['issuing', 'notIssued']);
  if ((await b.evaluate(() => document.getElementById('minicrm-smartbill-panel').dataset.state)) === 'notIssued') {
    await click(b, 'emit');
  }
  await b.screenshot({ path: artifact('e2e-colleague-claim.png') });
  await panelState(a, 'issued', 30000);
  await panelState(b, 'issued', 30000);
  assert.equal(await text(b, 'number'), await text(a, 'number'));
  assert.equal((await documents()).length, 1);
  assert.equal(await posts(), 1);
  assert.equal(await panel(b).locator('[data-testid="duplicates"]').count(), 0, 'no duplicate warning');
  await a.close();
  await b.close();
});

test('two browsers with automatic emission: one issues, the other steps down and says so', async () => {
  const auto = { auto: true, triggers: ['Acceptată'] };
  await setUp(ana, 'Ana', auto);
  await setUp(bogdan, 'Bogdan', auto);
  // A slow SmartBill keeps Ana's claim on the card while Bogdan's poller looks.
  await sandbox.control('/faults', { body: { service: 'smartbill', method: 'POST', path: '/SBORO/api/invoice/v2', kind: 'latency', ms: 3000 } });
  await moveCard(sandbox.info, 'offerPersonRon', 3003);
  const tick = (browser) => browser.page('popup.html').then(async (p) => {
    const r = await p.evaluate(() => chrome.runtime.sendMessage({ cmd: 'tick' }));
    await p.close();
    return r;
  });
  // Ana's tick claims the card. A tick that finds the previous case's tick still holding the
  // tick lease does nothing and says so: then the next tick (as the next alarm would) does it.
  const claimed = async () => (await fieldsOf('offerPersonRon')).SmartBillErrorMessage.includes('[sbclaim');
  let first;
  const replies = [];
  for (let i = 0; i < 3 && !first; i++) {
    let settled = false;
    const t = tick(ana).then((r) => { settled = true; replies.push(r); return r; });
    await waitFor(async () => (await claimed()) || settled, 'a claim on the card or the tick to end');
    if (await claimed()) first = t;
  }
  assert.ok(first, `no claim after 3 ticks: ${JSON.stringify(replies).slice(0, 1500)}`);
  await tick(bogdan);
  await first;
  await waitFor(async () => (await fieldsOf('offerPersonRon')).SmartBillInvoiceNumber !== '', 'the card to be filled');
  assert.equal((await documents()).length, 1);
  // The browser configured later met the other's automatic claim: it stepped down, and says who.
  const options = await bogdan.page('options.html');
  await options.locator('#otherRunner:not([hidden])').waitFor();
  assert.match(await options.locator('#otherRunner').innerText(), /Ana/);
  assert.equal(await options.locator('#runner').isChecked(), false);
  await options.screenshot({ path: artifact('e2e-other-runner.png'), fullPage: true });
  await options.close();
  await tick(bogdan);
  await tick(ana);
  assert.equal((await documents()).length, 1);
});

test('the worker stopped while a 3 s POST is in flight: nothing concluded early, one invoice', async () => {
  await setUp(ana, 'Ana');
  await sandbox.control('/faults', { body: { service: 'smartbill', method: 'POST', path: '/SBORO/api/invoice/v2', kind: 'latency', ms: 3000 } });
  const page = await openCard(ana, sandbox.info, 'offerBucharestRon');
  await click(page, 'emit');
  await waitFor(async () => (await inflight()).some((r) => r.path === '/SBORO/api/invoice/v2'), 'the POST in flight');
  await killWorker(ana);
  // A new worker wakes for the panel: it waits until the POST can no longer land (its timeout plus
  // a margin), and only then reads the series.
  await page.reload();
  await panelState(page, 'issuing');
  assert.match(await text(page, 'phase'), /Așteptăm până la/);
  await page.screenshot({ path: artifact('e2e-settling.png') });
  await panelState(page, 'issued', 40000);
  assert.equal((await active()).length, 1);
  assert.equal(await posts(), 1, 'never posted again');
  await waitFor(async () => (await fieldsOf('offerBucharestRon')).SmartBillInvoiceNumber === 'FCT 0124', 'the card to be filled');
  await page.close();
});

test('a POST that never answers: given up after its timeout, judged, then issued once', async () => {
  await setUp(ana, 'Ana');
  await sandbox.control('/faults', { body: { service: 'smartbill', method: 'POST', path: '/SBORO/api/invoice/v2', kind: 'hang' } });
  const page = await openCard(ana, sandbox.info, 'offerPayerEur');
  await click(page, 'emit');
  await panelState(page, 'issuing');
  // SmartBill never got it (the request hung before it was handled): once the timeout and the
  // margin have passed, the series proves it, and the click is done as asked.
  await panelState(page, 'issued', 60000);
  assert.equal((await active()).length, 1);
  await page.close();
});

test('MiniCRM slower than the claim bound: nothing posted, a clear message, then one invoice', async () => {
  await setUp(ana, 'Ana');
  const card = sandbox.info.minicrm.cards.offerPersonRon.projectId;
  // Every claim write takes longer than the bound D (300 ms in the tests' time scale).
  await sandbox.control('/faults', { body: { service: 'minicrm', method: 'PUT', path: `/Api/R3/Project/${card}`, kind: 'latency', ms: 600, times: 10 } });
  const page = await openCard(ana, sandbox.info, 'offerPersonRon');
  await click(page, 'emit');
  await panelState(page, 'error');
  assert.match(await text(page, 'error'), /MiniCRM a răspuns prea încet/);
  assert.equal(await posts(), 0);
  await sandbox.control('/faults', { method: 'DELETE' });
  await click(page, 'retry');
  await panelState(page, 'issued');
  assert.equal((await active()).length, 1);
  await page.close();
});

// Last in this file: the extension reloads itself, and an extension loaded with --load-extension
// does not come back from chrome.runtime.reload() in this harness (a store install does).
test('a trap in the core is answered at once with an error, and the extension restarts itself', async () => {
  await setUp(ana, 'Ana');
  const popup = await ana.page('popup.html');
  // Before the fix the trap left the caller without an answer: a card stuck on "loading".
  const reply = await popup.evaluate(() => chrome.runtime.sendMessage({ cmd: 'trap' }));
  assert.equal(reply.ok, false);
  assert.equal(reply.error.code, 'internal');
  assert.match(reply.error.message, /Eroare internă/);
  // Calls while the restart is pending get the same answer, never silence.
  const again = await popup.evaluate(() => chrome.runtime.sendMessage({ cmd: 'getSettings' })).catch(() => null);
  if (again) assert.equal(again.error.code, 'internal');
  // The poisoned worker goes away (chrome.runtime.reload).
  await waitFor(async () => ana.context.serviceWorkers().length === 0, 'the worker to be replaced');
});
