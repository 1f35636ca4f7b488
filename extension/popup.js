// Popup: the configuration state and a way to the settings.
import { localize, send, t } from './i18n.js';

async function main() {
  localize();
  const state = document.getElementById('state');
  const reply = await send({ cmd: 'getSettings' });
  if (!reply.ok) {
    state.className = 'state fail';
    state.textContent = reply.error.message;
  } else if (reply.settings.complete) {
    state.className = 'state ok';
    state.textContent = t('popupConfigured');
  } else {
    state.className = 'state fail';
    state.textContent = t('popupNotConfigured');
  }
  document.getElementById('options').addEventListener('click', () => chrome.runtime.openOptionsPage());
}

main();
