// @ts-check
/**
 * @file The main views in the dark and the light theme ("Match system", the browser asking
 * for each), checked as a careful reviewer would, from computed styles: no sideways scroll of
 * the page or inside a pane, every visible text at least WCAG AA against what is behind it
 * (4.5:1, large text 3:1), and at 390 × 844 every control a 40 px tap target. Views: sign-in,
 * a channel with messages (bold, code, a link, mentions, a reaction), the channel and member
 * drawers, a direct message, search results, pins, the quick switcher, the reaction picker, a
 * settings tab, the server settings' Invites and Audit log, the voice bar (fake microphone).
 * Screenshots: theme-<dark|light>-<width>-<view>.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./lib/suite.mjs";
import { newPage, screenshot } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { channels, horizontalOverflow, logIn, message } from "./lib/ui.mjs";
import { lowContrast, sidewaysInside, smallTargets } from "./lib/contrast.mjs";

/** @typedef {import("playwright-core").Page} Page */

const s = suite({ args: ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"] });

/** @type {{ owner: Api, alice: Api, dm: string, server: string }} */
const w = /** @type {any} */ ({});

before(async () => {
  await s.ready;
  w.owner = await new Api(s.daemon.url).claim();
  w.alice = await w.owner.invite("alice", { display_name: "Alice" });
  const general = await w.owner.channelId("general");
  for (let i = 0; i < 4; i++) {
    await (i % 2 ? w.alice : w.owner).post(general, `note ${i}: some **bold**, a \`code span\`, https://example.com, <@${w.owner.user.id}> and @everyone`);
  }
  const pinned = await w.owner.post(general, "the pinned one, worth reading");
  await w.owner.call("PUT", `/channels/${general}/pins/${pinned.id}`);
  await w.owner.call("PUT", `/channels/${general}/messages/${pinned.id}/reactions/${encodeURIComponent("👍")}/@me`);
  const dm = await w.alice.call("POST", "/users/@me/channels", { recipients: [w.owner.user.id] });
  w.dm = dm.id;
  await w.alice.post(w.dm, "hello owner, a direct message");
  w.server = (await w.owner.call("GET", "/server")).name;
});

/**
 * Asserts what a reviewer would see wrong on this screen, and saves its screenshot.
 * @param {Page} page @param {string} scheme @param {string} view
 */
async function looks(page, scheme, view) {
  const width = page.viewportSize()?.width ?? 0;
  const where = `${view} (${scheme}, ${width} px)`;
  assert.equal(await horizontalOverflow(page), 0, `no sideways scroll: ${where}`);
  assert.deepEqual(await sidewaysInside(page), [], `nothing cut off or scrolled sideways inside a pane: ${where}`);
  assert.deepEqual(await lowContrast(page), [], `every text at least WCAG AA: ${where}`);
  if (width <= 640) assert.deepEqual(await smallTargets(page), [], `every control a 40 px target: ${where}`);
  await screenshot(page, `theme-${scheme}-${width}-${view}`);
}

/**
 * Walks the views as the owner in one theme at one size.
 * @param {"dark" | "light"} scheme @param {{width: number, height: number}} size
 * @param {{voice?: boolean, brief?: boolean}} [opts] `brief`: the chat, its panels and a
 *   settings tab only (the rest is the same markup at a width that does not change it)
 */
async function tour(scheme, size, opts = {}) {
  const phone = size.width <= 640;
  const { page, context } = await newPage(s.browser, s.problems, { who: `${scheme}-${size.width}`, baseURL: s.daemon.url, ...size, colorScheme: scheme, reducedMotion: "reduce" });
  await context.grantPermissions(["microphone"]);
  const openDrawer = async () => {
    if (phone) await page.getByRole("button", { name: "Open channels" }).click();
  };
  if (!opts.brief) {
    await page.goto("/login");
    await page.getByRole("button", { name: "Log in" }).waitFor();
    await looks(page, scheme, "login");
  }

  await logIn(page, "owner");
  await openDrawer();
  if (phone) await looks(page, scheme, "channel-drawer");
  await channels(page).getByRole("link", { name: /^general\b/ }).click();
  const pinned = message(page, "general", "the pinned one");
  await pinned.getByRole("button", { name: /👍/ }).waitFor();
  await looks(page, scheme, "chat");

  const members = page.getByRole("complementary", { name: "Members" });
  if (!(await members.isVisible())) await page.getByRole("button", { name: "Member list" }).click();
  await members.getByText("Alice").waitFor();
  await looks(page, scheme, "members");
  if (phone) await page.keyboard.press("Escape");

  const box = page.getByRole("searchbox", { name: "Search messages" });
  await box.click();
  await box.fill("note");
  await box.press("Enter");
  const results = page.getByRole("complementary", { name: "Search results" });
  await results.getByRole("heading", { name: "4 results" }).waitFor();
  await looks(page, scheme, "search");
  await results.getByRole("button", { name: "Close search" }).click();

  await page.getByRole("button", { name: "Pinned messages" }).click();
  const pins = page.getByRole("complementary", { name: "Pinned messages" });
  await pins.getByRole("button", { name: "Jump to pinned message by owner" }).waitFor();
  await looks(page, scheme, "pins");
  await pins.getByRole("button", { name: "Close pins" }).click();
  if (opts.brief) {
    await page.goto("/server-settings/audit-log");
    await page.getByRole("dialog", { name: "Server settings" }).getByText("owner pinned a message", { exact: true }).waitFor();
    await looks(page, scheme, "server-audit-log");
    await context.close();
    return;
  }

  await page.keyboard.press("Control+k");
  const switcher = page.getByRole("dialog", { name: "Quick switcher" });
  await switcher.getByRole("option").first().waitFor();
  await looks(page, scheme, "switcher");
  await page.keyboard.press("Escape");
  await switcher.waitFor({ state: "detached" });

  await pinned.getByText("the pinned one").click();
  await pinned.hover();
  await pinned.getByRole("toolbar", { name: "Message actions" }).getByRole("button", { name: "Add reaction" }).click();
  const picker = page.getByRole("dialog", { name: "Add reaction" });
  await picker.getByRole("button", { name: "👍" }).waitFor();
  await looks(page, scheme, "emoji-picker");
  await page.keyboard.press("Escape");
  await picker.waitFor({ state: "detached" });

  await page.goto(`/channels/${w.dm}`);
  await page.getByRole("log", { name: "Messages in @Alice" }).getByText("a direct message").waitFor();
  await looks(page, scheme, "dm");

  await openDrawer();
  await page.getByRole("button", { name: w.server }).click();
  await page.getByRole("menu").getByRole("menuitem", { name: "Settings", exact: true }).click();
  const settings = page.getByRole("dialog", { name: "Settings", exact: true });
  await settings.getByRole("tab", { name: "Appearance" }).click();
  await settings.getByRole("radio", { name: "Match system" }).waitFor();
  await looks(page, scheme, "settings-appearance");
  await page.keyboard.press("Escape");
  await settings.waitFor({ state: "detached" });

  await page.goto("/server-settings/invites");
  const server = page.getByRole("dialog", { name: "Server settings" });
  await server.getByRole("button", { name: "Create invite" }).click();
  await server.getByRole("button", { name: /^Revoke invite / }).first().waitFor();
  await looks(page, scheme, "server-invites");
  await server.getByRole("tab", { name: "Audit log" }).click();
  // Every entry in words: the pin is "pinned a message", not the action's code and an id.
  await server.getByText("owner pinned a message", { exact: true }).waitFor();
  await looks(page, scheme, "server-audit-log");
  await page.keyboard.press("Escape");
  await server.waitFor({ state: "detached" });

  if (opts.voice) {
    await openDrawer();
    await channels(page).getByRole("button", { name: "Join voice channel Lounge" }).click();
    // Joining opens the voice channel and closes the drawer; the bar is at the drawer's foot.
    await page.getByRole("heading", { name: "Lounge", level: 1 }).waitFor();
    await openDrawer();
    const bar = page.getByRole("region", { name: /^Voice/ });
    await bar.getByText("Voice connected").waitFor({ timeout: 20_000 });
    await looks(page, scheme, "voice-bar");
    await bar.getByRole("button", { name: "Disconnect" }).click();
  }
  await context.close();
}

test("dark theme at 390 px: every view readable, nothing sideways, 40 px targets", async () => {
  await tour("dark", { width: 390, height: 844 }, { voice: true });
});

test("light theme at 390 px: every view readable, nothing sideways, 40 px targets", async () => {
  await tour("light", { width: 390, height: 844 });
});

test("both themes at 1440 px: every view readable, nothing sideways", async () => {
  await tour("dark", { width: 1440, height: 900 }, { brief: true });
  await tour("light", { width: 1440, height: 900 }, { brief: true });
});
