// @ts-check
/**
 * @file Scroll-back over 520 messages seeded through the REST API: older pages load as the
 * list is scrolled up, in order, none twice, and "Jump to present" brings the newest back.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./lib/suite.mjs";
import { newPage, screenshot, eventually } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { logIn, messages, openChannel } from "./lib/ui.mjs";

const s = suite();
const COUNT = 520;
/** The labels in the server's order (concurrent posts may interleave), oldest first. */
let order = /** @type {string[]} */ ([]);
const label = (/** @type {number} */ i) => `history ${String(i).padStart(4, "0")}`;

before(async () => {
  await s.ready;
  const owner = await new Api(s.daemon.url).claim();
  const general = await owner.channelId("general");
  // Posted in order (ids are time-ordered), a few at a time.
  for (let i = 0; i < COUNT; i += 4) {
    await Promise.all([0, 1, 2, 3].map((k) => i + k < COUNT ? owner.post(general, `${label(i + k)}`) : null).filter(Boolean));
  }
  order = (await owner.allMessages(general)).map((m) => m.content);
  assert.equal(order.length, COUNT);
});

test("scrolling back loads every older message once, in order", async () => {
  const { page } = await newPage(s.browser, s.problems, { who: "reader", baseURL: s.daemon.url });
  await logIn(page, "owner");
  const log = await openChannel(page, "general");
  await log.getByText(order[COUNT - 1], { exact: true }).waitFor();

  // Scroll to the top until the first message shows (each step loads an older page).
  await eventually(async () => {
    await log.evaluate((el) => { el.scrollTop = 0; el.dispatchEvent(new Event("scroll")); });
    return (await log.getByText(order[0], { exact: true }).count()) > 0;
  }, "the oldest message after scrolling back", 60_000);
  await screenshot(page, "history-top");

  // Every message is there once and in order, as far as the list keeps them in the DOM.
  const texts = await log.evaluate((el) =>
    [...el.querySelectorAll("article")].map((a) => (a.textContent ?? "").match(/history \d{4}/)?.[0]).filter(Boolean),
  );
  assert.equal(new Set(texts).size, texts.length, "no message twice");
  assert.ok(texts.length >= 100, `a long stretch is kept (${texts.length})`);
  assert.deepEqual(texts, order.slice(0, texts.length), "the oldest messages, in the server's order, none missing");

  // Jump back to the present.
  await page.getByRole("button", { name: /Jump to present/ }).click();
  await log.getByText(order[COUNT - 1], { exact: true }).waitFor();
  await eventually(async () => log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 80), "the list at its end");
  await page.context().close();
});
