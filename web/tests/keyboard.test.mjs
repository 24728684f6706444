// @ts-check
/**
 * @file From the keyboard alone: every panel, drawer, menu and dialog opened with a key closes
 * with Escape and gives the focus back to the control that opened it — the pins and search
 * panels, the server menu and the dialogs and full-screen settings opened from it, the quick
 * switcher, the reaction picker, and at 390 px the channel and member drawers (which take the
 * focus when they open) and a member's profile opened from the member drawer. Context menus
 * (a text and a voice channel in the sidebar, a message, a member in the member list) open from
 * the focused row with Shift+F10 and the ContextMenu key, as right-click does: focus in the
 * first item, inside the window, Escape back to the row.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./lib/suite.mjs";
import { newPage, eventually, screenshot } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { composer, logIn, message, openChannel } from "./lib/ui.mjs";

/** @typedef {import("playwright-core").Page} Page */
/** @typedef {import("playwright-core").Locator} Locator */

const s = suite();

/** @type {{ owner: Api, server: string }} */
const w = /** @type {any} */ ({});

before(async () => {
  await s.ready;
  w.owner = await new Api(s.daemon.url).claim();
  await w.owner.invite("alice", { display_name: "Alice" });
  const general = await w.owner.channelId("general");
  const m = await w.owner.post(general, "a pinned note for the keyboard");
  await w.owner.call("PUT", `/channels/${general}/pins/${m.id}`);
  w.server = (await w.owner.call("GET", "/server")).name;
});

/**
 * Waits until `el` has the focus.
 * @param {Locator} el @param {string} what
 */
async function focused(el, what) {
  try {
    await eventually(() => el.evaluate((e) => e === document.activeElement), `the focus on ${what}`, 3_000);
  } catch (e) {
    // Say where the focus is instead.
    const at = await el.page().evaluate(() => {
      const a = document.activeElement;
      return a ? `${a.tagName.toLowerCase()}${a.id ? "#" + a.id : ""} "${a.getAttribute("aria-label") ?? a.textContent?.slice(0, 40) ?? ""}"` : "nothing";
    });
    throw new Error(`${/** @type {Error} */ (e).message}; the focus is on ${at}`);
  }
}

/**
 * Focuses `opener` and presses `key` on it.
 * @param {Locator} opener @param {string} [key]
 */
async function press(opener, key = "Enter") {
  await opener.focus();
  await opener.press(key);
}

