// Emission in the real extension against the sandbox: the panel's button, automatic emission on
// a status change, proformas, the vendor cases, cancel and storno, and the fault matrix. Each case
// checks the documents SmartBill holds (exactly one) and the card fields in the fake MiniCRM.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSandbox, launchBrowser, configureAll, openCard, panel, panelState, killWorker, freshCase, command, artifact, TIME_SCALE, decided,
  inContentScript, moveCard, aimAt, aimLanded,
} from './harness.mjs';
import { bodySchemas, checkBody } from './smartbill-spec.mjs';

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

const documents = async () => (await sandbox.control('/smartbill/documents')).documents;
const fieldsOf = async (name) => {
  const id = sandbox.info.minicrm.cards[name].projectId;
  const { projects } = await sandbox.control('/minicrm/projects');
  return projects.find((p) => p.Id === id).Fields;
};
const click = (page, testid) => panel(page).locator(`button[data-testid="${testid}"]`).click();
const text = (page, testid) => panel(page).locator(`[data-testid="${testid}"]`).innerText();

/** Lets SmartBill answer the held request to `path` once it has come (the panel's note shows
 * before the request leaves the worker). */
async function heldThenReleased(path) {
  await waitFor(async () => (await sandbox.control('/inflight')).requests.some((r) => r.path === path), `the request to ${path} held`);
  await sandbox.control('/release', { method: 'POST' });
}

/**
 * A slow worker: the panel's messages that `filter` (JS source over the message `m`) picks are
 * answered only when the case lets them go (the messages are the real ones, answered by the core
 * at once; only their answers wait, in the content script's world). `window.__late` holds them.
 */
async function holdAnswers(page, filter) {
  await inContentScript(page, `(() => {
    const real = chrome.runtime.sendMessage.bind(chrome.runtime);
    window.__late = [];
    chrome.runtime.sendMessage = (m) => {
      const answer = real(m);
      if (!(${filter})) return answer;
      return new Promise((resolve, reject) => window.__late.push(() => answer.then(resolve, reject)));
    };
  })()`);
}

/** Lets the held answers go; the panel's state once it has taken them. */
async function releaseHeld(page) {
  return inContentScript(page, `(async () => {
    await Promise.all(window.__late.splice(0).map((letGo) => letGo()));
    // The panel's own continuation of each answer is a microtask of the answer's: every one has
    // run before the next task, a posted message (no timer: the same on any machine's speed).
    await new Promise((r) => { const c = new MessageChannel(); c.port1.onmessage = r; c.port2.postMessage(0); });
    return document.getElementById('minicrm-smartbill-panel').dataset.state;
  })()`);
}

async function waitFor(check, what, timeout = 15000) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('offer: the button issues one invoice, the five fields and the panel show it', async () => {
  await configureAll(browser, sandbox.info);
  const page = await openCard(browser, sandbox.info, 'offerBucharestRon');
  assert.equal(await panelState(page, 'notIssued'), 'notIssued');
  assert.equal(await panel(page).locator('button[data-testid="emit"]').innerText(), 'Emite factură');
  await click(page, 'emit');
  await panelState(page, 'issued');
  assert.equal(await text(page, 'number'), 'FCT 0124');
  assert.equal(await text(page, 'payment'), 'Neîncasată');
  const docs = await documents();
  assert.equal(docs.length, 1);
  const doc = docs[0];
  // Bucharest client, discount line, totals equal to MiniCRM's Amount.
  assert.equal(doc.client.city, 'Sector 3');
  assert.ok(doc.lines.some((l) => l.isDiscount));
  assert.equal(Number(doc.totals.total), Number(sandbox.info.minicrm.cards.offerBucharestRon.amount));
  assert.equal(await panel(page).locator('a[data-testid="link"]').getAttribute('href'), doc.documentUrl);
  const fields = await fieldsOf('offerBucharestRon');
  assert.equal(fields.SmartBillInvoiceNumber, 'FCT 0124');
  assert.equal(fields.SmartBillInvoiceLink, doc.documentUrl);
  assert.equal(fields.SmartBillPaymentStatus, 'Neîncasată');
  assert.match(fields.SmartBillInvoicePdf, /Download\/S3/);
  assert.equal(fields.SmartBillErrorMessage, '');
  // The card page shows the fields (the fake CRM refreshes itself).
  await page.click('[data-testid="tab-project"]');
  await page.locator('[data-testid="field-SmartBillInvoiceNumber"]', { hasText: 'FCT 0124' }).waitFor();
  await page.screenshot({ path: artifact('e2e-card-issued.png') });
  // "Descarcă PDF": fetched by the background with the credentials, saved as a file.
  const [download] = await Promise.all([page.waitForEvent('download'), click(page, 'pdf')]);
  assert.equal(download.suggestedFilename(), 'facturaFCT0124.pdf');
  await page.close();
});

