// @ts-check
/**
 * @module lib/media — the layout's breakpoints, asked in one place and named after what they
 * mean. The CSS must agree: `styles/app.css` (layout: `@media (max-width: 900px)` and
 * `(max-width: 640px)`, the phone block at its end), `styles/search.css` (the panels).
 */
import { useEffect, useState } from "../../vendor/preact-hooks.mjs";

/** Both sidebars are drawers, tap targets are 40 px, the search box is an icon. */
export const PHONE = "(max-width: 640px)";
/** The member list is a drawer, and the search / pins panel covers the chat. */
export const NARROW = "(max-width: 900px)";

/** A short window (a laptop's browser with its bars, a desktop window not maximised): the
 * owner's checklist starts folded there, so the chat keeps the height. */
export const SHORT = "(max-height: 720px)";

/** Whether the window is phone-sized (640 px or narrower). */
export function isPhone() {
  return matchMedia(PHONE).matches;
}

/** Whether the window is narrow (900 px or narrower; phones included). */
export function isNarrow() {
  return matchMedia(NARROW).matches;
}

/**
 * Whether the window matches `query` now, re-rendering the component when that changes.
 * @param {string} query
 * @returns {boolean}
 */
export function useMedia(query) {
  const [matches, setMatches] = useState(() => matchMedia(query).matches);
  useEffect(() => {
    const mq = matchMedia(query);
    const follow = () => setMatches(mq.matches);
    mq.addEventListener("change", follow);
    return () => mq.removeEventListener("change", follow);
  }, [query]);
  return matches;
}
