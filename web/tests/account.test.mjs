// @ts-check
/**
 * @file My account and my settings: log out; "Log out everywhere" also logs out my other
 * browser; change password (the old one is then refused at login); display name (another
 * member sees it live); a banned member is told so and logged out; light theme and compact
 * mode applied from settings and kept after a reload; the service worker serves the shell
 * offline (a reload with the daemon stopped shows the app with the offline banner).
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./lib/suite.mjs";
import { newPage, eventually, screenshot } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { PASSWORD } from "./lib/daemon.mjs";
import { logIn, openChannel, message, channels } from "./lib/ui.mjs";

const s = suite();
/** @type {Api} */ let owner;
/** @type {Record<string, Api>} */ const users = {};
/** @type {Record<string, string>} */ const ids = {};

before(async () => {
  await s.ready;
  owner = await new Api(s.daemon.url).claim();
  for (const name of ["carol", "dave", "erin"]) users[name] = await owner.invite(name, { display_name: name[0].toUpperCase() + name.slice(1) });
  ids.general = await owner.channelId("general");
});

/** @param {import("playwright-core").Page} page @param {string} tab */
async function openSettings(page, tab) {
  await page.getByRole("button", { name: "User settings" }).click();
  const dialog = page.getByRole("dialog", { name: "Settings" });
  await dialog.getByRole("tab", { name: tab }).click();
  return dialog;
}

/** @param {import("playwright-core").Page} page */
const loginScreen = (page) => page.getByRole("button", { name: "Log in" });

test("log out, and log out everywhere ends my other browser's session too", async () => {
  const a = await newPage(s.browser, s.problems, { who: "carol-a", baseURL: s.daemon.url });
  const b = await newPage(s.browser, s.problems, { who: "carol-b", baseURL: s.daemon.url });
  try {
    await logIn(a.page, "carol");
    // Log out: the login screen, and a reload stays logged out.
    await (await openSettings(a.page, "Account")).getByRole("button", { name: "Log out", exact: true }).click();
    await loginScreen(a.page).waitFor();
    await a.page.reload();
    await loginScreen(a.page).waitFor();

    await logIn(a.page, "carol");
    await logIn(b.page, "carol");
    // The other browser's refresh is refused once its session is gone: expected.
    s.problems.allow(/auth\/refresh/);
    const dialog = await openSettings(a.page, "Account");
    await dialog.getByRole("button", { name: "Log out everywhere" }).click();
    await loginScreen(a.page).waitFor();
    await loginScreen(b.page).waitFor({ timeout: 15_000 });
    await screenshot(b.page, "logged-out-everywhere");
    await b.page.reload();
    await loginScreen(b.page).waitFor();
    assert.equal(await channels(b.page).count(), 0);
  } finally {
    s.problems.allowed.length = 0;
    await a.context.close();
    await b.context.close();
  }
});

test("change password: the old one is refused at login, the new one works; display name seen live", async () => {
  const o = await newPage(s.browser, s.problems, { who: "owner", baseURL: s.daemon.url });
  const d = await newPage(s.browser, s.problems, { who: "dave", baseURL: s.daemon.url });
  try {
    await users.dave.post(ids.general, "dave was here");
    await logIn(o.page, "owner");
    await openChannel(o.page, "general");
    await message(o.page, "general", "dave was here").getByText("Dave", { exact: true }).waitFor();
    await logIn(d.page, "dave");

    const dialog = await openSettings(d.page, "Account");
    await dialog.getByLabel("Display name").fill("Dave the Brave");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.getByRole("status").filter({ hasText: "Display name saved." }).waitFor();
    await message(o.page, "general", "dave was here").getByText("Dave the Brave").waitFor();
    await o.page.getByRole("complementary", { name: "Members" }).getByText("Dave the Brave").waitFor();

    const fresh = "a new strong passphrase";
    // A wrong current password: the server's words under the form (its 400 is expected).
    s.problems.allow(/status of 40[01]/);
    await dialog.getByLabel("Current password").fill("not my password");
    await dialog.getByLabel("New password").fill(fresh);
    await dialog.getByRole("button", { name: "Change password" }).click();
    await dialog.getByRole("alert").waitFor();
    await dialog.getByLabel("Current password").fill(PASSWORD);
    await dialog.getByLabel("New password").fill(fresh);
    await dialog.getByRole("button", { name: "Change password" }).click();
    await dialog.getByRole("status").filter({ hasText: "Password changed." }).waitFor();
    await screenshot(d.page, "settings-account");
    await dialog.getByRole("button", { name: "Log out", exact: true }).click();
    await loginScreen(d.page).waitFor();

    s.problems.allow(/401|Unauthorized/);
    await d.page.getByLabel("Username", { exact: true }).fill("dave");
    await d.page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await loginScreen(d.page).click();
    await d.page.getByRole("alert").waitFor();
    await logIn(d.page, "dave", fresh);
  } finally {
    s.problems.allowed.length = 0;
    await o.context.close();
    await d.context.close();
  }
});

