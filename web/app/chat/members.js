// @ts-check
/**
 * @module chat/members — the member list (grouped by hoisted role, online first, role colours,
 * presence; on a large server the watched range, paged) and the member popover with
 * moderation buttons shown only when permitted.
 */
import { html } from "../lib/html.js";
import { useState, useEffect } from "../../vendor/preact-hooks.mjs";
import { members, roles, me, memberCount, roleColor, voiceStates, server, largeServer, readyGen, logs, currentChannelId } from "../net/store.js";
import { gatewaySend } from "../net/session.js";
import { permissionsOf, rank } from "../lib/perms.js";
import { api, errorText } from "../net/api.js";
import { Dialog } from "../ui/dialog.js";
import { Avatar } from "../ui/avatar.js";
import { BotBadge } from "../ui/bot-badge.js";
import { toast } from "../ui/toast.js";
import { dayLabel } from "../lib/time.js";
import { volumeOf, setUserVolume } from "../voice/engine.js";
import { MemberDmActions } from "../dm/view.js";
import { contextMenuProps } from "../ui/menu.js";
import { roleClass, roleStyle } from "../lib/rolecolor.js";

/** @typedef {import("../net/types.js").Member} Member */

/** @param {Member} m */
const nameOf = (m) => m.nick || m.user.display_name || m.user.username;

/** @param {{m: Member, onOpen: (m: Member) => void}} p */
function Row({ m, onOpen }) {
  const color = roleColor(m.user.id);
  const off = m.presence !== "online";
  return html`<li><button class=${"member" + (off ? " offline" : "")} onClick=${() => onOpen(m)}
    ...${contextMenuProps(() => onOpen(m))} aria-keyshortcuts="Shift+F10">
    <${Avatar} id=${m.user.id} name=${nameOf(m)} size=${32} presence=${m.presence} />
    <span class=${"member-name " + roleClass(color)} style=${roleStyle(color)}>${nameOf(m)}</span><${BotBadge} user=${m.user} />
  </button></li>`;
}

const DURATIONS = [
  ["60 seconds", 60], ["5 minutes", 300], ["10 minutes", 600], ["1 hour", 3600], ["1 day", 86400], ["1 week", 604800],
];

