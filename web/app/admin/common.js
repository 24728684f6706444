// @ts-check
/**
 * @module admin/common — pieces every server settings tab shares: what I may do (from the
 * store, for hiding controls only), a loader with loading/error/retry states, the reason +
 * confirm dialog of moderation steps, the permission list with the server's descriptions.
 */
import { html } from "../lib/html.js";
import { useState, useEffect, useCallback } from "../../vendor/preact-hooks.mjs";
import { signal } from "../../vendor/signals.mjs";
import { me, members, roles } from "../net/store.js";
import { permissionsOf, rank } from "../lib/perms.js";
import { api, errorText } from "../net/api.js";
import { Dialog } from "../ui/dialog.js";

/** @typedef {import("../net/types.js").Role} Role */
/** @typedef {import("../net/types.js").PermissionInfo} PermissionInfo */

/** My server-wide permissions (hides controls; the server decides). */
export function myPerms() {
  const u = me.value;
  return permissionsOf({ owner: !!(u && u.owner), member: u ? members.value.get(u.id) : undefined, roles: roles.value });
}

/** My rank for the hierarchy rules: the owner and administrators pass them. */
export function myRank() {
  const u = me.value;
  if (!u) return 0;
  if (u.owner || myPerms()("administrator")) return Infinity;
  return rank(members.value.get(u.id), roles.value);
}

/** Roles highest first. @returns {Role[]} */
export function rolesByRank() {
  return [...roles.value.values()].sort((a, b) => b.position - a.position);
}

/** The `@everyone` role. */
export function everyone() {
  return [...roles.value.values()].find((r) => r.position === 0);
}

/** The permission groups of the editors, in the order shown. */
export const GROUPS = [
  { title: "General", perms: ["administrator", "server:manage", "channels:manage", "roles:manage", "invites:create", "invites:manage", "audit_log:view", "plugins:manage", "channels:view"] },
  { title: "Text", perms: ["messages:send", "messages:read_history", "messages:manage", "messages:mention_everyone", "reactions:add", "emoji:manage"] },
  { title: "Voice", perms: ["voice:connect", "voice:speak", "voice:mute_members", "voice:deafen_members", "voice:move_members"] },
  { title: "Moderation", perms: ["members:kick", "members:ban", "members:timeout", "members:manage_nicknames"] },
];

/** Plain names of permissions. @type {Record<string, string>} */
export const PERM_NAMES = {
  administrator: "Administrator", "server:manage": "Manage server", "channels:manage": "Manage channels",
  "roles:manage": "Manage roles", "invites:create": "Create invites", "invites:manage": "Manage invites",
  "audit_log:view": "View audit log", "plugins:manage": "Manage plugins", "channels:view": "View channels",
  "messages:send": "Send messages", "messages:read_history": "Read message history", "messages:manage": "Manage messages",
  "messages:mention_everyone": "Mention @everyone", "reactions:add": "Add reactions", "voice:connect": "Connect to voice",
  "voice:speak": "Speak", "voice:mute_members": "Mute members", "voice:deafen_members": "Deafen members",
  "voice:move_members": "Move members", "members:kick": "Kick members", "members:ban": "Ban members",
  "members:timeout": "Time out members", "members:manage_nicknames": "Manage nicknames",
  "emoji:manage": "Manage emoji",
};

/** The server's own permission list (`GET /permissions`), loaded once. */
export const permissionInfo = signal(/** @type {Map<string, string>|null} */ (null));
let loadingInfo = false;
export function loadPermissionInfo() {
  if (permissionInfo.value || loadingInfo) return;
  loadingInfo = true;
  api("GET", "/permissions")
    .then((/** @type {PermissionInfo[]} */ list) => { permissionInfo.value = new Map(list.map((p) => [p.name, p.description])); })
    // An older server without the route: the editors show names only.
    .catch(() => { permissionInfo.value = new Map(); })
    .finally(() => { loadingInfo = false; });
}

/**
 * Loads something over REST with loading / error / retry states.
 * @template T
 * @param {() => Promise<T>} f @param {any[]} deps
 * @returns {{data: T|undefined, error: string|null, loading: boolean, reload: () => void, set: (v: T) => void}}
 */
