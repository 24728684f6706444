// @ts-check
/**
 * @module chat/messages — the message list (ARIA log): newest at the bottom, scroll-back with the
 * scroll position kept, day dividers, grouping within 7 minutes, the "New messages" divider,
 * "Jump to present", and jumping to a linked or replied message.
 */
import { html } from "../lib/html.js";
import { useRef, useLayoutEffect, useEffect, useState } from "../../vendor/preact-hooks.mjs";
import { logs, me, dividerAt, cmpId, readyGen, readStates } from "../net/store.js";
import { loadLatest, loadOlder, loadNewer, loadAround, jumpToPresent, ack } from "../net/actions.js";
import { dayKey, dayLabel } from "../lib/time.js";
import { focusMessage, scrollToEnd, focusComposer } from "../ui/state.js";
import { MessageItem } from "./message.js";
import { prefs } from "../lib/prefs.js";
import { Icon } from "../ui/icons.js";
import { BlockedMessage } from "../dm/blocked.js";
import { isBlocked, mark } from "../dm/store.js";

/** @typedef {import("../net/types.js").Channel} Channel */

const GROUP_MS = 7 * 60 * 1000;

/** Placeholder rows while history loads. */
function Skeleton() {
  return html`<div class="skeleton" aria-hidden="true">
    ${[0.7, 0.45, 0.85, 0.3, 0.6].map((w, i) => html`<div key=${i} class="sk-row">
      <span class="sk-avatar"></span>
      <span class="sk-lines"><span class="sk-line short"></span><span class="sk-line" style=${{ width: w * 100 + "%" }}></span></span>
    </div>`)}
  </div>`;
}

