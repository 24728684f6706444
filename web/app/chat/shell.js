// @ts-check
/**
 * @module chat/shell — the main layout: sidebar, channel view (header, messages, typing,
 * composer), member list; drawers below 640 px; keyboard shortcuts; dialogs.
 */
import { html } from "../lib/html.js";
import { useEffect, useLayoutEffect, useRef } from "../../vendor/preact-hooks.mjs";
import { channels, currentChannelId, navOrder, readStates, isReady, me, members, roles, server, voiceStates } from "../net/store.js";
import { connection } from "../net/gateway.js";
import { permissionsOf } from "../lib/perms.js";
import { prefs, setPrefs } from "../lib/prefs.js";
import { isNarrow } from "../lib/media.js";
import { drawer, dialog, focusMessage } from "../ui/state.js";
import { Icon } from "../ui/icons.js";
import { FOCUSABLE } from "../ui/dialog.js";
import { Sidebar } from "./sidebar.js";
import { MessageList } from "./messages.js";
import { Composer, TypingLine } from "./composer.js";
import { MemberList } from "./members.js";
import { QuickSwitcher } from "./switcher.js";
import { InviteDialog } from "./invite.js";
import { SettingsDialog } from "../settings/settings.js";
import { navigate } from "../router.js";
import { voice, joinVoice } from "../voice/engine.js";
import { Avatar } from "../ui/avatar.js";
import { displayName, speaking } from "../net/store.js";
import { ServerSettings } from "../admin/view.js";
import { FirstHour } from "./firsthour.js";
import { SearchBox, SearchPanel, search, closeSearch } from "../search/search.js";
import { PinsButton, PinsPanel, pinsPanel, closePins } from "../search/pins.js";
import { privateChannels } from "../dm/store.js";
import { DmView } from "../dm/view.js";

/** @typedef {import("../net/types.js").Channel} Channel */

/** @param {string|null} cid */
export function canIn(cid) {
  const u = me.value;
  return permissionsOf({
    owner: !!(u && u.owner),
    member: u ? members.value.get(u.id) : undefined,
    roles: roles.value,
    channel: cid ? channels.value.get(cid) : null,
  });
}

/** @param {{c: Channel}} p */
function VoiceStage({ c }) {
  const here = [...voiceStates.value.values()].filter((v) => v.channel_id === c.id);
  const connected = voice.value.channelId === c.id;
  return html`<div class="voice-stage">
    <div class="vs-tiles">
      ${here.map((v) => html`<div key=${v.user_id} class=${"vs-tile" + (speaking.value.has(v.user_id) ? " speaking" : "")}>
        <${Avatar} id=${v.user_id} name=${displayName(v.user_id)} size=${56} speaking=${speaking.value.has(v.user_id)} />
        <span>${displayName(v.user_id)}${v.self_mute || v.mute ? html` <${Icon} name="micOff" size=${14} />` : null}</span>
      </div>`)}
      ${here.length ? null : html`<p class="muted">Nobody is here yet.</p>`}
    </div>
    ${connected ? null : html`<button class="btn primary" onClick=${() => joinVoice(c.id)}>Join voice</button>`}
  </div>`;
}