test("desktop: panels, menus and dialogs opened by key close with Escape and give the focus back", async () => {
  const { page, context } = await newPage(s.browser, s.problems, { who: "owner", baseURL: s.daemon.url });
  await logIn(page, "owner");
  await openChannel(page, "general");

  // Pins: the toggle opens the panel; Tab into it, Escape closes it, the toggle has the focus.
  const pinsBtn = page.getByRole("button", { name: "Pinned messages" });
  await press(pinsBtn);
  const pins = page.getByRole("complementary", { name: "Pinned messages" });
  const entry = pins.getByRole("button", { name: "Jump to pinned message by owner" });
  await entry.waitFor();
  await entry.focus();
  await page.keyboard.press("Escape");
  await pins.waitFor({ state: "detached" });
  await focused(pinsBtn, "the Pinned messages button");

  // Search: Enter in the box opens the results; Escape in them closes them, back in the box.
  const box = page.getByRole("searchbox", { name: "Search messages" });
  await page.keyboard.press("Control+f");
  await focused(box, "the search box");
  await box.fill("pinned");
  await box.press("Enter");
  const results = page.getByRole("complementary", { name: "Search results" });
  const hit = results.getByRole("button", { name: /Jump to message by owner/ });
  await hit.focus();
  await page.keyboard.press("Escape");
  await results.waitFor({ state: "detached" });
  await focused(box, "the search box");
  // Its Close button by Enter does the same; Escape in the box clears it and keeps the focus.
  await box.fill("pinned");
  await box.press("Enter");
  await press(results.getByRole("button", { name: "Close search" }));
  await results.waitFor({ state: "detached" });
  await focused(box, "the search box");
  await box.fill("pinned");
  await box.press("Escape");
  assert.equal(await box.inputValue(), "", "Escape clears the box");
  await focused(box, "the search box");

  // The server menu, and the dialog and full-screen settings opened from it.
  const serverBtn = page.getByRole("button", { name: w.server, exact: true });
  await press(serverBtn);
  const menu = page.getByRole("menu", { name: w.server });
  await focused(menu.getByRole("menuitem").first(), "the menu's first item");
  await page.keyboard.press("Escape");
  await menu.waitFor({ state: "detached" });
  await focused(serverBtn, "the server button");
  await press(serverBtn);
  await menu.getByRole("menuitem", { name: "Settings", exact: true }).press("Enter");
  const settings = page.getByRole("dialog", { name: "Settings", exact: true });
  await settings.waitFor();
  await page.keyboard.press("Escape");
  await settings.waitFor({ state: "detached" });
  await focused(serverBtn, "the server button");
  await press(serverBtn);
  await menu.getByRole("menuitem", { name: "Server settings" }).press("Enter");
  const full = page.getByRole("dialog", { name: "Server settings" });
  await full.waitFor();
  await page.keyboard.press("Escape");
  await full.waitFor({ state: "detached" });
  await focused(serverBtn, "the server button");

  // The quick switcher from the composer, and the reaction picker from a message's toolbar.
  const input = composer(page, "general");
  await input.focus();
  await page.keyboard.press("Control+k");
  const switcher = page.getByRole("dialog", { name: "Quick switcher" });
  await switcher.waitFor();
  await page.keyboard.press("Escape");
  await switcher.waitFor({ state: "detached" });
  await focused(input, "the composer");
  const note = message(page, "general", "a pinned note for the keyboard");
  const react = note.getByRole("toolbar", { name: "Message actions" }).getByRole("button", { name: "Add reaction" });
  await press(react);
  const picker = page.getByRole("dialog", { name: "Add reaction" });
  await picker.waitFor();
  await page.keyboard.press("Escape");
  await picker.waitFor({ state: "detached" });
  await focused(react, "the Add reaction button");
  await context.close();
});

test("390 px: the drawers take the focus, and Escape gives it back to their buttons", async () => {
  const { page, context } = await newPage(s.browser, s.problems, { who: "phone", baseURL: s.daemon.url, width: 390, height: 844 });
  await logIn(page, "owner");
  const open = page.getByRole("button", { name: "Open channels" });
  await press(open);
  const serverBtn = page.getByRole("button", { name: w.server, exact: true });
  await focused(serverBtn, "the drawer's first control");
  await page.keyboard.press("Escape");
  await focused(open, "Open channels");
  assert.equal(await serverBtn.isVisible(), false, "the drawer is closed");

  const membersBtn = page.getByRole("button", { name: "Member list" });
  await press(membersBtn);
  const members = page.getByRole("complementary", { name: "Members" });
  const alice = members.getByRole("button", { name: /^Alice/ });
  await alice.waitFor();
  await focused(members.getByRole("button").first(), "the member drawer's first control");
  // A profile from the drawer gives the focus back to its row, then the drawer to its button.
  await press(alice);
  const profile = page.getByRole("dialog", { name: "Alice" });
  await profile.waitFor();
  await page.keyboard.press("Escape");
  await profile.waitFor({ state: "detached" });
  await focused(alice, "Alice in the member list");
  await page.keyboard.press("Escape");
  await focused(membersBtn, "Member list");
  assert.equal(await alice.isVisible(), false, "the member drawer is closed");
  await context.close();
});

/**
 * Opens `row`'s context menu with `key`, checks it shows in the window with the focus on its
 * first item, and closes it with Escape (back on the row).
 * @param {Page} page @param {Locator} row @param {Locator} menu @param {string} key @param {string} what
 * @param {string} shot the screenshot's name: context-menu-<shot>
 */
async function menuByKey(page, row, menu, key, what, shot) {
  await row.focus();
  await page.keyboard.press(key);
  await menu.waitFor();
  await focused(menu.getByRole("menuitem").first(), `${what}'s first item (${key})`);
  const box = await menu.boundingBox();
  const size = page.viewportSize();
  assert.ok(box && size && box.x >= 0 && box.y >= 0 && box.x + box.width <= size.width && box.y + box.height <= size.height,
    `${what} inside the window: ${JSON.stringify(box)}`);
  await screenshot(page, `context-menu-${shot}`);
  await page.keyboard.press("Escape");
  await menu.waitFor({ state: "detached" });
  await focused(row, `${what}'s row`);
}

