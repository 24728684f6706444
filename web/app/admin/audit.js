// @ts-check
/**
 * @module admin/audit — the Audit log tab: newest first, more as you scroll, filter by action
 * and by actor, each entry in words with a small before/after diff; admin-socket entries are
 * "server operator".
 */
import { html } from "../lib/html.js";
import { useState, useEffect, useRef } from "../../vendor/preact-hooks.mjs";
import { api, errorText } from "../net/api.js";
import { displayName, members, roles, channels, userRef } from "../net/store.js";
import { relativeTime } from "../lib/time.js";
import { emojiById } from "../emoji/store.js";
import { ListSkeleton, LoadError, Empty, val } from "./common.js";

/** @typedef {import("../net/types.js").AuditEntry} AuditEntry */

/** action → [verb, label for the filter] */
const ACTIONS = /** @type {Record<string, [string, string]>} */ ({
  "server.update": ["updated the server settings", "Server updated"],
  "channel.create": ["created the channel", "Channel created"],
  "channel.update": ["updated the channel", "Channel updated"],
  "channel.delete": ["deleted the channel", "Channel deleted"],
  "channel.reorder": ["reordered the channels", "Channels reordered"],
  "channel.overwrite": ["changed the permissions of", "Channel permissions"],
  "invite.create": ["created the invite", "Invite created"],
  "invite.delete": ["revoked the invite", "Invite revoked"],
  "message.delete": ["deleted a message by", "Message deleted"],
  "role.create": ["created the role", "Role created"],
  "role.update": ["updated the role", "Role updated"],
  "role.delete": ["deleted the role", "Role deleted"],
  "role.reorder": ["reordered the roles", "Roles reordered"],
  "member.role_add": ["gave a role to", "Role given"],
  "member.role_remove": ["took a role from", "Role taken"],
  "member.roles": ["changed the roles of", "Roles changed"],
  "member.update": ["updated", "Member updated"],
  "member.timeout": ["timed out", "Time out"],
  "member.kick": ["kicked", "Kick"],
  "member.ban": ["banned", "Ban"],
  "member.unban": ["unbanned", "Unban"],
  "member.voice_update": ["changed the voice state of", "Voice moderation"],
  "message.pin": ["pinned a message", "Message pinned"],
  "message.unpin": ["unpinned a message", "Message unpinned"],
  "message.purge": ["deleted messages in bulk in", "Messages purged"],
  "emoji.create": ["added the emoji", "Emoji added"],
  "emoji.update": ["renamed the emoji", "Emoji renamed"],
  "emoji.delete": ["deleted the emoji", "Emoji deleted"],
  "plugin.install": ["installed the plugin", "Plugin installed"],
  "plugin.enable": ["enabled the plugin", "Plugin enabled"],
  "plugin.disable": ["disabled the plugin", "Plugin disabled"],
  "plugin.remove": ["removed the plugin", "Plugin removed"],
  "plugin.token": ["made a new token for the plugin", "Plugin token"],
  "user.create": ["created the account of", "Account created"],
  "user.delete": ["deleted the account of", "Account deleted"],
  "user.disable": ["disabled the account of", "Account disabled"],
  "user.enable": ["enabled the account of", "Account enabled"],
  "user.reset_password": ["reset the password of", "Password reset"],
  "server.owner": ["transferred the server to", "Owner changed"],
  "layout.apply": ["applied a server layout", "Layout applied"],
  "license.import": ["imported a licence", "Licence imported"],
  "license.activate": ["activated the licence", "Licence activated"],
  "license.deactivate": ["deactivated the licence", "Licence deactivated"],
});

/** Who did it. @param {AuditEntry} e */
export function actorName(e) {
  if (!e.actor_id) return "server operator";
  return displayName(e.actor_id);
}

/** What it was done to. @param {AuditEntry} e */
function targetName(e) {
  if (!e.target_id) return "";
  const t = e.target_type;
  if (t === "user" || t === "member") { const u = userRef(e.target_id); return u ? u.display_name || u.username : `user ${e.target_id}`; }
  if (t === "role") { const r = roles.value.get(e.target_id); return r ? r.name : (e.changes && e.changes.before && e.changes.before.name) || "a deleted role"; }
  if (t === "channel") { const c = channels.value.get(e.target_id); return c ? `#${c.name}` : (e.changes && e.changes.before && e.changes.before.name ? `#${e.changes.before.name}` : "a deleted channel"); }
  if (t === "invite") return e.target_id;
  // A message's id says nothing to a reader; the verb says "a message".
  if (t === "message") return "";
  if (t === "emoji") { const em = emojiById(e.target_id); const n = em ? em.name : e.changes && (e.changes.after?.name || e.changes.before?.name); return n ? `:${n}:` : ""; }
  if (t === "license") return "";
  return e.target_id;
}