/** @param {{c: Channel}} p */
function ChannelView({ c }) {
  const can = canIn(c.id);
  const muted = prefs.value.mutedChannels.includes(c.id);
  const toggleMute = () => setPrefs({ mutedChannels: muted ? prefs.value.mutedChannels.filter((x) => x !== c.id) : [...prefs.value.mutedChannels, c.id] });
  // On a wide screen the search / pins panel takes the member list's place (as Discord's
  // search pane does): the button then closes the panel and brings the list back.
  const pins = pinsPanel.value;
  const panelOpen = search.value.status !== "closed" || (pins.status !== "closed" && pins.cid === c.id);
  const membersShown = prefs.value.memberList && !panelOpen;
  const toggleMembers = () => {
    if (isNarrow()) drawer.value = drawer.value === "members" ? null : "members";
    else if (panelOpen) { closeSearch(); closePins(); setPrefs({ memberList: true }); }
    else setPrefs({ memberList: !prefs.value.memberList });
  };
  return html`<main class="chat" aria-label=${`#${c.name}`}>
    <header class="chat-head">
      <button class="icon-btn only-narrow" aria-label="Open channels" onClick=${() => { drawer.value = "channels"; }}><${Icon} name="menu" /></button>
      <${Icon} name=${c.type === "voice" ? "speaker" : "hash"} size=${22} class="head-hash" />
      <h1 class="chat-title">${c.name}</h1>
      ${c.topic ? html`<span class="chat-topic" title=${c.topic}>${c.topic}</span>` : null}
      <span class="spacer"></span>
      <button class="icon-btn" aria-label=${muted ? "Unmute channel" : "Mute channel"} aria-pressed=${muted ? "true" : "false"} title=${muted ? "Unmute channel" : "Mute channel"} onClick=${toggleMute}>
        <${Icon} name=${muted ? "bellOff" : "bell"} />
      </button>
      <${PinsButton} cid=${c.id} />
      <${SearchBox} />
      <button class="icon-btn only-wide" aria-label="Quick switcher (Ctrl+K)" title="Quick switcher (Ctrl+K)" onClick=${() => { dialog.value = "switcher"; }}><${Icon} name="search" /></button>
      <button class=${"icon-btn" + (membersShown ? " on" : "")} aria-label="Member list" aria-pressed=${membersShown ? "true" : "false"} title="Member list" onClick=${toggleMembers}>
        <${Icon} name="users" />
      </button>
    </header>
    <div class="chat-body">
      <div class="chat-col">
        ${c.type === "voice" ? html`<${VoiceStage} c=${c} />` : null}
        <${FirstHour} />
        <${MessageList} key=${c.id} channel=${c} can=${can} />
        <div class="chat-foot">
          <${Composer} key=${c.id} channel=${c} can=${can} />
          <${TypingLine} channelId=${c.id} />
        </div>
      </div>
      <${SearchPanel} />
      <${PinsPanel} cid=${c.id} />
    </div>
  </main>`;
}

function EmptyMain() {
  return html`<main class="chat empty-main">
    <header class="chat-head"><button class="icon-btn only-narrow" aria-label="Open channels" onClick=${() => { drawer.value = "channels"; }}><${Icon} name="menu" /></button></header>
    <div class="empty">
      <div class="empty-art" aria-hidden="true"><${Icon} name="hash" size=${48} /></div>
      <h2>No text channels</h2>
      <p class="muted">There is nothing to read here yet. When an administrator creates a channel, it shows up on the left.</p>
    </div>
  </main>`;
}

function LoadingShell() {
  return html`<div class="app loading-shell" aria-busy="true">
    <div class="sidebar"><div class="sk-block" style=${{ height: "48px" }}></div>${[1, 2, 3, 4, 5].map((i) => html`<div key=${i} class="sk-chan"></div>`)}</div>
    <main class="chat"><div class="loading-center"><div class="pulse-logo" aria-hidden="true"></div><p role="status">${connection.value === "offline" ? "Offline — reconnecting…" : "Connecting…"}</p></div></main>
  </div>`;
}

/** Move between channels with Alt+Up/Down (Alt+Shift: unread, unmuted only). @param {number} dir @param {boolean} unreadOnly */
function step(dir, unreadOnly) {
  const list = navOrder.value.filter((c) => c.type === "text" || c.type === "voice");
  const i = list.findIndex((c) => c.id === currentChannelId.value);
  for (let k = 1; k <= list.length; k++) {
    const c = list[(i + dir * k + list.length * 2) % list.length];
    if (!unreadOnly || ((readStates.value.get(c.id)?.unread_count || 0) > 0 && !prefs.value.mutedChannels.includes(c.id))) { navigate(`/channels/${c.id}`); return; }
  }
}

/** @param {{route: import("../router.js").Route}} p */
export function Shell({ route }) {
  // Choose the channel from the route, the last one, or the first text channel.
  const wanted = route.name === "channel" ? route.cid : null;
  useEffect(() => {
    if (!isReady.value || route.name === "server-settings") return;
    if (route.name === "channel") {
      if (route.mid) focusMessage.value = { cid: route.cid, mid: route.mid };
      return;
    }
    const last = prefs.value.lastChannel;
    const first = navOrder.value.find((c) => c.type === "text");
    const target = last && channels.value.has(last) ? last : first ? first.id : null;
    if (target) navigate(`/channels/${target}`, true);
  }, [isReady.value, route.name, wanted, route.name === "channel" ? route.mid : null]);

  const c = wanted ? channels.value.get(wanted) : null;
  // A direct message opens at the same URL as a channel.
  const dm = wanted && !c ? privateChannels.value.get(wanted) : null;
  useEffect(() => {
    if (!c) return;
    currentChannelId.value = c.id;
    setPrefs({ lastChannel: c.id });
    document.title = document.title.replace(/ \| .*$/, "");
  }, [c ? c.id : null]);
  useEffect(() => {
    if (dm) currentChannelId.value = dm.id;
  }, [dm ? dm.id : null]);

  useEffect(() => {
    /** @param {KeyboardEvent} e */
    const onKey = (e) => {
      if (location.pathname.startsWith("/server-settings")) return;
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") { e.preventDefault(); dialog.value = dialog.value === "switcher" ? null : "switcher"; }
      else if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) { e.preventDefault(); step(e.key === "ArrowUp" ? -1 : 1, e.shiftKey); }
      else if (e.key === "Escape" && drawer.value) { drawer.value = null; }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  // A drawer takes the focus when it opens (its first control) and gives it back to what
  // opened it when it closes, unless the focus went somewhere else meanwhile. Layout effects,
  // so a key pressed the moment it changes lands where it should.
  const d0 = drawer.value;
  const drawerOpener = useRef(/** @type {HTMLElement|null} */ (null));
  useLayoutEffect(() => {
    const box = document.querySelector(d0 === "members" ? ".members-col" : ".sidebar");
    if (d0) {
      drawerOpener.current = /** @type {HTMLElement|null} */ (document.activeElement);
      const first = box && /** @type {HTMLElement|null} */ (box.querySelector(FOCUSABLE));
      if (first) first.focus({ preventScroll: true });
      return;
    }
    const opener = drawerOpener.current;
    drawerOpener.current = null;
    const a = document.activeElement;
    const lost = !a || a === document.body || !!a.closest(".sidebar, .members-col");
    if (opener && opener.isConnected && lost) opener.focus();
  }, [d0]);
  // Back from the full-screen server settings: the focus goes to the server menu's button
  // (where they were opened), or on a phone to the button of the drawer that holds it.
  // A plain effect: it runs after the composer's own mount focus and wins; a composer mounting
  // later leaves it there (`focusUntouched`, router.js).
  const wasSettings = useRef(route.name === "server-settings");
  useEffect(() => {
    const was = wasSettings.current;
    wasSettings.current = route.name === "server-settings";
    if (!was || route.name === "server-settings" || !isReady.value) return;
    const btn = document.getElementById("server-menu-btn");
    if (btn && btn.checkVisibility({ visibilityProperty: true })) btn.focus();
    else /** @type {HTMLElement|null} */ (document.querySelector(".chat-head .only-narrow"))?.focus();
  }, [route.name]);

  if (!isReady.value) return html`<${LoadingShell} />`;
  if (route.name === "server-settings") return html`<${ServerSettings} tab=${route.tab} />`;
  const srv = server.value;
  const d = drawer.value;
  return html`<div class=${"app" + (prefs.value.memberList ? "" : " no-members") + (d ? " drawer-" + d : "")}>
    <div class="sidebar">${html`<${Sidebar} />`}</div>
    ${c ? html`<${ChannelView} c=${c} />` : dm ? html`<${DmView} d=${dm} />` : wanted ? html`<main class="chat empty-main"><div class="empty"><h2>Channel not found</h2>
      <p class="muted">It may have been deleted, or you cannot see it.</p><button class="btn primary" onClick=${() => navigate("/", true)}>Go to ${srv ? srv.name : "the server"}</button></div></main>` : html`<${EmptyMain} />`}
    ${c ? html`<div class="members-col">${html`<${MemberList} />`}</div>` : null}
    ${d ? html`<div class="scrim" aria-hidden="true" onClick=${() => { drawer.value = null; }}></div>` : null}
    ${dialog.value === "switcher" ? html`<${QuickSwitcher} onClose=${() => { dialog.value = null; }} />` : null}
    ${dialog.value === "invite" ? html`<${InviteDialog} onClose=${() => { dialog.value = null; }} />` : null}
    ${dialog.value === "settings" ? html`<${SettingsDialog} onClose=${() => { dialog.value = null; }} />` : null}
  </div>`;
}
