// @ts-check
/**
 * @file Attachments in a real browser (issue 17): files attached with the picker, dropped or
 * pasted show as chips (name, size, remove) and go with the message; images show inline at
 * their aspect ratio and open a lightbox (Esc closes, arrows step, "Open original"; from the
 * keyboard too: Enter on a thumbnail, Escape back to the thumbnail of the image shown); other
 * files are download cards; a file over the limit is refused in words near the composer; a
 * member who cannot see the channel gets 404 for the file's URL.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./lib/suite.mjs";
import { newPage, screenshot, eventually } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { composer, logIn, message, openChannel } from "./lib/ui.mjs";
import { png } from "./lib/png.mjs";

const s = suite({ env: { SPECTRUS_UPLOAD_MAX_FILE_BYTES: "300000" } });

/** @type {{ owner: Api, bob: Api, page: import("playwright-core").Page }} */
const w = /** @type {any} */ ({});

before(async () => {
  await s.ready;
  w.owner = await new Api(s.daemon.url).claim();
  w.bob = await w.owner.invite("bob");
  const { page } = await newPage(s.browser, s.problems, { who: "owner", baseURL: s.daemon.url });
  w.page = page;
  await logIn(page, "owner");
  await openChannel(page, "general");
});

test("files from the picker show as chips and go with the message; an image opens in a lightbox", async () => {
  const page = w.page;
  await page.getByLabel("Files to attach").setInputFiles([
    { name: "sunset.png", mimeType: "image/png", buffer: png(960, 540) },
    { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("remember the milk\n") },
  ]);
  const chips = page.getByRole("list", { name: "Files to send" });
  await chips.getByText("sunset.png").waitFor();
  await chips.getByText("notes.txt").waitFor();
  assert.equal(await chips.getByRole("listitem").count(), 2);
  await screenshot(page, "attachments-chips");
  await composer(page, "general").fill("holiday pictures");
  await composer(page, "general").press("Enter");

  const msg = message(page, "general", "holiday pictures");
  const img = msg.getByRole("button", { name: "Open image sunset.png" });
  await img.waitFor();
  await msg.getByRole("link", { name: "Download notes.txt" }).waitFor();
  await eventually(
    () => img.locator("img").evaluate((el) => /** @type {HTMLImageElement} */ (el).complete && /** @type {HTMLImageElement} */ (el).naturalWidth > 0),
    "the inline image loads through its signed URL",
  );
  const box = await img.boundingBox();
  assert.ok(box && Math.abs(box.width / box.height - 960 / 540) < 0.03, `aspect ratio kept: ${JSON.stringify(box)}`);
  await eventually(async () => (await chips.count()) === 0, "the chips are gone once sent");
  await screenshot(page, "attachments-message");

  await img.click();
  const box2 = page.getByRole("dialog", { name: "sunset.png" });
  await box2.waitFor();
  const original = box2.getByRole("link", { name: "Open original" });
  const href = await original.getAttribute("href");
  assert.match(href || "", /^\/api\/v1\/attachments\/\d+\/sunset\.png\?ex=\d+&sig=[0-9a-f]+$/);
  await screenshot(page, "attachments-lightbox");
  await page.keyboard.press("Escape");
  await box2.waitFor({ state: "detached" });
  s.problems.check();
});

