// @ts-check
/**
 * @module admin/channels — the Channels tab: create text/voice channels and categories; rename,
 * topic, slowmode, bitrate and user limit; reorder and move between categories by drag or by keyboard,
 * saved with one `PATCH /channels`; the per-channel overwrites editor (allow / inherit / deny)
 * with a "private channel" shortcut; delete with a confirmation naming the channel.
 */
import { html } from "../lib/html.js";
import { useState, useEffect, useRef } from "../../vendor/preact-hooks.mjs";
import { channels, channelList, roles } from "../net/store.js";
import { api, errorText } from "../net/api.js";
import { Icon } from "../ui/icons.js";
import { Dialog } from "../ui/dialog.js";
import { toast } from "../ui/toast.js";
import { shortDuration } from "../lib/time.js";
import { GROUPS, PERM_NAMES, permissionInfo, ReasonDialog, Switch, Empty, everyone, rolesByRank, val, myPerms } from "./common.js";

/** @typedef {import("../net/types.js").Channel} Channel */
/** @typedef {import("../net/types.js").PermissionOverwrite} Overwrite */

/** The channels as the sidebar shows them, flattened: loose ones, then each category and its children. */
export function flatOrder() {
  const list = channelList.value;
  const cats = list.filter((c) => c.type === "category");
  const loose = list.filter((c) => c.type !== "category" && (!c.parent_id || !cats.some((k) => k.id === c.parent_id)));
  /** @type {Channel[]} */
  const out = [...loose];
  for (const cat of cats) out.push(cat, ...list.filter((c) => c.parent_id === cat.id && c.type !== "category"));
  return out;
}

/** Positions and parents of a flat order, for one `PATCH /channels`. @param {Channel[]} flat */
function layoutOf(flat) {
  /** @type {string|null} */
  let parent = null;
  return flat.map((c, i) => {
    if (c.type === "category") { parent = c.id; return { id: c.id, position: i, parent_id: null }; }
    return { id: c.id, position: i, parent_id: parent };
  });
}

/** @param {Channel[]} flat */
async function saveLayout(flat) {
  const layout = layoutOf(flat);
  // Shown at once, so a second move right after the first starts from it; the gateway's
  // CHANNEL_UPDATEs confirm it, a refusal puts the old order back.
  const before = channels.value;
  const next = new Map(before);
  for (const l of layout) {
    const c = next.get(l.id);
    if (c) next.set(l.id, { ...c, position: l.position, parent_id: l.parent_id });
  }
  channels.value = next;
  try {
    await api("PATCH", "/channels", layout);
  } catch (e) {
    channels.value = before;
    throw e;
  }
}

/** Move a channel (or a whole category) one step. @param {Channel[]} flat @param {Channel} c @param {number} dir */
function stepped(flat, c, dir) {
  const next = flat.slice();
  if (c.type !== "category") {
    const i = next.indexOf(c);
    const j = i + dir;
    // Loose channels sit above every category: a channel moves into or out of one by passing its header.
    if (j < 0 || j >= next.length) return null;
    next.splice(i, 1);
    next.splice(j, 0, c);
    return next;
  }
  // Categories move as blocks past the neighbouring category block.
  const blocks = [];
  /** @type {Channel[]} */
  let loose = [];
  for (const x of next) {
    if (x.type === "category") blocks.push([x]);
    else if (blocks.length) blocks[blocks.length - 1].push(x);
    else loose.push(x);
  }
  const bi = blocks.findIndex((b) => b[0] === c);
  const bj = bi + dir;
  if (bj < 0 || bj >= blocks.length) return null;
  const [b] = blocks.splice(bi, 1);
  blocks.splice(bj, 0, b);
  return [...loose, ...blocks.flat()];
}

