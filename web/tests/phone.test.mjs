// @ts-check
/**
 * @file The newest views at phone width (390 × 844): a plugin-managed role in Server
 * settings (read-only, its note on screen, its controls disabled), pins in a direct message
 * (the pin action reached by tap and by keyboard, the Pinned messages panel usable and
 * closable, with Escape too), and the composer's pickers (slash commands, custom emoji
 * suggestions, the reaction picker) fitting the screen and dismissed with Escape. Each view:
 * no horizontal scroll, every control named, key targets at least 40 px.
 * Screenshots: settings-role-managed-390, settings-role-managed-members-390,
 * settings-member-managed-390, dm-pin-action-390, dm-pins-390, slash-commands-390,
 * slash-option-hints-390, slash-error-390, emoji-suggestions-390, emoji-reaction-picker-390.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { suite } from "./lib/suite.mjs";
import { fakeRawHost } from "./lib/rawhost.mjs";
import { newPage, screenshot, eventually } from "./lib/browser.mjs";
import { ROOT, freePort } from "./lib/daemon.mjs";
import { admin } from "./lib/admin.mjs";
import { Api } from "./lib/api.mjs";
import { png } from "./lib/png.mjs";
import { composer, horizontalOverflow, logIn, message, openChannel, unnamedControls } from "./lib/ui.mjs";

/** @typedef {import("playwright-core").Page} Page */
/** @typedef {import("playwright-core").Locator} Locator */

const PHONE = { width: 390, height: 844 };

// The example plugin's manifest, from a fake of GitHub's raw-content host (as slash.test.mjs);
// its webhook need not answer: installing it makes the managed role and lists its commands.
const manifest = JSON.parse(readFileSync(join(ROOT, "examples/plugin-echo/spectrus-plugin.json"), "utf8"));
manifest.webhook_url = `http://127.0.0.1:${await freePort()}/webhook`;
const rawHost = await fakeRawHost("acme/echo", manifest);

const s = suite({ env: { SPECTRUS_GITHUB_RAW_URL: rawHost.url, SPECTRUS_PLUGINS_ALLOW_PRIVATE_WEBHOOKS: "true" } });

/** @type {{ owner: Api, alice: Api, bob: Api, dm: string }} */
const w = /** @type {any} */ ({});

before(async () => {
  await s.ready;
  w.owner = await new Api(s.daemon.url).claim();
  w.alice = await w.owner.invite("alice");
  w.bob = await w.owner.invite("bob");
  const installed = await admin(s.daemon, "POST", "/plugins", { source: "acme/echo" });
  assert.equal(installed.plugin.id, "echo");
  const dm = await w.alice.call("POST", "/users/@me/channels", { recipients: [w.bob.user.id] });
  w.dm = dm.id;
  await w.alice.post(w.dm, "hi bob, a message worth pinning on a small screen");
  // A custom emoji, uploaded as the settings tab does.
  const form = new FormData();
  form.append("name", "party");
  form.append("file", new Blob([png(64, 64)], { type: "image/png" }), "party.png");
  const resp = await fetch(`${s.daemon.url}/api/v1/emojis`, { method: "POST", headers: { authorization: `Bearer ${w.owner.token}` }, body: form });
  assert.equal(resp.status, 201, await resp.text());
  await w.owner.post(await w.owner.channelId("general"), "a message to react to from a phone");
});

after(() => rawHost.close());

/** @param {string} who */
async function phone(who) {
  const { page, context } = await newPage(s.browser, s.problems, { who, baseURL: s.daemon.url, ...PHONE });
  await logIn(page, who);
  return { page, context };
}

/**
 * Asserts the element is on screen, inside the 390 px width.
 * @param {Locator} el @param {string} what
 */
async function onScreen(el, what) {
  const box = await el.boundingBox();
  assert.ok(box, `${what} is laid out`);
  assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width + 0.5, `${what} fits the width (x ${box.x}, w ${box.width})`);
  assert.ok(box.y >= 0 && box.y + box.height <= PHONE.height + 0.5, `${what} is inside the viewport (y ${box.y}, h ${box.height})`);
  return box;
}

/**
 * Asserts a tap target is on screen and laid out at least 40 × 40 px (its layout size: a
 * dialog's opening animation scales it for a moment).
 * @param {Locator} el @param {string} what
 */
async function tappable(el, what) {
  await onScreen(el, what);
  const [width, height] = await el.evaluate((e) => [/** @type {HTMLElement} */ (e).offsetWidth, /** @type {HTMLElement} */ (e).offsetHeight]);
  assert.ok(width >= 40 && height >= 40, `${what} is at least 40 px (${width} × ${height})`);
}

