// @ts-check
/**
 * @module ui/menu — a popup menu (role menu) with arrow keys, Esc and outside click to close;
 * focus goes back to what opened it when the menu took it along.
 */
import { html } from "../lib/html.js";
import { useLayoutEffect, useRef } from "../../vendor/preact-hooks.mjs";
import { Icon } from "./icons.js";

/** @typedef {{label: string, icon?: string, danger?: boolean, onSelect: () => void}} MenuItem */

/**
 * @param {{label: string, items: MenuItem[], onClose: () => void, class?: string, style?: Record<string, string>}} p
 */
export function Menu({ label, items, onClose, class: cls, style }) {
  const ref = useRef(/** @type {HTMLDivElement|null} */ (null));
  // A layout effect: the first item has the focus before the menu is painted, so a key pressed
  // the moment it shows (a fast keyboard user) lands in it, not on the opener.
  useLayoutEffect(() => {
    const el = ref.current;
    const opener = /** @type {HTMLElement|null} */ (document.activeElement);
    const first = el && /** @type {HTMLElement|null} */ (el.querySelector("[role=menuitem]"));
    if (first) first.focus();
    // Closed while the focus was in it (or lost with it): back to the opener. An item that
    // moved the focus elsewhere (a dialog, the composer) keeps it there.
    const giveBack = () => {
      const a = document.activeElement;
      if (opener && opener.isConnected && (!a || a === document.body || (el && el.contains(a)))) opener.focus();
    };
    /** @param {MouseEvent} e */
    const out = (e) => { if (el && !el.contains(/** @type {Node} */ (e.target))) onClose(); };
    const t = setTimeout(() => document.addEventListener("mousedown", out), 0);
    return () => { clearTimeout(t); document.removeEventListener("mousedown", out); giveBack(); };
  }, []);
  /** @param {KeyboardEvent} e */
  const onKey = (e) => {
    const el = ref.current;
    if (!el) return;
    const list = /** @type {HTMLElement[]} */ ([...el.querySelectorAll("[role=menuitem]")]);
    const i = list.indexOf(/** @type {HTMLElement} */ (document.activeElement));
    if (e.key === "ArrowDown") { e.preventDefault(); list[(i + 1) % list.length].focus(); }
    else if (e.key === "ArrowUp") { e.preventDefault(); list[(i - 1 + list.length) % list.length].focus(); }
    else if (e.key === "Escape" || e.key === "Tab") { e.preventDefault(); e.stopPropagation(); onClose(); }
  };
  return html`<div ref=${ref} class=${"menu" + (cls ? " " + cls : "")} style=${style} role="menu" aria-label=${label} onKeyDown=${onKey}>
    ${items.map((it) => html`<button role="menuitem" class=${"menu-item" + (it.danger ? " danger" : "")} tabindex="-1"
      onClick=${() => { onClose(); it.onSelect(); }}>
      <span>${it.label}</span>${it.icon ? html`<${Icon} name=${it.icon} size=${16} />` : null}
    </button>`)}
  </div>`;
}
