// @ts-check
/**
 * @file Server settings in a real browser (issue 15): every tab under the CSP with no console
 * error (screenshots of each); the owner creates a role, toggles two permissions, reorders it
 * above another (order survives a reload); a private channel only a role sees; an invite with
 * max uses 1 refused the second time with the server's words; a change made over the admin
 * socket shows in the open settings without a reload; branding without a licence explains
 * premium; the owner's first-hour checklist ticks itself; an empty channel invites a first message.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./lib/suite.mjs";
import { newPage, screenshot, eventually } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { PASSWORD } from "./lib/daemon.mjs";
import { admin } from "./lib/admin.mjs";
import { channels, logIn, unnamedControls, horizontalOverflow } from "./lib/ui.mjs";

const s = suite();

/** @type {{ owner: Api, page: import("playwright-core").Page }} */
const w = /** @type {any} */ ({});

/** @param {import("playwright-core").Page} page */
const settingsView = (page) => page.getByRole("dialog", { name: "Server settings" });
/** @param {import("playwright-core").Page} page @param {string} name */
const tab = (page, name) => settingsView(page).getByRole("tab", { name, exact: true });

/** Opens the server settings from the server header's menu. @param {import("playwright-core").Page} page */
async function openSettings(page) {
  const name = (await new Api(s.daemon.url).call("GET", "/server")).name;
  await page.getByRole("button", { name, exact: true }).click();
  await page.getByRole("menuitem", { name: "Server settings" }).click();
  await settingsView(page).waitFor();
}

/** The roles list's role names, top to bottom. @param {import("playwright-core").Page} page */
async function roleOrder(page) {
  const names = await settingsView(page).getByRole("list", { name: "Roles" }).locator(".role-name").allTextContents();
  return names.map((n) => n.trim());
}

before(async () => {
  await s.ready;
  w.owner = await new Api(s.daemon.url).claim();
  const { page } = await newPage(s.browser, s.problems, { who: "owner", baseURL: s.daemon.url });
  w.page = page;
  await logIn(page, "owner");
});

test("the owner's first hour: a checklist and a friendly empty channel", async () => {
  const page = w.page;
  const list = page.getByRole("region", { name: "Set up your server" });
  await list.waitFor();
  await list.getByRole("button", { name: "Make a role for your moderators" }).waitFor();
  await page.getByRole("button", { name: "Write the first message" }).waitFor();
  await screenshot(page, "first-hour");
  await page.getByRole("button", { name: "Write the first message" }).click();
  await eventually(() => page.evaluate(() => document.activeElement?.getAttribute("aria-label") === "Message #general"), "the composer has focus");
  // The checklist links to the screen: the roles tab.
  await list.getByRole("button", { name: "Make a role for your moderators" }).click();
  await tab(page, "Roles").waitFor();
  assert.match(new URL(page.url()).pathname, /^\/server-settings\/roles$/);
  await page.keyboard.press("Escape");
  await settingsView(page).waitFor({ state: "detached" });
  await channels(page).waitFor();
});

test("every settings tab opens from the server menu, with a screenshot each", async () => {
  const page = w.page;
  await openSettings(page);
  for (const [name, shot] of [["Overview", "settings-overview"], ["Roles", "settings-roles"], ["Channels", "settings-channels"], ["Invites", "settings-invites"],
    ["Members", "settings-members"], ["Bans", "settings-bans"], ["Audit log", "settings-audit-log"], ["Branding", "settings-branding"]]) {
    await tab(page, name).click();
    await settingsView(page).getByRole("heading", { name, level: 1 }).waitFor();
    await page.waitForTimeout(150);
    await screenshot(page, shot);
    assert.deepEqual(await unnamedControls(page), [], `every control of ${name} has a name`);
  }
  // The URL names the tab: a reload stays there.
  await page.reload();
  await tab(page, "Branding").waitFor();
  assert.equal(await tab(page, "Branding").getAttribute("aria-selected"), "true");
});

