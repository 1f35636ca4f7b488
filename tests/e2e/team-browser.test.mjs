// Team mode end to end with browsers: the sandbox binary (SmartBill and MiniCRM), the built Worker
// on workerd through the Miniflare 4 API (its Durable Object kept on disk, so it can be stopped
// and started again), and two Chromium profiles with the sandbox build, each a colleague with
// their own member key. The panel's commands go from the content script to the background's core,
// which forwards them to the server; nothing here is mocked. Every wait is for a condition (the
// sandbox's request log and in-flight list, the panel's state, the DOM), never for the clock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openCard, panel, panelState, artifact, killWorker, watchErrors, errorsSeen, EXTENSION, TIME_SCALE } from './harness.mjs';
import { startTeam, waitFor, unpackedExtensionId } from './team-harness.mjs';

/** The sandbox build's origin, known before any browser starts (checked against the browser's). */
const OURS = `chrome-extension://${unpackedExtensionId(EXTENSION)}`;

let t;
let ana;
let bogdan;
const keys = {};

before(async () => {
  t = await startTeam({ origins: [OURS], persist: true });
  // SmartBill calls made by the server give up after 6 s (the lost-answer cases settle in seconds).
  await t.configure({ advanced: { timeScale: TIME_SCALE, requestTimeoutMs: 6000 } });
  for (const name of ['Ana Popescu', 'Bogdan Ionescu']) {
    const created = await t.call('/admin/members', { method: 'POST', key: t.secrets.ADMIN_TOKEN, body: { name } });
    assert.equal(created.status, 201, created.text);
    keys[name] = created.body.key;
  }
  ana = await launchBrowser();
  bogdan = await launchBrowser();
});

after(async () => {
  await ana?.close().catch(() => {});
  await bogdan?.close().catch(() => {});
  await t?.stop();
});

const documents = async () => (await t.sandbox.control('/smartbill/documents')).documents.filter((d) => !d.draft);
const invoicePosts = async (since) => (await t.log('smartbill', since)).filter((r) => r.method === 'POST' && r.path.startsWith('/SBORO/api/invoice'));
const fieldsOf = async (name) => {
  const id = t.info.minicrm.cards[name].projectId;
  const { projects } = await t.sandbox.control('/minicrm/projects');
  return projects.find((p) => p.Id === id).Fields;
};
const click = (page, testid) => panel(page).locator(`button[data-testid="${testid}"]`).click();
const text = (page, testid) => panel(page).locator(`[data-testid="${testid}"]`).innerText();

/** The options page with the server's address and a key typed in, tested; returns the page. */
async function testServer(browser, key, url = t.url) {
  const page = await browser.page('options.html');
  await page.locator('#apiBaseRow:not([hidden])').waitFor();
  await page.fill('#serverUrl', url);
  await page.fill('#serverKey', key);
  await page.click('#testServer');
  await page.locator('#serverResult:not([hidden])').waitFor();
  await page.locator('#testServerBusy[hidden]').waitFor({ state: 'attached' });
  return page;
}

/** What the extension keeps: storage.local and the secrets' IndexedDB. */
async function kept(browser) {
  const page = await browser.page('options.html');
  const out = await page.evaluate(async () => {
    const local = await chrome.storage.local.get(null);
    const secrets = await new Promise((resolve, reject) => {
      const open = indexedDB.open('minicrm-smartbill-secrets', 1);
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const all = {};
        const tx = open.result.transaction('secrets', 'readonly');
        const req = tx.objectStore('secrets').openCursor();
        req.onsuccess = () => {
          const c = req.result;
          if (c) { all[c.key] = c.value; c.continue(); } else resolve(all);
        };
      };
    });
    return { local, secrets };
  });
  await page.close();
  return out;
}

