// @ts-check
/**
 * @module net/api — the one REST client: bearer token, refresh before expiry and one refresh
 * at a time (shared across tabs through localStorage and Web Locks), errors as ApiError.
 * A 429 is never retried: it becomes words with the wait (Retry-After), and the same call
 * fails at once, without a request, until that wait is over (no retry storm).
 */
import { signal } from "../../vendor/signals.mjs";

/** @typedef {import("./types.js").Session} Session */
/** @typedef {import("./types.js").ApiError} ApiError */
/** @typedef {import("./types.js").User} User */

const KEY = "spectrus.session";
const BASE = "/api/v1";

/** @typedef {{refresh_token: string, access_token: string, expires_at: number, user: User}} Stored */

/** The logged-in user, or null when logged out. */
export const currentUser = signal(/** @type {User|null} */ (null));

/** @type {Stored|null} */
let stored = load();
/** @type {Promise<void>|null} */
let refreshing = null;
/** @type {ReturnType<typeof setTimeout>|undefined} */
let timer;

/** @returns {Stored|null} */
function load() {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? /** @type {Stored} */ (JSON.parse(raw)) : null;
  } catch {
    return null;
  }
}

/** @param {Stored|null} s */
function save(s) {
  stored = s;
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
  currentUser.value = s ? s.user : null;
  schedule();
}

function schedule() {
  clearTimeout(timer);
  if (!stored) return;
  const wait = Math.max(5000, stored.expires_at - Date.now() - 60_000);
  timer = setTimeout(() => { refresh().catch(() => {}); }, wait);
}

/** True when a refresh token is kept (the session may survive a reload). */
export function hasSession() {
  return !!stored;
}

/** @param {Session} s */
export function adoptSession(s) {
  save({
    refresh_token: s.refresh_token,
    access_token: s.access_token,
    expires_at: Date.now() + s.expires_in * 1000,
    user: s.user,
  });
}

/** @param {User} u */
export function setUser(u) {
  if (stored) save({ ...stored, user: u });
}

/** Forget the session locally (no request). */
export function clearSession() {
  save(null);
}

/** "12 s", "2 min" for a wait in ms. @param {number} ms */
export function waitText(ms) {
  const s = Math.max(1, Math.ceil(ms / 1000));
  if (s < 120) return `${s} s`;
  const m = Math.ceil(s / 60);
  return m < 120 ? `${m} min` : `${Math.ceil(m / 60)} h`;
}

/**
 * The ApiError of a 429: the server's code, words with the wait.
 * @param {string} code @param {number} waitMs @returns {ApiError}
 */
function limitedError(code, waitMs) {
  const message = code === "slowmode"
    ? `Slowmode is on in this channel: you can send again in ${waitText(waitMs)}.`
    : `Too many requests: try again in ${waitText(waitMs)}.`;
  return { status: 429, code, message, retry_after_ms: waitMs };
}

/** method + path (without the query) → {until: epoch ms, code} of the last 429. @type {Map<string, {until: number, code: string}>} */
const cooling = new Map();

/**
 * Make an ApiError from anything.
 * @param {number} status @param {any} body @param {Headers} [headers] @returns {ApiError}
 */
function toError(status, body, headers) {
  const e = body && body.error;
  if (status === 429) {
    const header = Number(headers && headers.get("Retry-After"));
    const ms = e && typeof e.retry_after_ms === "number" ? e.retry_after_ms : header > 0 ? header * 1000 : 1000;
    return limitedError(e && e.code ? String(e.code) : "rate_limited", ms);
  }
  if (e && typeof e.message === "string") {
    return { status, code: String(e.code || "error"), message: e.message, fields: e.fields, retry_after_ms: e.retry_after_ms };
  }
  return { status, code: "http_" + status, message: status ? `The server answered ${status}.` : "Could not reach the server." };
}

/** @param {unknown} e @returns {e is ApiError} */
export function isApiError(e) {
  return !!e && typeof e === "object" && "status" in e && "message" in e;
}

