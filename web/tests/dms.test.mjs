// @ts-check
/**
 * @file Direct messages in real browsers (issue 17): alice messages bob from his profile in
 * the member list; bob sees the unread conversation in "Direct Messages" and replies live;
 * carol, not in it, gets the not-found state at its URL; bob blocks alice and her messages
 * collapse ("Blocked message" — Show), and follow a block or unblock made on another device
 * live; the Privacy setting turns DMs from members off; a
 * group is made with "New group"; either participant pins and unpins, and the other sees it
 * under "Pinned messages".
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./lib/suite.mjs";
import { newPage, screenshot, eventually } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { actions, logIn } from "./lib/ui.mjs";

const s = suite();

/** @typedef {import("playwright-core").Page} Page */
/** @type {{ owner: Api, alice: Api, bob: Api, carol: Api, a: Page, b: Page, c: Page, dm: string }} */
const w = /** @type {any} */ ({});

/** @param {Page} page */
const dmNav = (page) => page.getByRole("navigation", { name: "Direct Messages" });
/** @param {Page} page @param {string} name */
const log = (page, name) => page.getByRole("log", { name: `Messages in @${name}` });
/** @param {Page} page @param {string} name */
const box = (page, name) => page.getByRole("textbox", { name: `Message @${name}` });

before(async () => {
  await s.ready;
  w.owner = await new Api(s.daemon.url).claim();
  w.alice = await w.owner.invite("alice");
  w.bob = await w.owner.invite("bob");
  w.carol = await w.owner.invite("carol");
  for (const who of ["alice", "bob", "carol"]) {
    const { page } = await newPage(s.browser, s.problems, { who, baseURL: s.daemon.url });
    await logIn(page, who);
    /** @type {any} */ (w)[who[0]] = page;
  }
});

test("the Direct Messages section starts empty with a hint", async () => {
  await dmNav(w.a).getByText("No conversations yet — message someone from the member list.").waitFor();
  await screenshot(w.a, "dm-empty");
});

test("alice messages bob from the member list; bob sees it unread and replies live", async () => {
  const a = w.a;
  await a.getByRole("complementary", { name: "Members" }).getByRole("button", { name: "bob" }).click();
  await a.getByRole("dialog", { name: "bob" }).getByRole("button", { name: "Message", exact: true }).click();
  await log(a, "bob").waitFor();
  assert.match(new URL(a.url()).pathname, /^\/channels\/\d+$/);
  w.dm = new URL(a.url()).pathname.split("/")[2];
  await box(a, "bob").fill("hi bob, a secret");
  await box(a, "bob").press("Enter");
  await log(a, "bob").getByRole("article").filter({ hasText: "hi bob, a secret" }).waitFor();

  // Bob: the conversation appears with an unread count, opens, and his reply reaches alice.
  const b = w.b;
  const item = dmNav(b).getByRole("link", { name: "alice, 1 unread" });
  await item.waitFor();
  // An unread DM counts in the tab title like a mention.
  await eventually(async () => /^\(1\) /.test(await b.title()), "the tab title to count the DM");
  await screenshot(b, "dm-unread");
  await item.click();
  await log(b, "alice").getByRole("article").filter({ hasText: "hi bob, a secret" }).waitFor();
  await box(b, "alice").fill("hello alice");
  await box(b, "alice").press("Enter");
  await log(a, "bob").getByRole("article").filter({ hasText: "hello alice" }).waitFor();
  await dmNav(a).getByRole("link", { name: /^bob/ }).waitFor();
  await screenshot(a, "dm-conversation");
});

test("at phone width the conversations are in the channels drawer and the DM view fits", async () => {
  const { page } = await newPage(s.browser, s.problems, { who: "bob-phone", baseURL: s.daemon.url, width: 390, height: 844 });
  await logIn(page, "bob");
  await page.goto(`/channels/${w.dm}`);
  await log(page, "alice").getByRole("article").filter({ hasText: "hello alice" }).waitFor();
  await screenshot(page, "dm-conversation-390");
  await page.getByRole("button", { name: "Open channels" }).click();
  await dmNav(page).getByRole("link", { name: /^alice/ }).waitFor();
  await screenshot(page, "dm-drawer-390");
  await page.close();
});

test("the quick switcher finds a conversation by name", async () => {
  const a = w.a;
  await a.keyboard.press("Control+k");
  const box = a.getByRole("combobox", { name: "Search channels" });
  await box.fill("bo");
  await a.getByRole("option", { name: /@bob/ }).waitFor();
  await box.press("Enter");
  await log(a, "bob").waitFor();
});

