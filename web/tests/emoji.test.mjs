// @ts-check
/**
 * @file Custom emoji in a real browser (issue 17): the owner uploads one in Server settings →
 * Emoji (empty state, preview, a bad name refused in words beside the field), renames it
 * inline; types `:` + two letters in the composer and picks it from the suggestions by
 * keyboard; the message shows it as an image (large when alone), and another member sees it
 * too; reacting with it from the picker; deleting it (with a confirmation) leaves `:name:`.
 * An animated GIF stays animated: listed as "Animated", shown from its GIF in the list and in
 * another member's message; with reduced motion, its still first frame, played while the
 * message is hovered.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./lib/suite.mjs";
import { newPage, screenshot, eventually } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { png } from "./lib/png.mjs";
import { actions, composer, logIn, message, messages, openChannel, unnamedControls } from "./lib/ui.mjs";

const s = suite();

/** @type {{ owner: Api, bob: Api, general: string, page: import("playwright-core").Page, bobPage: import("playwright-core").Page }} */
const w = /** @type {any} */ ({});

/** @param {import("playwright-core").Page} page */
const settingsView = (page) => page.getByRole("dialog", { name: "Server settings" });

before(async () => {
  await s.ready;
  w.owner = await new Api(s.daemon.url).claim();
  w.bob = await w.owner.invite("bob");
  w.general = await w.owner.channelId("general");
  const { page } = await newPage(s.browser, s.problems, { who: "owner", baseURL: s.daemon.url });
  w.page = page;
  await logIn(page, "owner");
  const bob = await newPage(s.browser, s.problems, { who: "bob", baseURL: s.daemon.url });
  w.bobPage = bob.page;
  await logIn(bob.page, "bob");
  await openChannel(bob.page, "general");
});

test("upload in settings: empty state, preview, a refused name, inline rename", async () => {
  const page = w.page;
  await page.goto("/server-settings/emoji");
  const view = settingsView(page);
  await view.getByRole("heading", { name: "Emoji", level: 1 }).waitFor();
  await view.getByText("No custom emoji yet").waitFor();
  await screenshot(page, "emoji-settings-empty");

  await view.getByLabel("Emoji image").setInputFiles({ name: "Party Time.png", mimeType: "image/png", buffer: png(96, 64) });
  await view.getByRole("img", { name: "Preview of the new emoji" }).waitFor();
  const name = view.getByRole("textbox", { name: "Name" });
  assert.equal(await name.inputValue(), "party_time", "a name is suggested from the file");
  await name.fill("Party!");
  await view.getByRole("button", { name: "Upload emoji" }).click();
  await view.getByRole("alert").filter({ hasText: "Use only lower-case letters, digits and _." }).waitFor();
  await screenshot(page, "emoji-settings-bad-name");
  await name.fill("party");
  await view.getByRole("button", { name: "Upload emoji" }).click();
  const list = view.getByRole("list", { name: "Custom emoji" });
  await list.getByRole("img", { name: ":party:" }).waitFor();
  await view.getByText("No image").waitFor(); // the form is ready for the next one
  await screenshot(page, "emoji-settings-list");
  assert.deepEqual(await unnamedControls(page), [], "every control of the Emoji tab has a name");

  // Inline rename: Enter saves; the server's list follows.
  await list.getByRole("button", { name: "Rename :party:" }).click();
  const box = list.getByRole("textbox", { name: "New name for :party:" });
  await box.fill("fiesta");
  await screenshot(page, "emoji-settings-rename");
  await box.press("Enter");
  await list.getByRole("img", { name: ":fiesta:" }).waitFor();
  const server = await w.owner.call("GET", "/emojis");
  assert.deepEqual(server.map((/** @type {any} */ e) => e.name), ["fiesta"]);
  // From the keyboard: Escape in the box cancels, and the focus is back on its Rename button.
  const rename = list.getByRole("button", { name: "Rename :fiesta:" });
  await rename.focus();
  await rename.press("Enter");
  await list.getByRole("textbox", { name: "New name for :fiesta:" }).press("Escape");
  await eventually(() => rename.evaluate((el) => el === document.activeElement), "the focus back on Rename :fiesta:", 3_000);
  await page.keyboard.press("Escape");
  await view.waitFor({ state: "detached" });
});

