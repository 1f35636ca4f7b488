// The extension in Debian's Firefox ESR: the Firefox sandbox build (dist/firefox-sandbox) as a
// temporary add-on, driven through Marionette, against the real sandbox binary. The steps are the
// shared ones (steps.mjs over driver.mjs): `E2E_BROWSER=chromium node --test
// tests/e2e/firefox.test.mjs` runs the same scenarios in Chromium.
//
// What differs in Firefox and is checked here: the background is an event page, not a service
// worker (stopped and restarted mid-work); extension pages are moz-extension://<uuid>/ with a
// UUID that is not the add-on id (the core must still recognise its own pages); MV3 host
// permissions can be withdrawn by the user (the options page asks for them again); and
// content scripts get `storage.local` in Firefox (the secrets test below).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, artifact, TIME_SCALE } from './harness.mjs';
import { launch } from './driver.mjs';
import { exportXlsx, company } from './export.mjs';
import {
  resetExtension, fillOptions, testConnections, save, configureAll, openCard, cardUrl, panelState,
  panelButton, panelPart, documents, cardFields, waitUntil, PANEL,
} from './steps.mjs';

const BROWSER = process.env.E2E_BROWSER || 'firefox';
const shot = (name) => artifact(`e2e-${BROWSER}-${name}.png`);

let sandbox;
let browser;
const dir = mkdtempSync(join(tmpdir(), 'mcsb-cross-'));

before(async () => {
  sandbox = await startSandbox();
  browser = await launch(BROWSER);
});

after(async () => {
  await browser?.close();
  sandbox?.stop();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  // The extension first, then the sandbox (see resetExtension).
  await resetExtension(browser);
  await sandbox.reset();
});

const contacts = async () => (await sandbox.control('/minicrm/contacts')).contacts;

