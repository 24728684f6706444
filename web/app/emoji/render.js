// @ts-check
/**
 * @module emoji/render — a custom emoji drawn from its wire form: an `<img alt=":name:">`
 * built as an element (never HTML from text), 22 px inline or 48 px large; `:name:` as text
 * when the server does not have it (deleted); an animated one still under reduced motion. Also
 * a reaction's face, unicode or custom.
 */
import { h } from "../../vendor/preact.mjs";
import { emojiById, parseRef } from "./store.js";

/** @typedef {import("./store.js").Emoji} Emoji */

/** Where an animated emoji shows its still: for those who ask for reduced motion. */
export const STILL_MEDIA = "(prefers-reduced-motion: reduce)";

/**
 * A custom emoji's image with `props`: an animated one in a `<picture>` whose source for
 * reduced motion is its still first frame (no script needed; `emoji/motion.js` plays it while
 * its message is hovered or focused).
 * @param {Emoji} e @param {Record<string, any>} props
 */
export function emojiImage(e, props) {
  const img = h("img", { ...props, src: e.url });
  if (!e.still_url) return img;
  return h("picture", { class: "emoji-anim" }, h("source", { media: STILL_MEDIA, srcset: e.still_url }), img);
}

/** @param {string} name @param {string} id @param {boolean} [large] */
export function customEmoji(name, id, large) {
  const e = emojiById(id);
  const alt = `:${e ? e.name : name}:`;
  if (!e) return h("span", { class: "md-emoji-gone", title: `${alt} (deleted)` }, alt);
  const side = large ? 48 : 22;
  return emojiImage(e, { class: large ? "md-emoji large" : "md-emoji", alt, title: alt, width: side, height: side, draggable: false });
}

/** A reaction key as people read it (`:name:` for a custom one). @param {string} key */
export function reactionName(key) {
  const r = parseRef(key);
  if (!r) return key;
  const e = emojiById(r.id);
  return `:${e ? e.name : r.name}:`;
}

/** A reaction's face: the emoji itself, or a custom emoji's image. @param {string} key */
export function reactionFace(key) {
  const r = parseRef(key);
  return r ? customEmoji(r.name, r.id) : key;
}
