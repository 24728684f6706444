// @ts-check
/**
 * @module chat/sidebar — server header with its menu, collapsible categories (remembered), text
 * channels with unread dot and mention count, voice channels with who is in them (speaking
 * rings, mute/deafen icons), the voice bar and my user panel.
 */
import { html } from "../lib/html.js";
import { useState } from "../../vendor/preact-hooks.mjs";
import { server, channelList, readStates, voiceStates, speaking, displayName, currentChannelId, me, markReadLocal } from "../net/store.js";
import { api } from "../net/api.js";
import { prefs, setPrefs } from "../lib/prefs.js";
import { dialog, drawer } from "../ui/state.js";
import { Icon } from "../ui/icons.js";
import { Menu, contextMenuProps } from "../ui/menu.js";
import { Avatar } from "../ui/avatar.js";
import { navigate } from "../router.js";
import { signOut } from "../net/session.js";
import { voice, joinVoice, toggleMute, toggleDeafen } from "../voice/engine.js";
import { VoiceBar } from "../voice/voicebar.js";
import { allowedTabs } from "../admin/view.js";
import { myPerms } from "../admin/common.js";
import { showableImage } from "../lib/images.js";
import { DmSection } from "../dm/sidebar.js";

/** @typedef {import("../net/types.js").Channel} Channel */

/** Mark a channel read up to its newest message (server read state too). @param {string} cid */
async function markChannelRead(cid) {
  try {
    const page = await api("GET", `/channels/${cid}/messages?limit=1`);
    markReadLocal(cid, page[0] ? page[0].id : null);
    if (page[0]) await api("POST", `/channels/${cid}/ack`, { message_id: page[0].id });
  } catch {
    /* the dot stays; nothing else to do */
  }
}

/** @param {{c: Channel}} p */
function TextChannel({ c }) {
  const [menu, setMenu] = useState(/** @type {null|{x: number, y: number}} */ (null));
  const rs = readStates.value.get(c.id);
  const active = currentChannelId.value === c.id;
  const muted = prefs.value.mutedChannels.includes(c.id);
  const unread = !!rs && rs.unread_count > 0 && !active && !muted;
  const mentions = rs && !active ? rs.mention_count : 0;
  const name = c.name + (mentions ? `, ${mentions} unread ${mentions === 1 ? "mention" : "mentions"}` : unread ? ", unread" : "");
  return html`<li class="ch-li">
    ${unread ? html`<span class="unread-pip" aria-hidden="true"></span>` : null}
    <a href=${`/channels/${c.id}`} class=${"channel" + (active ? " active" : "") + (unread ? " unread" : "") + (muted ? " muted" : "")}
      aria-label=${name} aria-current=${active ? "page" : undefined}
      ...${contextMenuProps(setMenu)} aria-keyshortcuts="Shift+F10"
      onClick=${(/** @type {MouseEvent} */ e) => { e.preventDefault(); navigate(`/channels/${c.id}`); drawer.value = null; }}>
      <${Icon} name="hash" size=${18} />
      <span class="ch-name">${c.name}</span>
      ${muted ? html`<${Icon} name="bellOff" size=${14} class="ch-muted" />` : null}
      ${mentions ? html`<span class="badge" aria-hidden="true">${mentions > 99 ? "99+" : mentions}</span>` : null}
    </a>
    ${menu ? html`<${Menu} label=${`#${c.name}`} onClose=${() => setMenu(null)} class="ctx-menu" style=${{ left: menu.x + "px", top: menu.y + "px" }} items=${[
      { label: "Mark as read", onSelect: () => markChannelRead(c.id) },
      { label: muted ? "Unmute channel" : "Mute channel", icon: muted ? "bell" : "bellOff", onSelect: () => setPrefs({ mutedChannels: muted ? prefs.value.mutedChannels.filter((x) => x !== c.id) : [...prefs.value.mutedChannels, c.id] }) },
      { label: "Copy link", icon: "link", onSelect: () => { navigator.clipboard.writeText(`${location.origin}/channels/${c.id}`).catch(() => {}); } },
      ...(myPerms()("channels:manage") ? [{ label: "Edit channel", icon: "edit", onSelect: () => navigate(`/server-settings/channels?channel=${c.id}`) }] : []),
    ]} />` : null}
  </li>`;
}

