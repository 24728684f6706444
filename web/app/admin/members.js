// @ts-check
/**
 * @module admin/members — the Members tab (searchable, paged list with roles, join date and
 * time-out state; assign roles, nickname, time out, kick, ban — each asking an optional reason
 * sent as X-Audit-Log-Reason, destructive steps confirmed) and the Bans tab (list, unban).
 */
import { html } from "../lib/html.js";
import { useState } from "../../vendor/preact-hooks.mjs";
import { api, errorText } from "../net/api.js";
import { members, memberCount, roles, me, server, voiceStates, channelList } from "../net/store.js";
import { rank } from "../lib/perms.js";
import { dayLabel, relativeTime } from "../lib/time.js";
import { Avatar } from "../ui/avatar.js";
import { Dialog } from "../ui/dialog.js";
import { toast } from "../ui/toast.js";
import { myPerms, myRank, rolesByRank, useLoad, ListSkeleton, LoadError, Empty, ReasonDialog, reasonHeader, val } from "./common.js";

/** @typedef {import("../net/types.js").Member} Member */
/** @typedef {import("../net/types.js").Ban} Ban */

/** @param {Member} m */
const nameOf = (m) => m.nick || m.user.display_name || m.user.username;
/** @param {Member} m */
const timedOut = (m) => !!m.timeout_until && Date.parse(m.timeout_until) > Date.now();

export const TIMEOUTS = [["60", "60 seconds"], ["300", "5 minutes"], ["600", "10 minutes"], ["3600", "1 hour"], ["86400", "1 day"], ["604800", "1 week"]];

/** Whether I rank above a member (hierarchy; the server decides). @param {Member} m */
function outranks(m) {
  const u = me.value;
  if (!u || u.id === m.user.id) return false;
  if (server.value && server.value.owner_id === m.user.id) return false;
  return myRank() > rank(m, roles.value);
}

