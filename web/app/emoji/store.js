// @ts-check
/**
 * @module emoji/store — the server's custom emoji, fed by `ready` and `EMOJIS_UPDATE`; their
 * wire form (`<:name:id>` in text and as a reaction key); turning typed `:name:` into it on
 * send; and the REST actions of the settings tab (upload, rename, delete).
 */
import { signal } from "../../vendor/signals.mjs";
import { api, token } from "../net/api.js";

/** @typedef {{id: string, name: string, url: string, animated: boolean, still_url?: string, creator_id?: string, created_at: string}} Emoji */

/** The server's custom emoji, by name. */
export const customEmojis = signal(/** @type {Emoji[]} */ ([]));

/** @param {any} d the `ready` payload */
export function applyEmojiReady(d) {
  customEmojis.value = d.emojis || [];
}

/** @param {string} t @param {any} d */
export function applyEmojiDispatch(t, d) {
  if (t === "EMOJIS_UPDATE") customEmojis.value = d.emojis || [];
}

/** A custom emoji by id. @param {string} id @returns {Emoji|undefined} */
export function emojiById(id) {
  return customEmojis.value.find((e) => e.id === id);
}

/** The wire form of a custom emoji. @param {{name: string, id: string}} e */
export function wire(e) {
  return `<:${e.name}:${e.id}>`;
}

/** A custom emoji's wire form taken apart. @param {string} key @returns {null|{name: string, id: string}} */
export function parseRef(key) {
  const m = /^<a?:([a-z0-9_]{2,32}):(\d{1,20})>$/.exec(key);
  return m ? { name: m[1], id: m[2] } : null;
}

/**
 * Typed `:name:` of an existing custom emoji becomes `<:name:id>` (outside code spans and
 * blocks, and not inside a wire form already). @param {string} text
 */
export function expandCustom(text) {
  const list = customEmojis.value;
  if (!list.length || !text.includes(":")) return text;
  const byName = new Map(list.map((e) => [e.name, e]));
  return text.split(/(```[\s\S]*?```|`[^`\n]*`)/).map((part, i) => i % 2 === 1 ? part
    : part.replace(/(<a?)?:([a-z0-9_]{2,32}):(\d{1,20}>)?/g, (all, open, name, close) => {
      if (open || close) return all;
      const e = byName.get(name);
      return e ? wire(e) : all;
    })).join("");
}

/** Text with each `<:name:id>` as `:name:` (its current name), e.g. to edit it. @param {string} text */
export function customToNames(text) {
  return text.replace(/<a?:([a-z0-9_]{2,32}):(\d{1,20})>/g, (_, name, id) => {
    const e = emojiById(id);
    return `:${e ? e.name : name}:`;
  });
}

/** Whether a message is only custom (or unicode) emoji and spaces: shown large. @param {string} text */
export function onlyEmoji(text) {
  const rest = text.replace(/<a?:[a-z0-9_]{2,32}:\d{1,20}>/g, "").replace(/\s+/g, "");
  if (rest === text.replace(/\s+/g, "")) return false; // no custom emoji at all
  return /^[\p{Extended_Pictographic}\u200d\ufe0f]*$/u.test(rest);
}

/** Throws the server's words for a failed call. @param {Response} res */
async function fail(res) {
  const body = await res.json().catch(() => null);
  const e = body && body.error;
  if (res.status === 413) throw new Error("The image is larger than 256 KB. Pick a smaller one.");
  const field = e && e.fields ? Object.values(e.fields)[0] : null;
  throw new Error(field ? String(field) : e && e.message ? String(e.message) : `The server answered ${res.status}.`);
}

/** Uploads a custom emoji (`emoji:manage`). @param {string} name @param {File} file @returns {Promise<Emoji>} */
export async function uploadEmoji(name, file) {
  const form = new FormData();
  form.append("name", name);
  form.append("file", file);
  const res = await fetch("/api/v1/emojis", { method: "POST", headers: { Authorization: "Bearer " + (await token()) }, body: form });
  if (!res.ok) await fail(res);
  return res.json();
}

/** @param {string} id @param {string} name @returns {Promise<Emoji>} */
export function renameEmoji(id, name) {
  return api("PATCH", `/emojis/${id}`, { name });
}

/** @param {string} id */
export function deleteEmoji(id) {
  return api("DELETE", `/emojis/${id}`);
}
