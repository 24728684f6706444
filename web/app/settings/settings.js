// @ts-check
/**
 * @module settings/settings — my settings: Account (display name, password, log out, log out
 * everywhere), Appearance (theme, compact, font size), Voice (devices, mode, threshold with a
 * live meter, processing), Notifications, Keybinds.
 */
import { html } from "../lib/html.js";
import { useState, useEffect, useRef } from "../../vendor/preact-hooks.mjs";
import { Dialog } from "../ui/dialog.js";
import { prefs, setPrefs } from "../lib/prefs.js";
import { api, errorText, setUser, currentUser, clearSession, isApiError } from "../net/api.js";
import { me } from "../net/store.js";
import { signOut, endSession } from "../net/session.js";
import { navigate } from "../router.js";
import { micLevel, reopenMic, startMicTest, applyOutput, transmitting } from "../voice/engine.js";
import { toast } from "../ui/toast.js";
import { PrivacySettings } from "../dm/view.js";
import { AvatarSettings } from "../files/avatar.js";
import { PreviewSettings } from "../previews/embeds.js";

const TABS = ["Account", "Privacy", "Appearance", "Voice", "Notifications", "Keybinds"];

/** @param {{label: string, checked: boolean, onChange: (v: boolean) => void, hint?: string}} p */
function Toggle({ label, checked, onChange, hint }) {
  const id = "t-" + label.toLowerCase().replace(/\W+/g, "-");
  return html`<div class="toggle-row">
    <div><label for=${id}>${label}</label>${hint ? html`<div class="field-hint">${hint}</div>` : null}</div>
    <input id=${id} type="checkbox" role="switch" class="switch" checked=${checked} onChange=${(/** @type {Event} */ e) => onChange(/** @type {HTMLInputElement} */ (e.currentTarget).checked)} />
  </div>`;
}

function Account() {
  const u = me.value || currentUser.value;
  const [name, setName] = useState(u ? u.display_name : "");
  const [cur, setCur] = useState("");
  const [next, setNext] = useState("");
  const [msg, setMsg] = useState(/** @type {null|{ok: boolean, text: string, where: string}} */ (null));
  const [busy, setBusy] = useState(false);
  /** @param {string} where @param {() => Promise<string>} f */
  const run = async (where, f) => {
    setMsg(null);
    try { setMsg({ ok: true, text: await f(), where }); } catch (e) { setMsg({ ok: false, text: errorText(e), where }); }
  };
  /** @param {string} where */
  const note = (where) => msg && msg.where === where ? html`<div class=${msg.ok ? "form-ok" : "form-error"} role=${msg.ok ? "status" : "alert"}>${msg.text}</div>` : null;
  return html`<div class="settings-section">
    <h3>Profile</h3>
    <${AvatarSettings} />
    <form class="row-form" onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); run("name", async () => { const nu = await api("PATCH", "/users/@me", { display_name: name.trim() }); setUser(nu); if (me.value) me.value = { ...me.value, ...nu }; return "Display name saved."; }); }}>
      <div class="field grow"><label for="s-display">Display name</label>
        <input id="s-display" class="input" value=${name} maxlength="64" onInput=${(/** @type {InputEvent} */ e) => setName(/** @type {HTMLInputElement} */ (e.currentTarget).value)} /></div>
      <button class="btn primary" type="submit">Save</button>
    </form>
    ${note("name")}
    <p class="muted small">Username: @${u ? u.username : ""}</p>
    <h3>Change password</h3>
    <form onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); run("pw", async () => { await api("PATCH", "/users/@me", { password: next, current_password: cur }); setCur(""); setNext(""); return "Password changed. Your other sessions were logged out."; }); }}>
      <div class="field"><label for="s-cur">Current password</label>
        <input id="s-cur" class="input" type="password" autocomplete="current-password" value=${cur} onInput=${(/** @type {InputEvent} */ e) => setCur(/** @type {HTMLInputElement} */ (e.currentTarget).value)} /></div>
      <div class="field"><label for="s-new">New password</label>
        <input id="s-new" class="input" type="password" autocomplete="new-password" value=${next} onInput=${(/** @type {InputEvent} */ e) => setNext(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />
        <div class="field-hint">At least 8 characters.</div></div>
      <button class="btn primary" type="submit" disabled=${!cur || !next}>Change password</button>
    </form>
    ${note("pw")}
    <h3>Sessions</h3>
    <div class="row-form">
      <button class="btn" onClick=${() => { signOut(); navigate("/login"); }}>Log out</button>
    </div>
    <p class="muted small">Log out everywhere ends every session of your account, on every device, this one included.</p>
    <div class="row-form">
      <button class="btn danger" disabled=${busy} onClick=${() => run("all", async () => {
        setBusy(true);
        try {
          await api("POST", "/auth/logout-all");
        } catch (e) {
          if (isApiError(e) && (e.status === 404 || e.status === 405)) throw new Error("This server cannot end every session yet (it needs an update).");
          throw e;
        } finally {
          setBusy(false);
        }
        // Every refresh family is gone: only forget this one locally.
        endSession();
        clearSession();
        navigate("/login");
        return "Logged out everywhere.";
      })}>Log out everywhere</button>
    </div>
    ${note("all")}
  </div>`;
}

