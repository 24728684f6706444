// @ts-check
/**
 * @file The chat's finer parts between two members: the typing line, mentions of me
 * highlighted, the "New messages" divider at my last read position, a message link
 * `/channels/<cid>/<mid>` opening the channel at that (old) message, composer completion of
 * `@` members, `#` channels and `:` emoji, Up to edit my last message and Esc to cancel, the
 * character counter near the limit and oversized input refused before sending, and the
 * composer disabled with the reason while I am timed out.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./lib/suite.mjs";
import { newPage, eventually, screenshot } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { logIn, openChannel, messages, message, composer, send } from "./lib/ui.mjs";

const s = suite();
/** @type {Api} */ let owner;
/** @type {Api} */ let bob;
/** @type {Record<string, string>} */ const ids = {};
/** @type {{ page: import("playwright-core").Page, context: import("playwright-core").BrowserContext }} */ let O;
/** @type {{ page: import("playwright-core").Page, context: import("playwright-core").BrowserContext }} */ let B;

before(async () => {
  await s.ready;
  owner = await new Api(s.daemon.url).claim();
  bob = await owner.invite("bob", { display_name: "Bob" });
  ids.general = await owner.channelId("general");
  ids.other = (await owner.call("POST", "/channels", { name: "other", type: "text" })).id;
  O = await newPage(s.browser, s.problems, { who: "owner", baseURL: s.daemon.url });
  B = await newPage(s.browser, s.problems, { who: "bob", baseURL: s.daemon.url });
  await logIn(O.page, "owner");
  await logIn(B.page, "bob");
});

after(async () => {
  await O?.context.close();
  await B?.context.close();
});

test("typing line: the other member sees 'Bob is typing…', and it ends with the message", async () => {
  await openChannel(O.page, "general");
  await openChannel(B.page, "general");
  const line = O.page.getByText("Bob is typing…");
  assert.equal(await line.count(), 0);
  await composer(B.page, "general").pressSequentially("hello th", { delay: 20 });
  await line.waitFor();
  await screenshot(O.page, "typing");
  await composer(B.page, "general").press("Enter");
  await message(O.page, "general", "hello th").waitFor();
  await line.waitFor({ state: "hidden" });
});

test("the New messages divider at my read position and mentions of me highlighted", async () => {
  await B.page.bringToFront();
  await openChannel(B.page, "general");
  await owner.post(ids.general, "already read");
  await message(B.page, "general", "already read").waitFor();
  // Bob's read position reaches the server (acks go out at most once a second).
  await B.page.waitForTimeout(1500);
  await openChannel(B.page, "other");
  await owner.post(ids.general, "first unread");
  await owner.post(ids.general, `hey <@${bob.user.id}> look`);
  await owner.post(ids.general, "second unread");
  await openChannel(B.page, "general");
  const log = messages(B.page, "general");
  const divider = log.getByRole("separator", { name: "New messages" });
  await divider.waitFor();
  // The divider sits right before the first unread message.
  const order = await log.evaluate((el) =>
    [...el.querySelectorAll("article, [role=separator]")].map((n) =>
      n.getAttribute("aria-label") === "New messages" ? "DIVIDER" : (n.textContent ?? "").match(/already read|first unread|second unread/)?.[0] ?? "",
    ).filter(Boolean),
  );
  const at = order.indexOf("DIVIDER");
  assert.deepEqual(order.slice(at - 1, at + 2), ["already read", "DIVIDER", "first unread"]);
  // The first unread message starts a new group: its author is shown again.
  await message(B.page, "general", "first unread").getByText("owner", { exact: true }).waitFor();
  const mention = message(B.page, "general", "look");
  assert.match((await mention.getAttribute("class")) ?? "", /\bmentioned\b/, "a mention of me is highlighted");
  assert.doesNotMatch((await message(B.page, "general", "second unread").getAttribute("class")) ?? "", /\bmentioned\b/);
  // The highlight is visible: another background than a plain message.
  const bg = (/** @type {import("playwright-core").Locator} */ l) => l.evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.notEqual(await bg(mention), await bg(message(B.page, "general", "second unread")));
  await screenshot(B.page, "new-messages-divider");
});

test("a message link /channels/<cid>/<mid> opens the channel at that message (loaded with around=)", async () => {
  /** @type {any[]} */
  const posted = [];
  for (let i = 1; i <= 250; i++) posted.push(await owner.post(ids.other, `linked history ${String(i).padStart(3, "0")}`));
  // Zero-padded, so no text is a prefix of another ("020" is not in "201").
  const target = posted[19]; // far older than the newest page
  await O.page.goto(`/channels/${ids.other}/${target.id}`);
  const art = message(O.page, "other", "linked history 020");
  await art.waitFor({ timeout: 20_000 });
  await eventually(async () => {
    const box = await art.boundingBox();
    const log = await messages(O.page, "other").boundingBox();
    return !!box && !!log && box.y >= log.y && box.y + box.height <= log.y + log.height;
  }, "the linked message in view");
  assert.equal(await message(O.page, "other", "linked history 250").count(), 0, "the newest end is not loaded");
  await screenshot(O.page, "message-link");
  // "Jump to present" brings the live end back.
  await O.page.getByRole("button", { name: "Jump to present" }).click();
  await message(O.page, "other", "linked history 250").waitFor();
});

