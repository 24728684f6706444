// @ts-check
/**
 * @module lib/memo — `memo(Fn)`: a component that renders `Fn` only when one of its props
 * changed (shallow, by identity), like preact/compat's memo (not vendored). Signals `Fn` reads
 * still re-render it on their own.
 */
import { Component, h } from "../../vendor/preact.mjs";

/**
 * @template {Record<string, any>} P
 * @param {(props: P) => any} fn
 * @returns {(props: P) => any}
 */
export function memo(fn) {
  /** @extends {Component<P>} */
  class Memo extends Component {
    /** @param {P} next */
    shouldComponentUpdate(next) {
      const prev = /** @type {Record<string, any>} */ (this.props);
      for (const k in next) if (next[k] !== prev[k]) return true;
      for (const k in prev) if (!(k in next)) return true;
      return false;
    }

    /** @param {P} props */
    render(props) {
      return h(/** @type {any} */ (fn), props);
    }
  }
  return /** @type {any} */ (Memo);
}
