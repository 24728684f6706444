// @ts-check
/**
 * @module previews/embeds — link previews: the Discord-like card under a message (accent bar,
 * site name, title as a link, description clamped to 3 lines, the image through the
 * server's proxy; text nodes only, never the page's HTML), the author's "Remove embed", and
 * the "Show link previews" setting (Settings → Privacy).
 */
import { html } from "../lib/html.js";
import { signal } from "../../vendor/signals.mjs";
import { useState } from "../../vendor/preact-hooks.mjs";
import { api, errorText } from "../net/api.js";
import { Icon } from "../ui/icons.js";

/** My `show_link_previews` setting. */
export const showPreviews = signal(true);

/** @param {any} d the `ready` payload */
export function applyPreviewsReady(d) {
  showPreviews.value = d.user_settings ? d.user_settings.show_link_previews !== false : true;
}

/** @param {boolean} v */
export async function setShowPreviews(v) {
  const s = await api("PATCH", "/users/@me/settings", { show_link_previews: v });
  showPreviews.value = s.show_link_previews !== false;
}

/** Only our own proxy's relative URLs are used as image sources. @param {string} u */
function proxied(u) {
  return typeof u === "string" && u.startsWith("/api/v1/previews/image?") ? u : null;
}

/** Only http(s) links are clickable. @param {string} u */
function safeHref(u) {
  try { const p = new URL(u); return p.protocol === "http:" || p.protocol === "https:" ? p.href : null; } catch { return null; }
}

/**
 * The message's embeds, when the member shows previews.
 * @param {{ m: any, mine: boolean }} props
 */
export function Embeds({ m, mine }) {
  const [error, setError] = useState(/** @type {string|null} */ (null));
  if (!showPreviews.value || !m.embeds || !m.embeds.length || m.suppress_embeds) return null;
  const remove = async () => {
    setError(null);
    try {
      await api("PATCH", `/channels/${m.channel_id}/messages/${m.id}`, { suppress_embeds: true });
    } catch (e) { setError(errorText(e)); }
  };
  return html`<div class="embeds">
    ${m.embeds.map((/** @type {any} */ e, /** @type {number} */ i) => {
      const href = safeHref(e.url);
      const img = e.image ? proxied(e.image.url) : null;
      return html`<div class="embed" key=${i} data-embed-url=${e.url}>
        ${mine ? html`<button class="icon-btn embed-remove" aria-label="Remove embed" title="Remove embed" onClick=${remove}><${Icon} name="x" size=${14} /></button>` : null}
        ${e.site_name ? html`<div class="embed-site">${e.site_name}</div>` : null}
        ${e.title ? (href
          ? html`<a class="embed-title" href=${href} target="_blank" rel="noopener noreferrer nofollow">${e.title}</a>`
          : html`<div class="embed-title">${e.title}</div>`) : null}
        ${e.description ? html`<div class="embed-desc">${e.description}</div>` : null}
        ${img ? html`<img class="embed-image" src=${img} alt="" loading="lazy" referrerpolicy="no-referrer"
          width=${e.image.width || undefined} height=${e.image.height || undefined} />` : null}
      </div>`;
    })}
    ${error ? html`<div class="field-error" role="alert">${error}</div>` : null}
  </div>`;
}

/** Settings → Privacy: the "Show link previews" toggle. */
export function PreviewSettings() {
  const [error, setError] = useState(/** @type {string|null} */ (null));
  const id = "t-show-previews";
  return html`<div class="settings-section">
    <div class="toggle-row">
      <div><label for=${id}>Show link previews</label>
        <div class="field-hint">Show a card with the title, description and image of links posted in messages.</div></div>
      <input id=${id} type="checkbox" role="switch" class="switch" checked=${showPreviews.value}
        onChange=${async (/** @type {Event} */ e) => {
          const v = /** @type {HTMLInputElement} */ (e.currentTarget).checked;
          setError(null);
          try { await setShowPreviews(v); } catch (err) { setError(errorText(err)); }
        }} />
    </div>
    ${error ? html`<div class="form-error" role="alert">${error}</div>` : null}
  </div>`;
}
