// @ts-check
/**
 * @module files/avatar — my avatar in Settings → Account: the current picture (or initial),
 * "Upload avatar" (a file picker; the server crops and scales it to 256 px) and "Remove
 * avatar", with the outcome in words beside them. Everyone sees the change through
 * MEMBER_UPDATE.
 */
import { html } from "../lib/html.js";
import { useState, useRef } from "../../vendor/preact-hooks.mjs";
import { token, errorText } from "../net/api.js";
import { me, members } from "../net/store.js";
import { Avatar } from "../ui/avatar.js";

/**
 * `PUT` (a file) or `DELETE` my avatar (or `PUT` the server icon); throws the server's words.
 * @param {File|null} file @param {string} [path]
 */
async function send(file, path = "/api/v1/users/@me/avatar") {
  const res = await fetch(path, {
    method: file ? "PUT" : "DELETE",
    headers: { Authorization: "Bearer " + (await token()) },
    body: file || undefined,
  });
  if (res.ok) return;
  const body = await res.json().catch(() => null);
  const msg = body && body.error && body.error.message;
  if (res.status === 413) throw new Error("The image is larger than 8 MB.");
  throw new Error(msg ? String(msg).replace(/^some fields are not valid: image: /, "") : `HTTP ${res.status}`);
}

export function AvatarSettings() {
  const input = useRef(/** @type {HTMLInputElement|null} */ (null));
  const [note, setNote] = useState(/** @type {null|{ok: boolean, text: string}} */ (null));
  const [busy, setBusy] = useState(false);
  const u = me.value;
  if (!u) return null;
  const m = members.value.get(u.id);
  const has = !!(m && m.user.avatar_url);
  /** @param {File|null} f */
  const run = async (f) => {
    setBusy(true);
    setNote(null);
    try {
      await send(f);
      setNote({ ok: true, text: f ? "Avatar saved." : "Avatar removed." });
    } catch (e) {
      setNote({ ok: false, text: e instanceof Error ? e.message : errorText(e) });
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="avatar-settings">
    <${Avatar} id=${u.id} name=${u.display_name} size=${72} />
    <div class="avatar-actions">
      <div class="row-buttons">
        <button class="btn primary" type="button" disabled=${busy} onClick=${() => input.current && input.current.click()}>Upload avatar</button>
        ${has ? html`<button class="btn ghost" type="button" disabled=${busy} onClick=${() => run(null)}>Remove avatar</button>` : null}
      </div>
      <input ref=${input} type="file" accept="image/png,image/jpeg,image/gif,image/webp" class="sr-only" tabindex="-1" aria-label="Avatar image"
        onChange=${(/** @type {Event} */ e) => { const el = /** @type {HTMLInputElement} */ (e.currentTarget); const f = el.files && el.files[0]; el.value = ""; if (f) run(f); }} />
      <div class="field-hint">PNG, JPEG, GIF or WebP, at most 8 MB; shown as a 256 px square.</div>
      ${note ? html`<div class=${note.ok ? "form-ok" : "form-error"} role=${note.ok ? "status" : "alert"}>${note.text}</div>` : null}
    </div>
  </div>`;
}

/** The Overview tab's "Upload icon": the server crops and scales it, then SERVER_UPDATE. */
export function IconUpload() {
  const input = useRef(/** @type {HTMLInputElement|null} */ (null));
  const [note, setNote] = useState(/** @type {null|{ok: boolean, text: string}} */ (null));
  const [busy, setBusy] = useState(false);
  /** @param {File} f */
  const run = async (f) => {
    setBusy(true);
    setNote(null);
    try {
      await send(f, "/api/v1/server/icon");
      setNote({ ok: true, text: "Icon saved." });
    } catch (e) {
      setNote({ ok: false, text: e instanceof Error ? e.message : errorText(e) });
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="icon-upload">
    <button class="btn small" type="button" disabled=${busy} onClick=${() => input.current && input.current.click()}>Upload icon</button>
    <input ref=${input} type="file" accept="image/png,image/jpeg,image/gif,image/webp" class="sr-only" tabindex="-1" aria-label="Icon image"
      onChange=${(/** @type {Event} */ e) => { const el = /** @type {HTMLInputElement} */ (e.currentTarget); const f = el.files && el.files[0]; el.value = ""; if (f) run(f); }} />
    ${note ? html`<div class=${note.ok ? "form-ok" : "form-error"} role=${note.ok ? "status" : "alert"}>${note.text}</div>` : null}
  </div>`;
}
