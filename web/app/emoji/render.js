// @ts-check
/**
 * @module emoji/render — a custom emoji drawn from its wire form: an `<img alt=":name:">`
 * built as an element (never HTML from text), 22 px inline or 48 px large; `:name:` as text
 * when the server does not have it (deleted). Also a reaction's face, unicode or custom.
 */
import { h } from "../../vendor/preact.mjs";
import { emojiById, parseRef } from "./store.js";

/** @param {string} name @param {string} id @param {boolean} [large] */
export function customEmoji(name, id, large) {
  const e = emojiById(id);
  const alt = `:${e ? e.name : name}:`;
  if (!e) return h("span", { class: "md-emoji-gone", title: `${alt} (deleted)` }, alt);
  const side = large ? 48 : 22;
  return h("img", { class: large ? "md-emoji large" : "md-emoji", src: e.url, alt, title: alt, width: side, height: side, draggable: false });
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
