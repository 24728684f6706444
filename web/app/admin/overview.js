// @ts-check
/**
 * @module admin/overview — the Overview tab (name, description, icon, registration policy)
 * and the Branding tab (premium: app name, accent colour with a live preview, logo; without a
 * licence, what premium unlocks and how an operator activates it).
 */
import { html } from "../lib/html.js";
import { useState, useEffect, useRef } from "../../vendor/preact-hooks.mjs";
import { server } from "../net/store.js";
import { api, errorText } from "../net/api.js";
import { val } from "./common.js";
import { showableImage } from "../lib/images.js";
import { IconUpload } from "../files/avatar.js";

/** @typedef {import("../net/types.js").ServerInfo} ServerInfo */

/** Result line of a form. @param {{msg: null|{ok: boolean, text: string}}} p */
function Note({ msg }) {
  if (!msg) return null;
  return html`<div class=${msg.ok ? "form-ok" : "form-error"} role=${msg.ok ? "status" : "alert"}>${msg.text}</div>`;
}

export function Overview() {
  const s = server.value;
  const [name, setName] = useState(s ? s.name : "");
  const [desc, setDesc] = useState(s && s.description ? s.description : "");
  const [icon, setIcon] = useState(s && s.icon_url ? s.icon_url : "");
  const [reg, setReg] = useState(s ? s.registration : "invite");
  const [msg, setMsg] = useState(/** @type {null|{ok: boolean, text: string}} */ (null));
  const [busy, setBusy] = useState(false);
  const [dirty, setDirtyState] = useState(false);
  // Read by the effect below, which may run after a keystroke but with an earlier render's
  // values (effects wait for the next frame): a ref is never stale.
  const dirtyNow = useRef(false);
  /** @param {boolean} d */
  const setDirty = (d) => { dirtyNow.current = d; setDirtyState(d); };
  // Changes made elsewhere show at once unless I am editing. The values the form opened
  // with are already in the state, so only a newer server object is applied.
  const shown = useRef(s);
  useEffect(() => {
    if (!s || s === shown.current) return;
    shown.current = s;
    if (dirtyNow.current) return;
    setName(s.name); setDesc(s.description || ""); setIcon(s.icon_url || ""); setReg(s.registration);
  }, [s]);
  /** @param {(v: any) => void} f */
  const edit = (f) => (/** @type {Event} */ e) => { setDirty(true); f(val(e)); };
  const save = async (/** @type {Event} */ e) => {
    e.preventDefault();
    setBusy(true);
    setMsg(null);
    try {
      /** @type {ServerInfo} */
      const next = await api("PATCH", "/server", { name: name.trim(), description: desc.trim() || null, icon_url: icon.trim() || null, registration: reg });
      server.value = { ...(server.value || next), ...next };
      setDirty(false);
      setMsg({ ok: true, text: "Saved." });
    } catch (err) {
      setMsg({ ok: false, text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  const initial = (name || "?").slice(0, 1).toUpperCase();
  return html`<form class="settings-section" onSubmit=${save}>
    <div class="ov-grid">
      <div class="ov-icon">
        ${showableImage(icon) ? html`<img class="server-icon big" src=${showableImage(icon)} alt="Server icon preview" />` : html`<div class="server-icon big" aria-hidden="true">${initial}</div>`}
        <${IconUpload} />
      </div>
      <div class="ov-fields">
        <div class="field"><label for="ov-name">Server name</label>
          <input id="ov-name" class="input" value=${name} maxlength="100" required onInput=${edit(setName)} /></div>
        <div class="field"><label for="ov-icon">Icon URL</label>
          <input id="ov-icon" class="input" type="text" inputmode="url" placeholder="https://example.org/icon.png" value=${icon} onInput=${edit(setIcon)} />
          <div class="field-hint">${icon && !showableImage(icon) ? "This page only shows images served by this server itself (its security policy blocks other sites), so the initial stands in here; other apps may show it." : "An http(s) link to a square image, best served by this server itself. Leave empty for the initial."}</div></div>
      </div>
    </div>
    <div class="field"><label for="ov-desc">Description</label>
      <textarea id="ov-desc" class="input" rows="3" maxlength="1024" value=${desc} onInput=${edit(setDesc)}></textarea></div>
    <h3>Who can join</h3>
    <div class="radio-cards" role="radiogroup" aria-label="Registration">
      <label class=${"radio-card" + (reg === "invite" ? " sel" : "")}><input type="radio" name="reg" checked=${reg === "invite"} onChange=${() => { setDirty(true); setReg("invite"); }} />Invite only</label>
      <label class=${"radio-card" + (reg === "open" ? " sel" : "")}><input type="radio" name="reg" checked=${reg === "open"} onChange=${() => { setDirty(true); setReg("open"); }} />Anyone can register</label>
    </div>
    <div class="row-form"><button class="btn primary" type="submit" disabled=${busy}>Save changes</button>
      ${dirty ? html`<button type="button" class="btn ghost" onClick=${() => { setDirty(false); if (s) { setName(s.name); setDesc(s.description || ""); setIcon(s.icon_url || ""); setReg(s.registration); } }}>Reset</button>` : null}</div>
    <${Note} msg=${msg} />
  </form>`;
}

export function Branding() {
  const s = server.value;
  const b = s && s.branding ? s.branding : { accent_color: null, logo_url: null, app_name: null };
  const [appName, setAppName] = useState(b.app_name || "");
  const [accent, setAccent] = useState(b.accent_color || "#5865f2");
  const [logo, setLogo] = useState(b.logo_url || "");
  const [msg, setMsg] = useState(/** @type {null|{ok: boolean, text: string}} */ (null));
  // The live preview: the whole client takes the colour while the tab is open.
  useEffect(() => {
    if (!s || !s.premium) return;
    document.documentElement.style.setProperty("--accent", accent);
    return () => {
      const c = server.value && server.value.branding && server.value.branding.accent_color;
      if (c) document.documentElement.style.setProperty("--accent", c);
      else document.documentElement.style.removeProperty("--accent");
    };
  }, [accent, s ? s.premium : false]);
  if (!s || !s.premium) {
    return html`<section class="settings-section premium-card" aria-label="Premium">
      <h2 class="premium-title">Branding is a premium feature</h2>
      <p>With a Spectrus premium licence this server can look like your community's own app:</p>
      <ul class="premium-list">
        <li><strong>App name</strong> shown in the browser tab and on the login screen.</li>
        <li><strong>Accent colour</strong> across the whole client, with a live preview here.</li>
        <li><strong>Logo</strong> in the sidebar header and on the login and invite pages.</li>
      </ul>
      <h3>How to activate it</h3>
      <p>Premium is switched on by the server's operator, not from the browser: the person who runs
        Spectrus activates a licence key with <code>spectrusctl license activate KEY</code>, or on a
        server without Internet access installs a licence file on the server machine with
        <code>spectrusctl license import FILE</code>. Once it is active, this tab turns into the
        branding editor by itself.</p>
    </section>`;
  }
  const save = async (/** @type {Event} */ e) => {
    e.preventDefault();
    setMsg(null);
    try {
      const next = await api("PATCH", "/server", { branding: { app_name: appName.trim() || null, accent_color: accent, logo_url: logo.trim() || null } });
      server.value = { ...(server.value || next), ...next };
      setMsg({ ok: true, text: "Branding saved." });
    } catch (err) {
      setMsg({ ok: false, text: errorText(err) });
    }
  };
  return html`<form class="settings-section" onSubmit=${save}>
    <div class="field"><label for="br-name">App name</label><input id="br-name" class="input" value=${appName} maxlength="64" onInput=${(/** @type {Event} */ e) => setAppName(val(e))} /></div>
    <div class="field"><label for="br-accent">Accent colour</label><input id="br-accent" type="color" value=${accent} onInput=${(/** @type {Event} */ e) => setAccent(val(e))} />
      <div class="field-hint">The whole client previews it while this tab is open.</div></div>
    <div class="field"><label for="br-logo">Logo URL</label><input id="br-logo" class="input" type="text" inputmode="url" value=${logo} aria-describedby="br-logo-hint" onInput=${(/** @type {Event} */ e) => setLogo(val(e))} />
      <div class="field-hint" id="br-logo-hint">An image on this server (a path such as <code>/logo.png</code>) or an http(s) URL; the browser shows only images from this server.</div></div>
    <button class="btn primary" type="submit">Save branding</button>
    <${Note} msg=${msg} />
  </form>`;
}
