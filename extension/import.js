// Import page: glue only. The file is parsed, mapped and validated by the import WASM module
// (pkg/import, with calamine) in this page; the background worker looks the companies up in
// MiniCRM and writes them (it goes on when this page is closed). This file paints what both
// return and forwards the user's choices. Remote text is set with textContent only.
import init, { ImportSession, texts } from './pkg/import.js';
import { el, send, t } from './i18n.js';

const $ = (id) => document.getElementById(id);
const lang = chrome.i18n.getUILanguage();
const ready = init({ module_or_path: chrome.runtime.getURL('pkg/import_bg.wasm') });
const PAGE = 50;
let T = {};
let session = null;
let fileName = '';
let offset = 0;
let pollTimer = null;
let lastJob = null;


function count(n, label, cls) {
  const box = el('div', null, `count ${cls || ''}`);
  box.append(el('b', n), el('span', label));
  return box;
}

function problems(issues, extra) {
  const ul = el('ul', null, 'problems');
  for (const i of issues || []) ul.append(el('li', i.message, i.error ? 'error' : ''));
  if (extra) ul.append(el('li', extra, 'error'));
  return ul;
}

function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

// The CIF/CNP cell: a refused one is shown as the file wrote it (the reason is beside it).
function vatCell(r) {
  return el('td', r.vat, r.rejectedVat ? 'rejected' : '');
}

function showFileError(message) {
  $('fileError').hidden = !message;
  $('fileError').textContent = message || '';
}

// ---- the file, in this page ---------------------------------------------------------------

async function openFile(file) {
  showFileError('');
  $('busy').hidden = false;
  try {
    await ready;
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (session) session.free();
    session = null;
    session = ImportSession.open(bytes, file.name, lang);
    fileName = file.name;
    renderPreview(session.preview());
    await sendMatch();
  } catch (e) {
    // Nothing of the previous file stays beside this error: the page forgets it, and the
    // background drops its preview (the reply says what, if anything, is left to show).
    session = null;
    fileName = '';
    $('mappingCard').hidden = true;
    showFileError((e && e.message) || String(e));
    const reply = await send({ cmd: 'import', action: { type: 'fileRejected' } });
    if (reply.ok) renderJob(reply);
  } finally {
    $('busy').hidden = true;
  }
}

function renderPreview(p) {
  $('mappingCard').hidden = false;
  const sheet = p.sheets[p.sheet];
  $('fileInfo').textContent = `${p.fileName} · ${T.sheet} „${sheet.name}” · ${T.headerRow} ${p.headerRow}`;
  const notes = $('notes');
  notes.replaceChildren(...p.notes.map((n) => el('li', n)));
  const body = $('mapping').querySelector('tbody');
  body.replaceChildren();
  for (const col of p.columns) {
    if (!col.header && !col.samples.length) continue;
    const tr = el('tr', null, col.target ? '' : 'ignored');
    const select = el('select');
    select.dataset.column = col.index;
    select.append(new Option(T.ignored, ''));
    for (const t of p.targets) select.append(new Option(t.label, t.id));
    select.value = col.target || '';
    select.addEventListener('change', () => remap(col.index, select.value));
    const target = el('td');
    target.append(select);
    tr.append(el('td', col.letter), el('td', col.header), target, el('td', col.samples.join(' · '), 'samples'));
    body.append(tr);
  }
  const c = p.counts;
  $('checkCounts').replaceChildren(
    count(c.companies, T.companies, 'new'),
    count(c.invalid, T.invalid, 'invalid'),
    count(c.merged, T.merged, 'merged'),
    count(c.warnings, T.warnings, 'unchanged'),
  );
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
  const reply = await send({ cmd: 'import', action: session.matchAction() });
  if (!reply.ok) {
    showFileError(reply.error.message);
    return;
  }
  offset = 0;
  renderJob(reply);
  poll();
}

async function refresh() {
  const reply = await send({ cmd: 'import', action: { type: 'status', offset, limit: PAGE } });
  if (reply.ok) renderJob(reply);
  return reply;
}

function poll() {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(async () => {
    const reply = await refresh();
    const phase = reply.ok && reply.job && reply.job.phase;
    if (phase === 'matching' || phase === 'running') poll();
  }, 600);
}

