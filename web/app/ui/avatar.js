// @ts-check
/** @module ui/avatar — a round avatar: the member's picture (`user.avatar_url`) or the name's initial, a presence dot and a speaking ring. */
import { html } from "../lib/html.js";
import { avatarHue } from "./state.js";
import { members } from "../net/store.js";

/**
 * @param {{id: string, name: string, size?: number, presence?: string|null, speaking?: boolean}} p
 */
export function Avatar({ id, name, size = 40, presence, speaking }) {
  // One perceptual lightness for every hue (oklch): the white initial is ≥ 4.5:1 on each
  // (hsl's yellows and greens were far lighter than its blues, down to 2.9:1).
  const hue = avatarHue(id);
  const m = members.value.get(id);
  const src = m && m.user.avatar_url;
  return html`<span class=${"avatar" + (speaking ? " speaking" : "")} aria-hidden="true"
    style=${{ width: size + "px", height: size + "px", fontSize: Math.round(size * 0.42) + "px", background: `oklch(50% 0.12 ${hue})` }}>
    ${src ? html`<img class="avatar-img" src=${src} alt="" width=${size} height=${size} loading="lazy" decoding="async" />` : (name || "?").slice(0, 1).toUpperCase()}
    ${presence ? html`<span class=${"presence " + presence}></span>` : null}
  </span>`;
}
