// Fills every [data-i18n] element's text (and [data-i18n-placeholder], [data-i18n-title]) from
// _locales. Only textContent/attributes are set, never HTML.
export function t(key, subs) {
  return chrome.i18n.getMessage(key, subs) || key;
}

/** @param {Document | HTMLElement} root */
export function localize(root = document) {
  /** @param {string} selector */
  const all = (selector) => /** @type {NodeListOf<HTMLInputElement>} */ (root.querySelectorAll(selector));
  for (const el of all('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of all('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of all('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  document.documentElement.lang = chrome.i18n.getUILanguage().split('-')[0];
}

/**
 * A command to the core (through the background) and its reply, typed by the command's `cmd`
 * (types/reply.d.ts, `Replies`; the replies' types are generated from the Rust types).
 * @template {string} C
 * @param {{ cmd: C } & Record<string, unknown>} command
 * @returns {Promise<import('../types/reply').ReplyTo<C>>}
 */
export function send(command) {
  return chrome.runtime.sendMessage(command);
}

/**
 * Whether a reply is the core's error (`{ ok: false, error }`); narrows the reply's type.
 * @template T
 * @param {import('../types/reply').Reply<T>} reply
 * @returns {reply is { ok: false, error: import('../types/core').ErrorView }}
 */
export function failed(reply) {
  return !reply.ok;
}

/** A new element with text (never HTML), a class and attributes. */
export function el(tag, text, cls, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}