test("context menus open from the keyboard: Shift+F10 and the ContextMenu key on channels, messages and members", async () => {
  // A short window: the voice channel's menu, opened under its row, would run off the bottom.
  const { page, context } = await newPage(s.browser, s.problems, { who: "owner", baseURL: s.daemon.url, height: 380 });
  await logIn(page, "owner");
  await openChannel(page, "general");
  const nav = page.getByRole("navigation", { name: "Channels" });
  const general = nav.getByRole("link", { name: /^general\b/ });
  const generalMenu = page.getByRole("menu", { name: "#general" });
  for (const key of ["Shift+F10", "ContextMenu"]) await menuByKey(page, general, generalMenu, key, "#general's menu", `channel-${key}`);

  // An item chosen from the keyboard does its job: ↓ to "Mute channel", Enter.
  await general.focus();
  await page.keyboard.press("Shift+F10");
  await focused(generalMenu.getByRole("menuitem", { name: "Mark as read" }), "Mark as read");
  await page.keyboard.press("ArrowDown");
  await focused(generalMenu.getByRole("menuitem", { name: "Mute channel" }), "Mute channel");
  await page.keyboard.press("Enter");
  await generalMenu.waitFor({ state: "detached" });
  await page.getByRole("button", { name: "Unmute channel" }).waitFor();
  await focused(general, "#general's row after choosing an item");
  await page.getByRole("button", { name: "Unmute channel" }).click();

  const lounge = nav.getByRole("button", { name: "Join voice channel Lounge" });
  const loungeMenu = page.getByRole("menu", { name: "Lounge" });
  for (const key of ["Shift+F10", "ContextMenu"]) await menuByKey(page, lounge, loungeMenu, key, "Lounge's menu", `voice-${key}`);

  // A message: the keys on the focused message, or on a button of its toolbar, open the menu
  // of its actions (as right-click does); an item chosen by Enter does its job.
  const note = message(page, "general", "a pinned note for the keyboard");
  const noteMenu = page.getByRole("menu", { name: "Message actions" });
  for (const key of ["Shift+F10", "ContextMenu"]) await menuByKey(page, note, noteMenu, key, "the message's menu", `message-${key}`);
  const copy = note.getByRole("toolbar", { name: "Message actions" }).getByRole("button", { name: "Copy link" });
  await menuByKey(page, copy, noteMenu, "Shift+F10", "the message's menu from its toolbar", "message-toolbar");
  await note.focus();
  await page.keyboard.press("Shift+F10");
  await focused(noteMenu.getByRole("menuitem", { name: "Reply" }), "Reply");
  await page.keyboard.press("Enter");
  await page.getByText("Replying to").waitFor();
  await focused(composer(page, "general"), "the composer, to write the reply");
  await page.keyboard.press("Escape");
  await page.getByText("Replying to").waitFor({ state: "detached" });
  await note.getByText("a pinned note").click({ button: "right" });
  await noteMenu.getByRole("menuitem", { name: "Unpin message" }).waitFor();
  assert.deepEqual(await noteMenu.getByRole("menuitem").allTextContents(), ["Reply", "Add reaction", "Edit", "Unpin message", "Copy link", "Delete message"]);
  await page.keyboard.press("Escape");
  await noteMenu.waitFor({ state: "detached" });

  // A member's right-click opens the profile: the keys do too, and Escape gives the row back.
  const alice = page.getByRole("complementary", { name: "Members" }).getByRole("button", { name: /^Alice/ });
  const profile = page.getByRole("dialog", { name: "Alice" });
  for (const key of ["Shift+F10", "ContextMenu"]) {
    await alice.focus();
    await page.keyboard.press(key);
    await profile.waitFor();
    await eventually(() => profile.evaluate((d) => d.contains(document.activeElement)), `the focus in Alice's profile (${key})`, 3_000);
    await page.keyboard.press("Escape");
    await profile.waitFor({ state: "detached" });
    await focused(alice, "Alice in the member list");
  }
  await context.close();
});