test('order: the button issues one invoice into the order card\'s fields', async () => {
  await configureAll(browser, sandbox.info, { module: 'orders' });
  const page = await openCard(browser, sandbox.info, 'orderPayerRon');
  await click(page, 'emit');
  await panelState(page, 'issued');
  assert.equal((await documents()).length, 1);
  const fields = await fieldsOf('orderPayerRon');
  assert.equal(fields.NumarFacturaSmartBill, 'FCT 0124');
  assert.equal(fields.StarePlataSmartBill, 'Neîncasată');
  assert.ok(fields.LinkSmartBill.includes('/documente/editare/factura/'));
  await page.close();
});

test('a status change issues the invoice without a click (offer, individual, 11 %)', async () => {
  await configureAll(browser, sandbox.info, { auto: true, triggers: ['Acceptată'] });
  const page = await openCard(browser, sandbox.info, 'offerPersonRon');
  // The panel watches the card from now on: a status change is noticed.
  await decided(page);
  await page.selectOption('[data-testid="status-select"]', { label: 'Acceptată' });
  await panelState(page, 'issued', 30000);
  const docs = await documents();
  assert.equal(docs.length, 1);
  assert.equal(docs[0].client.vatCode, '1850315224515');
  assert.ok(docs[0].lines.some((l) => l.taxPercentage === '11'));
  // Later ticks do not issue it again.
  await command(browser, { cmd: 'tick' });
  await command(browser, { cmd: 'tick' });
  assert.equal((await documents()).length, 1);
  await page.close();
});

test('an order reaching "Finalizată" is issued by the poller', async () => {
  await configureAll(browser, sandbox.info, { module: 'orders', auto: true, triggers: ['Finalizată'] });
  await moveCard(sandbox.info, 'orderBucharestRon', 3103);
  const reply = await command(browser, { cmd: 'tick' });
  assert.equal(reply.poll.emitted, 1, JSON.stringify(reply));
  assert.equal((await documents()).length, 1);
  assert.equal((await fieldsOf('orderBucharestRon')).NumarFacturaSmartBill, 'FCT 0124');
});

test('the worker names the alarm: a "continue" alarm\'s tick does not poll, the "tick" alarm\'s does', async () => {
  // Unscaled time: the "tick" alarm the continue tick sets again fires only after its period of
  // minutes, so nothing but the alarms this test fires ticks meanwhile, however slow the machine.
  await configureAll(browser, sandbox.info, { auto: true, triggers: ['Acceptată'], timeScale: 1 });
  await moveCard(sandbox.info, 'offerPersonRon', 3003);
  // The poll's own call: the module's cards changed since its watermark.
  const polls = async () => (await sandbox.requests('minicrm')).filter((r) => r.method === 'GET' && r.path === '/Api/R3/Project').length;
  const before = await polls();
  const page = await browser.page('popup.html');
  try {
    // Only the "continue" alarm. Its tick's reply sets the "tick" alarm again (applied after the
    // tick's work), which says that the tick is done.
    await page.evaluate(async () => {
      await chrome.alarms.clearAll();
      await chrome.alarms.create('continue', { when: Date.now() });
    });
    await waitFor(() => page.evaluate(async () => Boolean(await chrome.alarms.get('tick'))), 'the continue tick\'s alarms');
    assert.equal(await polls(), before, 'the continue alarm\'s tick polled for trigger statuses');
    assert.equal((await documents()).length, 0);
    // The "tick" alarm, fired now instead of at the end of its period, polls and issues it.
    await page.evaluate(() => chrome.alarms.create('tick', { when: Date.now() }));
    await waitFor(async () => (await documents()).length === 1, 'the tick alarm\'s emission', 30000);
    assert.ok(await polls() > before);
  } finally {
    await page.close();
  }
});

test('a proforma for a EUR offer goes to /estimate/v2', async () => {
  await configureAll(browser, sandbox.info, { kind: 'proforma' });
  const page = await openCard(browser, sandbox.info, 'offerPayerEur');
  assert.equal(await panel(page).locator('button[data-testid="emit"]').innerText(), 'Emite proformă');
  await click(page, 'emit');
  await panelState(page, 'issued');
  assert.equal(await text(page, 'number'), 'PRF 0037');
  const [doc] = await documents();
  assert.equal(doc.kind, 'estimate');
  assert.equal(doc.currency, 'EUR');
  assert.equal(doc.exchangeRate, '4.975');
  assert.equal(Number(doc.totals.total), Number(sandbox.info.minicrm.cards.offerPayerEur.amount));
  await page.close();
});