/** @param {{onClose: () => void, onCreated: (c: Channel) => void}} p */
function CreateChannel({ onClose, onCreated }) {
  const [type, setType] = useState(/** @type {"text"|"voice"|"category"} */ ("text"));
  const [name, setName] = useState("");
  const [parent, setParent] = useState("");
  const [error, setError] = useState(/** @type {string|null} */ (null));
  const cats = channelList.value.filter((c) => c.type === "category");
  const go = async (/** @type {Event} */ e) => {
    e.preventDefault();
    setError(null);
    try {
      /** @type {Channel} */
      const c = await api("POST", "/channels", { name: name.trim(), type, parent_id: type !== "category" && parent ? parent : null });
      onCreated(c);
    } catch (err) { setError(errorText(err)); }
  };
  return html`<${Dialog} title="Create channel" onClose=${onClose}>
    <form onSubmit=${go}>
      <div class="radio-cards" role="radiogroup" aria-label="Channel type">
        ${[["text", "Text", "hash"], ["voice", "Voice", "speaker"], ["category", "Category", "chevron"]].map(([v, l, icon]) => html`<label key=${v} class=${"radio-card" + (type === v ? " sel" : "")}>
          <input type="radio" name="ctype" checked=${type === v} onChange=${() => setType(/** @type {any} */ (v))} /><${Icon} name=${icon} size=${16} />${l}</label>`)}
      </div>
      <div class="field"><label for="new-ch-name">${type === "category" ? "Category name" : "Channel name"}</label>
        <input id="new-ch-name" class="input" required maxlength="100" value=${name} data-autofocus onInput=${(/** @type {Event} */ e) => setName(val(e))} /></div>
      ${type !== "category" && cats.length ? html`<div class="field"><label for="new-ch-parent">Category</label>
        <select id="new-ch-parent" value=${parent} onChange=${(/** @type {Event} */ e) => setParent(val(e))}>
          <option value="">No category</option>${cats.map((c) => html`<option key=${c.id} value=${c.id}>${c.name}</option>`)}
        </select></div>` : null}
      ${error ? html`<div class="form-error" role="alert">${error}</div>` : null}
      <div class="dialog-actions"><button type="button" class="btn ghost" onClick=${onClose}>Cancel</button>
        <button type="submit" class="btn primary" disabled=${!name.trim()}>Create</button></div>
    </form>
  </${Dialog}>`;
}

/** The three-state choice for one permission in one overwrite. @param {{perm: string, state: "allow"|"inherit"|"deny", onChange: (s: "allow"|"inherit"|"deny") => void, disabled: boolean}} p */
function TriState({ perm, state, onChange, disabled }) {
  const label = PERM_NAMES[perm] || perm;
  const desc = permissionInfo.value && permissionInfo.value.get(perm);
  const name = "ow-" + perm.replace(/\W/g, "-");
  return html`<div class="tri-row">
    <div class="tri-text"><span class="tri-label" id=${name + "-l"}>${label}</span>${desc ? html`<span class="field-hint">${desc}</span>` : null}</div>
    <div class="tri" role="radiogroup" aria-labelledby=${name + "-l"}>
      ${[["deny", "Deny", "✕"], ["inherit", "Inherit", "/"], ["allow", "Allow", "✓"]].map(([v, l, sym]) => html`<label key=${v} class=${"tri-opt " + v + (state === v ? " sel" : "")} title=${l}>
        <input type="radio" name=${name} aria-label=${l} checked=${state === v} disabled=${disabled} onChange=${() => onChange(/** @type {any} */ (v))} /><span aria-hidden="true">${sym}</span></label>`)}
    </div>
  </div>`;
}

