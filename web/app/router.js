// @ts-check
/** @module router — the client's routes from location.pathname (history API). */
import { signal } from "../vendor/signals.mjs";

export const path = signal(location.pathname + location.search);

/** What had the focus when the route last changed (the link clicked, the box a key was pressed in). */
let focusAtChange = /** @type {Element|null} */ (null);

/**
 * Whether a view the last route change opened may move the focus (a channel's message box on
 * mount): only while the person has not put it anywhere since, i.e. it is on nothing, or
 * still where it was when the route changed. What they focused meanwhile (Ctrl+F's search
 * box, a Tab) and what the app gave it back to (the server menu's button) stay focused.
 */
export function focusUntouched() {
  const a = document.activeElement;
  return !a || a === document.body || a === focusAtChange;
}

/**
 * Goes to `to`. A replacing navigation is a redirect (home to the last channel, a settings
 * tab): it continues the route change before it, whose focus record it keeps.
 * @param {string} to @param {boolean} [replace]
 */
export function navigate(to, replace = false) {
  if (!replace) focusAtChange = document.activeElement;
  if (to === location.pathname + location.search) { path.value = to; return; }
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  path.value = to;
}

addEventListener("popstate", () => { focusAtChange = document.activeElement; path.value = location.pathname + location.search; });

/**
 * @typedef {{name: "home"} | {name: "login", invite?: string} | {name: "register"} | {name: "invite", code: string}
 *   | {name: "channel", cid: string, mid?: string} | {name: "settings"}
 *   | {name: "server-settings", tab: string}} Route
 */

/** @param {string} p @returns {Route} */
export function parse(p) {
  const [pathname, query] = p.split("?");
  const q = new URLSearchParams(query || "");
  let m;
  if (pathname === "/login") return { name: "login", invite: q.get("invite") || undefined };
  if (pathname === "/register") return { name: "register" };
  if ((m = /^\/invite\/([^/]+)\/?$/.exec(pathname))) return { name: "invite", code: decodeURIComponent(m[1]) };
  if ((m = /^\/channels\/(\d+)(?:\/(\d+))?\/?$/.exec(pathname))) return { name: "channel", cid: m[1], mid: m[2] };
  if (pathname === "/settings") return { name: "settings" };
  if ((m = /^\/server-settings(?:\/([a-z-]+))?\/?$/.exec(pathname))) return { name: "server-settings", tab: m[1] || "" };
  return { name: "home" };
}
