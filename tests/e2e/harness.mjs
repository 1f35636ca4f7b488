// Test harness: the sandbox as a process, Debian's Chromium with the unpacked sandbox build of
// the extension, and helpers to reach the extension's pages and the sandbox's control API.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EXTENSION = process.env.EXTENSION_DIR || join(ROOT, 'dist', 'sandbox');
export const ARTIFACTS = join(ROOT, 'artifacts');
/**
 * The e2e suite runs the sandbox's clock this much faster and tells the extension (sandbox build
 * only) to shrink its rate-limit windows as much: MiniCRM's 60 calls a minute become 60 per 3 s,
 * so a suite that makes hundreds of calls runs in minutes without tripping a limit.
 */
export const TIME_SCALE = 20;
const SANDBOX_BIN = process.env.SANDBOX_BIN || join(ROOT, 'target', 'debug', 'sandbox');
/**
 * Every API request the sandboxes of this run receive is appended here (one file per sandbox
 * process); `check-requests` judges them against the documented allow-list after the suite.
 */
export const REQUEST_LOGS = join(ARTIFACTS, 'requests');
let sandboxCount = 0;

/**
 * Starts the sandbox binary on free ports; resolves with its info (URLs, credentials, ids, the
 * tenant shape and the readings). The readings of silent points come from SANDBOX_READINGS
 * (default strict) and the shape from SANDBOX_SHAPE, both inherited by the process; `shape`
 * overrides the latter for one sandbox.
 */
