// @ts-check
/**
 * @module dm/view — the direct message screen (header with the other people and the pinned
 * messages, the channel's message list and composer; participants pin and unpin), the member
 * popover's Message / Block buttons, and the Privacy settings (`allow_dms`).
 */
import { html } from "../lib/html.js";
import { useState } from "../../vendor/preact-hooks.mjs";
import { Icon } from "../ui/icons.js";
import { Avatar } from "../ui/avatar.js";
import { drawer } from "../ui/state.js";
import { navigate } from "../router.js";
import { errorText } from "../net/api.js";
import { toast } from "../ui/toast.js";
import { MessageList } from "../chat/messages.js";
import { Composer, TypingLine } from "../chat/composer.js";
import { PinsButton, PinsPanel } from "../search/pins.js";
import { dmName, dmCan, openDm, block, unblock, blocked, allowDms, setAllowDms } from "./store.js";

/** @typedef {import("./store.js").PrivateChannel} PrivateChannel */

/** A DM as the message list and composer see a channel. @param {PrivateChannel} d */
function asChannel(d) {
  return /** @type {any} */ ({ id: d.id, type: d.type, name: dmName(d), topic: null, parent_id: null, position: 0, permission_overwrites: [] });
}

/** Block / Unblock the other person of a one-to-one DM. @param {{id: string, name: string}} p */
function BlockButton({ id, name }) {
  const on = blocked.value.has(id);
  const label = on ? `Unblock ${name}` : `Block ${name}`;
  const flip = async () => {
    try {
      if (on) await unblock(id);
      else await block(id);
      toast(on ? `${name} was unblocked` : `${name} was blocked`, "ok");
    } catch (e) {
      toast(errorText(e), "error");
    }
  };
  return html`<button class=${"btn small" + (on ? "" : " ghost")} aria-pressed=${on ? "true" : "false"} onClick=${flip}>${label}</button>`;
}

/** @param {{d: PrivateChannel}} p */
export function DmView({ d }) {
  const name = dmName(d);
  const can = dmCan(d);
  const ch = asChannel(d);
  const iBlocked = d.type === "dm" && !!d.recipients[0] && blocked.value.has(d.recipients[0].id);
  return html`<main class="chat dm-chat" aria-label=${`@${name}`}>
    <header class="chat-head">
      <button class="icon-btn only-narrow" aria-label="Open channels" onClick=${() => { drawer.value = "channels"; }}><${Icon} name="menu" /></button>
      ${d.type === "dm" && d.recipients[0]
        ? html`<${Avatar} id=${d.recipients[0].id} name=${name} size=${24} />`
        : html`<${Icon} name="users" size=${22} class="head-hash" />`}
      <h1 class="chat-title">${name}</h1>
      <span class="chat-topic">${d.type === "dm" ? "Direct message" : `Group · ${d.recipients.length + 1} people`}</span>
      <span class="spacer"></span>
      <${PinsButton} cid=${d.id} />
      ${d.type === "dm" && d.recipients[0] ? html`<${BlockButton} id=${d.recipients[0].id} name=${name} />` : null}
    </header>
    <div class="chat-body">
      <div class="chat-col">
        <${MessageList} key=${d.id} channel=${ch} can=${can} />
        <div class="chat-foot">
          ${!d.open ? html`<p class="dm-closed muted" role="status">This conversation is closed: ${d.type === "dm" ? "they are" : "everyone else is"} no longer a member of the server. You can still read it.</p>`
            : iBlocked ? html`<p class="dm-closed muted" role="status">You blocked ${name}. Unblock them to send messages.</p>`
            : html`<${Composer} key=${d.id} channel=${ch} can=${can} />`}
          <${TypingLine} channelId=${d.id} />
        </div>
      </div>
      <${PinsPanel} cid=${d.id} />
    </div>
  </main>`;
}

/** "Message" and "Block" for someone else's popover. @param {{id: string, name: string, onClose: () => void}} p */
export function MemberDmActions({ id, name, onClose }) {
  const [error, setError] = useState(/** @type {string|null} */ (null));
  const isBlocked = blocked.value.has(id);
  const message = async () => {
    setError(null);
    try {
      const d = await openDm([id]);
      onClose();
      navigate(`/channels/${d.id}`);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const toggleBlock = async () => {
    setError(null);
    try {
      if (isBlocked) await unblock(id);
      else await block(id);
      toast(isBlocked ? `${name} was unblocked` : `${name} was blocked`, "ok");
    } catch (e) {
      setError(errorText(e));
    }
  };
  return html`<div class="dm-actions">
    <button class="btn small primary" onClick=${message}>Message</button>
    <button class="btn small" onClick=${toggleBlock}>${isBlocked ? "Unblock" : "Block"}</button>
    ${error ? html`<div class="form-error" role="alert">${error}</div>` : null}
  </div>`;
}

/** Settings → Privacy. */
export function PrivacySettings() {
  const [error, setError] = useState(/** @type {string|null} */ (null));
  const id = "t-allow-dms";
  return html`<div class="settings-section">
    <div class="toggle-row">
      <div><label for=${id}>Allow direct messages from members</label>
        <div class="field-hint">When off, other members cannot start a new conversation with you. Existing ones keep working.</div></div>
      <input id=${id} type="checkbox" role="switch" class="switch" checked=${allowDms.value}
        onChange=${async (/** @type {Event} */ e) => {
          const v = /** @type {HTMLInputElement} */ (e.currentTarget).checked;
          setError(null);
          try { await setAllowDms(v); } catch (err) { setError(errorText(err)); }
        }} />
    </div>
    ${error ? html`<div class="form-error" role="alert">${error}</div>` : null}
    <p class="muted small">Block someone from their profile in the member list: they cannot message you, and their messages are collapsed.</p>
  </div>`;
}
