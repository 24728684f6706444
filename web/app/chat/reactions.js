// @ts-check
/** @module chat/reactions — the reaction picker (dialog "Add reaction"): quick row, the server's custom emoji, search, grid. */
import { html } from "../lib/html.js";
import { useState } from "../../vendor/preact-hooks.mjs";
import { Dialog } from "../ui/dialog.js";
import { EMOJI, QUICK } from "../lib/emoji.js";
import { fuzzyFilter } from "../lib/fuzzy.js";
import { customEmojis, wire } from "../emoji/store.js";
import { emojiImage } from "../emoji/render.js";

/** @param {{onClose: () => void, onPick: (emoji: string) => void}} p */
export function ReactionPicker({ onClose, onPick }) {
  const [q, setQ] = useState("");
  const list = q ? fuzzyFilter(q, EMOJI, (e) => e[0], 60) : EMOJI.filter(([, e]) => !QUICK.includes(e));
  const custom = q ? fuzzyFilter(q, customEmojis.value, (e) => e.name, 60) : customEmojis.value;
  return html`<${Dialog} title="Add reaction" onClose=${onClose} class="picker">
    <input class="input" type="search" aria-label="Search emoji" placeholder="Search emoji" data-autofocus value=${q}
      onInput=${(/** @type {InputEvent} */ e) => setQ(/** @type {HTMLInputElement} */ (e.currentTarget).value)}
      onKeyDown=${(/** @type {KeyboardEvent} */ e) => { if (e.key === "Enter" && (custom[0] || list[0])) { e.preventDefault(); onPick(custom[0] ? wire(custom[0]) : list[0][1]); } }} />
    ${q ? null : html`<div class="emoji-row">${QUICK.map((e) => html`<button class="emoji-btn" aria-label=${e} onClick=${() => onPick(e)}>${e}</button>`)}</div>`}
    ${custom.length ? html`<div class="emoji-grid custom" role="group" aria-label="Server emoji">
      ${custom.map((e) => html`<button key=${e.id} class="emoji-btn" aria-label=${`:${e.name}:`} title=${`:${e.name}:`} onClick=${() => onPick(wire(e))}>${emojiImage(e, { alt: "", width: 28, height: 28 })}</button>`)}
    </div>` : null}
    <div class="emoji-grid">
      ${list.map(([name, e]) => html`<button class="emoji-btn" aria-label=${e} title=${`:${name}:`} onClick=${() => onPick(e)}>${e}</button>`)}
      ${list.length || custom.length ? null : html`<p class="muted">No emoji match “${q}”.</p>`}
    </div>
  </${Dialog}>`;
}
