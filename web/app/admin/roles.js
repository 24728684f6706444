// @ts-check
/**
 * @module admin/roles — the Roles tab: roles in rank order with member counts; create,
 * rename, colour, hoist, mentionable; permission switches grouped with the server's
 * descriptions; reorder by drag or by keyboard (Move up / Move down, Alt+↑/↓), saved with one
 * `PATCH /roles`; roles at or above my highest are locked with the reason. A role a plugin
 * manages (`managed_by`) is shown read-only with a note naming the plugin: it can be
 * reordered, nothing else (the server answers 409 `managed_role` to the rest).
 */
import { html } from "../lib/html.js";
import { useState, useEffect, useRef } from "../../vendor/preact-hooks.mjs";
import { roles, members } from "../net/store.js";
import { api, errorText } from "../net/api.js";
import { Icon } from "../ui/icons.js";
import { toast } from "../ui/toast.js";
import { myPerms, myRank, rolesByRank, GROUPS, PERM_NAMES, permissionInfo, ReasonDialog, Switch, Empty, val, reasonHeader } from "./common.js";

/** @typedef {import("../net/types.js").Role} Role */

const LOCK_REASON = "Locked: this role is at or above your highest role.";

/** The note on a role a plugin manages. @param {Role} r */
export const managedNote = (r) => `Managed by the plugin ${r.managed_by}: it changes with the plugin, not here.`;

/** Members holding a role (of those this client knows: up to the first 1000). @param {Role} r */
function countOf(r) {
  if (r.position === 0) return members.value.size;
  let n = 0;
  for (const m of members.value.values()) if (m.roles.includes(r.id)) n++;
  return n;
}

/**
 * Save a new order (highest first, @everyone excluded) in one request.
 * @param {Role[]} order @returns {Promise<void>}
 */
async function saveOrder(order) {
  const n = order.length;
  const body = order.map((r, i) => ({ id: r.id, position: n - i }));
  // Shown at once (a second move starts from it); ROLE_UPDATEs confirm, a refusal reverts.
  const before = roles.value;
  const next = new Map(before);
  for (const b of body) { const r = next.get(b.id); if (r) next.set(b.id, { ...r, position: b.position }); }
  roles.value = next;
  try {
    await api("PATCH", "/roles", body);
  } catch (e) {
    roles.value = before;
    throw e;
  }
}

/** @param {{r: Role, on: boolean, locked: boolean, onSelect: () => void, onMove: (dir: number) => void,
 *   first: boolean, last: boolean, drag: any}} p */
function RoleRow({ r, on, locked, onSelect, onMove, first, last, drag }) {
  const count = countOf(r);
  const everyone = r.position === 0;
  const movable = !locked && !everyone;
  return html`<li class=${"role-row" + (on ? " sel" : "") + (drag.over === r.id ? " drop" : "")} draggable=${movable ? "true" : "false"}
    onDragStart=${(/** @type {DragEvent} */ e) => { if (!movable) return; drag.start(r.id); if (e.dataTransfer) { e.dataTransfer.effectAllowed = "move"; e.dataTransfer.setData("text/plain", r.id); } }}
    onDragOver=${(/** @type {DragEvent} */ e) => { if (drag.id && !locked && !everyone) { e.preventDefault(); drag.hover(r.id); } }}
    onDrop=${(/** @type {DragEvent} */ e) => { e.preventDefault(); drag.drop(r.id); }}
    onDragEnd=${() => drag.end()}>
    ${movable ? html`<span class="drag-handle" aria-hidden="true">⋮⋮</span>` : html`<span class="drag-handle" aria-hidden="true"></span>`}
    <button class="role-pick" aria-current=${on ? "true" : undefined} onClick=${onSelect}
      onKeyDown=${(/** @type {KeyboardEvent} */ e) => { if (movable && e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) { e.preventDefault(); onMove(e.key === "ArrowUp" ? -1 : 1); } }}
      aria-label=${`${r.name}, ${count} ${count === 1 ? "member" : "members"}${r.managed_by ? `, managed by the plugin ${r.managed_by}` : ""}${locked ? ", locked" : ""}`}>
      <span class="role-dot" style=${{ background: r.color || "var(--text-4)" }} aria-hidden="true"></span>
      <span class="role-name">${r.name}</span>
      ${r.managed_by ? html`<span class="bot-badge" title=${managedNote(r)} aria-hidden="true">BOT</span>` : null}
      <span class="role-count" aria-hidden="true"><${Icon} name="users" size=${14} />${count}</span>
      ${locked ? html`<span class="lock" title=${LOCK_REASON} aria-hidden="true"><${Icon} name="shield" size=${14} /></span>` : null}
    </button>
    ${movable ? html`<span class="row-moves">
      <button class="icon-btn small" aria-label=${`Move ${r.name} up`} title="Move up (Alt+↑)" disabled=${first} onClick=${() => onMove(-1)}><span aria-hidden="true">▲</span></button>
      <button class="icon-btn small" aria-label=${`Move ${r.name} down`} title="Move down (Alt+↓)" disabled=${last} onClick=${() => onMove(1)}><span aria-hidden="true">▼</span></button>
    </span>` : null}
  </li>`;
}