test("branding without a licence explains premium instead of failing", async () => {
  const page = w.page;
  await page.goto("/server-settings/branding");
  const view = settingsView(page);
  await view.getByRole("heading", { name: "Branding is a premium feature" }).waitFor();
  await view.getByText("installs a licence file on the server machine").waitFor();
  assert.equal(await view.getByRole("button", { name: "Save branding" }).count(), 0);
});

test("roles: create, toggle two permissions, reorder above another; the order survives a reload", async () => {
  const page = w.page;
  await page.goto("/server-settings/roles");
  const view = settingsView(page);
  // Two roles: "Helpers" first, then "Moderators" (a new role starts lowest).
  for (const name of ["Helpers", "Moderators"]) {
    await view.getByRole("button", { name: "Create role" }).click();
    const field = view.getByLabel("Role name");
    await eventually(async () => (await field.inputValue()) === "new role", "the new role is selected");
    await field.fill(name);
    await view.getByRole("button", { name: "Save role" }).click();
    await view.getByRole("button", { name: new RegExp(`^${name}, 0 members`) }).waitFor();
  }
  assert.deepEqual(await roleOrder(page), ["Helpers", "Moderators", "@everyone"]);
  const editor = view.getByRole("region", { name: "Edit role Moderators" });
  await editor.getByRole("switch", { name: "Kick members" }).check();
  await editor.getByRole("switch", { name: "Ban members" }).check();
  // The server's own descriptions are shown.
  await editor.getByText("Remove members from the server").waitFor();
  await eventually(async () => {
    const r = (await w.owner.call("GET", "/roles")).find((/** @type {any} */ r) => r.name === "Moderators");
    return r.permissions.includes("members:kick") && r.permissions.includes("members:ban");
  }, "both permissions saved");
  // Keyboard reorder: Moderators above Helpers.
  await view.getByRole("button", { name: "Move Moderators up" }).click();
  await eventually(async () => (await roleOrder(page)).join() === "Moderators,Helpers,@everyone", "the new order shows");
  await screenshot(page, "settings-roles-edited");
  // And back by dragging Helpers above Moderators, then keyboard again.
  await view.locator(".role-row", { hasText: "Helpers" }).dragTo(view.locator(".role-row", { hasText: "Moderators" }));
  await eventually(async () => (await roleOrder(page)).join() === "Helpers,Moderators,@everyone", "the dragged order shows");
  await view.getByRole("button", { name: /^Moderators, / }).focus();
  await page.keyboard.press("Alt+ArrowUp");
  await eventually(async () => (await roleOrder(page)).join() === "Moderators,Helpers,@everyone", "Alt+Up moved it");
  await page.reload();
  await eventually(async () => (await roleOrder(page).catch(() => [])).join() === "Moderators,Helpers,@everyone", "the order after a reload");
  const api = (await w.owner.call("GET", "/roles")).sort((/** @type {any} */ a, /** @type {any} */ b) => b.position - a.position).map((/** @type {any} */ r) => r.name);
  assert.deepEqual(api, ["Moderators", "Helpers", "@everyone"]);
});

