// @ts-check
/**
 * @file First run and joining: the owner claims a fresh server through the UI, creates an
 * invite from the server menu, a second browser context opens the invite link, registers,
 * and both chat live. Screenshots: claim, chat (desktop), invite dialog, invite landing,
 * login.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./lib/suite.mjs";
import { newPage, screenshot } from "./lib/browser.mjs";
import { PASSWORD, SETUP_CODE } from "./lib/daemon.mjs";
import { channels, composer, message, messages, openChannel, send, unnamedControls } from "./lib/ui.mjs";

const s = suite();

/** Shared between the steps of this file (they run in order). */
const ctx = /** @type {{ owner: import("playwright-core").Page, invite: string }} */ ({});

test("a fresh server is claimed with the setup code", async () => {
  const { page } = await newPage(s.browser, s.problems, { who: "owner", baseURL: s.daemon.url });
  ctx.owner = page;
  await page.goto("/");
  await page.getByRole("heading", { name: "Claim this server" }).waitFor();
  assert.deepEqual(await unnamedControls(page), [], "every control on the claim view has a name");
  await screenshot(page, "claim");

  // A wrong code is refused in words, near the form.
  await page.getByLabel("Setup code", { exact: true }).fill("WRONG-CODE");
  await page.getByLabel("Username", { exact: true }).fill("owner");
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  s.problems.allow(/status of 403/);
  await page.getByRole("button", { name: "Claim server" }).click();
  await page.getByRole("alert").filter({ hasText: /setup code/i }).waitFor();

  await page.getByLabel("Setup code", { exact: true }).fill(SETUP_CODE);
  await page.getByRole("button", { name: "Claim server" }).click();
  await channels(page).waitFor();
  await openChannel(page, "general");
  await composer(page, "general").waitFor();
  assert.deepEqual(await unnamedControls(page), [], "every control in the chat has a name");
  await screenshot(page, "chat-desktop");
});

test("the owner creates an invite link from the server menu", async () => {
  const page = ctx.owner;
  const name = (await (await fetch(`${s.daemon.url}/api/v1/server`)).json()).name;
  await page.getByRole("button", { name }).click();
  await page.getByRole("menu").getByRole("menuitem", { name: "Invite people" }).click();
  const dialog = page.getByRole("dialog", { name: "Invite people" });
  await dialog.waitFor();
  const link = dialog.getByRole("textbox", { name: "Invite link" });
  await page.waitForFunction(() => {
    const el = document.querySelector("input[readonly]");
    return el instanceof HTMLInputElement && el.value.includes("/invite/");
  });
  ctx.invite = await link.inputValue();
  assert.match(ctx.invite, new RegExp(`^${s.daemon.url}/invite/[A-Za-z0-9_-]+$`));
  assert.equal(await link.getAttribute("readonly"), "", "the link is read-only");
  await dialog.getByRole("button", { name: "Copy link" }).waitFor();
  assert.deepEqual(await unnamedControls(page), [], "every control in the invite dialog has a name");
  await screenshot(page, "invite-dialog");
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
});

test("a second person opens the invite link, registers, and both chat live", async () => {
  const { page: bob } = await newPage(s.browser, s.problems, { who: "bob" });
  await bob.goto(ctx.invite);
  const server = (await (await fetch(`${s.daemon.url}/api/v1/server`)).json()).name;
  await bob.getByRole("heading", { name: server }).waitFor();
  await bob.getByText(/1 member/).waitFor();
  assert.deepEqual(await unnamedControls(bob), [], "every control on the invite landing has a name");
  await screenshot(bob, "invite-landing");
  await bob.getByLabel("Username", { exact: true }).fill("bob");
  await bob.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await bob.getByRole("button", { name: "Create account" }).click();
  await channels(bob).waitFor();
  await openChannel(bob, "general");

  await send(ctx.owner, "general", "hello bob, welcome");
  await message(bob, "general", "hello bob, welcome").waitFor();
  await send(bob, "general", "thanks, owner!");
  await message(ctx.owner, "general", "thanks, owner!").waitFor();
  // Each message appears once on each side.
  assert.equal(await message(bob, "general", "hello bob, welcome").count(), 1);
  assert.equal(await message(ctx.owner, "general", "thanks, owner!").count(), 1);
  assert.equal(await messages(bob, "general").getByText("Sending…").count(), 0);
  await bob.context().close();
});

test("the login screen logs an existing member in", async () => {
  const { page } = await newPage(s.browser, s.problems, { who: "login", baseURL: s.daemon.url });
  await page.goto("/login");
  await page.getByRole("heading", { name: "Welcome back" }).waitFor();
  await page.getByRole("link", { name: "Register" }).waitFor();
  assert.deepEqual(await unnamedControls(page), [], "every control on the login view has a name");
  await screenshot(page, "login");
  await page.getByLabel("Username", { exact: true }).fill("bob");
  await page.getByLabel("Password", { exact: true }).fill("not the password");
  s.problems.allow(/status of 401/);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("alert").waitFor();
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await channels(page).waitFor();
  await page.context().close();
});