function renderJob(reply) {
  const job = reply.job;
  lastJob = job;
  $('jobCard').hidden = !job;
  if (!job) return;
  $('phase').textContent = `${job.phaseLabel} · ${job.fileName}`;
  const matching = job.phase === 'matching';
  const running = job.phase === 'running';
  const writable = job.counts.create + job.counts.update;
  let done = 0;
  let total = 1;
  if (matching) {
    done = job.matched; total = job.rows;
  } else if (job.phase !== 'matched') {
    done = job.written; total = job.rows;
  }
  const pct = total ? Math.round((100 * done) / total) : 0;
  $('bar').style.width = `${job.phase === 'matched' ? 0 : pct}%`;
  document.querySelector('.progress').setAttribute('aria-valuenow', String(pct));
  $('progressText').textContent = matching || running || job.phase === 'done' ? `${done} / ${total} · ${job.calls} ${T.calls}` : '';
  const c = job.counts;
  const boxes = [];
  if (job.phase === 'matched' || matching) {
    boxes.push(count(c.create, T.new, 'new'), count(c.update, T.update, 'update'), count(c.unchanged, T.unchanged, 'unchanged'));
  } else {
    boxes.push(count(c.created, T.created, 'new'), count(c.updated, T.updated, 'update'), count(c.unchanged, T.unchanged, 'unchanged'), count(c.failed, T.failed, 'failed'));
  }
  boxes.push(count(c.invalid, T.invalid, 'invalid'), count(c.merged, T.merged, 'merged'));
  $('jobCounts').replaceChildren(...boxes);
  $('leftOut').hidden = !job.leftOut.length;
  $('leftOut').textContent = job.leftOut.length ? `${T.leftOut} ${job.leftOut.join(', ')}` : '';
  const b = job.buttons;
  const showEta = (job.phase === 'matched' && writable > 0) || running || matching;
  $('eta').textContent = showEta ? `${T.eta} ≈ ${duration(job.etaMs)} (${job.phase === 'matched' ? job.plannedCalls : ''}${job.phase === 'matched' ? ` ${T.calls}` : ''})`.replace(' ()', '') : '';
  if (b.nothingToDo) $('eta').textContent = T.nothingToDo;
  const paused = job.retryAt && running ? `${T.paused} ${new Date(job.retryAt).toLocaleTimeString()}. ` : '';
  $('jobError').hidden = !(job.error && (job.phase === 'failed' || paused));
  $('jobError').textContent = `${paused}${job.error || ''}`;
  $('backgroundNote').hidden = !b.background;
  $('start').hidden = !b.start;
  $('cancel').hidden = !b.cancel;
  $('report').hidden = !b.report;
  $('again').hidden = !b.again;
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
  $('prev').disabled = offset === 0;
  $('next').disabled = offset + PAGE >= job.rows;
  $('pageInfo').textContent = `${offset + 1}–${Math.min(offset + PAGE, job.rows)} / ${job.rows} ${T.more}`;
}

async function act(type) {
  const reply = await send({ cmd: 'import', action: { type } });
  if (!reply.ok) {
    $('jobError').hidden = false;
    $('jobError').textContent = reply.error.message;
    return null;
  }
  return reply;
}

async function main() {
  await ready;
  T = texts(lang);
  document.title = `${T.title} — MiniCRM × SmartBill`;
  document.documentElement.lang = lang.split('-')[0];
  for (const e of document.querySelectorAll('[data-t]')) e.textContent = T[e.dataset.t] || '';
  const drop = $('drop');
  $('file').addEventListener('change', () => { if ($('file').files[0]) openFile($('file').files[0]); });
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files[0]) openFile(e.dataTransfer.files[0]);
  });
  $('start').addEventListener('click', async () => {
    const reply = await act('start');
    if (reply) { renderJob(reply); poll(); }
  });
  $('cancel').addEventListener('click', async () => {
    const reply = await act('cancel');
    if (reply) renderJob(reply);
  });
  $('report').addEventListener('click', async () => {
    const reply = await act('report');
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
  $('again').addEventListener('click', async () => {
    await act('discard');
    $('jobCard').hidden = true;
    $('mappingCard').hidden = true;
    $('file').value = '';
  });
  $('prev').addEventListener('click', () => { offset = Math.max(0, offset - PAGE); refresh(); });
  $('next').addEventListener('click', () => { if (lastJob && offset + PAGE < lastJob.rows) { offset += PAGE; refresh(); } });
  // A job left by an earlier visit (or still running in the background) shows up again.
  const reply = await refresh();
  if (reply.ok && reply.job && (reply.job.phase === 'matching' || reply.job.phase === 'running')) poll();
  document.body.dataset.ready = 'true';
}

main().catch((e) => {
  // The module did not load or start (a browser older than the manifest's minimum, without the
  // WebAssembly SIMD the import module is built with): say so instead of an empty page.
  const note = el('section', null, 'card unavailable', { 'data-testid': 'import-unavailable', role: 'alert' });
  note.append(el('p', t('importModuleFailed', [String((e && e.message) || e)]), 'error'));
  for (const card of document.querySelectorAll('main > section')) card.hidden = true;
  document.querySelector('main').prepend(note);
  document.body.dataset.ready = 'failed';
});