test("a private channel only its role sees", async () => {
  const page = w.page;
  const carol = await w.owner.invite("carol");
  const dave = await w.owner.invite("dave");
  const roles = await w.owner.call("GET", "/roles");
  const mods = roles.find((/** @type {any} */ r) => r.name === "Moderators");
  // carol gets the role from its editor.
  await page.goto("/server-settings/roles");
  await settingsView(page).getByRole("button", { name: /^Moderators, / }).click();
  const holders = settingsView(page).getByRole("region", { name: "Members with Moderators" });
  await holders.getByLabel("Add a member").selectOption({ label: "carol (@carol)" });
  await holders.getByRole("button", { name: "Add", exact: true }).click();
  await holders.getByRole("button", { name: "Remove carol from Moderators" }).waitFor();
  await settingsView(page).getByRole("button", { name: /^Moderators, 1 member$/ }).waitFor();
  assert.ok((await w.owner.call("GET", `/members/${carol.user.id}`)).roles.includes(mods.id));

  await page.goto("/server-settings/channels");
  const view = settingsView(page);
  await view.getByRole("button", { name: "Create channel" }).click();
  const dialog = page.getByRole("dialog", { name: "Create channel" });
  await dialog.getByLabel("Channel name").fill("staff");
  await dialog.getByRole("button", { name: "Create" }).click();
  const editor = view.getByRole("region", { name: "Edit #staff" });
  await editor.waitFor();
  await editor.getByRole("switch", { name: "Private channel" }).check();
  await editor.getByRole("group", { name: "Who can see it" }).getByRole("checkbox", { name: "Moderators" }).check();
  await eventually(async () => {
    const c = (await w.owner.call("GET", "/channels")).find((/** @type {any} */ c) => c.name === "staff");
    return c.permission_overwrites.some((/** @type {any} */ o) => o.role_id === mods.id && o.allow.includes("channels:view"))
      && c.permission_overwrites.some((/** @type {any} */ o) => o.deny.includes("channels:view"));
  }, "the overwrites saved");
  await screenshot(page, "settings-channel-private");

  for (const [who, sees] of [["carol", true], ["dave", false]]) {
    const { context, page: p } = await newPage(s.browser, s.problems, { who: String(who), baseURL: s.daemon.url });
    await logIn(p, String(who));
    await channels(p).getByRole("link", { name: /^general\b/ }).waitFor();
    assert.equal(await channels(p).getByRole("link", { name: /^staff\b/ }).count(), sees ? 1 : 0, `${who} ${sees ? "sees" : "does not see"} #staff`);
    await context.close();
  }
  assert.ok(!(await dave.call("GET", "/channels")).some((/** @type {any} */ c) => c.name === "staff"));
});

test("an invite with max uses 1 is refused the second time, in the server's words", async () => {
  const page = w.page;
  await page.goto("/server-settings/invites");
  const view = settingsView(page);
  await view.getByLabel("Max uses").selectOption({ label: "1 use" });
  await view.getByLabel("Expires after").selectOption({ label: "1 day" });
  await view.getByRole("button", { name: "Create invite" }).click();
  const link = await view.getByLabel("Web link").inputValue();
  const code = link.split("/invite/")[1];
  assert.ok(code, link);
  await view.getByRole("table", { name: "Invites" }).getByRole("row").filter({ hasText: code }).getByText("0 / 1").waitFor();
  await screenshot(page, "settings-invites-created");
  // First use.
  await new Api(s.daemon.url).call("POST", "/auth/register", { username: "erin", password: PASSWORD, invite: code });
  // Second use, in a browser.
  let serverSays = "";
  try { await new Api(s.daemon.url).call("POST", "/auth/register", { username: "probe", password: PASSWORD, invite: code }); } catch (e) { serverSays = /** @type {any} */ (e).body.error.message; }
  assert.ok(serverSays, "the server refuses a second use");
  const { context, page: p } = await newPage(s.browser, s.problems, { who: "late", baseURL: s.daemon.url });
  s.problems.allow(/status of 40[04]/);
  try {
    await p.goto(`/invite/${code}`);
    await p.getByLabel("Username", { exact: true }).fill("latecomer");
    await p.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await p.getByRole("button", { name: /create account|register|join/i }).first().click();
    const alert = p.getByRole("alert").filter({ hasText: serverSays });
    await alert.first().waitFor();
    await screenshot(p, "invite-used-up");
  } finally {
    s.problems.disallow(/status of 40[04]/);
    await context.close();
  }
  // Revoke it from the list.
  await view.getByRole("button", { name: `Revoke invite ${code}` }).click();
  await page.getByRole("dialog", { name: `Revoke invite ${code}?` }).getByRole("button", { name: "Revoke invite" }).click();
  await view.getByRole("table", { name: "Invites" }).getByRole("row").filter({ hasText: code }).waitFor({ state: "detached" });
});