export async function startSandbox({ shape } = {}) {
  if (!existsSync(SANDBOX_BIN)) throw new Error(`${SANDBOX_BIN} is missing: run cargo build -p sandbox`);
  mkdirSync(REQUEST_LOGS, { recursive: true });
  sandboxCount += 1;
  const requestLog = join(REQUEST_LOGS, `sandbox-${process.pid}-${sandboxCount}.jsonl`);
  const args = ['--smartbill-port', '0', '--minicrm-port', '0', '--request-log', requestLog];
  if (shape) args.push('--shape', shape);
  const child = spawn(SANDBOX_BIN, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const info = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the sandbox did not start within 20 s')), 20000);
    child.once('exit', (code) => reject(new Error(`the sandbox exited with ${code}`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      try { resolve(JSON.parse(line)); } catch (e) { reject(e); }
    });
  });
  const control = async (path, { method = 'GET', body } = {}) => {
    const res = await fetch(`${info.urls.minicrm}/__control${path}`, {
      method: body !== undefined && method === 'GET' ? 'POST' : method,
      headers: body !== undefined ? { 'content-type': 'application/json' } : {},
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`control ${path}: HTTP ${res.status} ${await res.text()}`);
    return res.json();
  };
  // Every body the extension sent to SmartBill, kept across resets for the spec check.
  const sent = [];
  const keepBodies = async () => {
    const log = (await control('/requests?service=smartbill')).requests;
    for (const r of log) if ((r.method === 'POST' || r.method === 'PUT') && r.body && typeof r.body === 'object') sent.push(r);
  };
  await control('/clock', { body: { speed: TIME_SCALE } });
  return {
    info,
    control,
    sent,
    keepBodies,
    requestLog,
    reset: async () => {
      await keepBodies();
      return control('/reset', { body: { seed: true } });
    },
    requests: async (service) => (await control(`/requests${service ? `?service=${service}` : ''}`)).requests,
    stop: () => child.kill('SIGTERM'),
  };
}

/** Launches Chromium with the extension; resolves with the context and the extension's id. */
export async function launchBrowser({ headless = true, userDataDir, args = [], locale = process.env.UI_LOCALE || 'ro-RO' } = {}) {
  const dir = userDataDir || mkdtempSync(join(tmpdir(), 'mcsb-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless,
    viewport: { width: 1280, height: 860 },
    locale,
    // Chromium takes its UI language (chrome.i18n) from the environment; needs chromium-l10n.
    env: { ...process.env, LANG: `${locale.replace('-', '_')}.UTF-8`, LANGUAGE: locale.split('-')[0] },
    args: [
      `--disable-extensions-except=${EXTENSION}`,
      `--load-extension=${EXTENSION}`,
      '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-sync', '--disable-quic',
      ...args,
    ],
  });
  let [worker] = context.serviceWorkers();
  if (!worker) worker = await context.waitForEvent('serviceworker', { timeout: 15000 });
  const extensionId = new URL(worker.url()).host;
  return {
    context,
    extensionId,
    worker: () => context.serviceWorkers()[0],
    page: async (path) => {
      const page = await context.newPage();
      await page.goto(`chrome-extension://${extensionId}/${path}`);
      return page;
    },
    close: async () => {
      await context.close();
      if (!userDataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fills and saves the options page with the sandbox's account; returns the page. */
export async function configure(browser, info, overrides = {}) {
  const page = await browser.page('options.html');
  // The stored settings are on the page (what is typed before stays typed either way).
  await page.locator('body[data-loaded="true"]').waitFor({ state: 'attached' });
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
  await page.selectOption('#minicrmModule', v.module);
  await page.fill('#timeScale', String(v.timeScale ?? TIME_SCALE));
  // A request without an answer is given up after 8 s (production: 30 s), so the fault matrix's
  // "no conclusion before the timeout plus a margin" takes seconds, not minutes.
  await page.fill('#requestTimeoutMs', String(v.requestTimeoutMs ?? 8000));
  if (v.claimBoundMs) await page.fill('#claimBoundMs', String(v.claimBoundMs));
  return page;
}

export function artifact(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/**
 * Evaluates an expression in the extension's content-script world of `page` (the isolated world
 * Chrome gives content scripts), through CDP. Resolves with the value.
 */
export async function inContentScript(page, expression) {
  const cdp = await page.context().newCDPSession(page);
  const contexts = [];
  cdp.on('Runtime.executionContextCreated', (e) => contexts.push(e.context));
  await cdp.send('Runtime.enable');
  const deadline = Date.now() + 5000;
  let ctx;
  while (!(ctx = contexts.find((c) => c.auxData && c.auxData.type === 'isolated' && /SmartBill/.test(c.name)))) {
    if (Date.now() > deadline) throw new Error(`no content-script world in ${page.url()}: ${JSON.stringify(contexts.map((c) => c.name))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', { expression, contextId: ctx.id, awaitPromise: true, returnByValue: true });
  await cdp.detach();
  if (exceptionDetails) throw new Error(exceptionDetails.exception?.description || exceptionDetails.text);
  return result.value;
}

/**
 * Records every error text the panel shows from now on (a MutationObserver on the closed shadow
 * root, in the content-script world): messages that come and go while the panel recovers. Read
 * them with `errorsSeen`.
 */
export const watchErrors = (page) => inContentScript(page, `(() => {
  const root = chrome.dom.openOrClosedShadowRoot(document.getElementById('minicrm-smartbill-panel'));
  globalThis.__seen = [];
  new MutationObserver(() => {
    for (const e of root.querySelectorAll('[data-testid="error"]')) if (!__seen.includes(e.textContent)) __seen.push(e.textContent);
  }).observe(root, { subtree: true, childList: true, characterData: true });
  return true;
})()`);
/** The error texts the panel showed since `watchErrors`. @returns {Promise<string[]>} */
export const errorsSeen = (page) => inContentScript(page, 'globalThis.__seen');

/** Stops the extension's service worker, as Chrome does to an idle or crashed worker (CDP). */
export async function killWorker(browser) {
  const page = await browser.context.newPage();
  const cdp = await browser.context.newCDPSession(page);
  const { targetInfos } = await cdp.send('Target.getTargets');
  const worker = targetInfos.find((t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${browser.extensionId}/`));
  if (!worker) throw new Error('no service worker to stop');
  await cdp.send('Target.closeTarget', { targetId: worker.targetId });
  await cdp.detach();
  await page.close();
}

/**
 * Stops the extension's service worker if one is running (none is fine). Between cases: a
 * previous case's work still running in the worker (a slow write-back, a job's tick) would
 * otherwise write into the next case's cleared storage, and its in-memory governors and locks
 * would carry over.
 */
export async function stopWorker(browser) {
  const page = await browser.context.newPage();
  try {
    const cdp = await browser.context.newCDPSession(page);
    const { targetInfos } = await cdp.send('Target.getTargets');
    for (const t of targetInfos) {
      if (t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${browser.extensionId}/`)) {
        await cdp.send('Target.closeTarget', { targetId: t.targetId });
      }
    }
    await cdp.detach();
  } finally {
    await page.close();
  }
}

/**
 * The start of a case: the browsers' workers stopped (see `stopWorker`; from the second case
 * on), each browser's storage and alarms cleared, then the sandbox reset. In that order: a
 * worker that woke after the reset with the previous case's storage (its tick alarm) would finish
 * that case's work on the fresh sandbox, e.g. write an invoice number onto a fresh card.
 */
const startedCases = new WeakSet();
async function clearStorage(browser) {
  const page = await browser.page('options.html');
  await page.evaluate(async () => {
    await chrome.alarms.clearAll();
    await chrome.storage.local.clear();
  });
  await page.close();
}
export async function freshCase(sandbox, ...browsers) {
  // Before a browser's first case there is nothing to stop (and its worker may still be
  // finishing its install).
  const started = browsers.filter((b) => startedCases.has(b));
  for (const b of started) await stopWorker(b);
  for (const b of browsers) await clearStorage(b);
  // A worker an alarm woke before the clear may have saved what it held: stopped, cleared again.
  for (const b of started) {
    await stopWorker(b);
    await clearStorage(b);
  }
  for (const b of browsers) startedCases.add(b);
  await sandbox.reset();
}

/** Sends a command from an extension page (as the popup or options page would). */
export async function command(browser, message) {
  const page = await browser.page('popup.html');
  const reply = await page.evaluate((m) => chrome.runtime.sendMessage(m), message);
  await page.close();
  return reply;
}

/**
 * Configures the extension through its options page for the sandbox: both connections tested,
 * the card fields confirmed from the checklist, optional automatic emission and stock.
 */
export async function configureAll(browser, info, { module = 'offers', kind = 'invoice', series, auto = false, triggers = [], stock = null, draft = false, timeScale, requestTimeoutMs } = {}) {
  const page = await configure(browser, info, { module, series: series || (kind === 'proforma' ? info.smartbill.proformaSeries : info.smartbill.invoiceSeries), timeScale, requestTimeoutMs });
  await page.check(`input[name="documentKind"][value="${kind}"]`);
  if (draft) await page.check('#draft');
  await page.click('#testMiniCrm');
  await page.locator('#minicrmResult.ok').waitFor();
  // The mapping drawn for this module (not one left from the stored settings).
  const category = await page.evaluate(() => document.getElementById('minicrmModule').dataset.categoryId);
  await page.locator(`#mapping[data-category-id="${category}"]:not([hidden])`).waitFor();
  for (const label of triggers) await page.locator('#triggers label', { hasText: label }).locator('input').check();
  if (auto) await page.check('#auto');
  if (stock) {
    await page.check('#stockEnabled');
    await page.fill('#stockWarehouse', stock);
  }
  await page.click('#save');
  await page.locator('#saveStatus.ok').waitFor().catch(async (e) => {
    // Say what the options page shows instead.
    const shown = await page.evaluate(() => {
      const s = document.getElementById('saveStatus');
      const w = document.getElementById('saveWarnings');
      const errs = Array.from(document.querySelectorAll('.err')).filter((x) => x.textContent).map((x) => `${x.dataset.for}: ${x.textContent}`).join('; ');
      return `saveStatus "${s.className}": ${s.textContent}; fields: ${errs}; warnings: ${w ? w.textContent : ''}`;
    }).catch(() => '?');
    throw new Error(`${e.message}\n${shown}`, { cause: e });
  });
  return page;
}

/** Opens a seeded card of the fake MiniCRM and waits for the panel to settle. */
export async function openCard(browser, info, name, { still = false } = {}) {
  const { minicrm } = info;
  const card = minicrm.cards[name];
  const page = await browser.context.newPage();
  // `still`: the fake MiniCRM page never refreshes itself (its 2-s poll is a `setInterval` of the
  // page's own world; the content script's world keeps its own), as a tab whose CRM page has not
  // been reloaded: the panel is drawn again only by what the extension itself does.
  if (still) await page.addInitScript(() => { window.setInterval = () => 0; });
  await page.goto(`${minicrm.base}/${minicrm.systemId}/#Project-${card.categoryId}/${card.projectId}`);
  await page.locator('#minicrm-smartbill-panel').waitFor({ state: 'attached' });
  await page.waitForFunction(() => {
    const s = document.querySelector('#minicrm-smartbill-panel')?.dataset.state;
    return s && s !== 'loading';
  });
  return page;
}

/** A colleague moves a seeded card to another status on MiniCRM's own page. */
export async function moveCard(info, name, statusId) {
  const { minicrm } = info;
  const res = await fetch(`${minicrm.base}/__ui/${minicrm.systemId}/project/${minicrm.cards[name].projectId}/status`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ statusId: String(statusId) }),
  });
  if (!res.ok) throw new Error(`moving ${name} to ${statusId}: HTTP ${res.status} ${await res.text()}`);
}

/**
 * Waits until the content script has decided about the page as it is now (shown or not, and
 * watching the card for status changes); resolves with the decision. The decision lives in the
 * content script's own world: the page cannot see it.
 */
export async function decided(page, timeout = 20000) {
  const end = Date.now() + timeout;
  for (;;) {
    const d = await inContentScript(page, 'window.__mcsbDecided && window.__mcsbDecided.url === location.href ? window.__mcsbDecided : null').catch(() => null);
    if (d && (!d.shown || d.watching)) return d;
    if (Date.now() > end) throw new Error(`the panel did not decide about ${page.url()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls `check` until it gives a truthy value (returned), or fails after `timeout` naming `what`. */
export async function waitFor(check, what, timeout = 30000) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The panel's shadow root, as a locator. */
export function panel(page) {
  const host = page.locator('#minicrm-smartbill-panel');
  // The panel's shadow root is closed: the page (and Playwright's locators) cannot reach into it.
  // Tests reach it as only the extension can, from the content-script world
  // (`chrome.dom.openOrClosedShadowRoot`), and click as a person does: a real mouse click at the
  // element's place, which is a trusted event.
  return new Proxy(host, {
    get(target, prop) {
      if (prop === 'locator') return (selector) => panelLocator(page, selector);
      const v = target[prop];
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

const PANEL_ROOT = "chrome.dom.openOrClosedShadowRoot(document.getElementById('minicrm-smartbill-panel'))";

/** Runs `body` (an expression over `el`, the first match, and `all`) in the content-script world. */
async function inPanel(page, selector, body) {
  const expression = `(() => {
    const host = document.getElementById('minicrm-smartbill-panel');
    const root = host && ${PANEL_ROOT};
    const all = root ? Array.from(root.querySelectorAll(${JSON.stringify(selector)})) : [];
    const el = all[0] || null;
    return ${body};
  })()`;
  return inContentScript(page, expression);
}

/**
 * A person's click on an element of the panel: a real mouse click at its place, which acts only if
 * it lands there. The panel may redraw between measuring the element and the click (a look at the
 * card answered meanwhile moves what is below it); a click that would land elsewhere is stopped in
 * the content script's world before any handler sees it, and the element is measured and clicked
 * again. Playwright's own clicks check their target the same way.
 * @param {import('playwright').Page} page
 * @param {string} selector
 * @param {string} ready when the element may be clicked (`el` is the element, or null)
 */
async function aimedClick(page, selector, ready, timeout = 20000) {
  const end = Date.now() + timeout;
  for (;;) {
    await waitFor(() => inPanel(page, selector, ready), `${selector} to be clickable`, Math.max(0, end - Date.now()));
    const rect = await aimAt(page, selector, ready);
    if (!rect) continue;
    await page.mouse.click(rect.x, rect.y);
    const landed = await aimLanded(page);
    if (landed === 'hit') return;
    // Said in the log: a test that needed a second aim shows where the panel moves under a click.
    console.error(`# a click on ${selector} ${landed === 'missed' ? 'landed elsewhere' : 'reached nothing'}: aiming again`);
    if (Date.now() > end) throw new Error(`a click on ${selector} landed elsewhere until the time ran out (${landed})`);
  }
}

/**
 * Measures an element of the panel and arms the guard of the next click (see `aimedClick`).
 * @returns {Promise<{ x: number, y: number } | null>} its middle; null when it is not `ready`
 */
export function aimAt(page, selector, ready = 'el !== null && !el.disabled') {
  return inPanel(page, selector, `(${ready}) ? (${AIM})(el, host, root) : null`);
}

/**
 * Where the click since `aimAt` went, and the guard disarmed.
 * @returns {Promise<'hit' | 'missed' | 'none'>}
 */
export function aimLanded(page) {
  return inContentScript(page, `(${AIM_LANDED})()`);
}

// Arms the guard of one click (content script's world; Firefox's harness runs it in Marionette's
// system sandbox): pointer events that land outside `el`, or on it while disabled, are stopped at
// the window (outside the panel) or at the panel's root.
/** Where the click since the guard was armed went ('hit', 'missed', 'none'); the guard disarmed. */
export const AIM_LANDED = `() => {
  const a = window.__mcsbAim;
  if (!a) return 'none';
  a.disarm();
  return a.missed ? 'missed' : a.clicks ? 'hit' : 'none';
}`;
export const AIM = `(el, host, root) => {
  if (window.__mcsbAim) window.__mcsbAim.disarm();
  const aim = { missed: false, clicks: 0 };
  const types = ['pointerdown', 'mousedown', 'pointerup', 'mouseup', 'click'];
  const stop = (e) => { aim.missed = true; e.stopImmediatePropagation(); e.preventDefault(); };
  const outside = (e) => { if (e.isTrusted && e.target !== host) stop(e); };
  const inside = (e) => {
    if (!e.isTrusted) return;
    if (!el.isConnected || el.disabled || !el.contains(e.composedPath()[0])) stop(e);
    else if (e.type === 'click' && !aim.missed) aim.clicks += 1;
  };
  for (const t of types) { window.addEventListener(t, outside, true); root.addEventListener(t, inside, true); }
  aim.disarm = () => {
    for (const t of types) { window.removeEventListener(t, outside, true); root.removeEventListener(t, inside, true); }
    if (window.__mcsbAim === aim) window.__mcsbAim = null;
  };
  window.__mcsbAim = aim;
  const r = el.getBoundingClientRect();
  return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
}`;

/** A Playwright-like locator for an element inside the panel's closed shadow root. */
export function panelLocator(page, selector) {
  const until = (check, what, timeout = 20000) => waitFor(check, what, timeout);
  const present = () => inPanel(page, selector, 'el !== null');
  return {
    count: () => inPanel(page, selector, 'all.length'),
    innerText: async () => {
      await until(present, `${selector} in the panel`);
      return inPanel(page, selector, 'el.innerText');
    },
    getAttribute: async (name) => {
      await until(present, `${selector} in the panel`);
      return inPanel(page, selector, `el.getAttribute(${JSON.stringify(name)})`);
    },
    isDisabled: async () => {
      await until(present, `${selector} in the panel`);
      return inPanel(page, selector, 'el.disabled === true');
    },
    waitFor: async ({ state = 'attached', timeout = 20000 } = {}) => {
      if (state === 'detached') return until(async () => !(await present()), `${selector} to go`, timeout);
      return until(present, `${selector} in the panel`, timeout);
    },
    fill: async (value) => {
      await aimedClick(page, selector, 'el !== null');
      await page.keyboard.type(String(value));
    },
    dblclick: async () => {
      await until(() => inPanel(page, selector, 'el !== null && !el.disabled'), `${selector} to be clickable`);
      const rect = await inPanel(page, selector, '(() => { const r = el.getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()');
      await page.mouse.dblclick(rect.x, rect.y);
    },
    click: () => aimedClick(page, selector, 'el !== null && !el.disabled'),
  };
}

/** Waits until the panel's state is one of `states`. */
export async function panelState(page, states, timeout = 20000) {
  const wanted = Array.isArray(states) ? states : [states];
  try {
    await page.waitForFunction((w) => w.includes(document.querySelector('#minicrm-smartbill-panel')?.dataset.state), wanted, { timeout });
  } catch (e) {
    // Say what the panel shows instead: a failure should explain itself.
    const state = await page.evaluate(() => document.querySelector('#minicrm-smartbill-panel')?.dataset.state).catch(() => '?');
    const shown = await inPanel(page, '.body', 'el ? el.innerText : ""').catch(() => '?');
    throw new Error(`panel not ${wanted.join('|')} but ${state}: ${String(shown).slice(0, 400)}`, { cause: e });
  }
  return page.evaluate(() => document.querySelector('#minicrm-smartbill-panel').dataset.state);
}
