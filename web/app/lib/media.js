// @ts-check
/**
 * @module lib/media — the layout's breakpoints, asked in one place and named after what they
 * mean. The CSS must agree: `styles/app.css` (layout: `@media (max-width: 900px)` and
 * `(max-width: 640px)`, the phone block at its end), `styles/search.css` (the panels).
 */

/** Both sidebars are drawers, tap targets are 40 px, the search box is an icon. */
export const PHONE = "(max-width: 640px)";
/** The member list is a drawer, and the search / pins panel covers the chat. */
export const NARROW = "(max-width: 900px)";

/** Whether the window is phone-sized (640 px or narrower). */
export function isPhone() {
  return matchMedia(PHONE).matches;
}

/** Whether the window is narrow (900 px or narrower; phones included). */
export function isNarrow() {
  return matchMedia(NARROW).matches;
}
