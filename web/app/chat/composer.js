// @ts-check
/**
 * @module chat/composer — the message box: Enter sends, Shift+Enter newline, Up edits my last
 * message, Esc cancels a reply, @ # : completion, a counter near the limit, typing signals;
 * the channel's slowmode (a countdown after each post, send disabled until it ends; members
 * who may manage messages are exempt) and a refused post (429) giving the text back with words.
 * Plugin slash commands (`/name option:value`) are composer/slash.js, hooked in here.
 */
import { html } from "../lib/html.js";
import { useState, useRef, useEffect } from "../../vendor/preact-hooks.mjs";
import { members, channelList, logs, me, server, displayName, typing } from "../net/store.js";
import { sendMessage, sendTyping, resetTyping } from "../net/actions.js";
import { replyTo, editingId, focusComposer, scrollToEnd } from "../ui/state.js";
import { fuzzyFilter } from "../lib/fuzzy.js";
import { emojiSuggestions } from "../composer/emoji-suggest.js";
import { expandCustom } from "../emoji/store.js";
import { Icon } from "../ui/icons.js";
import { fit } from "./message.js";
import { isPhone } from "../lib/media.js";
import { mark } from "../dm/store.js";
import { focusUntouched } from "../router.js";
import { relativeTime, shortDuration } from "../lib/time.js";
import { slashSuggest, commandsLoaded, loadCommands, isSlashCommand, runSlash, SlashHints, ThinkingRows } from "../composer/slash.js";
import { AttachButton, FileChips, addFiles, filesFor, filesOf, clearFiles, uploadMessage, progress } from "../files/attach.js";

/** @typedef {import("../net/types.js").Channel} Channel */
/** @typedef {{label: any, detail?: string, insert: string, key: string}} Suggestion */

/** @type {Map<string, string>} channel id → draft */
const drafts = new Map();
/** @type {Map<string, number>} channel id → when slowmode lets me post again (epoch ms) */
const slowUntil = new Map();

