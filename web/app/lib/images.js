// @ts-check
/**
 * @module lib/images — which image URLs the page may show: the CSP (`img-src 'self' data:
 * blob:`) blocks other sites, so an icon or logo elsewhere shows as the initial instead of a
 * blocked request.
 */

/** The URL when this page may load it, else null. @param {string|null|undefined} url */
export function showableImage(url) {
  if (!url) return null;
  try {
    const u = new URL(url, location.href);
    if (u.protocol === "data:" || u.protocol === "blob:") return url;
    return u.origin === location.origin ? u.href : null;
  } catch {
    return null;
  }
}
