// Debian's Firefox ESR with the extension's Firefox sandbox build (dist/firefox-sandbox) installed
// as a temporary add-on, driven through Marionette (see marionette.mjs for why). The object it
// returns has the same shape as the Chromium one in driver.mjs, so the shared steps drive both.
//
// How the extension's pages are reached: Marionette's `WebDriver:Navigate` opens
// `moz-extension://<uuid>/options.html` in a tab of its own, like a person typing it. The UUID is
// Firefox's per-profile random one (it is not the add-on id), read from the add-on's
// `WebExtensionPolicy` in the parent process; nothing in the extension is changed for the tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Marionette, ELEMENT } from './marionette.mjs';
import { ROOT, artifact, AIM, AIM_LANDED } from './harness.mjs';

export const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
export const FIREFOX_EXTENSION = process.env.FIREFOX_EXTENSION_DIR || join(ROOT, 'dist', 'firefox-sandbox');
export const GECKO_ID = 'minicrm-smartbill@extension';

// A quiet, offline profile: no first-run pages, no update or telemetry pings, no remote settings
// (this machine has no internet: each of those would wait on a DNS timeout).
const PREFS = {
  'marionette.port': 0, // any free port, written to <profile>/MarionetteActivePort
  'intl.locale.requested': 'ro', // the Romanian UI (firefox-esr-l10n-ro), as a Romanian user has it
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.page': 0,
  'browser.startup.homepage': 'about:blank',
  'startup.homepage_welcome_url': 'about:blank',
  'startup.homepage_welcome_url.additional': '',
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.aboutwelcome.enabled': false,
  'browser.newtabpage.enabled': false,
  'browser.tabs.warnOnClose': false,
  'browser.download.useDownloadDir': true,
  'app.normandy.enabled': false,
  'app.update.disabledForTesting': true,
  'services.settings.server': 'data:,#remote-settings-dummy/v1',
  'messaging-system.rsexperimentloader.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.http.speculative-parallel-limit': 0,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.blockedURIs.enabled': false,
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'extensions.blocklist.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'toolkit.telemetry.server': '',
  'browser.region.network.url': '',
  'geo.provider.network.url': '',
  'toolkit.startup.max_resumed_crashes': -1,
  // `permissions.request()` grants without the doorhanger (there is no one to click it in a
  // headless run); the request itself, and the button that makes it, are the real ones.
  'extensions.webextOptionalPermissionPrompts': false,
};

/** Runs privileged code in Firefox's parent process (Marionette's chrome context). */
async function inChrome(m, script, ...args) {
  await m.send('Marionette:SetContext', { value: 'chrome' });
  try {
    return (await m.send('WebDriver:ExecuteScript', { script, args })).value;
  } finally {
    await m.send('Marionette:SetContext', { value: 'content' });
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value (a condition, never a fixed wait). */
export async function until(check, what, timeout = 20000, every = 100) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
    await sleep(every);
  }
}

