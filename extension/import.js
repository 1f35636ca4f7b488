// Import page: glue only. The file is parsed, mapped and validated by the import WASM module
// (pkg/import, with calamine) in this page; the background worker looks the companies up in
// MiniCRM and writes them (it goes on when this page is closed). This file paints what both
// return and forwards the user's choices: which buttons show, the progress and the estimated
// duration come ready from the core. Remote text is set with textContent only.
//
// The module's previews and the background's replies are typed by the core's Rust types
// (types/core.d.ts, generated; the module's surface in import-module.d.ts); `tsc` checks this
// file against them (tsconfig.json).
/** @typedef {import('../types/core').ImportPreview} ImportPreview */
/** @typedef {import('../types/core').ImportStatus} ImportStatus */
/** @typedef {import('../types/core').ImportReport} ImportReport */
/** @typedef {import('../types/core').ImportJob} ImportJob */
/** @typedef {import('../types/core').ImportJobAction} ImportJobAction */
/** @typedef {import('../types/core').ImportTally} ImportTally */
/** @typedef {import('../types/core').ImportIssue} ImportIssue */
/** @typedef {import('../types/reply').Reply<ImportStatus>} StatusAnswer */
/** @typedef {import('../types/reply').Reply<ImportReport>} ReportAnswer */
import init, { ImportSession } from './import-module.js';
import { el, localize, send, t } from './i18n.js';

/** @param {string} id */
const $ = (id) => document.getElementById(id);
/** @param {string} id */
const input = (id) => /** @type {HTMLInputElement} */ ($(id));
/** @param {string} id */
const button = (id) => /** @type {HTMLButtonElement} */ ($(id));
const lang = chrome.i18n.getUILanguage();
/**
 * The smallest module that uses WebAssembly SIMD (`i32.const 0; i8x16.splat; i8x16.popcnt`, as
 * wasm-feature-detect probes it): the import module is built twice, with SIMD (faster inflating and
 * byte scans) and without it, for a browser without SIMD, such as Chrome on an x86 processor
 * without SSE4.1 (scripts/build.sh).
 */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);
const MODULE = WebAssembly.validate(SIMD_PROBE) ? 'pkg/import_bg.wasm' : 'pkg/import_nosimd_bg.wasm';
document.body.dataset.module = MODULE;
const ready = init({ module_or_path: chrome.runtime.getURL(MODULE) });
const PAGE = 50;
/** @type {ImportSession | null} */
let session = null;
let offset = 0;
let pollTimer = null;
/** @type {ImportJob | null} */
let lastJob = null;
/** The open file waits for the MiniCRM settings: the core made no job for it (`setup`). */
let waiting = false;
/** The button of each action the core may offer (tsc checks that every action has one). */
/** @type {Record<ImportJobAction, string>} */
const BUTTONS = { start: 'start', resume: 'resume', cancel: 'cancel', report: 'report', again: 'again' };


/**
 * @param {number} n
 * @param {string} label
 * @param {string} cls
 */
function count(n, label, cls) {
  const box = el('div', null, `count ${cls || ''}`);
  box.append(el('b', n), el('span', label));
  return box;
}

/** @param {ImportTally} tally */
function tallyBox(tally) {
  return count(tally.value, tally.label, tally.kind);
}

/**
 * @param {ImportIssue[]} issues
 * @param {string | null} [extra]
 */
function problems(issues, extra) {
  const ul = el('ul', null, 'problems');
  for (const i of issues || []) ul.append(el('li', i.message, i.error ? 'error' : ''));
  if (extra) ul.append(el('li', extra, 'error'));
  return ul;
}

/**
 * The CIF/CNP cell: a refused one is shown as the file wrote it (the reason is beside it).
 * @param {{ vat: string, rejectedVat: string | null }} r
 */
function vatCell(r) {
  return el('td', r.vat, r.rejectedVat ? 'rejected' : '');
}

