// @ts-check
/** @module ui/dialog — modal dialog with a focus trap, Esc to close and focus given back. */
import { html } from "../lib/html.js";
import { useLayoutEffect, useRef } from "../../vendor/preact-hooks.mjs";
import { Icon } from "./icons.js";
import { path } from "../router.js";

export const FOCUSABLE = 'a[href],button:not([disabled]),input:not([disabled]):not([type="hidden"]),textarea:not([disabled]),select:not([disabled]),[tabindex]:not([tabindex="-1"])';

/** Trap Tab inside `el`. @param {HTMLElement} el @param {KeyboardEvent} e */
export function trapTab(el, e) {
  if (e.key !== "Tab") return;
  const items = /** @type {HTMLElement[]} */ ([...el.querySelectorAll(FOCUSABLE)]).filter((x) => x.offsetParent !== null || x === document.activeElement);
  if (!items.length) { e.preventDefault(); return; }
  const first = items[0];
  const last = items[items.length - 1];
  if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
  else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
}

/**
 * @param {{title: string, onClose: () => void, children: any, class?: string, hideTitle?: boolean,
 *   role?: "dialog"|"alertdialog", wide?: boolean}} p
 */
export function Dialog({ title, onClose, children, class: cls, hideTitle, role = "dialog", wide }) {
  const ref = useRef(/** @type {HTMLDivElement|null} */ (null));
  const close = useRef(onClose);
  close.current = onClose;
  // Focused before it is painted (a layout effect), so an Esc pressed as it shows closes it.
  // Closing gives the focus back to what had it, unless the dialog went somewhere (the quick
  // switcher): the view it opened has the focus then.
  useLayoutEffect(() => {
    const prev = /** @type {HTMLElement|null} */ (document.activeElement);
    const at = path.peek();
    const el = ref.current;
    if (el) {
      const auto = /** @type {HTMLElement|null} */ (el.querySelector("[data-autofocus]") || el.querySelector(FOCUSABLE));
      (auto || el).focus();
    }
    return () => { if (prev && prev.isConnected && path.peek() === at) prev.focus(); };
  }, []);
  /** @param {KeyboardEvent} e */
  const onKey = (e) => {
    if (e.key === "Escape") { e.stopPropagation(); e.preventDefault(); close.current(); }
    else if (ref.current) trapTab(ref.current, e);
  };
  return html`
    <div class="overlay" onMouseDown=${(/** @type {MouseEvent} */ e) => { if (e.target === e.currentTarget) close.current(); }}>
      <div ref=${ref} class=${"dialog" + (wide ? " wide" : "") + (cls ? " " + cls : "")} role=${role} aria-modal="true"
        aria-label=${title} tabindex="-1" onKeyDown=${onKey}>
        <header class="dialog-head">
          <h2 class=${hideTitle ? "sr-only" : ""}>${title}</h2>
          <button class="icon-btn" aria-label="Close" onClick=${() => close.current()}><${Icon} name="x" /></button>
        </header>
        ${children}
      </div>
    </div>`;
}
