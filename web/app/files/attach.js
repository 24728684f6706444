// @ts-check
/**
 * @module files/attach — files waiting to go with the next message: added by the composer's
 * picker button, by pasting or by dropping, shown as chips (name, size, remove), uploaded with
 * the message as multipart/form-data over XMLHttpRequest so the progress can be shown; a
 * refusal comes back in words ("photo.png is larger than 25 MB").
 */
import { html } from "../lib/html.js";
import { signal } from "../../vendor/signals.mjs";
import { useRef } from "../../vendor/preact-hooks.mjs";
import { token } from "../net/api.js";
import { Icon } from "../ui/icons.js";

/** @typedef {{key: string, file: File}} PendingFile */

/** channel id → files waiting for the next message */
export const pending = signal(/** @type {Map<string, PendingFile[]>} */ (new Map()));
/** channel id → upload progress, 0..1, while a message with files is being sent */
export const progress = signal(/** @type {Map<string, number>} */ (new Map()));

/** Most files on one message (the server's default `uploads.max_files_per_message`). */
export const MAX_FILES = 10;

let seq = 0;

/** @param {string} cid @returns {PendingFile[]} */
export function filesFor(cid) {
  return pending.value.get(cid) || [];
}

/** @param {string} cid @param {PendingFile[]} list */
function setFiles(cid, list) {
  const next = new Map(pending.value);
  if (list.length) next.set(cid, list); else next.delete(cid);
  pending.value = next;
}

/**
 * Adds files; answers an error in words when some were left out.
 * @param {string} cid @param {Iterable<File>} files @returns {string|null}
 */
export function addFiles(cid, files) {
  const list = [...filesFor(cid)];
  let dropped = 0;
  for (const file of files) {
    if (list.length >= MAX_FILES) { dropped++; continue; }
    list.push({ key: "f" + ++seq, file });
  }
  setFiles(cid, list);
  return dropped ? `At most ${MAX_FILES} files go with one message.` : null;
}

/** @param {string} cid @param {string} key */
export function removeFile(cid, key) {
  setFiles(cid, filesFor(cid).filter((f) => f.key !== key));
}

/** @param {string} cid */
export function clearFiles(cid) {
  setFiles(cid, []);
}

/** A size as people read it: 930 B, 12.4 KB, 3.1 MB. @param {number} n */
export function formatSize(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(1)} GB`;
}

/** @param {string} cid @param {number|null} v */
function setProgress(cid, v) {
  const next = new Map(progress.value);
  if (v === null) next.delete(cid); else next.set(cid, v);
  progress.value = next;
}

/**
 * Posts a message with files. Resolves to null when it was stored, or the refusal in words.
 * @param {string} cid @param {string} content @param {string|null} replyTo @param {File[]} files
 * @returns {Promise<string|null>}
 */
export async function uploadMessage(cid, content, replyTo, files) {
  const form = new FormData();
  /** @type {Record<string, unknown>} */
  const payload = { content };
  if (replyTo) payload.reply_to = replyTo;
  form.append("payload_json", JSON.stringify(payload));
  files.forEach((f, i) => form.append(`files[${i}]`, f, f.name));
  let bearer;
  try { bearer = await token(); } catch { return "You are logged out."; }
  setProgress(cid, 0);
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1/channels/${cid}/messages`);
    xhr.setRequestHeader("Authorization", "Bearer " + bearer);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) setProgress(cid, e.loaded / e.total); };
    xhr.onload = () => {
      setProgress(cid, null);
      if (xhr.status >= 200 && xhr.status < 300) { resolve(null); return; }
      /** @type {any} */
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      const msg = body && body.error && body.error.message;
      if (xhr.status === 413) resolve(msg ? cap(msg) : "The files are too large.");
      else if (xhr.status === 429) resolve("You are uploading too fast. Wait a moment and send again.");
      else resolve(msg ? cap(msg) : `The upload failed (HTTP ${xhr.status}).`);
    };
    xhr.onerror = () => { setProgress(cid, null); resolve("The upload failed: the server could not be reached."); };
    xhr.send(form);
  });
}

/** A server message as a sentence (file names keep their case). @param {string} s */
function cap(s) {
  return /[.!?]$/.test(s) ? s : s + ".";
}

/** The files of a paste or a drop, if any. @param {DataTransfer|null} dt @returns {File[]} */
export function filesOf(dt) {
  if (!dt) return [];
  return [...dt.files];
}

/** The composer's attach button and its hidden file input. @param {{cid: string, disabled: boolean, onError: (e: string|null) => void}} p */
export function AttachButton({ cid, disabled, onError }) {
  const input = useRef(/** @type {HTMLInputElement|null} */ (null));
  return html`<span class="attach">
    <button class="icon-btn attach-btn" aria-label="Attach files" title="Attach files" disabled=${disabled}
      onClick=${() => input.current && input.current.click()}><${Icon} name="paperclip" size=${20} /></button>
    <input ref=${input} type="file" multiple class="sr-only" tabindex="-1" aria-label="Files to attach"
      onChange=${(/** @type {Event} */ e) => {
        const el = /** @type {HTMLInputElement} */ (e.currentTarget);
        onError(addFiles(cid, el.files ? [...el.files] : []));
        el.value = "";
      }} />
  </span>`;
}

/** The chips of the files waiting, with the upload's progress. @param {{cid: string}} p */
export function FileChips({ cid }) {
  const list = filesFor(cid);
  const done = progress.value.get(cid);
  if (!list.length && done === undefined) return null;
  return html`<div class="file-chips">
    <ul class="chip-list" aria-label="Files to send">
      ${list.map((f) => html`<li key=${f.key} class="file-chip">
        <${Icon} name="file" size=${16} />
        <span class="chip-name" title=${f.file.name}>${f.file.name}</span>
        <span class="chip-size">${formatSize(f.file.size)}</span>
        <button class="icon-btn small" aria-label=${`Remove ${f.file.name}`} disabled=${done !== undefined}
          onClick=${() => removeFile(cid, f.key)}><${Icon} name="x" size=${14} /></button>
      </li>`)}
    </ul>
    ${done !== undefined ? html`<div class="upload-progress">
      <progress max="100" value=${Math.round(done * 100)} aria-label="Upload progress"></progress>
      <span class="muted small">Uploading… ${Math.round(done * 100)}%</span>
    </div>` : null}
  </div>`;
}
