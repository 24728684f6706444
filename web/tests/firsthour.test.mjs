// @ts-check
/**
 * @file The owner's "Set up your server" checklist on a phone (390 × 844): folded to one line
 * by default, so the last message and the composer stay on screen and the checklist takes at
 * most 15 % of the height; its heading toggles it from the keyboard (`aria-expanded`), showing
 * the steps; the choice survives a reload (kept per device). On a desktop it starts open, and
 * folds when the window narrows to a phone's (while nothing was chosen); in a short desktop
 * window (1280 × 640) it starts folded, the latest messages and the composer in view.
 * Screenshots: first-hour-390-folded, first-hour-390-open, first-hour-1280x640.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./lib/suite.mjs";
import { newPage, screenshot, eventually } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { composer, logIn, message } from "./lib/ui.mjs";
import { lowContrast, smallTargets } from "./lib/contrast.mjs";

/** @typedef {import("playwright-core").Page} Page */
/** @typedef {import("playwright-core").Locator} Locator */

const s = suite();

/** @type {{ owner: Api }} */
const w = /** @type {any} */ ({});

before(async () => {
  await s.ready;
  w.owner = await new Api(s.daemon.url).claim();
  const general = await w.owner.channelId("general");
  for (let i = 1; i <= 30; i++) await w.owner.post(general, `message number ${i} of the evening`);
});

/**
 * Whether `el` is on screen and not covered where a person would look at it (its centre).
 * @param {Locator} el
 */
function seen(el) {
  return el.evaluate((e) => {
    const r = e.getBoundingClientRect();
    if (r.height < 1 || r.top < 0 || r.bottom > innerHeight || r.left < 0 || r.right > innerWidth) return false;
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return !!top && (top === e || e.contains(top));
  });
}

/** @param {Page} page */
const checklist = (page) => page.getByRole("region", { name: "Set up your server" });
/** @param {Page} page */
const toggle = (page) => checklist(page).getByRole("button", { name: /^Set up your server/ });
/** @param {Page} page */
const step = (page) => checklist(page).getByRole("button", { name: "Make a role for your moderators" });

test("390 px: the checklist is one line, the chat keeps the screen, and the fold is kept", async () => {
  const { context, page } = await newPage(s.browser, s.problems, { who: "phone", width: 390, height: 844, baseURL: s.daemon.url });
  await logIn(page, "owner");
  const last = message(page, "general", "message number 30 of the evening");
  await last.waitFor();
  await toggle(page).waitFor();
  assert.equal(await toggle(page).getAttribute("aria-expanded"), "false", "folded by default on a phone");
  assert.match((await toggle(page).textContent()) ?? "", /Set up your server\s*· 0 of 4/);
  assert.equal(await step(page).isVisible(), false, "the steps are folded away");
  const box = await checklist(page).boundingBox();
  assert.ok(box && box.height <= 844 * 0.15, `the folded checklist is at most 15 % of the height (${box?.height} px)`);
  await eventually(() => seen(last), "the last message on screen");
  assert.ok(await seen(composer(page, "general")), "the composer on screen");
  assert.deepEqual(await smallTargets(page), [], "every control a 40 px target");
  assert.deepEqual(await lowContrast(page, { root: ".first-hour" }), []);
  await screenshot(page, "first-hour-390-folded");

  // From the keyboard: the heading's button unfolds it.
  await toggle(page).focus();
  await page.keyboard.press("Enter");
  await step(page).waitFor();
  assert.equal(await toggle(page).getAttribute("aria-expanded"), "true");
  assert.equal(await checklist(page).getByRole("button", { name: /^Join a voice channel/ }).isVisible(), true);
  await screenshot(page, "first-hour-390-open");

  // A reload keeps the choice; folding it again is kept too.
  await page.reload();
  await step(page).waitFor();
  assert.equal(await toggle(page).getAttribute("aria-expanded"), "true", "still open after a reload");
  await toggle(page).focus();
  await page.keyboard.press("Space");
  await step(page).waitFor({ state: "hidden" });
  await page.reload();
  await toggle(page).waitFor();
  assert.equal(await toggle(page).getAttribute("aria-expanded"), "false", "still folded after a reload");
  assert.equal(await step(page).isVisible(), false);
  await context.close();
});

test("desktop: the checklist starts open, with its steps", async () => {
  const { context, page } = await newPage(s.browser, s.problems, { who: "desktop", baseURL: s.daemon.url });
  await logIn(page, "owner");
  await step(page).waitFor();
  assert.equal(await toggle(page).getAttribute("aria-expanded"), "true");
  await screenshot(page, "first-hour-1440");
  // Not chosen yet: narrowing the window to a phone's folds it.
  await page.setViewportSize({ width: 390, height: 844 });
  await step(page).waitFor({ state: "hidden" });
  assert.equal(await toggle(page).getAttribute("aria-expanded"), "false");
  await context.close();
});

test("a short desktop window: the checklist starts folded and the chat keeps the height", async () => {
  const { context, page } = await newPage(s.browser, s.problems, { who: "laptop", width: 1280, height: 640, baseURL: s.daemon.url });
  await logIn(page, "owner");
  const last = message(page, "general", "message number 30 of the evening");
  await last.waitFor();
  await toggle(page).waitFor();
  assert.equal(await toggle(page).getAttribute("aria-expanded"), "false", "folded by default in a short window");
  assert.equal(await step(page).isVisible(), false);
  const box = await checklist(page).boundingBox();
  assert.ok(box && box.height <= 640 * 0.12, `the folded checklist is one line (${box?.height} px)`);
  // Eight messages above the composer, none of them under the checklist.
  for (const n of [23, 24, 25, 26, 27, 28, 29, 30]) {
    await eventually(() => seen(message(page, "general", `message number ${n} of the evening`)), `message ${n} on screen`);
  }
  assert.ok(await seen(composer(page, "general")), "the composer on screen");
  await page.mouse.move(1270, 630); // off the messages: no hover toolbar in the picture
  await screenshot(page, "first-hour-1280x640");
  // Taller again, nothing chosen: it opens.
  await page.setViewportSize({ width: 1280, height: 900 });
  await step(page).waitFor();
  assert.equal(await toggle(page).getAttribute("aria-expanded"), "true");
  await context.close();
});