/** Launches Firefox ESR with the extension; resolves with the browser object. */
export async function launchFirefox({ extension = FIREFOX_EXTENSION, expectedId = GECKO_ID, prefs = {}, userDataDir } = {}) {
  if (!existsSync(FIREFOX)) throw new Error(`${FIREFOX} is missing: run scripts/setup.sh`);
  if (!existsSync(join(extension, 'manifest.json'))) throw new Error(`${extension} is missing: run scripts/build.sh`);
  const profile = userDataDir || mkdtempSync(join(tmpdir(), 'mcsb-firefox-'));
  const all = { ...PREFS, ...prefs };
  writeFileSync(join(profile, 'user.js'), Object.entries(all).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});\n`).join(''));
  rmSync(join(profile, 'MarionetteActivePort'), { force: true });
  // Firefox's own output (the browser console, extension errors) for when a run fails.
  const log = artifact('firefox.log');
  const out = openSync(log, 'w');
  const child = spawn(FIREFOX, ['--marionette', '--remote-allow-system-access', '--headless', '--no-remote', '--profile', profile], {
    stdio: ['ignore', out, out],
    env: { ...process.env, MOZ_HEADLESS: '1', MOZ_CRASHREPORTER_DISABLE: '1', LANG: 'ro_RO.UTF-8' },
  });
  closeSync(out);
  let exited = null;
  child.once('exit', (code, signal) => { exited = { code, signal }; });
  const t0 = Date.now();
  const trace = (what) => { if (process.env.MCSB_TRACE) console.error(`[firefox] ${what} after ${Date.now() - t0} ms`); };
  const port = await until(() => {
    if (exited) throw new Error(`Firefox exited at start (${JSON.stringify(exited)}); see ${log}`);
    const file = join(profile, 'MarionetteActivePort');
    return existsSync(file) && Number(readFileSync(file, 'utf8').trim());
  }, 'Firefox to open Marionette', 60000);
  trace('Marionette listening');
  const m = await Marionette.connect(port);
  await m.send('WebDriver:NewSession', { capabilities: { pageLoadStrategy: 'normal', 'moz:webdriverClick': true, unhandledPromptBehavior: 'accept' } });
  trace('session');
  const { value: id } = await m.send('Addon:Install', { path: extension, temporary: true });
  trace('add-on installed');
  if (id !== expectedId) throw new Error(`installed ${id}, expected ${expectedId}`);
  // The moz-extension host, once the add-on has started.
  const uuid = await until(() => inChrome(m, `
    const policy = WebExtensionPolicy.getByID(arguments[0]);
    return policy && policy.extension && policy.mozExtensionHostname;`, id), 'the add-on to start');
  const base = `moz-extension://${uuid}/`;
  trace('add-on started');

  // One Marionette session has one current tab: every page operation first switches to its own
  // tab, one operation at a time.
  let current = (await m.send('WebDriver:GetWindowHandle')).value;
  const initialTab = current;
  let queue = Promise.resolve();
  const exclusive = (fn) => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  };

  const browser = {
    name: 'firefox',
    marionette: m,
    extensionId: id,
    uuid,
    base,
    profile,
    exclusive,
    /** Opens an extension page (options.html, import.html, popup.html) in a new tab. */
    page: async (path) => {
      const page = await browser.newPage();
      await page.goto(`${base}${path}`);
      return page;
    },
    /** A new, empty tab. */
    newPage: () => exclusive(async () => {
      // NewWindow needs a live current tab: the first one stays open for that.
      if (current !== initialTab) await m.send('WebDriver:SwitchToWindow', { handle: initialTab, focus: false });
      current = initialTab;
      const { handle } = await m.send('WebDriver:NewWindow', { type: 'tab', focus: true });
      await m.send('WebDriver:SwitchToWindow', { handle, focus: true });
      current = handle;
      return new FirefoxPage(browser, handle);
    }),
    /** Runs `action` and resolves with the tab it made the browser open (e.g. the options page). */
    opened: async (action) => {
      const handles = async () => [].concat(await m.send('WebDriver:GetWindowHandles')); // a bare array
      const before = new Set(await handles());
      await action();
      const handle = await until(async () => (await handles()).find((h) => !before.has(h)), 'a new tab');
      const page = new FirefoxPage(browser, handle);
      await until(() => page.script('return document.readyState === "complete";'), 'the new tab to load');
      return page;
    },
    /** Runs `fn` in the page's tab (switching to it first), exclusively. */
    inTab: (handle, fn) => exclusive(async () => {
      if (current !== handle) {
        await m.send('WebDriver:SwitchToWindow', { handle, focus: true });
        current = handle;
      }
      return fn();
    }),
    forget: (handle) => { if (current === handle) current = null; },
    /** Privileged code in the parent process. */
    chrome: (script, ...args) => exclusive(() => inChrome(m, script, ...args)),
    /**
     * Stops the extension's background page as Firefox's idle timer finally does, and resolves
     * with its state ("stopped"). Firefox MV3 runs the background as an event page: after 30 s
     * without events or API calls it is terminated; a listener still pending only buys it one
     * more period. `terminateBackground` is that termination (about:debugging's "Terminate
     * background script" calls it too); `disableResetIdleForTest` skips the one extra period, so
     * work in flight dies here as it would 30 s later. The next event (a message, an alarm)
     * starts the page again, with the same top-level listeners.
     */
    stopBackground: () => browser.chrome(`
      const extension = WebExtensionPolicy.getByID(arguments[0]).extension;
      return extension.terminateBackground({ ignoreDevToolsAttached: true, disableResetIdleForTest: true })
        .then(() => extension.backgroundState);`, id),
    /** "running", "starting", "suspending" or "stopped". */
    backgroundState: () => browser.chrome(`return WebExtensionPolicy.getByID(arguments[0]).extension.backgroundState;`, id),
    /** The host permissions Firefox has granted to the add-on right now. */
    grantedOrigins: () => browser.chrome(`
      const { ExtensionPermissions } = ChromeUtils.importESModule('resource://gre/modules/ExtensionPermissions.sys.mjs');
      return ExtensionPermissions.get(arguments[0]).then((p) => p.origins);`, id),
    /** Withdraws host permissions, as a user does in about:addons › Permissions. */
    revokeOrigins: (origins) => browser.chrome(`
      const { ExtensionPermissions } = ChromeUtils.importESModule('resource://gre/modules/ExtensionPermissions.sys.mjs');
      const extension = WebExtensionPolicy.getByID(arguments[0]).extension;
      return ExtensionPermissions.remove(arguments[0], { origins: arguments[1], permissions: [] }, extension).then(() => true);`, id, origins),
    /**
     * Evaluates `expression` in the extension's content-script global of `page` (the sandbox
     * Firefox gives content scripts, with its `browser`/`chrome` APIs), from Marionette's
     * system-principal sandbox in that page's content process. Resolves with the value (JSON).
     */
    inContentScript: (page, expression) => browser.inTab(page.handle, async () => {
      const { value } = await m.send('WebDriver:ExecuteScript', {
        sandbox: 'system',
        newSandbox: true,
        args: [id, expression],
        script: `
          const [id, expression] = arguments;
          const { ExtensionContent } = ChromeUtils.importESModule('resource://gre/modules/ExtensionContent.sys.mjs');
          const context = ExtensionContent.getContextByExtensionId(id, window);
          if (!context) throw new Error('no content script of ' + id + ' in ' + window.location.href);
          const sandbox = context.sandbox;
          const run = Cu.evalInSandbox('(async () => JSON.stringify(await (' + expression + ')))()', sandbox);
          return new Promise((resolve, reject) => run.then(resolve, (e) => reject(new Error(String(e && e.message || e)))));`,
      });
      return value === undefined ? undefined : JSON.parse(value);
    }),
    close: async () => {
      try {
        await m.send('Marionette:Quit', { flags: ['eForceQuit'] }).catch(() => {});
      } finally {
        m.close();
        if (!exited) {
          await Promise.race([new Promise((r) => child.once('exit', r)), sleep(10000)]);
          if (!exited) child.kill('SIGKILL');
        }
        if (!userDataDir) rmSync(profile, { recursive: true, force: true });
      }
    },
  };
  browser.initialTab = initialTab;
  return browser;
}