test("bob pins alice's message in their conversation; she finds it under Pinned messages and unpins it", async () => {
  const b = w.b;
  const theirs = log(b, "alice").getByRole("article").filter({ hasText: "hi bob, a secret" });
  await (await actions(theirs)).getByRole("button", { name: "Pin message" }).click();
  await b.getByText("Message pinned").waitFor();
  const a = w.a;
  await a.getByRole("button", { name: "Pinned messages" }).click();
  const panel = a.getByRole("complementary", { name: "Pinned messages" });
  const entry = panel.getByRole("button", { name: "Jump to pinned message by alice" });
  await entry.waitFor();
  assert.match(await entry.innerText(), /hi bob, a secret/);
  await screenshot(a, "dm-pins");
  await panel.getByRole("button", { name: "Close pins" }).click();
  await panel.waitFor({ state: "detached" });
  const mine = log(a, "bob").getByRole("article").filter({ hasText: "hi bob, a secret" });
  await (await actions(mine)).getByRole("button", { name: "Unpin message" }).click();
  await a.getByText("Message unpinned").waitFor();
  await b.getByRole("button", { name: "Pinned messages" }).click();
  await b.getByRole("complementary", { name: "Pinned messages" }).getByText("This channel has no pinned messages yet.").waitFor();
  await b.getByRole("button", { name: "Pinned messages" }).click();
});

test("carol, not in the conversation, gets the not-found state at its URL and no list entry", async () => {
  const c = w.c;
  await c.goto(`/channels/${w.dm}`);
  await c.getByRole("heading", { name: "Channel not found" }).waitFor();
  assert.equal(await c.getByRole("log", { name: /Messages in/ }).count(), 0);
  assert.equal(await dmNav(c).getByRole("link").count(), 0);
  assert.equal(await c.getByText("hi bob, a secret").count(), 0);
  await screenshot(c, "dm-not-found");
});

test("New group makes a group conversation of the chosen members", async () => {
  const a = w.a;
  await dmNav(a).getByRole("button", { name: "New group" }).click();
  const dlg = a.getByRole("dialog", { name: "New group" });
  await dlg.getByRole("checkbox", { name: "bob" }).check();
  await dlg.getByRole("checkbox", { name: "owner" }).check();
  await screenshot(a, "dm-new-group");
  await dlg.getByRole("button", { name: "Create group" }).click();
  await log(a, "bob, owner").or(log(a, "owner, bob")).first().waitFor();
  await a.getByText("Group · 3 people").waitFor();
});

test("bob blocks alice: her messages collapse and she can no longer post", async () => {
  const b = w.b;
  await b.getByRole("button", { name: "Block alice" }).click();
  await b.getByRole("button", { name: "Unblock alice" }).waitFor();
  const collapsed = log(b, "alice").getByRole("article", { name: "Blocked message from alice" });
  await collapsed.first().waitFor();
  assert.equal(await log(b, "alice").getByText("hi bob, a secret").count(), 0);
  await screenshot(b, "dm-blocked");
  await collapsed.first().getByRole("button", { name: "Show" }).click();
  await log(b, "alice").getByText("hi bob, a secret").waitFor();
  // Alice's post is refused by the server (403, expected in the console), in words.
  s.problems.allow(/status of 403/);
  const a = w.a;
  await dmNav(a).getByRole("link", { name: /^bob$/ }).click();
  await box(a, "bob").fill("are you there?");
  await box(a, "bob").press("Enter");
  await a.getByText(/has blocked/).first().waitFor();
  await screenshot(a, "dm-refused");
  assert.deepEqual((await w.bob.call("GET", "/users/@me/blocks")).map((/** @type {any} */ u) => u.username), ["alice"]);
});

test("bob unblocks alice on another device: this page shows her messages again at once", async () => {
  const b = w.b;
  await w.bob.call("DELETE", `/users/@me/blocks/${w.alice.user.id}`);
  await b.getByRole("button", { name: "Block alice" }).waitFor();
  await log(b, "alice").getByText("hi bob, a secret").waitFor();
  assert.equal(await log(b, "alice").getByRole("article", { name: "Blocked message from alice" }).count(), 0);
  // And blocked again elsewhere, blocked here again.
  await w.bob.call("PUT", `/users/@me/blocks/${w.alice.user.id}`);
  await b.getByRole("button", { name: "Unblock alice" }).waitFor();
});

test("the Privacy setting turns DMs from members off", async () => {
  const c = w.c;
  await c.goto("/");
  await c.getByRole("button", { name: "User settings" }).click();
  await c.getByRole("tab", { name: "Privacy" }).click();
  const sw = c.getByRole("switch", { name: "Allow direct messages from members" });
  assert.equal(await sw.isChecked(), true);
  await sw.click();
  await screenshot(c, "dm-privacy");
  for (let i = 0; i < 50 && (await w.carol.call("GET", "/users/@me/settings")).allow_dms; i++) await c.waitForTimeout(100);
  assert.equal((await w.carol.call("GET", "/users/@me/settings")).allow_dms, false);
  await c.keyboard.press("Escape");
});

