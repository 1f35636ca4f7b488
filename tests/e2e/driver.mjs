// The small driver layer the cross-browser steps are written against. Two browsers, one shape:
//
//   browser.name                      'chromium' | 'firefox'
//   browser.page(path)                an extension page (options.html, import.html, popup.html) in a new tab
//   browser.newPage()                 an empty tab
//   browser.opened(action)            the tab that `action` made the extension open
//   browser.stopBackground()          stops the background as the browser does to an idle one
//                                     (Chromium: its service worker; Firefox: its event page)
//   browser.inContentScript(page, e)  evaluates expression `e` in the extension's content-script world
//   browser.close()
//
//   page.goto(url) · url() · evaluate(fn, arg) · waitForFunction(fn, arg, {timeout})
//   page.waitFor(sel, {state, hasText, timeout}) · click · fill · check · select(sel, value)
//   page.text · value · attr · disabled · count · setInputFiles · screenshot(path) · reload · close
//   page.aimAt(sel) · aimLanded() · clickAt(x, y)   the guard of a click inside the panel (a click
//                                     that lands on anything but the aimed element is stopped)
//
// Selectors are CSS; `a >> b` means `b` inside `a`'s shadow root (the panel's, which is closed:
// reached from the content-script world, clicked by a real pointer click at its place).
// Chromium is Playwright over the unpacked dist/sandbox (harness.mjs); Firefox is Marionette over
// the temporary add-on dist/firefox-sandbox (firefox.mjs).
import { launchBrowser, inContentScript, killWorker, panelLocator, aimAt, aimLanded } from './harness.mjs';
import { launchFirefox } from './firefox.mjs';

/** The panel locator with the little of Playwright's API the steps use beyond it. */
function withText(l) {
  return {
    ...l,
    first: () => withText(l),
    filter: () => withText(l),
    selectOption: () => { throw new Error('no <select> in the panel'); },
    check: () => l.click(),
    inputValue: () => l.getAttribute('value'),
  };
}

class ChromiumPage {
  constructor(page) {
    this.page = page;
  }

  locator(selector) {
    const [first, ...rest] = selector.split(' >> ');
    // Inside the panel's closed shadow root: from the content-script world (see harness.mjs).
    if (rest.length) return withText(panelLocator(this.page, rest.join(' ')));
    return this.page.locator(first);
  }

  goto(url) { return this.page.goto(url); }
  async url() { return this.page.url(); }
  evaluate(fn, arg) { return this.page.evaluate(fn, arg); }
  async waitForFunction(fn, arg, { timeout = 20000 } = {}) {
    return (await this.page.waitForFunction(fn, arg, { timeout })).jsonValue();
  }

  waitFor(selector, { state = 'attached', hasText, timeout = 20000 } = {}) {
    const l = hasText ? this.locator(selector).filter({ hasText }) : this.locator(selector);
    return l.first().waitFor({ state: hasText && state === 'attached' ? 'attached' : state, timeout });
  }

  click(selector) { return this.locator(selector).click(); }
  /** The click guard of a panel's element (`a >> b`): see harness.mjs's `aimAt`. */
  aimAt(selector) { return aimAt(this.page, selector.split(' >> ').slice(1).join(' ')); }
  aimLanded() { return aimLanded(this.page); }
  clickAt(x, y) { return this.page.mouse.click(x, y); }
  fill(selector, value) { return this.locator(selector).fill(String(value)); }
  check(selector) { return this.locator(selector).check(); }
  select(selector, value) { return this.locator(selector).selectOption(value); }
  text(selector) { return this.locator(selector).innerText(); }
  value(selector) { return this.locator(selector).inputValue(); }
  attr(selector, name) { return this.locator(selector).getAttribute(name); }
  disabled(selector) { return this.locator(selector).isDisabled(); }
  count(selector) { return this.locator(selector).count(); }
  setInputFiles(selector, path) { return this.locator(selector).setInputFiles(path); }
  screenshot(path) { return this.page.screenshot({ path, fullPage: true }); }
  reload() { return this.page.reload(); }
  close() { return this.page.close(); }
}

/** Debian's Chromium with dist/sandbox, in the driver layer's shape. */
export async function launchChromium(options) {
  const b = await launchBrowser(options);
  return {
    name: 'chromium',
    raw: b,
    extensionId: b.extensionId,
    base: `chrome-extension://${b.extensionId}/`,
    page: async (path) => new ChromiumPage(await b.page(path)),
    newPage: async () => new ChromiumPage(await b.context.newPage()),
    opened: async (action) => {
      const [page] = await Promise.all([b.context.waitForEvent('page'), action()]);
      await page.waitForLoadState();
      return new ChromiumPage(page);
    },
    stopBackground: () => killWorker(b),
    inContentScript: (page, expression) => inContentScript(page.page, expression),
    close: () => b.close(),
  };
}

/** The browser named by `name` ('chromium' or 'firefox'). */
export function launch(name, options) {
  if (name === 'chromium') return launchChromium(options);
  if (name === 'firefox') return launchFirefox(options);
  throw new Error(`unknown browser ${name}`);
}