/** @param {string} message */
function showFileError(message) {
  $('fileError').hidden = !message;
  $('fileError').textContent = message || '';
}

// ---- the file, in this page ---------------------------------------------------------------

/** @param {File} file */
async function openFile(file) {
  showFileError('');
  waiting = false;
  $('busy').hidden = false;
  try {
    await ready;
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (session) session.free();
    session = null;
    session = ImportSession.open(bytes, file.name, lang);
    renderPreview(session.preview());
    await sendMatch();
  } catch (e) {
    // Nothing of the previous file stays beside this error: the page forgets it, and the
    // background drops its preview (the reply says what, if anything, is left to show).
    session = null;
    $('mappingCard').hidden = true;
    showFileError((e && e.message) || String(e));
    changes += 1;
    /** @type {StatusAnswer} */
    const reply = await send({ cmd: 'import', action: { type: 'fileRejected' } });
    if (reply.ok) renderJob(reply);
  } finally {
    $('busy').hidden = true;
  }
}

/** @param {ImportPreview} p */
function renderPreview(p) {
  $('mappingCard').hidden = false;
  const sheet = p.sheets[p.sheet];
  $('fileInfo').textContent = `${p.fileName} · ${t('importSheet')} „${sheet.name}” · ${t('importHeaderRow')} ${p.headerRow}`;
  const notes = $('notes');
  notes.replaceChildren(...p.notes.map((n) => el('li', n)));
  const body = $('mapping').querySelector('tbody');
  body.replaceChildren();
  for (const col of p.columns) {
    if (!col.header && !col.samples.length) continue;
    const tr = el('tr', null, col.target ? '' : 'ignored');
    const select = /** @type {HTMLSelectElement} */ (el('select'));
    select.dataset.column = String(col.index);
    select.append(new Option(t('importIgnored'), ''));
    for (const choice of p.targets) select.append(new Option(choice.label, choice.id));
    select.value = col.target || '';
    select.addEventListener('change', () => remap(col.index, select.value));
    const target = el('td');
    target.append(select);
    tr.append(el('td', col.letter), el('td', col.header), target, el('td', col.samples.join(' · '), 'samples'));
    body.append(tr);
  }
  $('checkCounts').replaceChildren(...p.tallies.map(tallyBox));
  const issues = $('issues');
  issues.hidden = p.rows.length === 0;
  const ib = issues.querySelector('tbody');
  ib.replaceChildren(...p.rows.map((r) => {
    const tr = el('tr', null, r.valid ? '' : 'bad');
    const td = el('td');
    td.append(problems(r.issues));
    tr.append(el('td', r.row), el('td', r.name), vatCell(r), td);
    return tr;
  }));
}

/**
 * @param {number} column
 * @param {string} target
 */
async function remap(column, target) {
  try {
    renderPreview(session.setColumn(column, target));
    await sendMatch();
  } catch (e) {
    showFileError((e && e.message) || String(e));
  }
}

// ---- the job, in the background -------------------------------------------------------------

async function sendMatch() {
  changes += 1;
  /** @type {StatusAnswer} */
  const reply = await send({ cmd: 'import', action: session.matchAction() });
  if (reply.ok === false) {
    showFileError(reply.error.message);
    return;
  }
  waiting = !reply.job && reply.setup.length > 0;
  offset = 0;
  renderJob(reply);
  poll(reply);
}

/** @type {Promise<void> | null} */
let rechecking = null;
/**
 * Back on this page (from the options page, say): the status again, and a file that waited for
 * the MiniCRM settings is matched once the status says nothing is missing.
 */
function recheck() {
  rechecking ||= (async () => {
    const reply = await refresh();
    if (reply && reply.ok && waiting && session && reply.setup.length === 0) await sendMatch();
  })().finally(() => { rechecking = null; });
  return rechecking;
}

