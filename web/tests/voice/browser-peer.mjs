// @ts-check
/**
 * @file The browser side of spectrusd/tests/web_voice.rs (not one of the node --test files):
 * Chromium with a fake microphone playing $SPECTRUS_TONE_WAV logs in through the UI as
 * $SPECTRUS_USER, joins the voice channel $SPECTRUS_VOICE_CHANNEL by its button, and prints
 * one JSON line per half second on stdout: `{"joined":true,"hz":..,"db":..,"tracks":..,
 * "rtcp":..}` (what it hears, from a WebAudio analyser on the received tracks, and what its
 * connection learnt from the server's RTCP, see `../lib/listen.mjs`). Exits after
 * $SPECTRUS_VOICE_SECONDS (default 60) or when stdin closes.
 */
import { launch, newPage, Problems, screenshot } from "../lib/browser.mjs";
import { LISTEN_SCRIPT } from "../lib/listen.mjs";

const env = (/** @type {string} */ k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const url = env("SPECTRUS_URL");
const user = env("SPECTRUS_USER");
const password = env("SPECTRUS_PASSWORD");
const channel = env("SPECTRUS_VOICE_CHANNEL");
const wav = env("SPECTRUS_TONE_WAV");
const seconds = Number(process.env.SPECTRUS_VOICE_SECONDS || 60);

/** @param {Record<string, unknown>} obj */
const say = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

const browser = await launch({
  args: [
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    `--use-file-for-fake-audio-capture=${wav}`,
    "--autoplay-policy=no-user-gesture-required",
  ],
});
const stop = async (/** @type {number} */ code) => {
  await browser.close().catch(() => {});
  process.exit(code);
};
process.stdin.on("end", () => stop(0));
process.stdin.resume();
setTimeout(() => stop(0), seconds * 1000);

const problems = new Problems();
try {
  const { page } = await newPage(browser, problems, { who: "voice", baseURL: url });
  await page.addInitScript(LISTEN_SCRIPT);
  await page.goto("/login");
  await page.getByLabel("Username", { exact: true }).fill(user);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  const nav = page.getByRole("navigation", { name: "Channels" });
  await nav.getByRole("button", { name: `Join voice channel ${channel}` }).click({ timeout: 20_000 });
  const bar = page.getByRole("region", { name: "Voice connected" });
  await bar.waitFor({ timeout: 20_000 });
  say({ joined: true });
  let shot = false;
  for (;;) {
    const heard = await page.evaluate(() => /** @type {any} */ (window).__spectrusHeard?.() ?? null);
    const rtcp = await page.evaluate(() => /** @type {any} */ (window).__spectrusRtcp?.() ?? null);
    say({ joined: true, ...heard, rtcp, problems: problems.list.splice(0) });
    if (!shot) {
      await screenshot(page, "voice-bar");
      shot = true;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
} catch (e) {
  say({ error: String(e instanceof Error ? e.message : e), problems: problems.list });
  await stop(1);
}
