// @ts-check
/** @module lib/fuzzy — subsequence matching with a score (prefix and word starts win). */

/**
 * Score how well `query` matches `text`; -1 when it does not.
 * @param {string} query @param {string} text
 */
export function fuzzyScore(query, text) {
  const q = query.toLowerCase();
  const t = text.toLowerCase();
  if (!q) return 0;
  if (t.startsWith(q)) return 1000 - t.length;
  const at = t.indexOf(q);
  if (at >= 0) return 500 - at - t.length;
  let score = 0;
  let ti = 0;
  let last = -2;
  for (const ch of q) {
    const i = t.indexOf(ch, ti);
    if (i < 0) return -1;
    score += i === last + 1 ? 5 : 1;
    if (i === 0 || /[\s_\-.]/.test(t[i - 1])) score += 3;
    last = i;
    ti = i + 1;
  }
  return score - t.length / 10;
}

/**
 * Items matching `query`, best first.
 * @template T @param {string} query @param {T[]} items @param {(t: T) => string} key @param {number} [limit]
 * @returns {T[]}
 */
export function fuzzyFilter(query, items, key, limit = 20) {
  return items
    .map((it) => ({ it, s: fuzzyScore(query, key(it)) }))
    .filter((x) => x.s >= 0)
    .sort((a, b) => b.s - a.s)
    .slice(0, limit)
    .map((x) => x.it);
}