test('each colleague enters the server and their key; Test connection says who they are; no vendor secret is kept', async () => {
  assert.equal(`chrome-extension://${ana.extensionId}`, OURS, 'the unpacked build\'s id as computed for ALLOWED_ORIGINS');
  for (const [browser, name] of [[ana, 'Ana Popescu'], [bogdan, 'Bogdan Ionescu']]) {
    // A colleague who used the extension alone before: the vendor secrets are in the browser.
    const solo = await browser.page('options.html');
    await solo.locator('#apiBaseRow:not([hidden])').waitFor();
    await solo.fill('#smartbillToken', t.info.smartbill.token);
    await solo.fill('#minicrmApiKey', t.info.minicrm.apiKey);
    await solo.click('#save');
    await solo.locator('#saveStatus:not(:empty)').waitFor();
    await solo.close();
    assert.equal((await kept(browser)).secrets['secret.smartbill.token'], t.info.smartbill.token);

    const page = await testServer(browser, keys[name]);
    assert.equal(await page.getAttribute('#serverResult', 'class'), 'result ok', await page.innerText('#serverResult'));
    assert.match(await page.innerText('#serverResult'), new RegExp(`„${name}”`));
    assert.match(await page.innerText('[data-testid="server-lines"]'), /SmartBill răspunde serverului/);
    assert.match(await page.innerText('[data-testid="extension-origin"]'), new RegExp(OURS));
    // SmartBill's "Sincronizare stocuri" fields, as the server tells them: the URL, and the token
    // only described (members never see it).
    await page.locator('[data-testid="server-webhook"]:not([hidden])').waitFor();
    assert.equal(await page.inputValue('#webhookUrl'), `${t.url}/smartbill/stock`);
    assert.equal(await page.isHidden('#webhookTokenRow'), true);
    assert.match(await page.innerText('#webhookTokenNote'), /administratorul/);
    await page.click('#save');
    await page.locator('#saveStatus.ok').waitFor();
    // Team mode: the token and the API key are not needed and cannot be typed; the webhook note
    // says the server receives it.
    assert.equal(await page.evaluate(() => document.body.classList.contains('team-mode')), true);
    assert.equal(await page.isDisabled('#smartbillToken'), true);
    assert.match(await page.innerText('[data-testid="token-not-needed"]'), /Nu este necesar în modul echipă/);
    assert.equal(await page.isVisible('[data-testid="webhook-note-team"]'), true);
    assert.equal(await page.isVisible('[data-testid="webhook-note"]'), false);
    assert.match(await page.getAttribute('#serverKey', 'placeholder'), /salvat/);
    assert.equal(await page.inputValue('#serverKey'), '', 'the key is never shown back');
    // The jobs' state is the server's, asked through the worker's jobs' module.
    const jobs = await page.evaluate(() => chrome.runtime.sendMessage({ cmd: 'jobsStatus' }));
    assert.equal(jobs.ok, true, JSON.stringify(jobs));
    assert.equal(jobs.jobs.payments.enabled, true, JSON.stringify(jobs));
    assert.equal(await browser.worker().evaluate(() => /** @type {any} */ (self).mcsbJobsStarted === true), true);
    await page.screenshot({ path: artifact(`team-options-${browser === ana ? 'ana' : 'bogdan'}.png`), fullPage: true });
    await page.close();
    const { local, secrets } = await kept(browser);
    assert.equal(secrets['secret.server.memberKey'], keys[name]);
    assert.equal(secrets['secret.smartbill.token'], '', 'the SmartBill token is gone from the browser');
    assert.equal(secrets['secret.minicrm.apiKey'], '', 'the MiniCRM API key is gone from the browser');
    const text = JSON.stringify(local);
    for (const secret of [keys[name], t.info.smartbill.token, t.info.minicrm.apiKey]) assert.ok(!text.includes(secret), 'a secret in storage.local');
  }
});

