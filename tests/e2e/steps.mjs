// Steps a person takes with the extension, written once against the driver layer (driver.mjs) so
// the same steps drive Chromium and Firefox. Every wait is for a condition: the panel's state,
// the DOM, the sandbox's request log; never for the clock.
import { TIME_SCALE } from './harness.mjs';

export const PANEL = '#minicrm-smartbill-panel';

/** A fresh extension: the background stopped, its stored settings, journal and alarms cleared (as a fresh install has them). */
export async function resetExtension(browser) {
  // Stopped first: its memory goes too (the rate governors' count of the previous case's calls,
  // which the sandbox's reset forgets, would hold the next case's calls back), and its work in
  // flight. Then cleared; an alarm may have woken it before the clear, so stopped and cleared
  // once more. Call this before resetting the sandbox: a background woken after that reset with
  // the previous case's storage would finish that case's work on the fresh cards.
  const stop = () => browser.stopBackground().catch((e) => {
    if (!/no service worker/.test(e.message)) throw e;
  });
  const clear = async () => {
    const page = await browser.page('options.html');
    await page.evaluate(async () => {
      await chrome.alarms.clearAll();
      await chrome.storage.local.clear();
    });
    await page.close();
  };
  await stop();
  await clear();
  await stop();
  await clear();
}

/** Fills the options page with the sandbox's account; returns the page (not yet saved). */
export async function fillOptions(browser, info, overrides = {}) {
  const page = await browser.page('options.html');
  // The page asks the background for the stored settings first: wait until it has painted them.
  await page.waitFor('#apiBaseRow', { state: 'visible' });
  const v = {
    cif: info.smartbill.cif, email: info.smartbill.email, token: info.smartbill.token,
    apiBase: info.smartbill.apiBase, series: info.smartbill.invoiceSeries,
    url: info.minicrm.base, systemId: info.minicrm.systemId, apiKey: info.minicrm.apiKey, module: 'offers',
    ...overrides,
  };
  await page.fill('#smartbillCif', v.cif);
  await page.fill('#smartbillEmail', v.email);
  await page.fill('#smartbillToken', v.token);
  await page.fill('#smartbillApiBase', v.apiBase);
  await page.fill('#smartbillSeries', v.series);
  await page.fill('#minicrmUrl', v.url);
  await page.fill('#minicrmSystemId', v.systemId);
  await page.fill('#minicrmApiKey', v.apiKey);
  await page.select('#minicrmModule', v.module);
  await page.fill('#timeScale', String(v.timeScale ?? TIME_SCALE));
  // Unset, the sandbox build keeps production's 30-second request timeout.
  if (v.requestTimeoutMs) await page.fill('#requestTimeoutMs', String(v.requestTimeoutMs));
  return page;
}

/** Waits for a connection test's result box to say ok; otherwise fails with what it says. */
async function resultOk(page, id) {
  await page.waitFor(`#${id}.ok`, { state: 'visible', timeout: 30000 }).catch(async (e) => {
    const shown = await page.text(`#${id}`).catch(() => '?');
    throw new Error(`${e.message}; #${id} says: ${shown}`, { cause: e });
  });
}

/** "Testează conexiunea" on both sides; resolves with both result boxes' texts. */
export async function testConnections(page) {
  await page.click('#testSmartBill');
  await resultOk(page, 'smartbillResult');
  await page.click('#testMiniCrm');
  await resultOk(page, 'minicrmResult');
  return { smartbill: await page.text('#smartbillResult'), minicrm: await page.text('#minicrmResult') };
}

/** Saves the options form and waits for the verdict. */
export async function save(page) {
  await page.click('#save');
  await page.waitFor('#saveStatus.ok', { state: 'visible' });
}

/**
 * Configures the extension through its options page for the sandbox: the MiniCRM side tested,
 * the card fields confirmed from the checklist, saved.
 */
export async function configureAll(browser, info, { module = 'offers', requestTimeoutMs } = {}) {
  const page = await fillOptions(browser, info, { module, requestTimeoutMs });
  await page.click('#testMiniCrm');
  await resultOk(page, 'minicrmResult');
  await page.waitFor('#mapping', { state: 'visible', timeout: 30000 });
  await save(page);
  return page;
}

/** The URL of a seeded card of the fake MiniCRM. */
export function cardUrl(info, name) {
  const { minicrm } = info;
  const card = minicrm.cards[name];
  return `${minicrm.base}/${minicrm.systemId}/#Project-${card.categoryId}/${card.projectId}`;
}

/** Opens a seeded card and waits for the panel to settle. */
export async function openCard(browser, info, name) {
  const page = await browser.newPage();
  await page.goto(cardUrl(info, name));
  await page.waitFor(PANEL);
  await page.waitForFunction((sel) => {
    const s = document.querySelector(sel)?.dataset.state;
    return s && s !== 'loading';
  }, PANEL);
  return page;
}

/** Waits until the panel's state is one of `states`; resolves with it. */
export function panelState(page, states, timeout = 30000) {
  const wanted = Array.isArray(states) ? states : [states];
  return page.waitForFunction(([sel, w]) => {
    const s = document.querySelector(sel)?.dataset.state;
    return w.includes(s) && s;
  }, [PANEL, wanted], { timeout });
}

/** A button of the panel by its test id. */
export const panelButton = (testid) => `${PANEL} >> button[data-testid="${testid}"]`;
/** Any element of the panel by its test id. */
export const panelPart = (testid) => `${PANEL} >> [data-testid="${testid}"]`;

/** Sends a command from an extension page (as the popup or options page would). */
export async function command(browser, message) {
  const page = await browser.page('popup.html');
  const reply = await page.evaluate((m) => chrome.runtime.sendMessage(m), message);
  await page.close();
  return reply;
}

/** The documents the fake SmartBill holds. */
export async function documents(sandbox) {
  return (await sandbox.control('/smartbill/documents')).documents;
}

/** The fields of a seeded card in the fake MiniCRM. */
export async function cardFields(sandbox, name) {
  const id = sandbox.info.minicrm.cards[name].projectId;
  const { projects } = await sandbox.control('/minicrm/projects');
  return projects.find((p) => p.Id === id).Fields;
}

/** Polls a Node-side condition (the sandbox's state) until it holds. */
export async function waitUntil(check, what, timeout = 30000) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
