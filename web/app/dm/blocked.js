// @ts-check
/**
 * @module dm/blocked — a message from someone I blocked, collapsed to "Blocked message" with
 * a Show button (the message list wraps such messages in it).
 */
import { html } from "../lib/html.js";
import { useState } from "../../vendor/preact-hooks.mjs";
import { Icon } from "../ui/icons.js";

/** A blocked user's message, collapsed until shown. @param {{children: any, name: string}} p */
export function BlockedMessage({ children, name }) {
  const [shown, setShown] = useState(false);
  if (shown) return children;
  return html`<div class="blocked-msg" role="article" aria-label=${`Blocked message from ${name}`}>
    <${Icon} name="shield" size=${16} />
    <span>Blocked message</span>
    <button class="link-btn" onClick=${() => setShown(true)}>Show</button>
  </div>`;
}