function Appearance() {
  const p = prefs.value;
  return html`<div class="settings-section">
    <h3>Theme</h3>
    <div class="radio-cards" role="radiogroup" aria-label="Theme">
      ${[["system", "Match system"], ["dark", "Dark"], ["light", "Light"]].map(([v, l]) => html`<label class=${"radio-card theme-" + v + (p.theme === v ? " sel" : "")}>
        <input type="radio" name="theme" value=${v} checked=${p.theme === v} onChange=${() => setPrefs({ theme: /** @type {any} */ (v) })} />
        <span class="swatch" aria-hidden="true"></span>${l}</label>`)}
    </div>
    <${Toggle} label="Compact mode" hint="Fit more messages on screen: no avatars, tighter lines." checked=${p.compact} onChange=${(/** @type {boolean} */ v) => setPrefs({ compact: v })} />
    <div class="field"><label for="s-font">Message text size: ${p.fontSize}px</label>
      <input id="s-font" type="range" min="12" max="20" step="1" value=${p.fontSize} onInput=${(/** @type {InputEvent} */ e) => setPrefs({ fontSize: Number(/** @type {HTMLInputElement} */ (e.currentTarget).value) })} /></div>
  </div>`;
}

function Voice() {
  const p = prefs.value;
  const [devices, setDevices] = useState(/** @type {MediaDeviceInfo[]} */ ([]));
  const [capturing, setCapturing] = useState(false);
  const ref = useRef(false);
  useEffect(() => {
    const load = () => navigator.mediaDevices && navigator.mediaDevices.enumerateDevices().then(setDevices).catch(() => {});
    load();
    if (navigator.mediaDevices) navigator.mediaDevices.addEventListener("devicechange", load);
    return () => { if (navigator.mediaDevices) navigator.mediaDevices.removeEventListener("devicechange", load); };
  }, []);
  const inputs = devices.filter((d) => d.kind === "audioinput");
  const outputs = devices.filter((d) => d.kind === "audiooutput");
  const level = Math.max(0, Math.min(100, micLevel.value + 100));
  const thr = p.threshold + 100;
  /** @param {Partial<import("../lib/prefs.js").Prefs>} patch */
  const changeMic = (patch) => { setPrefs(patch); reopenMic(); };
  return html`<div class="settings-section">
    <div class="two-col">
      <div class="field"><label for="s-in">Input device</label>
        <select id="s-in" value=${p.inputId} onChange=${(/** @type {Event} */ e) => changeMic({ inputId: /** @type {HTMLSelectElement} */ (e.currentTarget).value })}>
          <option value="">Default</option>
          ${inputs.map((d, i) => html`<option value=${d.deviceId}>${d.label || `Microphone ${i + 1}`}</option>`)}
        </select></div>
      <div class="field"><label for="s-out">Output device</label>
        <select id="s-out" value=${p.outputId} onChange=${(/** @type {Event} */ e) => { setPrefs({ outputId: /** @type {HTMLSelectElement} */ (e.currentTarget).value }); applyOutput(); }}>
          <option value="">Default</option>
          ${outputs.map((d, i) => html`<option value=${d.deviceId}>${d.label || `Speaker ${i + 1}`}</option>`)}
        </select></div>
    </div>
    ${inputs.length && !inputs[0].label ? html`<p class="muted small">Device names appear once the microphone is allowed.</p>` : null}
    <h3>Input mode</h3>
    <div class="radio-cards" role="radiogroup" aria-label="Input mode">
      <label class=${"radio-card" + (p.mode === "vad" ? " sel" : "")}><input type="radio" name="mode" checked=${p.mode === "vad"} onChange=${() => setPrefs({ mode: "vad" })} />Voice activity</label>
      <label class=${"radio-card" + (p.mode === "ptt" ? " sel" : "")}><input type="radio" name="mode" checked=${p.mode === "ptt"} onChange=${() => setPrefs({ mode: "ptt" })} />Push to talk</label>
    </div>
    ${p.mode === "vad" ? html`<div class="field"><label for="s-thr">Input sensitivity: ${p.threshold} dB</label>
      <div class="meter" aria-hidden="true"><div class="meter-fill" style=${{ width: level + "%" }}></div><div class="meter-thr" style=${{ left: thr + "%" }}></div></div>
      <input id="s-thr" type="range" min="-100" max="0" step="1" value=${p.threshold} onInput=${(/** @type {InputEvent} */ e) => setPrefs({ threshold: Number(/** @type {HTMLInputElement} */ (e.currentTarget).value) })} />
      <div class="row-form">
        <button class="btn small" onClick=${() => { setCapturing(true); startMicTest(); }}>${capturing ? "Testing — speak now" : "Test microphone"}</button>
        <span class=${"muted small" + (transmitting.value ? " ok-text" : "")}>${transmitting.value ? "Sending sound" : ""}</span>
      </div>
    </div>` : html`<div class="field"><label for="s-ptt">Push-to-talk key (while this tab has focus)</label>
      <button id="s-ptt" class="btn keycap" onKeyDown=${(/** @type {KeyboardEvent} */ e) => {
        if (!ref.current) return;
        e.preventDefault();
        ref.current = false;
        setPrefs({ pttKey: e.code });
        toast(`Push-to-talk key: ${e.code}`, "ok");
      }} onClick=${() => { ref.current = true; toast("Press the key you want to use", "info"); }}>${p.pttKey}</button></div>`}
    <h3>Processing</h3>
    <${Toggle} label="Echo cancellation" checked=${p.echo} onChange=${(/** @type {boolean} */ v) => changeMic({ echo: v })} />
    <${Toggle} label="Noise suppression" checked=${p.noise} onChange=${(/** @type {boolean} */ v) => changeMic({ noise: v })} />
  </div>`;
}