/** The entry as a sentence: "alice banned bob: spam". @param {AuditEntry} e */
export function sentence(e) {
  const verb = ACTIONS[e.action] ? ACTIONS[e.action][0] : e.action;
  const target = targetName(e);
  return `${actorName(e)} ${verb}${target ? " " + target : ""}${e.reason ? ": " + e.reason : ""}`;
}

/** A small before/after diff of plain fields. @param {{changes: AuditEntry["changes"]}} p */
function Diff({ changes }) {
  if (!changes || typeof changes !== "object") return null;
  const before = changes.before && typeof changes.before === "object" && !Array.isArray(changes.before) ? changes.before : {};
  const after = changes.after && typeof changes.after === "object" && !Array.isArray(changes.after) ? changes.after : {};
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  if (!keys.length) return null;
  const show = (/** @type {any} */ v) => (v === undefined ? "—" : v === null ? "none" : typeof v === "string" ? v : JSON.stringify(v));
  return html`<dl class="diff">${keys.slice(0, 8).map((k) => html`<div key=${k}><dt>${k}</dt><dd><del>${show(before[k])}</del> → <ins>${show(after[k])}</ins></dd></div>`)}</dl>`;
}

export function AuditTab() {
  const [action, setAction] = useState("");
  const [actor, setActor] = useState("");
  const [items, setItems] = useState(/** @type {AuditEntry[]} */ ([]));
  const [done, setDone] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState(/** @type {string|null} */ (null));
  const [gen, setGen] = useState(0);
  const sentinel = useRef(/** @type {HTMLDivElement|null} */ (null));
  const busy = useRef(false);
  /** @param {AuditEntry[]} have */
  const more = async (have) => {
    if (busy.current) return;
    busy.current = true;
    setLoading(true);
    setError(null);
    const q = new URLSearchParams({ limit: "50" });
    if (have.length) q.set("before", have[have.length - 1].id);
    if (action) q.set("action", action);
    if (actor) q.set("actor_id", actor);
    try {
      /** @type {AuditEntry[]} */
      const page = await api("GET", `/audit-log?${q}`);
      setItems([...have, ...page]);
      setDone(page.length < 50);
    } catch (err) { setError(errorText(err)); }
    finally { busy.current = false; setLoading(false); }
  };
  useEffect(() => { setItems([]); setDone(false); more([]); }, [action, actor, gen]);
  useEffect(() => {
    const el = sentinel.current;
    if (!el || done) return;
    const io = new IntersectionObserver((es) => { if (es.some((x) => x.isIntersecting) && !busy.current && items.length) more(items); });
    io.observe(el);
    return () => io.disconnect();
  }, [items, done]);
  const people = [...members.value.values()].sort((a, b) => (a.nick || a.user.display_name).localeCompare(b.nick || b.user.display_name));
  return html`<div class="settings-section">
    <div class="row-form filters">
      <div class="field"><label for="audit-action">Action</label>
        <select id="audit-action" value=${action} onChange=${(/** @type {Event} */ e) => setAction(val(e))}>
          <option value="">All actions</option>${Object.entries(ACTIONS).map(([k, [, l]]) => html`<option key=${k} value=${k}>${l}</option>`)}
        </select></div>
      <div class="field"><label for="audit-actor">By</label>
        <select id="audit-actor" value=${actor} onChange=${(/** @type {Event} */ e) => setActor(val(e))}>
          <option value="">Anyone</option>${people.map((m) => html`<option key=${m.user.id} value=${m.user.id}>${m.nick || m.user.display_name}</option>`)}
        </select></div>
      <button class="btn" onClick=${() => setGen((g) => g + 1)}>Refresh</button>
    </div>
    ${error ? html`<${LoadError} error=${error} onRetry=${() => more(items)} />` : null}
    ${items.length === 0 && loading ? html`<${ListSkeleton} rows=${5} />` : null}
    ${items.length === 0 && !loading && !error ? html`<${Empty} title="Nothing here yet">${action || actor ? "No entries match these filters." : "Moderation and settings changes will be listed here."}</${Empty}>` : null}
    <ol class="audit-list" aria-label="Audit log entries">
      ${items.map((e) => html`<li key=${e.id} class="audit-entry">
        <div class="audit-line"><span class="audit-text">${sentence(e)}</span>
          <time class="muted small" dateTime=${e.created_at} title=${new Date(e.created_at).toLocaleString()}>${relativeTime(e.created_at)}</time></div>
        <${Diff} changes=${e.changes} />
      </li>`)}
    </ol>
    ${!done && items.length ? html`<div ref=${sentinel} class="audit-more">${loading ? html`<span class="muted small" role="status">Loading older entries…</span>` : html`<button class="btn small ghost" onClick=${() => more(items)}>Load older entries</button>`}</div>` : null}
  </div>`;
}
