// @ts-check
/**
 * @file The fixture most test files share: one daemon and one browser for the whole file,
 * started in `before` and stopped in `after`, and a `Problems` collector checked after each
 * test (so a console error or CSP violation fails the test that caused it).
 */
import { before, after, afterEach } from "node:test";
import { startDaemon } from "./daemon.mjs";
import { launch, Problems } from "./browser.mjs";

/**
 * @typedef {object} Suite
 * @property {import("./daemon.mjs").Daemon} daemon
 * @property {import("playwright-core").Browser} browser
 * @property {Problems} problems
 * @property {Promise<void>} ready resolves once the daemon and the browser run (await it in a
 *   file's own `before`: node may start top-level hooks together)
 */

/**
 * Registers the hooks; the returned object is filled in once `before` has run.
 * @param {{ env?: Record<string, string>, args?: string[] }} [opts]
 * @returns {Suite}
 */
export function suite(opts = {}) {
  /** @type {Suite} */
  const s = /** @type {any} */ ({ problems: new Problems() });
  /** @type {(v: void) => void} */
  let started = () => {};
  /** @type {(e: unknown) => void} */
  let failed = () => {};
  s.ready = new Promise((ok, fail) => {
    started = ok;
    failed = fail;
  });
  // Not left unhandled when a file has no `before` of its own.
  s.ready.catch(() => {});
  before(async () => {
    try {
      s.daemon = await startDaemon({ env: opts.env });
      s.browser = await launch({ args: opts.args });
      started();
    } catch (e) {
      failed(e);
      throw e;
    }
  });
  afterEach(() => s.problems.check());
  after(async () => {
    await s.browser?.close();
    await s.daemon?.dispose();
  });
  return s;
}
