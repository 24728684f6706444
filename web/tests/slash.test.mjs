// @ts-check
/**
 * @file Plugin slash commands in the composer, in a real browser (issue 16): typing `/` lists
 * the installed commands with description and plugin, filtered as you type; arrows and Tab
 * complete; the chosen command's option hints show; Esc closes; Enter runs a complete command
 * (`name:value` pairs, quotes allowed) and errors come back as words near the composer
 * (missing option, unknown command, plugin unavailable); a deferred command shows
 * "<plugin> is thinking…".
 *
 * The daemon side of plugins (`GET /commands`, `POST /channels/{id}/interactions`) is built
 * on branch `bots` in parallel: until it is merged these two routes are answered in the page
 * (Playwright `page.route`) with the wire contract's shapes (spectrus-proto interactions.rs),
 * the command list made from examples/plugin-echo's real manifest; everything else is the
 * real daemon.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { suite } from "./lib/suite.mjs";
import { newPage, screenshot } from "./lib/browser.mjs";
import { ROOT } from "./lib/daemon.mjs";
import { Api } from "./lib/api.mjs";
import { composer, logIn, openChannel } from "./lib/ui.mjs";

const s = suite();
const manifest = JSON.parse(readFileSync(join(ROOT, "examples/plugin-echo/spectrus-plugin.json"), "utf8"));
const COMMANDS = {
  commands: manifest.commands.map((/** @type {any} */ c) => ({
    plugin_id: manifest.id, plugin_name: manifest.name, bot_id: "1", ...c, options: c.options || [],
  })),
};

/** @type {{ page: import("playwright-core").Page, general: string, invoked: any[], answer: {status: number, body: any} }} */
const w = /** @type {any} */ ({ invoked: [] });

before(async () => {
  await s.ready;
  const owner = await new Api(s.daemon.url).claim();
  w.general = await owner.channelId("general");
  const { page } = await newPage(s.browser, s.problems, { who: "owner", baseURL: s.daemon.url });
  w.page = page;
  await page.route("**/api/v1/commands", (route) => route.fulfill({ json: COMMANDS }));
  await page.route("**/api/v1/channels/*/interactions", (route) => {
    w.invoked.push(route.request().postDataJSON());
    return route.fulfill({ status: w.answer.status, json: w.answer.body });
  });
  await logIn(page, "owner");
  await openChannel(page, "general");
});

const list = () => w.page.getByRole("listbox", { name: "Suggestions" });
const box = () => composer(w.page, "general");
const error = () => w.page.getByRole("alert");

test("typing / lists the plugin's commands with description and plugin, filtered as you type", async () => {
  await box().click();
  await box().pressSequentially("/");
  const options = list().getByRole("option");
  await options.first().waitFor();
  const texts = (await options.allTextContents()).map((t) => t.replace(/\s+/g, " ").trim());
  assert.equal(texts.length, 2, texts.join(" | "));
  assert.match(texts[0], /^\/echo ?Repeat text · Echo$/);
  assert.match(texts[1], /^\/slow ?Think for a second, then answer · Echo$/);
  assert.match(await list().innerText(), /COMMANDS/i);
  await screenshot(w.page, "slash-commands-list");
  await box().pressSequentially("sl");
  await options.filter({ hasText: "/echo" }).waitFor({ state: "detached" });
  assert.match(await options.first().innerText(), /^\/slow/);
  assert.equal(await options.count(), 1, "only /slow matches /sl");
  await box().press("Escape");
  await list().waitFor({ state: "detached" });
  assert.equal(await box().inputValue(), "/sl", "Esc closes the list and keeps the text");
  await box().fill("");
});

test("arrows and Tab complete the command, then its option hints show", async () => {
  await box().pressSequentially("/");
  await list().getByRole("option").first().waitFor();
  await box().press("ArrowDown");
  await box().press("ArrowUp");
  assert.equal(await list().getByRole("option", { selected: true }).locator("span").first().innerText(), "/echo");
  await box().press("Tab");
  assert.equal(await box().inputValue(), "/echo ");
  const hints = w.page.getByRole("status", { name: "Options of /echo" });
  await hints.waitFor();
  assert.match(await hints.innerText(), /text:\s*required string/);
  // The required option is offered at once; Tab writes its name.
  await list().getByRole("option", { name: /text:/ }).waitFor();
  await screenshot(w.page, "slash-option-hints");
  await box().press("Tab");
  assert.equal(await box().inputValue(), "/echo text:");
  await box().fill("");
});

test("Enter without a required option says which one is missing, and sends nothing", async () => {
  w.invoked.length = 0;
  await box().fill("/echo");
  await box().press("Escape");
  await box().press("End");
  await box().press("Space");
  await box().press("Escape");
  await box().press("Enter");
  await error().filter({ hasText: "Missing option text: (required by /echo)." }).waitFor();
  await screenshot(w.page, "slash-missing-option");
  assert.equal(w.invoked.length, 0);
  assert.equal(await box().inputValue(), "/echo ", "the text stays");
  await box().fill("");
});

test("a complete command is sent with its options parsed, quotes allowed; an unreachable plugin is said in words", async () => {
  w.invoked.length = 0;
  // The browser logs the refused request itself; that is the point of this test.
  const refused = /status of 502/;
  s.problems.allow(refused);
  w.answer = { status: 502, body: { error: { code: "plugin_unavailable", message: "The plugin did not answer." } } };
  await box().fill('/echo text:"hello there"');
  await box().press("Enter");
  await error().filter({ hasText: "Echo is not answering right now (plugin unavailable)" }).waitFor();
  assert.deepEqual(w.invoked, [{ command: "echo", options: { text: "hello there" } }]);
  assert.equal(await box().inputValue(), '/echo text:"hello there"', "the command stays to retry");
  await screenshot(w.page, "slash-plugin-unavailable");
  s.problems.disallow(refused);
  await box().fill("");
});

test("an unknown command is refused with words", async () => {
  w.invoked.length = 0;
  await box().fill("/nope now");
  await box().press("Enter");
  await error().filter({ hasText: "Unknown command /nope." }).waitFor();
  assert.equal(w.invoked.length, 0);
  await box().fill("");
});

test("a deferred command shows '<plugin> is thinking…' and clears the composer", async () => {
  w.invoked.length = 0;
  w.answer = { status: 200, body: { id: "999999999999999999", status: "deferred" } };
  await box().fill("/slow");
  await box().press("Escape");
  await box().press("End");
  await box().pressSequentially(" text:later");
  await box().press("Enter");
  await w.page.getByText("Echo is thinking…").waitFor();
  assert.deepEqual(w.invoked, [{ command: "slow", options: { text: "later" } }]);
  assert.equal(await box().inputValue(), "");
  await screenshot(w.page, "slash-thinking");
});
