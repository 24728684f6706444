// @ts-check
/**
 * @file The voice bar with a fake microphone: join by the channel's button, Mute / Deafen
 * (pressed state, and the server's voice state follows), Disconnect; and the clear message
 * when the microphone is refused (a browser with a fake device but no permission given).
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./lib/suite.mjs";
import { newPage, eventually, screenshot, launch } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { logIn, channels } from "./lib/ui.mjs";

const s = suite({ args: ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"] });
/** @type {Api} */ let owner;
/** @type {Api} */ let bob;

before(async () => {
  await s.ready;
  owner = await new Api(s.daemon.url).claim();
  bob = await owner.invite("bob", { display_name: "Bob" });
});

test("voice bar: join, mute, deafen, disconnect", async () => {
  const { page, context } = await newPage(s.browser, s.problems, { who: "owner-voice", baseURL: s.daemon.url });
  const watcher = await newPage(s.browser, s.problems, { who: "bob-watch", baseURL: s.daemon.url });
  try {
    await context.grantPermissions(["microphone"]);
    await logIn(page, "owner");
    await logIn(watcher.page, "bob");
    await channels(page).getByRole("button", { name: "Join voice channel Lounge" }).click();
    const bar = page.getByRole("region", { name: "Voice connected" });
    await bar.getByText("Voice connected").waitFor({ timeout: 20_000 });
    // The other member sees me in the channel.
    await channels(watcher.page).getByRole("list", { name: "In Lounge" }).getByText("owner").waitFor();

    const mute = bar.getByRole("button", { name: "Mute", exact: true });
    await mute.click();
    const unmute = bar.getByRole("button", { name: "Unmute", exact: true });
    await unmute.waitFor();
    assert.equal(await unmute.getAttribute("aria-pressed"), "true");
    await bar.getByRole("button", { name: "Deafen", exact: true }).click();
    const undeafen = bar.getByRole("button", { name: "Undeafen", exact: true });
    await undeafen.waitFor();
    assert.equal(await undeafen.getAttribute("aria-pressed"), "true");
    await screenshot(page, "voice-bar-muted");
    // Undeafen keeps the mute I chose before deafening.
    await undeafen.click();
    await bar.getByRole("button", { name: "Deafen", exact: true }).waitFor();
    await unmute.click();
    await bar.getByRole("button", { name: "Mute", exact: true }).waitFor();
    // Deafen alone mutes too, and undeafen unmutes again.
    await bar.getByRole("button", { name: "Deafen", exact: true }).click();
    await unmute.waitFor();
    await undeafen.click();
    await bar.getByRole("button", { name: "Mute", exact: true }).waitFor();

    await bar.getByRole("button", { name: "Disconnect" }).click();
    await bar.waitFor({ state: "detached" });
    await channels(page).getByRole("button", { name: "Join voice channel Lounge" }).waitFor();
    await channels(watcher.page).getByRole("list", { name: "In Lounge" }).waitFor({ state: "detached" });
  } finally {
    await context.close();
    await watcher.context.close();
  }
});

test("a refused microphone gets a clear message", async () => {
  // A browser that has a (fake) microphone but asks, and is answered no.
  const browser = await launch({ args: ["--use-fake-device-for-media-stream"] });
  try {
    const { page } = await newPage(browser, s.problems, { who: "bob-refused", baseURL: s.daemon.url });
    await logIn(page, "bob");
    await channels(page).getByRole("button", { name: "Join voice channel Lounge" }).click();
    const alert = page.getByRole("alert").filter({ hasText: "Microphone access was refused" });
    await alert.waitFor({ timeout: 20_000 });
    assert.match((await alert.textContent()) ?? "", /You can listen/);
    await screenshot(page, "voice-mic-refused");
  } finally {
    await browser.close();
  }
});