/** @param {{c: Channel}} p */
function Overwrites({ c }) {
  const ev = everyone();
  const list = rolesByRank();
  const can = myPerms();
  const ows = c.permission_overwrites || [];
  const [roleId, setRoleId] = useState(ev ? ev.id : "");
  const [error, setError] = useState(/** @type {string|null} */ (null));
  const of = (/** @type {string} */ rid) => ows.find((o) => o.role_id === rid) || { role_id: rid, allow: [], deny: [] };
  /** @param {string} rid @param {string[]} allow @param {string[]} deny */
  const put = async (rid, allow, deny) => {
    setError(null);
    try {
      if (!allow.length && !deny.length) await api("DELETE", `/channels/${c.id}/overwrites/${rid}`);
      else await api("PUT", `/channels/${c.id}/overwrites/${rid}`, { allow, deny });
    } catch (err) { setError(errorText(err)); }
  };
  const evOw = ev ? of(ev.id) : null;
  const isPrivate = !!evOw && evOw.deny.includes("channels:view");
  const togglePrivate = async (/** @type {boolean} */ on) => {
    if (!ev || !evOw) return;
    const deny = on ? [...new Set([...evOw.deny, "channels:view"])] : evOw.deny.filter((p) => p !== "channels:view");
    await put(ev.id, evOw.allow.filter((p) => p !== "channels:view"), deny);
  };
  /** @param {string} rid @param {boolean} on */
  const toggleSees = async (rid, on) => {
    const o = of(rid);
    const allow = on ? [...new Set([...o.allow, "channels:view"])] : o.allow.filter((p) => p !== "channels:view");
    await put(rid, allow, o.deny.filter((p) => p !== "channels:view"));
  };
  const cur = of(roleId);
  /** @param {string} p @param {"allow"|"inherit"|"deny"} s */
  const setState = (p, s) => {
    const allow = cur.allow.filter((x) => x !== p);
    const deny = cur.deny.filter((x) => x !== p);
    if (s === "allow") allow.push(p);
    if (s === "deny") deny.push(p);
    put(roleId, allow, deny);
  };
  const others = list.filter((r) => r.position > 0);
  return html`<section class="overwrites" aria-label="Channel permissions">
    <h3>Access</h3>
    <${Switch} id="ch-private" label="Private channel" hint="Only the roles you choose below (and administrators) can see it." checked=${isPrivate} onChange=${togglePrivate} />
    ${isPrivate ? html`<fieldset class="perm-group"><legend>Who can see it</legend>
      ${others.length ? others.map((r) => html`<label key=${r.id} class="check-row"><input type="checkbox" checked=${of(r.id).allow.includes("channels:view")}
        onChange=${(/** @type {Event} */ e) => toggleSees(r.id, /** @type {HTMLInputElement} */ (e.currentTarget).checked)} />
        <span class="role-dot" style=${{ background: r.color || "var(--text-4)" }} aria-hidden="true"></span>${r.name}</label>`)
        : html`<p class="muted small">No roles yet: create one in Roles first.</p>`}
    </fieldset>` : null}
    <h3>Advanced permissions</h3>
    <div class="field"><label for="ow-role">Role</label>
      <select id="ow-role" value=${roleId} onChange=${(/** @type {Event} */ e) => setRoleId(val(e))}>
        ${list.map((r) => html`<option key=${r.id} value=${r.id}>${r.name}${ows.some((o) => o.role_id === r.id) ? " •" : ""}</option>`)}
      </select><div class="field-hint">Roles marked • have overwrites here. Allow and Deny win over the role's own permissions in this channel; Inherit keeps them.</div></div>
    ${error ? html`<div class="form-error" role="alert">${error}</div>` : null}
    ${GROUPS.map((g) => html`<fieldset key=${g.title} class="perm-group"><legend>${g.title}</legend>
      ${g.perms.filter((p) => p !== "administrator").map((p) => html`<${TriState} key=${roleId + p} perm=${p} disabled=${!can(p)}
        state=${cur.allow.includes(p) ? "allow" : cur.deny.includes(p) ? "deny" : "inherit"} onChange=${(/** @type {any} */ s) => setState(p, s)} />`)}
    </fieldset>`)}
  </section>`;
}

/** The slowmode choices in seconds (the server takes 0 to 21600); another value set elsewhere is added. @param {number} cur */
function slowmodes(cur) {
  const list = [0, 5, 10, 30, 60, 300, 900, 3600, 21600];
  if (!list.includes(cur)) list.push(cur);
  return list.sort((a, b) => a - b).map((v) => [v, v ? shortDuration(v) : "Off"]);
}

