// @ts-check
/**
 * @file Chatting as a member: edit, delete, reply and react through the message actions;
 * what a member without a permission sees (no button for it); hostile text (an XSS payload in
 * a message and in a display name) rendered as text, running nothing.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./lib/suite.mjs";
import { newPage, screenshot, eventually } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { actions, composer, logIn, message, messages, openChannel, send, unnamedControls } from "./lib/ui.mjs";

const s = suite();
const XSS_NAME = "<img src=x onerror=window.__pwned=1>";
const XSS_TEXT = "<img src=x onerror=window.__pwned=2> <script>window.__pwned=3</script> [click me](javascript:window.__pwned=4) **bold**";

/** @type {{ owner: Api, bob: Api, mallory: Api, general: string, bobPage: import("playwright-core").Page, ownerPage: import("playwright-core").Page }} */
const w = /** @type {any} */ ({});

before(async () => {
  await s.ready;
  w.owner = await new Api(s.daemon.url).claim();
  w.bob = await w.owner.invite("bob");
  w.mallory = await w.owner.invite("mallory", { display_name: XSS_NAME });
  w.general = await w.owner.channelId("general");
  await w.owner.post(w.general, "a message from the owner");
  await w.mallory.post(w.general, XSS_TEXT);
  const bob = await newPage(s.browser, s.problems, { who: "bob", baseURL: s.daemon.url });
  w.bobPage = bob.page;
  bob.page.on("dialog", (d) => {
    s.problems.add(`a script opened a ${d.type()} dialog: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  await logIn(bob.page, "bob");
  await openChannel(bob.page, "general");
});

test("edit, reply, react and delete through the message actions", async () => {
  const page = w.bobPage;
  await send(page, "general", "my first message");
  const mine = message(page, "general", "my first message");
  await mine.waitFor();

  // Edit: the message becomes a textbox; Enter saves; "(edited)" shows.
  await (await actions(mine)).getByRole("button", { name: "Edit" }).click();
  const editor = page.getByRole("textbox", { name: "Edit message" });
  await editor.fill("my first message, edited");
  await editor.press("Enter");
  const edited = message(page, "general", "my first message, edited");
  await edited.getByText("(edited)").waitFor();

  // Reply to the owner: "Replying to owner", then the reply quotes it.
  // first(): a reply quoting it comes later in the list.
  const theirs = message(page, "general", "a message from the owner").first();
  await (await actions(theirs)).getByRole("button", { name: "Reply" }).click();
  await page.getByText(/Replying to owner/).waitFor();
  await send(page, "general", "my reply");
  const reply = message(page, "general", "my reply");
  await reply.getByRole("button", { name: "Jump to replied message" }).waitFor();
  await eventually(async () => (await page.getByText(/Replying to/).count()) === 0, "the reply bar to close");

  // React with the picker, then toggle it off.
  await (await actions(theirs)).getByRole("button", { name: "Add reaction" }).click();
  const picker = page.getByRole("dialog", { name: "Add reaction" });
  await picker.getByRole("button", { name: "👍" }).first().click();
  const reaction = theirs.getByRole("button", { name: "👍 1" });
  await reaction.waitFor();
  assert.equal(await reaction.getAttribute("aria-pressed"), "true");
  await screenshot(page, "chat-message-actions");
  await reaction.click();
  await eventually(async () => (await theirs.getByRole("button", { name: /^👍 1$/ }).count()) === 0, "the reaction to go");

  // Delete asks first.
  await (await actions(edited)).getByRole("button", { name: "Delete" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete message" });
  await confirm.getByRole("button", { name: "Delete" }).click();
  await edited.waitFor({ state: "detached" });

  // The server agrees.
  const stored = await w.owner.messages(w.general);
  assert.ok(!stored.some((m) => m.content.startsWith("my first message")), "deleted on the server");
  const replyMsg = stored.find((m) => m.content === "my reply");
  const ownerMsg = stored.find((m) => m.content === "a message from the owner");
  assert.equal(replyMsg?.reply_to, ownerMsg?.id, "the reply points at the owner's message");
  assert.deepEqual(ownerMsg?.reactions ?? [], [], "the reaction was toggled off");
});

test("a member without a permission sees no button for it", async () => {
  const page = w.bobPage;
  // first(): a reply quoting it comes later in the list.
  const theirs = message(page, "general", "a message from the owner").first();
  const bar = await actions(theirs);
  assert.equal(await bar.getByRole("button", { name: "Edit" }).count(), 0, "no Edit on another's message");
  assert.equal(await bar.getByRole("button", { name: "Delete" }).count(), 0, "no Delete without messages:manage");
  await bar.getByRole("button", { name: "Reply" }).waitFor();

  // The owner's popover: no moderation buttons for a plain member.
  const members = page.getByRole("complementary", { name: "Members" });
  if (!(await members.isVisible())) await page.getByRole("button", { name: "Member list" }).click();
  await members.getByRole("button", { name: /^owner/ }).first().click();
  const pop = page.getByRole("dialog", { name: /^owner/ });
  await pop.waitFor();
  for (const name of ["Kick", "Ban", "Time out"]) {
    assert.equal(await pop.getByRole("button", { name }).count(), 0, `no ${name} for a plain member`);
  }
  await page.keyboard.press("Escape");

  // The owner (every permission) sees them on bob's message and popover.
  const owner = await newPage(s.browser, s.problems, { who: "owner", baseURL: s.daemon.url });
  w.ownerPage = owner.page;
  await logIn(owner.page, "owner");
  await openChannel(owner.page, "general");
  const bobs = message(owner.page, "general", "my reply");
  const ownerBar = await actions(bobs);
  await ownerBar.getByRole("button", { name: "Delete" }).waitFor();
  assert.equal(await ownerBar.getByRole("button", { name: "Edit" }).count(), 0, "no Edit on another's message, even for the owner");
  const ownerMembers = owner.page.getByRole("complementary", { name: "Members" });
  if (!(await ownerMembers.isVisible())) await owner.page.getByRole("button", { name: "Member list" }).click();
  await ownerMembers.getByRole("button", { name: /^bob/ }).first().click();
  const bobPop = owner.page.getByRole("dialog", { name: /^bob/ });
  for (const name of ["Kick", "Ban", "Time out"]) {
    await bobPop.getByRole("button", { name }).waitFor();
  }
  await screenshot(owner.page, "member-popover");
  await owner.page.keyboard.press("Escape");
});

test("an XSS payload in a message and a display name renders as text and runs nothing", async () => {
  const page = w.bobPage;
  const log = messages(page, "general");
  // The display name and the tags show literally.
  const evil = log.getByRole("article").filter({ hasText: "<img src=x onerror=window.__pwned=2>" });
  await evil.waitFor();
  await evil.getByText(XSS_NAME).first().waitFor();
  await evil.getByText("<script>window.__pwned=3</script>", { exact: false }).waitFor();
  assert.equal(await evil.locator("strong").filter({ hasText: "bold" }).count(), 1, "safe markdown still works");
  // Nothing ran, no element came from the text, no script link.
  const state = await page.evaluate(() => ({
    pwned: /** @type {any} */ (window).__pwned,
    imgs: document.querySelectorAll('img[src="x"], script:not([src])').length,
    jsLinks: [...document.querySelectorAll("a")].filter((a) => /^\s*javascript:/i.test(a.getAttribute("href") ?? "")).length,
  }));
  assert.deepEqual(state, { pwned: undefined, imgs: 0, jsLinks: 0 });
  // Clicking the would-be link runs nothing either.
  const link = evil.getByText("click me");
  if (await link.count()) {
    await link.first().click();
    assert.equal(await page.evaluate(() => /** @type {any} */ (window).__pwned), undefined);
  }
  // In the member list too.
  const members = page.getByRole("complementary", { name: "Members" });
  if (!(await members.isVisible())) await page.getByRole("button", { name: "Member list" }).click();
  await members.getByRole("button", { name: XSS_NAME }).first().waitFor();
  assert.equal(await page.evaluate(() => /** @type {any} */ (window).__pwned), undefined);
  assert.equal(await composer(page, "general").isVisible(), true);
  await screenshot(page, "xss-as-text");
});

test("every control in the chat has an accessible name", async () => {
  assert.deepEqual(await unnamedControls(w.bobPage), []);
  if (w.ownerPage) assert.deepEqual(await unnamedControls(w.ownerPage), []);
});
