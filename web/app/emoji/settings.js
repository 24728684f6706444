// @ts-check
/**
 * @module emoji/settings — Server settings → Emoji (`emoji:manage`): upload with a preview
 * (name and image, errors in words beside the control), the list with inline rename and
 * delete with a confirmation, and an empty state. The list is the live one (`EMOJIS_UPDATE`).
 */
import { html } from "../lib/html.js";
import { useState, useRef, useEffect } from "../../vendor/preact-hooks.mjs";
import { customEmojis, uploadEmoji, renameEmoji, deleteEmoji } from "./store.js";
import { emojiImage } from "./render.js";
import { errorText } from "../net/api.js";
import { Dialog } from "../ui/dialog.js";
import { Empty } from "../admin/common.js";
import { toast } from "../ui/toast.js";

/** Largest image, bytes (the server refuses more with 413). */
const MAX_BYTES = 256 * 1024;
/** How many a server holds. */
const MAX_EMOJIS = 50;
const NAME = /^[a-z0-9_]{2,32}$/;

/** A name suggested from a file name. @param {string} file */
function nameFrom(file) {
  return file.replace(/\.[^.]*$/, "").toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 32);
}

/** Why a name is refused, in words (null: fine). @param {string} n */
function nameProblem(n) {
  if (n.length < 2 || n.length > 32) return "A name is 2 to 32 characters.";
  if (!NAME.test(n)) return "Use only lower-case letters, digits and _.";
  return null;
}