test('insufficient stock names the product, the warehouse and what is available', async () => {
  await configureAll(browser, sandbox.info, { stock: 'Depozit Central' });
  const page = await openCard(browser, sandbox.info, 'offerStockShort');
  assert.match(await text(page, 'stock-managed'), /gestionează din SmartBill/);
  await click(page, 'emit');
  await panelState(page, 'error');
  const message = await text(page, 'error');
  assert.match(message, /Stoc insuficient pentru „Toner HP 85A” \(TON-HP\) în gestiunea „Depozit Central”: disponibil 2 buc, necesar 5 buc/);
  assert.match(message, /Cantitate stoc insuficienta/);
  assert.equal((await documents()).length, 0);
  assert.match((await fieldsOf('offerStockShort')).SmartBillErrorMessage, /Stoc insuficient/);
  await page.screenshot({ path: artifact('e2e-card-insufficient-stock.png') });
  await page.close();
});

test('a wrong series is explained on the panel and the card', async () => {
  await configureAll(browser, sandbox.info, { series: 'XYZ' });
  const page = await openCard(browser, sandbox.info, 'offerPersonRon');
  await click(page, 'emit');
  await panelState(page, 'error');
  assert.match(await text(page, 'error'), /Seria „XYZ” nu există în SmartBill/);
  assert.match((await fieldsOf('offerPersonRon')).SmartBillErrorMessage, /„XYZ”/);
  assert.equal(await panel(page).locator('button[data-testid="retry"]').innerText(), 'Reîncearcă');
  assert.equal((await documents()).length, 0);
  await page.close();
});

test('cancel, issue again, then storno — each after a confirmation, and the panel says what it does meanwhile', async () => {
  await configureAll(browser, sandbox.info);
  const page = await openCard(browser, sandbox.info, 'offerPersonRon');
  await click(page, 'emit');
  await panelState(page, 'issued');
  await click(page, 'cancel');
  assert.match(await panel(page).locator('[data-testid="confirm-box"]').innerText(), /Anulezi factură FCT 0124/);
  // While SmartBill has not answered, the panel says what it is doing; the note goes with the answer.
  await sandbox.control('/faults', { body: { service: 'smartbill', method: 'PUT', path: '/SBORO/api/invoice/cancel', kind: 'hold', times: 1 } });
  await click(page, 'confirm-yes');
  assert.equal(await text(page, 'working'), 'Se anulează FCT 0124 în SmartBill…');
  assert.equal(await panel(page).locator('button[data-testid="cancel"]').isDisabled(), true);
  await heldThenReleased('/SBORO/api/invoice/cancel');
  await panelState(page, 'cancelled');
  assert.equal(await panel(page).locator('[data-testid="working"]').count(), 0);
  assert.equal((await fieldsOf('offerPersonRon')).SmartBillPaymentStatus, 'Anulată');
  assert.equal((await documents())[0].cancelled, true);
  await click(page, 'reissue');
  await click(page, 'confirm-yes');
  await panelState(page, 'issued');
  assert.equal(await text(page, 'number'), 'FCT 0125');
  await click(page, 'reverse');
  await sandbox.control('/faults', { body: { service: 'smartbill', method: 'POST', path: '/SBORO/api/invoice/reverse', kind: 'hold', times: 1 } });
  await click(page, 'confirm-yes');
  assert.equal(await text(page, 'working'), 'Se emite factura de stornare pentru FCT 0125…');
  await heldThenReleased('/SBORO/api/invoice/reverse');
  await panelState(page, 'reversed');
  assert.equal(await panel(page).locator('[data-testid="working"]').count(), 0);
  assert.match(await text(page, 'storno'), /FCT 0126/);
  const fields = await fieldsOf('offerPersonRon');
  assert.equal(fields.SmartBillPaymentStatus, 'Stornată');
  assert.equal(fields.SmartBillInvoiceNumber, 'FCT 0125');
  const docs = await documents();
  assert.equal(docs.length, 3);
  assert.equal(docs[2].reverses.number, '0125');
  await page.screenshot({ path: artifact('e2e-card-reversed.png') });
  await page.close();
});

test('a late answer to the panel\'s progress look does not draw "issuing" over the next action', async () => {
  await configureAll(browser, sandbox.info);
  const page = await openCard(browser, sandbox.info, 'offerPersonRon');
  // The panel's progress looks (`panelState`) are answered only when the case lets them go.
  await holdAnswers(page, "m.cmd === 'panelState'");
  const v2 = '/SBORO/api/invoice/v2';
  await sandbox.control('/faults', { body: { service: 'smartbill', method: 'POST', path: v2, kind: 'hold', times: 1 } });
  await click(page, 'emit');
  // The emission waits for SmartBill; the panel looks at its progress meanwhile (the answer: issuing).
  await waitFor(async () => (await inContentScript(page, 'window.__late.length')) > 0, 'a progress look');
  await heldThenReleased(v2);
  await panelState(page, 'issued');
  // The next action runs (SmartBill holds the cancel) when the old look's answer comes.
  const cancel = '/SBORO/api/invoice/cancel';
  await sandbox.control('/faults', { body: { service: 'smartbill', method: 'PUT', path: cancel, kind: 'hold', times: 1 } });
  await click(page, 'cancel');
  await click(page, 'confirm-yes');
  assert.equal(await text(page, 'working'), 'Se anulează FCT 0124 în SmartBill…');
  const state = await releaseHeld(page);
  assert.equal(state, 'issued', 'the panel shows the invoice being cancelled, not the old "issuing"');
  await heldThenReleased(cancel);
  await panelState(page, 'cancelled');
  assert.equal((await documents()).length, 1);
  await page.close();
});

