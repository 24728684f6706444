// @ts-check
/**
 * @file The shell loads in Chromium under the daemon's CSP: no inline script, no console
 * errors, every asset from the versioned prefix, and the security headers in place.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./lib/suite.mjs";
import { newPage, screenshot } from "./lib/browser.mjs";

const s = suite();

test("the shell loads with the CSP on and no console errors", async () => {
  const { context, page } = await newPage(s.browser, s.problems, { who: "shell" });
  /** @type {string[]} */
  const assets = [];
  page.on("request", (r) => assets.push(new URL(r.url()).pathname));
  const resp = await page.goto(s.daemon.url + "/");
  assert.ok(resp, "a response");
  assert.equal(resp.status(), 200);
  const csp = resp.headers()["content-security-policy"] ?? "";
  assert.match(csp, /script-src 'self';/);
  assert.match(csp, /frame-ancestors 'none'/);
  await page.waitForLoadState("networkidle");
  const html = await page.content();
  assert.ok(!html.includes("__BUILD__"), "the build id replaced the placeholder");
  for (const path of assets.slice(1)) {
    if (path.startsWith("/api/") || path === "/sw.js" || path === "/manifest.webmanifest") continue;
    assert.match(path, /^\/assets\/[0-9a-z]+\//, `asset ${path} is under the versioned prefix`);
  }
  await screenshot(page, "shell");
  await context.close();
});

test("the service worker's shell cache is named after the build", async () => {
  const { context, page } = await newPage(s.browser, s.problems, { who: "sw" });
  await page.goto(s.daemon.url + "/");
  const build = await page.evaluate(() => {
    const src = document.querySelector("script[type=module]")?.getAttribute("src") ?? "";
    return src.split("/")[2];
  });
  assert.ok(build, "the page names its build");
  const sw = await (await fetch(s.daemon.url + "/sw.js")).text();
  assert.ok(sw.includes(`"spectrus-shell-${build}"`), "the cache name carries the build id");
  assert.ok(!sw.includes("__BUILD__"));
  // Once the worker runs, it caches under that name only.
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.reload();
  await page.waitForLoadState("networkidle");
  const names = await page.evaluate(() => caches.keys());
  assert.ok(names.every((n) => n === `spectrus-shell-${build}`), names.join());
  await context.close();
});

test("index.html preloads the whole module graph (no import waterfall), and only it", async () => {
  const { context, page } = await newPage(s.browser, s.problems, { who: "preload" });
  /** @type {Set<string>} */
  const scripts = new Set();
  page.on("request", (r) => {
    const p = new URL(r.url()).pathname;
    if (/\.m?js$/.test(p) && p.startsWith("/assets/")) scripts.add(p.replace(/^\/assets\/[^/]+\//, ""));
  });
  await page.goto(s.daemon.url + "/");
  await page.waitForLoadState("networkidle");
  const preloaded = await page.evaluate(() =>
    [...document.querySelectorAll("link[rel=modulepreload]")].map((l) => new URL(/** @type {HTMLLinkElement} */ (l).href).pathname.replace(/^\/assets\/[^/]+\//, "")));
  scripts.delete("app/main.js");
  assert.deepEqual([...preloaded].sort(), [...scripts].sort(), "the modulepreload list in index.html is the module graph");
  await context.close();
});
