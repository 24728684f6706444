// @ts-check
/**
 * @module search/pins — pinned messages: pin and unpin (members with `messages:manage`, and
 * in a direct message its participants; the message menu calls `setPinned`), and the header's "Pinned messages" panel listing a
 * channel's pins, most recently pinned first; an entry opens the message in context.
 */
import { html } from "../lib/html.js";
import { signal } from "../../vendor/signals.mjs";
import { useEffect, useRef } from "../../vendor/preact-hooks.mjs";
import { api, errorText } from "../net/api.js";
import { navigate } from "../router.js";
import { Icon } from "../ui/icons.js";
import { shortTime, fullDate, dayLabel } from "../lib/time.js";
import { plainPreview } from "../lib/markdown.js";
import { closeSearch, whenSearchOpens } from "./search.js";
import { isNarrow } from "../lib/media.js";

/** @typedef {import("../net/types.js").Message} Message */
/**
 * @typedef {{status: "closed"} | {status: "loading", cid: string}
 *   | {status: "done", cid: string, pins: Message[]} | {status: "error", cid: string, error: string}} PinsState
 */

export const pinsPanel = signal(/** @type {PinsState} */ ({ status: "closed" }));
whenSearchOpens(() => { pinsPanel.value = { status: "closed" }; });

/**
 * Pins or unpins a message; an open pins panel of its channel reloads.
 * @param {string} cid @param {string} mid @param {boolean} pin
 */
export async function setPinned(cid, mid, pin) {
  await api(pin ? "PUT" : "DELETE", `/channels/${cid}/pins/${mid}`);
  const p = pinsPanel.value;
  if (p.status !== "closed" && p.cid === cid) loadPins(cid);
}

/** Whether the panel is open (read afresh: a load may finish after it closed). */
function isOpen() {
  return /** @type {PinsState} */ (pinsPanel.value).status !== "closed";
}

/** @param {string} cid */
export async function loadPins(cid) {
  pinsPanel.value = { status: "loading", cid };
  try {
    const pins = /** @type {Message[]} */ (await api("GET", `/channels/${cid}/pins`));
    if (isOpen()) pinsPanel.value = { status: "done", cid, pins };
  } catch (e) {
    if (isOpen()) pinsPanel.value = { status: "error", cid, error: errorText(e) };
  }
}

/** The header button. @param {{cid: string}} p */
export function PinsButton({ cid }) {
  const open = pinsPanel.value.status !== "closed";
  const toggle = () => {
    if (open) pinsPanel.value = { status: "closed" };
    else { closeSearch(); loadPins(cid); }
  };
  return html`<button class=${"icon-btn" + (open ? " on" : "")} aria-label="Pinned messages" aria-pressed=${open ? "true" : "false"} title="Pinned messages" onClick=${toggle}><${Icon} name="pin" /></button>`;
}

/** Closes the panel. */
export function closePins() { pinsPanel.value = { status: "closed" }; }
const close = closePins;

/**
 * Opens a pinned message; where the panel covers the chat (900 px and narrower) it closes
 * first, so the message is seen. @param {Message} m
 */
function jump(m) {
  if (isNarrow()) close();
  navigate(`/channels/${m.channel_id}/${m.id}`);
}

/**
 * The panel (nothing while closed, or when it belongs to another channel); Escape closes it
 * (a dialog or menu above it takes its own Escape first).
 * @param {{cid: string}} p
 */
export function PinsPanel({ cid }) {
  const p = pinsPanel.value;
  const shown = p.status !== "closed" && p.cid === cid;
  const opener = useRef(/** @type {HTMLElement|null} */ (null));
  useEffect(() => {
    if (!shown) return;
    opener.current = /** @type {HTMLElement|null} */ (document.activeElement);
    /** @param {KeyboardEvent} e */
    const onKey = (e) => { if (e.key === "Escape" && !e.defaultPrevented) close(); };
    addEventListener("keydown", onKey);
    return () => {
      removeEventListener("keydown", onKey);
      // The focus was in the panel (gone with it): back to what opened it.
      const o = opener.current;
      if (o && o.isConnected && (!document.activeElement || document.activeElement === document.body)) o.focus();
    };
  }, [shown]);
  if (p.status === "closed" || p.cid !== cid) return null;
  let body;
  if (p.status === "loading") body = html`<div class="search-loading" aria-busy="true"><p class="muted">Loading pins…</p></div>`;
  else if (p.status === "error") body = html`<div class="search-empty" role="alert"><p>${p.error}</p><button class="btn" onClick=${() => loadPins(cid)}>Retry</button></div>`;
  else if (!p.pins.length) body = html`<div class="search-empty"><p>This channel has no pinned messages yet.</p></div>`;
  else body = html`<ol class="search-list" aria-label="Pins">${p.pins.map((m) => html`<li key=${m.id}>
    <button class="search-hit" aria-label=${`Jump to pinned message by ${m.author.display_name}`} onClick=${() => jump(m)}>
      <span class="search-meta"><span class="search-author">${m.author.display_name}</span>
        <time datetime=${m.created_at} title=${fullDate(m.created_at)}>${dayLabel(m.created_at)} ${shortTime(m.created_at)}</time></span>
      <span class="search-text">${plainPreview(m.content).slice(0, 400)}</span>
    </button></li>`)}</ol>`;
  return html`<aside class="search-panel" aria-label="Pinned messages">
    <header class="search-head">
      <h2>Pinned messages</h2>
      <button class="icon-btn" aria-label="Close pins" title="Close pins" onClick=${close}><${Icon} name="x" /></button>
    </header>
    ${body}
  </aside>`;
}
