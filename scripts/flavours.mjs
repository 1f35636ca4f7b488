// Copies extension/ into dist/<flavour>/ and adapts the manifest:
//  - chrome:  unchanged (the production build);
//  - firefox: background.scripts (Firefox MV3 has no service workers yet) and a gecko id;
//  - sandbox: Chrome build that may also reach http://127.0.0.1 and http://localhost, where the
//             sandbox runs. Production permissions stay untouched in the other flavours.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'extension');
if (!existsSync(join(src, 'pkg', 'core_bg.wasm'))) {
  console.error('extension/pkg is empty: run scripts/build.sh');
  process.exit(1);
}
const base = JSON.parse(readFileSync(join(src, 'manifest.json'), 'utf8'));
const SANDBOX_ORIGINS = ['http://127.0.0.1/*', 'http://localhost/*'];

const flavours = {
  chrome: (m) => m,
  firefox: (m) => ({
    ...m,
    background: { scripts: ['background.js'], type: 'module' },
    browser_specific_settings: { gecko: { id: 'minicrm-smartbill@extension', strict_min_version: '121.0' } },
  }),
  sandbox: (m) => ({
    ...m,
    name: `${m.short_name} (sandbox)`,
    host_permissions: [...m.host_permissions, ...SANDBOX_ORIGINS],
    content_scripts: m.content_scripts.map((cs) => ({ ...cs, matches: [...cs.matches, ...SANDBOX_ORIGINS] })),
  }),
};

for (const [name, adapt] of Object.entries(flavours)) {
  const out = join(root, 'dist', name);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  cpSync(src, out, { recursive: true });
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(adapt(structuredClone(base)), null, 2));
}
console.log('dist/chrome, dist/firefox, dist/sandbox ready');
