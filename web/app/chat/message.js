// @ts-check
/**
 * @module chat/message — one message: header or grouped line, safe markdown content, reply
 * quote, reactions, and the hover/focus toolbar (reply, react, edit, delete, pin, copy link);
 * the same actions as a context menu by right-click or Shift+F10 / the ContextMenu key (a
 * right-click on a link, an image or selected text keeps the browser's own menu).
 */
import { memo } from "../lib/memo.js";
import { html } from "../lib/html.js";
import { useState, useRef, useLayoutEffect } from "../../vendor/preact-hooks.mjs";
import { renderMarkdown, plainPreview } from "../lib/markdown.js";
import { relativeTime, shortTime, fullDate } from "../lib/time.js";
import { roleClass, roleStyle } from "../lib/rolecolor.js";
import { displayName, roleColor, channels, me, logs, roles, members } from "../net/store.js";
import { setPinned } from "../search/pins.js";
import { retryMessage, dropMessage, editMessage, deleteMessage, react } from "../net/actions.js";
import { errorText } from "../net/api.js";
import { replyTo, editingId, focusMessage, focusComposer } from "../ui/state.js";
import { Icon } from "../ui/icons.js";
import { Avatar } from "../ui/avatar.js";
import { BotBadge } from "../ui/bot-badge.js";
import { Dialog } from "../ui/dialog.js";
import { Menu, isMenuKey, menuAt } from "../ui/menu.js";
import { toast } from "../ui/toast.js";
import { ReactionPicker } from "./reactions.js";
import { navigate } from "../router.js";
import { Attachments } from "../files/view.js";
import { Embeds } from "../previews/embeds.js";
import { customEmoji, reactionFace, reactionName } from "../emoji/render.js";
import { onlyEmoji, expandCustom, customToNames } from "../emoji/store.js";

/** @typedef {import("../net/store.js").LocalMessage} LocalMessage */

/** Markdown context shared by every message. */
export const mdContext = {
  /** @param {string} id */
  userName: (id) => displayName(id),
  /** @param {string} id */
  channelName: (id) => { const c = channels.value.get(id); return c ? c.name : null; },
  get meId() { return me.value ? me.value.id : null; },
  /** @param {string} id */
  openChannel: (id) => navigate(`/channels/${id}`),
  /** @param {string} id */
  role: (id) => {
    const r = roles.value.get(id);
    if (!r) return null;
    const mine = myRoles().includes(id);
    return { name: r.name, color: r.color, mine };
  },
  /** @param {string} name @param {string} id */
  emoji: (name, id) => customEmoji(name, id),
};

/** The context of a message that is only emoji: custom ones drawn large. */
const jumboContext = { ...mdContext, emoji: (/** @type {string} */ name, /** @type {string} */ id) => customEmoji(name, id, true) };
Object.defineProperty(jumboContext, "meId", { get: () => (me.value ? me.value.id : null) });

/** The roles I hold. @returns {string[]} */
function myRoles() {
  const m = me.value ? members.value.get(me.value.id) : undefined;
  return m ? m.roles : [];
}

/** Whether this message pings me: by name, @everyone/@here, or one of my roles. @param {LocalMessage} m */
function pingsMe(m) {
  if (!me.value) return false;
  if (m.author.id === me.value.id) return false;
  if (m.mentions.includes(me.value.id) || m.mention_everyone) return true;
  const mine = myRoles();
  return (m.mention_roles || []).some((r) => mine.includes(r));
}

/** @param {{m: LocalMessage}} p */
function ReplyQuote({ m }) {
  const log = logs.value.get(m.channel_id);
  const target = log && m.reply_to ? log.messages.find((x) => x.id === m.reply_to) : null;
  const rid = m.reply_to || "";
  return html`<button class="reply-quote" aria-label="Jump to replied message" onClick=${() => focusMessage.value = { cid: m.channel_id, mid: rid }}>
    <span class="reply-spine" aria-hidden="true"></span>
    ${target
      ? html`<strong class=${roleClass(roleColor(target.author.id))} style=${roleStyle(roleColor(target.author.id))}>@${displayName(target.author.id)}</strong>
        <span class="reply-text">${plainPreview(target.content).slice(0, 140)}</span>`
      : html`<span class="reply-text muted">Original message — click to load</span>`}
  </button>`;
}

