// @ts-check
/**
 * @file Message search in the browser: the header box (Ctrl+F), the results panel with the
 * matched words marked, its empty, error and paged states, and a result opening the message
 * in context in its channel.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./lib/suite.mjs";
import { newPage, screenshot, eventually } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { actions, logIn, message, messages, openChannel } from "./lib/ui.mjs";

const s = suite();

/** @type {{ owner: Api, general: string, random: string, page: import("playwright-core").Page }} */
const w = /** @type {any} */ ({});

before(async () => {
  await s.ready;
  w.owner = await new Api(s.daemon.url).claim();
  w.general = await w.owner.channelId("general");
  const random = /** @type {{id: string}} */ (await w.owner.call("POST", "/channels", { name: "random" }));
  w.random = random.id;
  await w.owner.post(w.random, "The quarterly <b>report</b> is ready");
  // Enough newer messages that the match is far from the latest page.
  for (let i = 0; i < 60; i++) await w.owner.post(w.random, `filler ${i}`);
  for (let i = 0; i < 30; i++) await w.owner.post(w.general, `apple number ${i}`);
  const p = await newPage(s.browser, s.problems, { who: "owner", baseURL: s.daemon.url });
  w.page = p.page;
  await logIn(w.page, "owner");
  await openChannel(w.page, "general");
});

/** @param {string} q */
async function searchFor(q) {
  const page = w.page;
  const box = page.getByRole("searchbox", { name: "Search messages" });
  // Pressed again until it takes, as a person would: right after a page load the shortcut's
  // listener (an effect, run after the first paint) or the composer's own focus on mount may
  // not have run yet.
  await eventually(async () => {
    if (await box.evaluate((el) => el === document.activeElement)) return true;
    await page.keyboard.press("Control+f");
    return false;
  }, "Ctrl+F focuses the search box");
  await box.fill(q);
  await box.press("Enter");
  return page.getByRole("complementary", { name: "Search results" });
}