export function useLoad(f, deps) {
  const [data, setData] = useState(/** @type {T|undefined} */ (undefined));
  const [error, setError] = useState(/** @type {string|null} */ (null));
  const [loading, setLoading] = useState(true);
  const [gen, setGen] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    f().then((d) => { if (live) setData(d); }).catch((e) => { if (live) setError(errorText(e)); }).finally(() => { if (live) setLoading(false); });
    return () => { live = false; };
  }, [...deps, gen]);
  const reload = useCallback(() => setGen((g) => g + 1), []);
  return { data, error, loading, reload, set: setData };
}

/** Skeleton rows while a list loads. @param {{rows?: number}} p */
export function ListSkeleton({ rows = 4 }) {
  return html`<div class="sk-list" aria-busy="true" role="status" aria-label="Loading">
    ${Array.from({ length: rows }, (_, i) => html`<div key=${i} class="sk-row"><div class="sk-avatar"></div><div class="sk-lines"><div class="sk-line short"></div><div class="sk-line"></div></div></div>`)}
  </div>`;
}

/** An error with a retry. @param {{error: string, onRetry: () => void}} p */
export function LoadError({ error, onRetry }) {
  return html`<div class="form-error load-error" role="alert"><span>${error}</span><button class="btn small" onClick=${onRetry}>Try again</button></div>`;
}

/** A friendly empty state. @param {{title: string, children?: any}} p */
export function Empty({ title, children }) {
  return html`<div class="admin-empty"><strong>${title}</strong>${children ? html`<p class="muted">${children}</p>` : null}</div>`;
}

/** The header value for an optional reason. @param {string} reason @returns {Record<string,string>} */
export function reasonHeader(reason) {
  const r = reason.trim();
  return r ? { "X-Audit-Log-Reason": encodeURIComponent(r) } : {};
}

/**
 * Asks for an optional reason (sent as X-Audit-Log-Reason) and a confirmation, then runs the
 * step; the server's refusal shows in words in the dialog.
 * @param {{title: string, body?: any, confirm: string, danger?: boolean, children?: any,
 *   run: (reason: string) => Promise<unknown>, onDone: () => void, onClose: () => void, withReason?: boolean}} p
 */
export function ReasonDialog({ title, body, confirm, danger = true, children, run, onDone, onClose, withReason = true }) {
  const [reason, setReason] = useState("");
  const [error, setError] = useState(/** @type {string|null} */ (null));
  const [busy, setBusy] = useState(false);
  const go = async (/** @type {Event} */ e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await run(reason);
      onDone();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return html`<${Dialog} title=${title} onClose=${onClose}>
    <form onSubmit=${go}>
      ${body ? html`<p>${body}</p>` : null}
      ${children}
      ${withReason ? html`<div class="field"><label for="mod-reason">Reason (optional, shown in the audit log)</label>
        <input id="mod-reason" class="input" value=${reason} maxlength="512" data-autofocus
          onInput=${(/** @type {InputEvent} */ e) => setReason(/** @type {HTMLInputElement} */ (e.currentTarget).value)} /></div>` : null}
      ${error ? html`<div class="form-error" role="alert">${error}</div>` : null}
      <div class="dialog-actions">
        <button type="button" class="btn ghost" onClick=${onClose}>Cancel</button>
        <button type="submit" class=${"btn " + (danger ? "danger" : "primary")} disabled=${busy}>${confirm}</button>
      </div>
    </form>
  </${Dialog}>`;
}

/** A labelled switch. @param {{id: string, label: string, hint?: string, checked: boolean, disabled?: boolean, onChange: (v: boolean) => void}} p */
export function Switch({ id, label, hint, checked, disabled, onChange }) {
  return html`<div class="toggle-row">
    <div><label for=${id}>${label}</label>${hint ? html`<div class="field-hint">${hint}</div>` : null}</div>
    <input id=${id} type="checkbox" role="switch" class="switch" checked=${checked} disabled=${disabled}
      onChange=${(/** @type {Event} */ e) => onChange(/** @type {HTMLInputElement} */ (e.currentTarget).checked)} />
  </div>`;
}

/** Text of an input event. @param {Event} e */
export const val = (e) => /** @type {HTMLInputElement} */ (e.currentTarget).value;
