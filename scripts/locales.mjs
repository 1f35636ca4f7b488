// Writes the extension's extension/_locales/<lang>/messages.json (git-ignored) from
// locales/texts.json, the one catalog of translated text: its "pages" section, and its "core"
// section as `coreRo_<Key>` and `core_<Key>` messages (build.rs compiles the core section into
// the WASM modules; the service worker's vendor modules carry none of its texts and read these). Stops with a
// message naming the entry when a text lacks a language or when its languages do not use the
// same $1-style substitutions.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const LANGS = ['ro', 'en', 'hu'];
// Besides the texts, an entry may carry Chrome's own fields, the same in every language.
const SHARED = ['description', 'placeholders'];

/** The $1…$9 substitutions and $NAME$ placeholders a text uses, sorted. */
function substitutions(text) {
  return [...text.matchAll(/\$(\d|[A-Za-z_]\w*\$)/g)].map((m) => m[0]).sort().join(' ');
}

function messages(pages) {
  const out = Object.fromEntries(LANGS.map((lang) => [lang, {}]));
  for (const [key, entry] of Object.entries(pages)) {
    if (!/^[A-Za-z0-9_]+$/.test(key)) throw new Error(`pages.${key}: a key may hold only A-Z, a-z, 0-9 and _`);
    for (const lang of LANGS) {
      if (typeof entry[lang] !== 'string' || !entry[lang]) throw new Error(`pages.${key} has no "${lang}" text`);
      if (substitutions(entry[lang]) !== substitutions(entry.ro)) {
        throw new Error(`pages.${key}: "${lang}" uses other substitutions than "ro"`);
      }
      const message = { message: entry[lang] };
      for (const field of SHARED) if (entry[field] !== undefined) message[field] = entry[field];
      out[lang][key] = message;
    }
  }
  return out;
}

/**
 * The core's texts as messages: `coreRo_<Key>`, the Romanian text, in every language's file (the
 * card's texts are Romanian whatever the browser's language), and `core_<Key>`, the file's own
 * language, in the English and Hungarian files. The service worker's vendor modules carry none of
 * these texts and read them with chrome.i18n (src/i18n.rs). Their `{name}` placeholders are the
 * core's to fill; a `$`, which chrome.i18n would read as a substitution, is written `$$`.
 */
function coreMessages(core, out) {
  const message = (text) => ({ message: text.replaceAll('$', '$$$$') });
  for (const [key, entry] of Object.entries(core)) {
    if (!/^[A-Z][A-Za-z0-9]*$/.test(key)) throw new Error(`core.${key}: a core key is a Rust name in CamelCase`);
    for (const lang of LANGS) {
      if (typeof entry[lang] !== 'string' || !entry[lang]) throw new Error(`core.${key} has no "${lang}" text`);
      out[lang][`coreRo_${key}`] = message(entry.ro);
      if (lang !== 'ro') out[lang][`core_${key}`] = message(entry[lang]);
    }
  }
  return out;
}

const catalog = JSON.parse(readFileSync(join(root, 'locales/texts.json'), 'utf8'));
for (const [lang, texts] of Object.entries(coreMessages(catalog.core, messages(catalog.pages)))) {
  const dir = join(root, 'extension/_locales', lang);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'messages.json'), `${JSON.stringify(texts, null, 2)}\n`);
}
