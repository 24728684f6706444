// @ts-check
/**
 * @file Slowmode in a real browser (issue 14): the owner sets it in the channel editor opened
 * from the channel's context menu; a member's composer says so, counts down after a post and
 * keeps send disabled until the wait is over; a post the server refuses (429) comes back to
 * the composer with the wait in words, and the client does not retry it; the owner, who may
 * manage messages, is exempt.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./lib/suite.mjs";
import { newPage, screenshot, eventually } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { channels, composer, logIn, message, openChannel, send } from "./lib/ui.mjs";

const s = suite();

/** @type {{ owner: Api, bob: Api, general: string, ownerPage: import("playwright-core").Page, bobPage: import("playwright-core").Page }} */
const w = /** @type {any} */ ({});

before(async () => {
  await s.ready;
  w.owner = await new Api(s.daemon.url).claim();
  w.bob = await w.owner.invite("bob");
  w.general = await w.owner.channelId("general");
  const owner = await newPage(s.browser, s.problems, { who: "owner", baseURL: s.daemon.url });
  w.ownerPage = owner.page;
  await logIn(owner.page, "owner");
  const bob = await newPage(s.browser, s.problems, { who: "bob", baseURL: s.daemon.url });
  w.bobPage = bob.page;
  await logIn(bob.page, "bob");
  await openChannel(bob.page, "general");
});

/** @param {import("playwright-core").Page} page */
const sendButton = (page) => page.getByRole("button", { name: "Send message" });

test("the owner sets slowmode from the channel's Edit channel form", async () => {
  const page = w.ownerPage;
  await channels(page).getByRole("link", { name: /^general\b/ }).click({ button: "right" });
  await page.getByRole("menuitem", { name: "Edit channel" }).click();
  const editor = page.getByRole("dialog", { name: "Server settings" }).getByRole("region", { name: "Edit #general" });
  const select = editor.getByLabel("Slowmode");
  assert.equal(await select.inputValue(), "0", "off by default");
  const labels = (await select.locator("option").allTextContents()).map((t) => t.trim());
  assert.deepEqual(labels, ["Off", "5s", "10s", "30s", "1m", "5m", "15m", "1h", "6h"]);
  await select.selectOption({ label: "5s" });
  await editor.getByRole("button", { name: "Save channel" }).click();
  await editor.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  await screenshot(page, "slowmode-channel-editor");
  const saved = (await w.owner.call("GET", "/channels")).find((/** @type {any} */ c) => c.id === w.general);
  assert.equal(saved.slowmode_seconds, 5);
  await page.keyboard.press("Escape");
});

test("a member's composer counts down after a post and keeps send disabled meanwhile", async () => {
  const page = w.bobPage;
  await page.getByText("Slowmode is on (5s)").waitFor();
  await send(page, "general", "first under slowmode");
  await message(page, "general", "first under slowmode").waitFor();
  await page.getByText(/you can send again in \d+s/).waitFor();
  const box = composer(page, "general");
  await box.fill("second too soon");
  assert.ok(await sendButton(page).isDisabled(), "send is disabled during the countdown");
  await box.press("Enter");
  await page.waitForTimeout(300);
  assert.equal(await box.inputValue(), "second too soon", "Enter keeps the text while waiting");
  assert.equal(await message(page, "general", "second too soon").count(), 0);
  await screenshot(page, "slowmode-countdown");
  // When the countdown ends, send works again.
  await eventually(async () => !(await sendButton(page).isDisabled()), "send to come back", 8_000);
  await box.press("Enter");
  await message(page, "general", "second too soon").waitFor();
});

test("a post the server refuses comes back to the composer with the wait, and is not retried", async () => {
  const page = w.bobPage;
  // Wait out the previous post's slowmode, then post elsewhere (the API, same account), so the
  // browser does not know about it and the server refuses the next post.
  await eventually(async () => !(await page.getByText(/you can send again/).count()), "the countdown to end", 8_000);
  await w.bob.post(w.general, "posted from another device");
  // The browser logs the refused request itself; that one is expected.
  const refusedLog = /status of 429 \(Too Many Requests\).*\/messages/;
  s.problems.allow(refusedLog);
  /** @type {string[]} */
  const posts = [];
  page.on("request", (r) => { if (r.method() === "POST" && r.url().endsWith(`/channels/${w.general}/messages`)) posts.push(r.url()); });
  await send(page, "general", "refused by slowmode");
  const alert = page.getByRole("alert").filter({ hasText: /Slowmode is on in this channel: you can send again in [1-5] s\./ });
  await alert.waitFor();
  const box = composer(page, "general");
  assert.equal(await box.inputValue(), "refused by slowmode", "the draft is kept");
  assert.equal(await message(page, "general", "refused by slowmode").count(), 0, "no failed copy in the log");
  assert.ok(await sendButton(page).isDisabled(), "send waits for Retry-After");
  await box.press("Enter");
  await page.waitForTimeout(500);
  assert.equal(posts.length, 1, "one request, no retries");
  await screenshot(page, "slowmode-refused");
  await eventually(async () => !(await sendButton(page).isDisabled()), "send to come back", 8_000);
  await box.press("Enter");
  await message(page, "general", "refused by slowmode").waitFor();
  const stored = await w.owner.messages(w.general, 10);
  assert.equal(stored.filter((/** @type {any} */ m) => m.content === "refused by slowmode").length, 1);
  s.problems.disallow(refusedLog);
});

test("the owner (messages:manage) is exempt", async () => {
  const page = w.ownerPage;
  await openChannel(page, "general");
  await page.getByText("Slowmode is on (5s): you are exempt").waitFor();
  await send(page, "general", "mod one");
  await message(page, "general", "mod one").waitFor();
  await send(page, "general", "mod two");
  await message(page, "general", "mod two").waitFor();
  assert.equal(await page.getByText(/you can send again/).count(), 0);
});

test("the API layer turns any 429 into words with the wait and does not send again before it", async () => {
  const page = w.bobPage;
  const refusedLog = /status of 429 \(Too Many Requests\).*\/messages/;
  s.problems.allow(refusedLog);
  // Posted elsewhere (once bob's last post's slowmode is over): the next post is refused.
  await eventually(async () => { try { await w.bob.post(w.general, "posted elsewhere again"); return true; } catch { return false; } }, "bob may post", 8_000);
  /** @type {string[]} */
  const posts = [];
  page.on("request", (r) => { if (r.method() === "POST" && r.url().endsWith(`/channels/${w.general}/messages`)) posts.push(r.url()); });
  const errors = await page.evaluate(async (cid) => {
    // The app's own module instance (the URL the page loaded it by).
    const link = /** @type {HTMLLinkElement} */ (document.querySelector('link[rel="modulepreload"][href$="/net/api.js"]'));
    const { api } = await import(link.href);
    const out = [];
    for (let i = 0; i < 3; i++) {
      try { await api("POST", `/channels/${cid}/messages`, { content: "straight to the API" }); out.push(null); }
      catch (e) { out.push(/** @type {any} */ (e)); }
    }
    return out;
  }, w.general);
  assert.equal(posts.length, 1, "one request; the others are refused locally until Retry-After");
  for (const e of errors) {
    assert.ok(e, "each call is refused");
    assert.equal(e.status, 429);
    assert.equal(e.code, "slowmode");
    assert.match(e.message, /^Slowmode is on in this channel: you can send again in [1-5] s\.$/);
    assert.ok(e.retry_after_ms > 0 && e.retry_after_ms <= 5000, String(e.retry_after_ms));
  }
  s.problems.disallow(refusedLog);
});
