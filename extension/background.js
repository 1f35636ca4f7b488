// Background service worker: glue only. Listeners are registered synchronously at the top level
// (MV3 wakes the worker for them); every message goes to the Rust core with its sender, and the
// core decides what that sender may do. Secrets never leave this worker and the extension pages.
import init, { handle, setHostPermissions } from './core-module.js';
import initFront, { handle as frontHandle, setHostPermissions as frontHostPermissions } from './front-module.js';
import initImportJob, {
  handle as importJobHandle, resumeImport, setHostPermissions as importJobHostPermissions,
} from './importjob-module.js';
import initSetup, { handle as setupHandle, setHostPermissions as setupHostPermissions } from './setup-module.js';
import initJobs, { handle as jobsHandle, setHostPermissions as jobsHostPermissions } from './jobs-module.js';
import initTick, { handle as tickHandle, setHostPermissions as tickHostPermissions } from './tick-module.js';
import { secrets } from './secrets.js';
import { startModule } from './module-cache.js';

/** @typedef {import('../types/core').Sender} Sender */
/** @typedef {import('./core-module').AnyReply} AnyReply */

// The core reads and writes the secrets through this (see secrets.js).
globalThis.mcsbSecrets = secrets;
// storage.local's atomic steps, each a read then a write: a value made on first use (the
// browser's id), and a text added to or taken out of a stored list (the journal's index, its
// open entries). The worker's
// concurrent calls and its modules would otherwise each read the same and each write their
// own, the last write losing the others'; here the calls on one key take turns.
/** @type {Map<string, Promise<unknown>>} */
const turns = new Map();
/**
 * @template T
 * @param {string} key
 * @param {() => Promise<T>} step
 * @returns {Promise<T>}
 */
function inTurn(key, step) {
  const turn = (turns.get(key) || Promise.resolve()).then(step);
  turns.set(key, turn.catch(() => {}));
  return turn;
}
globalThis.mcsbStore = {
  /**
   * The stored text, or the candidate stored first.
   * @param {string} key
   * @param {string} candidate
   * @returns {Promise<string>}
   */
  getOrPut(key, candidate) {
    return inTurn(key, async () => {
      const stored = (await chrome.storage.local.get(key))[key];
      if (typeof stored === 'string' && stored !== '') return stored;
      await chrome.storage.local.set({ [key]: candidate });
      return candidate;
    });
  },
  /**
   * Adds the text to the list stored under the key unless it is in it (a stored value that is
   * not a list of texts is started again, as the core's own step does: src/platform/mod.rs).
   * @param {string} key
   * @param {string} item
   * @returns {Promise<void>}
   */
  addToList(key, item) {
    return inTurn(key, async () => {
      const stored = (await chrome.storage.local.get(key))[key];
      const list = Array.isArray(stored) && stored.every((x) => typeof x === 'string') ? stored : [];
      if (list.includes(item)) return;
      await chrome.storage.local.set({ [key]: [...list, item] });
    });
  },
  /**
   * Takes the text out of the list stored under the key (anything else stored there stays).
   * @param {string} key
   * @param {string} item
   * @returns {Promise<void>}
   */
  removeFromList(key, item) {
    return inTurn(key, async () => {
      const stored = (await chrome.storage.local.get(key))[key];
      if (!Array.isArray(stored) || !stored.every((x) => typeof x === 'string')) return;
      if (!stored.includes(item)) return;
      await chrome.storage.local.set({ [key]: stored.filter((x) => x !== item) });
    });
  },
};
// Cells the worker's modules share, read and written synchronously by the core: the rate
// governors' state, so that the full core, the tick module, the setup module, the jobs' module and
// the import job's module take their calls from one budget per service (src/jobs/governor.rs). Plain text by
// key; the core decides what goes in.
/** @type {Map<string, string>} */
const cells = new Map();
globalThis.mcsbShared = {
  /** @param {string} key */
  get: (key) => cells.get(key),
  /** @param {string} key @param {string} value */
  set: (key, value) => { cells.set(key, value); },
  /** @param {string} key */
  delete: (key) => { cells.delete(key); },
};
// Chrome: nothing in storage.local is for content scripts (they ask the background instead).
// Firefox has no such switch for storage.local, which is why the secrets are not kept there.
if (chrome.storage.local.setAccessLevel) {
  chrome.storage.local.setAccessLevel({ accessLevel: 'TRUSTED_CONTEXTS' }).catch(() => {});
}