test("a result shows its channel, author and marked words, and opens the message in context", async () => {
  const panel = await searchFor("quarterly report");
  await panel.getByRole("heading", { name: "1 result" }).waitFor();
  const hit = panel.getByRole("button", { name: /Jump to message by owner in #random/ });
  await hit.waitFor();
  // The markup in the text stays text; the matched words are <mark> elements.
  await hit.getByText("The quarterly <b>report</b> is ready").waitFor();
  const marks = await hit.locator("mark").allTextContents();
  assert.deepEqual(marks, ["quarterly", "report"]);
  assert.equal(await hit.locator("b").count(), 0, "user text is never HTML");
  await screenshot(w.page, "search-results");

  await hit.click();
  const target = message(w.page, "random", "The quarterly");
  await target.waitFor();
  await eventually(async () => {
    const box = await target.boundingBox();
    return !!box && box.y > 0 && box.y < 900;
  }, "the message is scrolled into view");
  await messages(w.page, "random").waitFor();
  assert.match(w.page.url(), new RegExp(`/channels/${w.random}`));
});

test("no results, a bad filter and pages", async () => {
  const page = w.page;
  let panel = await searchFor("zebrafish");
  await panel.getByText("No results for “zebrafish”").waitFor();
  await screenshot(page, "search-empty");

  // The refused search is the point here, not a problem of the page.
  const refused = /status of 400 .*\/search\/messages\?q=apple%20has%3Acheese/;
  s.problems.allow(refused);
  panel = await searchFor("apple has:cheese");
  const alert = panel.getByRole("alert");
  await alert.waitFor();
  assert.match(await alert.innerText(), /has:link/);
  await alert.getByRole("button", { name: "Retry" }).waitFor();
  await screenshot(page, "search-error");
  s.problems.disallow(refused);

  panel = await searchFor("apple in:#general");
  await panel.getByRole("heading", { name: "30 results" }).waitFor();
  const list = panel.getByRole("list", { name: "Results" });
  await eventually(async () => (await list.getByRole("listitem").count()) === 25, "a page holds 25");
  // Newest first.
  assert.match(await list.getByRole("listitem").first().innerText(), /apple number 29/);
  await panel.getByRole("button", { name: "Next" }).click();
  await eventually(async () => (await list.getByRole("listitem").count()) === 5, "the second page holds 5");
  assert.ok(await panel.getByRole("button", { name: "Next" }).isDisabled());
  await panel.getByRole("button", { name: "Previous" }).click();
  await eventually(async () => (await list.getByRole("listitem").count()) === 25, "back to the first page");

  await panel.getByRole("button", { name: "Close search" }).click();
  await panel.waitFor({ state: "detached" });
});

test("pin and unpin from the message menu; the pinned list opens the message", async () => {
  const page = w.page;
  await openChannel(page, "general");
  const target = message(page, "general", "apple number 29");
  await (await actions(target)).getByRole("button", { name: "Pin message" }).click();
  await page.getByText("Message pinned").waitFor();
  await page.getByRole("button", { name: "Pinned messages" }).click();
  const panel = page.getByRole("complementary", { name: "Pinned messages" });
  const entry = panel.getByRole("button", { name: "Jump to pinned message by owner" });
  await entry.waitFor();
  assert.match(await entry.innerText(), /apple number 29/);
  await screenshot(page, "pins-panel");
  // Close it, unpin from the message's toolbar, look again.
  await panel.getByRole("button", { name: "Close pins" }).click();
  await panel.waitFor({ state: "detached" });
  await (await actions(target)).getByRole("button", { name: "Unpin message" }).click();
  await page.getByText("Message unpinned").waitFor();
  await page.getByRole("button", { name: "Pinned messages" }).click();
  await panel.getByText("This channel has no pinned messages yet.").waitFor();
  await page.getByRole("button", { name: "Pinned messages" }).click();
  await panel.waitFor({ state: "detached" });
});

test("role mentions and @everyone render as chips", async () => {
  const page = w.page;
  const role = /** @type {{id: string}} */ (await w.owner.call("POST", "/roles", { name: "oncall", color: "#e91e63", mentionable: true }));
  await w.owner.post(w.general, `<@&${role.id}> and @everyone, see <#${w.random}>`);
  const m = message(page, "general", "and @everyone");
  await m.waitFor();
  await m.locator(".md-mention", { hasText: "@oncall" }).waitFor();
  await m.locator(".md-mention", { hasText: "@everyone" }).waitFor();
  await m.getByRole("link", { name: "#random" }).waitFor();
  assert.equal(await m.getByText(`<@&${role.id}>`).count(), 0, "the raw role mention is not shown");
});

test("typing a filter offers completions: Tab takes one", async () => {
  const page = w.page;
  await page.keyboard.press("Control+f");
  const box = page.getByRole("searchbox", { name: "Search messages" });
  await box.fill("");
  await box.pressSequentially("fr");
  const list = page.getByRole("listbox", { name: "Search filters" });
  await list.getByRole("option", { name: "from:" }).waitFor();
  await box.press("Tab");
  assert.equal(await box.inputValue(), "from:");
  await box.pressSequentially("ow");
  await list.getByRole("option", { name: "from:owner" }).waitFor();
  await box.press("Tab");
  assert.equal(await box.inputValue(), "from:owner ");
  await box.pressSequentially("in:#ran");
  await list.getByRole("option", { name: "in:#random" }).waitFor();
  await box.press("Tab");
  await box.pressSequentially("quarterly");
  await box.press("Enter");
  const panel = page.getByRole("complementary", { name: "Search results" });
  await panel.getByRole("heading", { name: "1 result" }).waitFor();
  await panel.getByRole("button", { name: "Close search" }).click();
});

/**
 * Asserts the control is laid out beside the panel (their boxes do not meet) and is what the
 * page finds at its centre (nothing covers it).
 * @param {import("playwright-core").Locator} el @param {import("playwright-core").Locator} panel @param {string} what
 */
async function besidePanel(el, panel, what) {
  const [a, p] = [await el.boundingBox(), await panel.boundingBox()];
  assert.ok(a && p, `${what} and the panel are laid out`);
  const apart = a.x + a.width <= p.x + 0.5 || p.x + p.width <= a.x + 0.5 || a.y + a.height <= p.y + 0.5 || p.y + p.height <= a.y + 0.5;
  assert.ok(apart, `${what} (x ${a.x}–${a.x + a.width}) does not run under the panel (x ${p.x}–${p.x + p.width})`);
  const hit = await el.evaluate((e) => {
    const r = e.getBoundingClientRect();
    const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    return !!top && (top === e || e.contains(top));
  });
  assert.ok(hit, `${what} is not covered`);
}

test("at 1280 and 1024 px the pins and search panels take their own column: the composer stays whole and sends", async () => {
  const page = w.page;
  await openChannel(page, "general");
  const box = page.getByRole("textbox", { name: "Message #general" });
  const members = page.getByRole("complementary", { name: "Members" });
  for (const [width, height] of [[1280, 800], [1024, 768]]) {
    await page.setViewportSize({ width, height });
    for (const kind of ["pins", "search"]) {
      let panel;
      if (kind === "pins") {
        await page.getByRole("button", { name: "Pinned messages" }).click();
        panel = page.getByRole("complementary", { name: "Pinned messages" });
      } else {
        panel = await searchFor("apple");
        await panel.getByRole("heading", { name: /results/ }).waitFor();
      }
      await panel.waitFor();
      // The panel takes the member list's place.
      assert.equal(await members.isVisible(), false, `the member list makes room for the ${kind} panel`);
      await box.fill(`typed beside the ${kind} panel at ${width}`);
      await besidePanel(box, panel, `the composer's textbox (${kind}, ${width} px)`);
      for (const name of ["Attach files", "Send message"]) {
        await besidePanel(page.getByRole("button", { name, exact: true }), panel, `${name} (${kind}, ${width} px)`);
      }
      await screenshot(page, `${kind}-panel-${width}`);
      await box.press("Enter");
      await message(page, "general", `typed beside the ${kind} panel at ${width}`).waitFor();
      assert.equal(await box.inputValue(), "", "the composer is empty after sending");
      await panel.waitFor();
      // "Member list" closes the panel and brings the list back.
      await page.getByRole("button", { name: "Member list" }).click();
      await panel.waitFor({ state: "detached" });
      await members.waitFor();
    }
  }
  await page.setViewportSize({ width: 1440, height: 900 });
});