/**
 * `a >> b`: `b` inside the shadow root of `a`. The panel's is closed: only privileged code (and
 * the extension's content script) may open it, so these lookups run in Marionette's system
 * sandbox, where `openOrClosedShadowRoot` exists.
 */
const FIND = `
  const parts = arguments[0].split(' >> ');
  let node = document.querySelector(parts[0]);
  for (const part of parts.slice(1)) {
    const root = node && (node.openOrClosedShadowRoot || node.shadowRoot);
    node = root && root.querySelector(part);
  }
  return node;`;

/** A tab, with the operations the shared steps need (the Chromium twin wraps Playwright's Page). */
export class FirefoxPage {
  constructor(browser, handle) {
    this.browser = browser;
    this.handle = handle;
    this.m = browser.marionette;
  }

  run(fn) {
    return this.browser.inTab(this.handle, fn);
  }

  script(script, args = [], privileged = false) {
    // Lookups through FIND need the system sandbox (closed shadow roots), and so does the click
    // guard (`aimAt`); the rest runs as the page.
    const system = privileged || script.includes(FIND.slice(0, 40)) || args.some((a) => typeof a === 'string' && a.includes(' >> '));
    return this.run(async () => (await this.m.send('WebDriver:ExecuteScript', { script, args, ...(system ? { sandbox: 'system' } : {}) })).value);
  }

  goto(url) {
    return this.run(() => this.m.send('WebDriver:Navigate', { url }));
  }

  async url() {
    return this.run(async () => (await this.m.send('WebDriver:GetCurrentURL')).value);
  }

  /** Runs `fn(arg)` in the page (extension pages: with their `chrome`/`browser` APIs). */
  evaluate(fn, arg) {
    return this.script(`return (${fn})(arguments[0]);`, [arg === undefined ? null : arg]);
  }

  /** Waits until `fn(arg)` is truthy in the page; resolves with its value. */
  waitForFunction(fn, arg, { timeout = 20000 } = {}) {
    return until(() => this.evaluate(fn, arg), `${fn} in ${this.handle}`, timeout);
  }

  /** The element for `selector` (see FIND), waiting for it to be attached. */
  async element(selector, { timeout = 20000 } = {}) {
    return until(() => this.script(FIND, [selector]), `${selector} to be attached`, timeout);
  }

  /** Waits for `selector`: attached (default), visible, hidden or detached; `hasText` matches its text. */
  async waitFor(selector, { state = 'attached', hasText, timeout = 20000 } = {}) {
    await until(() => this.script(`${FIND.replace('return node;', '')}
      const [, state, text] = arguments;
      const visible = !!node && node.getClientRects().length > 0 && getComputedStyle(node).visibility !== 'hidden';
      const matches = !!node && (!text || node.innerText.includes(text) || node.textContent.includes(text));
      if (state === 'detached') return !node;
      if (state === 'hidden') return !node || !visible;
      if (state === 'visible') return visible && matches;
      return matches;`, [selector, state, hasText || null]), `${selector} to be ${state}${hasText ? ` with "${hasText}"` : ''}`, timeout);
  }

