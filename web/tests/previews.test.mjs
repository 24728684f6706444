// @ts-check
/**
 * @file Link previews in a real browser: a link to a local page with OpenGraph tags gets a
 * card (site name, title as a link, description, the image through the daemon's proxy and
 * loaded under the CSP; the page's markup shown as text); the author's "Remove embed"; the
 * "Show link previews" setting in Settings → Privacy hides cards.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { suite } from "./lib/suite.mjs";
import { newPage, screenshot, eventually } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { logIn, message, openChannel, send } from "./lib/ui.mjs";
import { png } from "./lib/png.mjs";

const s = suite({ env: { SPECTRUS_PREVIEWS_ALLOW_PRIVATE: "true" } });

// The size the page's og:image:width/height say.
const PNG = png(320, 160);

/** @type {{ owner: Api, bob: Api, page: import("playwright-core").Page, base: string, server: import("node:http").Server }} */
const w = /** @type {any} */ ({});

before(async () => {
  w.server = createServer((req, res) => {
    if (req.url === "/cover.png") {
      res.writeHead(200, { "content-type": "image/png" });
      res.end(PNG);
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html><head><title>fallback</title>
      <meta property="og:title" content="Crabs &amp; <b>claws</b>">
      <meta property="og:description" content="A long description of crabs. ${"More about crabs. ".repeat(40)}">
      <meta property="og:site_name" content="Crab News">
      <meta property="og:image" content="/cover.png">
      <meta property="og:image:width" content="320"><meta property="og:image:height" content="160">
      </head><body>hi</body></html>`);
  });
  await new Promise((r) => w.server.listen(0, "127.0.0.1", () => r(undefined)));
  const addr = /** @type {import("node:net").AddressInfo} */ (w.server.address());
  w.base = `http://127.0.0.1:${addr.port}`;
  await s.ready;
  w.owner = await new Api(s.daemon.url).claim();
  w.bob = await w.owner.invite("bob");
  const bob = await newPage(s.browser, s.problems, { who: "bob", baseURL: s.daemon.url });
  w.page = bob.page;
  await logIn(bob.page, "bob");
  await openChannel(bob.page, "general");
});

after(() => { w.server?.close(); });

test("a link gets a card with the proxied image; the author removes it", async () => {
  const page = w.page;
  await send(page, "general", `have a look ${w.base}/article`);
  const msg = message(page, "general", "have a look");
  const card = msg.locator(".embed");
  await card.waitFor({ timeout: 10_000 });
  await card.getByText("Crab News").waitFor();
  const title = card.getByRole("link", { name: "Crabs & <b>claws</b>" });
  await title.waitFor();
  assert.equal(await title.getAttribute("href"), `${w.base}/article`);
  assert.equal(await card.locator("b").count(), 0, "the page's markup is text, not HTML");
  const img = card.locator("img.embed-image");
  assert.match(/** @type {string} */ (await img.getAttribute("src")), /^\/api\/v1\/previews\/image\?url=/);
  await eventually(async () => (await img.evaluate((/** @type {HTMLImageElement} */ i) => i.complete ? i.naturalWidth : 0)) > 0, "the proxied image loads");
  const lines = await card.locator(".embed-desc").evaluate((el) => Math.round(el.clientHeight / parseFloat(getComputedStyle(el).lineHeight || "20")));
  assert.ok(lines <= 3, `the description is clamped to 3 lines (${lines})`);
  await msg.hover();
  await screenshot(page, "previews-card");

  await card.getByRole("button", { name: "Remove embed" }).click();
  await eventually(async () => (await msg.locator(".embed").count()) === 0, "the card goes away");
});

test("Settings → Privacy: Show link previews off hides cards", async () => {
  const page = w.page;
  const general = await w.owner.channelId("general");
  await w.owner.post(general, `owner's link ${w.base}/second`);
  const msg = message(page, "general", "owner's link");
  await msg.locator(".embed").waitFor({ timeout: 10_000 });
  assert.equal(await msg.getByRole("button", { name: "Remove embed" }).count(), 0, "only the author removes embeds");
  await page.getByRole("button", { name: "User settings" }).click();
  await page.getByRole("tab", { name: "Privacy" }).click();
  const sw = page.getByRole("switch", { name: "Show link previews" });
  assert.equal(await sw.isChecked(), true);
  await sw.click();
  await screenshot(page, "previews-setting");
  await eventually(async () => (await w.bob.call("GET", "/users/@me/settings")).show_link_previews === false, "the setting is saved");
  await page.keyboard.press("Escape");
  await eventually(async () => (await msg.locator(".embed").count()) === 0, "cards are hidden");
});