/** @param {{c: Channel, onDeleted: () => void}} p */
function ChannelEditor({ c, onDeleted }) {
  const [name, setName] = useState(c.name);
  const [topic, setTopic] = useState(c.topic || "");
  const [bitrate, setBitrate] = useState(String(Math.round((c.bitrate || 64000) / 1000)));
  const [limit, setLimit] = useState(String(c.user_limit || 0));
  const [slow, setSlow] = useState(String(c.slowmode_seconds || 0));
  const [msg, setMsg] = useState(/** @type {null|{ok: boolean, text: string}} */ (null));
  const [del, setDel] = useState(false);
  const shown = useRef(c);
  // A change made elsewhere (another admin, spectrusctl) reloads the fields it changed and says
  // so when it replaces something I was editing. An update that leaves a field as it was (the
  // echo of a switch toggled here) keeps what I am typing there.
  useEffect(() => {
    const was = shown.current;
    shown.current = c;
    if (was === c) return;
    const nameChanged = c.name !== was.name;
    const topicChanged = (c.topic || "") !== (was.topic || "");
    const edited = (nameChanged && name !== was.name) || (c.type === "text" && topicChanged && topic !== (was.topic || ""));
    if (nameChanged) setName(c.name);
    if (topicChanged) setTopic(c.topic || "");
    if (c.bitrate !== was.bitrate) setBitrate(String(Math.round((c.bitrate || 64000) / 1000)));
    if (c.user_limit !== was.user_limit) setLimit(String(c.user_limit || 0));
    if (c.slowmode_seconds !== was.slowmode_seconds) setSlow(String(c.slowmode_seconds || 0));
    if (edited && !(c.name === name.trim() && (c.topic || "") === topic.trim())) setMsg({ ok: false, text: "This channel was changed elsewhere: the form now shows the new values." });
  }, [c]);
  const save = async (/** @type {Event} */ e) => {
    e.preventDefault();
    setMsg(null);
    /** @type {Record<string, unknown>} */
    const body = { name: name.trim() };
    if (c.type === "text") body.topic = topic.trim() || null;
    if (c.type !== "category") body.slowmode_seconds = Number(slow);
    if (c.type === "voice") { body.bitrate = Number(bitrate) * 1000; body.user_limit = Number(limit) || null; }
    try {
      await api("PATCH", `/channels/${c.id}`, body);
      setMsg({ ok: true, text: "Saved." });
    } catch (err) { setMsg({ ok: false, text: errorText(err) }); }
  };
  const label = c.type === "category" ? c.name : c.type === "voice" ? c.name : `#${c.name}`;
  return html`<section class="channel-editor" aria-label=${`Edit ${label}`}>
    <form onSubmit=${save}>
      <div class="field"><label for="ch-name">${c.type === "category" ? "Category name" : "Channel name"}</label>
        <input id="ch-name" class="input" value=${name} maxlength="100" required onInput=${(/** @type {Event} */ e) => setName(val(e))} /></div>
      ${c.type === "text" ? html`<div class="field"><label for="ch-topic">Topic</label>
        <textarea id="ch-topic" class="input" rows="2" maxlength="1024" value=${topic} onInput=${(/** @type {Event} */ e) => setTopic(val(e))}></textarea></div>` : null}
      ${c.type !== "category" ? html`<div class="field"><label for="ch-slowmode">Slowmode</label>
        <select id="ch-slowmode" value=${slow} aria-describedby="ch-slowmode-hint" onChange=${(/** @type {Event} */ e) => setSlow(val(e))}>
          ${slowmodes(Number(slow)).map(([v, l]) => html`<option key=${v} value=${String(v)}>${l}</option>`)}
        </select><div id="ch-slowmode-hint" class="field-hint">How long each member waits between two messages here. Members who can manage messages are exempt.</div></div>` : null}
      ${c.type === "voice" ? html`<div class="two-col">
        <div class="field"><label for="ch-bitrate">Bitrate: ${bitrate} kbps</label>
          <input id="ch-bitrate" type="range" min="8" max="128" step="8" value=${bitrate} onInput=${(/** @type {Event} */ e) => setBitrate(val(e))} /></div>
        <div class="field"><label for="ch-limit">User limit: ${Number(limit) ? limit : "none"}</label>
          <input id="ch-limit" type="range" min="0" max="99" step="1" value=${limit} onInput=${(/** @type {Event} */ e) => setLimit(val(e))} /></div>
      </div>` : null}
      <button class="btn primary" type="submit">Save channel</button>
      ${msg ? html`<div class=${msg.ok ? "form-ok" : "form-error"} role=${msg.ok ? "status" : "alert"}>${msg.text}</div>` : null}
    </form>
    ${c.type === "category" ? null : html`<${Overwrites} c=${c} />`}
    <div class="danger-zone"><button class="btn danger" onClick=${() => setDel(true)}>${c.type === "category" ? "Delete category" : "Delete channel"}</button></div>
    ${del ? html`<${ReasonDialog} title=${`Delete ${label}?`} withReason=${false}
      body=${c.type === "category" ? `The category ${c.name} is deleted; its channels stay, without a category.` : `${label} and every message in it are deleted for everyone. This cannot be undone.`}
      confirm=${`Delete ${label}`} onClose=${() => setDel(false)}
      run=${() => api("DELETE", `/channels/${c.id}`)} onDone=${() => { setDel(false); toast(`${label} deleted`, "ok"); onDeleted(); }} />` : null}
  </section>`;
}

