// @ts-check
/** @module ui/toast — short messages at the bottom of the screen (role status). */
import { signal } from "../../vendor/signals.mjs";
import { html } from "../lib/html.js";

/** @type {import("../../vendor/signals.mjs").Signal<{id: number, text: string, kind: string}[]>} */
const toasts = signal([]);
let next = 1;

/** @param {string} text @param {"info"|"error"|"ok"} [kind] */
export function toast(text, kind = "info") {
  const id = next++;
  toasts.value = [...toasts.value, { id, text, kind }];
  setTimeout(() => { toasts.value = toasts.value.filter((t) => t.id !== id); }, 4500);
}

export function Toasts() {
  return html`<div class="toasts" role="status" aria-live="polite">
    ${toasts.value.map((t) => html`<div key=${t.id} class=${"toast " + t.kind}>${t.text}</div>`)}
  </div>`;
}
