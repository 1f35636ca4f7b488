// Background service worker: glue only. Listeners are registered synchronously at the top level
// (MV3 wakes the worker for them); every message goes to the Rust core with its sender, and the
// core decides what that sender may do. Secrets never leave this worker and the extension pages.
import init, { handle, setHostPermissions } from './pkg/core.js';

const ready = init({ module_or_path: chrome.runtime.getURL('pkg/core_bg.wasm') }).then(() => {
  setHostPermissions(chrome.runtime.getManifest().host_permissions || []);
});

// The worker itself, for alarms and start-up: an extension page as far as the core is concerned.
const SELF = () => ({
  extensionId: chrome.runtime.id,
  senderId: chrome.runtime.id,
  url: chrome.runtime.getURL('background.js'),
  lang: chrome.i18n.getUILanguage(),
});

function senderInfo(sender) {
  return {
    extensionId: chrome.runtime.id,
    senderId: sender.id || '',
    url: sender.url || (sender.tab && sender.tab.url) || '',
    lang: chrome.i18n.getUILanguage(),
  };
}

/** Makes chrome.alarms match the list the core wants ({name, periodInMinutes}). */
async function applyAlarms(wanted) {
  const existing = await chrome.alarms.getAll();
  for (const a of existing) {
    if (!wanted.some((w) => w.name === a.name && w.periodInMinutes === a.periodInMinutes)) await chrome.alarms.clear(a.name);
  }
  for (const w of wanted) {
    if (!existing.some((a) => a.name === w.name && a.periodInMinutes === w.periodInMinutes)) {
      chrome.alarms.create(w.name, { periodInMinutes: w.periodInMinutes, delayInMinutes: w.periodInMinutes });
    }
  }
}

// Side effects the core may ask the browser for; the core chose them, this only performs them.
async function perform(reply) {
  if (!reply) return;
  if (reply.effect === 'openOptions') await chrome.runtime.openOptionsPage();
  if (Array.isArray(reply.alarms)) await applyAlarms(reply.alarms);
}

async function run(message, sender) {
  await ready;
  const reply = await handle(message, sender);
  await perform(reply);
  return reply;
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  run(message, senderInfo(sender))
    .then(sendResponse)
    .catch((err) => sendResponse({ ok: false, error: { code: 'internal', message: String(err && err.message || err) } }));
  return true; // the answer is sent asynchronously
});

// The tick: resumes work a previous worker left unfinished, polls for trigger statuses.
chrome.alarms.onAlarm.addListener((alarm) => {
  run({ cmd: 'tick' }, SELF()).catch(() => {});
});
chrome.runtime.onStartup.addListener(() => {
  run({ cmd: 'tick' }, SELF()).catch(() => {});
});
chrome.runtime.onInstalled.addListener(() => {
  run({ cmd: 'tick' }, SELF()).catch(() => {});
});