test("a banned member is told so and logged out", async () => {
  const e = await newPage(s.browser, s.problems, { who: "erin", baseURL: s.daemon.url });
  try {
    await logIn(e.page, "erin");
    await openChannel(e.page, "general");
    await owner.call("PUT", `/bans/${users.erin.user.id}`, { reason: "spam" });
    const told = e.page.getByRole("alertdialog", { name: "You were banned from the server" });
    await told.waitFor({ timeout: 15_000 });
    await screenshot(e.page, "banned-dialog");
    await told.getByRole("button").first().click();
    await loginScreen(e.page).waitFor();
    await e.page.reload();
    await loginScreen(e.page).waitFor();
  } finally {
    await e.context.close();
  }
});

test("light theme and compact mode from settings, kept after a reload", async () => {
  const o = await newPage(s.browser, s.problems, { who: "owner-look", baseURL: s.daemon.url });
  try {
    await logIn(o.page, "owner");
    await openChannel(o.page, "general");
    /** The page's background lightness (0 black … 255 white). */
    const light = () => o.page.evaluate(() => {
      const m = getComputedStyle(document.body).backgroundColor.match(/\d+/g) ?? ["0", "0", "0"];
      return (Number(m[0]) + Number(m[1]) + Number(m[2])) / 3;
    });
    const compact = () => o.page.evaluate(() => document.documentElement.dataset.compact);
    assert.equal(await compact(), "false");
    const dialog = await openSettings(o.page, "Appearance");
    await dialog.getByRole("radiogroup", { name: "Theme" }).getByLabel("Dark").check();
    await eventually(async () => (await light()) < 100, "a dark background");
    await dialog.getByRole("radiogroup", { name: "Theme" }).getByLabel("Light").check();
    await eventually(async () => (await light()) > 200, "a light background");
    await dialog.getByRole("switch", { name: "Compact mode" }).check();
    await eventually(async () => (await compact()) === "true", "compact mode");
    await o.page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    await screenshot(o.page, "light-compact");
    await o.page.reload();
    await openChannel(o.page, "general");
    assert.ok((await light()) > 200, "still light after a reload");
    assert.equal(await compact(), "true", "still compact after a reload");
  } finally {
    await o.context.close();
  }
});

test("the service worker serves the shell offline: a reload with the daemon stopped shows the app and the offline banner", async () => {
  const o = await newPage(s.browser, s.problems, { who: "owner-offline", baseURL: s.daemon.url });
  const refused = /ERR_CONNECTION_REFUSED|Failed to fetch|WebSocket|Failed to load resource|net::ERR/;
  try {
    await logIn(o.page, "owner");
    await openChannel(o.page, "general");
    await eventually(() => o.page.evaluate(() => !!navigator.serviceWorker.controller), "the service worker in control");
    // The worker caches what the first visit loaded before it existed.
    await eventually(() => o.page.evaluate(async () => {
      const main = performance.getEntriesByType("resource").map((e) => e.name).find((u) => u.endsWith("/app/main.js"));
      return !!main && !!(await caches.match(main)) && !!(await caches.match("/"));
    }), "the shell cached");
    s.problems.allow(refused);
    await s.daemon.stop();
    await o.page.reload();
    await o.page.getByRole("status").filter({ hasText: "Offline — reconnecting…" }).first().waitFor({ timeout: 15_000 });
    assert.equal(await o.page.getByRole("textbox", { name: "Username" }).count(), 0, "still logged in");
    await screenshot(o.page, "offline-shell");
    // Back online: the chat comes back by itself.
    await s.daemon.start();
    await openChannel(o.page, "general");
    await o.page.getByRole("status").filter({ hasText: "Offline — reconnecting…" }).first().waitFor({ state: "hidden", timeout: 30_000 });
  } finally {
    if (!s.daemon.child) await s.daemon.start();
    s.problems.disallow(refused);
    await o.context.close();
  }
});