/** @param {{c: Channel}} p */
function VoiceChannel({ c }) {
  const [menu, setMenu] = useState(/** @type {null|{x: number, y: number}} */ (null));
  const inHere = [...voiceStates.value.values()].filter((v) => v.channel_id === c.id);
  const connected = voice.value.channelId === c.id;
  const label = connected ? `Voice channel ${c.name} (connected)` : `Join voice channel ${c.name}`;
  return html`<li class="ch-li">
    <div class="voice-ch-row">
      <button class=${"channel voice" + (connected ? " connected" : "") + (currentChannelId.value === c.id ? " active" : "")} aria-label=${label}
        ...${contextMenuProps(setMenu)} aria-keyshortcuts="Shift+F10"
        onClick=${() => { if (!connected) joinVoice(c.id); navigate(`/channels/${c.id}`); drawer.value = null; }}>
        <${Icon} name="speaker" size=${18} />
        <span class="ch-name">${c.name}</span>
        ${c.user_limit ? html`<span class="ch-limit" aria-hidden="true">${inHere.length}/${c.user_limit}</span>` : null}
      </button>
    </div>
    ${menu ? html`<${Menu} label=${c.name} onClose=${() => setMenu(null)} class="ctx-menu" style=${{ left: menu.x + "px", top: menu.y + "px" }} items=${[
      ...(connected ? [] : [{ label: "Join voice", icon: "speaker", onSelect: () => { joinVoice(c.id); navigate(`/channels/${c.id}`); } }]),
      { label: "Copy link", icon: "link", onSelect: () => { navigator.clipboard.writeText(`${location.origin}/channels/${c.id}`).catch(() => {}); } },
      ...(myPerms()("channels:manage") ? [{ label: "Edit channel", icon: "edit", onSelect: () => navigate(`/server-settings/channels?channel=${c.id}`) }] : []),
    ]} />` : null}
    ${inHere.length ? html`<ul class="voice-users" aria-label=${`In ${c.name}`}>
      ${inHere.map((v) => html`<li key=${v.user_id} class="voice-user">
        <${Avatar} id=${v.user_id} name=${displayName(v.user_id)} size=${24} speaking=${speaking.value.has(v.user_id)} />
        <span class="vu-name">${displayName(v.user_id)}</span>
        ${speaking.value.has(v.user_id) ? html`<span class="sr-only">(speaking)</span>` : null}
        <span class="vu-icons">
          ${v.mute ? html`<span title="Server muted" class="server-flag"><${Icon} name="micOff" size=${14} /><span class="sr-only">server muted</span></span>`
            : v.self_mute ? html`<span title="Muted"><${Icon} name="micOff" size=${14} /><span class="sr-only">muted</span></span>` : null}
          ${v.deaf ? html`<span title="Server deafened" class="server-flag"><${Icon} name="headphonesOff" size=${14} /><span class="sr-only">server deafened</span></span>`
            : v.self_deaf ? html`<span title="Deafened"><${Icon} name="headphonesOff" size=${14} /><span class="sr-only">deafened</span></span>` : null}
        </span>
      </li>`)}
    </ul>` : null}
  </li>`;
}

/** @param {{c: Channel}} p */
function Item({ c }) {
  return c.type === "voice" ? html`<${VoiceChannel} key=${c.id} c=${c} />` : html`<${TextChannel} key=${c.id} c=${c} />`;
}

