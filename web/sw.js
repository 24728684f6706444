// @ts-check
/// <reference lib="webworker" />
/**
 * Service worker: caches the app shell so the client opens fast and offline. Versioned assets
 * (/assets/<build>/...) are immutable: cache first. index.html and other navigations: network
 * first, falling back to the cached shell. Never /api/ (always the network).
 */
const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));
// The daemon replaces __BUILD__ with the build id: a new build names a new cache, and
// `activate` deletes the old shell.
const CACHE = "spectrus-shell-__BUILD__";

sw.addEventListener("install", (e) => {
  sw.skipWaiting();
  // The shell itself, so a navigation finds it offline from the first visit on.
  e.waitUntil(caches.open(CACHE).then((c) => c.add("/")).catch(() => {}));
});

// The page lists the versioned assets it loaded before this worker controlled it.
sw.addEventListener("message", (e) => {
  const d = e.data;
  if (!d || d.type !== "cache-shell" || !Array.isArray(d.urls)) return;
  const urls = d.urls.filter((/** @type {unknown} */ u) => typeof u === "string" && new URL(u).origin === location.origin && new URL(u).pathname.startsWith("/assets/"));
  e.waitUntil(caches.open(CACHE).then(async (c) => {
    for (const u of urls) if (!(await c.match(u))) await c.add(u).catch(() => {});
  }));
});
sw.addEventListener("activate", (e) => {
  e.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)))).then(() => sw.clients.claim()));
});

sw.addEventListener("fetch", (e) => {
  const req = e.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
  if (url.pathname.startsWith("/assets/")) {
    e.respondWith(caches.open(CACHE).then(async (c) => {
      const hit = await c.match(req);
      if (hit) return hit;
      const res = await fetch(req);
      if (res.ok) c.put(req, res.clone());
      return res;
    }));
    return;
  }
  if (req.mode === "navigate" || url.pathname.startsWith("/icons/") || url.pathname === "/manifest.webmanifest") {
    e.respondWith(fetch(req).then((res) => {
      if (res.ok) {
        const copy = res.clone();
        const key = req.mode === "navigate" ? "/" : req;
        caches.open(CACHE).then((c) => c.put(key, copy));
      }
      return res;
    }).catch(async () => (await caches.match(req.mode === "navigate" ? "/" : req)) || Response.error()));
  }
});