function Upload() {
  const input = useRef(/** @type {HTMLInputElement|null} */ (null));
  const [file, setFile] = useState(/** @type {File|null} */ (null));
  const [preview, setPreview] = useState(/** @type {string|null} */ (null));
  const [name, setName] = useState("");
  const [error, setError] = useState(/** @type {null|{field: "file"|"name"|"form", text: string}} */ (null));
  const [busy, setBusy] = useState(false);
  useEffect(() => () => { if (preview) URL.revokeObjectURL(preview); }, [preview]);
  const full = customEmojis.value.length >= MAX_EMOJIS;

  /** @param {File} f */
  const pick = (f) => {
    setError(null);
    if (!/^image\/(png|jpeg|gif|webp)$/.test(f.type)) { setError({ field: "file", text: "Pick a PNG, JPEG, GIF or WebP image." }); return; }
    if (f.size > MAX_BYTES) { setError({ field: "file", text: `That image is ${Math.ceil(f.size / 1024)} KB; at most 256 KB.` }); return; }
    setFile(f);
    setPreview(URL.createObjectURL(f));
    if (!name) setName(nameFrom(f.name));
  };
  /** @param {Event} e */
  const submit = async (e) => {
    e.preventDefault();
    if (!file) { setError({ field: "file", text: "Choose an image first." }); return; }
    const n = name.trim().replace(/^:|:$/g, "");
    const why = nameProblem(n);
    if (why) { setError({ field: "name", text: why }); return; }
    if (customEmojis.value.some((x) => x.name === n)) { setError({ field: "name", text: `:${n}: exists already; pick another name.` }); return; }
    setBusy(true);
    setError(null);
    try {
      const made = await uploadEmoji(n, file);
      toast(`Emoji :${made.name}: added`, "ok");
      setFile(null); setPreview(null); setName("");
    } catch (err) {
      const text = err instanceof Error ? err.message : errorText(err);
      setError({ field: /name|exists/i.test(text) ? "name" : "file", text });
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="emoji-upload" onSubmit=${submit} aria-label="Upload emoji">
    <div class="emoji-preview">${preview ? html`<img src=${preview} alt="Preview of the new emoji" />` : "No image"}</div>
    <div class="emoji-upload-fields">
      <div class="field">
        <button class="btn small" type="button" disabled=${busy || full} onClick=${() => input.current && input.current.click()}>${file ? "Choose another image" : "Choose image"}</button>
        <input ref=${input} type="file" accept="image/png,image/jpeg,image/gif,image/webp" class="sr-only" tabindex="-1" aria-label="Emoji image"
          onChange=${(/** @type {Event} */ e) => { const el = /** @type {HTMLInputElement} */ (e.currentTarget); const f = el.files && el.files[0]; el.value = ""; if (f) pick(f); }} />
        ${error && error.field === "file" ? html`<div class="field-error" role="alert">${error.text}</div>` : html`<div class="field-hint">PNG, JPEG, GIF or WebP, at most 256 KB; shown at 128 px at most. An animated GIF or WebP keeps moving.</div>`}
      </div>
      <div class="field"><label for="emoji-name">Name</label>
        <input id="emoji-name" class="input" value=${name} maxlength="34" placeholder="party_parrot" autocomplete="off"
          aria-invalid=${error && error.field === "name" ? "true" : "false"} aria-describedby="emoji-name-note"
          onInput=${(/** @type {Event} */ e) => { setName(/** @type {HTMLInputElement} */ (e.currentTarget).value); if (error && error.field === "name") setError(null); }} />
        ${error && error.field === "name" ? html`<div id="emoji-name-note" class="field-error" role="alert">${error.text}</div>`
          : html`<div id="emoji-name-note" class="field-hint">Members type it as <code>:${name || "name"}:</code>.</div>`}
      </div>
      <div><button class="btn primary" type="submit" disabled=${busy || full}>${busy ? "Uploading…" : "Upload emoji"}</button></div>
      ${full ? html`<div class="field-hint">This server has ${MAX_EMOJIS} emoji, the most it holds: delete one to add another.</div>` : null}
    </div>
  </form>`;
}

/** @param {{e: import("./store.js").Emoji}} p */
function Row({ e }) {
  const [editing, setEditing] = useState(false);
  // Leaving the rename box (Escape, Cancel, Save) gives the focus back to "Rename".
  const renameBtn = useRef(/** @type {HTMLButtonElement|null} */ (null));
  const wasEditing = useRef(false);
  useEffect(() => {
    const a = document.activeElement;
    if (wasEditing.current && !editing && (!a || a === document.body)) renameBtn.current?.focus();
    wasEditing.current = editing;
  }, [editing]);
  const [name, setName] = useState(e.name);
  const [error, setError] = useState(/** @type {string|null} */ (null));
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const save = async () => {
    const n = name.trim().replace(/^:|:$/g, "");
    if (n === e.name) { setEditing(false); return; }
    const why = nameProblem(n);
    if (why) { setError(why); return; }
    setBusy(true);
    try {
      await renameEmoji(e.id, n);
      setEditing(false);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    setBusy(true);
    try {
      await deleteEmoji(e.id);
      setConfirm(false);
      toast(`Emoji :${e.name}: deleted`, "ok");
    } catch (err) {
      setConfirm(false);
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return html`<li class="emoji-item" aria-label=${`:${e.name}:`}>
    ${emojiImage(e, { alt: `:${e.name}:` })}
    ${editing ? html`<div class="field emoji-name">
        <input class="input" value=${name} aria-label=${`New name for :${e.name}:`} data-autofocus maxlength="34"
          aria-invalid=${error ? "true" : "false"}
          onInput=${(/** @type {Event} */ ev) => { setName(/** @type {HTMLInputElement} */ (ev.currentTarget).value); setError(null); }}
          onKeyDown=${(/** @type {KeyboardEvent} */ ev) => { if (ev.key === "Enter") { ev.preventDefault(); save(); } else if (ev.key === "Escape") { ev.preventDefault(); ev.stopPropagation(); setEditing(false); setName(e.name); setError(null); } }}
          ref=${(/** @type {HTMLInputElement|null} */ el) => { if (el && document.activeElement !== el && !el.dataset.focused) { el.dataset.focused = "1"; el.focus(); el.select(); } }} />
        ${error ? html`<div class="field-error" role="alert">${error}</div>` : null}
      </div>
      <button class="btn small primary" disabled=${busy} onClick=${save}>Save</button>
      <button class="btn small ghost" disabled=${busy} onClick=${() => { setEditing(false); setName(e.name); setError(null); }}>Cancel</button>`
    : html`<span class="emoji-name">:${e.name}:${e.animated ? html` <span class="emoji-kind">Animated</span>` : null}</span>
      ${error ? html`<span class="field-error" role="alert">${error}</span>` : null}
      <button ref=${renameBtn} class="btn small ghost" aria-label=${`Rename :${e.name}:`} onClick=${() => { setName(e.name); setEditing(true); }}>Rename</button>
      <button class="btn small ghost danger" aria-label=${`Delete :${e.name}:`} onClick=${() => setConfirm(true)}>Delete</button>`}
    ${confirm ? html`<${Dialog} title="Delete emoji" onClose=${() => setConfirm(false)}>
      <p>Delete <strong>:${e.name}:</strong>? Messages that use it will show <code>:${e.name}:</code> as text. This cannot be undone.</p>
      <div class="dialog-actions">
        <button class="btn ghost" onClick=${() => setConfirm(false)}>Cancel</button>
        <button class="btn danger" data-autofocus disabled=${busy} onClick=${remove}>Delete</button>
      </div>
    </${Dialog}>` : null}
  </li>`;
}

export function EmojiTab() {
  const list = customEmojis.value;
  return html`<div class="emoji-tab">
    <p class="muted">Custom emoji everyone on this server can use in messages and reactions, typed as <code>:name:</code>.</p>
    <${Upload} />
    <div class="emoji-count muted small">${list.length} of ${MAX_EMOJIS} emoji</div>
    ${list.length
      ? html`<ul class="emoji-list" aria-label="Custom emoji">${list.map((e) => html`<${Row} key=${e.id} e=${e} />`)}</ul>`
      : html`<${Empty} title="No custom emoji yet">Upload an image above to add the first one.</${Empty}>`}
  </div>`;
}
