// @ts-check
/**
 * @file Plugin slash commands in a real browser, end to end (issue 16): the example plugin
 * (examples/plugin-echo, the real binary) is installed through the admin socket from a local
 * fake of GitHub's raw-content host and answers as the daemon's signed webhooks reach it.
 * Typing `/` lists the installed commands with description and plugin, filtered as you type;
 * arrows and Tab complete; the chosen command's option hints show; Esc closes; Enter runs a
 * complete command (`name:value` pairs, quotes allowed) and the answer appears from the
 * plugin's bot with a BOT badge (also in the member list); a deferred command shows
 * "Echo is thinking…" until the bot's follow-up arrives; errors come back as words near the
 * composer (missing option, unknown command, plugin unavailable).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { once } from "node:events";
import { join } from "node:path";
import { suite } from "./lib/suite.mjs";
import { fakeRawHost } from "./lib/rawhost.mjs";
import { newPage, screenshot, eventually } from "./lib/browser.mjs";
import { ROOT, freePort } from "./lib/daemon.mjs";
import { admin } from "./lib/admin.mjs";
import { Api } from "./lib/api.mjs";
import { composer, logIn, message, openChannel, send } from "./lib/ui.mjs";

const PLUGIN_BIN = process.env.PLUGIN_ECHO_BIN || join(ROOT, "target/debug/plugin-echo");
// `cargo test --workspace` builds it; by hand: `cargo build -p plugin-echo`.
assert.ok(existsSync(PLUGIN_BIN), `${PLUGIN_BIN} is missing: run cargo build -p plugin-echo`);
const pluginPort = await freePort();
const manifest = JSON.parse(readFileSync(join(ROOT, "examples/plugin-echo/spectrus-plugin.json"), "utf8"));
manifest.webhook_url = `http://127.0.0.1:${pluginPort}/webhook`;

// A fake of GitHub's raw-content host serving the manifest as acme/echo at HEAD.
const rawHost = await fakeRawHost("acme/echo", manifest);

// The plugin runs on this host, so its webhook is on loopback: the operator allows it.
const s = suite({ env: { SPECTRUS_GITHUB_RAW_URL: rawHost.url, SPECTRUS_PLUGINS_ALLOW_PRIVATE_WEBHOOKS: "true" } });

/** @type {{ page: import("playwright-core").Page, owner: Api, plugin: import("node:child_process").ChildProcess, pluginUrl: string }} */
const w = /** @type {any} */ ({});

before(async () => {
  await s.ready;
  w.owner = await new Api(s.daemon.url).claim();
  const installed = await admin(s.daemon, "POST", "/plugins", { source: "acme/echo" });
  assert.equal(installed.plugin.id, "echo");
  assert.ok(installed.bot_token, "a new install shows the bot token");
  w.plugin = spawn(PLUGIN_BIN, [
    `--listen=127.0.0.1:${pluginPort}`, `--public-key=${installed.public_key}`,
    `--bot-token=${installed.bot_token}`, `--api=${s.daemon.url}`, "--slow-ms=2500",
  ], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = once(w.plugin, "exit").then(([code]) => { throw new Error(`plugin-echo exited (${code}) before listening`); });
  const [line] = await Promise.race([once(createInterface({ input: /** @type {any} */ (w.plugin.stdout) }), "line"), exited]);
  assert.match(line, /^listening on /);
  w.pluginUrl = `http://127.0.0.1:${pluginPort}`;
  const { page } = await newPage(s.browser, s.problems, { who: "owner", baseURL: s.daemon.url });
  w.page = page;
  await logIn(page, "owner");
  await openChannel(page, "general");
});

after(() => {
  w.plugin?.kill();
  rawHost.close();
});

const list = () => w.page.getByRole("listbox", { name: "Suggestions" });
const box = () => composer(w.page, "general");
const error = () => w.page.getByRole("alert");
/** The composer's text becomes `v` (it renders on the next frame). @param {string} v */
const valueIs = (v) => eventually(async () => (await box().inputValue()) === v, `the composer to read ${JSON.stringify(v)}`);

test("the bot's own role does not tick the owner's 'Make a role for your moderators'", async () => {
  const checklist = w.page.getByRole("region", { name: "Set up your server" });
  await checklist.getByRole("button", { name: "Make a role for your moderators", exact: true }).waitFor();
  assert.equal(await checklist.getByRole("button", { name: "Make a role for your moderators (done)" }).count(), 0);
});

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
  await valueIs("/sl");
  await box().fill("");
});

test("arrows and Tab complete the command, then its option hints show", async () => {
  await box().pressSequentially("/");
  await list().getByRole("option").first().waitFor();
  /** @param {RegExp} name */
  const selected = (name) => list().getByRole("option", { selected: true, name }).waitFor();
  await selected(/^\/echo/);
  await box().press("ArrowDown");
  await selected(/^\/slow/);
  await box().press("ArrowUp");
  await selected(/^\/echo/);
  await box().press("Tab");
  await valueIs("/echo ");
  const hints = w.page.getByRole("status", { name: "Options of /echo" });
  await hints.waitFor();
  assert.match(await hints.innerText(), /text:\s*required string/);
  // The required option is offered at once; Tab writes its name.
  await list().getByRole("option", { name: /text:/ }).waitFor();
  await screenshot(w.page, "slash-option-hints");
  await box().press("Tab");
  await valueIs("/echo text:");
  await box().fill("");
});

