// A tiny W3C WebDriver client (Node 20's built-in fetch, no dependencies) for driving the real
// Saksi window through tauri-driver (which starts WebKitWebDriver and the app).
//
// Rule of these tests: never sleep-and-hope. Everything waits by polling for a condition, with a
// deadline and a message that says what was awaited.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
const DRIVER = process.env.TAURI_DRIVER_URL ?? 'http://127.0.0.1:4444';
export const APP = resolve(
  process.env.SAKSI_DESKTOP_BIN ?? new URL('../../../target/debug/saksi-desktop', import.meta.url).pathname,
);
export const KEYS = { CONTROL: '\uE009', NULL: '\uE000', ENTER: '\uE007', BACKSPACE: '\uE003' };

export class WebDriverError extends Error {
  constructor(status, value, what) {
    super(`${what}: ${value?.error ?? status}: ${value?.message ?? ''}`);
    this.code = value?.error;
  }
}

async function request(method, path, body, driver = DRIVER) {
  const res = await fetch(`${driver}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WebDriverError(res.status, { message: text }, `${method} ${path}`);
  }
  if (!res.ok) throw new WebDriverError(res.status, json.value, `${method} ${path}`);
  return json.value;
}

/**
 * Polls `probe` until it returns a truthy value (returned) or `timeout` ms pass. The default is
 * generous: a debug build on a 2-core machine under load can take many seconds to save and list.
 */
export async function waitUntil(probe, { timeout = 45_000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let lastError;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${lastError ? ` (last error: ${lastError.message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

export class Session {
  /** Starts the app with its own fresh vault folder (removed by `close`); `args` are extra
   * command-line arguments (e.g. the debug-only `--e2e-pick FILE`, see src-tauri/src/dialogs.rs);
   * `driver` the URL of another tauri-driver than TAURI_DRIVER_URL's (lib/forensics.mjs starts
   * one with a private HOME). */
  static async start({ vault, args = [], driver = DRIVER } = {}) {
    const ownVault = !vault;
    const dir = vault ?? join(mkdtempSync(join(tmpdir(), 'saksi-e2e-')), 'vault');
    let value;
    try {
      value = await request(
        'POST',
        '/session',
        {
          capabilities: {
            alwaysMatch: {
              browserName: 'wry',
              'tauri:options': { application: APP, args: ['--vault', dir, ...args] },
            },
          },
        },
        driver,
      );
    } catch (e) {
      if (ownVault) rmSync(join(dir, '..'), { recursive: true, force: true });
      throw e;
    }
    const s = new Session(value.sessionId, dir, ownVault, driver);
    // The session answers before the page has loaded: wait for the Svelte app to mount.
    try {
      await s.waitFor('#app > *', { what: 'the app to render' });
    } catch (e) {
      await s.close();
      throw e;
    }
    return s;
  }

  constructor(id, vaultDir, ownVault, driver = DRIVER) {
    this.id = id;
    this.driver = driver;
    this.vaultDir = vaultDir;
    this.ownVault = ownVault;
  }

  cmd(method, path, body) {
    return request(method, `/session/${this.id}${path}`, body, this.driver);
  }

  async close() {
    try {
      await this.cmd('DELETE', '');
    } finally {
      if (this.ownVault) rmSync(join(this.vaultDir, '..'), { recursive: true, force: true });
    }
  }

  async findAll(css) {
    const els = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
    return els.map((e) => e[ELEMENT]);
  }

  /** Waits until `css` matches a displayed element; returns its id. */
  async waitFor(css, { timeout, what } = {}) {
    return waitUntil(
      async () => {
        for (const id of await this.findAll(css)) {
          if (await this.cmd('GET', `/element/${id}/displayed`)) return id;
        }
        return null;
      },
      { timeout, what: what ?? `element ${css}` },
    );
  }

  async waitForText(css, needle, { timeout } = {}) {
    return waitUntil(
      async () => {
        const el = await this.waitFor(css, { timeout: 1000 });
        const text = await this.text(el);
        return text.includes(needle) ? el : null;
      },
      { timeout, what: `${css} to contain ${JSON.stringify(needle)}` },
    );
  }

  async waitGone(css, { timeout } = {}) {
    return waitUntil(async () => (await this.findAll(css)).length === 0, { timeout, what: `${css} to disappear` });
  }

  text(el) {
    return this.cmd('GET', `/element/${el}/text`);
  }

  property(el, name) {
    return this.cmd('GET', `/element/${el}/property/${name}`);
  }

  /**
   * Clicks the element as a person would. When something else is on top of it for a moment (the
   * page still scrolling to a field that took the focus, a status line appearing: seen on a
   * loaded 2-core machine), the element is scrolled to the middle of the window and clicked
   * again, for up to 5 s; an element that stays covered is still an error.
   */
  async click(css) {
    const el = await this.waitFor(css);
    await this.waitStill(el);
    const deadline = Date.now() + 5_000;
    for (;;) {
      try {
        await this.cmd('POST', `/element/${el}/click`, {});
        return el;
      } catch (e) {
        if (e?.code !== 'element click intercepted' || Date.now() > deadline) throw e;
        await this.execute(`arguments[0].scrollIntoView({ block: 'center' }); return true`, [{ [ELEMENT]: el }]);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /**
   * Waits (up to 3 s) until the element is where it was 60 ms ago. A WebDriver click goes to the
   * element's centre as measured a moment before: when a picture, a list or a panel above it is
   * still arriving, the page moves in between and the click lands on whatever is there instead
   * (seen in full runs on a loaded 2-core machine: a "Delete…" button under an attachment's
   * custody table and annotations, which load after it). A person waits for the page to settle.
   */
  async waitStill(el) {
    const rect = () =>
      this.execute(`const r = arguments[0].getBoundingClientRect(); return [r.x, r.y, r.width, r.height].join(',');`, [
        { [ELEMENT]: el },
      ]);
    const deadline = Date.now() + 3_000;
    let before = await rect();
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 60));
      const now = await rect();
      if (now === before) return;
      before = now;
    }
  }

  /**
   * Clicks `css` and waits for `expected` to be displayed; when it has not come after 10 s and
   * the clicked element is still there, says so on stderr (with what the window shows) and clicks
   * again, once, as a person would when nothing happened. The second click must work.
   */
  async clickFor(css, expected, { what, timeout = 45_000 } = {}) {
    await this.click(css);
    try {
      return await this.waitFor(expected, { timeout: 10_000, what });
    } catch (e) {
      if ((await this.findAll(css)).length === 0) return this.waitFor(expected, { timeout, what });
      const shown = await this.execute(`return JSON.stringify({ href: location.href, active: document.activeElement?.id ?? '', scrollY });`);
      console.error(`e2e: clicking ${css} did not bring ${expected} in 10 s (${e.message}); the window shows ${shown}; clicking again`);
      await this.click(css);
      return this.waitFor(expected, { timeout, what });
    }
  }

  /** Clears the field and types `text` into it, as keystrokes. */
  async type(css, text) {
    const el = await this.waitFor(css);
    await this.cmd('POST', `/element/${el}/clear`, {});
    await this.cmd('POST', `/element/${el}/value`, { text });
    return el;
  }

  /**
   * Sets a field's value the way a paste or an input method would (one `input` event). Used for
   * scripts such as Khmer whose clusters a synthetic keyboard cannot always compose.
   */
  async fill(css, text) {
    const el = await this.waitFor(css);
    await this.execute(
      `const [el, v] = arguments; el.focus(); el.value = v; el.dispatchEvent(new Event('input', { bubbles: true }));`,
      [{ [ELEMENT]: el }, text],
    );
    return el;
  }

  /** Chooses an option of a <select> by value, as a person would with the keyboard. */
  async select(css, value) {
    const el = await this.waitFor(css);
    await this.execute(
      `const [el, v] = arguments; el.focus(); el.value = v; el.dispatchEvent(new Event('change', { bubbles: true }));`,
      [{ [ELEMENT]: el }, value],
    );
    return el;
  }

  execute(script, args = []) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  title() {
    return this.cmd('GET', '/title');
  }

  screenshot() {
    return this.cmd('GET', '/screenshot');
  }
}
