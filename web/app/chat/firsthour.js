// @ts-check
/**
 * @module chat/firsthour — the owner's first hour: a short checklist (name and icon, an
 * invite, a moderator role, a microphone test in voice), each item linking to its screen and
 * ticking itself when done; hidden for good with "Hide checklist". Its heading is a toggle
 * (`aria-expanded`): folded, it is one line ("Set up your server · 2 of 4") so on a phone the
 * chat keeps the screen. Folded by default on a phone and in a short window (720 px high or
 * less, where its steps would push the chat aside), open otherwise; the choice is kept per
 * device in prefs (`setupOpen`).
 */
import { html } from "../lib/html.js";
import { useEffect, useState } from "../../vendor/preact-hooks.mjs";
import { me, server, roles, channelList } from "../net/store.js";
import { api } from "../net/api.js";
import { prefs, setPrefs } from "../lib/prefs.js";
import { navigate } from "../router.js";
import { voice } from "../voice/engine.js";
import { Icon } from "../ui/icons.js";
import { PHONE, SHORT, useMedia } from "../lib/media.js";

// Being in a voice channel once counts as the microphone test.
voice.subscribe((v) => { if (v.channelId && v.status === "connected" && !prefs.value.micTested) setPrefs({ micTested: true }); });

export function FirstHour() {
  const u = me.value;
  const [invites, setInvites] = useState(/** @type {number|null} */ (null));
  const show = !!u && !!u.owner && !prefs.value.setupHidden;
  // Phone or not decides the fold's default and the hide button's shape, a short window the
  // fold's default: follow the window.
  const phone = useMedia(PHONE);
  const short = useMedia(SHORT);
  useEffect(() => {
    if (!show) return;
    api("GET", "/invites").then((l) => setInvites(l.length)).catch(() => setInvites(null));
  }, [show]);
  if (!show) return null;
  const s = server.value;
  const voiceCh = channelList.value.find((c) => c.type === "voice");
  // A plugin's bot gets a role of its own (`managed_by`): that is not a role for moderators.
  const peopleRoles = [...roles.value.values()].filter((r) => !r.managed_by).length;
  const items = [
    { id: "name", label: "Name your server and give it an icon", done: !!(s && s.icon_url), go: () => navigate("/server-settings/overview") },
    { id: "invite", label: "Create an invite and copy its link", done: (invites || 0) > 0, go: () => navigate("/server-settings/invites") },
    { id: "role", label: "Make a role for your moderators", done: peopleRoles > 1, go: () => navigate("/server-settings/roles") },
    { id: "mic", label: "Join a voice channel to test your microphone", done: prefs.value.micTested, go: () => (voiceCh ? navigate(`/channels/${voiceCh.id}`) : navigate("/server-settings/channels")) },
  ];
  const left = items.filter((i) => !i.done).length;
  const done = items.length - left;
  const pref = prefs.value.setupOpen;
  const open = pref === null ? !phone && !short : pref;
  const hide = () => setPrefs({ setupHidden: true });
  return html`<section class=${"first-hour" + (open ? "" : " folded")} aria-label="Set up your server">
    <div class="fh-head">
      <h2 class="fh-title"><button class="fh-toggle" aria-expanded=${open ? "true" : "false"} aria-controls="fh-steps"
          onClick=${() => setPrefs({ setupOpen: !open })}>
        <span class="fh-ring" aria-hidden="true" style=${{ "--fh-done": `${(done / items.length) * 360}deg` }}></span>
        <span class="fh-name">${left ? "Set up your server" : "Your server is ready"}</span>
        <span class="fh-count">· ${done} of ${items.length}<span class="sr-only"> done</span></span>
        <${Icon} name="chevron" size=${16} class="fh-chev" />
      </button></h2>
      ${open && !phone ? html`<button class="btn ghost small" onClick=${hide}>Hide checklist</button>`
        : html`<button class="icon-btn fh-hide" aria-label="Hide checklist" title="Hide checklist" onClick=${hide}><${Icon} name="x" size=${18} /></button>`}
    </div>
    ${open ? html`<p class="muted small fh-sub">${left ? "Each step opens the right screen." : "Everything on the list is done. Have fun!"}</p>
    <div class="fh-bar" aria-hidden="true"><div style=${{ width: `${(done / items.length) * 100}%` }}></div></div>` : null}
    <ul class="fh-list" id="fh-steps" hidden=${!open}>${items.map((i) => html`<li key=${i.id} class=${i.done ? "done" : ""}>
      <button class="fh-item" onClick=${i.go} aria-label=${`${i.label}${i.done ? " (done)" : ""}`}>
        <span class="fh-check" aria-hidden="true">${i.done ? "✓" : ""}</span><span>${i.label}</span><${Icon} name="chevron" size=${14} class="fh-go" />
      </button></li>`)}</ul>
  </section>`;
}
