// @ts-check
/**
 * @file Role colours stay readable on both themes: an admin may pick any colour, here black
 * (#000000, unreadable on the dark theme) and yellow (#ffff00, unreadable on the light one).
 * Names in a role's colour — message authors, the member list, role mentions — are shown with
 * the lightness moved just enough for 4.5:1 (WCAG AA for normal text: the names are 15 px,
 * not large) on the theme's surfaces, the hue kept; a colour that already reads is shown as
 * chosen. Checked with `lib/contrast.mjs` in the dark and the light theme (the browser asking
 * for each, and the light theme chosen in Settings on a dark system).
 * Screenshots: role-colors-dark, role-colors-light, role-colors-light-setting.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./lib/suite.mjs";
import { newPage, screenshot } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { logIn, message, openChannel } from "./lib/ui.mjs";
import { lowContrast } from "./lib/contrast.mjs";

/** @typedef {import("playwright-core").Page} Page */
/** @typedef {import("playwright-core").Locator} Locator */

const s = suite();

/** @type {{ owner: Api, night: string, sun: string }} */
const w = /** @type {any} */ ({});

before(async () => {
  await s.ready;
  w.owner = await new Api(s.daemon.url).claim();
  const nora = await w.owner.invite("nora", { display_name: "Nora" });
  const sol = await w.owner.invite("sol", { display_name: "Sol" });
  const night = await w.owner.call("POST", "/roles", { name: "Night", color: "#000000", hoist: true, mentionable: true });
  const sun = await w.owner.call("POST", "/roles", { name: "Sun", color: "#ffff00", hoist: true, mentionable: true });
  w.night = night.id;
  w.sun = sun.id;
  await w.owner.call("PUT", `/members/${nora.user.id}/roles/${night.id}`);
  await w.owner.call("PUT", `/members/${sol.user.id}/roles/${sun.id}`);
  const general = await w.owner.channelId("general");
  await nora.post(general, `a word from the night to <@&${sun.id}>`);
  await sol.post(general, `and the sun answers <@&${night.id}>`);
});

/** The computed colour of `el` as [r, g, b]. @param {Locator} el @returns {Promise<number[]>} */
async function colorOf(el) {
  const c = await el.evaluate((e) => getComputedStyle(e).color);
  const m = c.match(/rgba?\(([^)]+)\)/);
  assert.ok(m, `an rgb colour: ${c}`);
  return m[1].split(/[\s,/]+/).filter(Boolean).slice(0, 3).map(Number);
}

/** Hue in degrees of an sRGB colour (0 for grey). @param {number[]} c */
function hue([r, g, b]) {
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  if (!d) return 0;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

/**
 * Opens #general and checks every name and mention in a role's colour reads on this theme.
 * @param {Page} page @param {"dark" | "light"} theme @param {string} shot
 */
async function check(page, theme, shot) {
  const log = await openChannel(page, "general");
  const nora = message(page, "general", "a word from the night").locator(".msg-author");
  const sol = message(page, "general", "and the sun answers").locator(".msg-author");
  await sol.waitFor();
  const members = page.getByRole("complementary", { name: "Members" });
  await members.getByText("Sol", { exact: true }).waitFor();
  const mentions = log.locator(".md-mention.role");
  assert.equal(await mentions.count(), 2);
  assert.deepEqual(await lowContrast(page), [], `every text, the role colours too, at least 4.5:1 (${theme})`);

  const night = await colorOf(nora);
  const sun = await colorOf(sol);
  // Black stays grey, yellow stays yellow; the colour that reads is shown as chosen.
  assert.ok(night[0] === night[1] && night[1] === night[2], `Night stays a grey: ${night}`);
  assert.ok(Math.abs(hue(sun) - 60) < 6, `Sun keeps its hue: ${sun} (${hue(sun)}°)`);
  if (theme === "dark") {
    assert.deepEqual(sun, [255, 255, 0], "yellow reads on the dark theme: shown as chosen");
    assert.ok(night[0] > 150, `black is lightened on the dark theme: ${night}`);
  } else {
    assert.deepEqual(night, [0, 0, 0], "black reads on the light theme: shown as chosen");
    assert.ok(sun[0] < 150, `yellow is darkened on the light theme: ${sun}`);
  }
  // The member list and the mentions use the same colours.
  assert.deepEqual(await colorOf(members.locator(".member-name", { hasText: "Nora" })), night);
  assert.deepEqual(await colorOf(mentions.filter({ hasText: "@Night" })), night);
  assert.deepEqual(await colorOf(mentions.filter({ hasText: "@Sun" })), sun);
  await screenshot(page, shot);
}

test("role colours read on the dark theme", async () => {
  const { page, context } = await newPage(s.browser, s.problems, { who: "dark", baseURL: s.daemon.url, colorScheme: "dark" });
  await logIn(page, "owner");
  await check(page, "dark", "role-colors-dark");
  await context.close();
});

test("role colours read on the light theme", async () => {
  const { page, context } = await newPage(s.browser, s.problems, { who: "light", baseURL: s.daemon.url, colorScheme: "light" });
  await logIn(page, "owner");
  await check(page, "light", "role-colors-light");
  await context.close();
});

test("the light theme chosen in Settings on a dark system uses the light theme's colours", async () => {
  const { page, context } = await newPage(s.browser, s.problems, { who: "light-setting", baseURL: s.daemon.url, colorScheme: "dark" });
  await logIn(page, "owner");
  await page.getByRole("button", { name: "User settings" }).click();
  const settings = page.getByRole("dialog", { name: "Settings", exact: true });
  await settings.getByRole("tab", { name: "Appearance" }).click();
  await settings.getByRole("radio", { name: "Light", exact: true }).check();
  await page.keyboard.press("Escape");
  await settings.waitFor({ state: "detached" });
  await check(page, "light", "role-colors-light-setting");
  await context.close();
});