test('Test connection says exactly what is wrong: unreachable, a wrong key, an origin the server refuses', async () => {
  const down = await testServer(ana, keys['Ana Popescu'], 'http://127.0.0.1:9');
  assert.equal(await down.getAttribute('#serverResult', 'class'), 'result fail');
  const unreachable = await down.innerText('#serverResult');
  assert.match(unreachable, /nu poate fi contactat/);
  assert.match(unreachable, new RegExp(`${OURS}.*ALLOWED_ORIGINS`));
  await down.close();

  const wrong = await testServer(ana, 'mcsb_this-is-not-a-key-of-this-team-at-all-xx');
  assert.match(await wrong.innerText('#serverResult'), /este greșită sau a fost revocată/);
  assert.match(await wrong.innerText('.err[data-for="serverKey"]'), /revocată/);
  await wrong.close();

  // The admin forgot this extension in ALLOWED_ORIGINS: the server refuses it (CORS).
  await t.restart({ allowedOrigins: t.allowedOrigins.filter((o) => o !== OURS) });
  try {
    const refused = await testServer(ana, keys['Ana Popescu']);
    const said = await refused.innerText('#serverResult');
    // With access to the server's address, the browser lets the extension read the refusal.
    assert.match(said, /refuză cererile acestei extensii/);
    assert.ok(said.includes(`${OURS}, nu este în ALLOWED_ORIGINS`), said);
    await refused.close();
  } finally {
    await t.restart({ allowedOrigins: [...t.allowedOrigins, OURS] });
  }
});

test('two colleagues click "Emite" on one card at once: one invoice, both panels show it', async () => {
  const before = (await documents()).length;
  const since = await t.lastSeq();
  // Fresh workers: which of their modules the panel starts is checked below.
  await killWorker(ana);
  await killWorker(bogdan);
  const [pa, pb] = [await openCard(ana, t.info, 'offerBucharestRon'), await openCard(bogdan, t.info, 'offerBucharestRon')];
  await panelState(pa, 'notIssued');
  await panelState(pb, 'notIssued');
  await watchErrors(pa);
  await watchErrors(pb);
  // SmartBill answers the invoice slowly, so the two clicks meet on the server.
  await t.sandbox.control('/faults', { body: { service: 'smartbill', method: 'POST', path: '/SBORO/api/invoice', kind: 'latency', ms: 1500 } });
  await Promise.all([click(pa, 'emit'), click(pb, 'emit')]);
  await panelState(pa, 'issued', 60000);
  await panelState(pb, 'issued', 60000);
  const docs = await documents();
  assert.equal(docs.length - before, 1, 'exactly one invoice');
  assert.equal((await invoicePosts(since)).length, 1, 'one POST /invoice');
  const number = `${docs.at(-1).series} ${docs.at(-1).number}`;
  assert.equal(await text(pa, 'number'), number);
  assert.equal(await text(pb, 'number'), number);
  assert.equal((await fieldsOf('offerBucharestRon')).SmartBillInvoiceNumber, number);
  // The clicks met: one of them found the card taken on the server and waited for the other's.
  const seen = [...await errorsSeen(pa), ...await errorsSeen(pb)];
  assert.equal(seen.filter((e) => /Un coleg lucrează chiar acum/.test(e)).length, 1, JSON.stringify(seen));
  // In team mode the panel's commands run in the setup module, which carries the forwarding; the
  // full core, built without it, is not started for them.
  for (const b of [ana, bogdan]) {
    const started = await b.worker().evaluate(() => [/** @type {any} */ (self).mcsbCoreStarted === true, /** @type {any} */ (self).mcsbSetupStarted === true]);
    assert.deepEqual(started, [false, true], 'the core and the setup module started');
  }
  await pb.screenshot({ path: artifact('team-two-browsers.png') });
  await pa.close();
  await pb.close();
});