/** The actions sent that change the job (a file matched, a start, a cancel): a status asked
 * before the last of them is stale. */
let changes = 0;

/**
 * The job's status, drawn; null when an action changed the job while the status was on its
 * way: that action's reply is newer, and drawing this one would show the job as it was (and its
 * polling, none for a finished job, would stop the newer one's).
 * @returns {Promise<StatusAnswer | null>}
 */
async function refresh() {
  const asked = changes;
  /** @type {StatusAnswer} */
  const reply = await send({ cmd: 'import', action: { type: 'status', offset, limit: PAGE } });
  if (asked !== changes) return null;
  if (reply.ok) renderJob(reply);
  return reply;
}

/**
 * Asks for the job again while its view says so (it looks up or writes).
 * @param {StatusAnswer} reply
 */
function poll(reply) {
  clearTimeout(pollTimer);
  const wait = reply.ok && reply.job && reply.job.refreshMs;
  if (!wait) return;
  // A stale answer (an action changed the job meanwhile) is not drawn; the polling goes on as
  // it was until a fresh one says otherwise.
  pollTimer = setTimeout(async () => poll((await refresh()) || reply), wait);
}

/**
 * What the import still needs before it can reach MiniCRM, as the options page names it.
 * @param {ImportStatus['setup']} setup
 */
function renderSetup(setup) {
  $('setup').hidden = setup.length === 0;
  $('setupProblems').replaceChildren(...setup.map((e) => el('li', e.message, 'error')));
}

/** @param {ImportStatus} reply */
function renderJob(reply) {
  renderSetup(reply.setup);
  const job = reply.job;
  lastJob = job;
  $('jobCard').hidden = !job;
  if (!job) return;
  $('phase').textContent = `${job.phaseLabel} · ${job.fileName}`;
  $('bar').style.width = `${job.percent}%`;
  document.querySelector('.progress').setAttribute('aria-valuenow', String(job.percent));
  $('progressText').textContent = job.progress || '';
  $('jobCounts').replaceChildren(...job.tallies.map(tallyBox));
  $('leftOut').hidden = !job.leftOutNote;
  $('leftOut').textContent = job.leftOutNote || '';
  $('eta').textContent = job.eta || '';
  $('jobError').hidden = !job.problem;
  $('jobError').textContent = job.problem || '';
  $('backgroundNote').hidden = !job.background;
  for (const action of /** @type {ImportJobAction[]} */ (Object.keys(BUTTONS))) {
    $(BUTTONS[action]).hidden = !job.actions.includes(action);
  }
  const body = $('jobRows').querySelector('tbody');
  body.replaceChildren(...reply.rows.map((r) => {
    const tr = el('tr', null, r.action === 'invalid' || r.error ? 'bad' : '');
    const status = r.doneLabel || r.actionLabel || '…';
    const tagClass = r.error ? 'error' : (r.done || r.action || '');
    const tagCell = el('td');
    tagCell.append(el('span', status, `tag ${tagClass}`));
    if (r.changes.length && r.action === 'update') tagCell.append(el('small', ` ${r.changes.join(', ')}`));
    const td = el('td');
    td.append(problems(r.issues, r.error));
    tr.append(el('td', r.row), el('td', r.name), vatCell(r), tagCell, td);
    return tr;
  }));
  button('prev').disabled = offset === 0;
  button('next').disabled = offset + PAGE >= job.rows;
  $('pageInfo').textContent = `${offset + 1}–${Math.min(offset + PAGE, job.rows)} / ${job.rows} ${t('importMore')}`;
}

/**
 * Sends an action of the job (its reply is typed where it is read).
 * @param {'start' | 'cancel' | 'report' | 'discard'} type
 */
function act(type) {
  if (type !== 'report') changes += 1;
  return send({ cmd: 'import', action: { type } });
}

/**
 * The reply of an action of the job, or null once its error is shown under the job.
 * @template T
 * @param {import('../types/reply').Reply<T>} reply
 * @returns {T | null}
 */