test("a change made over the admin socket shows in the open settings without a reload", async () => {
  const page = w.page;
  await page.goto("/server-settings/roles");
  const view = settingsView(page);
  await view.getByRole("list", { name: "Roles" }).waitFor();
  await page.evaluate(() => { /** @type {any} */ (window).__noReload = true; });
  await admin(s.daemon, "POST", "/roles", { name: "Operators", permissions: [] });
  await view.getByRole("button", { name: /^Operators, 0 members/ }).waitFor();
  await page.goto("/server-settings/channels");
  await page.evaluate(() => { /** @type {any} */ (window).__noReload = true; });
  await admin(s.daemon, "POST", "/channels", { name: "announcements", type: "text" });
  await view.getByRole("button", { name: "Text channel announcements" }).waitFor();
  assert.equal(await page.evaluate(() => /** @type {any} */ (window).__noReload), true, "no reload happened");
  // The audit log names the operator.
  await tab(page, "Audit log").click();
  await view.getByRole("list", { name: "Audit log entries" }).getByText("server operator created the channel #announcements").waitFor();

  // An edit in progress that someone else overtakes: the form reloads and says so.
  await tab(page, "Roles").click();
  await view.getByRole("button", { name: /^Operators, / }).click();
  // The click renders on the next frame: until then "Role name" is the previously shown role's.
  await view.getByRole("region", { name: "Edit role Operators" }).getByLabel("Role name").fill("Ops (unsaved)");
  const ops = (await w.owner.call("GET", "/roles")).find((/** @type {any} */ r) => r.name === "Operators");
  await admin(s.daemon, "PATCH", `/roles/${ops.id}`, { name: "Operations" });
  await view.getByText("This role was changed elsewhere: the form now shows the new values.").waitFor();
  assert.equal(await view.getByLabel("Role name").inputValue(), "Operations");
  assert.equal(await page.evaluate(() => /** @type {any} */ (window).__noReload), true, "still no reload");

  // A change elsewhere to another field (a permission) keeps the name I am typing.
  await view.getByLabel("Role name").fill("Ops, typing");
  await admin(s.daemon, "PATCH", `/roles/${ops.id}`, { permissions: ["members:kick"] });
  const editor = view.getByRole("region", { name: "Edit role Operations" });
  await eventually(() => editor.getByRole("switch", { name: "Kick members" }).isChecked(), "the permission shows");
  assert.equal(await view.getByLabel("Role name").inputValue(), "Ops, typing");
});

test("channels: move into a category, voice limits, delete naming the channel", async () => {
  const page = w.page;
  await page.goto("/server-settings/channels");
  const view = settingsView(page);
  const list = view.getByRole("list", { name: "Channels and categories" });
  const chans = async () => /** @type {any[]} */ (await w.owner.call("GET", "/channels"));
  const cat = (await chans()).find((c) => c.type === "category" && c.name.toLowerCase().includes("text"));
  // "staff" and "announcements" are loose (above every category): step "announcements" down past the header.
  const order = async () => (await list.locator(".role-name").allTextContents()).map((t) => t.trim());
  await list.getByRole("button", { name: "Text channel announcements" }).waitFor();
  const before = await order();
  const steps = before.indexOf(cat.name) - before.indexOf("announcements");
  assert.ok(steps > 0, before.join());
  // Quick presses: each starts from the order the previous one showed.
  for (let i = 0; i < steps; i++) await view.getByRole("button", { name: "Move announcements down" }).click();
  await eventually(async () => { const o = await order(); return o.indexOf("announcements") === o.indexOf(cat.name) + 1; }, "announcements first in the category");
  await eventually(async () => (await chans()).find((c) => c.name === "announcements").parent_id === cat.id, "announcements is in the category");
  // The sidebar follows.
  await page.keyboard.press("Escape");
  await channels(page).getByRole("link", { name: /^announcements\b/ }).waitFor();
  await page.goto("/server-settings/channels");
  await view.getByRole("button", { name: "Voice channel Lounge" }).click();
  const editor = view.getByRole("region", { name: "Edit Lounge" });
  await editor.getByLabel(/^User limit/).fill("5");
  await editor.getByRole("button", { name: "Save channel" }).click();
  await editor.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  assert.equal((await chans()).find((c) => c.name === "Lounge").user_limit, 5);
  await view.getByRole("button", { name: "Text channel announcements" }).click();
  await view.getByRole("region", { name: "Edit #announcements" }).getByRole("button", { name: "Delete channel" }).click();
  const ask = page.getByRole("dialog", { name: "Delete #announcements?" });
  await ask.getByRole("button", { name: "Delete #announcements" }).click();
  await view.getByRole("button", { name: "Text channel announcements" }).waitFor({ state: "detached" });
  assert.ok(!(await chans()).some((c) => c.name === "announcements"));
});

