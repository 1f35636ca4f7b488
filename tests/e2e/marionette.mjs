// A small client for Marionette, Firefox's own remote protocol (the one geckodriver translates
// WebDriver into). It speaks the wire format directly: `<byte length>:<JSON>` frames, commands
// `[0, id, name, params]`, answers `[1, id, error, result]`, after a greeting
// `{"applicationType":"gecko","marionetteProtocol":3}`.
//
// Why Marionette and not WebDriver BiDi (puppeteer-core) or geckodriver + selenium-webdriver:
// - BiDi refuses to navigate a tab to `moz-extension://…`; Marionette's `WebDriver:Navigate`
//   opens the extension's pages like any other URL.
// - The tests need privileged code in two places: in the parent process (chrome context) to stop
//   the extension's background page (`extension.terminateBackground()`, what about:debugging's
//   "Terminate background script" does) and to read the add-on's permissions; and in a content
//   process, with the "system" sandbox, to reach the extension's content-script global on a
//   MiniCRM card (`ExtensionContent.getContentScriptGlobals(window)`, what the devtools console
//   uses for its content-script context). geckodriver exposes the chrome context but not the
//   sandbox choice, so it would not be enough on its own.
// - Nothing to build or download: Marionette ships inside Debian's firefox-esr.
// Firefox must be started with `--marionette` and `--remote-allow-system-access` (the latter
// unlocks the chrome context and the system sandbox; Firefox ≥ 138 requires it).
import net from 'node:net';

export const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class MarionetteError extends Error {
  constructor(command, error) {
    super(`${command}: ${error.error}: ${error.message}`);
    this.code = error.error;
    this.stack = `${this.stack}\n--- remote ---\n${error.stacktrace || ''}`;
  }
}

export class Marionette {
  /** Connects to Marionette on `port` and waits for its greeting. */
  static connect(port, host = '127.0.0.1') {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host);
      const client = new Marionette(socket);
      client.greeting = new Promise((res) => { client.onGreeting = res; });
      socket.once('error', reject);
      client.greeting.then((hello) => {
        socket.off('error', reject);
        socket.on('error', (e) => client.failAll(e));
        if (hello.marionetteProtocol !== 3) reject(new Error(`unexpected Marionette protocol ${JSON.stringify(hello)}`));
        else resolve(client);
      });
    });
  }

  constructor(socket) {
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    this.pending = new Map();
    this.nextId = 1;
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('close', () => this.failAll(new Error('Marionette connection closed')));
  }

  receive(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const colon = this.buffer.indexOf(0x3a); // ':'
      if (colon < 0) return;
      const length = Number(this.buffer.subarray(0, colon).toString('ascii'));
      if (this.buffer.length < colon + 1 + length) return;
      const message = JSON.parse(this.buffer.subarray(colon + 1, colon + 1 + length).toString('utf8'));
      this.buffer = this.buffer.subarray(colon + 1 + length);
      if (!Array.isArray(message)) {
        this.onGreeting?.(message);
        continue;
      }
      const [, id, error, result] = message;
      const waiter = this.pending.get(id);
      if (!waiter) continue;
      this.pending.delete(id);
      if (error) waiter.reject(new MarionetteError(waiter.name, error));
      else waiter.resolve(result);
    }
  }

  failAll(error) {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }

  /** Sends one command; resolves with its result (rejects with a MarionetteError). */
  send(name, params = {}) {
    const id = this.nextId++;
    const body = Buffer.from(JSON.stringify([0, id, name, params]), 'utf8');
    return new Promise((resolve, reject) => {
      this.pending.set(id, { name, resolve, reject });
      this.socket.write(`${body.length}:`);
      this.socket.write(body);
    });
  }

  close() {
    this.socket.destroy();
  }
}