test("the lightbox from the keyboard: Enter on a thumbnail, ←/→ between the message's images, Escape back to the thumbnail", async () => {
  const page = w.page;
  await page.getByLabel("Files to attach").setInputFiles([
    { name: "one.png", mimeType: "image/png", buffer: png(320, 240) },
    { name: "two.png", mimeType: "image/png", buffer: png(240, 320) },
    { name: "three.png", mimeType: "image/png", buffer: png(300, 300) },
  ]);
  await page.getByRole("list", { name: "Files to send" }).getByText("three.png").waitFor();
  await composer(page, "general").fill("three in a row");
  await composer(page, "general").press("Enter");
  const msg = message(page, "general", "three in a row");
  const thumb = (/** @type {string} */ name) => msg.getByRole("button", { name: `Open image ${name}` });
  await thumb("three.png").waitFor();
  await msg.getByText("Sending…").waitFor({ state: "detached" });
  for (const name of ["one.png", "two.png", "three.png"]) {
    await eventually(() => thumb(name).locator("img").evaluate((el) => /** @type {HTMLImageElement} */ (el).complete), `${name}'s thumbnail loads`);
  }
  /** @param {string} name */
  const focusOn = (name) => eventually(() => thumb(name).evaluate((e) => e === document.activeElement), `the focus on ${name}'s thumbnail`, 3_000);

  await thumb("one.png").focus();
  await page.keyboard.press("Enter");
  const shown = (/** @type {string} */ name) => page.getByRole("dialog", { name });
  await shown("one.png").waitFor();
  await shown("one.png").getByText("1 of 3").waitFor();
  await page.keyboard.press("ArrowRight");
  await shown("two.png").getByText("2 of 3").waitFor();
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("ArrowLeft");
  await shown("three.png").getByText("3 of 3").waitFor();
  await screenshot(page, "attachments-lightbox-keyboard");
  // Escape closes it; the focus is on the thumbnail of the image it showed.
  await page.keyboard.press("Escape");
  await shown("three.png").waitFor({ state: "detached" });
  await focusOn("three.png");
  // Opened and closed on the same image: back on the thumbnail that opened it.
  await page.keyboard.press("Enter");
  await shown("three.png").waitFor();
  await page.keyboard.press("Escape");
  await shown("three.png").waitFor({ state: "detached" });
  await focusOn("three.png");
  // Space opens it too (a button); Tab stays inside; its Next button works by keyboard.
  await thumb("two.png").focus();
  await page.keyboard.press("Space");
  await shown("two.png").waitFor();
  await shown("two.png").getByRole("button", { name: "Next image" }).focus();
  await page.keyboard.press("Enter");
  await shown("three.png").waitFor();
  await page.keyboard.press("Escape");
  await focusOn("three.png");
  s.problems.check();
});

test("a dropped file joins the message, and a chip can be removed", async () => {
  const page = w.page;
  const drop = async (/** @type {string} */ name, /** @type {string} */ text) => {
    await page.locator(".composer-wrap").evaluate((el, [n, t]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([t], n, { type: "text/plain" }));
      el.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, [name, text]);
  };
  await drop("wrong.txt", "not this one");
  await drop("dropped.txt", "dropped in");
  const chips = page.getByRole("list", { name: "Files to send" });
  await chips.getByText("dropped.txt").waitFor();
  await chips.getByRole("button", { name: "Remove wrong.txt" }).click();
  await eventually(async () => (await chips.getByRole("listitem").count()) === 1, "one chip left");
  // Pasting a file works the same way.
  await composer(page, "general").evaluate((el) => {
    const dt = new DataTransfer();
    dt.items.add(new File(["pasted"], "pasted.txt", { type: "text/plain" }));
    el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
  });
  await chips.getByText("pasted.txt").waitFor();
  await composer(page, "general").fill("drop and paste");
  await composer(page, "general").press("Enter");
  const msg = message(page, "general", "drop and paste");
  await msg.getByRole("link", { name: "Download dropped.txt" }).waitFor();
  await msg.getByRole("link", { name: "Download pasted.txt" }).waitFor();
  assert.equal(await msg.getByRole("link", { name: "Download wrong.txt" }).count(), 0);
  const stored = (await w.owner.call("GET", `/channels/${await w.owner.channelId("general")}/messages?limit=5`))
    .find((/** @type {any} */ m) => m.content === "drop and paste");
  assert.deepEqual(stored.attachments.map((/** @type {any} */ a) => a.filename), ["dropped.txt", "pasted.txt"]);
  s.problems.check();
});

