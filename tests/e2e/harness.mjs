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
const SANDBOX_BIN = process.env.SANDBOX_BIN || join(ROOT, 'target', 'debug', 'sandbox');

/** Starts the sandbox binary on free ports; resolves with its info (URLs, credentials, ids). */
export async function startSandbox() {
  if (!existsSync(SANDBOX_BIN)) throw new Error(`${SANDBOX_BIN} is missing: run cargo build -p sandbox`);
  const child = spawn(SANDBOX_BIN, ['--smartbill-port', '0', '--minicrm-port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
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
  return {
    info,
    control,
    reset: () => control('/reset', { body: { seed: true } }),
    requests: async (service) => (await control(`/requests${service ? `?service=${service}` : ''}`)).requests,
    stop: () => child.kill('SIGTERM'),
  };
}

/** Launches Chromium with the extension; resolves with the context and the extension's id. */
export async function launchBrowser({ headless = true, userDataDir } = {}) {
  const dir = userDataDir || mkdtempSync(join(tmpdir(), 'mcsb-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless,
    viewport: { width: 1280, height: 860 },
    locale: process.env.UI_LOCALE || 'ro-RO',
    // Chromium takes its UI language (chrome.i18n) from the environment; needs chromium-l10n.
    env: { ...process.env, LANG: `${(process.env.UI_LOCALE || 'ro-RO').replace('-', '_')}.UTF-8`, LANGUAGE: (process.env.UI_LOCALE || 'ro-RO').split('-')[0] },
    args: [
      `--disable-extensions-except=${EXTENSION}`,
      `--load-extension=${EXTENSION}`,
      '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-sync', '--disable-quic',
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
