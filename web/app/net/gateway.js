// @ts-check
/**
 * @module net/gateway — one WebSocket per tab: hello → identify or resume, heartbeats, resume with
 * the last sequence after a drop (backoff with jitter), a fresh identify when the session is gone.
 */
import { signal } from "../../vendor/signals.mjs";
import { token, refresh, isApiError } from "./api.js";

/** @typedef {import("./types.js").Frame} Frame */

/** "connecting" | "ready" | "offline" — the banner reads it. */
export const connection = signal(/** @type {"idle"|"connecting"|"ready"|"offline"} */ ("idle"));

/**
 * @typedef {{
 *   onReady: (d: import("./types.js").Ready) => void,
 *   onDispatch: (t: string, d: any) => void,
 *   onFrame: (f: Frame) => void,
 *   onAuthLost: (why: {code: string, message: string}) => void,
 * }} Handlers
 */

export class Gateway {
  /** @param {Handlers} handlers */
  constructor(handlers) {
    this.h = handlers;
    /** @type {WebSocket|null} */
    this.ws = null;
    /** @type {string|null} */
    this.sessionId = null;
    /** @type {number|null} */
    this.seq = null;
    this.attempt = 0;
    this.stopped = false;
    /** @type {ReturnType<typeof setInterval>|undefined} */
    this.beat = undefined;
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    this.retry = undefined;
    this.acked = true;
    this.onOnline = () => { if (this.ws === null && !this.stopped) { clearTimeout(this.retry); this.connect(); } };
    addEventListener("online", this.onOnline);
  }

  /** Open (or reopen) the socket. */
  connect() {
    if (this.stopped) return;
    if (connection.value !== "offline") connection.value = "connecting";
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/v1/gateway`;
    let ws;
    try {
      ws = new WebSocket(url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onmessage = (m) => {
      /** @type {Frame} */
      let f;
      try {
        f = JSON.parse(String(m.data));
      } catch {
        return;
      }
      this.onFrame(ws, f).catch((e) => console.warn("gateway frame", e));
    };
    ws.onclose = (ev) => this.onClose(ws, ev.code, ev.reason);
  }

  /** @param {WebSocket} ws @param {Frame} f */
  async onFrame(ws, f) {
    if (ws !== this.ws) return;
    if (typeof f.s === "number") this.seq = f.s;
    switch (f.op) {
      case "hello": {
        clearInterval(this.beat);
        this.acked = true;
        const every = Number(f.d && f.d.heartbeat_interval_ms) || 30000;
        this.beat = setInterval(() => {
          if (!this.acked) { ws.close(4000, "heartbeat"); return; }
          this.acked = false;
          this.send("heartbeat", { seq: this.seq });
        }, every);
        let t;
        try {
          t = await token();
        } catch (e) {
          if (isApiError(e) && (e.status === 401 || e.status === 403)) {
            this.stop();
            this.h.onAuthLost({ code: e.code, message: e.message });
          } else ws.close(4000, "token");
          return;
        }
        if (this.sessionId && this.seq !== null) this.send("resume", { token: t, session_id: this.sessionId, seq: this.seq });
        else this.send("identify", { token: t });
        return;
      }
      case "heartbeat_ack":
        this.acked = true;
        return;
      case "ready":
        this.sessionId = f.d.session_id;
        this.attempt = 0;
        connection.value = "ready";
        this.h.onReady(f.d);
        return;
      case "resumed":
        this.attempt = 0;
        connection.value = "ready";
        return;
      case "invalid_session": {
        this.sessionId = null;
        this.seq = null;
        const t = await token().catch(() => null);
        if (t && ws === this.ws) this.send("identify", { token: t });
        return;
      }
      case "dispatch":
        if (f.t) this.h.onDispatch(f.t, f.d);
        return;
      default:
        this.h.onFrame(f);
    }
  }

  /** @param {WebSocket} ws @param {number} code @param {string} reason */
  async onClose(ws, code, reason) {
    if (ws !== this.ws) return;
    this.ws = null;
    clearInterval(this.beat);
    if (this.stopped) return;
    connection.value = "offline";
    if (code === 4004 && /removed from the server|banned/i.test(reason)) {
      // Kicked or banned: the daemon says so in the close frame's reason.
      this.stop();
      this.h.onAuthLost({ code: /banned/i.test(reason) ? "banned" : "removed", message: reason });
      return;
    }
    if (code === 4004) {
      // Authentication failed: the token may be stale, or the session was revoked.
      try {
        await refresh();
      } catch (e) {
        this.stop();
        this.h.onAuthLost(isApiError(e) ? { code: e.code, message: e.message } : { code: "unauthorized", message: "Your session ended." });
        return;
      }
      this.sessionId = null;
      this.seq = null;
    }
    this.scheduleRetry();
  }

  scheduleRetry() {
    const base = Math.min(30000, 500 * 2 ** Math.min(this.attempt, 6));
    const wait = base / 2 + Math.random() * base / 2;
    this.attempt++;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.connect(), wait);
  }

  /** @param {string} op @param {unknown} d */
  send(op, d) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify({ op, d }));
      return true;
    }
    return false;
  }

  /** Close for good (logout): the server ends the voice session too. */
  stop() {
    this.stopped = true;
    clearInterval(this.beat);
    clearTimeout(this.retry);
    removeEventListener("online", this.onOnline);
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, "bye");
    connection.value = "idle";
  }
}
