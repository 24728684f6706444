// @ts-check
/**
 * @module emoji/motion — with reduced motion asked for, an animated custom emoji shows its still
 * (`emoji/render.js`); while the pointer is over its message, or the focus in it, it plays, as
 * in Discord. Listeners on the document: the `<source>`s of that message's pictures lose their
 * media query while it is so (the browser then picks the GIF).
 */
import { STILL_MEDIA } from "./render.js";

const NEVER = "not all";

/** The message an event happened in. @param {EventTarget|null} t @returns {Element|null} */
function messageOf(t) {
  return t instanceof Element ? t.closest("article[data-mid]") : null;
}

/** @param {Element|null} msg @param {boolean} play */
function set(msg, play) {
  if (!msg) return;
  for (const s of msg.querySelectorAll("picture.emoji-anim > source")) {
    /** @type {HTMLSourceElement} */ (s).media = play ? NEVER : STILL_MEDIA;
  }
}

/** @type {Element|null} */
let hovered = null;
/** @type {Element|null} */
let focused = null;
/** @type {Set<Element>} */
let playing = new Set();

/** Plays the hovered and focused messages' emoji, and stills the others that played. */
function update() {
  const now = new Set(/** @type {Element[]} */ ([hovered, focused].filter(Boolean)));
  for (const m of playing) if (!now.has(m)) set(m, false);
  for (const m of now) if (!playing.has(m)) set(m, true);
  playing = now;
}

/** Installs the listeners (once, at start). */
export function playOnHover() {
  document.addEventListener("pointerover", (e) => { hovered = messageOf(e.target); update(); });
  document.addEventListener("pointerout", (e) => { if (!e.relatedTarget) { hovered = null; update(); } });
  document.addEventListener("focusin", (e) => { focused = messageOf(e.target); update(); });
  document.addEventListener("focusout", (e) => { if (!e.relatedTarget) { focused = null; update(); } });
}