test("composer completion: @ members, # channels, : emoji", async () => {
  await openChannel(O.page, "general");
  const box = composer(O.page, "general");
  const list = O.page.getByRole("listbox", { name: "Suggestions" });
  await box.fill("");
  await box.pressSequentially("hi @bo");
  await list.getByRole("option", { name: /Bob/ }).waitFor();
  await screenshot(O.page, "autocomplete-members");
  await box.press("Enter");
  await eventually(async () => (await box.inputValue()) === `hi <@${bob.user.id}> `, "the mention inserted");
  await box.pressSequentially("see #oth");
  await list.getByRole("option", { name: "#other" }).waitFor();
  await box.press("Tab");
  await eventually(async () => (await box.inputValue()).endsWith(`see <#${ids.other}> `), "the channel inserted");
  await box.pressSequentially(":thumbsu");
  await list.getByRole("option", { name: /:thumbsup:/ }).waitFor();
  await box.press("Enter");
  await eventually(async () => (await box.inputValue()).includes("👍"), "the emoji inserted");
  await list.waitFor({ state: "hidden" });
  await box.press("Enter");
  const sent = message(O.page, "general", "👍");
  await sent.waitFor();
  await sent.getByText("@Bob").waitFor();
  await sent.getByText("#other").waitFor();
  const [last] = await owner.messages(ids.general, 1);
  assert.equal(last.content, `hi <@${bob.user.id}> see <#${ids.other}> 👍`);
});

test("Up edits my last message, Esc cancels, Enter saves", async () => {
  await openChannel(O.page, "general");
  await send(O.page, "general", "edit me by arrow");
  await message(O.page, "general", "edit me by arrow").waitFor();
  const box = composer(O.page, "general");
  await box.press("ArrowUp");
  const edit = O.page.getByRole("textbox", { name: "Edit message" });
  await edit.waitFor();
  assert.equal(await edit.inputValue(), "edit me by arrow");
  await edit.fill("changed and cancelled");
  await edit.press("Escape");
  await edit.waitFor({ state: "detached" });
  await message(O.page, "general", "edit me by arrow").waitFor();
  await eventually(async () => box.evaluate((el) => el === document.activeElement), "focus back in the composer");
  await box.press("ArrowUp");
  assert.equal(await edit.inputValue(), "edit me by arrow", "the box opens with the message's text");
  await edit.fill("edited by arrow");
  await edit.press("Enter");
  await message(O.page, "general", "edited by arrow").getByText("(edited)").waitFor();
  const [last] = await owner.messages(ids.general, 1);
  assert.equal(last.content, "edited by arrow");
});

test("the counter near the limit, and an oversized message refused before it is sent", async () => {
  const server = await owner.call("GET", "/server");
  const limit = server.message_max_chars || 4000;
  await openChannel(O.page, "general");
  const box = composer(O.page, "general");
  const before = (await owner.messages(ids.general, 1))[0].id;
  await box.fill("x".repeat(limit - 300));
  await box.pressSequentially("y");
  const counter = O.page.locator(".counter");
  assert.equal(await counter.count(), 0, "no counter far from the limit");
  await box.fill("x".repeat(limit - 10));
  await box.pressSequentially("y");
  await O.page.getByTitle(`${limit - 9} of ${limit} characters`).waitFor();
  await box.fill("x".repeat(limit + 5));
  await box.pressSequentially("z");
  await O.page.getByTitle(`${limit + 6} of ${limit} characters`).waitFor();
  await box.press("Enter");
  const alert = O.page.getByRole("alert").filter({ hasText: "Your message is too long" });
  await alert.waitFor();
  assert.match((await alert.textContent()) ?? "", new RegExp(`${limit + 6} of at most ${limit} characters`));
  await screenshot(O.page, "composer-too-long");
  await O.page.waitForTimeout(500);
  assert.equal((await owner.messages(ids.general, 1))[0].id, before, "nothing was sent");
  assert.equal((await box.inputValue()).length, limit + 6, "the text is kept for trimming");
  await box.fill("");
  await alert.waitFor({ state: "detached" });
});

test("a timed-out member sees the composer disabled with the reason", async () => {
  await openChannel(B.page, "general");
  const until = new Date(Date.now() + 3600_000).toISOString();
  await owner.call("PATCH", `/members/${bob.user.id}`, { timeout_until: until });
  const box = composer(B.page, "general");
  await eventually(async () => box.isDisabled(), "the composer disabled");
  await B.page.getByText(/^You are timed out until /).waitFor();
  assert.equal(await B.page.getByRole("button", { name: "Send message" }).isDisabled(), true);
  await screenshot(B.page, "composer-timed-out");
  await owner.call("PATCH", `/members/${bob.user.id}`, { timeout_until: null });
  await eventually(async () => !(await box.isDisabled()), "the composer enabled again");
  assert.equal(await B.page.getByText(/^You are timed out until /).count(), 0);
});