/** @param {{channel: Channel, can: (p: string) => boolean}} p */
export function MessageList({ channel, can }) {
  const cid = channel.id;
  const log = logs.value.get(cid);
  const scroller = useRef(/** @type {HTMLDivElement|null} */ (null));
  const stick = useRef(true);
  const anchor = useRef(/** @type {null|{id: string, offset: number}} */ (null));
  const [showJump, setShowJump] = useState(false);
  const [highlight, setHighlight] = useState(/** @type {string|null} */ (null));
  const focus = focusMessage.value;
  const canRead = can("messages:read_history");
  // Pins: messages:manage in a channel; in a direct message, as in Discord, whoever may post there.
  const kind = /** @type {string} */ (channel.type); // dm/view passes a DM as a channel
  const isDm = kind === "dm" || kind === "group_dm";
  const canPin = can("messages:manage") || (isDm && can("messages:send"));

  // The "New messages" divider goes at my read position as the channel opens. A layout
  // effect declared before the one that acks, so it reads the position before it moves.
  useLayoutEffect(() => {
    const rs = readStates.value.get(cid);
    const m = new Map(dividerAt.value);
    if (rs && rs.unread_count > 0 && rs.last_read_id) m.set(cid, rs.last_read_id);
    else m.delete(cid);
    dividerAt.value = m;
  }, [cid]);

  // Load history when the channel opens.
  useEffect(() => {
    stick.current = true;
    if (!(focus && focus.cid === cid)) loadLatest(cid);
  }, [cid, readyGen.value]);

  // A message to jump to (link or reply): load around it if needed, then scroll to it.
  useEffect(() => {
    if (!focus || focus.cid !== cid) return;
    const l = logs.value.get(cid);
    if (!l || !l.messages.some((m) => m.id === focus.mid)) {
      if (!l || !l.loading) loadAround(cid, focus.mid);
      return;
    }
    const el = scroller.current && scroller.current.querySelector(`[data-mid="${focus.mid}"]`);
    if (el) {
      stick.current = false;
      el.scrollIntoView({ block: "center" });
      measure(); // the anchor is this position now, before any other render restores an old one
      setHighlight(focus.mid);
      focusMessage.value = null;
      setTimeout(() => setHighlight(null), 2500);
    }
  }, [focus, log]);

  // After I send: follow the live end again, loading it if needed.
  useEffect(() => {
    if (!scrollToEnd.value) return;
    stick.current = true;
    const l = logs.value.get(cid);
    if (l && !l.atEnd) jumpToPresent(cid);
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [scrollToEnd.value]);

  /** Whether a jump to a message of this channel waits for its page. */
  const pendingJump = () => { const f = focusMessage.value; return !!f && f.cid === cid; };

  /** Remember the first visible message and its offset. */
  const measure = () => {
    const el = scroller.current;
    if (!el) return;
    const top = el.scrollTop;
    const below = el.scrollHeight - top - el.clientHeight;
    stick.current = below < 40 && !!log && log.atEnd;
    // Binary search for the first article reaching below the top edge (they are in order):
    // a few layout reads per scroll event instead of one per article above the view. The
    // live collection is kept by the browser; `querySelectorAll` built a list every time.
    const items = /** @type {HTMLCollectionOf<HTMLElement>} */ (el.getElementsByTagName("article"));
    let lo = 0;
    let hi = items.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const it = items[mid];
      if (it.offsetTop + it.offsetHeight > top) hi = mid;
      else lo = mid + 1;
    }
    const first = items[lo];
    if (first) anchor.current = { id: first.dataset.mid || "", offset: first.offsetTop - top };
    setShowJump(!!log && (!log.atEnd || below > el.clientHeight));
  };

  // After each render: follow the live end, or keep the anchored message where it was.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    // A jump to a message is pending: the jump places the view, not the live end or the edges.
    if (pendingJump()) { stick.current = false; return; }
    if (stick.current) el.scrollTop = el.scrollHeight;
    else if (anchor.current) {
      const it = /** @type {HTMLElement|null} */ (el.querySelector(`[data-mid="${anchor.current.id}"]`));
      if (it) el.scrollTop = it.offsetTop - anchor.current.offset;
    }
    measure();
    // Still at the edge after a page arrived (a wheel at scrollTop 0 fires no scroll event): go on.
    if (log && !log.loading && !log.error && !stick.current) {
      if (el.scrollTop < 300 && !log.atStart) loadOlder(cid);
      else if (el.scrollHeight - el.scrollTop - el.clientHeight < 300 && !log.atEnd) loadNewer(cid);
    }
    if (stick.current && document.visibilityState === "visible" && document.hasFocus()) ack(cid);
  }, [log, cid, prefs.value.compact, prefs.value.fontSize]);

  // An image (an attachment, a link preview's) that finishes loading makes the list taller
  // after the render: stay at the live end if that is where I was. (`load` does not bubble;
  // it is caught on its way down.)
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const onLoad = () => { if (stick.current && !pendingJump()) el.scrollTop = el.scrollHeight; };
    el.addEventListener("load", onLoad, true);
    return () => el.removeEventListener("load", onLoad, true);
  }, []);

  useEffect(() => {
    const onFocus = () => { if (stick.current) ack(cid); };
    addEventListener("focus", onFocus);
    return () => removeEventListener("focus", onFocus);
  }, [cid]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el || !log || pendingJump()) return;
    measure();
    if (el.scrollTop < 300 && !log.atStart && !log.loading) loadOlder(cid);
    if (el.scrollHeight - el.scrollTop - el.clientHeight < 300 && !log.atEnd && !log.loading) loadNewer(cid);
    if (stick.current) ack(cid);
  };

  const jump = async () => {
    stick.current = true;
    await jumpToPresent(cid);
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  };

  const divider = dividerAt.value.get(cid);
  const myId = me.value ? me.value.id : "";
  /** @type {any[]} */
  const rows = [];
  let prev = /** @type {import("../net/store.js").LocalMessage|null} */ (null);
  let dividerShown = false;
  if (log) {
    for (const m of log.messages) {
      if (!prev || dayKey(prev.created_at) !== dayKey(m.created_at)) {
        rows.push(html`<div key=${"d" + m.id} class="day-divider" role="separator" aria-label=${dayLabel(m.created_at)}><span>${dayLabel(m.created_at)}</span></div>`);
      }
      let afterDivider = false;
      if (divider && !dividerShown && !m._state && cmpId(m.id, divider) > 0 && m.author.id !== myId && prev) {
        dividerShown = true;
        afterDivider = true;
        rows.push(html`<div key="new" class="new-divider" role="separator" aria-label="New messages"><span>New messages</span></div>`);
      }
      // The first unread message shows its author even when it continues a group.
      const grouped = !afterDivider && !prefs.value.compact && !!prev && prev.author.id === m.author.id && dayKey(prev.created_at) === dayKey(m.created_at)
        && Date.parse(m.created_at) - Date.parse(prev.created_at) < GROUP_MS && !prev._state === !m._state;
      const item = html`<${MessageItem} key=${m.nonce && m.author.id === myId ? "n" + m.nonce : m.id} m=${m} grouped=${grouped}
        canManage=${can("messages:manage")} canPin=${canPin} canReact=${can("reactions:add")} highlight=${highlight === m.id} channelName=${channel.name} />`;
      // Someone I blocked: collapsed until shown.
      rows.push(isBlocked(m.author.id) ? html`<${BlockedMessage} key=${"b" + m.id} name=${m.author.display_name || m.author.username}>${item}</${BlockedMessage}>` : item);
      prev = m;
    }
  }

  return html`<div class="messages-wrap">
    <div class="messages" ref=${scroller} onScroll=${onScroll} role="log" aria-label=${`Messages in ${mark(channel)}${channel.name}`} aria-live="polite" tabindex="0">
      ${!canRead ? html`<div class="empty"><${Icon} name="shield" size=${32} /><p>You do not have permission to read this channel's history.</p></div>` : null}
      ${log && log.atStart && canRead ? html`<div class="channel-start">
        <div class="channel-start-icon" aria-hidden="true"><${Icon} name=${channel.type === "voice" ? "speaker" : mark(channel) === "@" ? "users" : "hash"} size=${40} /></div>
        <h2>${mark(channel) === "@" ? channel.name : `Welcome to #${channel.name}!`}</h2>
        <p class="muted">${mark(channel) === "@" ? `This is the start of your conversation with ${channel.name}.` : html`This is the start of the #${channel.name} channel.${channel.topic ? " " + channel.topic : ""}`}</p>
        ${log.messages.length === 0 && can("messages:send") ? html`<div class="first-message">
          <p><strong>It's quiet in here.</strong> Say hello, share what this channel is for, or drop a link to get things going.</p>
          <button class="btn primary small" onClick=${() => { focusComposer.value++; }}>Write the first message</button>
        </div>` : null}
      </div>` : null}
      ${log && !log.atStart && log.loading ? html`<${Skeleton} />` : null}
      ${!log && canRead ? html`<${Skeleton} />` : null}
      ${log && log.error ? html`<div class="load-error" role="alert">
        <p>Could not load messages: ${log.error}</p>
        <button class="btn small" onClick=${() => (log.messages.length ? loadOlder(cid) : loadLatest(cid))}>Try again</button>
      </div>` : null}
      ${rows}
      <div class="messages-end" aria-hidden="true"></div>
    </div>
    ${showJump ? html`<button class="jump-present" onClick=${jump}>Jump to present <${Icon} name="arrowDown" size=${16} /></button>` : null}
  </div>`;
}