/** @param {string} text @param {number} caret @returns {null|{kind: string, query: string, start: number}} */
function tokenAt(text, caret) {
  const before = text.slice(0, caret);
  const m = /(^|\s)([@#:])([\w.\-]*)$/.exec(before);
  if (!m) return null;
  if (m[2] === ":" && m[3].length < 2) return null;
  return { kind: m[2], query: m[3], start: caret - m[3].length - 1 };
}

/** @param {string} kind @param {string} q @returns {Suggestion[]} */
function suggest(kind, q) {
  if (kind === "@") {
    const list = [...members.value.values()];
    return fuzzyFilter(q, list, (m) => (m.nick || m.user.display_name) + " " + m.user.username, 8).map((m) => ({
      key: m.user.id, label: m.nick || m.user.display_name, detail: m.user.username, insert: `<@${m.user.id}> `,
    }));
  }
  if (kind === "#") {
    const list = channelList.value.filter((c) => c.type !== "category");
    return fuzzyFilter(q, list, (c) => c.name, 8).map((c) => ({ key: c.id, label: "#" + c.name, insert: `<#${c.id}> ` }));
  }
  return emojiSuggestions(q);
}

/** @param {{channelId: string}} p */
export function TypingLine({ channelId }) {
  const tm = typing.value.get(channelId);
  const names = tm ? [...tm.keys()].map(displayName) : [];
  let text = "";
  if (names.length === 1) text = `${names[0]} is typing…`;
  else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
  else if (names.length === 3) text = `${names[0]}, ${names[1]} and ${names[2]} are typing…`;
  else if (names.length > 3) text = "Several people are typing…";
  return html`<div class="typing" aria-live="polite">${text ? html`<span class="typing-dots" aria-hidden="true"><i></i><i></i><i></i></span> ${text}` : null}</div>`;
}

/** @param {{channel: Channel, can: (p: string) => boolean}} p */
export function Composer({ channel, can }) {
  const cid = channel.id;
  const [text, setText] = useState(drafts.get(cid) || "");
  const [sugg, setSugg] = useState(/** @type {Suggestion[]} */ ([]));
  const [sel, setSel] = useState(0);
  const [tok, setTok] = useState(/** @type {null|{kind: string, query: string, start: number}} */ (null));
  const [error, setError] = useState(/** @type {string|null} */ (null));
  const ref = useRef(/** @type {HTMLTextAreaElement|null} */ (null));
  const limit = (server.value && server.value.message_max_chars) || 4000;
  const reply = replyTo.value && replyTo.value.channel_id === cid ? replyTo.value : null;
  const myMember = me.value ? members.value.get(me.value.id) : undefined;
  const timedOut = myMember && myMember.timeout_until && Date.parse(myMember.timeout_until) > Date.now() ? myMember.timeout_until : null;
  const canSend = can("messages:send");
  const why = timedOut ? `You are timed out until ${relativeTime(timedOut)}.` : !canSend ? "You do not have permission to send messages in this channel." : null;
  const slow = channel.slowmode_seconds || 0;
  const exempt = can("messages:manage");
  const [now, setNow] = useState(Date.now());
  const until = slowUntil.get(cid) || 0;
  const waitMs = until - now;
  useEffect(() => {
    if (until <= Date.now()) return;
    const t = setInterval(() => { setNow(Date.now()); if (Date.now() >= until) clearInterval(t); }, 250);
    return () => clearInterval(t);
  }, [cid, until]);
  const cid0 = useRef(cid);
  cid0.current = cid;

  useEffect(() => {
    setText(drafts.get(cid) || "");
    setSugg([]);
    setError(null);
    const el = ref.current;
    // Not on a phone: its keyboard would cover half the channel just opened. Nor once the
    // focus was put somewhere since the channel was opened (router.js).
    if (el && !isPhone() && focusUntouched()) el.focus();
  }, [cid]);
  // Asked for the focus (a reply, an edit ended): a request made before this composer mounted
  // is not one (the mount's own focus is the effect above).
  const asked = useRef(focusComposer.value);
  useEffect(() => {
    const el = ref.current;
    if (!el || asked.current === focusComposer.value) return;
    asked.current = focusComposer.value;
    el.focus();
    fit(el);
  }, [focusComposer.value]);
  useEffect(() => { const el = ref.current; if (el) fit(el); }, [text]);
  // A side panel opening (or the window narrowing) changes the box's width: its height follows
  // (next frame, so the observer never sees its own change).
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let width = el.clientWidth;
    const ro = new ResizeObserver(() => {
      if (el.clientWidth === width) return;
      width = el.clientWidth;
      requestAnimationFrame(() => fit(el));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  /** @param {string} v */
  const update = (v) => {
    setText(v);
    drafts.set(cid, v);
    setError(null);
    const el = ref.current;
    // A plugin command at the start: its suggestions (the list loads on first use).
    const sl = el ? slashSuggest(v.slice(0, el.selectionStart)) : null;
    if (sl && !commandsLoaded()) loadCommands().then(() => { if (ref.current && ref.current.value === v) update(v); });
    const t = sl ? { kind: "/", query: sl.title, start: sl.start } : el ? tokenAt(v, el.selectionStart) : null;
    setTok(t);
    const s = sl ? sl.list : t ? suggest(t.kind, t.query) : [];
    setSugg(s);
    setSel(0);
    if (v.trim()) sendTyping(cid);
  };

  /** @param {Suggestion} s */
  const accept = (s) => {
    const el = ref.current;
    if (!el || !tok) return;
    const caret = el.selectionStart;
    const v = text.slice(0, tok.start) + s.insert + text.slice(caret);
    setText(v);
    drafts.set(cid, v);
    setSugg([]);
    setTok(null);
    const pos = tok.start + s.insert.length;
    // After a command or option name, the next hints show at once.
    requestAnimationFrame(() => { el.focus(); el.setSelectionRange(pos, pos); if (tok.kind === "/") update(v); });
  };

  const send = () => {
    // The element, not the state: renders are coalesced to one a frame, so an Enter right
    // after typing can run before the render that carries the typed text.
    let content = (ref.current ? ref.current.value : text).trim();
    const files = filesFor(cid);
    if (files.length) { sendFiles(expandCustom(content), files.map((f) => f.file)); return; }
    if (!content) return;
    if (isSlashCommand(content)) { runCommand(content); return; }
    // `//text` sends `/text` (a message that starts with a slash, as in the terminal client).
    if (content.startsWith("//")) content = content.slice(1);
    // Typed `:name:` of a custom emoji goes out in its wire form.
    content = expandCustom(content);
    if ([...content].length > limit) {
      setError(`Your message is too long: ${[...content].length} of at most ${limit} characters.`);
      return;
    }
    if ((slowUntil.get(cid) || 0) > Date.now()) return;
    if (slow && !exempt) { slowUntil.set(cid, Date.now() + slow * 1000); setNow(Date.now()); }
    sendMessage(cid, content, reply ? reply.id : null).then((refused) => {
      if (!refused) return;
      // Refused (slowmode or too fast): the text comes back, with how long to wait.
      if (refused.retry_after_ms) slowUntil.set(cid, Date.now() + refused.retry_after_ms);
      if (!drafts.get(cid)) drafts.set(cid, content);
      if (cid0.current !== cid) return;
      setNow(Date.now());
      if (ref.current && !ref.current.value.trim()) setText(drafts.get(cid) || content);
      setError(refused.message);
    });
    scrollToEnd.value++;
    resetTyping(cid);
    setText("");
    drafts.delete(cid);
    replyTo.value = null;
  };

  /** Runs a plugin command; on failure the text stays with words saying why. @param {string} content */
  const runCommand = (content) => {
    setSugg([]);
    setError(null);
    runSlash(cid, content).then((refused) => {
      if (cid0.current !== cid) return;
      if (refused) { setError(refused); return; }
      if (ref.current && ref.current.value.trim() === content) { setText(""); drafts.delete(cid); }
      scrollToEnd.value++;
    });
    resetTyping(cid);
  };

  /** A message with files: uploaded with progress; on refusal the text and files stay. @param {string} content @param {File[]} files */
  const sendFiles = (content, files) => {
    if (progress.value.has(cid)) return;
    if ([...content].length > limit) {
      setError(`Your message is too long: ${[...content].length} of at most ${limit} characters.`);
      return;
    }
    setError(null);
    uploadMessage(cid, content, reply ? reply.id : null, files).then((refused) => {
      if (refused) { if (cid0.current === cid) setError(refused); return; }
      clearFiles(cid);
      drafts.delete(cid);
      if (cid0.current === cid) { setText(""); scrollToEnd.value++; }
      replyTo.value = null;
    });
    resetTyping(cid);
  };
  /** Files pasted or dropped join the message. @param {DataTransfer|null} dt @param {Event} e */
  const takeFiles = (dt, e) => {
    const files = filesOf(dt);
    if (!files.length || why) return;
    e.preventDefault();
    setError(addFiles(cid, files));
  };
  const hasFiles = filesFor(cid).length > 0;

  /** @param {KeyboardEvent} e */
  const onKey = (e) => {
    if (sugg.length) {
      // Functional updates: two keys within one frame both count.
      if (e.key === "ArrowDown") { e.preventDefault(); setSel((i) => (i + 1) % sugg.length); return; }
      if (e.key === "ArrowUp") { e.preventDefault(); setSel((i) => (i - 1 + sugg.length) % sugg.length); return; }
      if (e.key === "Enter" || e.key === "Tab") { e.preventDefault(); accept(sugg[sel]); return; }
      if (e.key === "Escape") { e.preventDefault(); setSugg([]); return; }
    }
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); return; }
    if (e.key === "Escape" && reply) { e.preventDefault(); replyTo.value = null; return; }
    if (e.key === "ArrowUp" && !text && me.value) {
      const log = logs.value.get(cid);
      const mine = log ? log.messages.filter((m) => !m._state && me.value && m.author.id === me.value.id) : [];
      const last = mine[mine.length - 1];
      if (last) { e.preventDefault(); editingId.value = last.id; }
    }
  };

  const count = [...text].length;
  const label = `Message ${mark(channel)}${channel.name}`;
  return html`<div class="composer-wrap"
    onDragOver=${(/** @type {DragEvent} */ e) => { if (!why && e.dataTransfer && [...e.dataTransfer.types].includes("Files")) e.preventDefault(); }}
    onDrop=${(/** @type {DragEvent} */ e) => takeFiles(e.dataTransfer, e)}>
    ${sugg.length ? html`<div class="autocomplete" role="listbox" id="ac-list" aria-label="Suggestions">
      <div class="ac-title">${tok && tok.kind === "/" ? tok.query : tok && tok.kind === "@" ? "Members" : tok && tok.kind === "#" ? "Channels" : "Emoji"}</div>
      ${sugg.map((s, i) => html`<div key=${s.key} id=${"ac-" + i} role="option" aria-selected=${i === sel ? "true" : "false"}
        class=${"ac-item" + (i === sel ? " sel" : "")} onMouseDown=${(/** @type {MouseEvent} */ e) => { e.preventDefault(); accept(s); }}>
        <span>${s.label}</span>${s.detail ? html`<span class="muted small">${s.detail}</span>` : null}
      </div>`)}
    </div>` : null}
    ${reply ? html`<div class="reply-bar">
      <span>Replying to <strong>${displayName(reply.author.id)}</strong></span>
      <button class="icon-btn small" aria-label="Cancel reply" onClick=${() => { replyTo.value = null; ref.current && ref.current.focus(); }}><${Icon} name="x" size=${16} /></button>
    </div>` : null}
    <${FileChips} cid=${cid} />
    <${ThinkingRows} channelId=${cid} />
    <${SlashHints} text=${text} />
    <div class=${"composer" + (reply ? " with-reply" : "") + (why ? " disabled" : "")}>
      <${AttachButton} cid=${cid} disabled=${!!why} onError=${setError} />
      <textarea ref=${ref} class="composer-input" rows="1" aria-label=${label} placeholder=${why || label}
        disabled=${!!why} value=${text} aria-describedby=${why ? "composer-why" : undefined}
        aria-controls=${sugg.length ? "ac-list" : undefined} aria-activedescendant=${sugg.length ? "ac-" + sel : undefined}
        aria-autocomplete="list"
        onInput=${(/** @type {InputEvent} */ e) => update(/** @type {HTMLTextAreaElement} */ (e.currentTarget).value)}
        onPaste=${(/** @type {ClipboardEvent} */ e) => takeFiles(e.clipboardData, e)}
        onKeyDown=${onKey}></textarea>
      ${count > limit - 200 ? html`<span class=${"counter" + (count > limit ? " over" : "")} aria-live="polite" title=${`${count} of ${limit} characters`}>${limit - count}</span>` : null}
      <button class="icon-btn send-btn" aria-label="Send message" disabled=${!!why || (!text.trim() && !hasFiles) || waitMs > 0} onClick=${send}><${Icon} name="send" size=${18} /></button>
    </div>
    ${why ? html`<div id="composer-why" class="composer-why">${why}</div>` : null}
    ${slow && !why ? html`<div class="composer-slowmode muted small">Slowmode is on (${shortDuration(slow)})${exempt ? ": you are exempt" : waitMs > 0 ? html` · you can send again in <span class="slowmode-left">${Math.ceil(waitMs / 1000)}s</span>` : ""}</div>` : null}
    ${error ? html`<div class="field-error composer-error" role="alert">${error}</div>` : null}
  </div>`;
}