// Six modules: the first (pkg/front_bg.wasm, a third of the core's size) answers what a stopped
// worker is woken for most often, the settings, the panel off a configured card and a tick with
// nothing to do, and starts at once; the full core (pkg/core_bg.wasm) starts only when a card's
// message needs it, the tick module (pkg/tick_bg.wasm) only for a tick with work, the setup module
// (pkg/setup_bg.wasm) only for the options page's save, tests, checklist and warehouses, the jobs'
// module (pkg/jobs_bg.wasm) only for "sync now", cancelling, and the payment refresh and stock
// sync the core's tick says are due, and the import job's module (pkg/importjob_bg.wasm) only for
// the import page's commands and an import the core's tick says is due. The first module names
// the module for each message (src/front.rs).
const hostPermissions = () => chrome.runtime.getManifest().host_permissions || [];
// Each module's file comes from the extension's Cache Storage once a start has kept it there
// (module-cache.js).
const frontReady = startModule(initFront, 'pkg/front_bg.wasm').then(() => {
  frontHostPermissions(hostPermissions());
});
/**
 * A module the worker starts when a message first needs it, and keeps for its life.
 * @param {(options: { module_or_path: Response | Promise<Response> }) => Promise<unknown>} init the glue's init
 * @param {string} wasm the module's file
 * @param {(list: string[]) => void} permissions the module's setHostPermissions
 * @param {string} mark the worker-global flag the e2e tests read (the worker's global scope, which
 *   no page can reach): whether a message needed the module
 * @returns {() => Promise<void>}
 */
function later(init, wasm, permissions, mark) {
  /** @type {Promise<void> | null} */
  let ready = null;
  return () => {
    if (!ready) {
      /** @type {any} */ (self)[mark] = true;
      ready = startModule(init, wasm).then(() => {
        permissions(hostPermissions());
      });
    }
    return ready;
  };
}
const core = later(init, 'pkg/core_bg.wasm', setHostPermissions, 'mcsbCoreStarted');
const importJob = later(initImportJob, 'pkg/importjob_bg.wasm', importJobHostPermissions, 'mcsbImportJobStarted');
const setup = later(initSetup, 'pkg/setup_bg.wasm', setupHostPermissions, 'mcsbSetupStarted');
const jobs = later(initJobs, 'pkg/jobs_bg.wasm', jobsHostPermissions, 'mcsbJobsStarted');
const tick = later(initTick, 'pkg/tick_bg.wasm', tickHostPermissions, 'mcsbTickStarted');
/** The modules the first one names (src/front.rs, `Module::name`): start, then handle. */
const NAMED = new Map([
  ['importJob', { start: importJob, handle: importJobHandle }],
  ['setup', { start: setup, handle: setupHandle }],
  ['jobs', { start: jobs, handle: jobsHandle }],
  ['tick', { start: tick, handle: tickHandle }],
]);

// The worker itself, for alarms and start-up: an extension page as far as the core is concerned.
/** @returns {Sender} */
const SELF = () => ({
  extensionId: chrome.runtime.id,
  extensionUrl: chrome.runtime.getURL(''),
  senderId: chrome.runtime.id,
  url: chrome.runtime.getURL('background.js'),
  lang: chrome.i18n.getUILanguage(),
});

// Firefox's pages are moz-extension://<uuid>/, a per-profile UUID that is not the add-on id: the
// core compares the sender's URL with getURL(''), which is right in both browsers.
// A content script's page is the tab's URL as the browser knows it now (`sender.tab.url`): after
// the page changes its own hash, `sender.url` may still name the card the script started on.
// The content script runs in top frames only, so the tab's URL is its page.
/** @returns {Sender} */
function senderInfo(sender) {
  const page = sender.tab && sender.frameId === 0 && sender.tab.url;
  return {
    extensionId: chrome.runtime.id,
    extensionUrl: chrome.runtime.getURL(''),
    senderId: sender.id || '',
    url: page || sender.url || '',
    lang: chrome.i18n.getUILanguage(),
  };
}

/**
 * Makes chrome.alarms match the list the core wants: repeating ({name, periodInMinutes}) and
 * one-shot ({name, delayInMinutes}) alarms.
 * @param {import('../types/core').Alarm[]} wanted
 */
async function applyAlarms(wanted) {
  for (const a of await chrome.alarms.getAll()) {
    const w = wanted.find((x) => x.name === a.name);
    if (!w || (w.periodInMinutes && a.periodInMinutes !== w.periodInMinutes)) await chrome.alarms.clear(a.name);
  }
  const existing = await chrome.alarms.getAll();
  for (const w of wanted) {
    if (existing.some((a) => a.name === w.name)) continue;
    chrome.alarms.create(w.name, w.periodInMinutes
      ? { periodInMinutes: w.periodInMinutes, delayInMinutes: w.periodInMinutes }
      : { delayInMinutes: w.delayInMinutes });
  }
}

