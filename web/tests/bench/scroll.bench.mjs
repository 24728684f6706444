// @ts-check
/**
 * @file Benchmark (docs/benchmarks.md, "Browser client"), not a node --test file: a channel
 * with 100,000 messages (seeded straight into SQLite while the daemon is stopped, with
 * snowflake ids one millisecond apart), scrolled back through 2,000 of them and down again in
 * headless Chromium. Prints frame times (requestAnimationFrame deltas, and long animation
 * frames from PerformanceObserver) and the number of message articles in the DOM over time.
 *
 * Run: SPECTRUS_BIN=target/release/spectrusd node web/tests/bench/scroll.bench.mjs [--count 100000] [--back 2000]
 * With PROFILE=<file.cpuprofile> the page's JavaScript is profiled (CDP Profiler) over the
 * whole scroll and the functions with the most self time are printed.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { startDaemon } from "../lib/daemon.mjs";
import { Api } from "../lib/api.mjs";
import { launch, newPage, Problems } from "../lib/browser.mjs";
import { logIn, openChannel } from "../lib/ui.mjs";

/** @param {string} name @param {number} dflt */
function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const COUNT = arg("count", 100_000);
const BACK = arg("back", 2000);
const EPOCH_MS = 1_767_225_600_000n;

const daemon = await startDaemon();
const owner = await new Api(daemon.url).claim();
const bob = await owner.invite("bob");
const general = await owner.channelId("general");
await owner.post(general, "the newest message");
await daemon.stop("SIGTERM");

// 100k rows, alternating authors, ids 1 ms apart ending a day ago (older than the post above).
const start = BigInt(Date.now()) - 86_400_000n - BigInt(COUNT) - EPOCH_MS;
const sql = `
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${COUNT - 1})
INSERT INTO messages (id, channel_id, author_id, content)
SELECT ((${start} + i) << 22), ${general}, CASE WHEN i % 3 = 0 THEN ${bob.user.id} ELSE ${owner.user.id} END,
  'bench message ' || i || CASE WHEN i % 5 = 0 THEN ' with a longer line of text so that some messages wrap onto a second line in the list, like people write' ELSE '' END
FROM n;`;
const t0 = Date.now();
const db = execFileSync("sh", ["-c", `ls ${daemon.dataDir}/*.db ${daemon.dataDir}/*.sqlite 2>/dev/null | head -1`]).toString().trim();
execFileSync("sqlite3", [db, sql]);
console.log(`seeded ${COUNT} messages into ${db} in ${Date.now() - t0} ms`);
await daemon.start();

const browser = await launch();
const problems = new Problems();
const { page } = await newPage(browser, problems, { baseURL: daemon.url, width: 1440, height: 900 });
await logIn(page, "owner");
const log = await openChannel(page, "general");
await log.getByRole("article").filter({ hasText: "the newest message" }).waitFor();

await page.evaluate(() => {
  const w = /** @type {any} */ (window);
  w.__frames = [];
  w.__laf = [];
  w.__dom = [];
  let last = performance.now();
  const tick = (/** @type {number} */ t) => {
    w.__frames.push(t - last);
    last = t;
    w.__dom.push(document.querySelectorAll("article[data-mid]").length);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) w.__laf.push(e.duration); })
      .observe({ type: "long-animation-frame", buffered: false });
  } catch {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) w.__laf.push(e.duration); })
      .observe({ type: "longtask", buffered: false });
  }
});

/** The lowest "bench message N" index in the DOM (the first article: the list is in order). */
const lowest = () => page.evaluate(() => {
  const a = document.querySelector("article[data-mid]");
  const m = /bench message (\d+)/.exec((a && a.textContent) || "");
  return m ? Number(m[1]) : Infinity;
});

const cdp = process.env.PROFILE ? await page.context().newCDPSession(page) : null;
if (cdp) {
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
  await cdp.send("Profiler.start");
}

const target = COUNT - BACK;
await page.mouse.move(720, 400);
const tScroll = Date.now();
let steps = 0;
while ((await lowest()) > target) {
  await page.mouse.wheel(0, -400);
  await page.waitForTimeout(16);
  if (++steps % 100 === 0) console.log(`back: step ${steps}, lowest ${await lowest()}, articles ${await page.locator("article[data-mid]").count()}, scrollTop ${await log.evaluate((e) => e.scrollTop)}`);
  if (steps > 20_000) throw new Error("scroll-back stalled");
}
const backMs = Date.now() - tScroll;
const maxDomBack = await page.evaluate(() => Math.max(.../** @type {any} */ (window).__dom));
// And down again to the end (the dropped newer end reloads).
const tDown = Date.now();
for (;;) {
  const done = await page.evaluate(() => {
    const all = document.querySelectorAll("article[data-mid]");
    return all.length > 0 && (all[all.length - 1].textContent || "").includes("the newest message");
  });
  if (done) break;
  await page.mouse.wheel(0, 400);
  await page.waitForTimeout(16);
  if (++steps % 100 === 0) console.log(`down: step ${steps}, lowest ${await lowest()}, articles ${await page.locator("article[data-mid]").count()}, scrollTop ${await log.evaluate((e) => e.scrollTop)}`);
  if (steps > 60_000) throw new Error("scroll-down stalled");
}
const downMs = Date.now() - tDown;

if (cdp && process.env.PROFILE) {
  const { profile } = await cdp.send("Profiler.stop");
  writeFileSync(process.env.PROFILE, JSON.stringify(profile));
  // Self time per function: samples × their interval.
  /** @type {Map<number, any>} */
  const byId = new Map(profile.nodes.map((/** @type {any} */ n) => [n.id, n]));
  /** @type {Map<string, number>} */
  const self = new Map();
  const dts = profile.timeDeltas ?? [];
  (profile.samples ?? []).forEach((/** @type {number} */ id, /** @type {number} */ i) => {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*\/assets\/[^/]+\//, "")}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (dts[i] ?? 0) / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`profile: ${Math.round(total)} ms sampled; top self time:`);
  for (const [k, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${ms.toFixed(0).padStart(7)} ms  ${k}`);
}

const r = await page.evaluate(() => {
  const w = /** @type {any} */ (window);
  const f = /** @type {number[]} */ (w.__frames).slice(1).sort((a, b) => a - b);
  const q = (/** @type {number} */ p) => f[Math.min(f.length - 1, Math.floor(f.length * p))];
  return {
    frames: f.length, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: f[f.length - 1],
    over16: f.filter((x) => x > 16.7 * 1.5).length,
    laf: w.__laf.length, lafMax: Math.max(0, ...w.__laf),
    domMax: Math.max(...w.__dom), domEnd: w.__dom[w.__dom.length - 1],
  };
});
const out = {
  count: COUNT, back: BACK, backMs, downMs, maxDomBack,
  framesMs: { p50: +r.p50.toFixed(1), p95: +r.p95.toFixed(1), p99: +r.p99.toFixed(1), max: +r.max.toFixed(1) },
  frames: r.frames, framesOver25ms: r.over16, longAnimationFrames: r.laf, longestAnimationFrameMs: Math.round(r.lafMax),
  domArticlesMax: r.domMax, domArticlesAtEnd: r.domEnd,
};
console.log(JSON.stringify(out, null, 2));
if (process.env.BENCH_OUT) writeFileSync(join(process.env.BENCH_OUT), JSON.stringify(out));
problems.check();
await browser.close();
await daemon.dispose();
