// @ts-check
/**
 * @file Each view at the sizes people use: no horizontal scroll at 360 and 1440 px, the
 * channel drawer at phone width, the member list, my settings (every tab), the quick
 * switcher; every control named, no console error or CSP violation (checked after each test).
 * Screenshots: chat-360, chat-390-drawer, members, settings, quick-switcher.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./lib/suite.mjs";
import { newPage, screenshot } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { channels, composer, horizontalOverflow, logIn, openChannel, unnamedControls } from "./lib/ui.mjs";

const s = suite();

before(async () => {
  await s.ready;
  const owner = await new Api(s.daemon.url).claim();
  const bob = await owner.invite("bob", { display_name: "Bob with a rather long display name for narrow screens" });
  const general = await owner.channelId("general");
  await owner.post(general, "Welcome! This is a fairly long first line, to see how messages wrap on a narrow phone screen without scrolling sideways: https://example.invalid/a/very/long/path/that/does/not/break/easily/at/all");
  await bob.post(general, "`inline code` and a code block:\n```\nfn main() { println!(\"a long line of code that should scroll inside its own block and not the page\"); }\n```");
  await owner.post(general, "> a quote\n**bold** _italic_ ~~strike~~ ||spoiler||");
});

for (const width of [360, 1440]) {
  test(`no horizontal scroll at ${width} px`, async () => {
    const { page, context } = await newPage(s.browser, s.problems, { who: `w${width}`, width, height: 800, baseURL: s.daemon.url });
    await page.goto("/login");
    await page.getByRole("heading", { name: "Welcome back" }).waitFor();
    assert.equal(await horizontalOverflow(page), 0, `login at ${width} px`);
    await logIn(page, "bob");
    if (width < 640) {
      await page.getByRole("button", { name: "Open channels" }).click();
    }
    await openChannel(page, "general");
    await composer(page, "general").waitFor();
    assert.equal(await horizontalOverflow(page), 0, `chat at ${width} px`);
    const title = page.getByRole("heading", { name: "general", level: 1 });
    assert.ok(await title.evaluate((el) => el.scrollWidth <= el.clientWidth), `the channel name is shown whole at ${width} px`);
    await screenshot(page, `chat-${width}`);
    await context.close();
  });
}

test("at phone width the channel list is a drawer", async () => {
  const { page, context } = await newPage(s.browser, s.problems, { who: "phone", width: 390, height: 844, baseURL: s.daemon.url });
  await logIn(page, "bob");
  await page.getByRole("button", { name: "Open channels" }).click();
  await channels(page).getByRole("link", { name: /^general\b/ }).waitFor();
  assert.deepEqual(await unnamedControls(page), [], "every control in the open drawer has a name");
  assert.equal(await horizontalOverflow(page), 0);
  await screenshot(page, "chat-390-drawer");
  await channels(page).getByRole("link", { name: /^general\b/ }).click();
  await composer(page, "general").waitFor();
  await context.close();
});

test("members, settings and the quick switcher", async () => {
  const { page, context } = await newPage(s.browser, s.problems, { who: "views", baseURL: s.daemon.url });
  await logIn(page, "owner");
  await openChannel(page, "general");

  const members = page.getByRole("complementary", { name: "Members" });
  if (!(await members.isVisible())) await page.getByRole("button", { name: "Member list" }).click();
  await members.getByRole("button", { name: /^Bob with/ }).first().waitFor();
  await screenshot(page, "members");

  // My settings, from the server menu; every tab, every control named.
  const server = (await (await fetch(`${s.daemon.url}/api/v1/server`)).json()).name;
  await page.getByRole("button", { name: server }).click();
  await page.getByRole("menu").getByRole("menuitem", { name: "Settings", exact: true }).click();
  const settings = page.getByRole("dialog", { name: "Settings", exact: true });
  await settings.waitFor();
  for (const field of ["Display name", "Current password", "New password"]) {
    await settings.getByLabel(field, { exact: true }).waitFor();
  }
  for (const button of ["Change password", "Log out", "Log out everywhere"]) {
    await settings.getByRole("button", { name: button, exact: true }).waitFor();
  }
  await screenshot(page, "settings");
  for (const tab of ["Account", "Appearance", "Voice", "Notifications", "Keybinds"]) {
    await settings.getByRole("tab", { name: tab }).click();
    await settings.getByRole("tabpanel").waitFor();
    assert.deepEqual(await unnamedControls(page), [], `every control on the ${tab} tab has a name`);
  }
  await page.keyboard.press("Escape");
  await settings.waitFor({ state: "hidden" });

  // Ctrl+K.
  await page.keyboard.press("Control+k");
  const switcher = page.getByRole("dialog", { name: "Quick switcher" });
  await switcher.waitFor();
  await switcher.getByRole("combobox", { name: "Search channels" }).or(switcher.getByRole("textbox", { name: "Search channels" })).fill("gen");
  await screenshot(page, "quick-switcher");
  await page.keyboard.press("Escape");
  await switcher.waitFor({ state: "hidden" });
  await context.close();
});

test("an uncaught script error shows a banner with Reload", async () => {
  const { page, context } = await newPage(s.browser, s.problems, { who: "crash", baseURL: s.daemon.url });
  await logIn(page, "bob");
  const boom = /deliberate test error/;
  s.problems.allow(boom);
  try {
    await page.evaluate(() => { setTimeout(() => { throw new Error("deliberate test error"); }, 0); });
    const banner = page.getByRole("alert").filter({ hasText: "Something went wrong" });
    await banner.waitFor();
    await banner.getByRole("button", { name: "Reload" }).waitFor();
    await screenshot(page, "crash-banner");
  } finally {
    s.problems.disallow(boom);
  }
  await context.close();
});