/** Words for any thrown value. @param {unknown} e */
export function errorText(e) {
  if (isApiError(e)) {
    if (e.fields) {
      const f = Object.entries(e.fields).map(([k, v]) => `${k}: ${v}`).join("; ");
      if (f) return `${e.message} (${f})`;
    }
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

/**
 * Rotate the refresh token, once at a time (in this tab and across tabs).
 * @returns {Promise<void>}
 */
export function refresh() {
  if (refreshing) return refreshing;
  const run = async () => {
    const before = stored;
    const latest = load();
    // Another tab may have rotated already: adopt its tokens.
    if (latest && before && latest.refresh_token !== before.refresh_token && latest.expires_at - Date.now() > 90_000) {
      save(latest);
      return;
    }
    const cur = latest || before;
    if (!cur) throw toError(401, { error: { code: "unauthorized", message: "You are logged out." } });
    let res;
    try {
      res = await fetch(BASE + "/auth/refresh", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: cur.refresh_token }),
      });
    } catch {
      throw toError(0, null);
    }
    const body = await res.json().catch(() => null);
    if (!res.ok) {
      const err = toError(res.status, body, res.headers);
      if (res.status === 401 || res.status === 403) save(null);
      throw err;
    }
    adoptSession(/** @type {Session} */ (body));
  };
  /** @type {Promise<void>} */
  const p = (navigator.locks ? navigator.locks.request("spectrus-refresh", run) : run()).finally(() => {
    refreshing = null;
  });
  refreshing = p;
  return p;
}

/** A valid access token, refreshing first when it is about to expire. */
export async function token() {
  if (!stored) throw toError(401, { error: { code: "unauthorized", message: "You are logged out." } });
  if (stored.expires_at - Date.now() < 30_000) await refresh();
  if (!stored) throw toError(401, { error: { code: "unauthorized", message: "You are logged out." } });
  return stored.access_token;
}

/**
 * One REST call. Throws ApiError.
 * @param {string} method @param {string} path @param {unknown} [body]
 * @param {{auth?: boolean, headers?: Record<string,string>}} [opts]
 * @returns {Promise<any>}
 */
export async function api(method, path, body, opts = {}) {
  const auth = opts.auth !== false;
  const key = method + " " + path.split("?")[0];
  const cool = cooling.get(key);
  if (cool && cool.until > Date.now()) throw limitedError(cool.code, cool.until - Date.now());
  cooling.delete(key);
  for (let attempt = 0; ; attempt++) {
    /** @type {Record<string,string>} */
    const headers = { ...(opts.headers || {}) };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (auth) headers["Authorization"] = "Bearer " + (await token());
    let res;
    try {
      res = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw toError(0, null);
    }
    if (res.status === 204) return null;
    const data = await res.json().catch(() => null);
    if (res.ok) return data;
    const err = toError(res.status, data, res.headers);
    if (res.status === 429 && err.retry_after_ms) cooling.set(key, { until: Date.now() + err.retry_after_ms, code: err.code });
    if (auth && res.status === 401 && attempt === 0 && err.code !== "token_reused") {
      await refresh();
      continue;
    }
    throw err;
  }
}

/** Log in. @param {string} username @param {string} password */
export async function login(username, password) {
  adoptSession(await api("POST", "/auth/login", { username, password }, { auth: false }));
}

/**
 * Register (also claims a fresh server with setup_code).
 * @param {{username: string, password: string, display_name?: string, invite?: string, setup_code?: string}} body
 */
export async function register(body) {
  adoptSession(await api("POST", "/auth/register", body, { auth: false }));
}

/** Log out this session (its refresh family dies). */
export async function logout() {
  const s = stored;
  save(null);
  if (s) {
    try {
      await fetch(BASE + "/auth/logout", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: s.refresh_token }),
      });
    } catch {
      /* logged out locally anyway */
    }
  }
}

// Keep the signal in step with what was loaded, and with other tabs.
currentUser.value = stored ? stored.user : null;
schedule();
addEventListener("storage", (e) => {
  if (e.key !== KEY) return;
  const s = load();
  stored = s;
  currentUser.value = s ? s.user : null;
  schedule();
});