/** @param {{m: Member, onClose: () => void}} p */
function ManageMember({ m, onClose }) {
  const can = myPerms();
  const name = nameOf(m);
  const id = m.user.id;
  const mine = myRank();
  const [nick, setNick] = useState(m.nick || "");
  const [dur, setDur] = useState("600");
  const [step, setStep] = useState(/** @type {null|"timeout"|"untimeout"|"kick"|"ban"} */ (null));
  const [note, setNote] = useState(/** @type {null|{ok: boolean, text: string}} */ (null));
  const [roleError, setRoleError] = useState(/** @type {string|null} */ (null));
  const assignable = rolesByRank().filter((r) => r.position > 0);
  /** @param {string} rid @param {boolean} on */
  const setRole = async (rid, on) => {
    setRoleError(null);
    try { await api(on ? "PUT" : "DELETE", `/members/${id}/roles/${rid}`); } catch (err) { setRoleError(errorText(err)); }
  };
  const saveNick = async (/** @type {Event} */ e) => {
    e.preventDefault();
    setNote(null);
    try { await api("PATCH", `/members/${id}`, { nick: nick.trim() || null }); setNote({ ok: true, text: "Nickname saved." }); } catch (err) { setNote({ ok: false, text: errorText(err) }); }
  };
  const label = dur && TIMEOUTS.find(([v]) => v === dur);
  // Voice moderation, for a member in voice (PATCH /voice/members).
  const voice = voiceStates.value.get(id);
  const [voiceError, setVoiceError] = useState(/** @type {string|null} */ (null));
  /** @param {Record<string, unknown>} body */
  const voiceAct = async (body) => {
    setVoiceError(null);
    try { await api("PATCH", `/voice/members/${id}`, body); } catch (err) { setVoiceError(errorText(err)); }
  };
  return html`<${Dialog} title=${`Manage ${name}`} onClose=${onClose} class="manage-member">
    <div class="mm-head"><${Avatar} id=${id} name=${name} size=${48} presence=${m.presence} />
      <div><div class="strong">${name}</div><div class="muted small">@${m.user.username} · joined ${dayLabel(m.joined_at)}</div>
      ${timedOut(m) && m.timeout_until ? html`<div class="warn-text small">Timed out until ${new Date(m.timeout_until).toLocaleString()}</div>` : null}</div></div>
    ${can("roles:manage") ? html`<fieldset class="perm-group"><legend>Roles</legend>
      ${assignable.length ? assignable.map((r) => {
        // A plugin's role goes with its bot only: nobody gives or takes it.
        const managed = !!r.managed_by;
        const locked = r.position >= mine || managed;
        const why = managed ? `Managed by the plugin ${r.managed_by}` : "At or above your highest role";
        return html`<label key=${r.id} class=${"check-row" + (locked ? " locked" : "")} title=${locked ? why : ""}>
          <input type="checkbox" checked=${m.roles.includes(r.id)} disabled=${locked} onChange=${(/** @type {Event} */ e) => setRole(r.id, /** @type {HTMLInputElement} */ (e.currentTarget).checked)} />
          <span class="role-dot" style=${{ background: r.color || "var(--text-4)" }} aria-hidden="true"></span>${r.name}${managed ? html`<span class="muted small"> (managed by the plugin ${r.managed_by})</span>` : locked ? html`<span class="muted small"> (locked)</span>` : null}</label>`;
      }) : html`<p class="muted small">No roles yet.</p>`}
      ${roleError ? html`<div class="form-error" role="alert">${roleError}</div>` : null}
    </fieldset>` : null}
    ${can("members:manage_nicknames") ? html`<form class="row-form" onSubmit=${saveNick}>
      <div class="field grow"><label for="mm-nick">Nickname</label><input id="mm-nick" class="input" maxlength="64" value=${nick} placeholder=${m.user.display_name} onInput=${(/** @type {Event} */ e) => setNick(val(e))} /></div>
      <button class="btn" type="submit">Save nickname</button></form>` : null}
    ${note ? html`<div class=${note.ok ? "form-ok" : "form-error"} role=${note.ok ? "status" : "alert"}>${note.text}</div>` : null}
    ${can("members:timeout") ? html`<div class="row-form">
      ${timedOut(m) ? html`<button class="btn" onClick=${() => setStep("untimeout")}>Remove time out</button>` : html`
        <div class="field"><label for="mm-dur">Time out for</label>
          <select id="mm-dur" value=${dur} onChange=${(/** @type {Event} */ e) => setDur(val(e))}>${TIMEOUTS.map(([v, l]) => html`<option key=${v} value=${v}>${l}</option>`)}</select></div>
        <button class="btn warn" onClick=${() => setStep("timeout")}>Time out</button>`}
    </div>` : null}
    ${voice && (can("voice:mute_members") || can("voice:deafen_members") || can("voice:move_members")) ? html`<fieldset class="perm-group"><legend>In voice</legend>
      <div class="row-form">
        ${can("voice:mute_members") ? html`<button class=${"btn" + (voice.mute ? " on" : "")} onClick=${() => voiceAct({ mute: !voice.mute })}>${voice.mute ? "Server unmute" : "Server mute"}</button>` : null}
        ${can("voice:deafen_members") ? html`<button class=${"btn" + (voice.deaf ? " on" : "")} onClick=${() => voiceAct({ deaf: !voice.deaf })}>${voice.deaf ? "Server undeafen" : "Server deafen"}</button>` : null}
        ${can("voice:move_members") ? html`<div class="field"><label for="mm-move">Move to</label>
          <select id="mm-move" value=${voice.channel_id || ""} onChange=${(/** @type {Event} */ e) => voiceAct({ channel_id: val(e) })}>
            ${channelList.value.filter((c) => c.type === "voice").map((c) => html`<option key=${c.id} value=${c.id}>${c.name}</option>`)}
          </select></div>
          <button class="btn danger" onClick=${() => voiceAct({ channel_id: null })}>Disconnect</button>` : null}
      </div>
      ${voiceError ? html`<div class="form-error" role="alert">${voiceError}</div>` : null}
    </fieldset>` : null}
    <div class="mod-actions">
      ${can("members:kick") ? html`<button class="btn danger" onClick=${() => setStep("kick")}>Kick</button>` : null}
      ${can("members:ban") ? html`<button class="btn danger" onClick=${() => setStep("ban")}>Ban</button>` : null}
    </div>
    ${step === "timeout" ? html`<${ReasonDialog} title=${`Time out ${name}?`} body=${`For ${label ? label[1] : dur + " seconds"}, ${name} can only read.`} confirm="Confirm time out"
      onClose=${() => setStep(null)} run=${(/** @type {string} */ r) => api("PATCH", `/members/${id}`, { timeout_until: new Date(Date.now() + Number(dur) * 1000).toISOString() }, { headers: reasonHeader(r) })}
      onDone=${() => { setStep(null); toast(`${name} was timed out`, "ok"); }} />` : null}
    ${step === "untimeout" ? html`<${ReasonDialog} title=${`Lift ${name}'s time out?`} confirm="Remove time out" danger=${false}
      onClose=${() => setStep(null)} run=${(/** @type {string} */ r) => api("PATCH", `/members/${id}`, { timeout_until: null }, { headers: reasonHeader(r) })}
      onDone=${() => { setStep(null); toast(`${name}'s time out was lifted`, "ok"); }} />` : null}
    ${step === "kick" ? html`<${ReasonDialog} title=${`Kick ${name}?`} body=${`${name} is removed from the server at once and can rejoin only with a new invite.`} confirm="Confirm kick"
      onClose=${() => setStep(null)} run=${(/** @type {string} */ r) => api("DELETE", `/members/${id}`, undefined, { headers: reasonHeader(r) })}
      onDone=${() => { setStep(null); toast(`${name} was kicked`, "ok"); onClose(); }} />` : null}
    ${step === "ban" ? html`<${ReasonDialog} title=${`Ban ${name}?`} body=${`${name} is removed and can no longer log in or rejoin.`} confirm="Confirm ban"
      onClose=${() => setStep(null)} run=${(/** @type {string} */ r) => api("PUT", `/bans/${id}`, r.trim() ? { reason: r.trim() } : {}, { headers: reasonHeader(r) })}
      onDone=${() => { setStep(null); toast(`${name} was banned`, "ok"); onClose(); }} />` : null}
  </${Dialog}>`;
}