test('the server stopped in the middle of an emission: still one invoice, and the card, after it is back', async () => {
  const before = (await documents()).length;
  const since = await t.lastSeq();
  const page = await openCard(ana, t.info, 'offerPayerEur');
  await panelState(page, 'notIssued');
  await watchErrors(page);
  await t.sandbox.control('/faults', { body: { service: 'smartbill', method: 'POST', path: '/SBORO/api/invoice', kind: 'latency', ms: 2500 } });
  await click(page, 'emit');
  await waitFor('the POST /invoice in flight', async () =>
    (await t.sandbox.control('/inflight')).requests.some((r) => r.method === 'POST' && r.path.startsWith('/SBORO/api/invoice')));
  // workerd goes down with the request in flight, and comes back on the same storage.
  await t.restart();
  // The panel said the server did not answer, and asks again by itself; the server judges the
  // lost answer (after its timeout and margin) from SmartBill's series, then writes the card.
  await panelState(page, 'issued', 90000);
  const docs = await documents();
  assert.equal(docs.length - before, 1, 'exactly one invoice');
  assert.equal((await invoicePosts(since)).length, 1, 'never posted again');
  const number = `${docs.at(-1).series} ${docs.at(-1).number}`;
  assert.equal(await text(page, 'number'), number);
  assert.equal((await fieldsOf('offerPayerEur')).SmartBillInvoiceNumber, number);
  // Meanwhile the panel said so, and no one was told to click again.
  const seen = await errorsSeen(page);
  assert.ok(seen.some((e) => /Serverul echipei .* nu a răspuns|nu poate fi contactat/.test(e)), JSON.stringify(seen));
  await page.close();
});

test('a revoked member key: the panel says so, nothing is issued', async () => {
  const list = (await t.call('/admin/members', { key: t.secrets.ADMIN_TOKEN })).body.members;
  const id = list.find((m) => m.name === 'Bogdan Ionescu').id;
  assert.equal((await t.call(`/admin/members/${id}`, { method: 'DELETE', key: t.secrets.ADMIN_TOKEN })).status, 200);
  const before = (await documents()).length;
  const since = await t.lastSeq();
  const page = await openCard(bogdan, t.info, 'offerPersonRon');
  await panelState(page, 'error');
  const said = await text(page, 'error');
  assert.match(said, /nu acceptă cheia de membru/);
  assert.match(said, /Nu s-a emis nimic/);
  // Trying again changes nothing: still refused, still nothing issued, no direct call.
  await click(page, 'retry');
  await waitFor('the refusal again', async () => (await t.log('smartbill', since)).length === 0 && /revocat/.test(await text(page, 'error')));
  assert.equal((await documents()).length, before);
  assert.deepEqual(await invoicePosts(since), []);
  assert.deepEqual((await t.log('minicrm', since)).filter((r) => r.method !== 'GET'), [], 'nothing written to MiniCRM either');
  await page.screenshot({ path: artifact('team-revoked.png') });
  await page.close();
});

test('a card moved to the trigger status with no browser open is issued by the cron, and the card written', async () => {
  await ana.close();
  await bogdan.close();
  ana = null;
  bogdan = null;
  await t.configure({ advanced: { timeScale: TIME_SCALE, requestTimeoutMs: 6000 } }, { triggers: ['Acceptată'], auto: true });
  const before = (await documents()).length;
  const card = t.info.minicrm.cards.offerPersonRon;
  // Someone moves the card in MiniCRM itself.
  const moved = await fetch(`${t.info.minicrm.base}/__ui/${t.info.minicrm.systemId}/project/${card.projectId}/status`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ statusId: '3003' }),
  });
  assert.equal(moved.status, 200);
  const run = await (await t.mf.getWorker()).scheduled({ cron: '*/2 * * * *' });
  assert.equal(run.outcome, 'ok');
  const docs = await documents();
  assert.equal(docs.length - before, 1, 'issued by the cron');
  const number = `${docs.at(-1).series} ${docs.at(-1).number}`;
  assert.equal((await fieldsOf('offerPersonRon')).SmartBillInvoiceNumber, number);
  // The next trigger issues nothing more.
  await (await t.mf.getWorker()).scheduled({ cron: '*/2 * * * *' });
  assert.equal((await documents()).length - before, 1);
});
