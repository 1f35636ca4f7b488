// Team mode harness: the sandbox binary and the built Worker (server/build/, made by
// scripts/build-server.sh) on workerd through the Miniflare 4 API, configured like a team's
// deployment whose vendors are the sandbox. Builds nothing itself.
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes, createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Miniflare } from 'miniflare';
import { ROOT, TIME_SCALE, startSandbox } from './harness.mjs';

export const BUILD = join(ROOT, 'server', 'build');
/** A configured colleague's extension (Chrome's id alphabet is a–p). */
export const ORIGIN = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
export const FIREFOX_ORIGIN = 'moz-extension://0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
export const WAREHOUSE = 'Depozit Central';

/**
 * The id Chromium gives an unpacked extension: the first 128 bits of the SHA-256 of its absolute
 * path, written with the letters a–p. Lets the server's ALLOWED_ORIGINS name the test build's
 * origin before any browser starts (tests check it against the id the browser reports).
 */
export function unpackedExtensionId(path) {
  const hex = createHash('sha256').update(path).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}

/**
 * One HTTP request on a connection of its own (`Connection: close`). Node's fetch keeps
 * connections alive and does not resend a request written on a pooled connection that workerd's
 * local server is closing at that moment: the call fails with "fetch failed" although the Worker
 * never saw it (it happened once in CI; Miniflare's own `dispatchFetch` avoids reuse for the same
 * reason). A browser resends in that case, so a fresh connection per call is what the extension
 * sees. Errors name the request and the socket's cause.
 */
function request(target, method, headers, body) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(target, { method, headers: { ...headers, connection: 'close' }, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) for (const one of [].concat(v)) h.append(k, one);
        resolve({ status: res.statusCode, headers: h, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', (e) => reject(new Error(`${method} ${target}: ${e.code ?? ''} ${e.message}`)));
    req.end(body);
  });
}

/** The cron triggers exactly as wrangler.toml declares them. */
export function crons() {
  const toml = readFileSync(join(ROOT, 'server', 'wrangler.toml'), 'utf8');
  const m = toml.match(/^crons\s*=\s*\[([^\]]*)\]/m);
  if (!m) throw new Error('no crons in server/wrangler.toml');
  return [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]);
}

