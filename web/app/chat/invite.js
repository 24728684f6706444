// @ts-check
/** @module chat/invite — "Invite people": creates an invite and shows its link to copy. */
import { html } from "../lib/html.js";
import { useState, useEffect } from "../../vendor/preact-hooks.mjs";
import { api, errorText } from "../net/api.js";
import { Dialog } from "../ui/dialog.js";
import { server } from "../net/store.js";

/** @param {{onClose: () => void}} p */
export function InviteDialog({ onClose }) {
  const [url, setUrl] = useState("");
  const [error, setError] = useState(/** @type {string|null} */ (null));
  const [copied, setCopied] = useState(false);
  const [age, setAge] = useState(604800);
  const make = async (/** @type {number} */ seconds) => {
    setError(null);
    setUrl("");
    try {
      /** @type {import("../net/types.js").Invite} */
      const inv = await api("POST", "/invites", seconds ? { max_age_seconds: seconds } : {});
      setUrl(`${location.origin}/invite/${inv.code}`);
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => { make(age); }, [age]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      const el = /** @type {HTMLInputElement|null} */ (document.getElementById("invite-link"));
      if (el) el.select();
      setError("Copying is blocked here: the link is selected, press Ctrl+C.");
    }
  };
  return html`<${Dialog} title="Invite people" onClose=${onClose}>
    <p class="muted">Send this link to a friend to let them join ${server.value ? server.value.name : "this server"}.</p>
    <div class="field">
      <label for="invite-link">Invite link</label>
      <div class="copy-row">
        <input id="invite-link" class="input" readOnly=${true} value=${url} placeholder=${error ? "" : "Creating an invite…"} onFocus=${(/** @type {FocusEvent} */ e) => /** @type {HTMLInputElement} */ (e.currentTarget).select()} />
        <button class=${"btn " + (copied ? "ok" : "primary")} disabled=${!url} onClick=${copy}>${copied ? "Copied" : "Copy link"}</button>
      </div>
    </div>
    <div class="field">
      <label for="invite-age">Expires after</label>
      <select id="invite-age" value=${age} onChange=${(/** @type {Event} */ e) => setAge(Number(/** @type {HTMLSelectElement} */ (e.currentTarget).value))}>
        <option value="1800">30 minutes</option><option value="3600">1 hour</option><option value="86400">1 day</option>
        <option value="604800">7 days</option><option value="0">Never</option>
      </select>
    </div>
    ${error ? html`<div class="form-error" role="alert">${error}</div>` : null}
  </${Dialog}>`;
}
