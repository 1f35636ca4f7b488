// Options page: paints the form and the core's answers. Validation, merging with stored secrets
// and the connection tests all happen in the core (background); this page never reads a stored
// token or API key back.
//
// The replies are typed by the core's Rust types (types/core.d.ts, generated; `send` gives each
// command's reply type, types/reply.d.ts); `tsc` checks this file against them (tsconfig.json).
/** @typedef {import('../types/core').SettingsView} SettingsView */
/** @typedef {import('../types/core').ErrorView} ErrorView */
/** @typedef {import('../types/core').Role} Role */
import { el, failed, localize, send, t } from './i18n.js';
import { mountJobs } from './jobs-view.js';

/**
 * The form's elements (inputs, selects, buttons, result boxes). Their DOM types are not what
 * this file is checked for: the core's replies are.
 * @type {(id: string) => any}
 */
const $ = (id) => document.getElementById(id);
/**
 * The inputs a selector finds.
 * @param {string} selector
 * @returns {HTMLInputElement[]}
 */
const inputs = (selector) => Array.from(document.querySelectorAll(selector));

function formInput() {
  const kind = inputs('input[name="documentKind"]:checked')[0].value;
  return {
    smartbill: {
      cif: $('smartbillCif').value,
      email: $('smartbillEmail').value,
      token: $('smartbillToken').value || null,
      apiBase: $('apiBaseRow').hidden ? null : $('smartbillApiBase').value,
    },
    minicrm: {
      url: $('minicrmUrl').value,
      systemId: $('minicrmSystemId').value,
      apiKey: $('minicrmApiKey').value || null,
      module: $('minicrmModule').value,
      categoryId: $('minicrmModule').dataset.categoryId ? Number($('minicrmModule').dataset.categoryId) : null,
    },
    document: {
      kind,
      series: $('smartbillSeries').value,
      dueDays: Number($('dueDays').value || 0),
      draft: $('draft').checked,
    },
    integration: $('mapping').hidden ? null : {
      fields: Object.fromEntries(ROLES.map((r) => [r, $(`field-${r}`).value || null])),
      triggers: inputs('#triggers input:checked').map((c) => ({ id: c.value, label: c.dataset.label })),
      auto: $('auto').checked,
      intervalMinutes: Number($('pollInterval').value || 2),
    },
    stock: { enabled: $('stockEnabled').checked, warehouse: $('stockWarehouse').value },
    advanced: $('timeScaleRow').hidden ? null : {
      timeScale: Number($('timeScale').value || 1),
      requestTimeoutMs: optionalNumber('requestTimeoutMs'),
      claimBoundMs: optionalNumber('claimBoundMs'),
      landMarginMs: optionalNumber('landMarginMs'),
    },
    team: { browserLabel: $('browserLabel').value, runner: $('runner').checked },
    unitsText: $('units').value,
    server: { url: $('serverUrl').value, key: $('serverKey').value || null },
  };
}

function optionalNumber(id) {
  const v = $(id).value.trim();
  return v === '' ? null : Number(v);
}

/** @type {Role[]} */
const ROLES = ['invoiceNumber', 'link', 'paymentStatus', 'pdf', 'error'];
/** @type {SettingsView | null} */
let stored = null;

/** @param {SettingsView} s */
function fill(s) {
  $('smartbillCif').value = s.smartbill.cif;
  $('smartbillEmail').value = s.smartbill.email;
  $('smartbillToken').value = '';
  $('smartbillToken').placeholder = s.smartbill.tokenSet ? t('secretSaved') : '';
  $('smartbillApiBase').value = s.smartbill.apiBase;
  $('minicrmUrl').value = s.minicrm.url;
  $('minicrmSystemId').value = s.minicrm.systemId;
  $('minicrmApiKey').value = '';
  $('minicrmApiKey').placeholder = s.minicrm.apiKeySet ? t('secretSaved') : '';
  $('minicrmModule').value = s.minicrm.module;
  if (s.minicrm.categoryId != null) $('minicrmModule').dataset.categoryId = String(s.minicrm.categoryId);
  for (const r of inputs('input[name="documentKind"]')) r.checked = r.value === s.document.kind;
  $('smartbillSeries').value = s.document.series;
  $('dueDays').value = s.document.dueDays;
  $('draft').checked = s.document.draft;
  $('auto').checked = s.integration.auto;
  $('pollInterval').value = s.integration.intervalMinutes;
  $('stockEnabled').checked = s.stock.enabled;
  $('stockWarehouse').value = s.stock.warehouse;
  $('timeScale').value = s.advanced.timeScale;
  $('requestTimeoutMs').value = s.advanced.requestTimeoutMs ?? '';
  $('claimBoundMs').value = s.advanced.claimBoundMs ?? '';
  $('landMarginMs').value = s.advanced.landMarginMs ?? '';
  $('units').value = s.unitsText;
  $('browserLabel').value = s.team.browserLabel;
  $('runner').checked = s.team.runner;
  const other = s.team.otherRunner;
  $('otherRunner').hidden = !other;
  if (other) $('otherRunner').textContent = t('otherRunner', [other.label || other.browser]);
  $('serverUrl').value = s.server.url;
  $('serverKey').value = '';
  $('serverKey').placeholder = s.server.keySet ? t('secretSaved') : '';
  // Team mode: the core says it is on; the page shows the server's notes instead of what the
  // server holds, and the vendor secrets cannot be typed (the browser does not keep them).
  document.body.classList.toggle('team-mode', s.server.enabled);
  $('smartbillToken').disabled = s.server.enabled;
  $('minicrmApiKey').disabled = s.server.enabled;
  stored = s;
}