test('a look at the page\'s change answered while an invoice is issued is not drawn over "issuing"', async () => {
  await configureAll(browser, sandbox.info);
  // A page that does not refresh itself: only the person's change moves its DOM.
  const page = await openCard(browser, sandbox.info, 'offerPersonRon', { still: true });
  await decided(page);
  await waitFor(async () => !(await inContentScript(page, 'window.__mcsbChecking === true')), 'the panel to see the page as drawn');
  // The panel's looks at a change of the page (`card` / `changed`) are answered only when the
  // case lets them go.
  await holdAnswers(page, "m.cmd === 'card' && m.action === 'changed'");
  const answers = () => inContentScript(page, 'window.__mcsbAnswers || 0');
  // The person moves the card back to the draft status (no trigger): the panel looks.
  await page.selectOption('[data-testid="status-select"]', { label: 'Ofertă în pregătire' });
  await waitFor(async () => (await inContentScript(page, 'window.__late.length')) > 0, 'a look at the change');
  // Before its answer comes, the person issues the invoice (SmartBill holds it).
  const v2 = '/SBORO/api/invoice/v2';
  await sandbox.control('/faults', { body: { service: 'smartbill', method: 'POST', path: v2, kind: 'hold', times: 1 } });
  await click(page, 'emit');
  await panelState(page, 'issuing');
  const before = await answers();
  const state = await releaseHeld(page);
  assert.ok((await answers()) > before, 'the late answer came');
  assert.equal(state, 'issuing', 'the panel still shows the invoice being issued');
  await heldThenReleased(v2);
  await panelState(page, 'issued');
  assert.equal((await documents()).length, 1);
  await page.close();
});

test('a question stays open while the panel redraws, and goes when a colleague settles it', async () => {
  await configureAll(browser, sandbox.info);
  const a = await openCard(browser, sandbox.info, 'offerPayerEur');
  await click(a, 'emit');
  await panelState(a, 'issued');
  const b = await openCard(browser, sandbox.info, 'offerPayerEur');
  await panelState(b, 'issued');
  // A asks to cancel. While the question is open, the payment refresh records a part payment,
  // then a colleague moves the card to "Acceptată" on the page: the panel looks at the card again
  // and redraws with the payment. The question is still there.
  await click(a, 'cancel');
  const redraws = () => inContentScript(a, 'window.__mcsbRedraws || 0');
  const before = await redraws();
  await sandbox.control('/smartbill/payment', { body: { series: 'FCT', number: '0124', amount: 100 } });
  await command(browser, { cmd: 'syncNow' });
  await waitFor(async () => (await fieldsOf('offerPayerEur')).SmartBillPaymentStatus === 'Încasată parțial', 'the part payment on the card', 60000);
  await moveCard(sandbox.info, 'offerPayerEur', 3003);
  await waitFor(async () => /Încasată parțial/.test(await text(a, 'payment')), 'the part payment on the panel', 60000);
  assert.ok((await redraws()) > before, 'the panel was drawn anew');
  assert.match(await text(a, 'confirm-box'), /Anulezi factură FCT 0124/);
  // B asks the same; A confirms first. B's card changes under its question, and the question goes
  // with the action it was about.
  await click(b, 'cancel');
  await click(a, 'confirm-yes');
  await panelState(a, 'cancelled');
  await panelState(b, 'cancelled');
  assert.equal(await panel(b).locator('[data-testid="confirm-box"]').count(), 0);
  const docs = await documents();
  assert.equal(docs.length, 1);
  assert.equal(docs[0].cancelled, true);
  await a.close();
  await b.close();
});

