// @ts-check
/** @module ui/state — view state shared between components (drawers, dialogs, reply, edit). */
import { signal } from "../../vendor/signals.mjs";

/** Which drawer is open on narrow screens. */
export const drawer = signal(/** @type {null|"channels"|"members"} */ (null));
/** Open dialog. */
export const dialog = signal(/** @type {null|"settings"|"invite"|"switcher"} */ (null));
/** Message being replied to, per composer. */
export const replyTo = signal(/** @type {null|import("../net/types.js").Message} */ (null));
/** Message being edited. */
export const editingId = signal(/** @type {null|string} */ (null));
/** Message to scroll to and highlight. */
export const focusMessage = signal(/** @type {null|{cid: string, mid: string}} */ (null));
/** Uncaught error banner. */
export const crashed = signal(false);
/** Ask the composer to take focus (counter bumps). */
export const focusComposer = signal(0);

/** A stable colour for an id (avatars). @param {string} id */
export function avatarHue(id) {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) % 360;
  return h;
}
/** Ask the message list to follow the live end again (after I send). */
export const scrollToEnd = signal(0);
/** A notice for the login screen (e.g. the session ended elsewhere). */
export const loginNotice = signal(/** @type {string|null} */ (null));