/** @param {{r: Role, locked: boolean, onDeleted: () => void}} p */
function RoleEditor({ r, locked, onDeleted }) {
  const can = myPerms();
  const [name, setName] = useState(r.name);
  const [color, setColor] = useState(r.color || "");
  const [msg, setMsg] = useState(/** @type {null|{ok: boolean, text: string}} */ (null));
  const [permError, setPermError] = useState(/** @type {null|string} */ (null));
  const [confirmDelete, setConfirmDelete] = useState(false);
  const everyone = r.position === 0;
  const managed = !!r.managed_by;
  // Nothing here may be changed: a role ranked at or above mine, or one a plugin manages.
  const frozen = locked || managed;
  const shown = useRef(r);
  // A change made elsewhere (another admin, spectrusctl) reloads the fields it changed, and says
  // so when it replaces something I was editing. An update that leaves a field as it was (the
  // gateway's echo of a role just created, a permission toggled) keeps what I am typing there.
  useEffect(() => {
    const was = shown.current;
    shown.current = r;
    if (was === r) return;
    const nameChanged = r.name !== was.name;
    const colorChanged = (r.color || "") !== (was.color || "");
    const edited = (nameChanged && name !== was.name) || (colorChanged && color !== (was.color || ""));
    const theirs = !(r.name === name.trim() && (r.color || "") === color);
    if (nameChanged) setName(r.name);
    if (colorChanged) setColor(r.color || "");
    if (edited && theirs && !saving.current) setMsg({ ok: false, text: "This role was changed elsewhere: the form now shows the new values." });
  }, [r]);
  const saving = useRef(false);

  /** @param {Record<string, unknown>} body */
  const patch = async (body) => api("PATCH", `/roles/${r.id}`, body);
  const save = async (/** @type {Event} */ e) => {
    e.preventDefault();
    setMsg(null);
    saving.current = true;
    try {
      await patch({ name: name.trim(), color: color || null });
      setMsg({ ok: true, text: "Saved." });
    } catch (err) { setMsg({ ok: false, text: errorText(err) }); }
    finally { setTimeout(() => { saving.current = false; }, 500); }
  };
  /** @param {string} p @param {boolean} on */
  const togglePerm = async (p, on) => {
    setPermError(null);
    const next = on ? [...new Set([...r.permissions, p])] : r.permissions.filter((x) => x !== p);
    try { await patch({ permissions: next }); } catch (err) { setPermError(`${PERM_NAMES[p] || p}: ${errorText(err)}`); }
  };
  /** @param {string} key @param {boolean} v */
  const toggleFlag = async (key, v) => {
    setMsg(null);
    try { await patch({ [key]: v }); } catch (err) { setMsg({ ok: false, text: errorText(err) }); }
  };
  const info = permissionInfo.value;
  return html`<section class="role-editor" aria-label=${`Edit role ${r.name}`}>
    ${locked ? html`<p class="lock-note" role="note"><${Icon} name="shield" size=${16} /> ${LOCK_REASON} Only someone ranked above it can change it.</p>` : null}
    ${managed ? html`<p class="lock-note" role="note"><${Icon} name="shield" size=${16} /> ${managedNote(r)} Its members and permissions follow the plugin's manifest (spectrusctl plugins update); removing the plugin removes the role.</p>` : null}
    <form class="row-form" onSubmit=${save}>
      <div class="field grow"><label for="role-name">Role name</label>
        <input id="role-name" class="input" value=${name} maxlength="100" disabled=${frozen || everyone} onInput=${(/** @type {Event} */ e) => setName(val(e))} /></div>
      ${everyone ? null : html`<div class="field"><label for="role-color">Colour</label>
        <input id="role-color" type="color" class="color-input" value=${color || "#99aab5"} disabled=${frozen} onInput=${(/** @type {Event} */ e) => setColor(val(e))} /></div>`}
      ${frozen || everyone ? null : html`<button class="btn primary" type="submit">Save role</button>`}
    </form>
    ${msg ? html`<div class=${msg.ok ? "form-ok" : "form-error"} role=${msg.ok ? "status" : "alert"}>${msg.text}</div>` : null}
    ${everyone ? html`<p class="muted small">@everyone is every member: its permissions are the server's defaults.</p>` : html`
      <${Switch} id="role-hoist" label="Show members separately" hint="Members with this role are listed in their own group." checked=${r.hoist} disabled=${frozen} onChange=${(/** @type {boolean} */ v) => toggleFlag("hoist", v)} />
      <${Switch} id="role-mentionable" label="Allow anyone to @mention this role" checked=${r.mentionable} disabled=${frozen} onChange=${(/** @type {boolean} */ v) => toggleFlag("mentionable", v)} />`}
    <h3>Permissions</h3>
    ${permError ? html`<div class="form-error" role="alert">${permError}</div>` : null}
    ${GROUPS.map((g) => html`<fieldset key=${g.title} class="perm-group"><legend>${g.title}</legend>
      ${g.perms.map((p) => {
        const mine = can(p);
        const why = locked ? LOCK_REASON : managed ? managedNote(r) : !mine ? "You cannot grant a permission you do not have." : undefined;
        return html`<${Switch} key=${p} id=${"perm-" + p.replace(/\W/g, "-")} label=${PERM_NAMES[p] || p}
          hint=${(info && info.get(p)) || why} checked=${r.permissions.includes(p)} disabled=${!!why && !(r.permissions.includes(p) && !frozen)}
          onChange=${(/** @type {boolean} */ v) => togglePerm(p, v)} />`;
      })}
    </fieldset>`)}
    ${locked || everyone ? null : html`<${RoleMembers} r=${r} readOnly=${managed} />`}
    ${frozen || everyone ? null : html`<div class="danger-zone"><button class="btn danger" onClick=${() => setConfirmDelete(true)}>Delete role</button></div>`}
    ${confirmDelete ? html`<${ReasonDialog} title=${`Delete the role ${r.name}?`} body=${`Members with ${r.name} lose it and its permissions. This cannot be undone.`}
      confirm="Delete role" onClose=${() => setConfirmDelete(false)}
      run=${(/** @type {string} */ reason) => api("DELETE", `/roles/${r.id}`, undefined, { headers: reasonHeader(reason) })}
      onDone=${() => { setConfirmDelete(false); toast(`Role ${r.name} deleted`, "ok"); onDeleted(); }} />` : null}
  </section>`;
}

/**
 * Who holds a role, with add and remove (of the members this client knows); `readOnly` (a
 * managed role) lists them only.
 * @param {{r: Role, readOnly?: boolean}} p
 */
function RoleMembers({ r, readOnly = false }) {
  const [pick, setPick] = useState("");
  const [error, setError] = useState(/** @type {string|null} */ (null));
  const all = [...members.value.values()];
  const nameOf = (/** @type {import("../net/types.js").Member} */ m) => m.nick || m.user.display_name || m.user.username;
  const holders = all.filter((m) => m.roles.includes(r.id)).sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
  const others = all.filter((m) => !m.roles.includes(r.id)).sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
  /** @param {string} uid @param {boolean} add */
  const change = async (uid, add) => {
    setError(null);
    try { await api(add ? "PUT" : "DELETE", `/members/${uid}/roles/${r.id}`); if (add) setPick(""); } catch (err) { setError(errorText(err)); }
  };
  return html`<section aria-label=${`Members with ${r.name}`}>
    <h3>Members with this role</h3>
    ${readOnly ? null : html`<form class="row-form" onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); if (pick) change(pick, true); }}>
      <div class="field grow"><label for="role-add-member">Add a member</label>
        <select id="role-add-member" value=${pick} onChange=${(/** @type {Event} */ e) => setPick(val(e))}>
          <option value="">Choose a member…</option>${others.map((m) => html`<option key=${m.user.id} value=${m.user.id}>${nameOf(m)} (@${m.user.username})</option>`)}
        </select></div>
      <button class="btn" type="submit" disabled=${!pick}>Add</button>
    </form>`}
    ${error ? html`<div class="form-error" role="alert">${error}</div>` : null}
    ${holders.length ? html`<ul class="member-table">${holders.map((m) => html`<li key=${m.user.id} class="mt-row">
      <span class="mt-names strong">${nameOf(m)} <span class="muted small">@${m.user.username}</span></span>
      ${readOnly ? null : html`<button class="btn small ghost danger" onClick=${() => change(m.user.id, false)}>Remove ${nameOf(m)} from ${r.name}</button>`}</li>`)}</ul>`
      : html`<p class="muted small">Nobody has ${r.name} yet.</p>`}
  </section>`;
}

export function RolesTab() {
  const list = rolesByRank();
  const mine = myRank();
  const [sel, setSel] = useState(/** @type {string|null} */ (null));
  const [error, setError] = useState(/** @type {string|null} */ (null));
  const [dragId, setDragId] = useState(/** @type {string|null} */ (null));
  const [over, setOver] = useState(/** @type {string|null} */ (null));
  const [announce, setAnnounce] = useState("");
  const ordered = list.filter((r) => r.position > 0);
  const current = (sel && roles.value.get(sel)) || list.find((r) => r.position > 0 && r.position < mine) || list[0];
  const locked = (/** @type {Role} */ r) => r.position >= mine;

  /** @param {Role[]} next @param {string} said */
  const commit = async (next, said) => {
    setError(null);
    try {
      await saveOrder(next);
      setAnnounce(said);
    } catch (err) { setError(errorText(err)); }
  };
  /** @param {Role} r @param {number} dir */
  const move = (r, dir) => {
    const i = ordered.findIndex((x) => x.id === r.id);
    const j = i + dir;
    if (j < 0 || j >= ordered.length || locked(ordered[j])) return;
    const next = ordered.slice();
    next.splice(i, 1);
    next.splice(j, 0, r);
    commit(next, `${r.name} moved ${dir < 0 ? "up" : "down"}, now ${j + 1} of ${next.length}`);
    requestAnimationFrame(() => {
      const b = /** @type {HTMLElement|null} */ (document.querySelector(`[aria-label="Move ${CSS.escape(r.name)} ${dir < 0 ? "up" : "down"}"]`));
      if (b && !(/** @type {HTMLButtonElement} */ (b)).disabled) b.focus();
    });
  };
  const drag = {
    id: dragId,
    over,
    start: (/** @type {string} */ id) => setDragId(id),
    hover: (/** @type {string} */ id) => setOver(id),
    end: () => { setDragId(null); setOver(null); },
    drop: (/** @type {string} */ target) => {
      const from = ordered.findIndex((x) => x.id === dragId);
      const to = ordered.findIndex((x) => x.id === target);
      setDragId(null);
      setOver(null);
      if (from < 0 || to < 0 || from === to || locked(ordered[to])) return;
      const r = ordered[from];
      const next = ordered.slice();
      next.splice(from, 1);
      next.splice(to, 0, r);
      commit(next, `${r.name} moved to ${to + 1} of ${next.length}`);
    },
  };
  const create = async () => {
    setError(null);
    try {
      /** @type {Role} */
      const r = await api("POST", "/roles", { name: "new role", permissions: [] });
      roles.value = new Map(roles.value).set(r.id, r);
      setSel(r.id);
      requestAnimationFrame(() => { const el = /** @type {HTMLInputElement|null} */ (document.getElementById("role-name")); if (el) { el.focus(); el.select(); } });
    } catch (err) { setError(errorText(err)); }
  };
  return html`<div class="split">
    <div class="split-list">
      <div class="list-head"><span class="muted small">Highest first. Drag, or use the arrows, to reorder.</span>
        <button class="btn primary small" onClick=${create}>Create role</button></div>
      ${error ? html`<div class="form-error" role="alert">${error}</div>` : null}
      <ul class="role-list" aria-label="Roles">
        ${list.map((r) => {
          const i = ordered.indexOf(r);
          return html`<${RoleRow} key=${r.id} r=${r} on=${current === r} locked=${locked(r)} drag=${drag}
            first=${i <= 0 || locked(ordered[i - 1])} last=${i === ordered.length - 1}
            onSelect=${() => setSel(r.id)} onMove=${(/** @type {number} */ d) => move(r, d)} />`;
        })}
      </ul>
      ${ordered.length === 0 ? html`<${Empty} title="Only @everyone so far">Create a role for your moderators, then give it to them in Members.</${Empty}>` : null}
      <div class="sr-only" role="status" aria-live="polite">${announce}</div>
    </div>
    <div class="split-detail">${current ? html`<${RoleEditor} key=${current.id} r=${current} locked=${locked(current) && current.position > 0} onDeleted=${() => setSel(null)} />` : null}</div>
  </div>`;
}
