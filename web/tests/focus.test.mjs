// @ts-check
/**
 * @file Where the focus goes when a channel opens: to its message box, unless the person put
 * it somewhere since the channel was opened (Ctrl+F's search box, a link they tabbed to), and
 * back from the server settings to the server menu's button.
 */
import { test, before } from "node:test";
import { suite } from "./lib/suite.mjs";
import { newPage, eventually } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { channels, composer, logIn, messages, openChannel } from "./lib/ui.mjs";

/** @typedef {import("playwright-core").Locator} Locator */

const s = suite();

/** @type {{ owner: Api, server: string }} */
const w = /** @type {any} */ ({});

before(async () => {
  await s.ready;
  w.owner = await new Api(s.daemon.url).claim();
  await w.owner.invite("alice", { display_name: "Alice" });
  await w.owner.call("POST", "/channels", { name: "random", type: "text" });
  w.server = (await w.owner.call("GET", "/server")).name;
});

/** @param {Locator} el */
const hasFocus = (el) => el.evaluate((e) => e === document.activeElement);

/**
 * Waits until `el` has the focus, or says where it is.
 * @param {Locator} el @param {string} what
 */
async function focused(el, what) {
  try {
    await eventually(() => hasFocus(el), `the focus on ${what}`, 3_000);
  } catch (e) {
    const at = await el.page().evaluate(() => {
      const a = document.activeElement;
      return a ? `${a.tagName.toLowerCase()} "${a.getAttribute("aria-label") ?? a.textContent?.slice(0, 40) ?? ""}"` : "nothing";
    });
    throw new Error(`${/** @type {Error} */ (e).message}; the focus is on ${at}`);
  }
}

/** Two frames and a little more: every effect of what just rendered has run. @param {import("playwright-core").Page} page */
async function settle(page) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 300)))));
}

test("a channel clicked in the sidebar focuses its message box; back from the server settings, the server menu's button", async () => {
  const { page, context } = await newPage(s.browser, s.problems, { who: "owner", baseURL: s.daemon.url });
  await logIn(page, "owner");
  await openChannel(page, "general");
  await openChannel(page, "random");
  await focused(composer(page, "random"), "the message box of #random");
  await openChannel(page, "general");
  await focused(composer(page, "general"), "the message box of #general");

  const serverBtn = page.getByRole("button", { name: w.server, exact: true });
  await serverBtn.click();
  await page.getByRole("menu", { name: w.server }).getByRole("menuitem", { name: "Server settings" }).click();
  const full = page.getByRole("dialog", { name: "Server settings" });
  await full.waitFor();
  await page.keyboard.press("Escape");
  await full.waitFor({ state: "detached" });
  await composer(page, "general").waitFor();
  await settle(page);
  await focused(serverBtn, "the server button");
  await context.close();
});

test("Ctrl+F right after a page load: the search box keeps the focus", async () => {
  const { page, context } = await newPage(s.browser, s.problems, { who: "owner", baseURL: s.daemon.url });
  await logIn(page, "owner");
  await page.goto(`/channels/${await w.owner.channelId("general")}`);
  const box = page.getByRole("searchbox", { name: "Search messages" });
  // Pressed until it takes: the shortcut's listener is an effect, installed after a paint.
  await eventually(async () => {
    if (await hasFocus(box)) return true;
    await page.keyboard.press("Control+f");
    return false;
  }, "Ctrl+F focuses the search box");
  await composer(page, "general").waitFor();
  await settle(page);
  await focused(box, "the search box");
  await context.close();
});

test("a channel that opens after the focus was put elsewhere leaves the focus there", async () => {
  // The channel is hidden from alice when she opens its address, then shown: its view (and
  // message box) mounts long after she moved the focus to a link in the sidebar.
  const later = (await w.owner.call("POST", "/channels", { name: "later", type: "text" })).id;
  const everyone = (await w.owner.call("GET", "/roles"))[0].id;
  await w.owner.call("PUT", `/channels/${later}/overwrites/${everyone}`, { allow: [], deny: ["channels:view"] });
  const { page, context } = await newPage(s.browser, s.problems, { who: "alice", baseURL: s.daemon.url });
  await logIn(page, "alice");
  await page.goto(`/channels/${later}`);
  await page.getByRole("heading", { name: "Channel not found" }).waitFor();
  const general = channels(page).getByRole("link", { name: /^general\b/ });
  await general.focus();
  await w.owner.call("DELETE", `/channels/${later}/overwrites/${everyone}`);
  await messages(page, "later").waitFor();
  await composer(page, "later").waitFor();
  await settle(page);
  await focused(general, "the #general link she focused");
  // Opening a channel herself still focuses its message box.
  await general.press("Enter");
  await focused(composer(page, "general"), "the message box of #general");
  await context.close();
});