test("a channel's context menu opens its settings; the settings fit a phone", async () => {
  const page = w.page;
  await page.goto("/");
  await channels(page).getByRole("link", { name: /^general\b/ }).click({ button: "right" });
  await page.getByRole("menuitem", { name: "Edit channel" }).click();
  await settingsView(page).getByRole("region", { name: "Edit #general" }).waitFor();
  await page.keyboard.press("Escape");
  await settingsView(page).waitFor({ state: "detached" });
  // Voice channels have one too (without joining them).
  await channels(page).getByRole("button", { name: "Join voice channel Lounge" }).click({ button: "right" });
  await page.getByRole("menuitem", { name: "Edit channel" }).click();
  await settingsView(page).getByRole("region", { name: "Edit Lounge" }).waitFor();
  await page.keyboard.press("Escape");
  await settingsView(page).waitFor({ state: "detached" });

  const { context, page: phone } = await newPage(s.browser, s.problems, { who: "phone", width: 390, height: 844, baseURL: s.daemon.url });
  await logIn(phone, "owner");
  for (const [path, shot] of [["roles", "settings-390-roles"], ["members", "settings-390-members"]]) {
    await phone.goto(`/server-settings/${path}`);
    await settingsView(phone).getByRole("tab", { selected: true }).waitFor();
    await phone.waitForTimeout(150);
    assert.equal(await horizontalOverflow(phone), 0, `no sideways scroll on ${path}`);
    await screenshot(phone, shot);
  }
  await context.close();
});

test("the checklist ticks itself as the owner does each step", async () => {
  const page = w.page;
  // The role and the invite exist by now (earlier tests): name and icon from Overview.
  await page.goto("/server-settings/overview");
  const view = settingsView(page);
  await view.getByLabel("Server name").fill("Night Owls");
  // An image elsewhere is not loaded (the CSP would block it): the form says so.
  await view.getByLabel("Icon URL").fill("https://example.org/owl.png");
  await view.getByText("This page only shows images served by this server itself").waitFor();
  await view.getByLabel("Icon URL").fill(`${s.daemon.url}/icons/icon-192.png`);
  await view.getByRole("img", { name: "Server icon preview" }).waitFor();
  {
    await view.getByRole("button", { name: "Save changes" }).click();
    await view.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    assert.equal((await new Api(s.daemon.url).call("GET", "/server")).name, "Night Owls");
    await page.keyboard.press("Escape");
    const list = page.getByRole("region", { name: "Set up your server" });
    await list.getByRole("button", { name: "Name your server and give it an icon (done)" }).waitFor();
    await list.getByRole("button", { name: "Create an invite and copy its link (done)" }).waitFor();
    await list.getByRole("button", { name: "Make a role for your moderators (done)" }).waitFor();
    await list.getByRole("button", { name: "Join a voice channel to test your microphone" }).waitFor();
    await screenshot(page, "first-hour-progress");
    await list.getByRole("button", { name: "Hide checklist" }).click();
    await list.waitFor({ state: "detached" });
  }
});
