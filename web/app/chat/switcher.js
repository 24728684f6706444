// @ts-check
/** @module chat/switcher — Ctrl+K quick switcher: fuzzy search over channels, unread first. */
import { html } from "../lib/html.js";
import { useState } from "../../vendor/preact-hooks.mjs";
import { navOrder, readStates, channels } from "../net/store.js";
import { fuzzyFilter } from "../lib/fuzzy.js";
import { Dialog } from "../ui/dialog.js";
import { Icon } from "../ui/icons.js";
import { navigate } from "../router.js";
import { dmList, dmName } from "../dm/store.js";

/** @param {{onClose: () => void}} p */
export function QuickSwitcher({ onClose }) {
  const [q, setQ] = useState("");
  const [sel, setSel] = useState(0);
  // Direct messages first (as "@names"), then the channels.
  /** @type {import("../net/types.js").Channel[]} */
  const dms = dmList.value.map((d) => /** @type {any} */ ({ id: d.id, type: d.type, name: "@" + dmName(d), parent_id: null }));
  const all = [...dms, ...navOrder.value];
  const list = q ? fuzzyFilter(q, all, (c) => c.name, 12)
    : [...all].sort((a, b) => (readStates.value.get(b.id)?.unread_count ? 1 : 0) - (readStates.value.get(a.id)?.unread_count ? 1 : 0)).slice(0, 12);
  /** @param {import("../net/types.js").Channel} c */
  const go = (c) => { onClose(); navigate(`/channels/${c.id}`); };
  return html`<${Dialog} title="Quick switcher" onClose=${onClose} class="switcher" hideTitle=${true}>
    <input class="input big" role="combobox" aria-expanded="true" aria-controls="qs-list" aria-label="Search channels"
      aria-activedescendant=${list[sel] ? "qs-" + list[sel].id : undefined} placeholder="Where would you like to go?" data-autofocus value=${q}
      onInput=${(/** @type {InputEvent} */ e) => { setQ(/** @type {HTMLInputElement} */ (e.currentTarget).value); setSel(0); }}
      onKeyDown=${(/** @type {KeyboardEvent} */ e) => {
        if (e.key === "ArrowDown") { e.preventDefault(); setSel(Math.min(list.length - 1, sel + 1)); }
        else if (e.key === "ArrowUp") { e.preventDefault(); setSel(Math.max(0, sel - 1)); }
        else if (e.key === "Enter" && list[sel]) { e.preventDefault(); go(list[sel]); }
      }} />
    <ul id="qs-list" role="listbox" aria-label="Channels" class="qs-list">
      ${list.map((c, i) => {
        const parent = c.parent_id ? channels.value.get(c.parent_id) : null;
        const rs = readStates.value.get(c.id);
        return html`<li key=${c.id} id=${"qs-" + c.id} role="option" aria-selected=${i === sel ? "true" : "false"} class=${"qs-item" + (i === sel ? " sel" : "")}
          onMouseDown=${(/** @type {MouseEvent} */ e) => { e.preventDefault(); go(c); }} onMouseMove=${() => setSel(i)}>
          <${Icon} name=${c.type === "voice" ? "speaker" : c.name.startsWith("@") ? "users" : "hash"} size=${18} />
          <span class=${rs && rs.unread_count ? "strong" : ""}>${c.name}</span>
          ${parent ? html`<span class="muted small">${parent.name}</span>` : null}
          ${rs && rs.mention_count ? html`<span class="badge">${rs.mention_count}</span>` : null}
        </li>`;
      })}
      ${list.length ? null : html`<li class="muted pad">No channel matches “${q}”.</li>`}
    </ul>
    <p class="muted small qs-hint">↑↓ to choose · Enter to open · Esc to close</p>
  </${Dialog}>`;
}
