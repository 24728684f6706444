// @ts-check
/**
 * @module main — the entry: routes between first run, auth screens and the app; the offline
 * banner, the removed-from-server dialog, the crash banner; the service worker.
 */
import { render, options } from "../vendor/preact.mjs";
import { useEffect, useState } from "../vendor/preact-hooks.mjs";
import { html } from "./lib/html.js";
import { path, parse, navigate } from "./router.js";
import { api, currentUser, clearSession, errorText } from "./net/api.js";
import { connection } from "./net/gateway.js";
import { startSession, endSession } from "./net/session.js";
import { removed, server as liveServer } from "./net/store.js";
import { ClaimScreen, LoginScreen, RegisterScreen } from "./auth/auth.js";
import { Shell } from "./chat/shell.js";
import { crashed } from "./ui/state.js";
import { Toasts } from "./ui/toast.js";
import { Dialog } from "./ui/dialog.js";
import { startAttention } from "./attention.js";
import { playOnHover } from "./emoji/motion.js";
import "./lib/prefs.js";

// Render at most once a frame (or every 50 ms when frames stall or the tab is hidden): a busy
// channel's dispatches arrive faster than frames, and each used to render on its own.
options.debounceRendering = (cb) => {
  let done = false;
  const run = () => { if (!done) { done = true; cb(); } };
  requestAnimationFrame(run);
  setTimeout(run, 50);
};

/** @typedef {import("./net/types.js").ServerInfo} ServerInfo */

/**
 * Apply the server's branding (premium; all null otherwise): the accent colour as the --accent
 * token, and before login the app name as the page title (in the app the title also counts
 * unread messages: attention.js). @param {ServerInfo|null} s
 */
function applyBranding(s) {
  const c = s && s.branding && s.branding.accent_color;
  const root = document.documentElement;
  if (c && /^#[0-9a-fA-F]{6}$/.test(c)) root.style.setProperty("--accent", c);
  else root.style.removeProperty("--accent");
  if (s && !liveServer.value) document.title = (s.branding && s.branding.app_name) || "Spectrus";
}

function OfflineBanner() {
  if (connection.value !== "offline") return null;
  return html`<div class="offline-banner" role="status"><span class="spinner" aria-hidden="true"></span>Offline — reconnecting…</div>`;
}

function CrashBanner() {
  if (!crashed.value) return null;
  return html`<div class="crash-banner" role="alert"><strong>Something went wrong</strong>
    <span>An unexpected error happened in this page.</span>
    <button class="btn small" onClick=${() => location.reload()}>Reload</button>
    <button class="btn small ghost" onClick=${() => { crashed.value = false; }}>Dismiss</button></div>`;
}

function RemovedDialog() {
  const r = removed.value;
  if (!r) return null;
  const done = () => { removed.value = null; endSession(); clearSession(); navigate("/login", true); };
  return html`<${Dialog} title=${r.banned ? "You were banned from the server" : "You were removed from the server"} onClose=${done} role="alertdialog">
    <p>${r.banned ? "A moderator banned your account. You can no longer log in here." : "A moderator removed you from this server. You can rejoin with a new invite."}</p>
    <div class="dialog-actions"><button class="btn primary" data-autofocus onClick=${done}>OK</button></div>
  </${Dialog}>`;
}

function App() {
  const [info, setInfo] = useState(/** @type {ServerInfo|null} */ (null));
  const [infoError, setInfoError] = useState(/** @type {string|null} */ (null));
  const route = parse(path.value);
  const user = currentUser.value;

  const loadInfo = () => {
    setInfoError(null);
    api("GET", "/server", undefined, { auth: false }).then((s) => { setInfo(s); applyBranding(s); }).catch((e) => setInfoError(errorText(e)));
  };
  useEffect(loadInfo, [user ? user.id : null]);
  useEffect(() => { if (liveServer.value) applyBranding(liveServer.value); }, [liveServer.value]);

  const authed = !!user && !removed.value;
  const inApp = authed && route.name !== "login" && route.name !== "register" && !(route.name === "invite" && !user);
  useEffect(() => {
    if (inApp) startSession();
  }, [inApp]);

  // An invite link while logged in: accept it, then go in.
  useEffect(() => {
    if (user && route.name === "invite") {
      api("POST", `/invites/${encodeURIComponent(route.code)}`).catch(() => {}).finally(() => navigate("/", true));
    }
  }, [user ? user.id : null, route.name]);

  /** @type {any} */
  let body;
  // Logged in, the chat needs no server info to start: with the server unreachable it shows
  // the cached shell, "Offline — reconnecting…", and comes back by itself.
  if (infoError && !info && !user) {
    body = html`<div class="auth-page"><main class="auth-card"><h1>Cannot reach the server</h1>
      <p class="form-error" role="alert">${infoError}</p><button class="btn primary" onClick=${loadInfo}>Try again</button></main></div>`;
  } else if (!info && !user) {
    body = html`<div class="auth-page"><div class="pulse-logo" aria-hidden="true"></div><p role="status" class="muted">Loading…</p></div>`;
  } else if (info && info.setup_required && !user) {
    body = html`<${ClaimScreen} server=${info} />`;
  } else if (!user || removed.value) {
    if (route.name === "invite") body = html`<${RegisterScreen} server=${info} invite=${route.code} />`;
    else if (route.name === "register") body = html`<${RegisterScreen} server=${info} />`;
    else body = html`<${LoginScreen} server=${info} invite=${route.name === "login" ? route.invite : undefined} />`;
  } else if (route.name === "login" || route.name === "register") {
    navigate("/", true);
    body = null;
  } else {
    body = html`<${Shell} route=${route} />`;
  }
  return html`${body}<${OfflineBanner} /><${RemovedDialog} /><${CrashBanner} /><${Toasts} />`;
}

addEventListener("error", (e) => { console.error(e.error || e.message); crashed.value = true; });
addEventListener("unhandledrejection", (e) => { console.error(e.reason); crashed.value = true; });

// Logged out elsewhere (another tab, a revoked session): leave the app.
currentUser.subscribe((u) => { if (!u) endSession(); });

startAttention();
playOnHover();
const root = document.getElementById("app");
if (root) {
  root.textContent = "";
  render(html`<${App} />`, root);
}

if ("serviceWorker" in navigator && location.protocol !== "file:") {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  // The first visit loaded the shell before the worker existed, so it has none of it cached:
  // hand it what this page loaded, so the next visit opens even with the server unreachable.
  navigator.serviceWorker.ready.then((reg) => {
    const urls = performance.getEntriesByType("resource").map((e) => e.name)
      .filter((u) => u.startsWith(location.origin + "/assets/"));
    if (reg.active) reg.active.postMessage({ type: "cache-shell", urls });
  }).catch(() => {});
}