/** @param {Page} page @param {string} where */
async function fits(page, where) {
  assert.equal(await horizontalOverflow(page), 0, `no horizontal scroll: ${where}`);
  assert.deepEqual(await unnamedControls(page), [], `every control is named: ${where}`);
}

test("a plugin-managed role at 390 px: the note is on screen, every control disabled, the view closes", async () => {
  const { page, context } = await phone("owner");
  await page.goto("/server-settings/roles");
  const view = page.getByRole("dialog", { name: "Server settings" });
  const pick = view.getByRole("button", { name: "Echo, 1 member, managed by the plugin echo", exact: true });
  await onScreen(pick, "the Echo role in the list");
  await pick.click();
  const editor = view.getByRole("region", { name: "Edit role Echo" });
  const note = editor.getByRole("note").filter({ hasText: "Managed by the plugin echo" });
  await note.scrollIntoViewIfNeeded();
  await onScreen(note, "the managed-role note");
  assert.ok(await editor.getByRole("textbox", { name: "Role name" }).isDisabled());
  const switches = await editor.getByRole("switch").all();
  assert.ok(switches.length > 5, "the permission switches are shown");
  for (const sw of switches) assert.ok(await sw.isDisabled(), `${await sw.getAttribute("id")} is disabled`);
  for (const name of ["Save role", "Delete role"]) {
    assert.equal(await editor.getByRole("button", { name, exact: true }).count(), 0, `no ${name} button`);
  }
  await fits(page, "managed role");
  await screenshot(page, "settings-role-managed-390");
  // Its members, at the end of the editor: listed, with nothing to add or remove.
  const holders = editor.getByRole("region", { name: "Members with Echo" });
  await holders.scrollIntoViewIfNeeded();
  await onScreen(holders.getByText("@echo"), "the bot among the role's members");
  assert.equal(await holders.getByRole("button").count(), 0, "no Remove button");
  assert.equal(await holders.getByRole("combobox").count(), 0, "no Add a member");
  await screenshot(page, "settings-role-managed-members-390");
  // Managing the bot: the managed role is shown, checked and locked.
  await view.getByRole("tab", { name: "Members" }).click();
  await view.getByRole("button", { name: "Manage Echo" }).click();
  const dialog = page.getByRole("dialog", { name: "Manage Echo" });
  const box = dialog.getByRole("checkbox", { name: /Echo.*managed by the plugin echo/ });
  await onScreen(dialog, "the Manage Echo dialog");
  await tappable(dialog.getByRole("button", { name: "Close", exact: true }), "the dialog's Close");
  assert.ok(await box.isDisabled());
  assert.ok(await box.isChecked());
  await fits(page, "Manage Echo");
  await screenshot(page, "settings-member-managed-390");
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
  const close = view.getByRole("button", { name: /^Close/ }).first();
  await tappable(close, "the settings' close button");
  await page.keyboard.press("Escape");
  await view.waitFor({ state: "detached" });
  await context.close();
});

test("pins in a DM at 390 px: the pin action by tap and by keyboard, the panel usable and closable", async () => {
  const { page, context } = await phone("bob");
  await page.goto(`/channels/${w.dm}`);
  const log = page.getByRole("log", { name: "Messages in @alice" });
  const article = log.getByRole("article").filter({ hasText: "hi bob, a message worth pinning" });
  await article.waitFor();
  // A tap on the message shows its actions (no hover on a phone).
  await article.getByText("a message worth pinning").click();
  const bar = article.getByRole("toolbar", { name: "Message actions" });
  const pin = bar.getByRole("button", { name: "Pin message" });
  await eventually(async () => (await bar.evaluate((el) => getComputedStyle(el).opacity)) === "1", "the toolbar to show on tap");
  await tappable(pin, "the Pin message button");
  await fits(page, "a DM with the actions shown");
  await screenshot(page, "dm-pin-action-390");
  // By keyboard: focus moves into the toolbar and Enter pins.
  await pin.focus();
  await page.keyboard.press("Enter");
  await page.getByText("Message pinned").waitFor();
  await bar.getByRole("button", { name: "Unpin message" }).waitFor();

  await tappable(page.getByRole("button", { name: "Block alice" }), "Block alice");
  const open = page.getByRole("button", { name: "Pinned messages" });
  await tappable(open, "the Pinned messages button");
  await open.click();
  const panel = page.getByRole("complementary", { name: "Pinned messages" });
  const entry = panel.getByRole("button", { name: "Jump to pinned message by alice" });
  await entry.waitFor();
  await onScreen(entry, "the pinned entry");
  const closeBtn = panel.getByRole("button", { name: "Close pins" });
  await tappable(closeBtn, "Close pins");
  await fits(page, "the pins panel");
  await screenshot(page, "dm-pins-390");
  // Escape closes it too, and the composer is back.
  await page.keyboard.press("Escape");
  await panel.waitFor({ state: "detached" });
  await onScreen(page.getByRole("textbox", { name: "Message @alice" }), "the composer");
  // Jumping from the panel closes it on a phone, so the message is seen.
  await open.click();
  await entry.click();
  await panel.waitFor({ state: "detached" });
  await onScreen(article, "the pinned message after the jump");
  await closeBtn.waitFor({ state: "detached" });
  await context.close();
});

