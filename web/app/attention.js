// @ts-check
/**
 * @module attention — "(3) Spectrus" in the tab title (unread messages; muted channels count
 * only mentions), a favicon badge drawn on a canvas (data:
 * URL), and desktop notifications for mentions and replies outside the channel in view.
 */
import { effect } from "../vendor/signals.mjs";
import { readStates, server, channels, currentChannelId, me, onIncoming, displayName, logs } from "./net/store.js";
import { privateChannels, dmName, isBlocked } from "./dm/store.js";
import { prefs } from "./lib/prefs.js";
import { plainPreview } from "./lib/markdown.js";
import { navigate } from "./router.js";
import { asset } from "./lib/assets.js";

/** @type {HTMLImageElement|null} */
let base = null;

/** @param {number} count @param {boolean} dot */
function drawFavicon(count, dot) {
  const link = /** @type {HTMLLinkElement|null} */ (document.querySelector("link[rel=icon]"));
  if (!link) return;
  if (!link.dataset.base) link.dataset.base = link.href;
  if (!count && !dot) { link.href = link.dataset.base; return; }
  const draw = () => {
    const c = document.createElement("canvas");
    c.width = c.height = 64;
    const g = c.getContext("2d");
    if (!g || !base) return;
    g.drawImage(base, 0, 0, 64, 64);
    g.fillStyle = count ? "#f23f43" : "#ffffff";
    g.beginPath();
    g.arc(46, 46, count ? 18 : 11, 0, Math.PI * 2);
    g.fill();
    if (count) {
      g.fillStyle = "#fff";
      g.font = "bold 24px system-ui, sans-serif";
      g.textAlign = "center";
      g.textBaseline = "middle";
      g.fillText(count > 9 ? "9+" : String(count), 46, 47);
    }
    link.href = c.toDataURL("image/png");
  };
  if (base && base.complete) draw();
  else {
    base = new Image();
    base.onload = draw;
    base.src = link.dataset.base;
  }
}

/**
 * What the tab shows: unread messages outside muted channels (a muted channel counts only its
 * mentions), and the mentions.
 */
function counts() {
  const muted = prefs.value.mutedChannels;
  let unread = 0;
  let mentions = 0;
  for (const r of readStates.value.values()) {
    // Every unread direct message counts as a mention, as in Discord.
    if (privateChannels.value.has(r.channel_id) && !muted.includes(r.channel_id)) {
      mentions += r.unread_count;
      unread += r.unread_count;
      continue;
    }
    if (!channels.value.has(r.channel_id)) continue;
    mentions += r.mention_count;
    unread += muted.includes(r.channel_id) ? r.mention_count : r.unread_count;
  }
  return { unread, mentions };
}

export function startAttention() {
  // Applied at most every 250 ms and only when changed: in a busy channel each message counts
  // as unread until the list acks it a frame later, and a favicon is a canvas + PNG encode.
  let title = "";
  let badge = "";
  let shownTitle = "";
  let shownBadge = "";
  /** @type {ReturnType<typeof setTimeout>|null} */
  let timer = null;
  const apply = () => {
    timer = null;
    if (title !== shownTitle) document.title = shownTitle = title;
    if (badge !== shownBadge) {
      shownBadge = badge;
      const [mentions, dot] = badge.split("|");
      drawFavicon(Number(mentions), dot === "1");
    }
  };
  effect(() => {
    const { unread, mentions } = counts();
    const s = server.value;
    const app = (s && (s.branding.app_name || s.name)) || "Spectrus";
    const ch = currentChannelId.value ? channels.value.get(currentChannelId.value) : null;
    const dm = !ch && currentChannelId.value ? privateChannels.value.get(currentChannelId.value) : null;
    title = (unread ? `(${unread > 999 ? "999+" : unread}) ` : "") + (ch ? `#${ch.name} | ` : dm ? `@${dmName(dm)} | ` : "") + app;
    badge = `${mentions}|${unread > 0 ? 1 : 0}`;
    if (!shownTitle) apply();
    else if (!timer) timer = setTimeout(apply, 250);
  });

  onIncoming.push((m) => {
    const u = me.value;
    if (!u || !prefs.value.notify || typeof Notification === "undefined" || Notification.permission !== "granted") return;
    if (prefs.value.mutedChannels.includes(m.channel_id)) return;
    const inView = m.channel_id === currentChannelId.value && document.visibilityState === "visible" && document.hasFocus();
    if (inView) return;
    const log = logs.value.get(m.channel_id);
    const replied = m.reply_to && log ? log.messages.find((x) => x.id === m.reply_to) : null;
    // A direct message always notifies (unless its author is blocked).
    const direct = privateChannels.value.has(m.channel_id) && !isBlocked(m.author.id);
    const mentioned = direct || m.mentions.includes(u.id) || (!!replied && replied.author.id === u.id);
    if (!mentioned) return;
    const ch = channels.value.get(m.channel_id);
    try {
      const n = new Notification(`${displayName(m.author.id)}${ch ? " in #" + ch.name : ""}`, { body: plainPreview(m.content).slice(0, 200), tag: m.id, icon: asset("icons/icon-192.png") });
      n.onclick = () => { focus(); navigate(`/channels/${m.channel_id}/${m.id}`); n.close(); };
    } catch {
      /* some browsers only notify from a service worker */
    }
  });
}
