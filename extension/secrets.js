// The secrets store (the SmartBill token, the MiniCRM API key): the extension origin's IndexedDB.
// Content scripts run in the web page's origin and cannot open this database, in Chrome and in
// Firefox alike; `storage.local`, which Firefox lets content scripts read, never holds a secret.
// Glue only: the core decides what is a secret (keys under `secret.`) and calls get/set/remove.
const DB = 'minicrm-smartbill-secrets';
const STORE = 'secrets';

let opening = null;
function db() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    opening.catch(() => { opening = null; });
  }
  return opening;
}

async function tx(mode, work) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const t = d.transaction(STORE, mode);
    const request = work(t.objectStore(STORE));
    t.oncomplete = () => resolve(request.result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  });
}

export const secrets = {
  get: (key) => tx('readonly', (s) => s.get(key)),
  set: (key, value) => tx('readwrite', (s) => s.put(value, key)).then(() => undefined),
  remove: (key) => tx('readwrite', (s) => s.delete(key)).then(() => undefined),
};
// Opened at once, while the worker's first module compiles: the first read of the settings does
// not wait for it.
db().catch(() => {});
