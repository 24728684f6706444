// @ts-check
/**
 * @file Losing the server and the network: a message sent while the daemon is down shows
 * "Failed to send" and Retry delivers it once the daemon is back (no duplicate); with the
 * network cut (a proxy drops every connection and refuses new ones) the offline banner shows,
 * and when it comes back every message posted meanwhile appears, once, in order.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./lib/suite.mjs";
import { newPage, screenshot, eventually } from "./lib/browser.mjs";
import { startProxy } from "./lib/proxy.mjs";
import { Api } from "./lib/api.mjs";
import { composer, logIn, message, messages, openChannel, send } from "./lib/ui.mjs";

const s = suite();
/** Browser noise while the server is unreachable. */
const UNREACHABLE = /ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_SOCKET_NOT_CONNECTED|ERR_EMPTY_RESPONSE|ERR_NETWORK_CHANGED|WebSocket connection to .* failed|status of 50[23]|Failed to fetch/;

/** @type {{ owner: Api, general: string, proxy: import("./lib/proxy.mjs").Proxy, page: import("playwright-core").Page }} */
const w = /** @type {any} */ ({});

before(async () => {
  await s.ready;
  w.owner = await new Api(s.daemon.url).claim();
  await w.owner.invite("bob");
  w.general = await w.owner.channelId("general");
  w.proxy = await startProxy(s.daemon.port);
  const { page } = await newPage(s.browser, s.problems, { who: "bob", baseURL: w.proxy.url });
  w.page = page;
  await logIn(page, "bob");
  await openChannel(page, "general");
});

after(async () => {
  await w.proxy?.close();
});

/** @param {import("playwright-core").Page} page */
const offline = (page) => page.getByRole("status").filter({ hasText: "Offline — reconnecting…" });

test("a message sent while the daemon is down fails, and Retry sends it once after restart", async () => {
  const page = w.page;
  s.problems.allow(UNREACHABLE);
  try {
    await s.daemon.stop();
    await offline(page).waitFor({ timeout: 15_000 });
    await send(page, "general", "sent while the server was down");
    const pending = message(page, "general", "sent while the server was down");
    await pending.getByText("Failed to send").waitFor({ timeout: 30_000 });
    await screenshot(page, "failed-to-send");

    await s.daemon.start();
    await offline(page).waitFor({ state: "hidden", timeout: 30_000 });
    await pending.getByRole("button", { name: "Retry" }).click();
    await eventually(async () => (await pending.getByText(/Failed to send|Sending…/).count()) === 0, "the retried message to be sent", 15_000);
  } finally {
    s.problems.disallow(UNREACHABLE);
    if (!s.daemon.child) await s.daemon.start();
  }
  const stored = await w.owner.messages(w.general);
  assert.equal(stored.filter((m) => m.content === "sent while the server was down").length, 1, "stored once");
  await eventually(async () => (await message(page, "general", "sent while the server was down").count()) === 1, "shown once");
  // Still live afterwards.
  await w.owner.post(w.general, "after the restart");
  await message(page, "general", "after the restart").waitFor();
});

test("the network drops and comes back: nothing missed, nothing twice", async () => {
  const page = w.page;
  s.problems.allow(UNREACHABLE);
  try {
    await w.proxy.drop();
    await offline(page).waitFor({ timeout: 15_000 });
    await screenshot(page, "offline-banner");
    for (let i = 1; i <= 5; i++) await w.owner.post(w.general, `while offline ${i}`);
    await w.proxy.restore();
    await offline(page).waitFor({ state: "hidden", timeout: 30_000 });
  } finally {
    s.problems.disallow(UNREACHABLE);
    if (!w.proxy.server) await w.proxy.restore();
  }
  const log = messages(page, "general");
  for (let i = 1; i <= 5; i++) await log.getByText(`while offline ${i}`, { exact: true }).waitFor({ timeout: 15_000 });
  const seen = await log.evaluate((el) =>
    [...el.querySelectorAll("article")].map((a) => (a.textContent ?? "").match(/while offline \d/)?.[0]).filter(Boolean),
  );
  assert.deepEqual(seen, [1, 2, 3, 4, 5].map((i) => `while offline ${i}`), "each once, in order");
  await send(page, "general", "back online");
  await eventually(async () => (await w.owner.messages(w.general, 1))[0]?.content === "back online", "the message sent after the network came back");
  assert.equal(await composer(page, "general").isEnabled(), true);
});

test("a kicked member is told so, then sees the login screen", async () => {
  const page = w.page;
  const bobId = (await w.owner.call("GET", "/members")).find((/** @type {any} */ m) => m.user.username === "bob").user.id;
  // The gateway closes and the client's token dies with the session.
  const ended = /status of 401|WebSocket/;
  s.problems.allow(ended);
  try {
    await w.owner.call("DELETE", `/members/${bobId}`);
    const name = "You were removed from the server";
    const told = page.getByRole("alertdialog", { name }).or(page.getByRole("dialog", { name }));
    await told.waitFor({ timeout: 15_000 });
    await screenshot(page, "removed-dialog");
    await told.getByRole("button", { name: "OK" }).click();
    await page.getByRole("heading", { name: "Welcome back" }).waitFor();
  } finally {
    s.problems.disallow(ended);
  }
});