test('options page: "Testează conexiunea" on both sides, saved, secrets never shown back', async () => {
  if (browser.name === 'firefox') {
    // Firefox's extension origin is a per-profile UUID, not the add-on id: the core still has to
    // recognise the options page as the extension's own page (it answers getSettings below).
    assert.notEqual(browser.uuid, browser.extensionId);
    assert.match(browser.base, /^moz-extension:\/\/[0-9a-f-]{36}\/$/);
  }
  const page = await fillOptions(browser, sandbox.info);
  const { smartbill, minicrm } = await testConnections(page);
  assert.match(smartbill, /Conexiune SmartBill reușită\./);
  assert.match(smartbill, /FCT — factură, următorul număr 124/);
  assert.match(smartbill, /Normala: 21%/);
  assert.match(minicrm, /Conexiune MiniCRM reușită\./);
  assert.match(minicrm, /Folosim modulul „Oferte” \(#21\)/);
  await save(page);
  assert.equal(await page.text('#saveStatus'), 'Setările au fost salvate.');
  await page.screenshot(shot('options-connected'));
  await page.reload();
  await page.waitFor('#apiBaseRow', { state: 'visible' });
  await page.waitForFunction(() => document.getElementById('smartbillCif').value !== '');
  assert.equal(await page.value('#smartbillCif'), sandbox.info.smartbill.cif);
  assert.equal(await page.value('#smartbillToken'), '');
  assert.match(await page.attr('#smartbillToken', 'placeholder'), /salvat/);
  assert.equal(await page.value('#minicrmApiKey'), '');
  await page.close();
});

test('the panel on a card: inactive until configured, its link opens the options, then ready to issue', async () => {
  const page = await openCard(browser, sandbox.info, 'offerBucharestRon');
  assert.equal(await page.attr(PANEL, 'data-state'), 'unconfigured');
  assert.equal(await page.text(panelButton('emit')), 'Emite factură');
  assert.equal(await page.disabled(panelButton('emit')), true);
  // The panel's link asks the background to open the options page (runtime.openOptionsPage from
  // an event page in Firefox, a service worker in Chromium).
  const options = await browser.opened(() => page.click(panelButton('open-options')));
  assert.match(await options.url(), /options\.html$/);
  await options.close();
  // The tests' clicks inside the panel act only where they aim: a click that lands on another of
  // its buttons (one the panel moved under the pointer) is stopped before the panel sees it.
  const folded = async () => (await page.attr(`${PANEL} >> .panel`, 'class')).split(' ').includes('collapsed');
  const fold = await page.aimAt(panelButton('collapse'));
  assert.ok(fold && await page.aimAt(panelButton('open-options')));
  await page.clickAt(fold.x, fold.y);
  assert.equal(await page.aimLanded(), 'missed');
  assert.equal(await folded(), false, 'the button under the click did nothing');
  assert.ok(await page.aimAt(panelButton('collapse')));
  await page.clickAt(fold.x, fold.y);
  assert.equal(await page.aimLanded(), 'hit');
  await waitUntil(folded, 'the panel folded');
  await page.click(panelButton('collapse'));
  await waitUntil(async () => !(await folded()), 'the panel unfolded');
  const configured = await configureAll(browser, sandbox.info);
  // Saving applied the alarms the core wants: the tick every 2 minutes, shrunk by the sandbox's
  // time scale to 6 s (Firefox has no 30-second floor; Chrome has one for packed extensions).
  const alarms = await configured.waitForFunction(async () => {
    const all = await chrome.alarms.getAll();
    return all.some((a) => a.name === 'tick') && all;
  });
  assert.equal(alarms.find((a) => a.name === 'tick').periodInMinutes, 2 / TIME_SCALE);
  await configured.close();
  await page.goto('about:blank');
  await page.goto(cardUrl(sandbox.info, 'offerBucharestRon'));
  assert.equal(await panelState(page, 'notIssued'), 'notIssued');
  assert.equal(await page.disabled(panelButton('emit')), false);
  await page.screenshot(shot('card-ready'));
  await page.close();
});

test('one emission: the card shows the invoice number and SmartBill holds exactly one document', async () => {
  (await configureAll(browser, sandbox.info)).close();
  const page = await openCard(browser, sandbox.info, 'offerBucharestRon');
  await panelState(page, 'notIssued');
  await page.click(panelButton('emit'));
  await panelState(page, 'issued');
  assert.equal(await page.text(panelPart('number')), 'FCT 0124');
  const docs = await documents(sandbox);
  assert.equal(docs.length, 1);
  assert.equal(Number(docs[0].totals.total), Number(sandbox.info.minicrm.cards.offerBucharestRon.amount));
  const fields = await cardFields(sandbox, 'offerBucharestRon');
  assert.equal(fields.SmartBillInvoiceNumber, 'FCT 0124');
  assert.equal(fields.SmartBillInvoiceLink, docs[0].documentUrl);
  assert.equal(fields.SmartBillPaymentStatus, 'Neîncasată');
  assert.equal(fields.SmartBillErrorMessage, '');
  // The fake MiniCRM's card page shows the written fields.
  await page.click('[data-testid="tab-project"]');
  await page.waitFor('[data-testid="field-SmartBillInvoiceNumber"]', { hasText: 'FCT 0124' });
  await page.screenshot(shot('card-issued'));
  await page.close();
});

test('an English browser: the core\'s errors are in English', async () => {
  // The worker's vendor modules carry the core's texts in Romanian only and read the others from
  // _locales/ with chrome.i18n (src/i18n.rs): in Firefox's event page as in Chrome's worker.
  const english = BROWSER === 'firefox' ? { prefs: { 'intl.locale.requested': 'en-US' } } : { locale: 'en-US' };
  const en = await launch(BROWSER, english);
  try {
    (await configureAll(en, sandbox.info)).close();
    await sandbox.control('/faults', {
      body: { service: 'smartbill', method: 'POST', path: '/SBORO/api/invoice/v2', kind: 'status', status: 503, body: 'Service Unavailable' },
    });
    const page = await openCard(en, sandbox.info, 'offerPersonRon');
    await page.click(panelButton('emit'));
    await panelState(page, 'error');
    assert.match(await page.text(panelPart('error')), /^SmartBill is not working right now \(HTTP 503\)\. Try again in a few minutes\./);
    assert.equal((await documents(sandbox)).length, 0);
    await page.screenshot(shot('english-error'));
    await page.close();
  } finally {
    await en.close();
    await sandbox.control('/faults', { method: 'DELETE' });
  }
});

/** Opens the import page, picks the file, waits for the MiniCRM comparison. */
async function preview(path, name) {
  const page = await browser.page('import.html');
  await page.waitFor('h1', { hasText: 'Import companii' });
  await page.setInputFiles('#file', path);
  await page.waitFor('#phase', { hasText: `Previzualizare · ${name}`, timeout: 60000 });
  return page;
}

test('company import: a dropped export; the background stopped mid-import with no page open, an alarm wakes it, each company once', async () => {
  (await configureAll(browser, sandbox.info)).close();
  const path = join(dir, 'clienti.xlsx');
  writeFileSync(path, exportXlsx(25));
  const page = await preview(path, 'clienti.xlsx');
  assert.match(await page.text('#checkCounts'), /25\s*companii valide/);
  assert.match(await page.text('#jobCounts'), /25\s*noi/);
  assert.equal(await page.value('#mapping select[data-column="1"]'), 'vatCode');
  // The SIMD probe holds in this browser too: the faster of the import module's two builds.
  assert.equal(await page.evaluate(() => document.body.dataset.module), 'pkg/import_bg.wasm');
  await page.screenshot(shot('import-preview'));
  // MiniCRM answers slowly, so that the stop lands mid-import whatever the machine's speed.
  await sandbox.control('/faults', { body: { service: 'minicrm', method: 'PUT', path: '/Api/R3/Contact', kind: 'latency', ms: 250, times: 1000 } });
  await page.click('#start');
  await page.waitFor('#backgroundNote', { state: 'visible' });
  const batch = new Set(Array.from({ length: 25 }, (_, i) => company(i).cif));
  const written = async () => (await contacts()).filter((c) => batch.has(c.VatNumber)).length;
  await waitUntil(async () => (await written()) >= 1, 'the import to start writing');
  await page.close();
  assert.equal(await browser.stopBackground(), browser.name === 'firefox' ? 'stopped' : undefined);
  const soFar = await written();
  assert.ok(soFar < 25, `stopped mid-import (${soFar} of 25 written)`);
  await sandbox.control('/faults', { method: 'DELETE' });
  // No page is open: only the extension's alarm can start the background again.
  await waitUntil(async () => (await written()) === 25, 'the import to finish after the stop', 90000);
  const businesses = (await contacts()).filter((c) => c.Type === 'Business');
  for (let i = 0; i < 25; i++) {
    const c = company(i);
    assert.equal(businesses.filter((b) => b.VatNumber === c.cif).length, 1, `${c.name} exists once`);
    assert.equal(businesses.find((b) => b.VatNumber === c.cif).Name, c.name);
  }
  const again = await browser.page('import.html');
  await again.waitFor('#phase', { hasText: 'Import încheiat · clienti.xlsx', timeout: 60000 });
  assert.match(await again.text('#jobCounts'), /25\s*create/);
  await again.screenshot(shot('import-done'));
  await again.close();
});

test('the background stopped between the POST and the write-back: the panel gets the work finished', async () => {
  // An 8-second request timeout, as the Chromium suites have: the write cut off by the stop may
  // land until 8.5 s after the restart (with production's 30 s, this case took 36 s).
  (await configureAll(browser, sandbox.info, { requestTimeoutMs: 8000 })).close();
  const doc = sandbox.info.minicrm.cards.offerPersonRon.documentId;
  await sandbox.control('/faults', { body: { service: 'minicrm', method: 'POST', path: `/Api/Offer/${doc}/Project`, kind: 'hang' } });
  const page = await openCard(browser, sandbox.info, 'offerPersonRon');
  await page.click(panelButton('emit'));
  await waitUntil(async () => (await documents(sandbox)).length === 1, 'SmartBill to issue');
  await waitUntil(async () => (await sandbox.requests('minicrm')).some((r) => r.method === 'POST' && r.path.endsWith('/Project')), 'the write-back to start');
  const state = await browser.stopBackground();
  if (browser.name === 'firefox') assert.equal(state, 'stopped');
  await sandbox.control('/faults', { method: 'DELETE' });
  // The panel's call died with the background; it asks again, which starts a new background
  // that finds the journal's intent and finishes the write-back without a second POST.
  await panelState(page, 'issued', 40000);
  await waitUntil(async () => (await cardFields(sandbox, 'offerPersonRon')).SmartBillInvoiceNumber === 'FCT 0124', 'the card to be filled');
  assert.equal((await documents(sandbox)).length, 1);
  const posts = (await sandbox.requests('smartbill')).filter((r) => r.method === 'POST');
  assert.equal(posts.length, 1, 'never re-posted');
  await page.close();
});

test('the background stopped between the POST and the write-back, with no card open: a tick finishes the card once the write has settled', async () => {
  // A 20-second request timeout: the write cut off by the stop may land until 20.5 s after the
  // restart, well apart from the 6-second tick.
  (await configureAll(browser, sandbox.info, { requestTimeoutMs: 20000 })).close();
  const doc = sandbox.info.minicrm.cards.offerPersonRon.documentId;
  const project = `/Api/Offer/${doc}/Project`;
  await sandbox.control('/faults', { body: { service: 'minicrm', method: 'POST', path: project, kind: 'hang' } });
  const page = await openCard(browser, sandbox.info, 'offerPersonRon');
  await page.click(panelButton('emit'));
  await waitUntil(async () => (await documents(sandbox)).length === 1, 'SmartBill to issue');
  await waitUntil(async () => (await sandbox.requests('minicrm')).some((r) => r.method === 'POST' && r.path === project), 'the write-back to start');
  // The person closes the card: no panel asks again, only the tick's alarm wakes the background.
  await page.close();
  await browser.stopBackground();
  await sandbox.control('/faults', { method: 'DELETE' });
  await waitUntil(async () => (await cardFields(sandbox, 'offerPersonRon')).SmartBillInvoiceNumber === 'FCT 0124', 'a tick to fill the card', 90000);
  const writes = (await sandbox.requests('minicrm')).filter((r) => r.method === 'POST' && r.path === project);
  assert.equal(writes.length, 2, 'the write cut off by the stop, then the restarted background\'s');
  // The restarted background kept off the card until the cut-off write could no longer land
  // (the keep starts at its restart, after the first write). The sandbox's clock runs TIME_SCALE
  // times faster than the extension's.
  const gap = (writes[1].at_ms - writes[0].at_ms) / TIME_SCALE;
  console.log(`the restarted background wrote the card ${Math.round(gap)} ms after the cut-off write`);
  assert.ok(gap >= 20500, `the write-back was sent again ${Math.round(gap)} ms after the cut-off one`);
  assert.equal((await sandbox.requests('smartbill')).filter((r) => r.method === 'POST').length, 1, 'never re-posted');
});

test('host permissions: granted at install; withdrawn, the options page asks for them again', { skip: BROWSER !== 'firefox' && 'Firefox only' }, async () => {
  // Firefox ≥ 127 grants an MV3 add-on's host permissions at install, but the user can withdraw
  // them (about:addons › Permissions); then nothing reaches the services.
  assert.ok((await browser.grantedOrigins()).includes('http://127.0.0.1/*'), 'granted at install');
  (await configureAll(browser, sandbox.info)).close();
  await browser.revokeOrigins(['http://127.0.0.1/*', 'http://localhost/*']);
  try {
    const page = await browser.page('options.html');
    await page.waitFor('#access', { state: 'visible' });
    assert.match(await page.text('#access'), /Extensia nu are acces la SmartBill, MiniCRM/);
    assert.equal(await page.text('#accessOrigins'), 'http://127.0.0.1/*');
    await page.click('#testSmartBill');
    await page.waitFor('#smartbillResult.fail', { state: 'visible', timeout: 30000 });
    await page.screenshot(shot('options-no-access'));
    await page.click('#grantAccess');
    await page.waitFor('#access', { state: 'hidden' });
    assert.ok((await browser.grantedOrigins()).includes('http://127.0.0.1/*'), 'granted again');
    await page.click('#testSmartBill');
    await page.waitFor('#smartbillResult.ok', { state: 'visible', timeout: 30000 });
    await page.close();
  } finally {
    if (!(await browser.grantedOrigins()).includes('http://127.0.0.1/*')) {
      await browser.chrome(`
        const { ExtensionPermissions } = ChromeUtils.importESModule('resource://gre/modules/ExtensionPermissions.sys.mjs');
        return ExtensionPermissions.add(arguments[0], { origins: ['http://127.0.0.1/*', 'http://localhost/*'], permissions: [] }, WebExtensionPolicy.getByID(arguments[0]).extension).then(() => true);`, browser.extensionId);
    }
  }
});

test('a content script cannot get settings or secrets from the background', async () => {
  const options = await fillOptions(browser, sandbox.info);
  await save(options);
  await options.close();
  const page = await openCard(browser, sandbox.info, 'offerBucharestRon');
  const { smartbill, minicrm } = sandbox.info;
  const reply = await browser.inContentScript(page, "chrome.runtime.sendMessage({cmd: 'getSettings'})");
  assert.equal(reply.ok, false);
  assert.equal(reply.error.code, 'forbidden');
  const tested = await browser.inContentScript(page, "chrome.runtime.sendMessage({cmd: 'testSmartBill', settings: {}})");
  assert.equal(tested.error.code, 'forbidden');
  const panel = await browser.inContentScript(page, "chrome.runtime.sendMessage({cmd: 'panelState', url: location.href})");
  assert.equal(panel.ok, true);
  const everything = JSON.stringify(panel);
  assert.ok(!everything.includes(smartbill.token) && !everything.includes(minicrm.apiKey));
  await page.close();
});

// Firefox gives content scripts `storage.local`, and `storage.local.setAccessLevel` does not
// cover it (only `storage.session`): the secrets therefore live in the extension origin's
// IndexedDB (extension/secrets.js), which a content script, running in the page's origin, cannot
// open. What storage.local holds is readable, and holds no secret.
test('a content script cannot read the SmartBill token or the MiniCRM API key', async () => {
  const options = await fillOptions(browser, sandbox.info);
  await save(options);
  await options.close();
  const page = await openCard(browser, sandbox.info, 'offerBucharestRon');
  const { smartbill, minicrm } = sandbox.info;
  const stored = await browser.inContentScript(page, `(async () => {
    try { return await chrome.storage.local.get(null); } catch (e) { return { refused: String(e.message || e) }; }
  })()`);
  const text = JSON.stringify(stored);
  const dbs = await browser.inContentScript(page, `indexedDB.databases().then((l) => l.map((d) => d.name), () => [])`);
  await page.close();
  // Firefox lets content scripts read storage.local (so it holds no secret); Chrome refuses them
  // (the background's setAccessLevel).
  if (BROWSER === 'firefox') assert.ok(text.includes('settings'), `storage.local is readable here, and holds the settings: ${text.slice(0, 200)}`);
  else assert.match(text, /refused/, `storage.local is refused to content scripts in Chrome: ${text.slice(0, 200)}`);
  assert.ok(!text.includes(smartbill.token), 'the SmartBill token is readable from a content script');
  assert.ok(!text.includes(minicrm.apiKey), 'the MiniCRM API key is readable from a content script');
  assert.ok(!JSON.stringify(dbs).includes('minicrm-smartbill-secrets'), JSON.stringify(dbs));
});