test("the composer suggests it after `:` and two letters; the message shows the image", async () => {
  const page = w.page;
  await openChannel(page, "general");
  const box = composer(page, "general");
  await box.click();
  await box.pressSequentially("look :fi");
  const sugg = page.getByRole("listbox", { name: "Suggestions" });
  await sugg.getByRole("option", { name: /:fiesta:/ }).waitFor();
  await screenshot(page, "emoji-suggestions");
  // Keyboard: the custom emoji is first; Tab accepts it.
  assert.equal(await sugg.getByRole("option").first().getAttribute("aria-selected"), "true");
  await box.press("Tab");
  await sugg.waitFor({ state: "detached" });
  assert.equal(await box.inputValue(), "look :fiesta: ");
  await box.pressSequentially("here");
  await box.press("Enter");

  const id = (await w.owner.call("GET", "/emojis"))[0].id;
  const msg = message(page, "general", "look");
  const img = msg.getByRole("img", { name: ":fiesta:" });
  await img.waitFor();
  assert.equal(await img.evaluate((el) => /** @type {HTMLImageElement} */ (el).getBoundingClientRect().height), 22);
  await eventually(async () => (await w.owner.messages(w.general)).some((/** @type {any} */ m) => m.content === `look <:fiesta:${id}> here`),
    "the message went out in the wire form");

  // Alone, it is drawn large.
  await box.fill(":fiesta:");
  await box.press("Escape");
  await box.press("Enter");
  const big = messages(page, "general").getByRole("article").last().getByRole("img", { name: ":fiesta:" });
  await big.waitFor();
  await eventually(async () => (await big.evaluate((el) => el.getBoundingClientRect().height)) === 48, "a 48 px emoji");
  await screenshot(page, "emoji-in-messages");

  // Another member sees the image too (the list came in their `EMOJIS_UPDATE`).
  await message(w.bobPage, "general", "look").getByRole("img", { name: ":fiesta:" }).waitFor();

  // Editing shows `:fiesta:`, and saving sends the wire form again.
  await (await actions(msg)).getByRole("button", { name: "Edit" }).click();
  const editor = page.getByRole("textbox", { name: "Edit message" });
  assert.equal(await editor.inputValue(), "look :fiesta: here");
  await editor.fill("look :fiesta: here, edited");
  await editor.press("Enter");
  await msg.getByText("(edited)").waitFor();
  await eventually(async () => (await w.owner.messages(w.general)).some((/** @type {any} */ m) => m.content === `look <:fiesta:${id}> here, edited`),
    "the edit went out in the wire form");
});