test('a cancel confirmed for a number the card no longer has does nothing, and says why', async () => {
  await configureAll(browser, sandbox.info);
  const a = await openCard(browser, sandbox.info, 'offerPersonRon');
  await click(a, 'emit');
  await panelState(a, 'issued');
  // A tab whose CRM page does not refresh itself: its panel keeps the question as it was read.
  const b = await openCard(browser, sandbox.info, 'offerPersonRon', { still: true });
  await panelState(b, 'issued');
  // The page has drawn its card, and the panel has looked at that: nothing else changes it.
  await b.waitForFunction(() => document.querySelector('#status-select')?.dataset.value);
  await waitFor(async () => !(await inContentScript(b, 'window.__mcsbChecking === true')), 'the panel to see the page as drawn');
  await click(b, 'cancel');
  assert.match(await text(b, 'confirm-box'), /FCT 0124/);
  // Meanwhile FCT 0124 is cancelled and FCT 0125 issued in the other tab.
  await click(a, 'cancel');
  await click(a, 'confirm-yes');
  await panelState(a, 'cancelled');
  await click(a, 'reissue');
  await click(a, 'confirm-yes');
  await panelState(a, 'issued');
  assert.equal(await text(a, 'number'), 'FCT 0125');
  // The question still names FCT 0124; confirmed now, nothing is cancelled.
  assert.match(await text(b, 'confirm-box'), /FCT 0124/);
  await click(b, 'confirm-yes');
  assert.match(await text(b, 'error'), /Ai confirmat pentru FCT 0124, dar documentul cardului este acum FCT 0125/);
  assert.equal(await text(b, 'number'), 'FCT 0125');
  await b.screenshot({ path: artifact('e2e-card-stale-confirmation.png') });
  const docs = await documents();
  assert.equal(docs.length, 2);
  assert.equal(docs[1].cancelled, false, 'FCT 0125 stays');
  assert.equal((await fieldsOf('offerPersonRon')).SmartBillInvoiceNumber, 'FCT 0125');
  await a.close();
  await b.close();
});

test('the page changing under an unchanged panel keeps the buttons a click may be on', async () => {
  await configureAll(browser, sandbox.info);
  const page = await openCard(browser, sandbox.info, 'offerPayerEur');
  await click(page, 'emit');
  await panelState(page, 'issued');
  const root = "chrome.dom.openOrClosedShadowRoot(document.getElementById('minicrm-smartbill-panel'))";
  await inContentScript(page, `${root}.querySelector('[data-testid="cancel"]').dataset.kept = 'yes'`);
  const count = () => inContentScript(page, '[window.__mcsbAnswers || 0, window.__mcsbRedraws || 0]');
  const [answers, redraws] = await count();
  // A colleague moves the card to "Acceptată" (no automatic emission here): the panel asks the
  // core about the card again, and the answer is the view it already shows.
  await moveCard(sandbox.info, 'offerPayerEur', 3003);
  await waitFor(async () => (await count())[0] > answers, 'the panel to ask again');
  assert.equal((await count())[1], redraws, 'not drawn anew');
  assert.equal(await inContentScript(page, `${root}.querySelector('[data-testid="cancel"]').dataset.kept`), 'yes');
  await page.close();
});

test('a second status change soon after the panel\'s last look is looked at too: it issues the invoice', async () => {
  await configureAll(browser, sandbox.info, { auto: true, triggers: ['Acceptată'] });
  // A page that does not refresh itself: only the person's two changes move its DOM.
  const page = await openCard(browser, sandbox.info, 'offerPersonRon', { still: true });
  await decided(page);
  const looked = () => inContentScript(page, '[window.__mcsbAnswers || 0, !!window.__mcsbChecking]');
  const [before] = await looked();
  // The card is "Trimisă clientului": back to the draft status first (no trigger).
  await page.selectOption('[data-testid="status-select"]', { label: 'Ofertă în pregătire' });
  await waitFor(async () => {
    const [answers, pending] = await looked();
    return answers > before && !pending;
  }, 'the panel to look at the first change');
  assert.equal((await documents()).length, 0);
  // At once, well within the 3 s the panel leaves between two looks: this change waits its
  // turn. Dropped, nothing else on this page would ever make the panel look again.
  await page.selectOption('[data-testid="status-select"]', { label: 'Acceptată' });
  await panelState(page, 'issued', 30000);
  assert.equal((await documents()).length, 1);
  await page.close();
});

// --- Fault matrix: each case ends with exactly one document and the card right. ------------

test('double click: one document', async () => {
  await configureAll(browser, sandbox.info);
  await sandbox.control('/faults', { body: { service: 'smartbill', path: '/SBORO/api/invoice', kind: 'latency', ms: 400 } });
  const page = await openCard(browser, sandbox.info, 'offerPersonRon');
  const button = panel(page).locator('button[data-testid="emit"]');
  await button.dblclick();
  await panelState(page, 'issued');
  assert.equal((await documents()).length, 1);
  await page.close();
});

// The tests click as a person does, at the element's place. The panel may redraw between the
// measuring and the click (a look answered meanwhile moves what is below it); such a click would
// press another button, so the harness stops it and aims again. Here the click lands on "–".
test('the tests\' clicks act only where they aim: one the panel moved from is stopped', async () => {
  await configureAll(browser, sandbox.info);
  const page = await openCard(browser, sandbox.info, 'offerPersonRon');
  await panelState(page, 'notIssued');
  const fold = await aimAt(page, 'button[data-testid="collapse"]');
  assert.ok(await aimAt(page, 'button[data-testid="emit"]'));
  await page.mouse.click(fold.x, fold.y);
  assert.equal(await aimLanded(page), 'missed');
  const folded = () => inContentScript(page, `chrome.dom.openOrClosedShadowRoot(document.getElementById('minicrm-smartbill-panel')).querySelector('.panel').classList.contains('collapsed')`);
  assert.equal(await folded(), false, 'the button under the click did nothing');
  // Aimed at "–" now, the same click folds the panel; "Emite" was never pressed.
  assert.ok(await aimAt(page, 'button[data-testid="collapse"]'));
  await page.mouse.click(fold.x, fold.y);
  assert.equal(await aimLanded(page), 'hit');
  assert.equal(await folded(), true);
  assert.equal(await panelState(page, 'notIssued'), 'notIssued');
  assert.equal((await documents()).length, 0);
  await page.close();
});

