// Background service worker: glue only. Listeners are registered synchronously at the top level
// (MV3 wakes the worker for them); every message goes to the Rust core with its sender, and the
// core decides what that sender may do. Secrets never leave this worker and the extension pages.
import init, { handle, setHostPermissions, resumeImport } from './pkg/core.js';

const ready = init({ module_or_path: chrome.runtime.getURL('pkg/core_bg.wasm') }).then(() => {
  setHostPermissions(chrome.runtime.getManifest().host_permissions || []);
});

function senderInfo(sender) {
  return {
    extensionId: chrome.runtime.id,
    senderId: sender.id || '',
    url: sender.url || (sender.tab && sender.tab.url) || '',
    lang: chrome.i18n.getUILanguage(),
  };
}

// Side effects the core may ask the browser for; the core chose them, this only performs them.
const effects = {
  openOptions: () => chrome.runtime.openOptionsPage(),
};

async function run(message, sender) {
  await ready;
  const reply = await handle(message, senderInfo(sender));
  if (reply && reply.effect && effects[reply.effect]) {
    await effects[reply.effect]();
  }
  return reply;
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  run(message, sender)
    .then(sendResponse)
    .catch((err) => sendResponse({ ok: false, error: { code: 'internal', message: String(err && err.message || err) } }));
  return true; // the answer is sent asynchronously
});

// A company import left unfinished when the browser closed continues when it starts again (the
// import page and the alarm tick resume it too).
chrome.runtime.onStartup.addListener(() => {
  ready.then(() => resumeImport());
});
