// @ts-check
/**
 * @module auth/auth — first run and accounts: claim a fresh server with its setup code, log in,
 * register (with an invite landing that shows the server first).
 */
import { showableImage } from "../lib/images.js";
import { html } from "../lib/html.js";
import { useState, useEffect } from "../../vendor/preact-hooks.mjs";
import { api, login, register, errorText } from "../net/api.js";
import { navigate } from "../router.js";
import { loginNotice } from "../ui/state.js";
import { asset } from "../lib/assets.js";

/** @typedef {import("../net/types.js").ServerInfo} ServerInfo */
/** @typedef {import("../net/types.js").InvitePreview} InvitePreview */

/** @param {{children: any, server: ServerInfo|null}} p */
function Card({ children, server }) {
  const name = server ? server.branding.app_name || "Spectrus" : "Spectrus";
  // Premium branding: the server's logo instead of Spectrus's (when this page may load it).
  const logo = (server && showableImage(server.branding.logo_url)) || asset("icons/icon.svg");
  return html`<div class="auth-page">
    <div class="auth-brand" aria-hidden="true"><img class="brand-logo" src=${logo} alt="" width="28" height="28" /> ${name}</div>
    <main class="auth-card">${children}</main>
  </div>`;
}

/**
 * @param {{label: string, value: string, onInput: (v: string) => void, type?: string,
 *   autocomplete?: string, autofocus?: boolean, hint?: string, error?: string, readonly?: boolean}} p
 */