/** Polls `fn` until it returns something truthy; fails after `timeout` ms with `what`. */
export async function waitFor(what, fn, { timeout = 20000, every = 25 } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/**
 * Starts the sandbox and the Worker; resolves with helpers. `speed`: the sandbox clock's speed
 * (the e2e suite's TIME_SCALE by default; the server's governors follow it). `origins`: more
 * extension origins for ALLOWED_ORIGINS (the browsers' test build). `persist`: keep the Durable
 * Object's storage in a temporary directory, so `restart()` brings up a new workerd on the same
 * port and the same storage (a server stopped and started again). `vars`: more Worker variables
 * (e.g. a short `TICK_SLICE_MS`).
 */
export async function startTeam({ speed = TIME_SCALE, origins = [], persist = false, vars = {} } = {}) {
  for (const f of ['index.js', 'index_bg.wasm']) {
    if (!existsSync(join(BUILD, f))) throw new Error(`${join(BUILD, f)} is missing: run bash scripts/build-server.sh`);
  }
  const sandbox = await startSandbox();
  await sandbox.control('/clock', { body: { speed } });
  const { info } = sandbox;
  const secrets = {
    ADMIN_TOKEN: `admin-${randomBytes(16).toString('hex')}`,
    STOCK_WEBHOOK_TOKEN: `hook-${randomBytes(16).toString('hex')}`,
  };
  const persistDir = persist ? mkdtempSync(join(tmpdir(), 'mcsb-team-do-')) : undefined;
  let allowed = [ORIGIN, FIREFOX_ORIGIN, ...origins];
  const options = (port) => ({
    modules: [
      { type: 'ESModule', path: join(BUILD, 'index.js') },
      { type: 'CompiledWasm', path: join(BUILD, 'index_bg.wasm') },
    ],
    modulesRoot: BUILD,
    compatibilityDate: '2025-09-01',
    durableObjects: { TEAM: { className: 'Team', useSQLite: true } },
    triggers: { crons: crons() },
    port,
    durableObjectsPersist: persistDir,
    bindings: {
      SMARTBILL_CIF: info.smartbill.cif,
      SMARTBILL_EMAIL: info.smartbill.email,
      SMARTBILL_TOKEN: info.smartbill.token,
      SMARTBILL_API_BASE: info.smartbill.apiBase,
      MINICRM_URL: info.minicrm.base,
      MINICRM_SYSTEM_ID: info.minicrm.systemId,
      MINICRM_API_KEY: info.minicrm.apiKey,
      ALLOWED_ORIGINS: allowed.join(','),
      // The sandbox listens on 127.0.0.1: the core may call it (as the extension's sandbox build).
      EXTRA_HOSTS: 'http://127.0.0.1/*',
      ...vars,
      ...secrets,
    },
  });
  let mf;
  let url;
  try {
    mf = new Miniflare(options(0));
    url = (await mf.ready).href.replace(/\/$/, '');
  } catch (e) {
    sandbox.stop();
    throw e;
  }
  const port = Number(new URL(url).port);
  /**
   * Stops workerd at once (requests in flight are cut, as when a server goes down) and starts a
   * new one on the same port; with `persist`, on the same Durable Object storage. `allowedOrigins`
   * replaces ALLOWED_ORIGINS for the new one.
   */
  const restart = async ({ allowedOrigins } = {}) => {
    await mf.dispose();
    if (allowedOrigins) allowed = allowedOrigins;
    mf = new Miniflare(options(port));
    await mf.ready;
  };

  /** A request to the Worker over real HTTP; resolves with {status, headers, body (JSON or text)}. */
  const call = async (path, { method = 'GET', body, key, origin, headers = {} } = {}) => {
    const h = { ...headers };
    if (key) h.authorization = `Bearer ${key}`;
    if (origin) h.origin = origin;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await request(`${url}${path}`, method, h, body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
    let parsed = res.text;
    try { parsed = JSON.parse(res.text); } catch { /* text */ }
    return { ...res, body: parsed };
  };
  const command = (cmd, key = secrets.ADMIN_TOKEN) => call('/api/command', { method: 'POST', body: cmd, key });

  /** MiniCRM's products as the fake holds them. */
  const products = async () => (await sandbox.control('/minicrm/products')).products;
  const product = async (sku) => (await products()).find((p) => p.SKU === sku);
  /** The request log since `since` (a seq) for a service. */
  const log = async (service, since = 0) => (await sandbox.control(`/requests?service=${service}&since=${since}`)).requests;
  const lastSeq = async () => (await sandbox.control('/requests?since=999999999')).lastSeq;
  const productWrites = async (since = 0) => (await log('minicrm', since)).filter((r) => r.method === 'PUT' && r.path.startsWith('/Api/R3/Product'));

  /**
   * Configures the team as the admin would: module found, suggested card fields, stock sync on;
   * `triggers` (status labels) with `auto` switch automatic emission on.
   */
  const configure = async (patch = {}, { triggers = [], auto = false } = {}) => {
    const form = {
      minicrm: { module: 'offers' },
      document: { kind: 'invoice', series: info.smartbill.invoiceSeries, dueDays: 15, draft: false },
      stock: { enabled: true, warehouse: WAREHOUSE },
      advanced: { timeScale: speed },
      ...patch,
    };
    const found = await command({ cmd: 'testMiniCrm', settings: form });
    if (!found.body.ok) throw new Error(`testMiniCrm: ${found.text}`);
    form.minicrm.categoryId = found.body.module.id;
    const checklist = await command({ cmd: 'checklist', settings: form });
    const statuses = checklist.body.schema.statuses || [];
    const chosen = triggers.map((label) => {
      const st = statuses.find((x) => x.label === label);
      if (!st) throw new Error(`no status ${label} in ${JSON.stringify(statuses)}`);
      return { id: st.id, label: st.label };
    });
    form.integration = { fields: checklist.body.schema.suggestion, triggers: chosen, auto };
    const saved = await command({ cmd: 'saveSettings', settings: form });
    if (!saved.body.ok || saved.body.problems.length) throw new Error(`saveSettings: ${saved.text}`);
    return saved.body;
  };

  /** Points the fake SmartBill's "Sincronizare stocuri" at the Worker. */
  const hook = (token = secrets.STOCK_WEBHOOK_TOKEN, target = `${url}/smartbill/stock`) =>
    sandbox.control('/smartbill/webhook', { body: { url: target, token } });

  /**
   * `count` offers in MiniCRM whose cards name their invoice, and those invoices in SmartBill
   * (unpaid), seeded through the control API: work for the payment refresh.
   */
  const seedInvoicedCards = async (count) => {
    const customer = String(info.minicrm.cards.offerBucharestRon.customerId);
    const offers = (await sandbox.control('/minicrm/documents', { body: { kind: 'Offer', count, body: {
      CustomerId: customer, CurrencyCode: 'RON',
      Items: [{ SKU: 'CAB-HDMI', Name: 'Cablu HDMI 2m', PriceNet: '100', Quantity: '1', Unit: 'buc', VAT: '21' }],
    } } })).documents;
    const invoices = (await sandbox.control('/smartbill/invoices', { body: { count } })).invoices;
    const field = info.minicrm.cards.fields?.offers?.invoiceNumber || 'SmartBillInvoiceNumber';
    for (let i = 0; i < count; i++) {
      await sandbox.control(`/minicrm/project/${offers[i].ProjectId}`, { body: { fields: { [field]: `${invoices[i].series} ${invoices[i].number}` } } });
    }
    return invoices;
  };

  const cardUrl = (name) => {
    const c = info.minicrm.cards[name];
    return `${info.minicrm.base}/${info.minicrm.systemId}/#Project-${c.categoryId}/${c.projectId}`;
  };

  return {
    sandbox, info, url, secrets, call, command, products, product, log, lastSeq, productWrites, configure, hook, cardUrl, restart, seedInvoicedCards,
    get mf() { return mf; },
    get allowedOrigins() { return allowed; },
    status: async () => (await call('/admin/status', { key: secrets.ADMIN_TOKEN })).body,
    stop: async () => {
      try { await mf.dispose(); } finally {
        sandbox.stop();
        if (persistDir) rmSync(persistDir, { recursive: true, force: true });
      }
    },
  };
}
