// @ts-check
/**
 * @module admin/view — the full-screen server settings (`/server-settings/<tab>`): tabs shown
 * only with their permission, Esc or the close button returns to the chat.
 */
import { html } from "../lib/html.js";
import { useEffect, useLayoutEffect, useRef } from "../../vendor/preact-hooks.mjs";
import { navigate } from "../router.js";
import { server } from "../net/store.js";
import { prefs } from "../lib/prefs.js";
import { Icon } from "../ui/icons.js";
import { trapTab } from "../ui/dialog.js";
import { myPerms, loadPermissionInfo } from "./common.js";
import { signal } from "../../vendor/signals.mjs";

// The tabs' modules load when the view first opens (dynamic import): most members never
// open it, so the first load of the client leaves out ~20 KiB of settings screens.

/** @typedef {{id: string, label: string, allowed: (can: (p: string) => boolean) => boolean, load: () => Promise<any>}} Tab */

/** @type {Tab[]} */
export const TABS = [
  { id: "overview", label: "Overview", allowed: (can) => can("server:manage"), load: () => import("./overview.js").then((m) => m.Overview) },
  { id: "roles", label: "Roles", allowed: (can) => can("roles:manage"), load: () => import("./roles.js").then((m) => m.RolesTab) },
  { id: "channels", label: "Channels", allowed: (can) => can("channels:manage"), load: () => import("./channels.js").then((m) => m.ChannelsTab) },
  { id: "invites", label: "Invites", allowed: (can) => can("invites:create") || can("invites:manage"), load: () => import("./invites.js").then((m) => m.InvitesTab) },
  { id: "members", label: "Members", allowed: (can) => ["members:kick", "members:ban", "members:timeout", "members:manage_nicknames", "roles:manage"].some(can), load: () => import("./members.js").then((m) => m.MembersTab) },
  { id: "bans", label: "Bans", allowed: (can) => can("members:ban"), load: () => import("./members.js").then((m) => m.BansTab) },
  { id: "emoji", label: "Emoji", allowed: (can) => can("emoji:manage"), load: () => import("../emoji/settings.js").then((m) => m.EmojiTab) },
  { id: "audit-log", label: "Audit log", allowed: (can) => can("audit_log:view"), load: () => import("./audit.js").then((m) => m.AuditTab) },
  { id: "branding", label: "Branding", allowed: (can) => can("server:manage"), load: () => import("./overview.js").then((m) => m.Branding) },
];

/** Tab id → its loaded component, or the words of a failed load. */
const views = signal(/** @type {Map<string, any>} */ (new Map()));
/** Tabs whose module is on its way. */
const loading = new Set();

/** Loads a tab's module once. @param {Tab} t */
function loadTab(t) {
  if (views.value.has(t.id) || loading.has(t.id)) return;
  loading.add(t.id);
  t.load().then((view) => { views.value = new Map(views.value).set(t.id, view); })
    .catch((e) => { views.value = new Map(views.value).set(t.id, String(e && e.message || e)); })
    .finally(() => loading.delete(t.id));
}

/** The tabs I may open. */
export function allowedTabs() {
  const can = myPerms();
  return TABS.filter((t) => t.allowed(can));
}

/** Back to the chat. */
export function closeSettings() {
  const last = prefs.value.lastChannel;
  navigate(last ? `/channels/${last}` : "/");
}

/** @param {{tab: string}} p */
export function ServerSettings({ tab }) {
  const ref = useRef(/** @type {HTMLDivElement|null} */ (null));
  const tabs = allowedTabs();
  const cur = tabs.find((t) => t.id === tab) || tabs[0];
  useEffect(() => { loadPermissionInfo(); }, []);
  // The open tab first, then the others (so switching tabs is instant).
  useEffect(() => { if (cur) loadTab(cur); for (const t of tabs) loadTab(t); }, [cur ? cur.id : null]);
  const View = cur ? views.value.get(cur.id) : null;
  useLayoutEffect(() => {
    const el = ref.current && /** @type {HTMLElement|null} */ (ref.current.querySelector("[role=tab][aria-selected=true]"));
    if (el && !ref.current?.contains(document.activeElement)) el.focus();
  }, []);
  useEffect(() => { if (cur && cur.id !== tab) navigate(`/server-settings/${cur.id}`, true); }, [cur ? cur.id : null, tab]);
  // On a phone the tabs scroll sideways: keep the open one in view.
  useEffect(() => { if (cur) document.getElementById("stab-" + cur.id)?.scrollIntoView({ block: "nearest", inline: "nearest" }); }, [cur ? cur.id : null]);
  /** @param {KeyboardEvent} e */
  const onKey = (e) => {
    if (e.key === "Escape" && !e.defaultPrevented && !document.querySelector(".overlay")) { e.preventDefault(); closeSettings(); }
    else if (ref.current && !document.querySelector(".overlay")) trapTab(ref.current, e);
  };
  // Listening from the moment the view is in the page (a layout effect: a plain effect waits
  // for the next frame, and an Esc pressed before it would be lost).
  useLayoutEffect(() => {
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);
  /** @param {KeyboardEvent} e */
  const onTabKey = (e) => {
    const i = tabs.findIndex((t) => t === cur);
    let n = -1;
    if (e.key === "ArrowDown" || e.key === "ArrowRight") n = (i + 1) % tabs.length;
    if (e.key === "ArrowUp" || e.key === "ArrowLeft") n = (i - 1 + tabs.length) % tabs.length;
    if (n >= 0) {
      e.preventDefault();
      navigate(`/server-settings/${tabs[n].id}`, true);
      requestAnimationFrame(() => document.getElementById("stab-" + tabs[n].id)?.focus());
    }
  };
  const name = server.value ? server.value.name : "Server";
  return html`<div ref=${ref} class="server-settings" role="dialog" aria-modal="true" aria-label="Server settings">
    <nav class="ss-side">
      <div class="ss-side-inner">
        <div class="ss-server" title=${name}>${name}</div>
        <div role="tablist" aria-label="Server settings sections" aria-orientation="vertical" onKeyDown=${onTabKey}>
          ${tabs.map((t) => html`<button key=${t.id} id=${"stab-" + t.id} role="tab" aria-selected=${t === cur ? "true" : "false"}
            aria-controls="ss-panel" tabindex=${t === cur ? 0 : -1} class=${"tab" + (t === cur ? " sel" : "")}
            onClick=${() => navigate(`/server-settings/${t.id}`, true)}>${t.label}</button>`)}
        </div>
      </div>
    </nav>
    <main id="ss-panel" class="ss-main" role="tabpanel" aria-labelledby=${cur ? "stab-" + cur.id : undefined}>
      <div class="ss-content">
        ${cur ? html`<h1 class="ss-title">${cur.label}</h1>${typeof View === "function" ? html`<${View} />`
          : typeof View === "string" ? html`<div role="alert" class="form-error">Could not load this tab: ${View} <button class="btn small" onClick=${() => { const m = new Map(views.value); m.delete(cur.id); views.value = m; loadTab(cur); }}>Try again</button></div>`
          : html`<p role="status" class="muted">Loading…</p>`}`
          : html`<h1 class="ss-title">Server settings</h1><p class="muted">You have no permission to change this server's settings. Ask an administrator for a role that can.</p>`}
      </div>
      <div class="ss-close">
        <button class="icon-btn round" aria-label="Close settings" title="Close (Esc)" onClick=${closeSettings}><${Icon} name="x" /></button>
        <span class="muted small" aria-hidden="true">ESC</span>
      </div>
    </main>
  </div>`;
}
