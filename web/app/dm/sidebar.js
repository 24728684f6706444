// @ts-check
/**
 * @module dm/sidebar — the "Direct Messages" section at the top of the sidebar: my
 * conversations (avatar, names, unread badge), the empty state, and "New group" (a picker
 * of up to nine members).
 */
import { html } from "../lib/html.js";
import { useState } from "../../vendor/preact-hooks.mjs";
import { Icon } from "../ui/icons.js";
import { Avatar } from "../ui/avatar.js";
import { Dialog } from "../ui/dialog.js";
import { drawer } from "../ui/state.js";
import { navigate } from "../router.js";
import { errorText } from "../net/api.js";
import { readStates, currentChannelId, members, me } from "../net/store.js";
import { dmList, dmName, openDm } from "./store.js";

/** @typedef {import("./store.js").PrivateChannel} PrivateChannel */

/** The most others a group holds. */
const MAX_OTHERS = 9;

/** @param {{d: PrivateChannel}} p */
function DmItem({ d }) {
  const rs = readStates.value.get(d.id);
  const active = currentChannelId.value === d.id;
  const unread = rs && !active ? rs.unread_count : 0;
  const name = dmName(d);
  const label = name + (unread ? `, ${unread} unread` : "");
  const first = d.recipients[0];
  return html`<li class="ch-li">
    <a href=${`/channels/${d.id}`} class=${"channel dm-item" + (active ? " active" : "") + (unread ? " unread" : "")}
      aria-label=${label} aria-current=${active ? "page" : undefined}
      onClick=${(/** @type {MouseEvent} */ e) => { e.preventDefault(); navigate(`/channels/${d.id}`); drawer.value = null; }}>
      ${d.type === "dm" && first ? html`<${Avatar} id=${first.id} name=${name} size=${24} />` : html`<span class="dm-group-icon" aria-hidden="true"><${Icon} name="users" size=${16} /></span>`}
      <span class="ch-name">${name}</span>
      ${unread ? html`<span class="badge" aria-hidden="true">${unread > 99 ? "99+" : unread}</span>` : null}
    </a>
  </li>`;
}

/** @param {{onClose: () => void}} p */
function NewGroup({ onClose }) {
  const [picked, setPicked] = useState(/** @type {string[]} */ ([]));
  const [error, setError] = useState(/** @type {string|null} */ (null));
  const [busy, setBusy] = useState(false);
  const myId = me.value ? me.value.id : "";
  const list = [...members.value.values()].filter((m) => m.user.id !== myId)
    .sort((a, b) => (a.nick || a.user.display_name).localeCompare(b.nick || b.user.display_name));
  /** @param {string} id */
  const toggle = (id) => setPicked(picked.includes(id) ? picked.filter((x) => x !== id) : picked.length >= MAX_OTHERS ? picked : [...picked, id]);
  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const d = await openDm(picked);
      onClose();
      navigate(`/channels/${d.id}`);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return html`<${Dialog} title="New group" onClose=${onClose} class="new-group">
    <p class="muted small">Choose up to ${MAX_OTHERS} members (${picked.length} chosen). One member opens a direct message.</p>
    <ul class="pick-list" aria-label="Members to add">
      ${list.map((m) => {
        const name = m.nick || m.user.display_name || m.user.username;
        const on = picked.includes(m.user.id);
        return html`<li key=${m.user.id}><label class="pick-row">
          <input type="checkbox" checked=${on} disabled=${!on && picked.length >= MAX_OTHERS} onChange=${() => toggle(m.user.id)} />
          <${Avatar} id=${m.user.id} name=${name} size=${24} /><span>${name}</span>
        </label></li>`;
      })}
      ${list.length ? null : html`<li class="muted">Nobody else is here yet.</li>`}
    </ul>
    ${error ? html`<div class="form-error" role="alert">${error}</div>` : null}
    <div class="dialog-actions">
      <button class="btn ghost" onClick=${onClose}>Cancel</button>
      <button class="btn primary" disabled=${busy || picked.length === 0} onClick=${create}>${picked.length > 1 ? "Create group" : "Open conversation"}</button>
    </div>
  </${Dialog}>`;
}

/** The sidebar section. */
export function DmSection() {
  const [picking, setPicking] = useState(false);
  const list = dmList.value;
  return html`<nav class="dm-nav" aria-label="Direct Messages">
    <div class="dm-head">
      <h2 class="dm-title">Direct Messages</h2>
      <button class="icon-btn" aria-label="New group" title="New group" onClick=${() => setPicking(true)}><${Icon} name="userPlus" size=${16} /></button>
    </div>
    ${list.length ? html`<ul class="ch-list">${list.map((d) => html`<${DmItem} key=${d.id} d=${d} />`)}</ul>`
      : html`<p class="muted small pad">No conversations yet — message someone from the member list.</p>`}
    ${picking ? html`<${NewGroup} onClose=${() => setPicking(false)} />` : null}
  </nav>`;
}