function answered(reply) {
  if (reply.ok === false) {
    $('jobError').hidden = false;
    $('jobError').textContent = reply.error.message;
    return null;
  }
  return reply;
}

async function main() {
  localize();
  document.title = `${t('importTitle')} — MiniCRM × SmartBill`;
  await ready;
  const drop = $('drop');
  $('file').addEventListener('change', () => { if (input('file').files[0]) openFile(input('file').files[0]); });
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files[0]) openFile(e.dataTransfer.files[0]);
  });
  // Resuming a stopped job is starting it again: the core goes on from its cursor.
  for (const id of [BUTTONS.start, BUTTONS.resume]) {
    $(id).addEventListener('click', async () => {
      /** @type {StatusAnswer} */
      const reply = await act('start');
      const status = answered(reply);
      if (status) { renderJob(status); poll(reply); }
    });
  }
  $(BUTTONS.cancel).addEventListener('click', async () => {
    const reply = answered(/** @type {StatusAnswer} */ (await act('cancel')));
    if (reply) renderJob(reply);
  });
  $(BUTTONS.report).addEventListener('click', async () => {
    const reply = answered(/** @type {ReportAnswer} */ (await act('report')));
    if (!reply) return;
    const url = URL.createObjectURL(new Blob([reply.csv], { type: 'text/csv;charset=utf-8' }));
    const a = el('a');
    a.href = url;
    a.download = reply.fileName;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });
  $(BUTTONS.again).addEventListener('click', async () => {
    await act('discard');
    $('jobCard').hidden = true;
    $('mappingCard').hidden = true;
    input('file').value = '';
  });
  $('openOptions').addEventListener('click', () => chrome.runtime.openOptionsPage());
  // The settings saved (in the options page, beside this one or in another tab; the core writes
  // `settings` after the secrets), or this page shown again: a file that waits for them goes on.
  chrome.storage.onChanged.addListener((changes, area) => { if (area === 'local' && 'settings' in changes) recheck(); });
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') recheck(); });
  $('prev').addEventListener('click', () => { offset = Math.max(0, offset - PAGE); refresh(); });
  $('next').addEventListener('click', () => { if (lastJob && offset + PAGE < lastJob.rows) { offset += PAGE; refresh(); } });
  // A job left by an earlier visit (or still running in the background) shows up again.
  const first = await refresh();
  if (first) poll(first);
  document.body.dataset.ready = 'true';
  warmUp();
}

// While the page waits for the user's file, it opens a small export once (pkg/import-warmup.xlsx,
// written by the build) and throws it away: the browser compiles the module's code the first time
// it runs and optimises the hot part after a while, and the user's file need not pay for that
// (tests/bench/import_bench.mjs). Skipped when a file is already open; a failure costs only the
// speed-up. `data-warm` on the body says how it ended.
async function warmUp() {
  try {
    const response = await fetch(chrome.runtime.getURL('pkg/import-warmup.xlsx'));
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (session) {
      document.body.dataset.warm = 'skipped';
      return;
    }
    const warm = ImportSession.open(bytes, 'import-warmup.xlsx', lang);
    warm.preview();
    warm.free();
    document.body.dataset.warm = 'done';
  } catch (e) {
    document.body.dataset.warm = 'failed';
    console.warn('import warm-up', e);
  }
}

main().catch((e) => {
  // The module did not load or start (a browser older than the manifest's minimum, or one where
  // WebAssembly itself is turned off): say so instead of an empty page.
  const note = el('section', null, 'card unavailable', { 'data-testid': 'import-unavailable', role: 'alert' });
  note.append(el('p', t('importModuleFailed', [String((e && e.message) || e)]), 'error'));
  for (const card of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('main > section'))) card.hidden = true;
  document.querySelector('main').prepend(note);
  document.body.dataset.ready = 'failed';
});
