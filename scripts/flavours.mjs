// Copies extension/ into dist/<flavour>/ and adapts the manifest:
//  - chrome:          unchanged (the production build);
//  - firefox:         background.scripts (Firefox MV3 runs the background as an event page, not a
//                     service worker) and the gecko settings;
//  - sandbox:         Chrome build that may also reach http://127.0.0.1 and http://localhost, where
//                     the sandbox runs, for the demo and the tests;
//  - firefox-sandbox: the same for Firefox.
// Production permissions stay untouched in chrome and firefox, which are also zipped for the
// stores (dist/minicrm-smartbill-chrome.zip, dist/minicrm-smartbill-firefox.zip; deterministic).
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { buildSync } from 'esbuild';
import { zipDir } from './zip.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'extension');
if (!existsSync(join(src, 'pkg', 'core_bg.wasm'))) {
  console.error('extension/pkg is empty: run scripts/build.sh');
  process.exit(1);
}
const base = JSON.parse(readFileSync(join(src, 'manifest.json'), 'utf8'));

// The background as one file: background.js with the modules it imports (the modules' glue,
// secrets.js, module-cache.js), bundled by esbuild with one change only: the build's hash
// (`MCSB_BUILD`, below) written in. A stopped worker is started by a message and first loads its
// module graph, one file at a time: six files cost it 3–8 % of a cold getSettings
// (tests/bench/coldstart.mjs with BENCH_COMPARE, README "Limits"). extension/ keeps the files
// apart, as they are written and type-checked.
// A classic script, not an ES module (`format: 'iife'`; the manifests below drop `"type":
// "module"`): a stopped worker woken by a message starts sooner. Chrome makes V8's code cache of
// a worker's classic scripts when it installs it; in the same rounds, the module build took
// 0.97–1.20× this one's time for a cold getSettings, more in 9 runs of 10 (tests/bench/coldruns.mjs
// with BENCH_COMPARE, both slots; README "Limits").
// The build's hash, of the worker's six modules: it names the Cache Storage copies of them that
// this build reads (extension/module-cache.js), so a copy is read only by the build of the same
// files.
const WORKER_MODULES = ['front', 'core', 'importjob', 'setup', 'jobs', 'tick'].map((m) => `pkg/${m}_bg.wasm`);
const build = createHash('sha256');
for (const file of WORKER_MODULES) build.update(file).update(readFileSync(join(src, file)));
const worker = buildSync({
  entryPoints: [join(src, 'background.js')],
  define: { MCSB_BUILD: JSON.stringify(build.digest('hex').slice(0, 16)) },
  bundle: true,
  format: 'iife',
  platform: 'browser',
  write: false,
  legalComments: 'none',
  logLevel: 'warning',
  // The glues' default address (`new URL('…_bg.wasm', import.meta.url)`) has no import.meta in a
  // classic script; it is never used: module-cache.js always hands init the module's response.
  logOverride: { 'empty-import-meta': 'silent' },
}).outputFiles[0].contents;
/** Only the background imports these: in the bundle, not beside it. */
const BUNDLED = ['core-module.js', 'front-module.js', 'importjob-module.js', 'setup-module.js', 'jobs-module.js', 'tick-module.js', 'secrets.js', 'module-cache.js', 'pkg/core.js', 'pkg/front.js', 'pkg/importjob.js', 'pkg/setup.js', 'pkg/jobs.js', 'pkg/tick.js'].map((f) => join(src, f));
const SANDBOX_ORIGINS = ['http://127.0.0.1/*', 'http://localhost/*'];

export const GECKO_ID = 'minicrm-smartbill@extension';

/** The bundled background is a classic script (above): no `"type": "module"`. */
const classic = (m) => {
  const { type: _, ...background } = m.background;
  return { ...m, background };
};

const firefox = (m) => {
  const { service_worker: _, ...background } = m.background;
  const { minimum_chrome_version: __, ...rest } = m;
  return {
    ...rest,
    // Chrome keeps storage.local to 10 MB (5 MB before Chrome 114) without unlimitedStorage, and
    // the emission journal grows by about 1 KB per document. Firefox's storage.local is held to
    // IndexedDB's limits, far above that, and there the permission would be one more line in the
    // install prompt.
    permissions: m.permissions.filter((p) => p !== 'unlimitedStorage'),
    background: { ...background, scripts: ['background.js'] },
    browser_specific_settings: {
      gecko: {
        id: GECKO_ID,
        // 140 is the older of the two supported ESRs (140, 153) and the first Firefox that knows
        // `data_collection_permissions`; Firefox grants MV3 host permissions at install from
        // 127 on (the user can still withdraw them: the options page then asks again).
        strict_min_version: '140.0',
        // Firefox's data-collection consent (AMO requires the key for new add-ons). The
        // extension sends the user's MiniCRM and SmartBill data only between the user's own
        // accounts of those two services; nothing goes to the developer or anyone else.
        data_collection_permissions: { required: ['none'] },
      },
      // Firefox for Android reads `data_collection_permissions` from 142 on.
      gecko_android: { strict_min_version: '142.0' },
    },
  };
};

const sandbox = (m) => ({
  ...m,
  name: `${m.short_name} (sandbox)`,
  host_permissions: [...m.host_permissions, ...SANDBOX_ORIGINS],
  content_scripts: m.content_scripts.map((cs) => ({ ...cs, matches: [...cs.matches, ...SANDBOX_ORIGINS] })),
});

const flavours = {
  chrome: (m) => m,
  firefox,
  sandbox,
  'firefox-sandbox': (m) => sandbox(firefox(m)),
};
/** The store uploads: production flavours only. */
const zips = { chrome: 'minicrm-smartbill-chrome.zip', firefox: 'minicrm-smartbill-firefox.zip' };

for (const [name, adapt] of Object.entries(flavours)) {
  const out = join(root, 'dist', name);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // Declarations for `tsc` (import-module.d.ts) are not the extension's.
  cpSync(src, out, { recursive: true, filter: (path) => !path.endsWith('.d.ts') && !BUNDLED.includes(path) });
  writeFileSync(join(out, 'background.js'), worker);
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(adapt(classic(structuredClone(base))), null, 2));
}
for (const [name, file] of Object.entries(zips)) {
  writeFileSync(join(root, 'dist', file), zipDir(join(root, 'dist', name)));
}
console.log(`dist/${Object.keys(flavours).join(', dist/')} ready; ${Object.values(zips).map((z) => `dist/${z}`).join(', ')} written`);