/** @param {{m: LocalMessage, onCancel: () => void}} p */
function EditBox({ m, onCancel }) {
  const [text, setText] = useState(customToNames(m.content));
  const [error, setError] = useState(/** @type {string|null} */ (null));
  const [busy, setBusy] = useState(false);
  const ref = useRef(/** @type {HTMLTextAreaElement|null} */ (null));
  // Before the browser paints: a key pressed right after Up must land in this box, after the
  // text, not in the composer (an effect runs a frame later and then moves the caret).
  useLayoutEffect(() => {
    const el = ref.current;
    if (el) { el.focus(); el.setSelectionRange(el.value.length, el.value.length); fit(el); }
  }, []);
  const save = async () => {
    // The element, not the state: an Enter right after typing may come before the render.
    const content = expandCustom((ref.current ? ref.current.value : text).trim());
    if (!content) { setError("A message cannot be empty. Delete it instead."); return; }
    if (content === m.content) { onCancel(); return; }
    setBusy(true);
    try {
      await editMessage(m.channel_id, m.id, content);
      onCancel();
      focusComposer.value++;
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="edit-box">
    <textarea ref=${ref} class="edit-input" aria-label="Edit message" value=${text} disabled=${busy} rows="1"
      onInput=${(/** @type {InputEvent} */ e) => { const el = /** @type {HTMLTextAreaElement} */ (e.currentTarget); setText(el.value); fit(el); }}
      onKeyDown=${(/** @type {KeyboardEvent} */ e) => {
        if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); onCancel(); focusComposer.value++; }
        else if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); save(); }
      }}></textarea>
    ${error ? html`<div class="field-error" role="alert">${error}</div>` : null}
    <div class="edit-hint">Escape to <button class="link" onClick=${onCancel}>cancel</button> · Enter to <button class="link" onClick=${save}>save</button></div>
  </div>`;
}

/** Grow a textarea with its content. @param {HTMLTextAreaElement} el */
export function fit(el) {
  el.style.height = "auto";
  el.style.height = Math.min(el.scrollHeight, 320) + "px";
}

/**
 * @param {{m: LocalMessage, grouped: boolean, canManage: boolean, canPin: boolean, canReact: boolean, highlight: boolean, channelName: string}} p
 */
function MessageView({ m, grouped, canManage, canPin, canReact, highlight, channelName }) {
  const [confirm, setConfirm] = useState(false);
  const [picker, setPicker] = useState(false);
  const [error, setError] = useState(/** @type {string|null} */ (null));
  const [menu, setMenu] = useState(/** @type {null|{x: number, y: number}} */ (null));
  const mine = !!me.value && m.author.id === me.value.id;
  const editing = editingId.value === m.id;
  const name = displayName(m.author.id) || m.author.display_name;
  const color = roleColor(m.author.id);
  const mentioned = !!me.value && (pingsMe(m) || (!!replyTargetMine(m)));
  const pending = m._state === "sending";
  const failed = m._state === "failed";
  const cls = ["msg", grouped && !m.reply_to ? "grouped" : "", mentioned ? "mentioned" : "", pending ? "pending" : "", failed ? "failed" : "", highlight ? "highlight" : ""].filter(Boolean).join(" ");

  const copyLink = async () => {
    const url = `${location.origin}/channels/${m.channel_id}/${m.id}`;
    try {
      await navigator.clipboard.writeText(url);
      toast("Message link copied", "ok");
    } catch {
      toast("Could not copy: " + url, "error");
    }
  };
  /** @param {string} emoji @param {boolean} on */
  const toggle = async (emoji, on) => {
    setError(null);
    try { await react(m.channel_id, m.id, emoji, on); } catch (e) { setError(errorText(e)); }
  };
  const togglePin = async () => {
    setError(null);
    try { await setPinned(m.channel_id, m.id, !m.pinned); toast(m.pinned ? "Message unpinned" : "Message pinned", "ok"); } catch (e) { setError(errorText(e)); }
  };
  const reply = () => { replyTo.value = m; focusComposer.value++; };
  // The context menu: the toolbar's actions, for a message that is sent and not being edited.
  const menuOk = !m._state && !editing;
  /** @param {MouseEvent} e */
  const onContextMenu = (e) => {
    const t = /** @type {Element} */ (e.target);
    const sel = getSelection();
    if (!menuOk || t.closest("a[href], img, textarea, input, .msg-state") || (sel && !sel.isCollapsed && sel.toString().trim())) return;
    e.preventDefault();
    setMenu(menuAt(e));
  };
  /** @param {KeyboardEvent} e */
  const onKeyDown = (e) => {
    if (!menuOk || !isMenuKey(e) || /** @type {Element} */ (e.target).closest("textarea, input, [role=menu], [role=dialog]")) return;
    e.preventDefault();
    e.stopPropagation();
    // Under the focused toolbar button, or near the top of the focused message's text.
    const t = /** @type {HTMLElement} */ (e.target);
    const anchor = t === e.currentTarget ? t.querySelector(".msg-main") || t : t;
    const r = anchor.getBoundingClientRect();
    setMenu({ x: Math.round(r.left + 16), y: Math.round(Math.min(r.bottom, r.top + 40)) });
  };
  const doDelete = async () => {
    try { await deleteMessage(m.channel_id, m.id); setConfirm(false); } catch (e) { setError(errorText(e)); setConfirm(false); }
  };

  return html`<article class=${cls} data-mid=${m.id} tabindex="-1" aria-label=${`${name}, ${relativeTime(m.created_at)}`}
    aria-keyshortcuts=${menuOk ? "Shift+F10" : undefined} onContextMenu=${onContextMenu} onKeyDown=${onKeyDown}>
    ${m.reply_to ? html`<${ReplyQuote} m=${m} />` : null}
    <div class="msg-row">
      <div class="msg-gutter">
        ${grouped && !m.reply_to
          ? html`<time class="msg-hover-time" datetime=${m.created_at} title=${fullDate(m.created_at)}>${shortTime(m.created_at)}</time>`
          : html`<${Avatar} id=${m.author.id} name=${name} size=${40} />`}
      </div>
      <div class="msg-main">
        ${grouped && !m.reply_to ? null : html`<div class="msg-head">
          <span class=${"msg-author " + roleClass(color)} style=${roleStyle(color)}>${name}</span><${BotBadge} user=${m.author} />
          <time class="msg-time" datetime=${m.created_at} title=${fullDate(m.created_at)}>${relativeTime(m.created_at)}</time>
        </div>`}
        ${editing
          ? html`<${EditBox} m=${m} onCancel=${() => { editingId.value = null; }} />`
          : html`<div class=${onlyEmoji(m.content) ? "msg-body jumbo" : "msg-body"}>${renderMarkdown(m.content, onlyEmoji(m.content) ? jumboContext : mdContext)}${m.edited_at ? html` <span class="edited" title=${fullDate(m.edited_at)}>(edited)</span>` : null}</div>`}
        ${m.attachments && m.attachments.length ? html`<${Attachments} attachments=${m.attachments} />` : null}
        ${editing ? null : html`<${Embeds} m=${m} mine=${mine} />`}
        ${pending ? html`<div class="msg-state">Sending…</div>` : null}
        ${failed ? html`<div class="msg-state failed" role="alert">
          <span><${Icon} name="x" size=${14} /> Failed to send${m._error ? ": " + m._error : ""}</span>
          <button class="btn small" onClick=${() => retryMessage(m)}>Retry</button>
          <button class="btn small ghost danger" onClick=${() => dropMessage(m)}>Delete</button>
        </div>` : null}
        ${m.reactions.length ? html`<div class="reactions">
          ${m.reactions.map((r) => html`<button key=${r.emoji} class=${"reaction" + (r.me ? " me" : "")} aria-pressed=${r.me ? "true" : "false"}
            aria-label=${`${reactionName(r.emoji)} ${r.count}`} disabled=${!canReact && !r.me}
            title=${r.me ? (r.count > 1 ? `You and ${r.count - 1} ${r.count === 2 ? "other" : "others"} reacted` : "You reacted") : `${r.count} reacted`}
            onClick=${() => toggle(r.emoji, !r.me)}>
            <span class="r-emoji">${reactionFace(r.emoji)}</span><span class="r-count">${r.count}</span>
          </button>`)}
          ${canReact ? html`<button class="reaction add" aria-label="Add another reaction" title="Add reaction" onClick=${() => setPicker(true)}><${Icon} name="smile" size=${16} /></button>` : null}
        </div>` : null}
        ${error ? html`<div class="field-error" role="alert">${error}</div>` : null}
      </div>
    </div>
    ${m._state || editing ? null : html`<div class="msg-toolbar" role="toolbar" aria-label="Message actions">
      <button class="icon-btn" aria-label="Reply" title="Reply" onClick=${reply}><${Icon} name="reply" size=${18} /></button>
      ${canReact ? html`<button class="icon-btn" aria-label="Add reaction" title="Add reaction" onClick=${() => setPicker(true)}><${Icon} name="smile" size=${18} /></button>` : null}
      ${mine ? html`<button class="icon-btn" aria-label="Edit" title="Edit" onClick=${() => { editingId.value = m.id; }}><${Icon} name="edit" size=${18} /></button>` : null}
      ${mine || canManage ? html`<button class="icon-btn danger" aria-label="Delete" title="Delete (Shift+click: no question)" onClick=${(/** @type {MouseEvent} */ e) => { if (e.shiftKey) doDelete(); else setConfirm(true); }}><${Icon} name="trash" size=${18} /></button>` : null}
      ${canPin ? html`<button class="icon-btn" aria-label=${m.pinned ? "Unpin message" : "Pin message"} title=${m.pinned ? "Unpin message" : "Pin message"}
        onClick=${togglePin}><${Icon} name="pin" size=${18} /></button>` : null}
      <button class="icon-btn" aria-label="Copy link" title="Copy link" onClick=${copyLink}><${Icon} name="link" size=${18} /></button>
    </div>`}
    ${menu && menuOk ? html`<${Menu} label="Message actions" onClose=${() => setMenu(null)} class="ctx-menu" style=${{ left: menu.x + "px", top: menu.y + "px" }} items=${[
      { label: "Reply", icon: "reply", onSelect: reply },
      ...(canReact ? [{ label: "Add reaction", icon: "smile", onSelect: () => setPicker(true) }] : []),
      ...(mine ? [{ label: "Edit", icon: "edit", onSelect: () => { editingId.value = m.id; } }] : []),
      ...(canPin ? [{ label: m.pinned ? "Unpin message" : "Pin message", icon: "pin", onSelect: togglePin }] : []),
      { label: "Copy link", icon: "link", onSelect: copyLink },
      ...(mine || canManage ? [{ label: "Delete message", icon: "trash", danger: true, onSelect: () => setConfirm(true) }] : []),
    ]} />` : null}
    ${confirm ? html`<${Dialog} title="Delete message" onClose=${() => setConfirm(false)}>
      <p>Are you sure you want to delete this message${mine ? "" : ` by ${name}`}? This cannot be undone.</p>
      <blockquote class="delete-preview">${plainPreview(m.content).slice(0, 300)}</blockquote>
      <div class="dialog-actions">
        <button class="btn ghost" onClick=${() => setConfirm(false)}>Cancel</button>
        <button class="btn danger" data-autofocus onClick=${doDelete}>Delete</button>
      </div>
    </${Dialog}>` : null}
    ${picker ? html`<${ReactionPicker} onClose=${() => setPicker(false)} onPick=${(/** @type {string} */ e) => {
      setPicker(false);
      const has = m.reactions.find((r) => r.emoji === e);
      toggle(e, !(has && has.me));
    }} />` : null}
  </article>`;
  void channelName;
}

/** One message; re-rendered only when its props (or a signal it reads) change. */
export const MessageItem = memo(MessageView);

/** Is this a reply to one of my messages? @param {LocalMessage} m */
function replyTargetMine(m) {
  if (!m.reply_to || !me.value) return false;
  const log = logs.value.get(m.channel_id);
  const t = log && log.messages.find((x) => x.id === m.reply_to);
  return !!t && t.author.id === me.value.id && m.author.id !== me.value.id;
}
