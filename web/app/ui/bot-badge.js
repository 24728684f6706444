// @ts-check
/** @module ui/bot-badge — the "BOT" badge after the name of a plugin's bot (messages, members). */
import { html } from "../lib/html.js";

/** @param {{user: {bot?: boolean}|undefined|null}} p */
export function BotBadge({ user }) {
  return user && user.bot ? html`<span class="bot-badge" title="A plugin's bot">BOT</span>` : null;
}