// The browser shows its permission prompt only inside the click: ask for the typed server's
// host here (the core validates the address itself and lists what it needs in `origins`).
// Production builds declare https://*/* as optional; the sandbox build already has 127.0.0.1.
function requestServerAccess() {
  let pattern;
  try {
    const u = new URL($('serverUrl').value.trim());
    pattern = `${u.protocol}//${u.hostname}/*`;
  } catch (e) {
    return Promise.resolve(false);
  }
  return chrome.permissions.request({ origins: [pattern] }).catch(() => false);
}

async function testServer() {
  clearErrors();
  const box = $('serverResult');
  const asked = requestServerAccess();
  const reply = await busy($('testServer'), $('testServerBusy'), async () => {
    await asked;
    return send({ cmd: 'testServer', settings: formInput() });
  });
  $('serverWebhook').hidden = true;
  if (failed(reply)) return showError(box, reply.error, t('teamServer'));
  box.hidden = false;
  box.className = reply.allOk ? 'result ok' : 'result warn';
  box.replaceChildren(el('h3', t(reply.allOk ? 'serverOk' : 'serverProblems')));
  const lines = el('ul', null, 'checklist', { 'data-testid': 'server-lines' });
  for (const line of reply.lines) lines.append(el('li', line.text, line.ok ? 'ok' : 'fail'));
  box.append(lines);
  const w = reply.webhook;
  if (w) {
    $('serverWebhook').hidden = false;
    $('webhookWhere').textContent = w.where;
    $('webhookUrl').value = w.url || '';
    $('webhookTokenRow').hidden = !w.token;
    $('webhookToken').value = w.token || '';
    $('webhookTokenNote').textContent = w.tokenNote;
  }
  checkAccess(reply.origins);
}

// Host permissions: Firefox lets the user withdraw an MV3 extension's host permissions (and
// Chrome's "site access" can withhold them). The core says which ones the settings need; the
// missing ones are listed with a button that asks the browser for them (a user gesture).
/** @type {string[]} */
let missingOrigins = [];
/** @param {string[]} origins */
async function checkAccess(origins) {
  const granted = await Promise.all((origins || []).map((o) => chrome.permissions.contains({ origins: [o] })));
  missingOrigins = (origins || []).filter((_, i) => !granted[i]);
  $('accessOrigins').replaceChildren(...missingOrigins.map((o) => el('li', o)));
  $('access').hidden = missingOrigins.length === 0;
}

function grantAccess() {
  // Called straight from the click: the browser only shows its prompt for a user gesture.
  chrome.permissions.request({ origins: missingOrigins })
    .finally(() => checkAccess(stored ? stored.origins : missingOrigins));
}

async function loadWarehouses() {
  const out = $('warehousesResult');
  out.textContent = t('testing');
  const reply = await send({ cmd: 'warehouses' });
  if (failed(reply)) {
    out.textContent = reply.error.message;
    return;
  }
  $('warehouseList').replaceChildren(...reply.warehouses.map((w) => Object.assign(document.createElement('option'), { value: w })));
  out.textContent = t('warehousesFound', [reply.warehouses.join(', ')]);
  if (!$('stockWarehouse').value && reply.warehouses.length) $('stockWarehouse').value = reply.warehouses[0];
}

// The page runs the checklist on opening and after each save; a person may also ask again. An
// older run (for the settings as they were) can answer after a newer one: only the newest run's
// answer is shown, and the spinner stays until every run has answered.
let checklistRuns = 0;
let checklistsRunning = 0;

