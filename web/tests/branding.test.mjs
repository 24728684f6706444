// @ts-check
/**
 * @file Premium branding in a real browser (issue 16): without a licence the Branding tab
 * explains how an operator activates one; a signed offline licence imported over the admin
 * socket turns the tab into the editor without a reload; the owner sets an app name, an accent
 * colour and a logo, and the page title, the --accent token, the sidebar header's logo and the
 * login page follow; the licence lapsing (its file's TTL, on the moved licence clock) puts the
 * defaults back live, and nothing else breaks.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { suite } from "./lib/suite.mjs";
import { newPage, screenshot, eventually } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { admin } from "./lib/admin.mjs";
import { logIn, openChannel, send } from "./lib/ui.mjs";

// The Keygen account's signing key, made for this test; the daemon gets its public half.
const keys = generateKeyPairSync("ed25519");
const jwk = /** @type {{x: string}} */ (keys.publicKey.export({ format: "jwk" }));
const PUBLIC_HEX = Buffer.from(jwk.x, "base64url").toString("hex");

const s = suite({ env: { SPECTRUS_KEYGEN_PUBLIC_KEY: PUBLIC_HEX, SPECTRUS_DEBUG_LICENSE_CLOCK: "true" } });

/** A Keygen offline licence file (base64+ed25519) issued now for `days`. @param {number} days */
function licenceFile(days) {
  const issued = new Date();
  const expiry = new Date(issued.getTime() + days * 86_400_000);
  const payload = {
    meta: { issued: issued.toISOString(), expiry: expiry.toISOString(), ttl: days * 86_400 },
    data: { id: "lic-web", type: "licenses", attributes: { name: "Night Owls", expiry: null, status: "ACTIVE", metadata: { plan: "Pro" } } },
    included: [],
  };
  const enc = Buffer.from(JSON.stringify(payload)).toString("base64");
  const sig = sign(null, Buffer.from(`license/${enc}`), keys.privateKey).toString("base64");
  const body = Buffer.from(JSON.stringify({ enc, sig, alg: "base64+ed25519" })).toString("base64");
  return `-----BEGIN LICENSE FILE-----\n${body.match(/.{1,64}/g)?.join("\n")}\n-----END LICENSE FILE-----\n`;
}

/** @type {{ owner: Api, page: import("playwright-core").Page }} */
const w = /** @type {any} */ ({});

/** @param {import("playwright-core").Page} page */
const settingsView = (page) => page.getByRole("dialog", { name: "Server settings" });

/** The page's --accent token as applied on the root. @param {import("playwright-core").Page} page */
const accent = (page) => page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--accent").trim().toLowerCase());

// A logo this page may show: one of the client's own files.
const LOGO = "/icons/icon-192.png";

before(async () => {
  await s.ready;
  w.owner = await new Api(s.daemon.url).claim();
  const { page } = await newPage(s.browser, s.problems, { who: "owner", baseURL: s.daemon.url });
  w.page = page;
  await logIn(page, "owner");
});

test("a licence turns the Branding tab into the editor, and the branding applies everywhere", async () => {
  const page = w.page;
  const defaultAccent = await accent(page);
  await page.goto("/server-settings/branding");
  const view = settingsView(page);
  await view.getByRole("heading", { name: "Branding is a premium feature" }).waitFor();
  await view.getByText("spectrusctl license activate KEY").waitFor();

  // The operator imports an offline licence: the open tab becomes the editor by itself.
  const status = await admin(s.daemon, "POST", "/license/import", { file: licenceFile(30) });
  assert.equal(status.premium, true);
  assert.equal(status.plan, "Pro");
  await view.getByRole("button", { name: "Save branding" }).waitFor();

  // A bad logo is refused in words next to the form (the browser logs the 400).
  const refused = /status of 400 .*\/api\/v1\/server/;
  s.problems.allow(refused);
  await view.getByLabel("App name").fill("Owl Chat");
  await view.getByLabel("Accent colour").fill("#ff8800");
  await view.getByLabel("Logo URL").fill("javascript:alert(1)");
  await view.getByRole("button", { name: "Save branding" }).click();
  await view.getByRole("alert").filter({ hasText: "branding.logo_url" }).waitFor();
  s.problems.disallow(refused);

  await view.getByLabel("Logo URL").fill(LOGO);
  await view.getByRole("button", { name: "Save branding" }).click();
  await view.getByText("Branding saved.").waitFor();
  const info = await new Api(s.daemon.url).call("GET", "/server");
  assert.deepEqual(info.branding, { app_name: "Owl Chat", accent_color: "#ff8800", logo_url: LOGO });
  assert.equal(info.premium, true);

  // Out of the settings: the branding is the server's, not the preview's.
  await page.keyboard.press("Escape");
  await settingsView(page).waitFor({ state: "hidden" });
  await eventually(async () => (await page.title()).endsWith("Owl Chat"), "the title names the app");
  assert.equal(await accent(page), "#ff8800");
  const header = page.locator(".server-header img.server-icon");
  await header.waitFor();
  assert.equal(new URL(/** @type {string} */ (await header.getAttribute("src")), s.daemon.url).pathname, LOGO);
  await screenshot(page, "branding-applied");

  // A fresh visitor's login page carries the name, the logo and the title.
  const { page: guest, context } = await newPage(s.browser, s.problems, { who: "guest", baseURL: s.daemon.url });
  await guest.goto("/login");
  await guest.locator(".auth-brand").filter({ hasText: "Owl Chat" }).waitFor();
  assert.equal(new URL(/** @type {string} */ (await guest.locator(".auth-brand img").getAttribute("src")), s.daemon.url).pathname, LOGO);
  await eventually(async () => (await guest.title()) === "Owl Chat", "the login page's title is the app name");
  assert.equal(await accent(guest), "#ff8800");
  await screenshot(guest, "branding-login");
  await context.close();

  // The licence lapses (its file's 30 days pass on the licence clock): defaults come back live.
  const lapsed = await admin(s.daemon, "POST", "/debug/license-clock", { seconds: 31 * 86_400 });
  assert.equal(lapsed.premium, false);
  await eventually(async () => (await accent(page)) === defaultAccent, "the default accent is back");
  await eventually(async () => !(await page.title()).includes("Owl Chat"), "the title drops the app name");
  await eventually(async () => (await page.locator(".server-header img.server-icon").count()) === 0, "the header shows the initial again");
  // Nothing else breaks.
  await openChannel(page, "general");
  await send(page, "general", "still chatting after the lapse");
  // The stored branding is kept for when the licence is renewed.
  await admin(s.daemon, "POST", "/license/import", { file: licenceFile(30 + 60) });
  await eventually(async () => (await accent(page)) === "#ff8800", "renewed: the accent is back");
});
