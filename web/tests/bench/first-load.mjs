// @ts-check
/**
 * @file Benchmark (docs/benchmarks.md, web section), not one of the node --test files:
 * the browser client over loopback in headless Chromium.
 * 1. First load of the whole client: a fresh profile opens /login, logs in and waits for the
 *    chat (composer focusable, history shown): bytes transferred (compressed, as on the wire).
 * 2. Time to interactive from navigation with a kept session but an empty HTTP cache and no
 *    service worker: composer focusable and the channel's history shown.
 * 3. The same after a reload with the service worker installed.
 * Each figure is the median of $RUNS (default 5) fresh contexts.
 *
 * Run: SPECTRUS_BIN=target/release/spectrusd node web/tests/bench/first-load.mjs
 */
import { startDaemon } from "../lib/daemon.mjs";
import { Api } from "../lib/api.mjs";
import { launch, newPage, Problems } from "../lib/browser.mjs";
import { PASSWORD } from "../lib/daemon.mjs";

const RUNS = Number(process.env.RUNS || 5);

/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const daemon = await startDaemon();
const owner = await new Api(daemon.url).claim();
const general = await owner.channelId("general");
for (let i = 0; i < 50; i++) await owner.post(general, `history message ${i}`);
const browser = await launch();
const problems = new Problems();

/**
 * Counts the bytes a page receives (encoded: headers and compressed bodies, as on the wire).
 * @param {import("playwright-core").Page} page
 */
async function meter(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  const m = { bytes: 0, requests: 0, fromSw: 0 };
  cdp.on("Network.loadingFinished", (e) => {
    m.bytes += e.encodedDataLength;
    m.requests++;
  });
  cdp.on("Network.responseReceived", (e) => {
    if (e.response.fromServiceWorker) m.fromSw++;
  });
  return m;
}

/**
 * Milliseconds from the navigation's start until the composer is focusable and a message of
 * the history is shown.
 * @param {import("playwright-core").Page} page
 */
async function interactive(page) {
  const composer = page.getByRole("textbox", { name: "Message #general" });
  await composer.waitFor({ state: "visible", timeout: 20_000 });
  await page.getByRole("article").first().waitFor({ state: "visible", timeout: 20_000 });
  await composer.focus();
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!(el instanceof HTMLTextAreaElement) || el.disabled) throw new Error("composer not focused");
    return performance.now();
  });
}

const first = [], cold = [], warm = [], coldBytes = [], warmBytes = [], swServed = [];
/** @type {string[]} */
const breakdown = [];

/**
 * Where the time went in the page's last navigation: DOMContentLoaded, the last module or
 * stylesheet, the last API response (ms from navigation start).
 * @param {import("playwright-core").Page} page
 * @param {string} what
 */
async function phases(page, what) {
  const p = await page.evaluate(() => {
    const nav = /** @type {PerformanceNavigationTiming} */ (performance.getEntriesByType("navigation")[0]);
    const res = /** @type {PerformanceResourceTiming[]} */ (performance.getEntriesByType("resource"));
    const end = (/** @type {(r: PerformanceResourceTiming) => boolean} */ f) => Math.max(0, ...res.filter(f).map((r) => r.responseEnd));
    return {
      dcl: nav.domContentLoadedEventEnd,
      assets: end((r) => r.name.includes("/assets/")),
      api: end((r) => r.name.includes("/api/")),
      apiCount: res.filter((r) => r.name.includes("/api/")).length,
    };
  });
  breakdown.push(`${what}: DOMContentLoaded ${p.dcl.toFixed(0)} ms, last asset ${p.assets.toFixed(0)} ms, last API response ${p.api.toFixed(0)} ms (${p.apiCount} API calls)`);
}
for (let run = 0; run < RUNS; run++) {
  // 1. The whole client, from nothing, through the login screen.
  const a = await newPage(browser, problems, { who: "first", baseURL: daemon.url });
  const ma = await meter(a.page);
  await a.page.goto("/login");
  await a.page.getByLabel("Username", { exact: true }).fill("owner");
  await a.page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await a.page.getByRole("button", { name: "Log in" }).click();
  await interactive(a.page);
  await a.page.waitForLoadState("networkidle");
  first.push(ma.bytes);
  const state = await a.context.storageState();
  await a.context.close();

  // 2. A kept session, an empty cache, no service worker.
  const context = await browser.newContext({ storageState: state, baseURL: daemon.url, viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const mb = await meter(page);
  await page.goto("/");
  cold.push(await interactive(page));
  if (run === RUNS - 1) await phases(page, "empty cache");
  await page.waitForLoadState("networkidle");
  coldBytes.push(mb.bytes);

  // 3. Reload once the service worker controls the page.
  const hasSw = await page.evaluate(async () => {
    if (!("serviceWorker" in navigator)) return false;
    const reg = await navigator.serviceWorker.getRegistration();
    if (!reg) return false;
    await navigator.serviceWorker.ready;
    return true;
  });
  if (hasSw) {
    await page.reload();
    await page.waitForLoadState("networkidle");
  }
  const mc = await meter(page);
  await page.reload();
  warm.push(await interactive(page));
  if (run === RUNS - 1) await phases(page, "service worker");
  await page.waitForLoadState("networkidle");
  warmBytes.push(mc.bytes);
  swServed.push(hasSw ? mc.fromSw : -1);
  await context.close();
}

const kib = (/** @type {number} */ b) => (b / 1024).toFixed(1);
console.log(`runs: ${RUNS}, chromium ${browser.version()}, daemon ${daemon.bin}`);
console.log(`first load of the whole client (login + chat): ${kib(median(first))} KiB transferred (median; target < 150 KiB)`);
console.log(`time to interactive, empty cache, kept session: ${median(cold).toFixed(0)} ms (median of ${cold.map((x) => x.toFixed(0)).join(", ")}; target < 1000 ms), ${kib(median(coldBytes))} KiB`);
console.log(`reload with the service worker: ${median(warm).toFixed(0)} ms (median of ${warm.map((x) => x.toFixed(0)).join(", ")}; target < 300 ms), ${kib(median(warmBytes))} KiB, responses from the SW: ${swServed.join(", ")} (-1: no service worker)`);
for (const b of breakdown) console.log(`  last run, ${b}`);
if (problems.list.length) console.log(`page problems: ${problems.list.join("; ")}`);
await browser.close();
await daemon.dispose();
