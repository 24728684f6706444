// @ts-check
/**
 * @module composer/emoji-suggest — the composer's `:` suggestions: the server's custom emoji
 * first (with their image), then common unicode shortcodes. A custom one is inserted as
 * `:name:`; the composer sends it as `<:name:id>` (`expandCustom`).
 */
import { html } from "../lib/html.js";
import { fuzzyFilter } from "../lib/fuzzy.js";
import { EMOJI } from "../lib/emoji.js";
import { customEmojis } from "../emoji/store.js";
import { emojiImage } from "../emoji/render.js";

/** @typedef {{label: any, detail?: string, insert: string, key: string}} Suggestion */

/** Up to 8 suggestions for `:query`. @param {string} q @returns {Suggestion[]} */
export function emojiSuggestions(q) {
  const custom = fuzzyFilter(q, customEmojis.value, (e) => e.name, 8).map((e) => ({
    key: "c" + e.id,
    label: html`${emojiImage(e, { class: "ac-emoji", alt: "", width: 22, height: 22 })} :${e.name}:`,
    detail: "custom",
    insert: `:${e.name}: `,
  }));
  const unicode = fuzzyFilter(q, EMOJI, (e) => e[0], 8).map(([n, e]) => ({ key: n, label: `${e}  :${n}:`, insert: e + " " }));
  return [...custom, ...unicode].slice(0, 8);
}