test('two tabs clicking at once: one document, both tabs show it', async () => {
  await configureAll(browser, sandbox.info);
  await sandbox.control('/faults', { body: { service: 'smartbill', path: '/SBORO/api/invoice', kind: 'latency', ms: 500 } });
  const a = await openCard(browser, sandbox.info, 'offerPayerEur');
  const b = await openCard(browser, sandbox.info, 'offerPayerEur');
  await Promise.all([click(a, 'emit'), click(b, 'emit')]);
  await panelState(a, 'issued');
  await panelState(b, 'issued');
  assert.equal((await documents()).length, 1);
  assert.equal(await text(b, 'number'), 'FCT 0124');
  await a.close();
  await b.close();
});

test('button plus poller at the same moment: one document', async () => {
  await configureAll(browser, sandbox.info, { auto: true, triggers: ['Acceptată'] });
  const page = await openCard(browser, sandbox.info, 'offerBucharestRon');
  await moveCard(sandbox.info, 'offerBucharestRon', 3003);
  await sandbox.control('/faults', { body: { service: 'smartbill', path: '/SBORO/api/invoice', kind: 'latency', ms: 400 } });
  // A fresh worker: the click starts the full core and the tick the tick module, two WASM
  // instances that meet only in the worker's shared locks (and the card's claim).
  await killWorker(browser);
  await Promise.all([click(page, 'emit'), command(browser, { cmd: 'tick' })]);
  await panelState(page, 'issued');
  await command(browser, { cmd: 'tick' });
  assert.equal((await documents()).length, 1);
  assert.equal((await fieldsOf('offerBucharestRon')).SmartBillInvoiceNumber, 'FCT 0124');
  const started = await browser.worker().evaluate(() => [/** @type {any} */ (self).mcsbCoreStarted === true, /** @type {any} */ (self).mcsbTickStarted === true]);
  assert.deepEqual(started, [true, true], 'the full core and the tick module both ran');
  await page.close();
});

test('the worker stopped between the POST and the write-back: finished after restart', async () => {
  await configureAll(browser, sandbox.info);
  const doc = sandbox.info.minicrm.cards.offerPersonRon.documentId;
  await sandbox.control('/faults', { body: { service: 'minicrm', method: 'POST', path: `/Api/Offer/${doc}/Project`, kind: 'hang' } });
  const page = await openCard(browser, sandbox.info, 'offerPersonRon');
  await click(page, 'emit');
  await waitFor(async () => (await documents()).length === 1, 'SmartBill to issue');
  await killWorker(browser);
  await sandbox.control('/faults', { method: 'DELETE' });
  // The panel notices the lost worker, asks again (waking a new worker), which finishes the job.
  await panelState(page, 'issued', 30000);
  await waitFor(async () => (await fieldsOf('offerPersonRon')).SmartBillInvoiceNumber === 'FCT 0124', 'the card to be filled');
  assert.equal((await documents()).length, 1);
  const posts = (await sandbox.requests('smartbill')).filter((r) => r.method === 'POST');
  assert.equal(posts.length, 1, 'never re-posted');
  await page.close();
});

test('the connection dropped after SmartBill committed: one active invoice, never re-posted by us', async () => {
  await configureAll(browser, sandbox.info);
  await sandbox.control('/faults', { body: { service: 'smartbill', method: 'POST', path: '/SBORO/api/invoice/v2', kind: 'drop_after_commit' } });
  const page = await openCard(browser, sandbox.info, 'offerPayerEur');
  await click(page, 'emit');
  await panelState(page, 'issued');
  // Chrome re-sends a POST by itself when a reused keep-alive connection closes before any
  // answer; SmartBill then holds the request twice. The extension notices (same total, same
  // moment) and asks the user to cancel the duplicate instead of hiding it.
  const posts = (await sandbox.requests('smartbill')).filter((r) => r.method === 'POST');
  if (posts.length === 2) {
    assert.equal(posts[1].seq, posts[0].seq + 1, 'the second POST is the browser\'s own resend, with no call of ours between');
    const warning = panel(page).locator('[data-testid="duplicates"]');
    assert.match(await warning.innerText(), /SmartBill are și FCT 0124, cu același total/);
    assert.match((await fieldsOf('offerPayerEur')).SmartBillErrorMessage, /duplicat/);
    await page.screenshot({ path: artifact('e2e-card-duplicate-warning.png') });
    await click(page, 'cancel-duplicate');
    await click(page, 'confirm-yes');
    await panel(page).locator('[data-testid="duplicates"]').waitFor({ state: 'detached' });
  }
  const active = (await documents()).filter((d) => !d.cancelled);
  assert.equal(active.length, 1, 'exactly one active invoice');
  const fields = await fieldsOf('offerPayerEur');
  assert.equal(fields.SmartBillInvoiceNumber, `FCT ${active[0].number}`);
  assert.equal(fields.SmartBillErrorMessage, '');
  await page.close();
});