export function MembersTab() {
  const [q, setQ] = useState("");
  const [extra, setExtra] = useState(/** @type {Map<string, Member>} */ (new Map()));
  const [more, setMore] = useState({ loading: false, error: /** @type {string|null} */ (null), done: false });
  const [open, setOpen] = useState(/** @type {string|null} */ (null));
  // The store holds the first 1000 members, kept live by the gateway; pages beyond come by REST.
  const all = new Map(extra);
  for (const [id, m] of members.value) all.set(id, m);
  const list = [...all.values()].sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
  const needle = q.trim().toLowerCase();
  const shown = needle ? list.filter((m) => nameOf(m).toLowerCase().includes(needle) || m.user.username.includes(needle)) : list;
  const hasMore = !more.done && memberCount.value > all.size;
  const loadMore = async () => {
    setMore({ ...more, loading: true, error: null });
    const last = [...all.keys()].sort((a, b) => (a.length - b.length) || (a < b ? -1 : 1)).pop();
    try {
      /** @type {Member[]} */
      const page = await api("GET", `/members?limit=100${last ? `&after=${last}` : ""}`);
      const next = new Map(extra);
      for (const m of page) next.set(m.user.id, m);
      setExtra(next);
      setMore({ loading: false, error: null, done: page.length < 100 });
    } catch (err) { setMore({ loading: false, error: errorText(err), done: false }); }
  };
  const cur = open ? all.get(open) : null;
  return html`<div class="settings-section">
    <div class="field"><label for="mem-search">Search members</label>
      <input id="mem-search" class="input" type="search" placeholder="Name or username" value=${q} onInput=${(/** @type {Event} */ e) => setQ(val(e))} /></div>
    <p class="muted small">${memberCount.value} ${memberCount.value === 1 ? "member" : "members"}${needle ? ` · ${shown.length} shown` : ""}</p>
    ${shown.length === 0 ? html`<${Empty} title="No one matches">Try another name${hasMore ? ", or load more members" : ""}.</${Empty}>` : null}
    <ul class="member-table" aria-label="Members">
      ${shown.map((m) => {
        const rs = m.roles.map((id) => roles.value.get(id)).filter((r) => r && r.position > 0).sort((a, b) => (b && a ? b.position - a.position : 0));
        const manageable = outranks(m);
        return html`<li key=${m.user.id} class="mt-row">
          <${Avatar} id=${m.user.id} name=${nameOf(m)} size=${36} presence=${m.presence} />
          <div class="mt-names"><span class="strong">${nameOf(m)}</span> <span class="muted small">@${m.user.username}</span>
            <div class="role-chips">${rs.map((r) => r && html`<span key=${r.id} class="role-chip"><span class="role-dot" style=${{ background: r.color || "var(--text-4)" }}></span>${r.name}</span>`)}
              ${timedOut(m) ? html`<span class="role-chip warn-text">Timed out</span>` : null}</div></div>
          <span class="muted small mt-joined" title=${new Date(m.joined_at).toLocaleString()}>Joined ${dayLabel(m.joined_at)}</span>
          ${manageable ? html`<button class="btn small" onClick=${() => setOpen(m.user.id)}>Manage ${nameOf(m)}</button>`
            : html`<span class="muted small mt-why">${me.value && me.value.id === m.user.id ? "You" : server.value && server.value.owner_id === m.user.id ? "Owner" : "Ranked at or above you"}</span>`}
        </li>`;
      })}
    </ul>
    ${more.error ? html`<${LoadError} error=${more.error} onRetry=${loadMore} />` : null}
    ${hasMore ? html`<button class="btn small" disabled=${more.loading} onClick=${loadMore}>${more.loading ? "Loading…" : "Load more members"}</button>` : null}
    ${cur ? html`<${ManageMember} key=${cur.user.id} m=${cur} onClose=${() => setOpen(null)} />` : null}
  </div>`;
}