/** @param {{m: Member, onClose: () => void}} p */
export function MemberPopover({ m, onClose }) {
  const [confirm, setConfirm] = useState(/** @type {null|"kick"|"ban"|"timeout"} */ (null));
  const [reason, setReason] = useState("");
  const [dur, setDur] = useState(600);
  const [error, setError] = useState(/** @type {string|null} */ (null));
  const [busy, setBusy] = useState(false);
  const u = me.value;
  const myMember = u ? members.value.get(u.id) : undefined;
  const can = permissionsOf({ owner: !!(u && u.owner), member: myMember, roles: roles.value });
  const self = !!u && u.id === m.user.id;
  const above = !!(u && u.owner) || rank(myMember, roles.value) > rank(m, roles.value);
  const mod = !self && above && !(server.value && server.value.owner_id === m.user.id);
  const timedOut = !!m.timeout_until && Date.parse(m.timeout_until) > Date.now();
  const name = nameOf(m);
  const memberRoles = m.roles.map((id) => roles.value.get(id)).filter((r) => !!r && r.position > 0).sort((a, b) => (b && a ? b.position - a.position : 0));
  const inVoice = voiceStates.value.get(m.user.id);
  const [vol, setVol] = useState(volumeOf(m.user.id));

  /** @param {() => Promise<unknown>} f @param {string} done */
  const act = async (f, done) => {
    setBusy(true);
    setError(null);
    try {
      await f();
      toast(done, "ok");
      setConfirm(null);
      onClose();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  /** @type {Record<string, string>} */
  const hdr = reason.trim() ? { "X-Audit-Log-Reason": encodeURIComponent(reason.trim()) } : {};
  const id = m.user.id;

  return html`<${Dialog} title=${name} onClose=${onClose} class="member-pop" hideTitle=${true}>
    <div class="mp-banner" style=${{ background: roleColor(id) || "var(--accent)" }}></div>
    <div class="mp-head">
      <${Avatar} id=${id} name=${name} size=${72} presence=${m.presence} />
      <div class="mp-names">
        <div class="mp-name">${name}<${BotBadge} user=${m.user} /></div>
        <div class="muted">@${m.user.username}${m.presence === "online" ? " · online" : " · offline"}</div>
      </div>
    </div>
    <div class="mp-body">
      ${memberRoles.length ? html`<h3>Roles</h3><ul class="role-chips">${memberRoles.map((r) => r && html`<li class="role-chip"><span class="role-dot" style=${{ background: r.color || "var(--text-3)" }}></span>${r.name}</li>`)}</ul>` : null}
      ${self ? null : html`<${MemberDmActions} id=${id} name=${name} onClose=${onClose} />`}
      <h3>Member since</h3><p>${dayLabel(m.joined_at)}</p>
      ${timedOut && m.timeout_until ? html`<p class="warn-text">Timed out until ${new Date(m.timeout_until).toLocaleString()}</p>` : null}
      ${inVoice && !self ? html`<div class="field"><label for="mp-vol">User volume: ${vol}%</label>
        <input id="mp-vol" type="range" min="0" max="200" step="5" value=${vol}
          onInput=${(/** @type {InputEvent} */ e) => { const v = Number(/** @type {HTMLInputElement} */ (e.currentTarget).value); setVol(v); setUserVolume(id, v); }} /></div>` : null}
      ${mod && (can("members:kick") || can("members:ban") || can("members:timeout")) ? html`<div class="mod-actions">
        ${can("members:timeout") ? (timedOut
          ? html`<button class="btn small" disabled=${busy} onClick=${() => act(() => api("PATCH", `/members/${id}`, { timeout_until: null }, { headers: hdr }), `${name}'s time out was lifted`)}>Remove time out</button>`
          : html`<button class="btn small warn" onClick=${() => setConfirm("timeout")}>Time out</button>`) : null}
        ${can("members:kick") ? html`<button class="btn small danger" onClick=${() => setConfirm("kick")}>Kick</button>` : null}
        ${can("members:ban") ? html`<button class="btn small danger" onClick=${() => setConfirm("ban")}>Ban</button>` : null}
      </div>` : null}
      ${confirm ? html`<div class="mod-confirm">
        <p><strong>${confirm === "kick" ? `Kick ${name}?` : confirm === "ban" ? `Ban ${name}?` : `Time out ${name}?`}</strong>
          ${confirm === "kick" ? " They can rejoin with a new invite." : confirm === "ban" ? " They will not be able to log in or rejoin." : " They will only be able to read."}</p>
        ${confirm === "timeout" ? html`<div class="field"><label for="mp-dur">Duration</label>
          <select id="mp-dur" value=${dur} onChange=${(/** @type {Event} */ e) => setDur(Number(/** @type {HTMLSelectElement} */ (e.currentTarget).value))}>
            ${DURATIONS.map(([l, s]) => html`<option value=${s}>${l}</option>`)}
          </select></div>` : null}
        <div class="field"><label for="mp-reason">Reason (optional, in the audit log)</label>
          <input id="mp-reason" class="input" value=${reason} maxlength="512" onInput=${(/** @type {InputEvent} */ e) => setReason(/** @type {HTMLInputElement} */ (e.currentTarget).value)} /></div>
        <div class="dialog-actions">
          <button class="btn ghost small" onClick=${() => setConfirm(null)}>Cancel</button>
          <button class="btn danger small" disabled=${busy} onClick=${() => {
            if (confirm === "kick") act(() => api("DELETE", `/members/${id}`, undefined, { headers: hdr }), `${name} was kicked`);
            else if (confirm === "ban") act(() => api("PUT", `/bans/${id}`, reason.trim() ? { reason: reason.trim() } : {}), `${name} was banned`);
            else act(() => api("PATCH", `/members/${id}`, { timeout_until: new Date(Date.now() + dur * 1000).toISOString() }, { headers: hdr }), `${name} was timed out`);
          }}>${confirm === "kick" ? `Confirm kick` : confirm === "ban" ? `Confirm ban` : `Confirm time out`}</button>
        </div>
      </div>` : null}
      ${error ? html`<div class="form-error" role="alert">${error}</div>` : null}
    </div>
  </${Dialog}>`;
}

/** Members in one watched range of the list on a large server. */
const PAGE = 100;

/**
 * The authors of the open channel's last 50 messages, sorted and joined (a stable key): a
 * large server sends their presence and member updates only to sessions that watch them.
 * @param {string|null} cid
 */
function authorsOnScreen(cid) {
  const log = cid ? logs.value.get(cid) : undefined;
  if (!log) return "";
  return [...new Set(log.messages.slice(-50).map((m) => m.author.id))].sort().join(",");
}

/**
 * On a large server (`ready.large`) the list holds only what this session watches: the
 * range `offset..offset + PAGE` of the member list, me, and the authors on screen. It asks
 * for them (`watch_members`) whenever they change and after every `ready`; the answer
 * (`members_chunk`) replaces the members in the store, and presence arrives for them live.
 * @param {number} offset
 */
function useWatchedMembers(offset) {
  const large = largeServer.value;
  const gen = readyGen.value;
  const authors = large ? authorsOnScreen(currentChannelId.value) : "";
  const myId = me.value ? me.value.id : null;
  useEffect(() => {
    if (!large) return;
    const ids = new Set(authors ? authors.split(",") : []);
    if (myId) ids.add(myId);
    gatewaySend("watch_members", { offset, limit: PAGE, user_ids: [...ids].slice(0, 200) });
  }, [large, gen, offset, authors, myId]);
}

export function MemberList() {
  const [open, setOpen] = useState(/** @type {Member|null} */ (null));
  const [offset, setOffset] = useState(0);
  useWatchedMembers(offset);
  const large = largeServer.value;
  const total = memberCount.value;
  const all = [...members.value.values()].sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
  const hoisted = [...roles.value.values()].filter((r) => r.hoist && r.position > 0).sort((a, b) => b.position - a.position);
  /** @type {{title: string, list: Member[]}[]} */
  const groups = [];
  const placed = new Set();
  for (const r of hoisted) {
    const list = all.filter((m) => m.presence === "online" && !placed.has(m.user.id) && m.roles.includes(r.id));
    for (const m of list) placed.add(m.user.id);
    if (list.length) groups.push({ title: r.name, list });
  }
  const online = all.filter((m) => m.presence === "online" && !placed.has(m.user.id));
  if (online.length) groups.push({ title: "Online", list: online });
  const offline = all.filter((m) => m.presence !== "online");
  if (offline.length) groups.push({ title: "Offline", list: offline });
  return html`<aside class="members" aria-label="Members">
    ${groups.map((g) => html`<section key=${g.title} class="member-group" aria-label=${`${g.title}, ${g.list.length}`}>
      <h3 class="group-title" aria-hidden="true">${g.title} — ${g.list.length}</h3>
      <ul>${g.list.map((m) => html`<${Row} key=${m.user.id} m=${m} onOpen=${setOpen} />`)}</ul>
    </section>`)}
    ${large ? html`<nav class="member-pager" aria-label="Member pages">
      <button class="btn ghost small" disabled=${offset === 0} onClick=${() => setOffset(Math.max(0, offset - PAGE))}>Previous</button>
      <span class="muted small">${Math.min(offset + 1, total)}–${Math.min(offset + PAGE, total)} of ${total}</span>
      <button class="btn ghost small" disabled=${offset + PAGE >= total} onClick=${() => setOffset(offset + PAGE)}>Next</button>
    </nav>` : memberCount.value > all.length ? html`<p class="muted small pad">and ${memberCount.value - all.length} more</p>` : null}
    ${open ? html`<${MemberPopover} m=${members.value.get(open.user.id) || open} onClose=${() => setOpen(null)} />` : null}
  </aside>`;
}
