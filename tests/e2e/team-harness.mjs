// Team mode harness: the sandbox binary and the built Worker (server/build/, made by
// scripts/build-server.sh) on workerd through the Miniflare 4 API, configured like a team's
// deployment whose vendors are the sandbox. Builds nothing itself.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Miniflare } from 'miniflare';
import { ROOT, TIME_SCALE, startSandbox } from './harness.mjs';

export const BUILD = join(ROOT, 'server', 'build');
/** A configured colleague's extension (Chrome's id alphabet is a–p). */
export const ORIGIN = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
export const FIREFOX_ORIGIN = 'moz-extension://0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
export const WAREHOUSE = 'Depozit Central';

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
 * (the e2e suite's TIME_SCALE by default; the server's governors follow it).
 */
export async function startTeam({ speed = TIME_SCALE } = {}) {
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
  let mf;
  try {
    mf = new Miniflare({
      modules: [
        { type: 'ESModule', path: join(BUILD, 'index.js') },
        { type: 'CompiledWasm', path: join(BUILD, 'index_bg.wasm') },
      ],
      modulesRoot: BUILD,
      compatibilityDate: '2025-09-01',
      durableObjects: { TEAM: { className: 'Team', useSQLite: true } },
      triggers: { crons: crons() },
      port: 0,
      bindings: {
        SMARTBILL_CIF: info.smartbill.cif,
        SMARTBILL_EMAIL: info.smartbill.email,
        SMARTBILL_TOKEN: info.smartbill.token,
        SMARTBILL_API_BASE: info.smartbill.apiBase,
        MINICRM_URL: info.minicrm.base,
        MINICRM_SYSTEM_ID: info.minicrm.systemId,
        MINICRM_API_KEY: info.minicrm.apiKey,
        ALLOWED_ORIGINS: `${ORIGIN},${FIREFOX_ORIGIN}`,
        // The sandbox listens on 127.0.0.1: the core may call it (as the extension's sandbox build).
        EXTRA_HOSTS: 'http://127.0.0.1/*',
        ...secrets,
      },
    });
  } catch (e) {
    sandbox.stop();
    throw e;
  }
  const url = (await mf.ready).href.replace(/\/$/, '');

  /** A request to the Worker over real HTTP; resolves with {status, headers, body (JSON or text)}. */
  const call = async (path, { method = 'GET', body, key, origin, headers = {} } = {}) => {
    const h = { ...headers };
    if (key) h.authorization = `Bearer ${key}`;
    if (origin) h.origin = origin;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(`${url}${path}`, { method, headers: h, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    let parsed = text;
    try { parsed = JSON.parse(text); } catch { /* text */ }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
  const command = (cmd, key = secrets.ADMIN_TOKEN) => call('/api/command', { method: 'POST', body: cmd, key });

  /** MiniCRM's products as the fake holds them. */
  const products = async () => (await sandbox.control('/minicrm/products')).products;
  const product = async (sku) => (await products()).find((p) => p.SKU === sku);
  /** The request log since `since` (a seq) for a service. */
  const log = async (service, since = 0) => (await sandbox.control(`/requests?service=${service}&since=${since}`)).requests;
  const lastSeq = async () => (await sandbox.control('/requests?since=999999999')).lastSeq;
  const productWrites = async (since = 0) => (await log('minicrm', since)).filter((r) => r.method === 'PUT' && r.path.startsWith('/Api/R3/Product'));

  /** Configures the team as the admin would: module found, suggested card fields, stock sync on. */
  const configure = async (patch = {}) => {
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
    form.integration = { fields: checklist.body.schema.suggestion, triggers: [], auto: false };
    const saved = await command({ cmd: 'saveSettings', settings: form });
    if (!saved.body.ok || saved.body.problems.length) throw new Error(`saveSettings: ${saved.text}`);
    return saved.body;
  };

  /** Points the fake SmartBill's "Sincronizare stocuri" at the Worker. */
  const hook = (token = secrets.STOCK_WEBHOOK_TOKEN, target = `${url}/smartbill/stock`) =>
    sandbox.control('/smartbill/webhook', { body: { url: target, token } });

  const cardUrl = (name) => {
    const c = info.minicrm.cards[name];
    return `${info.minicrm.base}/${info.minicrm.systemId}/#Project-${c.categoryId}/${c.projectId}`;
  };

  return {
    sandbox, info, mf, url, secrets, call, command, products, product, log, lastSeq, productWrites, configure, hook, cardUrl,
    status: async () => (await call('/admin/status', { key: secrets.ADMIN_TOKEN })).body,
    stop: async () => {
      try { await mf.dispose(); } finally { sandbox.stop(); }
    },
  };
}
