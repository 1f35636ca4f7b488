// The worker's modules read from the extension's Cache Storage instead of fetched from the package.
// In a stopped worker woken by a message, Chrome's first fetch() blocks the worker's thread for
// about 2.6 ms before it returns, and the message waits behind it; reading Cache Storage does not
// block (tests/bench/coldmarks.mjs, "fetchCalled"; README, "Limits"). Glue only: which bytes a
// module is made of is the build's business, and a copy is used only by the build that made it.
//
// Each copy sits in a cache named after the build (`MCSB_BUILD`, a hash of the six modules'
// files that scripts/flavours.mjs writes into the bundled background.js): a copy from another
// build is never read, and the caches of other builds are deleted once this build has its own.
// Unbundled (no build hash), where the browser offers no Cache Storage, or when it fails, the
// module is fetched as before.

/* global MCSB_BUILD */
const PREFIX = 'mcsb-modules-';
// Cache Storage keys are http(s) requests; this address is never fetched.
const KEY = 'https://modules.invalid/';

/** @returns {string | null} this build's cache, or null when the bundle carries no build hash */
function cacheName() {
  // `typeof`: the constant exists only in the bundle scripts/flavours.mjs writes.
  return typeof MCSB_BUILD === 'string' && MCSB_BUILD ? PREFIX + MCSB_BUILD : null;
}

/**
 * Deletes the modules kept by other builds.
 * @param {string} mine
 */
async function forgetOthers(mine) {
  for (const name of await caches.keys()) {
    if (name.startsWith(PREFIX) && name !== mine) await caches.delete(name);
  }
}

/**
 * The module's file, kept or fetched, and where it came from.
 * @param {string} file the module's file in the package, e.g. `pkg/front_bg.wasm`
 * @returns {Promise<{ response: Response, kept: boolean }>}
 */
async function open(file) {
  const name = cacheName();
  const url = chrome.runtime.getURL(file);
  if (!name || typeof caches === 'undefined') return { response: await fetch(url), kept: false };
  /** @type {Cache} */
  let cache;
  try {
    cache = await caches.open(name);
    const kept = await cache.match(KEY + file);
    if (kept) return { response: kept, kept: true };
  } catch {
    return { response: await fetch(url), kept: false };
  }
  const response = await fetch(url);
  if (response.ok) {
    cache.put(KEY + file, response.clone()).then(() => forgetOthers(name)).catch(() => {});
  }
  return { response, kept: false };
}

/**
 * Starts a module with its glue's init, from the kept copy when there is one. A kept copy that
 * does not start (damaged on disk) is deleted with this build's other copies, and the module
 * fetched again: a bad copy never keeps the worker from starting.
 * @param {(options: { module_or_path: Response | Promise<Response> }) => Promise<unknown>} init
 * @param {string} file
 * @returns {Promise<void>}
 */
export async function startModule(init, file) {
  // Where each module came from, for the tests (the worker's own scope, which no page reaches).
  /** @type {Record<string, 'kept' | 'fetched' | 'refetched'>} */
  const from = (/** @type {any} */ (self).mcsbModules ||= {});
  const { response, kept } = await open(file);
  from[file] = kept ? 'kept' : 'fetched';
  try {
    await init({ module_or_path: response });
  } catch (err) {
    if (!kept) throw err;
    // This build's copies go; the file is fetched, and kept anew.
    await caches.delete(/** @type {string} */ (cacheName())).catch(() => false);
    const again = await open(file);
    from[file] = 'refetched';
    await init({ module_or_path: again.response });
  }
}
