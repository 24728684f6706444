// @ts-check
/**
 * @module files/view — a message's attachments: images inline at their aspect ratio (the
 * thumbnail, a button: click or Enter), opening a lightbox (Esc closes, ←/→ step through the
 * message's images, "Open original"; closed, the focus goes to the thumbnail of the image it
 * showed last), every other file as a download card with its name and size.
 */
import { html } from "../lib/html.js";
import { useState, useLayoutEffect, useRef } from "../../vendor/preact-hooks.mjs";
import { Icon } from "../ui/icons.js";
import { trapTab } from "../ui/dialog.js";
import { formatSize } from "./attach.js";

/** @typedef {import("../net/types.js").Attachment} Attachment */

/** Largest inline size, in CSS pixels. */
const BOX_W = 400;
const BOX_H = 300;

/** @param {Attachment} a */
function isImage(a) {
  return a.content_type.startsWith("image/") && !!a.width && !!a.height;
}

/** The inline size of an image: its own, shrunk to fit the box. @param {Attachment} a */
function fitBox(a) {
  const w = a.width || BOX_W;
  const h = a.height || BOX_H;
  const k = Math.min(1, BOX_W / w, BOX_H / h);
  return { width: Math.max(1, Math.round(w * k)), height: Math.max(1, Math.round(h * k)) };
}

/** @param {{attachments: Attachment[]}} p */
export function Attachments({ attachments }) {
  const [open, setOpen] = useState(/** @type {number|null} */ (null));
  const thumbs = useRef(/** @type {(HTMLButtonElement|null)[]} */ ([]));
  const images = attachments.filter(isImage);
  const files = attachments.filter((a) => !isImage(a));
  return html`<div class="attachments">
    ${images.map((a, i) => {
      const box = fitBox(a);
      return html`<button key=${a.id} ref=${(/** @type {HTMLButtonElement|null} */ el) => { thumbs.current[i] = el; }} class="att-image" aria-label=${`Open image ${a.filename}`}
        style=${{ width: box.width + "px", aspectRatio: `${a.width} / ${a.height}` }} onClick=${() => setOpen(i)}>
        <img src=${a.thumbnail_url || a.url} alt=${a.filename} width=${box.width} height=${box.height} loading="lazy" decoding="async" />
      </button>`;
    })}
    ${files.map((a) => html`<div key=${a.id} class="att-file">
      <${Icon} name="file" size=${28} />
      <div class="att-meta">
        <a class="att-name" href=${a.url} download=${a.filename} title=${a.filename}>${a.filename}</a>
        <span class="muted small">${formatSize(a.size)}</span>
      </div>
      <a class="icon-btn" href=${a.url} download=${a.filename} aria-label=${`Download ${a.filename}`} title="Download"><${Icon} name="download" size=${20} /></a>
    </div>`)}
    ${open !== null && images[open] ? html`<${Lightbox} images=${images} index=${open} onIndex=${setOpen} onClose=${() => setOpen(null)}
      thumb=${(/** @type {number} */ i) => thumbs.current[i] || null} />` : null}
  </div>`;
}

/**
 * @param {{images: Attachment[], index: number, onIndex: (i: number) => void, onClose: () => void,
 *   thumb: (i: number) => HTMLElement|null}} p `thumb`: the inline thumbnail of image i
 */
function Lightbox({ images, index, onIndex, onClose, thumb }) {
  const ref = useRef(/** @type {HTMLDivElement|null} */ (null));
  // The image shown, ahead of the render: renders are coalesced to one per frame, so two
  // arrow keys pressed within one must step twice (not twice from the same index).
  const shown = useRef(index);
  const a = images[index];
  const many = images.length > 1;
  const step = (/** @type {number} */ d) => {
    shown.current = (shown.current + d + images.length) % images.length;
    onIndex(shown.current);
  };
  useLayoutEffect(() => {
    const prev = /** @type {HTMLElement|null} */ (document.activeElement);
    if (ref.current) ref.current.focus();
    // Back to the thumbnail of the image shown last (where the arrows led), else the opener.
    return () => {
      const t = thumb(shown.current);
      const back = t && t.isConnected ? t : prev;
      if (back && back.isConnected) back.focus();
    };
  }, []);
  /** @param {KeyboardEvent} e */
  const onKey = (e) => {
    if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); onClose(); }
    else if (e.key === "ArrowRight" && many && !e.altKey) { e.preventDefault(); e.stopPropagation(); step(1); }
    else if (e.key === "ArrowLeft" && many && !e.altKey) { e.preventDefault(); e.stopPropagation(); step(-1); }
    else if (ref.current) trapTab(ref.current, e);
  };
  return html`<div class="overlay lightbox-overlay" onMouseDown=${(/** @type {MouseEvent} */ e) => { if (e.target === e.currentTarget) onClose(); }}>
    <div ref=${ref} class="lightbox" role="dialog" aria-modal="true" aria-label=${a.filename} tabindex="-1" onKeyDown=${onKey}>
      <img class="lightbox-img" src=${a.url} alt=${a.filename} width=${a.width} height=${a.height} />
      <div class="lightbox-bar">
        <span class="lightbox-name" title=${a.filename}>${a.filename}</span>
        <span class="muted small">${a.width}×${a.height} · ${formatSize(a.size)}${many ? ` · ${index + 1} of ${images.length}` : ""}</span>
        <a class="btn small ghost" href=${a.url} target="_blank" rel="noopener noreferrer"><${Icon} name="external" size=${16} /> Open original</a>
        ${many ? html`<button class="icon-btn" aria-label="Previous image" onClick=${() => step(-1)}><${Icon} name="left" /></button>
          <button class="icon-btn" aria-label="Next image" onClick=${() => step(1)}><${Icon} name="right" /></button>` : null}
        <button class="icon-btn" aria-label="Close" onClick=${onClose}><${Icon} name="x" /></button>
      </div>
    </div>
  </div>`;
}
