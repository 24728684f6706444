// @ts-check
/**
 * @file The web client served over HTTPS by the daemon itself (a self-signed certificate made
 * with openssl; Chromium told to accept it): the page is a secure context with the microphone
 * API (which a plain-HTTP page at a non-loopback address is not; loopback counts as secure
 * even over http, so the contrast cannot be shown here), every answer says HSTS, and the
 * gateway runs over wss (a message posted elsewhere appears live).
 */
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDaemon } from "./lib/daemon.mjs";
import { launch, newPage, Problems, screenshot } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { logIn, openChannel, message } from "./lib/ui.mjs";

// Node's fetch (the seeding client) would refuse the self-signed certificate; only this
// test process is affected, the daemon and the browser check nothing less.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";

const dir = mkdtempSync(join(tmpdir(), "spectrus-https-"));
const problems = new Problems();
/** @type {import("./lib/daemon.mjs").Daemon} */ let daemon;
/** @type {import("playwright-core").Browser} */ let browser;

before(async () => {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1",
  ], { stdio: "ignore" });
  daemon = await startDaemon({ env: { SPECTRUS_TLS_CERT: cert, SPECTRUS_TLS_KEY: key }, https: true });
  browser = await launch({ args: ["--ignore-certificate-errors"] });
});

afterEach(() => problems.check());

after(async () => {
  await browser?.close();
  await daemon?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test("over https the page is a secure context with the microphone API, HSTS is sent, and the gateway runs over wss", async () => {
  assert.match(daemon.url, /^https:\/\//);
  const owner = await new Api(daemon.url).claim();
  const general = await owner.channelId("general");
  const { page, context } = await newPage(browser, problems, { who: "owner", baseURL: daemon.url });
  const resp = await page.goto("/");
  assert.equal(resp?.headers()["strict-transport-security"], "max-age=31536000");
  assert.equal(await page.evaluate(() => window.isSecureContext), true);
  assert.equal(await page.evaluate(() => typeof navigator.mediaDevices?.getUserMedia), "function");
  await logIn(page, "owner");
  await openChannel(page, "general");
  await owner.post(general, "delivered over wss");
  await message(page, "general", "delivered over wss").waitFor();
  await screenshot(page, "https-chat");
  await context.close();
});