export function ChannelsTab() {
  const flat = flatOrder();
  // "Edit channel" in the sidebar's context menu opens this tab on that channel.
  const [sel, setSel] = useState(/** @type {string|null} */ (new URLSearchParams(location.search).get("channel")));
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState(/** @type {string|null} */ (null));
  const [dragId, setDragId] = useState(/** @type {string|null} */ (null));
  const [announce, setAnnounce] = useState("");
  const current = (sel && channels.value.get(sel)) || flat.find((c) => c.type !== "category") || flat[0] || null;
  /** @param {Channel[]|null} next @param {string} said */
  const commit = async (next, said) => {
    if (!next) return;
    setError(null);
    try { await saveLayout(next); setAnnounce(said); } catch (err) { setError(errorText(err)); }
  };
  /** @param {Channel} c @param {number} dir */
  const move = (c, dir) => {
    commit(stepped(flat, c, dir), `${c.name} moved ${dir < 0 ? "up" : "down"}`);
    requestAnimationFrame(() => { const b = /** @type {HTMLButtonElement|null} */ (document.querySelector(`[aria-label="Move ${CSS.escape(c.name)} ${dir < 0 ? "up" : "down"}"]`)); if (b && !b.disabled) b.focus(); });
  };
  /** @param {Channel} target */
  const drop = (target) => {
    const c = dragId ? channels.value.get(dragId) : null;
    setDragId(null);
    if (!c || c.id === target.id) return;
    if (c.type === "category") {
      if (target.type !== "category") return;
      const from = flat.indexOf(c);
      const to = flat.indexOf(target);
      let next = flat;
      for (let k = 0; k < Math.abs(to - from) && next; k++) { const n = stepped(next, c, to > from ? 1 : -1); if (!n) break; next = n; if (next.indexOf(c) > next.indexOf(target) === to > from) break; }
      commit(next, `${c.name} moved`);
      return;
    }
    const next = flat.filter((x) => x !== c);
    // Dropped on a category: first in it. On a channel: just above it.
    const at = next.indexOf(target) + (target.type === "category" ? 1 : 0);
    next.splice(at, 0, c);
    commit(next, `${c.name} moved`);
  };
  return html`<div class="split">
    <div class="split-list">
      <div class="list-head"><span class="muted small">Drag, or use the arrows, to reorder and move between categories.</span>
        <button class="btn primary small" onClick=${() => setCreating(true)}>Create channel</button></div>
      ${error ? html`<div class="form-error" role="alert">${error}</div>` : null}
      <ul class="chan-list" aria-label="Channels and categories">
        ${flat.map((c, i) => html`<li key=${c.id} class=${"chan-row" + (c.type === "category" ? " cat" : c.parent_id ? " child" : "") + (current === c ? " sel" : "")}
          draggable="true" onDragStart=${(/** @type {DragEvent} */ e) => { setDragId(c.id); if (e.dataTransfer) { e.dataTransfer.effectAllowed = "move"; e.dataTransfer.setData("text/plain", c.id); } }}
          onDragOver=${(/** @type {DragEvent} */ e) => { if (dragId) e.preventDefault(); }} onDrop=${(/** @type {DragEvent} */ e) => { e.preventDefault(); drop(c); }} onDragEnd=${() => setDragId(null)}>
          <span class="drag-handle" aria-hidden="true">⋮⋮</span>
          <button class="role-pick" aria-current=${current === c ? "true" : undefined} onClick=${() => setSel(c.id)}
            onKeyDown=${(/** @type {KeyboardEvent} */ e) => { if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) { e.preventDefault(); move(c, e.key === "ArrowUp" ? -1 : 1); } }}
            aria-label=${c.type === "category" ? `Category ${c.name}` : c.type === "voice" ? `Voice channel ${c.name}` : `Text channel ${c.name}`}>
            <${Icon} name=${c.type === "voice" ? "speaker" : c.type === "category" ? "chevron" : "hash"} size=${16} />
            <span class="role-name">${c.name}</span>
            ${(c.permission_overwrites || []).some((o) => o.deny.includes("channels:view")) ? html`<span class="lock" title="Private" aria-hidden="true"><${Icon} name="shield" size=${14} /></span>` : null}
          </button>
          <span class="row-moves">
            <button class="icon-btn small" aria-label=${`Move ${c.name} up`} title="Move up (Alt+↑)" disabled=${i === 0 || !stepped(flat, c, -1)} onClick=${() => move(c, -1)}><span aria-hidden="true">▲</span></button>
            <button class="icon-btn small" aria-label=${`Move ${c.name} down`} title="Move down (Alt+↓)" disabled=${!stepped(flat, c, 1)} onClick=${() => move(c, 1)}><span aria-hidden="true">▼</span></button>
          </span>
        </li>`)}
      </ul>
      ${flat.length === 0 ? html`<${Empty} title="No channels yet">Create a text channel to start talking, and a voice channel to hang out.</${Empty}>` : null}
      <div class="sr-only" role="status" aria-live="polite">${announce}</div>
    </div>
    <div class="split-detail">${current ? html`<${ChannelEditor} key=${current.id} c=${current} onDeleted=${() => setSel(null)} />` : null}</div>
    ${creating ? html`<${CreateChannel} onClose=${() => setCreating(false)} onCreated=${(/** @type {Channel} */ c) => { setCreating(false); channels.value = new Map(channels.value).set(c.id, c); setSel(c.id); }} />` : null}
  </div>`;
}