/** What plugin-echo received and verified (its test aid, `GET /received`). @returns {Promise<any[]>} */
async function received() {
  return (await fetch(`${w.pluginUrl}/received`)).json();
}
/** @param {any[]} list */
const commandsIn = (list) => list.filter((d) => d.body.type === 2).map((d) => ({ command: d.body.command, options: d.body.options }));

test("Enter without a required option says which one is missing, and sends nothing", async () => {
  await box().fill("/echo ");
  // The missing required option is offered; Esc closes the offer, then Enter sends.
  await list().getByRole("option", { name: /text:/ }).waitFor();
  await box().press("Escape");
  await list().waitFor({ state: "detached" });
  await box().press("Enter");
  await error().filter({ hasText: "Missing option text: (required by /echo)." }).waitFor();
  await screenshot(w.page, "slash-missing-option");
  await valueIs("/echo ");
  assert.deepEqual(commandsIn(await received()), []);
  await box().fill("");
});

test("an unknown command is refused with words", async () => {
  await box().fill("/nope now");
  await box().press("Enter");
  await error().filter({ hasText: "Unknown command /nope." }).waitFor();
  assert.deepEqual(commandsIn(await received()), []);
  await box().fill("");
});

test("a message that starts with // is sent as text starting with one slash", async () => {
  await box().fill("//echo is not a command here");
  await box().press("Enter");
  await message(w.page, "general", "/echo is not a command here").waitFor();
  assert.equal(await message(w.page, "general", "//echo").count(), 0);
  assert.deepEqual(commandsIn(await received()), []);
});

test("a complete command runs, quotes allowed, and the answer comes from the plugin's bot with a BOT badge", async () => {
  await box().fill('/echo text:"hello there"');
  await box().press("Enter");
  const answer = message(w.page, "general", "hello there");
  await answer.waitFor();
  assert.match(await answer.innerText(), /Echo\s*BOT/);
  await valueIs("");
  assert.deepEqual(commandsIn(await received()), [{ command: "echo", options: { text: "hello there" } }]);
  // The bot is a member, marked as a bot in the member list too.
  const members = w.page.getByRole("complementary", { name: "Members" });
  await members.getByRole("button", { name: /Echo/ }).getByText("BOT").waitFor();
  await screenshot(w.page, "slash-echo-answer");
});

test("the plugin receives the events it subscribed to, signed (it refuses anything else)", async () => {
  await send(w.page, "general", "a message for the bot to see");
  await message(w.page, "general", "a message for the bot to see").waitFor();
  await eventually(async () => (await received()).some((d) => d.event === "MESSAGE_CREATE"
    && d.body.data && d.body.data.content === "a message for the bot to see"), "the MESSAGE_CREATE delivery");
});

test("a deferred command shows 'Echo is thinking…' until the bot's follow-up arrives", async () => {
  await box().fill("/slow text:pondered");
  await box().press("Enter");
  const thinking = w.page.getByRole("status").filter({ hasText: "Echo is thinking…" });
  await thinking.waitFor();
  await valueIs("");
  await screenshot(w.page, "slash-thinking");
  const answer = message(w.page, "general", "pondered");
  await answer.waitFor({ timeout: 15_000 });
  await thinking.waitFor({ state: "detached" });
  assert.match(await answer.innerText(), /Echo\s*BOT/);
  await screenshot(w.page, "slash-followup");
});

test("a plugin that does not answer is said in words, and the command stays to retry", async () => {
  w.plugin.kill();
  await once(w.plugin, "exit");
  // The browser logs the refused request itself; that is the point of this test.
  const refused = /status of 502/;
  s.problems.allow(refused);
  await box().fill("/echo text:anyone");
  await box().press("Enter");
  await error().filter({ hasText: "Echo is not answering right now (plugin unavailable)" }).waitFor({ timeout: 15_000 });
  await valueIs("/echo text:anyone");
  await screenshot(w.page, "slash-plugin-unavailable");
  s.problems.disallow(refused);
  await box().fill("");
});

test("the plugin's role is read-only: a note names the plugin, nothing to rename, delete, grant or assign", async () => {
  await w.page.goto("/server-settings/roles");
  const view = w.page.getByRole("dialog", { name: "Server settings" });
  await view.getByRole("button", { name: "Echo, 1 member, managed by the plugin echo", exact: true }).click();
  const editor = view.getByRole("region", { name: "Edit role Echo" });
  await editor.getByRole("note").filter({ hasText: "Managed by the plugin echo" }).waitFor();
  assert.ok(await editor.getByRole("textbox", { name: "Role name" }).isDisabled());
  for (const name of ["Save role", "Delete role", "Remove Echo from Echo", "Add"]) {
    assert.equal(await editor.getByRole("button", { name, exact: true }).count(), 0, `no ${name} button`);
  }
  assert.equal(await editor.getByRole("combobox", { name: "Add a member" }).count(), 0);
  const switches = await editor.getByRole("switch").all();
  assert.ok(switches.length > 5, "the permission switches are shown");
  for (const sw of switches) assert.ok(await sw.isDisabled(), `${await sw.getAttribute("id")} is disabled`);
  assert.ok(await editor.getByRole("switch", { name: "Send messages" }).isChecked(), "what the plugin holds is shown");
  await screenshot(w.page, "settings-role-managed");
  // Nor is it offered when managing a member.
  await view.getByRole("tab", { name: "Members" }).click();
  await view.getByRole("button", { name: "Manage Echo" }).click();
  const dialog = w.page.getByRole("dialog", { name: "Manage Echo" });
  const box = dialog.getByRole("checkbox", { name: /Echo.*managed by the plugin echo/ });
  assert.ok(await box.isDisabled());
  assert.ok(await box.isChecked());
});