// Side effects the core may ask the browser for; the core chose them, this only performs them.
/** @param {AnyReply} reply */
async function perform(reply) {
  if (!reply || !reply.ok) return;
  if (reply.effect === 'openOptions') await chrome.runtime.openOptionsPage();
  if (Array.isArray(reply.alarms)) await applyAlarms(reply.alarms);
  // The core's tick found an unfinished company import that may go on now: it runs in its own
  // module, after this reply, as long as the worker lives (its alarms bring it back otherwise).
  if (reply.importDue === true) {
    importJob().then(() => resumeImport()).catch(() => {});
  }
  // The core's tick found the payment refresh or the stock sync due or under way: their step
  // runs in the jobs' module, after this reply (its reply adds the alarm to come back sooner
  // while a run goes on).
  if (reply.jobsDue === true) {
    run({ cmd: 'tick' }, SELF(), 'jobs').catch(() => {});
  }
}

// A long job waits for rate-limit slots between calls; Chrome stops a worker that has been idle
// for 30 seconds, so while the core works, an extension API call every 20 s keeps it alive.
let working = 0;
let keepAlive = null;

// A trap in the WebAssembly (a bug: the core avoids panics on anything from outside) leaves that
// instance unusable. The caller gets an error it can show; the worker is then reloaded so the
// next message starts a fresh core (locks are leases and every step is journaled, so nothing
// stays stuck and nothing is lost).
let broken = false;
/** @returns {AnyReply} */
function trapped(err) {
  broken = true;
  setTimeout(() => chrome.runtime.reload(), 1000);
  return internalError(err);
}

/**
 * A failure outside the core's own errors, as the core's error replies look: the localized
 * "internal error" for the person, the technical text beside it.
 * @returns {AnyReply}
 */
function internalError(err) {
  return {
    ok: false,
    error: {
      code: 'internal',
      message: chrome.i18n.getMessage('internalError') || 'Internal error',
      vendorText: String((err && err.message) || err),
      vendor: null,
      field: null,
    },
  };
}

// A panic inside an async core call does not reject that call's promise: the trap is thrown from
// the microtask that polls the future, and reaches the worker's global error handlers. Every call
// in flight races against it, so none is left without an answer.
/** @type {(reason: unknown) => void} */
let onTrap = () => {};
const trap = new Promise((_, reject) => { onTrap = reject; });
trap.catch(() => {});
const isTrap = (e) => typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError;
self.addEventListener('error', (event) => { if (isTrap(event.error)) onTrap(event.error); });
self.addEventListener('unhandledrejection', (event) => { if (isTrap(event.reason)) onTrap(event.reason); });

/**
 * @param {{ cmd: string } & Record<string, unknown>} message
 * @param {Sender} sender
 * @param {'jobs'} [module] the worker's own follow-up for a module the core named (`jobsDue`):
 *   straight to that module; otherwise the first module answers or names the one that must
 * @returns {Promise<AnyReply>}
 */
async function run(message, sender, module) {
  // A module that cannot start rejects here: the caller gets the internal error, and no restart
  // (a restart would not bring a missing or refused module back).
  await frontReady;
  if (broken) return trapped('restarting');
  working += 1;
  if (!keepAlive) keepAlive = setInterval(() => chrome.runtime.getPlatformInfo(), 20000);
  try {
    /**
     * @template T
     * @param {() => Promise<T>} call
     * @returns {Promise<T>}
     */
    const guarded = (call) => Promise.race([call(), trap]);
    // The first module's reply, or the module that must answer (undefined: the full core).
    /** @type {Awaited<ReturnType<typeof frontHandle>>} */
    let first = module;
    if (first === undefined) {
      try {
        first = await guarded(() => frontHandle(message, sender));
      } catch (err) {
        return trapped(err);
      }
    }
    if (typeof first === 'string' && !NAMED.has(first)) return internalError(`no module named ${first}`);
    const next = first === undefined ? { start: core, handle } : typeof first === 'string' ? NAMED.get(first) : null;
    /** @type {AnyReply} */
    let reply;
    if (next) {
      await next.start();
      try {
        reply = await guarded(() => next.handle(message, sender));
      } catch (err) {
        return trapped(err);
      }
    } else {
      reply = /** @type {AnyReply} */ (first);
    }
    await perform(reply);
    return reply;
  } finally {
    working -= 1;
    if (working === 0) {
      clearInterval(keepAlive);
      keepAlive = null;
    }
  }
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  run(message, senderInfo(sender))
    .then(sendResponse)
    .catch((err) => sendResponse(internalError(err)));
  return true; // the answer is sent asynchronously
});

// The tick: resumes work a previous worker left unfinished, polls for trigger statuses. The core
// is told which alarm fired (it decides what each one's tick does).
chrome.alarms.onAlarm.addListener((alarm) => {
  run({ cmd: 'tick', alarm: alarm.name }, SELF()).catch(() => {});
});
chrome.runtime.onStartup.addListener(() => {
  run({ cmd: 'tick' }, SELF()).catch(() => {});
});
chrome.runtime.onInstalled.addListener(() => {
  run({ cmd: 'tick' }, SELF()).catch(() => {});
});
