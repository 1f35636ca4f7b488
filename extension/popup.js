// Popup: configuration state, the jobs (progress, last result, next run), "Sincronizează acum",
// the activity log.
import { failed, localize, send, t } from './i18n.js';
import { mountJobs } from './jobs-view.js';

async function main() {
  localize();
  const state = document.getElementById('state');
  const reply = await send({ cmd: 'getSettings' });
  if (failed(reply)) {
    state.className = 'state fail';
    state.textContent = reply.error.message;
  } else if (reply.settings.complete) {
    state.className = 'state ok';
    state.textContent = t('popupConfigured');
  } else {
    state.className = 'state fail';
    state.textContent = t('popupNotConfigured');
  }
  const jobs = mountJobs(document.getElementById('jobs'));
  const sync = /** @type {HTMLButtonElement} */ (document.getElementById('syncNow'));
  sync.disabled = !(reply.ok && reply.settings.complete);
  sync.addEventListener('click', () => jobs.syncNow(sync));
  document.getElementById('options').addEventListener('click', () => chrome.runtime.openOptionsPage());
}

main();