function Notifications() {
  const p = prefs.value;
  const [perm, setPerm] = useState(typeof Notification === "undefined" ? "unsupported" : Notification.permission);
  return html`<div class="settings-section">
    <${Toggle} label="Desktop notifications" hint="For mentions and replies to you, when you are not looking at that channel." checked=${p.notify} onChange=${(/** @type {boolean} */ v) => setPrefs({ notify: v })} />
    <p class="muted small">Browser permission: ${perm === "granted" ? "allowed" : perm === "denied" ? "blocked (change it in the site settings)" : perm === "unsupported" ? "not supported here" : "not asked yet"}</p>
    ${perm === "default" ? html`<button class="btn primary" onClick=${async () => { setPerm(await Notification.requestPermission()); }}>Allow notifications</button>` : null}
    <p class="muted small">Mute a channel with the bell in its header: it shows no unread dot and sends no notification.</p>
  </div>`;
}

function Keybinds() {
  const rows = [
    ["Ctrl + K", "Quick switcher"], ["Alt + ↑ / ↓", "Previous / next channel"], ["Alt + Shift + ↑ / ↓", "Previous / next unread channel"],
    ["Enter", "Send message"], ["Shift + Enter", "New line"], ["↑ (empty composer)", "Edit your last message"],
    ["Esc", "Cancel reply or edit, close dialog"], ["Tab / Enter", "Accept a suggestion (@ # :)"], [prefs.value.pttKey, "Push to talk (when enabled)"],
  ];
  return html`<div class="settings-section"><table class="keys"><tbody>
    ${rows.map(([k, d]) => html`<tr><td><kbd>${k}</kbd></td><td>${d}</td></tr>`)}
  </tbody></table></div>`;
}

/** @param {{onClose: () => void}} p */
export function SettingsDialog({ onClose }) {
  const [tab, setTab] = useState("Account");
  /** @param {KeyboardEvent} e */
  const onTabKey = (e) => {
    const i = TABS.indexOf(tab);
    let n = -1;
    if (e.key === "ArrowDown" || e.key === "ArrowRight") n = (i + 1) % TABS.length;
    if (e.key === "ArrowUp" || e.key === "ArrowLeft") n = (i - 1 + TABS.length) % TABS.length;
    if (n >= 0) { e.preventDefault(); setTab(TABS[n]); const el = document.getElementById("tab-" + TABS[n]); if (el) el.focus(); }
  };
  return html`<${Dialog} title="Settings" onClose=${onClose} wide=${true} class="settings">
    <div class="settings-body">
      <div class="settings-tabs" role="tablist" aria-label="Settings sections" aria-orientation="vertical" onKeyDown=${onTabKey}>
        ${TABS.map((t) => html`<button id=${"tab-" + t} role="tab" aria-selected=${tab === t ? "true" : "false"} aria-controls="settings-panel"
          tabindex=${tab === t ? 0 : -1} data-autofocus=${tab === t ? "" : undefined} class=${"tab" + (tab === t ? " sel" : "")} onClick=${() => setTab(t)}>${t}</button>`)}
      </div>
      <div id="settings-panel" class="settings-panel" role="tabpanel" aria-labelledby=${"tab-" + tab}>
        <h2 class="panel-title">${tab}</h2>
        ${tab === "Account" ? html`<${Account} />` : tab === "Privacy" ? html`<${PrivacySettings} /><${PreviewSettings} />` : tab === "Appearance" ? html`<${Appearance} />` : tab === "Voice" ? html`<${Voice} />`
          : tab === "Notifications" ? html`<${Notifications} />` : html`<${Keybinds} />`}
      </div>
    </div>
  </${Dialog}>`;
}