function ServerHeader() {
  const [open, setOpen] = useState(false);
  const s = server.value;
  const name = s ? s.name : "Spectrus";
  // Premium branding's logo first, then the server's icon.
  const icon = s ? showableImage(s.branding && s.branding.logo_url) || showableImage(s.icon_url) : null;
  const close = () => {
    setOpen(false);
    const b = document.getElementById("server-menu-btn");
    if (b) b.focus();
  };
  return html`<div class="server-header">
    <button id="server-menu-btn" class="server-btn" aria-haspopup="menu" aria-expanded=${open ? "true" : "false"} aria-label=${name} onClick=${() => setOpen(!open)}>
      ${icon ? html`<img class="server-icon" src=${icon} alt="" />` : html`<span class="server-icon" aria-hidden="true">${name.slice(0, 1).toUpperCase()}</span>`}
      <span class="server-name">${name}</span>
      <${Icon} name=${open ? "x" : "chevron"} size=${18} />
    </button>
    ${open ? html`<${Menu} label=${name} onClose=${close} class="server-menu" items=${[
      { label: "Invite people", icon: "userPlus", onSelect: () => { dialog.value = "invite"; } },
      ...(allowedTabs().length ? [{ label: "Server settings", icon: "shield", onSelect: () => navigate("/server-settings") }] : []),
      { label: "Settings", icon: "gear", onSelect: () => { dialog.value = "settings"; } },
      { label: "Log out", icon: "logOut", danger: true, onSelect: () => { signOut(); navigate("/login"); } },
    ]} />` : null}
  </div>`;
}

function UserPanel() {
  const u = me.value;
  if (!u) return null;
  const v = voice.value;
  return html`<div class="user-panel">
    <${Avatar} id=${u.id} name=${u.display_name} size=${32} presence="online" />
    <div class="up-names"><div class="up-name">${u.display_name}</div><div class="up-user">@${u.username}</div></div>
    ${v.channelId ? null : html`<button class=${"icon-btn" + (v.selfMute ? " danger-on" : "")} aria-label=${v.selfMute ? "Unmute" : "Mute"} aria-pressed=${v.selfMute ? "true" : "false"} title=${v.selfMute ? "Unmute" : "Mute"} onClick=${toggleMute}>
      <${Icon} name=${v.selfMute ? "micOff" : "mic"} size=${18} />
    </button>
    <button class=${"icon-btn" + (v.selfDeaf ? " danger-on" : "")} aria-label=${v.selfDeaf ? "Undeafen" : "Deafen"} aria-pressed=${v.selfDeaf ? "true" : "false"} title=${v.selfDeaf ? "Undeafen" : "Deafen"} onClick=${toggleDeafen}>
      <${Icon} name=${v.selfDeaf ? "headphonesOff" : "headphones"} size=${18} />
    </button>`}
    <button class="icon-btn" aria-label="User settings" title="User settings" onClick=${() => { dialog.value = "settings"; }}><${Icon} name="gear" size=${18} /></button>
  </div>`;
}

export function Sidebar() {
  const list = channelList.value;
  const collapsed = prefs.value.collapsed;
  const cats = list.filter((c) => c.type === "category");
  const top = list.filter((c) => c.type !== "category" && (!c.parent_id || !cats.some((k) => k.id === c.parent_id)));
  /** @param {string} id */
  const toggle = (id) => setPrefs({ collapsed: collapsed.includes(id) ? collapsed.filter((x) => x !== id) : [...collapsed, id] });
  return html`<div class="sidebar-inner">
    <${ServerHeader} />
    <${DmSection} />
    <nav class="channel-nav" aria-label="Channels">
      <ul class="ch-list">${top.map((c) => html`<${Item} key=${c.id} c=${c} />`)}</ul>
      ${cats.map((cat) => {
        const open = !collapsed.includes(cat.id);
        const kids = list.filter((c) => c.parent_id === cat.id && c.type !== "category");
        // A collapsed category still shows its active or unread channels, as Discord does.
        const shown = open ? kids : kids.filter((c) => c.id === currentChannelId.value || (readStates.value.get(c.id)?.mention_count || 0) > 0);
        return html`<div key=${cat.id} class="category">
          <button class="cat-btn" aria-expanded=${open ? "true" : "false"} onClick=${() => toggle(cat.id)}>
            <span class=${"cat-chev" + (open ? "" : " closed")} aria-hidden="true"><${Icon} name="chevron" size=${12} /></span>
            <span>${cat.name}</span>
          </button>
          <ul class="ch-list">${shown.map((c) => html`<${Item} key=${c.id} c=${c} />`)}</ul>
        </div>`;
      })}
      ${list.length === 0 ? html`<p class="muted small pad">No channels yet. An administrator can create them with spectrusctl or the server settings.</p>` : null}
    </nav>
    <${VoiceBar} />
    <${UserPanel} />
  </div>`;
}