test("the slash-command picker at 390 px fits the screen and Escape dismisses it", async () => {
  const { page, context } = await phone("owner");
  await page.getByRole("button", { name: "Open channels" }).click();
  await openChannel(page, "general");
  const box = composer(page, "general");
  // The header's controls are tap targets too.
  for (const name of ["Open channels", "Mute channel", "Pinned messages", "Member list"]) {
    await tappable(page.getByRole("button", { name, exact: true }), name);
  }
  // The channel's name is not cut short by them.
  const title = page.getByRole("heading", { name: "general", level: 1 });
  assert.ok(await title.evaluate((el) => el.scrollWidth <= el.clientWidth), "the channel name is shown whole");
  await tappable(page.getByRole("searchbox", { name: "Search messages" }), "Search messages");
  for (const name of ["Attach files", "Send message"]) await tappable(page.getByRole("button", { name, exact: true }), name);
  await box.click();
  await box.pressSequentially("/");
  const list = page.getByRole("listbox", { name: "Suggestions" });
  await list.getByRole("option", { name: /^\/echo/ }).waitFor();
  await onScreen(list, "the command list");
  for (const option of await list.getByRole("option").all()) {
    const b = await onScreen(option, "a command");
    assert.ok(b.height >= 40, `a command row is at least 40 px tall (${b.height})`);
  }
  await onScreen(box, "the composer under the list");
  await fits(page, "slash commands");
  await screenshot(page, "slash-commands-390");
  await box.press("Tab");
  await page.getByRole("status", { name: "Options of /echo" }).waitFor();
  await onScreen(page.getByRole("status", { name: "Options of /echo" }), "the option hints");
  await fits(page, "slash option hints");
  await screenshot(page, "slash-option-hints-390");
  await box.press("Escape");
  await list.waitFor({ state: "detached" });
  // A refused command is said in words beside the composer, on screen.
  await box.fill("/nope now");
  await box.press("Enter");
  const error = page.getByRole("alert").filter({ hasText: "Unknown command /nope." });
  await onScreen(error, "the refusal");
  await onScreen(box, "the composer under the refusal");
  await fits(page, "a refused command");
  await screenshot(page, "slash-error-390");
  await box.fill("");
  await context.close();
});

test("custom emoji at 390 px: the suggestions and the reaction picker fit, Escape dismisses both", async () => {
  const { page, context } = await phone("owner");
  await page.getByRole("button", { name: "Open channels" }).click();
  await openChannel(page, "general");
  const box = composer(page, "general");
  await box.click();
  await box.pressSequentially("yay :pa");
  const list = page.getByRole("listbox", { name: "Suggestions" });
  const party = list.getByRole("option", { name: /:party:/ });
  await party.waitFor();
  await onScreen(list, "the emoji suggestions");
  const b = await onScreen(party, "the :party: suggestion");
  assert.ok(b.height >= 40, `a suggestion row is at least 40 px tall (${b.height})`);
  await fits(page, "emoji suggestions");
  await screenshot(page, "emoji-suggestions-390");
  await box.press("Escape");
  await list.waitFor({ state: "detached" });
  await box.fill("");

  const msg = message(page, "general", "a message to react to from a phone");
  await msg.getByText("a message to react to").click();
  const add = msg.getByRole("toolbar", { name: "Message actions" }).getByRole("button", { name: "Add reaction" });
  await tappable(add, "Add reaction");
  await add.click();
  const picker = page.getByRole("dialog", { name: "Add reaction" });
  const custom = picker.getByRole("button", { name: ":party:" });
  await custom.waitFor();
  await onScreen(picker, "the reaction picker");
  await tappable(custom, "the :party: emoji");
  await tappable(picker.getByRole("button", { name: "Close", exact: true }), "the picker's Close");
  // The quick row stays one line: its first and last emoji side by side.
  const [first, last] = [await picker.getByRole("button", { name: "👍" }).boundingBox(), await picker.getByRole("button", { name: "👀" }).boundingBox()];
  assert.ok(first && last && Math.abs(first.y - last.y) < 1, `the quick row is one line (${first?.y} vs ${last?.y})`);
  await fits(page, "the reaction picker");
  await screenshot(page, "emoji-reaction-picker-390");
  await page.keyboard.press("Escape");
  await picker.waitFor({ state: "detached" });
  await custom.waitFor({ state: "detached" });
  await context.close();
});