test('SmartBill 5xx: an error to retry, then one document', async () => {
  await configureAll(browser, sandbox.info);
  await sandbox.control('/faults', { body: { service: 'smartbill', method: 'POST', path: '/SBORO/api/invoice/v2', kind: 'status', status: 503, body: '<html><body><h1>503 Service Unavailable</h1></body></html>' } });
  const page = await openCard(browser, sandbox.info, 'offerPersonRon');
  await click(page, 'emit');
  await panelState(page, 'error');
  assert.match(await text(page, 'error'), /SmartBill nu funcționează momentan \(HTTP 503\)/);
  await click(page, 'retry');
  await panelState(page, 'issued');
  assert.equal((await documents()).length, 1);
  await page.close();
});

test('SmartBill lockout: all SmartBill work pauses, says until when, and resumes', async () => {
  await configureAll(browser, sandbox.info);
  // Sped-up time: the sandbox's 10-minute block lasts 1 s, and so does our governor's.
  await sandbox.control('/clock', { body: { speed: 600 } });
  const opt = await browser.page('options.html');
  await opt.evaluate(async () => {
    const { settings } = await chrome.storage.local.get('settings');
    settings.advanced = { timeScale: 600 };
    await chrome.storage.local.set({ settings });
  });
  await opt.close();
  await sandbox.control('/smartbill/limit', { body: { calls: 1, windowMs: 60000, blockMs: 600000 } });
  const page = await openCard(browser, sandbox.info, 'offerPersonRon');
  await click(page, 'emit');
  await panelState(page, 'error');
  assert.match(await text(page, 'error'), /SmartBill a blocat temporar apelurile.*se reia automat/s);
  assert.equal((await documents()).length, 0);
  await sandbox.control('/smartbill/limit', { body: { calls: 30, windowMs: 10000, blockMs: 600000 } });
  // Our governor holds SmartBill work until the lockout it recorded ends.
  const watch = await browser.page('options.html');
  await watch.waitForFunction(async () => {
    const g = (await chrome.storage.local.get('governor.smartbill'))['governor.smartbill'];
    return !g || !g.blockedUntil || g.blockedUntil < Date.now();
  }, null, { timeout: 20000, polling: 100 });
  await watch.close();
  await click(page, 'retry');
  await panelState(page, 'issued');
  assert.equal((await documents()).length, 1);
  await sandbox.control('/clock', { body: { speed: TIME_SCALE } });
  await page.close();
});

test('MiniCRM 429 on the write-back: waited out, the card is right', async () => {
  await configureAll(browser, sandbox.info);
  const doc = sandbox.info.minicrm.cards.offerBucharestRon.documentId;
  await sandbox.control('/faults', { body: { service: 'minicrm', method: 'POST', path: `/Api/Offer/${doc}/Project`, kind: 'status', status: 429, body: 'Too Many Requests', times: 1 } });
  const page = await openCard(browser, sandbox.info, 'offerBucharestRon');
  await click(page, 'emit');
  await panelState(page, 'issued', 40000);
  await waitFor(async () => (await fieldsOf('offerBucharestRon')).SmartBillInvoiceNumber === 'FCT 0124', 'the card to be filled', 40000);
  assert.equal((await documents()).length, 1);
  const statuses = (await sandbox.requests('minicrm')).filter((r) => r.method === 'POST' && r.path.endsWith('/Project')).map((r) => r.status);
  assert.deepEqual(statuses.slice(0, 2), [429, 200]);
  await page.close();
});

