// @ts-check
/**
 * @file Benchmark (docs/benchmarks.md, "Browser client"), not a node --test file: 100 messages
 * a second (from 5 members, over REST) arrive in the channel a headless Chromium has open, for
 * --minutes (default 10). Each message carries its post time; a MutationObserver in the page
 * notes when its article appears, so the post→render delay is measured per minute (it must
 * not grow), with the JS heap (CDP Runtime.getHeapUsage, after a GC at each sample).
 *
 * Run: SPECTRUS_BIN=target/release/spectrusd node web/tests/bench/firehose.bench.mjs [--minutes 1] [--rate 100]
 */
import { startDaemon } from "../lib/daemon.mjs";
import { Api } from "../lib/api.mjs";
import { launch, newPage, Problems } from "../lib/browser.mjs";
import { logIn, openChannel } from "../lib/ui.mjs";

/** @param {string} name @param {number} dflt */
function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const MINUTES = arg("minutes", 10);
const RATE = arg("rate", 100);
const POSTERS = 5;

const daemon = await startDaemon();
const owner = await new Api(daemon.url).claim();
const general = await owner.channelId("general");
/** @type {Api[]} */
const posters = [];
for (let i = 0; i < POSTERS; i++) posters.push(await owner.invite(`poster${i}`));

const browser = await launch();
const problems = new Problems();
const { page, context } = await newPage(browser, problems, { baseURL: daemon.url });
await logIn(page, "owner");
await openChannel(page, "general");
const cdp = await context.newCDPSession(page);
await cdp.send("HeapProfiler.enable");

// The page notes when each "fh <n> <postMs>" article appears; the clocks are the same machine's.
await page.evaluate(() => {
  const w = /** @type {any} */ (window);
  w.__lat = [];
  w.__store = [];
  w.__seen = 0;
  new MutationObserver((recs) => {
    const now = Date.now();
    for (const r of recs) for (const n of r.addedNodes) {
      if (!(n instanceof HTMLElement)) continue;
      const arts = n.matches("article[data-mid]") ? [n] : n.querySelectorAll("article[data-mid]");
      for (const a of arts) {
        const m = /fh (\d+) (\d+)/.exec(a.textContent || "");
        if (!m) continue;
        w.__lat.push(now - Number(m[2]));
        w.__seen++;
        // From the server's timestamp: the gateway and the page only, not the REST queue.
        const t = a.querySelector("time[datetime]");
        const at = t ? Date.parse(t.getAttribute("datetime") || "") : NaN;
        if (!Number.isNaN(at)) w.__store.push(now - at);
      }
    }
  }).observe(document.body, { childList: true, subtree: true });
});

let sent = 0, failed = 0, inflight = 0;
const startMs = Date.now();
const endMs = startMs + MINUTES * 60_000;
const tick = 1000 / RATE;
/** @type {any[]} */
const rows = [];
let nextSample = startMs + Math.min(60_000, MINUTES * 30_000);
let nextProgress = startMs + 10_000;
let nextPost = startMs;

/** @param {string} label */
async function sample(label) {
  await cdp.send("HeapProfiler.collectGarbage");
  const heap = await cdp.send("Runtime.getHeapUsage");
  const s = await page.evaluate(() => {
    const w = /** @type {any} */ (window);
    const l = /** @type {number[]} */ (w.__lat.splice(0)).sort((a, b) => a - b);
    const q = (/** @type {number} */ p) => l.length ? l[Math.min(l.length - 1, Math.floor(l.length * p))] : NaN;
    const st = /** @type {number[]} */ (w.__store.splice(0)).sort((a, b) => a - b);
    const qs = (/** @type {number} */ p) => st.length ? st[Math.min(st.length - 1, Math.floor(st.length * p))] : NaN;
    return { rendered: l.length, postToRender: { p50: q(0.5), p95: q(0.95), max: l[l.length - 1] ?? NaN },
      storedToRender: { p50: qs(0.5), p95: qs(0.95), max: st[st.length - 1] ?? NaN },
      articles: document.querySelectorAll("article[data-mid]").length };
  });
  const row = { at: label, sent, failed, ...s, heapMiB: +(heap.usedSize / 1048576).toFixed(1) };
  rows.push(row);
  console.log(JSON.stringify(row));
}

while (Date.now() < endMs) {
  const now = Date.now();
  if (now >= nextSample) {
    nextSample += 60_000;
    void sample(`${((now - startMs) / 60_000).toFixed(1)} min`);
  }
  if (now >= nextProgress) {
    nextProgress += 10_000;
    console.error(`${Math.round((now - startMs) / 1000)} s: sent ${sent}, failed ${failed}, in flight ${inflight}`);
  }
  while (nextPost <= Date.now() && nextPost < endMs) {
    const n = sent++;
    const who = posters[n % POSTERS];
    inflight++;
    who.post(general, `fh ${n} ${Date.now()}`).catch((e) => { failed++; if (failed < 5) console.error(String(e)); }).finally(() => inflight--);
    nextPost += tick;
  }
  await new Promise((r) => setTimeout(r, Math.max(1, nextPost - Date.now())));
}
const drainEnd = Date.now() + 60_000;
while (inflight > 0 && Date.now() < drainEnd) await new Promise((r) => setTimeout(r, 50));
console.error(`drained: in flight ${inflight} after ${((Date.now() - endMs) / 1000).toFixed(1)} s`);
await new Promise((r) => setTimeout(r, 3000));
await sample("end");
const seen = await page.evaluate(() => /** @type {any} */ (window).__seen);
console.log(JSON.stringify({ minutes: MINUTES, rate: RATE, sent, failed, renderedTotal: seen, achievedRate: +(sent / ((Date.now() - startMs) / 1000)).toFixed(1) }));
problems.check();
await browser.close();
await daemon.dispose();