async function runChecklist() {
  const list = $('checklist');
  const run = ++checklistRuns;
  checklistsRunning += 1;
  $('runChecklist').disabled = true;
  $('checklistBusy').hidden = false;
  let reply;
  try {
    reply = await send({ cmd: 'checklist', settings: formInput() });
  } finally {
    checklistsRunning -= 1;
    if (checklistsRunning === 0) {
      $('runChecklist').disabled = false;
      $('checklistBusy').hidden = true;
    }
  }
  if (run !== checklistRuns) return;
  if (failed(reply)) {
    list.replaceChildren(Object.assign(el('li', reply.error.message), { className: 'fail' }));
    return;
  }
  list.replaceChildren(...reply.lines.map((l) => {
    const li = el('li', l.message, l.ok ? 'ok' : 'fail');
    li.dataset.id = l.id;
    return li;
  }));
  const schema = reply.schema;
  if (!schema) return;
  $('mapping').hidden = false;
  $('mapping').dataset.categoryId = String(schema.categoryId);
  $('minicrmModule').dataset.categoryId = String(schema.categoryId);
  const chosen = schema.chosen || {};
  for (const role of ROLES) {
    const select = $(`field-${role}`);
    const keep = select.value;
    const options = [Object.assign(document.createElement('option'), { value: '', textContent: t('fieldUnused') })];
    const names = [];
    for (const c of schema.candidates[role] || []) {
      const o = document.createElement('option');
      o.value = c.name;
      // The field's registered name, its type and a value seen on a recent card.
      const parts = [c.name, c.type];
      if (c.sample) parts.push(`«${c.sample}»`);
      if (c.name === schema.suggestion[role]) parts.push(t('suggested'));
      o.textContent = parts.join(' · ');
      options.push(o);
      names.push(c.name);
    }
    select.replaceChildren(...options);
    select.value = keep && names.includes(keep) ? keep : (chosen[role] || '');
  }
  const active = new Set((stored ? stored.integration.triggers : []).map((x) => x.id));
  const current = new Set(inputs('#triggers input:checked').map((c) => c.value));
  $('triggers').replaceChildren(...schema.statuses.map((st) => {
    const label = el('label', null, 'choice');
    const box = Object.assign(document.createElement('input'), { type: 'checkbox', value: st.id });
    box.dataset.label = st.label;
    box.checked = current.size ? current.has(st.id) : active.has(st.id);
    label.append(box, el('span', st.label));
    return label;
  }));
}