export function BansTab() {
  // A ban elsewhere removes a member (MEMBER_REMOVE): the count changing reloads the list.
  const bans = useLoad(() => api("GET", "/bans"), [memberCount.value]);
  const [unban, setUnban] = useState(/** @type {Ban|null} */ (null));
  /** @type {Ban[]} */
  const items = bans.data || [];
  return html`<div class="settings-section">
    ${bans.error ? html`<${LoadError} error=${bans.error} onRetry=${bans.reload} />` : bans.loading && !bans.data ? html`<${ListSkeleton} rows=${3} />`
      : items.length === 0 ? html`<${Empty} title="No bans">Nobody is banned. Ban someone from Members when you must; they will be listed here.</${Empty}>`
      : html`<ul class="member-table" aria-label="Bans">${items.map((b) => html`<li key=${b.user.id} class="mt-row">
        <${Avatar} id=${b.user.id} name=${b.user.display_name} size=${36} />
        <div class="mt-names"><span class="strong">${b.user.display_name}</span> <span class="muted small">@${b.user.username}</span>
          <div class="small">${b.reason ? html`Reason: ${b.reason}` : html`<span class="muted">No reason given</span>`}</div></div>
        <span class="muted small mt-joined">${relativeTime(b.created_at)}</span>
        <button class="btn small" onClick=${() => setUnban(b)}>Unban ${b.user.display_name}</button>
      </li>`)}</ul>`}
    ${unban ? html`<${ReasonDialog} title=${`Unban ${unban.user.display_name}?`} body="They can log in again and rejoin with an invite." confirm="Unban" danger=${false}
      onClose=${() => setUnban(null)} run=${(/** @type {string} */ r) => api("DELETE", `/bans/${unban.user.id}`, undefined, { headers: reasonHeader(r) })}
      onDone=${() => { setUnban(null); toast("Ban lifted", "ok"); bans.reload(); }} />` : null}
  </div>`;
}
