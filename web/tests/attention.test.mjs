// @ts-check
/**
 * @file Attention: the unread count in the tab title ("(N) … Spectrus") and the favicon badge,
 * desktop notifications for a mention from another member (permission granted to the
 * context; `Notification` construction captured by an init script), none for the channel in
 * view, none for a muted channel; Alt+Shift+Down goes to the next unread channel; Ctrl+K's
 * quick switcher opens a channel.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./lib/suite.mjs";
import { newPage, eventually, screenshot } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { channels, logIn, messages, openChannel } from "./lib/ui.mjs";

const s = suite();
/** @type {Api} */ let owner;
/** @type {Api} */ let bob;
/** @type {Record<string, string>} */ const ids = {};

/** Records each `new Notification(title, {body})` instead of showing it. */
const CAPTURE = `(() => {
  const Real = window.Notification;
  const notes = [];
  window.__notes = notes;
  function Captured(title, opts) {
    notes.push({ title: String(title), body: String((opts && opts.body) || "") });
    this.close = () => {};
    this.onclick = null;
  }
  Object.defineProperty(Captured, "permission", { get: () => Real.permission });
  Captured.requestPermission = (...a) => Real.requestPermission(...a);
  window.Notification = Captured;
})();`;

before(async () => {
  await s.ready;
  owner = await new Api(s.daemon.url).claim();
  bob = await owner.invite("bob", { display_name: "Bob" });
  ids.general = await owner.channelId("general");
  ids.alpha = (await owner.call("POST", "/channels", { name: "alpha", type: "text" })).id;
  ids.beta = (await owner.call("POST", "/channels", { name: "beta", type: "text" })).id;
});

test("title, favicon, notifications, mute, next unread and the quick switcher", async () => {
  const { page, context } = await newPage(s.browser, s.problems, { who: "owner", baseURL: s.daemon.url });
  await context.grantPermissions(["notifications"], { origin: s.daemon.url });
  await context.addInitScript(CAPTURE);
  await logIn(page, "owner");
  await openChannel(page, "general");
  /** @returns {Promise<{title: string, body: string}[]>} */
  const notes = () => page.evaluate(() => /** @type {any} */ (window).__notes);
  const favicon = () => page.evaluate(() => /** @type {HTMLLinkElement} */ (document.querySelector("link[rel=icon]")).href);
  assert.equal(await page.evaluate(() => Notification.permission), "granted");
  assert.doesNotMatch(await page.title(), /^\(/, "nothing unread yet");
  const plainIcon = await favicon();
  assert.doesNotMatch(plainIcon, /^data:/);

  // A mention in another channel: counted in the title, a badge, a notification.
  await bob.post(ids.beta, `hey <@${owner.user.id}>, look at this`);
  await eventually(async () => /^\(1\) #general \| .+/.test(await page.title()), "the title to show (1)");
  await eventually(async () => (await favicon()).startsWith("data:image/png"), "the favicon badge");
  await channels(page).getByRole("link", { name: "beta, 1 unread mention" }).waitFor();
  await eventually(async () => (await notes()).length === 1, "one notification");
  const [note] = await notes();
  assert.equal(note.title, "Bob in #beta");
  assert.match(note.body, /look at this/);

  // Plain messages elsewhere add to the count.
  await bob.post(ids.beta, "and one more");
  await eventually(async () => /^\(2\) /.test(await page.title()), "the title to show (2)");

  // A mention in the channel in view: shown, not notified, not counted.
  await bob.post(ids.general, `<@${owner.user.id}> right here`);
  await messages(page, "general").getByRole("article").filter({ hasText: "right here" }).waitFor();
  await page.waitForTimeout(500);
  assert.equal((await notes()).length, 1, "no notification for the channel in view");
  assert.match(await page.title(), /^\(2\) /);
  await screenshot(page, "attention-unread");

  // Alt+Shift+Down: past alpha (nothing unread) to beta; reading it clears title and badge.
  await page.keyboard.press("Alt+Shift+ArrowDown");
  await messages(page, "beta").getByRole("article").filter({ hasText: "and one more" }).waitFor();
  await eventually(async () => !/^\(/.test(await page.title()), "the title without a count");
  await eventually(async () => (await favicon()) === plainIcon, "the favicon without a badge");

  // Ctrl+K: the quick switcher opens alpha.
  await page.keyboard.press("Control+k");
  const dialog = page.getByRole("dialog", { name: "Quick switcher" });
  await dialog.getByRole("combobox", { name: "Search channels" }).fill("alph");
  await page.keyboard.press("Enter");
  await messages(page, "alpha").waitFor();
  await dialog.waitFor({ state: "hidden" });

  // Mute beta (its context menu): a mention there is counted but not notified.
  await channels(page).getByRole("link", { name: /^beta\b/ }).click({ button: "right" });
  await page.getByRole("menuitem", { name: "Mute channel" }).click();
  await bob.post(ids.beta, `<@${owner.user.id}> while muted`);
  await channels(page).getByRole("link", { name: "beta, 1 unread mention" }).waitFor();
  await page.waitForTimeout(500);
  assert.equal((await notes()).length, 1, "no notification from a muted channel");
  await context.close();
});
