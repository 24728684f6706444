// @ts-check
/**
 * @module ui/menu — a popup menu (role menu) with arrow keys, Esc and outside click to close;
 * focus goes back to what opened it when the menu took it along. A context menu opens from the
 * pointer or, on a focused row, from Shift+F10 / the ContextMenu key (`isMenuKey`, `menuAt`),
 * and is kept inside the window.
 */
import { html } from "../lib/html.js";
import { useLayoutEffect, useRef } from "../../vendor/preact-hooks.mjs";
import { Icon } from "./icons.js";

/** @typedef {{label: string, icon?: string, danger?: boolean, onSelect: () => void}} MenuItem */

/** Whether a key asks for the focused row's context menu: Shift+F10 or the ContextMenu key. @param {KeyboardEvent} e */
export function isMenuKey(e) {
  return e.key === "ContextMenu" || (e.shiftKey && e.key === "F10");
}

/**
 * Where a context menu opens: at the pointer, or (from a key, whose `contextmenu` event has no
 * pointer) under the start of the row.
 * @param {MouseEvent|KeyboardEvent} e
 * @returns {{x: number, y: number}}
 */
export function menuAt(e) {
  if (e instanceof MouseEvent && (e.clientX || e.clientY)) return { x: e.clientX, y: e.clientY };
  const r = /** @type {HTMLElement} */ (e.currentTarget).getBoundingClientRect();
  return { x: Math.round(r.left + 16), y: Math.round(r.bottom) };
}

/**
 * Props that open a row's context menu by right-click and from the keyboard.
 * @param {(at: {x: number, y: number}) => void} open
 */
export function contextMenuProps(open) {
  return {
    /** @param {MouseEvent} e */
    onContextMenu: (e) => { e.preventDefault(); open(menuAt(e)); },
    /** @param {KeyboardEvent} e */
    onKeyDown: (e) => { if (isMenuKey(e)) { e.preventDefault(); e.stopPropagation(); open(menuAt(e)); } },
  };
}

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
    // A context menu near the window's edge moves in so all of it shows.
    if (el && getComputedStyle(el).position === "fixed") {
      const r = el.getBoundingClientRect();
      if (r.right > innerWidth - 8) el.style.left = Math.max(8, innerWidth - 8 - r.width) + "px";
      if (r.bottom > innerHeight - 8) el.style.top = Math.max(8, innerHeight - 8 - r.height) + "px";
    }
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
