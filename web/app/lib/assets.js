// @ts-check
/** @module lib/assets — URLs of files under the same versioned prefix as this module (/assets/<build>/...). */

/** @param {string} path relative to web/, e.g. "icons/icon.svg" */
export function asset(path) {
  return new URL("../../" + path, import.meta.url).pathname;
}