test('storage.local at Chrome\'s 10 MB quota (years of journal): the invoice is issued and kept', async () => {
  await configureAll(browser, sandbox.info);
  // What years of use leave in storage.local, up to 100 bytes under the quota Chrome holds an
  // extension to without unlimitedStorage (key length plus JSON, as Chrome counts). The worker
  // may write beside it meanwhile (an alarm's tick): less than a journal entry stays free.
  const page = await browser.page('popup.html');
  const filled = await page.evaluate(async () => {
    const quota = chrome.storage.local.QUOTA_BYTES;
    // Topped up until it holds: a key the worker removes meanwhile frees its bytes again.
    for (let i = 0; i < 10; i += 1) {
      const key = `test.filler.${i}`;
      const free = quota - 100 - (await chrome.storage.local.getBytesInUse(null)) - key.length - 2;
      if (free <= 0) break;
      await chrome.storage.local.set({ [key]: 'x'.repeat(free) });
    }
    return { quota, used: await chrome.storage.local.getBytesInUse(null) };
  });
  assert.ok(filled.quota - filled.used < 1000, `${filled.used} of ${filled.quota} bytes`);
  const card = await openCard(browser, sandbox.info, 'offerBucharestRon');
  await click(card, 'emit');
  await panelState(card, 'issued');
  assert.equal(await text(card, 'number'), 'FCT 0124');
  assert.equal((await documents()).length, 1);
  assert.equal((await fieldsOf('offerBucharestRon')).SmartBillInvoiceNumber, 'FCT 0124');
  // The journal went past the quota.
  assert.ok(await page.evaluate(() => chrome.storage.local.getBytesInUse(null)) > filled.quota);
  await card.close();
  await page.close();
});

test('a draft, in an English browser: one document, the panel names it a draft in English, and the core\'s errors are English', async () => {
  // Its own browser, whose UI language is English (chrome.i18n); the card keeps the core's name.
  const en = await launchBrowser({ locale: 'en-US' });
  try {
    await configureAll(en, sandbox.info, { draft: true });
    const page = await openCard(en, sandbox.info, 'offerBucharestRon');
    await panelState(page, 'notIssued');
    await click(page, 'emit');
    await panelState(page, 'issued');
    const series = sandbox.info.smartbill.invoiceSeries;
    assert.equal(await text(page, 'number'), `Draft ${series}`);
    // Nothing fiscal was issued: the badge says draft, not issued.
    assert.equal(await text(page, 'state'), 'Draft');
    assert.match(await text(page, 'draft-hint'), /^A draft was created in SmartBill/);
    const docs = await documents();
    assert.equal(docs.length, 1);
    assert.equal(docs[0].isDraft, true);
    assert.equal((await fieldsOf('offerBucharestRon')).SmartBillInvoiceNumber, `Ciornă ${series}`);
    await page.screenshot({ path: artifact('e2e-draft-en.png') });
    await page.close();
    // The core's own texts in English too: the worker's vendor modules carry only the Romanian
    // ones and read the others from _locales/ (chrome.i18n).
    await configureAll(en, sandbox.info, { series: 'XYZ' });
    const other = await openCard(en, sandbox.info, 'offerPersonRon');
    await click(other, 'emit');
    await panelState(other, 'error');
    assert.match(await text(other, 'error'), /^The series "XYZ" does not exist in SmartBill for this document type \(available: /);
    // The card is the team's: its error field stays Romanian (emission::card_message).
    assert.match((await fieldsOf('offerPersonRon')).SmartBillErrorMessage, /^Seria „XYZ” nu există în SmartBill/);
    await other.close();
  } finally {
    await en.close();
  }
});

test('the browser restarted mid-job: the job finishes on the next start', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'mcsb-restart-'));
  let own = await launchBrowser({ userDataDir: dir });
  try {
    await configureAll(own, sandbox.info);
    const doc = sandbox.info.minicrm.cards.offerPayerEur.documentId;
    await sandbox.control('/faults', { body: { service: 'minicrm', method: 'POST', path: `/Api/Offer/${doc}/Project`, kind: 'hang' } });
    const page = await openCard(own, sandbox.info, 'offerPayerEur');
    await click(page, 'emit');
    await waitFor(async () => (await documents()).length === 1, 'SmartBill to issue');
    await own.close();
    await sandbox.control('/faults', { method: 'DELETE' });
    own = await launchBrowser({ userDataDir: dir });
    // On start the worker runs a tick that finishes unfinished work.
    await waitFor(async () => (await fieldsOf('offerPayerEur')).SmartBillInvoiceNumber === 'FCT 0124', 'the card to be filled after the restart', 30000);
    const again = await openCard(own, sandbox.info, 'offerPayerEur');
    await panelState(again, 'issued');
    assert.equal((await documents()).length, 1);
  } finally {
    await own.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every body sent to SmartBill in this suite matches the official spec', async () => {
  await sandbox.keepBodies();
  const shapes = bodySchemas();
  const creates = sandbox.sent.filter((r) => r.method === 'POST');
  assert.ok(creates.length >= 15, `bodies were collected (${creates.length})`);
  const problems = [];
  for (const r of creates) {
    const endpoint = r.path.replace('/SBORO/api', '');
    problems.push(...checkBody(shapes, endpoint, r.body));
  }
  assert.deepEqual([...new Set(problems)], []);
  // And the checker does catch a wrong body.
  assert.ok(checkBody(shapes, '/invoice/v2', { ...creates[0].body, Price: 1 }).length > 0);
});
