// Paints the background jobs (payment refresh, stock sync) and the activity log, for the popup
// and the options page. The core decides and reports; this only formats and draws.
//
// The replies are typed by the core's Rust types (types/core.d.ts, generated); `tsc` checks
// this file against them (tsconfig.json).
/** @typedef {import('../types/core').JobsStatus} JobsStatus */
/** @typedef {import('../types/core').JobView} JobView */
/** @typedef {import('../types/core').Run} Run */
/** @typedef {import('../types/reply').Reply<JobsStatus>} JobsAnswer */
import { el, failed, send, t } from './i18n.js';

const lang = () => chrome.i18n.getUILanguage();


/** @param {number | null | undefined} ms */
export function when(ms) {
  if (ms == null) return '—';
  const d = new Date(ms);
  const now = new Date();
  const sameDay = d.toDateString() === now.toDateString();
  const time = d.toLocaleTimeString(lang(), { hour: '2-digit', minute: '2-digit' });
  return sameDay ? t('todayAt', [time]) : d.toLocaleString(lang(), { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

const JOB_NAME = { payments: 'jobPayments', stock: 'jobStock' };
const STATUS = { done: 'runDone', cancelled: 'runCancelled', failed: 'runFailed', running: 'runRunning' };

/** @param {Run} run */
function counts(run) {
  const c = run.counts;
  return t('runCounts', [String(c.checked), String(c.changed), String(c.skipped), String(c.failed)]);
}

/**
 * One job's block: progress while running, otherwise the last result and the next run.
 * @param {'payments' | 'stock'} kind
 * @param {JobView} job
 * @param {((kind: 'payments' | 'stock') => void) | null} onCancel
 */
function jobBlock(kind, job, onCancel) {
  const box = el('div', null, 'job', { 'data-testid': `job-${kind}` });
  box.append(el('div', t(JOB_NAME[kind]), 'job-name'));
  const run = job.run;
  if (!job.enabled) {
    box.append(el('div', t('jobDisabled'), 'muted'));
    return box;
  }
  if (run && run.status === 'running') {
    const pct = run.total ? Math.floor((run.cursor / run.total) * 100) : 0;
    const bar = el('div', null, 'bar', { role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': String(run.total), 'aria-valuenow': String(run.cursor) });
    const fill = el('div', null, 'fill');
    fill.style.width = `${pct}%`;
    bar.append(fill);
    box.append(bar);
    box.append(el('div', t('jobProgress', [String(run.cursor), String(run.total), String(pct)]), null, { 'data-testid': `progress-${kind}` }));
    if (job.etaMs) box.append(el('div', t('jobEta', [when(job.etaMs)]), 'muted'));
    if (run.pausedUntilMs) box.append(el('div', t('jobPaused', [when(run.pausedUntilMs)]), 'muted'));
    if (onCancel) {
      const b = el('button', t('jobCancel'), 'danger small', { type: 'button', 'data-testid': `cancel-${kind}` });
      b.addEventListener('click', () => onCancel(kind));
      box.append(b);
    }
  } else if (run) {
    box.append(el('div', `${t('jobLast', [when(run.finishedMs || run.startedMs), t(STATUS[run.status] || 'runDone')])} — ${counts(run)}`, null, { 'data-testid': `last-${kind}` }));
    for (const e of run.errors || []) box.append(el('div', e, 'error-line'));
  } else {
    box.append(el('div', t('jobNever'), 'muted'));
  }
  if (!(run && run.status === 'running')) box.append(el('div', t('jobNext', [when(job.nextDueMs)]), 'muted', { 'data-testid': `next-${kind}` }));
  return box;
}

/**
 * The activity log: the last runs with counts, errors a person can act on, skipped items.
 * @param {Run[]} activity
 */
export function activityList(activity, limit = 8) {
  const list = el('ul', null, 'activity', { 'data-testid': 'activity' });
  if (!activity.length) list.append(el('li', t('activityEmpty'), 'muted'));
  for (const run of activity.slice(0, limit)) {
    const li = el('li');
    li.append(el('strong', `${t(JOB_NAME[run.kind])} · ${when(run.startedMs)} · ${t(STATUS[run.status] || 'runDone')}`));
    li.append(el('div', counts(run), 'muted'));
    for (const e of run.errors || []) li.append(el('div', e, 'error-line'));
    if (run.skipped && run.skipped.length) {
      const details = el('details');
      details.append(el('summary', t('skippedTitle', [String(run.skipped.length)])));
      const ul = el('ul');
      for (const s of run.skipped.slice(0, 20)) ul.append(el('li', `${s.item}: ${s.reason}`));
      details.append(ul);
      li.append(details);
    }
    list.append(li);
  }
  return list;
}

/**
 * Puts the buttons already shown back in place of their new copies (the same test id), with the
 * new label and state: the view is drawn again every 1.5 s while a job runs, and a click under
 * way must land on the element it started on. A button here acts on what its test id names (the
 * job's kind), so the one kept does what the new one would.
 * @param {HTMLElement} container
 * @param {HTMLElement[]} nodes
 */
function keepButtons(container, nodes) {
  /** @param {HTMLElement} root */
  const buttonsIn = (root) => /** @type {NodeListOf<HTMLButtonElement>} */ (root.querySelectorAll('button[data-testid]'));
  /** @type {Map<string, HTMLButtonElement>} */
  const shown = new Map(Array.from(buttonsIn(container), (b) => [b.dataset.testid, b]));
  for (const node of nodes) {
    for (const b of Array.from(buttonsIn(node))) {
      const old = shown.get(b.dataset.testid);
      if (!old) continue;
      old.textContent = b.textContent;
      old.className = b.className;
      old.disabled = b.disabled;
      b.replaceWith(old);
    }
  }
}

/**
 * Draws the jobs into `container` and keeps them current while the page is open.
 * @param {HTMLElement} container
 * @param {{ onChange?: (status: JobsStatus) => void }} [options]
 */
export function mountJobs(container, { onChange } = {}) {
  let timer = null;
  /** @param {'payments' | 'stock'} kind */
  const cancel = async (kind) => {
    paint(await send({ cmd: 'cancelJob', kind }));
  };
  /** What was last drawn (the reply without its clock): the same reply draws nothing anew. */
  let drawn = null;
  /** @param {JobsAnswer | undefined} reply */
  function paint(reply) {
    if (!reply || failed(reply)) {
      const error = reply && failed(reply) ? reply.error : null;
      drawn = null;
      container.replaceChildren(el('div', error ? error.message : '', 'error-line'));
      return;
    }
    const key = JSON.stringify({ ...reply, now: null });
    if (key !== drawn) {
      drawn = key;
      const jobs = el('div', null, 'jobs');
      jobs.append(jobBlock('payments', reply.jobs.payments, cancel), jobBlock('stock', reply.jobs.stock, cancel));
      const next = [jobs, el('h3', t('activityTitle')), activityList(reply.activity)];
      keepButtons(container, next);
      container.replaceChildren(...next);
    }
    if (onChange) onChange(reply);
    const running = Object.values(reply.jobs).some((j) => j.run && j.run.status === 'running');
    clearTimeout(timer);
    timer = setTimeout(refresh, running ? 1500 : 5000);
  }
  async function refresh() {
    paint(await send({ cmd: 'jobsStatus' }));
  }
  /** @param {HTMLButtonElement} button */
  async function syncNow(button) {
    button.disabled = true;
    try {
      const reply = await send({ cmd: 'syncNow' });
      // The jobs' state after the first slice comes with the reply; without it, asked for.
      if (failed(reply)) paint(reply);
      else if (reply.status) paint({ ok: true, ...reply.status });
      else refresh();
    } finally {
      button.disabled = false;
    }
  }
  refresh();
  return { refresh, syncNow };
}