test("react with it from the picker; deleting it leaves :name:", async () => {
  const page = w.page;
  const msg = message(page, "general", "look");
  await (await actions(msg)).getByRole("button", { name: "Add reaction" }).click();
  const picker = page.getByRole("dialog", { name: "Add reaction" });
  await picker.getByRole("group", { name: "Server emoji" }).waitFor();
  await screenshot(page, "emoji-reaction-picker");
  await picker.getByRole("button", { name: ":fiesta:" }).click();
  const reaction = msg.getByRole("button", { name: ":fiesta: 1" });
  await reaction.waitFor();
  await reaction.getByRole("img", { name: ":fiesta:" }).waitFor();
  await message(w.bobPage, "general", "look").getByRole("button", { name: ":fiesta: 1" }).waitFor();
  await screenshot(page, "emoji-reaction");

  // Delete, with a confirmation: the message and the reaction keep `:fiesta:` as text.
  await page.goto("/server-settings/emoji");
  const view = settingsView(page);
  await view.getByRole("button", { name: "Delete :fiesta:" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete emoji" });
  await screenshot(page, "emoji-delete-confirm");
  await confirm.getByRole("button", { name: "Delete" }).click();
  await view.getByText("No custom emoji yet").waitFor();
  const bobMsg = message(w.bobPage, "general", "look");
  await bobMsg.getByText(":fiesta:").first().waitFor();
  assert.equal(await bobMsg.getByRole("img", { name: ":fiesta:" }).count(), 0, "no image once deleted");
  await bobMsg.getByRole("button", { name: ":fiesta: 1" }).waitFor();
});

/**
 * A 1 × 1 GIF of two frames (red, then blue), 100 ms each, looping: written out byte by byte
 * (one pixel's LZW stream is three 3-bit codes: clear, the colour, end).
 */
function blinkingGif() {
  const frame = (/** @type {number} */ colour) => [
    0x21, 0xf9, 0x04, 0x00, 10, 0x00, 0x00, 0x00, // graphic control: 10 × 10 ms
    0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0x00, // image descriptor: 1 × 1 at 0,0
    0x02, 0x02, 0x44 | (colour << 3), 0x01, 0x00, // LZW min code size 2, one block, end
  ];
  return Buffer.from([
    ...Buffer.from("GIF89a"), 1, 0, 1, 0, 0x80, 0, 0, // 1 × 1, a 2-colour global table
    0xff, 0x00, 0x00, 0x00, 0x00, 0xff, // red, blue
    0x21, 0xff, 0x0b, ...Buffer.from("NETSCAPE2.0"), 0x03, 0x01, 0x00, 0x00, 0x00, // loop for ever
    ...frame(0), ...frame(1),
    0x3b,
  ]);
}

test("an animated GIF stays animated, in the list and in messages", async () => {
  const page = w.page;
  await page.goto("/server-settings/emoji");
  const view = settingsView(page);
  await view.getByLabel("Emoji image").setInputFiles({ name: "blink.gif", mimeType: "image/gif", buffer: blinkingGif() });
  await view.getByRole("img", { name: "Preview of the new emoji" }).waitFor();
  await view.getByRole("button", { name: "Upload emoji" }).click();
  const list = view.getByRole("list", { name: "Custom emoji" });
  const row = list.getByRole("listitem", { name: ":blink:" });
  await row.getByText("Animated").waitFor();
  await screenshot(page, "emoji-settings-animated");
  const src = await row.getByRole("img", { name: ":blink:" }).getAttribute("src");
  assert.match(src ?? "", /\/api\/v1\/images\/[0-9a-f]{64}\.gif$/);
  const served = await fetch(new URL(src ?? "", s.daemon.url));
  assert.equal(served.headers.get("content-type"), "image/gif");
  await page.keyboard.press("Escape");
  await view.waitFor({ state: "detached" });

  const id = (await w.owner.call("GET", "/emojis")).find((/** @type {any} */ e) => e.name === "blink").id;
  await w.owner.post(w.general, `it moves <:blink:${id}>`);
  const img = message(w.bobPage, "general", "it moves").getByRole("img", { name: ":blink:" });
  await img.waitFor();
  assert.equal(await img.getAttribute("src"), src);
  // The browser decoded it (a broken image has no natural size).
  await eventually(() => img.evaluate((el) => /** @type {HTMLImageElement} */ (el).naturalWidth === 1), "the GIF decoded");
});

test("with reduced motion an animated emoji shows its still, and plays while its message is hovered", async () => {
  const page = w.bobPage;
  const blink = (await w.owner.call("GET", "/emojis")).find((/** @type {any} */ e) => e.name === "blink");
  assert.match(blink.still_url, /\/api\/v1\/images\/[0-9a-f]{64}\.still\.png$/);
  const msg = message(page, "general", "it moves");
  const img = msg.getByRole("img", { name: ":blink:" });
  /** What the browser shows: `still`, `animated`, or the URL. */
  const shown = () => img.evaluate((el, b) => {
    const src = new URL(/** @type {HTMLImageElement} */ (el).currentSrc).pathname;
    return src === b.still_url ? "still" : src === b.url ? "animated" : src;
  }, blink);
  const shows = (/** @type {string} */ what) => eventually(async () => (await shown()) === what, `the emoji ${what}`, 3_000);
  await page.mouse.move(0, 0);
  await shows("animated");
  await page.emulateMedia({ reducedMotion: "reduce" });
  await shows("still");
  await eventually(() => img.evaluate((el) => /** @type {HTMLImageElement} */ (el).complete && /** @type {HTMLImageElement} */ (el).naturalWidth === 1), "the still decoded");
  await screenshot(page, "emoji-reduced-motion");
  await msg.hover();
  await shows("animated");
  await page.mouse.move(0, 0);
  await shows("still");
  await page.emulateMedia({ reducedMotion: "no-preference" });
  await shows("animated");
});