function clearErrors() {
  for (const el of document.querySelectorAll('.err')) el.textContent = '';
  for (const el of document.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/** @param {ErrorView} error */
function showFieldError(error) {
  if (!error.field) return;
  const slot = document.querySelector(`.err[data-for="${error.field}"]`);
  if (slot) slot.textContent = error.message;
  const input = $(error.field);
  if (input) input.setAttribute('aria-invalid', 'true');
}


/**
 * @param {HTMLElement} box
 * @param {ErrorView} error
 * @param {string} vendor
 */
function showError(box, error, vendor) {
  box.hidden = false;
  box.className = 'result fail';
  box.replaceChildren(el('h3', error.message));
  if (error.vendorText) box.append(el('div', t('vendorSaid', [vendor, error.vendorText]), 'vendor'));
  showFieldError(error);
}

function list(items) {
  const ul = el('ul');
  for (const item of items) ul.append(el('li', item));
  return ul;
}

/**
 * Runs `work` with its button disabled and its spinner shown; its result.
 * @template T
 * @param {HTMLButtonElement} button
 * @param {HTMLElement} spinner
 * @param {() => Promise<T>} work
 * @returns {Promise<T>}
 */
async function busy(button, spinner, work) {
  button.disabled = true;
  spinner.hidden = false;
  try {
    return await work();
  } finally {
    button.disabled = false;
    spinner.hidden = true;
  }
}

async function testSmartBill() {
  clearErrors();
  const box = $('smartbillResult');
  const reply = await busy($('testSmartBill'), $('testSmartBillBusy'), () => send({ cmd: 'testSmartBill', settings: formInput() }));
  if (failed(reply)) return showError(box, reply.error, 'SmartBill');
  const typeName = { f: t('seriesInvoice'), p: t('seriesProforma'), c: t('seriesReceipt') };
  box.hidden = false;
  box.className = reply.seriesFound ? 'result ok' : 'result warn';
  box.replaceChildren(el('h3', t('smartbillOk')));
  box.append(el('div', t('seriesTitle')), list(reply.series.map((s) => t('seriesItem', [s.name, typeName[s.type] || s.type, String(s.nextNumber)]))));
  box.append(el('div', t('taxesTitle')), list(reply.taxes.map((x) => `${x.name}: ${x.percentage}%`)));
  if (!reply.seriesFound) box.append(el('strong', t('seriesMissing', [$('smartbillSeries').value || '—', typeName[reply.seriesType]])));
  const datalist = $('seriesList');
  datalist.replaceChildren(...reply.series.filter((s) => s.type === reply.seriesType).map((s) => {
    const o = document.createElement('option');
    o.value = s.name;
    return o;
  }));
}

async function testMiniCrm() {
  clearErrors();
  const box = $('minicrmResult');
  // What is shown belongs to the form as it was: gone until this test answers.
  box.hidden = true;
  box.className = 'result';
  delete $('mapping').dataset.categoryId;
  const reply = await busy($('testMiniCrm'), $('testMiniCrmBusy'), () => send({ cmd: 'testMiniCrm', settings: formInput() }));
  if (failed(reply)) return showError(box, reply.error, 'MiniCRM');
  box.hidden = false;
  box.className = reply.module ? 'result ok' : 'result warn';
  box.replaceChildren(el('h3', t('minicrmOk')));
  box.append(el('div', t('modulesTitle')), list(reply.modules.map((m) => `${m.name} (#${m.id})`)));
  if (reply.module) {
    $('minicrmModule').dataset.categoryId = String(reply.module.id);
    box.append(el('strong', t('moduleFound', [reply.module.name, String(reply.module.id)])));
  } else {
    delete $('minicrmModule').dataset.categoryId;
    box.append(el('strong', t('moduleMissing')));
  }
  if (reply.module) runChecklist();
}

async function save(event) {
  event.preventDefault();
  clearErrors();
  const status = $('saveStatus');
  await requestServerAccess();
  const reply = await send({ cmd: 'saveSettings', settings: formInput() });
  if (failed(reply)) {
    status.className = 'fail';
    status.textContent = reply.error.message;
    return;
  }
  fill(reply.settings);
  checkAccess(reply.settings.origins);
  for (const p of reply.problems) showFieldError(p);
  status.className = reply.problems.length ? 'fail' : 'ok';
  status.textContent = reply.problems.length ? t('savedIncomplete', [String(reply.problems.length)]) : t('saved');
  // Saved as typed; the core says what will not work this way.
  const warnings = $('saveWarnings');
  warnings.hidden = !(reply.warnings && reply.warnings.length);
  warnings.replaceChildren(...(reply.warnings || []).map((w) => el('li', w)));
  if (!reply.problems.length && !reply.settings.server.enabled) runChecklist();
}

// What the person typed or ticked before the stored settings arrived (a worker that was stopped
// takes a moment to start): kept, never overwritten by the stored values.
const edited = new Set();
for (const type of ['input', 'change']) {
  document.addEventListener(type, (e) => {
    const target = /** @type {HTMLElement | null} */ (e.target);
    if (target && target.id) edited.add(target.id);
  }, true);
}

/** @param {SettingsView} settings */
function fillKeepingEdits(settings) {
  const typed = Array.from(edited).map((id) => {
    const x = $(id);
    return [x, x.type === 'checkbox' || x.type === 'radio' ? x.checked : x.value];
  }).filter(([x]) => x);
  fill(settings);
  for (const [x, v] of typed) {
    if (typeof v === 'boolean') x.checked = v;
    else x.value = v;
  }
}

async function main() {
  localize();
  const reply = await send({ cmd: 'getSettings' });
  if (failed(reply)) {
    $('saveStatus').className = 'fail';
    $('saveStatus').textContent = reply.error.message;
    return;
  }
  $('apiBaseRow').hidden = !reply.apiBaseEditable;
  $('timeScaleRow').hidden = !reply.apiBaseEditable;
  $('defaultUnits').textContent = t('unitsDefaults', [reply.defaultUnits.map((g) => `${g.minicrm.join('/')} → ${g.smartbill}`).join('; ')]);
  fillKeepingEdits(reply.settings);
  document.body.dataset.loaded = 'true';
  $('browserId').textContent = t('browserIdHint', [reply.browser.id]);
  $('browserLabel').placeholder = reply.browser.label;
  $('grantAccess').addEventListener('click', grantAccess);
  await checkAccess(reply.settings.origins);
  $('minicrmModule').addEventListener('change', () => delete $('minicrmModule').dataset.categoryId);
  $('runChecklist').addEventListener('click', runChecklist);
  const jobs = mountJobs($('jobs'));
  $('syncNow').addEventListener('click', () => jobs.syncNow($('syncNow')));
  $('loadWarehouses').addEventListener('click', loadWarehouses);
  if (reply.settings.complete && !reply.settings.server.enabled) runChecklist();
  $('testSmartBill').addEventListener('click', testSmartBill);
  $('testMiniCrm').addEventListener('click', testMiniCrm);
  $('testServer').addEventListener('click', testServer);
  $('extensionOrigin').textContent = t('extensionOriginHint', [location.origin]);
  $('form').addEventListener('submit', save);
}

main();