function Field({ label, value, onInput, type = "text", autocomplete, autofocus, hint, error, readonly }) {
  const id = "f-" + label.toLowerCase().replace(/\W+/g, "-");
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <input id=${id} type=${type} value=${value} autocomplete=${autocomplete} data-autofocus=${autofocus ? "" : undefined}
      readOnly=${!!readonly} aria-invalid=${error ? "true" : undefined}
      aria-describedby=${error || hint ? id + "-d" : undefined}
      onInput=${(/** @type {InputEvent} */ e) => onInput(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />
    ${error ? html`<div id=${id + "-d"} class="field-error">${error}</div>` : hint ? html`<div id=${id + "-d"} class="field-hint">${hint}</div>` : null}
  </div>`;
}

/** Run an async submit with busy + error state. */
function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(/** @type {null|{message: string, fields: Record<string,string>}} */ (null));
  /** @param {() => Promise<void>} f */
  const run = async (f) => {
    setBusy(true);
    setError(null);
    try {
      await f();
    } catch (e) {
      const fields = e && typeof e === "object" && "fields" in e && e.fields ? /** @type {Record<string,string>} */ (e.fields) : {};
      setError({ message: errorText(e), fields });
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

/** @param {{error: null|{message: string}}} p */
function FormError({ error }) {
  return error ? html`<div class="form-error" role="alert">${error.message}</div>` : null;
}

/** @param {{server: ServerInfo|null}} p */
export function ClaimScreen({ server }) {
  const [code, setCode] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, run } = useSubmit();
  return html`<${Card} server=${server}>
    <h1>Claim this server</h1>
    <p class="muted">This server has no owner yet. Enter the setup code from the daemon's log (or <code>spectrusctl setup-code</code>) and choose the owner's account.</p>
    <form onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); run(async () => { await register({ username, password, setup_code: code.trim() }); navigate("/"); }); }}>
      <${Field} label="Setup code" value=${code} onInput=${setCode} autocomplete="one-time-code" autofocus=${true} error=${error && error.fields.setup_code} />
      <${Field} label="Username" value=${username} onInput=${setUsername} autocomplete="username" hint="2–32 characters: a–z, 0–9, _ . -" error=${error && error.fields.username} />
      <${Field} label="Password" type="password" value=${password} onInput=${setPassword} autocomplete="new-password" hint="At least 8 characters." error=${error && error.fields.password} />
      <${FormError} error=${error} />
      <button class="btn primary block" type="submit" disabled=${busy}>${busy ? "Claiming…" : "Claim server"}</button>
    </form>
  </${Card}>`;
}

/** @param {{server: ServerInfo|null, invite?: string}} p */
export function LoginScreen({ server, invite }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, run } = useSubmit();
  return html`<${Card} server=${server}>
    <h1>Welcome back</h1>
    <p class="muted">Log in to ${server ? server.name : "Spectrus"}.</p>
    ${loginNotice.value ? html`<div class="form-notice" role="status">${loginNotice.value}</div>` : null}
    <form onSubmit=${(/** @type {Event} */ e) => {
      e.preventDefault();
      run(async () => {
        await login(username.trim(), password);
        loginNotice.value = null;
        if (invite) await api("POST", `/invites/${encodeURIComponent(invite)}`).catch(() => {});
        navigate("/");
      });
    }}>
      <${Field} label="Username" value=${username} onInput=${setUsername} autocomplete="username" autofocus=${true} />
      <${Field} label="Password" type="password" value=${password} onInput=${setPassword} autocomplete="current-password" />
      <${FormError} error=${error} />
      <button class="btn primary block" type="submit" disabled=${busy}>${busy ? "Logging in…" : "Log in"}</button>
    </form>
    <p class="muted small">Need an account? <a href=${invite ? `/invite/${invite}` : "/register"} onClick=${(/** @type {MouseEvent} */ e) => { e.preventDefault(); navigate(invite ? `/invite/${invite}` : "/register"); }}>Register</a></p>
  </${Card}>`;
}

/** @param {{server: ServerInfo|null, invite?: string}} p */
export function RegisterScreen({ server, invite }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [display, setDisplay] = useState("");
  const [code, setCode] = useState(invite || "");
  const [preview, setPreview] = useState(/** @type {InvitePreview|null} */ (null));
  const [previewError, setPreviewError] = useState(/** @type {string|null} */ (null));
  const { busy, error, run } = useSubmit();
  useEffect(() => {
    if (!invite) return;
    api("GET", `/invites/${encodeURIComponent(invite)}`, undefined, { auth: false })
      .then(setPreview)
      .catch((e) => setPreviewError(errorText(e)));
  }, [invite]);
  const needsInvite = !server || server.registration !== "open";
  const name = preview ? preview.server.name : server ? server.name : "Spectrus";
  const icon = showableImage(preview ? preview.server.icon_url : server ? server.icon_url : null);
  return html`<${Card} server=${server}>
    ${invite ? html`<div class="invite-head">
      ${icon ? html`<img class="server-icon big" src=${icon} alt="" />` : html`<div class="server-icon big" aria-hidden="true">${name.slice(0, 1).toUpperCase()}</div>`}
      <p class="muted small">You have been invited to join</p>
      <h1>${name}</h1>
      ${preview ? html`<p class="muted small"><span class="dot online" aria-hidden="true"></span> ${preview.member_count} ${preview.member_count === 1 ? "member" : "members"}</p>` : null}
      ${previewError ? html`<div class="form-error" role="alert">This invite cannot be used: ${previewError}</div>` : null}
    </div>
    <h2 class="sub">Create an account</h2>` : html`<h1>Create an account</h1>`}
    <form onSubmit=${(/** @type {Event} */ e) => {
      e.preventDefault();
      run(async () => {
        /** @type {{username: string, password: string, display_name?: string, invite?: string}} */
        const body = { username: username.trim(), password };
        if (display.trim()) body.display_name = display.trim();
        if (code.trim()) body.invite = code.trim();
        await register(body);
        navigate("/");
      });
    }}>
      <${Field} label="Username" value=${username} onInput=${setUsername} autocomplete="username" autofocus=${true} hint="2–32 characters: a–z, 0–9, _ . -" error=${error && error.fields.username} />
      <${Field} label="Display name" value=${display} onInput=${setDisplay} autocomplete="nickname" hint="Optional: how others see you." error=${error && error.fields.display_name} />
      <${Field} label="Password" type="password" value=${password} onInput=${setPassword} autocomplete="new-password" hint="At least 8 characters." error=${error && error.fields.password} />
      ${invite
        ? html`<${Field} label="Invite code" value=${code} onInput=${setCode} readonly=${true} />`
        : needsInvite ? html`<${Field} label="Invite code" value=${code} onInput=${setCode} hint="Ask a member for an invite link or code." error=${error && error.fields.invite} />` : null}
      <${FormError} error=${error} />
      <button class="btn primary block" type="submit" disabled=${busy}>${busy ? "Creating…" : "Create account"}</button>
    </form>
    <p class="muted small">Already have an account? <a href="/login" onClick=${(/** @type {MouseEvent} */ e) => { e.preventDefault(); navigate(invite ? `/login?invite=${encodeURIComponent(invite)}` : "/login"); }}>Log in</a></p>
  </${Card}>`;
}
