// @ts-check
/**
 * @module net/session — the logged-in session: one gateway per tab feeding the store, and the
 * handlers for frames other modules (voice) listen to.
 */
import { Gateway } from "./gateway.js";
import { applyReady, applyDispatch, applyMembersChunk, removed, resetStore, sweepTyping } from "./store.js";
import { logout, clearSession } from "./api.js";
import { loginNotice } from "../ui/state.js";
import { applyDmReady, applyDmDispatch, applyDmSettings } from "../dm/store.js";
import { applyPreviewsReady } from "../previews/embeds.js";
import { applyEmojiReady, applyEmojiDispatch } from "../emoji/store.js";

/** @type {Gateway|null} */
let gw = null;
/** @type {ReturnType<typeof setInterval>|undefined} */
let sweeper;
/** Frame listeners (voice signalling). @type {Set<(f: import("./types.js").Frame) => void>} */
export const frameListeners = new Set();
/** Ready listeners (voice rejoins after a fresh ready). @type {Set<() => void>} */
export const readyListeners = new Set();

/** Start the gateway (idempotent). */
export function startSession() {
  if (gw) return;
  gw = new Gateway({
    onReady: (d) => {
      applyReady(d);
      applyDmReady(d);
      applyPreviewsReady(d);
      applyEmojiReady(d);
      for (const f of readyListeners) f();
    },
    onDispatch: (t, d) => {
      applyDispatch(t, d);
      applyDmDispatch(t, d);
      applyEmojiDispatch(t, d);
      if (t === "USER_SETTINGS_UPDATE") { applyDmSettings(d); applyPreviewsReady(d); }
    },
    onFrame: (f) => {
      if (f.op === "members_chunk") applyMembersChunk(/** @type {any} */ (f.d));
      for (const l of frameListeners) l(f);
    },
    onAuthLost: (why) => {
      const banned = why.code === "banned" || /banned/i.test(why.message);
      if (removed.value || banned || why.code === "removed") {
        removed.value = { banned, message: why.message };
      } else {
        loginNotice.value = "Your session ended: you logged out elsewhere or your password changed. Log in again.";
        endSession();
        clearSession();
      }
    },
  });
  gw.connect();
  clearInterval(sweeper);
  sweeper = setInterval(sweepTyping, 1000);
}

/** Send a gateway op. @param {string} op @param {unknown} d */
export function gatewaySend(op, d) {
  return gw ? gw.send(op, d) : false;
}

/** Stop the gateway and clear state. */
export function endSession() {
  if (gw) gw.stop();
  gw = null;
  clearInterval(sweeper);
  resetStore();
}

/** Log out (this session). */
export async function signOut() {
  endSession();
  await logout();
}
