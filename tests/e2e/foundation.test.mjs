// The extension as itself (unpacked sandbox build in Debian's Chromium) against the sandbox:
// configuration through the options page, "Test connection" on both sides, the panel on cards.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, launchBrowser, configure, artifact, inContentScript, decided, killWorker, command, waitFor, panel as panelOf } from './harness.mjs';

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
  await sandbox.reset();
  // Every test starts from an unconfigured extension.
  const page = await browser.page('options.html');
  await page.evaluate(() => chrome.storage.local.clear());
  await page.close();
});

test('options page: Test connection lists the SmartBill series and VAT rates, and MiniCRM modules', async () => {
  const page = await configure(browser, sandbox.info);
  // The default unit table, grouped by the core: each SmartBill unit once, after its MiniCRM units.
  const units = await page.locator('#defaultUnits').innerText();
  assert.match(units, /bucati\/[^;]*→ buc;/);
  assert.match(units, /\bh\/[^;]*→ ora;/);
  assert.equal((units.match(/→ buc;/g) || []).length, 1);
  await page.click('#testSmartBill');
  const result = page.locator('#smartbillResult');
  await result.waitFor({ state: 'visible' });
  await assert.doesNotReject(result.locator('text=Conexiune SmartBill reușită.').waitFor());
  const text = await result.innerText();
  assert.match(text, /FCT — factură, următorul număr 124/);
  assert.match(text, /PRF — proformă/);
  assert.match(text, /Normala: 21%/);
  assert.match(text, /Redusa: 11%/);
  assert.equal(await result.getAttribute('class'), 'result ok');

  await page.click('#testMiniCrm');
  const mc = page.locator('#minicrmResult');
  await mc.locator('text=Conexiune MiniCRM reușită.').waitFor();
  assert.match(await mc.innerText(), /Folosim modulul „Oferte” \(#21\)/);

  await page.click('#save');
  await page.locator('#saveStatus.ok').waitFor();
  assert.equal(await page.locator('#saveStatus').innerText(), 'Setările au fost salvate.');
  await page.screenshot({ path: artifact('e2e-options-connected.png'), fullPage: true });

  // Reloaded, the page shows what was saved but never the secrets.
  await page.reload();
  await page.locator('#smartbillCif').waitFor();
  assert.equal(await page.inputValue('#smartbillCif'), sandbox.info.smartbill.cif);
  assert.equal(await page.inputValue('#smartbillToken'), '');
  assert.match(await page.getAttribute('#smartbillToken', 'placeholder'), /salvat/);
  assert.equal(await page.inputValue('#minicrmApiKey'), '');
  await page.close();
});

test('a wrong token shows SmartBill\'s own message', async () => {
  const page = await configure(browser, sandbox.info, { token: '0123456789abcdef0123456789abcdef' });
  await page.click('#testSmartBill');
  const result = page.locator('#smartbillResult.fail');
  await result.waitFor();
  const text = await result.innerText();
  assert.match(text, /SmartBill a refuzat autentificarea/);
  assert.match(text, /Mesajul SmartBill: „Autentificare esuata\. Va rugam verificati datele si incercati din nou\.”/);
  assert.equal(await page.getAttribute('#smartbillToken', 'aria-invalid'), 'true');
  await page.screenshot({ path: artifact('e2e-options-wrong-token.png'), fullPage: true });
  await page.close();
});

test('a bad CUI is explained before any call reaches SmartBill', async () => {
  const before = (await sandbox.requests('smartbill')).length;
  const page = await configure(browser, sandbox.info, { cif: 'RO18547291' });
  await page.click('#testSmartBill');
  await page.locator('#smartbillResult.fail').waitFor();
  const fieldError = await page.locator('.err[data-for="smartbillCif"]').innerText();
  assert.match(fieldError, /CUI-ul firmei nu este valid: cifra de control nu se potrivește/);
  assert.equal(await page.getAttribute('#smartbillCif', 'aria-invalid'), 'true');
  assert.equal((await sandbox.requests('smartbill')).length, before, 'no request reached SmartBill');
  await page.close();
});

test('MiniCRM with a wrong API key says what to check', async () => {
  const page = await configure(browser, sandbox.info, { apiKey: 'wrong-key-12345' });
  await page.click('#testMiniCrm');
  const text = await page.locator('#minicrmResult.fail').innerText();
  assert.match(text, /MiniCRM a refuzat accesul/);
  assert.match(text, /MiniCRM API \+ sincronizare XML/);
  await page.close();
});

test('the panel sits on offer cards, inactive until configured, and not on other pages', async () => {
  const { minicrm } = sandbox.info;
  const offer = minicrm.cards.offerBucharestRon;
  const page = await browser.context.newPage();
  await page.goto(`${minicrm.base}/${minicrm.systemId}/#Project-${offer.categoryId}/${offer.projectId}`);
  const panel = panelOf(page);
  await panel.waitFor({ state: 'attached' });
  assert.equal(await panel.getAttribute('data-state'), 'unconfigured');
  const button = panel.locator('button[data-testid="emit"]');
  assert.equal(await button.innerText(), 'Emite factură');
  assert.equal(await button.isDisabled(), true);
  assert.match(await panel.locator('.hint').innerText(), /Configurează conexiunile SmartBill și MiniCRM/);
  await page.screenshot({ path: artifact('e2e-card-unconfigured.png') });

  // Hash navigation to the module list: the panel goes away.
  await page.evaluate((cat) => { location.hash = `#Project-${cat}`; }, offer.categoryId);
  await panel.waitFor({ state: 'detached' });
  // A page of the sandbox that is not a card at all.
  await page.goto(`${minicrm.base}/${minicrm.systemId}/`);
  assert.equal((await decided(page)).shown, false);
  assert.equal(await page.locator('#minicrm-smartbill-panel').count(), 0);

  // Configured: active on offers, absent on a sales card.
  const options = await configure(browser, sandbox.info);
  await options.click('#testMiniCrm');
  await options.locator('#minicrmResult.ok').waitFor();
  await options.click('#save');
  await options.locator('#saveStatus.ok').waitFor();
  await options.close();
  await page.goto(`${minicrm.base}/${minicrm.systemId}/#Project-${offer.categoryId}/${offer.projectId}`);
  await panel.waitFor({ state: 'attached' });
  await page.waitForFunction(() => document.querySelector('#minicrm-smartbill-panel')?.dataset.state !== 'loading');
  assert.notEqual(await panel.getAttribute('data-state'), 'unconfigured');
  assert.equal(await button.isDisabled(), false);
  const sales = minicrm.cards.salesCard;
  await page.goto(`${minicrm.base}/${minicrm.systemId}/#Project-${sales.categoryId}/${sales.projectId}`);
  assert.equal((await decided(page)).shown, false);
  assert.equal(await page.locator('#minicrm-smartbill-panel').count(), 0);
  await page.close();
});

test('a content script cannot read settings or secrets', async () => {
  const options = await configure(browser, sandbox.info);
  await options.click('#save');
  await options.locator('#saveStatus').waitFor();
  await options.close();
  const { minicrm, smartbill } = sandbox.info;
  const offer = minicrm.cards.offerBucharestRon;
  const page = await browser.context.newPage();
  await page.goto(`${minicrm.base}/${minicrm.systemId}/#Project-${offer.categoryId}/${offer.projectId}`);
  await page.locator('#minicrm-smartbill-panel').waitFor({ state: 'attached' });
  // From the content script's own world: the background refuses settings commands and
  // chrome.storage is not where a content script could read them (it is, technically, but the
  // secrets are only ever handed out by the background, which refuses).
  const reply = await inContentScript(page, "chrome.runtime.sendMessage({cmd: 'getSettings'})");
  assert.equal(reply.ok, false);
  assert.equal(reply.error.code, 'forbidden');
  const test = await inContentScript(page, "chrome.runtime.sendMessage({cmd: 'testSmartBill', settings: {}})");
  assert.equal(test.error.code, 'forbidden');
  const panel = await inContentScript(page, `chrome.runtime.sendMessage({cmd: 'panelState', url: location.href})`);
  assert.equal(panel.ok, true);
  const everything = JSON.stringify(panel);
  assert.ok(!everything.includes(smartbill.token) && !everything.includes(minicrm.apiKey));
  await page.close();
});

test('the panel folds, moves out of the way, and stays where it was put', async () => {
  const { minicrm } = sandbox.info;
  const offer = minicrm.cards.offerBucharestRon;
  const url = `${minicrm.base}/${minicrm.systemId}/#Project-${offer.categoryId}/${offer.projectId}`;
  const page = await browser.context.newPage();
  await page.goto(url);
  await decided(page);
  const box = () => inContentScript(page, `(() => {
    const root = chrome.dom.openOrClosedShadowRoot(document.getElementById('minicrm-smartbill-panel'));
    const r = root.querySelector('.panel').getBoundingClientRect();
    return { left: Math.round(r.left), top: Math.round(r.top), folded: root.querySelector('.panel').classList.contains('collapsed') };
  })()`);
  const start = await box();
  const header = await inContentScript(page, `(() => {
    const root = chrome.dom.openOrClosedShadowRoot(document.getElementById('minicrm-smartbill-panel'));
    const r = root.querySelector('header .grow').getBoundingClientRect();
    return { x: r.x + 20, y: r.y + r.height / 2 };
  })()`);
  // Dragged by its bar to the bottom left, as a person would.
  await page.mouse.move(header.x, header.y);
  await page.mouse.down();
  await page.mouse.move(header.x - 600, header.y + 300, { steps: 8 });
  await page.mouse.up();
  const moved = await box();
  assert.ok(moved.left < start.left - 500 && moved.top > start.top + 250, JSON.stringify({ start, moved }));
  // Folded.
  const { panelLocator } = await import('./harness.mjs');
  await panelLocator(page, 'button[data-testid="collapse"]').click();
  assert.equal((await box()).folded, true);
  await page.screenshot({ path: artifact('e2e-panel-moved-folded.png') });
  // Remembered by the background (its storage says so once the panel told it).
  const ext = await browser.page('popup.html');
  await ext.waitForFunction(async () => {
    const p = (await chrome.storage.local.get('ui.panelPlace'))['ui.panelPlace'];
    return p && p.collapsed === true;
  }, null, { polling: 100 });
  await ext.close();
  // Another card, or the same after a reload: the same place, still folded.
  await page.reload();
  await decided(page);
  const again = await box();
  assert.deepEqual(again, { ...moved, folded: true });
  await page.close();
});

test('what is typed while a stopped worker starts is kept, not overwritten by the stored settings', async () => {
  const { smartbill } = sandbox.info;
  const options = await configure(browser, sandbox.info);
  await options.click('#save');
  await options.locator('#saveStatus.ok').waitFor();
  await options.evaluate(async () => { await chrome.storage.local.clear(); });
  await options.close();
  await killWorker(browser);
  // Typed at once, before the woken worker answers the page's first question.
  const page = await browser.page('options.html');
  await page.fill('#smartbillCif', smartbill.cif);
  await page.locator('body[data-loaded="true"]').waitFor({ state: 'attached' });
  assert.equal(await page.inputValue('#smartbillCif'), smartbill.cif);
  await page.close();
});

test('a checklist that answers after a newer one is not shown: the page keeps the newest settings\' checklist', async () => {
  const { minicrm } = sandbox.info;
  const first = await configure(browser, sandbox.info);
  await first.click('#save');
  await first.locator('#saveStatus.ok').waitFor();
  await first.locator(`#mapping[data-category-id="${minicrm.offersCategory}"]`).waitFor();
  await first.close();
  // Opened with complete settings, the page runs the checklist for them (Offers); the sandbox
  // holds MiniCRM's answer with the Offers cards' schema until the case lets it go.
  const slow = `/Api/R3/Schema/Project/${minicrm.offersCategory}`;
  await sandbox.control('/faults', { body: { service: 'minicrm', method: 'GET', path: slow, kind: 'hold', times: 1 } });
  const waiting = async () => (await sandbox.control('/inflight')).requests.some((r) => r.path === slow);
  const page = await browser.page('options.html');
  await waitFor(waiting, 'the opening checklist waiting for the Offers schema');
  // Meanwhile the person switches to Orders and saves: that checklist answers first.
  await page.selectOption('#minicrmModule', 'orders');
  await page.click('#save');
  await page.locator('#saveStatus.ok').waitFor();
  await page.locator(`#mapping[data-category-id="${minicrm.ordersCategory}"]`).waitFor();
  assert.equal(await waiting(), true, 'the opening checklist is still waiting (otherwise this case proves nothing)');
  assert.equal(await page.locator('#checklistBusy').isVisible(), true, 'the spinner stays while a checklist is under way');
  assert.equal(await page.locator('#runChecklist').isDisabled(), true);
  // The older checklist answers last: its answer (the Offers fields) is not shown.
  await sandbox.control('/release', { method: 'POST' });
  await page.locator('#checklistBusy').waitFor({ state: 'hidden', timeout: 20000 });
  assert.equal(await waiting(), false);
  assert.equal(await page.locator('#mapping').getAttribute('data-category-id'), String(minicrm.ordersCategory));
  assert.equal(await page.inputValue('#minicrmModule'), 'orders');
  assert.equal(await page.locator('#runChecklist').isDisabled(), false);
  await page.close();
});

test('the worker\'s list step keeps every caller\'s text, however many add at once (the journal\'s index)', async () => {
  // The core adds each new journal entry's key to the journal's index through this step
  // (src/emission/journal.rs, `save`): two cards issued at once must both be indexed.
  const page = await browser.page('options.html');
  await page.evaluate(() => chrome.runtime.sendMessage({ cmd: 'getSettings' }));
  const stored = await browser.worker().evaluate(async () => {
    const store = /** @type {any} */ (self).mcsbStore;
    await chrome.storage.local.set({ 'probe.list': ['a'], 'probe.other': { not: 'a list' } });
    await Promise.all(['b', 'c', 'a', 'd', 'c'].map((item) => store.addToList('probe.list', item)));
    await store.addToList('probe.other', 'x');
    return chrome.storage.local.get(['probe.list', 'probe.other']);
  });
  await page.close();
  assert.deepEqual(stored, { 'probe.list': ['a', 'b', 'c', 'd'], 'probe.other': ['x'] });
});

test('a stopped worker answers MiniCRM pages off the configured cards, saves the settings, syncs and ticks without starting the full core', async () => {
  const { minicrm } = sandbox.info;
  const offer = minicrm.cards.offerBucharestRon;
  await killWorker(browser);
  // A page that is not a card, then a card while nothing is configured: the first module's
  // answers (src/front.rs), the panel as always.
  const page = await browser.context.newPage();
  await page.goto(`${minicrm.base}/${minicrm.systemId}/`);
  assert.equal((await decided(page)).shown, false);
  const worker = browser.worker();
  await page.goto(`${minicrm.base}/${minicrm.systemId}/#Project-${offer.categoryId}/${offer.projectId}`);
  const panel = panelOf(page);
  await panel.waitFor({ state: 'attached' });
  await page.waitForFunction(() => document.querySelector('#minicrm-smartbill-panel')?.dataset.state === 'unconfigured');
  const coreStarted = () => worker.evaluate(() => /** @type {any} */ (self).mcsbCoreStarted === true);
  assert.equal(await coreStarted(), false, 'the full core was started for a message the first module answers');
  // A message only the full core answers starts it, in the same worker.
  // The popup opens on the first module's answers (the settings, the jobs' status)...
  const popup = await browser.page('popup.html');
  await popup.locator('[data-testid="job-payments"]').waitFor();
  assert.equal(await coreStarted(), false, 'the popup started the full core');
  // The panel folded (its place is remembered), and its link to the options page: the first
  // module's too.
  await panel.locator('button[data-testid="collapse"]').click();
  await popup.waitForFunction(async () => {
    const p = (await chrome.storage.local.get('ui.panelPlace'))['ui.panelPlace'];
    return p && p.collapsed === true;
  }, null, { polling: 100 });
  await panel.locator('button[data-testid="collapse"]').click();
  const [options] = await Promise.all([
    browser.context.waitForEvent('page', (p) => p.url().includes('options.html')),
    panel.locator('button[data-testid="open-options"]').click(),
  ]);
  await options.close();
  assert.equal(await coreStarted(), false, 'the panel\'s place or its options link started the full core');
  await popup.close();
  // The options page's save (and its tests, checklist, warehouses) run in the setup module.
  const saved = await command(browser, { cmd: 'saveSettings', settings: {} });
  assert.equal(saved.ok, true, JSON.stringify(saved));
  assert.equal(await worker.evaluate(() => /** @type {any} */ (self).mcsbSetupStarted === true), true);
  assert.equal(await coreStarted(), false, 'the options page\'s save started the full core');
  // "Sincronizează acum" runs in the jobs' module (nothing to do while nothing is configured).
  const synced = await command(browser, { cmd: 'syncNow' });
  assert.equal(synced.ok, true, JSON.stringify(synced));
  assert.equal(synced.skipped, 'notConfigured', JSON.stringify(synced));
  assert.equal(await worker.evaluate(() => /** @type {any} */ (self).mcsbJobsStarted === true), true);
  assert.equal(await coreStarted(), false, '"sync now" started the full core');
  // The browser's start, or an alarm, while nothing is configured: the tick has nothing to do.
  const tick = await command(browser, { cmd: 'tick' });
  assert.deepEqual(tick, { ok: true, alarms: [], skipped: 'notConfigured' });
  assert.equal(await coreStarted(), false, 'a tick with nothing to do started the full core');
  assert.equal(await worker.evaluate(() => /** @type {any} */ (self).mcsbTickStarted === true), false, 'a tick with nothing to do started the tick module');
  // ...and a message only the full core answers (a card's state asked from an extension page)
  // starts it, in the same worker.
  const url = `${minicrm.base}/${minicrm.systemId}/#Project-${offer.categoryId}/${offer.projectId}`;
  const card = await command(browser, { cmd: 'card', url, action: 'state' });
  assert.equal(card.ok, true, JSON.stringify(card));
  assert.equal(card.configured, false, JSON.stringify(card));
  assert.equal(await coreStarted(), true);
  await page.close();
});

test('a stopped worker starts its modules from the copies this build kept, never from another build\'s, and fetches a damaged copy again', async () => {
  const FRONT = 'pkg/front_bg.wasm';
  const CORE = 'pkg/core_bg.wasm';
  const KEY = 'https://modules.invalid/';
  const page = await browser.page('options.html');
  // The kept copies, by cache (extension/module-cache.js: one cache per build, named after it).
  /** @returns {Promise<Record<string, string[]>>} */
  const copies = () => page.evaluate(async (key) => {
    /** @type {Record<string, string[]>} */
    const out = {};
    for (const name of (await caches.keys()).filter((n) => n.startsWith('mcsb-modules-'))) {
      out[name] = (await (await caches.open(name)).keys()).map((r) => r.url.slice(key.length)).sort();
    }
    return out;
  }, KEY);
  const from = async () => /** @type {Record<string, string>} */ (await browser.worker().evaluate(() => /** @type {any} */ (self).mcsbModules));
  const settings = async () => {
    const reply = await command(browser, { cmd: 'getSettings' });
    assert.equal(reply.ok, true, JSON.stringify(reply));
  };
  // A message only the full core answers: a card's state, asked from an extension page.
  const { minicrm } = sandbox.info;
  const offer = minicrm.cards.offerBucharestRon;
  const url = `${minicrm.base}/${minicrm.systemId}/#Project-${offer.categoryId}/${offer.projectId}`;
  const core = async () => {
    const reply = await command(browser, { cmd: 'card', url, action: 'state' });
    assert.equal(reply.ok, true, JSON.stringify(reply));
  };
  // A start keeps the first module, and a message for the full core keeps the core.
  await settings();
  await core();
  const mine = await waitFor(async () => {
    const caches = Object.entries(await copies());
    return caches.length === 1 && caches[0][1].includes(FRONT) && caches[0][1].includes(CORE) && caches[0][0];
  }, 'the first module and the core kept, in one cache');
  // A stopped worker starts from them.
  await killWorker(browser);
  await settings();
  assert.equal((await from())[FRONT], 'kept');
  await core();
  assert.equal((await from())[CORE], 'kept');
  // Another build's copy is never read (a broken one would stop the worker), and a damaged copy
  // of this build's is deleted and the module fetched again.
  const OTHER = 'mcsb-modules-0000000000000000';
  await page.evaluate(async ({ key, other, mine, front }) => {
    const broken = () => new Response(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1]), { headers: { 'content-type': 'application/wasm' } });
    await (await caches.open(other)).put(key + front, broken());
    await (await caches.open(mine)).put(key + front, broken());
  }, { key: KEY, other: OTHER, mine, front: FRONT });
  await killWorker(browser);
  await settings();
  assert.equal((await from())[FRONT], 'refetched');
  // Kept anew, and the other build's cache gone once this build's copy is back.
  await waitFor(async () => {
    const now = await copies();
    return !(OTHER in now) && (now[mine] || []).includes(FRONT);
  }, 'the fetched copy kept and the other build\'s cache deleted');
  await killWorker(browser);
  await settings();
  assert.equal((await from())[FRONT], 'kept');
  await page.close();
});

test('the first messages of a fresh profile, at once, agree on one browser id', async () => {
  const page = await browser.page('options.html');
  const ids = await page.evaluate(async () => {
    // The page's own first messages answered, then as a profile no message has reached yet: no
    // id stored, six messages at once.
    await chrome.runtime.sendMessage({ cmd: 'getSettings' });
    await chrome.storage.local.remove('browser.id');
    const replies = await Promise.all(Array.from({ length: 6 }, () => chrome.runtime.sendMessage({ cmd: 'getSettings' })));
    return replies.map((r) => (r.ok ? r.browser.id : JSON.stringify(r)));
  });
  const stored = await page.evaluate(async () => (await chrome.storage.local.get('browser.id'))['browser.id']);
  await page.close();
  assert.match(stored, /^[0-9a-f]{12}$/);
  assert.deepEqual(ids, Array(6).fill(stored));
});