test("a file over the limit is refused in words near the composer and stays attached", async () => {
  const page = w.page;
  s.problems.allow(/status of 413/);
  await page.getByLabel("Files to attach").setInputFiles([
    { name: "huge.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(400_000, 7) },
  ]);
  await composer(page, "general").fill("too big");
  await composer(page, "general").press("Enter");
  const alert = page.locator(".composer-wrap").getByRole("alert");
  await alert.waitFor();
  assert.match(await alert.innerText(), /huge\.bin is larger than 0\.3 MB/);
  await page.getByRole("list", { name: "Files to send" }).getByText("huge.bin").waitFor();
  await screenshot(page, "attachments-too-large");
  await page.getByRole("button", { name: "Remove huge.bin" }).click();
  await composer(page, "general").fill("");
  s.problems.check();
});

test("a member who cannot see the channel gets 404 for the file", async () => {
  const secret = (await w.owner.call("POST", "/channels", { name: "secret", type: "text" })).id;
  const form = new FormData();
  form.append("payload_json", JSON.stringify({ content: "the plan" }));
  form.append("files[0]", new Blob(["top secret"]), "plan.txt");
  const res = await fetch(`${s.daemon.url}/api/v1/channels/${secret}/messages`, {
    method: "POST", headers: { authorization: `Bearer ${w.owner.token}` }, body: form,
  });
  assert.equal(res.status, 201);
  const url = (await res.json()).attachments[0].url.split("?")[0];
  const get = (/** @type {Api} */ who) => fetch(s.daemon.url + url, { headers: { authorization: `Bearer ${who.token}` } });
  assert.equal((await get(w.bob)).status, 200, "bob can see it while the channel is open");
  const everyone = (await w.owner.call("GET", "/roles"))[0].id;
  await w.owner.call("PUT", `/channels/${secret}/overwrites/${everyone}`, { allow: [], deny: ["channels:view"] });
  assert.equal((await get(w.bob)).status, 404);
  assert.equal((await get(w.owner)).status, 200);
});

test("an avatar uploaded in Settings shows beside my messages", async () => {
  const page = w.page;
  await page.getByRole("button", { name: "User settings" }).click();
  const dialog = page.getByRole("dialog", { name: "Settings" });
  await dialog.getByLabel("Avatar image").setInputFiles([{ name: "me.png", mimeType: "image/png", buffer: png(300, 200) }]);
  await dialog.getByRole("status").filter({ hasText: "Avatar saved." }).waitFor();
  await dialog.getByRole("button", { name: "Remove avatar" }).waitFor();
  await screenshot(page, "attachments-avatar-settings");
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
  const pic = message(page, "general", "holiday pictures").locator("img.avatar-img");
  await eventually(
    () => pic.evaluate((el) => /** @type {HTMLImageElement} */ (el).complete && /** @type {HTMLImageElement} */ (el).naturalWidth === 256),
    "my message shows the 256 px avatar",
  );
  await screenshot(page, "attachments-avatar-message");
  s.problems.check();
});

test("the owner uploads a server icon in Server settings → Overview", async () => {
  const page = w.page;
  await page.getByRole("button", { name: "Spectrus", exact: true }).click();
  await page.getByRole("menuitem", { name: "Server settings" }).click();
  const view = page.getByRole("dialog", { name: "Server settings" });
  await view.getByLabel("Icon image").setInputFiles([{ name: "icon.png", mimeType: "image/png", buffer: png(400, 300) }]);
  await view.getByRole("status").filter({ hasText: "Icon saved." }).waitFor();
  await eventually(async () => /^\/api\/v1\/images\/[0-9a-f]{64}\.png$/.test((await w.owner.call("GET", "/server")).icon_url || ""), "the icon is set");
  await view.getByRole("img", { name: "Server icon preview" }).waitFor();
  await screenshot(page, "attachments-server-icon");
  await page.keyboard.press("Escape");
  s.problems.check();
});