  async click(selector) {
    const el = await this.element(selector);
    await until(() => this.script('return !arguments[0].disabled;', [el]), `${selector} to be enabled`);
    if (!selector.includes(' >> ')) {
      await this.run(() => this.m.send('WebDriver:ElementClick', { id: el[ELEMENT] }));
      return;
    }
    // Inside a closed shadow root: a real pointer click at the element's place (a trusted event),
    // aimed as the Chromium harness aims its clicks (harness.mjs, `aimedClick`): the panel may
    // move between the measure and the click, and a click that lands on anything but the aimed
    // element is stopped before the page sees it, then aimed again.
    const end = Date.now() + 20000;
    for (;;) {
      const point = await until(() => this.aimAt(selector), `${selector} to be clickable`, Math.max(0, end - Date.now()));
      await this.clickAt(point.x, point.y);
      const landed = await this.aimLanded();
      if (landed === 'hit') return;
      console.error(`# a click on ${selector} ${landed === 'missed' ? 'landed elsewhere' : 'reached nothing'}: aiming again`);
      if (Date.now() > end) throw new Error(`a click on ${selector} landed elsewhere until the time ran out (${landed})`);
    }
  }

  /**
   * Measures an element inside a closed shadow root (`a >> b`) and arms the guard of the next
   * click: trusted pointer events that land outside it (or on it while disabled) are stopped, in
   * the capture phase, before any of the page's or the extension's handlers.
   * @returns {Promise<{ x: number, y: number } | null>} its middle; null while it is missing or disabled
   */
  aimAt(selector) {
    return this.script(`${FIND.replace('return node;', '')}
      const el = node;
      if (!el || el.disabled) return null;
      const root = el.getRootNode();
      return (${AIM})(el, root.host, root);`, [selector]);
  }

  /**
   * Where the click since `aimAt` went; the guard disarmed.
   * @returns {Promise<'hit' | 'missed' | 'none'>}
   */
  aimLanded() {
    return this.script(`return (${AIM_LANDED})();`, [], true);
  }

  /** A real pointer click at a place of the viewport (trusted events, as a person's). */
  async clickAt(x, y) {
    await this.run(() => this.m.send('WebDriver:PerformActions', {
      actions: [{
        type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' },
        actions: [
          { type: 'pointerMove', x: Math.round(x), y: Math.round(y), origin: 'viewport' },
          { type: 'pointerDown', button: 0 },
          { type: 'pointerUp', button: 0 },
        ],
      }],
    }));
    await this.run(() => this.m.send('WebDriver:ReleaseActions'));
  }

  /**
   * Sets a field's value as Playwright's fill does (focus, value, `input` and `change` events),
   * not key by key: typing every character through Marionette costs a round trip each.
   */
  async fill(selector, value) {
    const el = await this.element(selector);
    await this.script(`const [el, value] = arguments;
      el.focus();
      el.value = value;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));`, [el, String(value)]);
  }

  async check(selector) {
    const el = await this.element(selector);
    if (!(await this.script('return arguments[0].checked;', [el]))) {
      await this.run(() => this.m.send('WebDriver:ElementClick', { id: el[ELEMENT] }));
    }
  }

  /** Chooses the <option> with this value, by clicking it as a person would. */
  async select(selector, value) {
    await this.element(selector);
    const option = await this.element(`${selector} option[value="${value}"]`);
    await this.run(() => this.m.send('WebDriver:ElementClick', { id: option[ELEMENT] }));
  }

  async text(selector) {
    const el = await this.element(selector);
    return this.script('return arguments[0].innerText;', [el]);
  }

  async value(selector) {
    const el = await this.element(selector);
    return this.script('return arguments[0].value;', [el]);
  }

  async attr(selector, name) {
    const el = await this.element(selector);
    return this.script('return arguments[0].getAttribute(arguments[1]);', [el, name]);
  }

  async disabled(selector) {
    const el = await this.element(selector);
    return this.script('return arguments[0].disabled;', [el]);
  }

  async count(selector) {
    return this.script(`${FIND.replace('return node;', 'return node ? 1 : 0;')}`, [selector]);
  }

  /** Picks a file in an <input type=file> (Marionette types its path into the input). */
  async setInputFiles(selector, path) {
    const el = await this.element(selector);
    await this.run(() => this.m.send('WebDriver:ElementSendKeys', { id: el[ELEMENT], text: path }));
  }

  async screenshot(path) {
    const { value } = await this.run(() => this.m.send('WebDriver:TakeScreenshot', { full: true, hash: false }));
    writeFileSync(path, Buffer.from(value, 'base64'));
  }

  reload() {
    return this.run(() => this.m.send('WebDriver:Refresh'));
  }

  close() {
    return this.run(async () => {
      await this.m.send('WebDriver:CloseWindow');
      this.browser.forget(this.handle);
    });
  }
}
