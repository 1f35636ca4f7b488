// Fills every [data-i18n] element's text (and [data-i18n-placeholder], [data-i18n-title]) from
// _locales. Only textContent/attributes are set, never HTML.
export function t(key, subs) {
  return chrome.i18n.getMessage(key, subs) || key;
}

export function localize(root = document) {
  /** @param {string} selector */
  const all = (selector) => /** @type {NodeListOf<HTMLInputElement>} */ (root.querySelectorAll(selector));
  for (const el of all('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of all('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of all('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  document.documentElement.lang = chrome.i18n.getUILanguage().split('-')[0];
}

export function send(command) {
  return chrome.runtime.sendMessage(command);
}

/** A new element with text (never HTML), a class and attributes. */
export function el(tag, text, cls, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}
