// @ts-check
/**
 * @file Debian's headless Chromium through playwright-core: one browser per test file, a fresh
 * context (cookies, storage, service workers) per simulated user, every console error, page
 * error and CSP violation collected so a test fails on them, and screenshots saved for review.
 */
import { chromium } from "playwright-core";
import { mkdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./daemon.mjs";

export const CHROMIUM = process.env.SPECTRUS_CHROMIUM || "/usr/bin/chromium";
export const SCREENSHOTS = process.env.SPECTRUS_SCREENSHOTS || join(ROOT, "target/web-screenshots");

/** The flags the browser always gets (root in a container; no traffic to the outside). */
export const BASE_ARGS = [
  "--no-sandbox",
  "--headless",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Launches Chromium (playwright gives each launch a new temporary profile directory).
 * @param {{ args?: string[] }} [opts] extra command-line flags
 * @returns {Promise<import("playwright-core").Browser>}
 */
export async function launch(opts = {}) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...BASE_ARGS, ...(opts.args ?? [])],
    timeout: 60_000,
  });
}

/**
 * Collects what a page reports as wrong: console errors, uncaught exceptions, CSP violations
 * and failed requests to the daemon. Expected noise (a request refused while the daemon is
 * down) is allowed by pattern.
 */
export class Problems {
  constructor() {
    /** @type {string[]} */
    this.list = [];
    /** @type {RegExp[]} */
    this.allowed = [];
  }

  /** @param {string} what */
  add(what) {
    if (!this.allowed.some((re) => re.test(what))) this.list.push(what);
  }

  /**
   * Lets messages matching `re` pass (until `disallow`).
   * @param {RegExp} re
   */
  allow(re) {
    this.allowed.push(re);
  }

  /** @param {RegExp} re */
  disallow(re) {
    this.allowed = this.allowed.filter((r) => r !== re);
  }

  /** Throws when anything was reported, and forgets it. */
  check() {
    const found = this.list.splice(0);
    if (found.length) throw new Error(`the page reported problems:\n- ${found.join("\n- ")}`);
  }
}

/**
 * Wires a page into `problems` (console errors, page errors, CSP violations).
 * @param {import("playwright-core").Page} page
 * @param {Problems} problems
 * @param {string} who a label for the messages
 */
export function watch(page, problems, who) {
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.add(`${who} console: ${msg.text()} (${msg.location().url})`);
  });
  page.on("pageerror", (err) => problems.add(`${who} uncaught: ${err.message}`));
}

/** Reports CSP violations as console errors too (init scripts are exempt from the CSP). */
const CSP_REPORTER = `document.addEventListener("securitypolicyviolation", (e) => {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});`;

/**
 * A new context (a separate user: own storage and service workers) and its first page.
 * @param {import("playwright-core").Browser} browser
 * @param {Problems} problems
 * @param {{ who?: string, width?: number, height?: number, baseURL?: string, colorScheme?: "dark" | "light", reducedMotion?: "reduce" | "no-preference" }} [opts]
 *   `colorScheme` is what `prefers-color-scheme` answers (the client's "Match system" theme)
 */
export async function newPage(browser, problems, opts = {}) {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1440, height: opts.height ?? 900 },
    baseURL: opts.baseURL,
    colorScheme: opts.colorScheme,
    reducedMotion: opts.reducedMotion,
  });
  context.setDefaultTimeout(10_000);
  await context.addInitScript(CSP_REPORTER);
  const page = await context.newPage();
  watch(page, problems, opts.who ?? "page");
  return { context, page };
}

/**
 * Saves a screenshot as `<SCREENSHOTS>/<name>.png` and returns its path.
 * @param {import("playwright-core").Page} page
 * @param {string} name
 */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false, animations: "disabled" });
  return path;
}

/**
 * Waits until `cond` returns true (polling), else throws with `what`.
 * @param {() => Promise<boolean> | boolean} cond
 * @param {string} what
 * @param {number} [ms]
 */
export async function eventually(cond, what, ms = 10_000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
