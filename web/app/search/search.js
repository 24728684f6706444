// @ts-check
/**
 * @module search/search — message search: the box in the channel header (Ctrl+F focuses
 * it) and the results panel (matches with their words marked from the server's ranges,
 * channel and author, pages; a result opens the message in context). User text is only
 * ever text nodes: the marks are built from `highlights`, never from HTML.
 */
import { html } from "../lib/html.js";
import { signal } from "../../vendor/signals.mjs";
import { useEffect, useRef, useState } from "../../vendor/preact-hooks.mjs";
import { api, errorText, isApiError } from "../net/api.js";
import { channels, members } from "../net/store.js";
import { fuzzyScore } from "../lib/fuzzy.js";
import { navigate } from "../router.js";
import { Icon } from "../ui/icons.js";
import { privateChannels, dmName } from "../dm/store.js";
import { shortTime, fullDate, dayLabel } from "../lib/time.js";

/** @typedef {import("../net/types.js").Message} Message */
/** @typedef {Message & {highlights: [number, number][]}} SearchHit */
/** @typedef {{total: number, messages: SearchHit[]}} SearchResults */
/**
 * @typedef {{status: "closed"} | {status: "loading", q: string, offset: number}
 *   | {status: "done", q: string, offset: number, total: number, hits: SearchHit[]}
 *   | {status: "error", q: string, offset: number, error: string}} SearchState
 */

/** Called when a search opens its panel (the pins panel closes itself). */
let onSearchOpen = () => {};
/** @param {() => void} f */
export function whenSearchOpens(f) { onSearchOpen = f; }

/** Results per page. */
const PAGE = 25;

/** What the panel shows. */
export const search = signal(/** @type {SearchState} */ ({ status: "closed" }));

let generation = 0;

/**
 * Runs a search (a newer one wins over an older still in flight).
 * @param {string} q @param {number} [offset]
 */
export async function runSearch(q, offset = 0) {
  const mine = ++generation;
  onSearchOpen();
  search.value = { status: "loading", q, offset };
  try {
    const r = /** @type {SearchResults} */ (await api("GET", `/search/messages?q=${encodeURIComponent(q)}&limit=${PAGE}&offset=${offset}`));
    if (mine !== generation) return;
    search.value = { status: "done", q, offset, total: r.total, hits: r.messages };
  } catch (e) {
    if (mine !== generation) return;
    // A refused query: the server's sentence about it, without the field names.
    const fields = isApiError(e) && e.fields ? Object.values(e.fields) : [];
    search.value = { status: "error", q, offset, error: fields.length ? fields.join(" ") : errorText(e) };
  }
}

export function closeSearch() {
  generation++;
  search.value = { status: "closed" };
}

const FILTERS = ["from:", "in:#", "has:", "mentions:", "before:", "after:", "pinned:true"];

/**
 * Completions for the last word of the query: filter names, then members for `from:` and
 * `mentions:`, channels for `in:`, kinds for `has:`.
 * @param {string} value @returns {string[]}
 */
export function filterSuggestions(value) {
  const word = /(\S*)$/.exec(value)?.[1] || "";
  if (!word) return [];
  /** @param {string} q @param {string[]} names @param {string} prefix */
  const best = (q, names, prefix) => names
    .map((n) => ({ n, s: fuzzyScore(q, n) }))
    .filter((x) => x.s >= 0)
    .sort((a, b) => b.s - a.s)
    .slice(0, 6)
    .map((x) => prefix + x.n);
  const m = /^(from|mentions|in|has):(.*)$/i.exec(word);
  if (m) {
    const key = m[1].toLowerCase();
    const q = m[2].replace(/^[@#]/, "");
    if (key === "in") return best(q, [...channels.value.values()].filter((c) => c.type !== "category").map((c) => c.name), "in:#");
    if (key === "has") return best(q, ["link", "attachment", "image"], "has:");
    return best(q, [...members.value.values()].map((x) => x.user.username), `${key}:`);
  }
  return FILTERS.filter((f) => f.startsWith(word.toLowerCase()) && f !== word);
}

/** The search box for the channel header. */
export function SearchBox() {
  const input = useRef(/** @type {HTMLInputElement|null} */ (null));
  const [sugg, setSugg] = useState(/** @type {string[]} */ ([]));
  const [active, setActive] = useState(0);
  /** @param {string} s */
  const apply = (s) => {
    const el = input.current;
    if (!el) return;
    const done = !s.endsWith(":") && !s.endsWith("#");
    el.value = el.value.replace(/\S*$/, s) + (done ? " " : "");
    el.focus();
    setSugg(filterSuggestions(el.value));
    setActive(0);
  };
  useEffect(() => {
    /** @param {KeyboardEvent} e */
    const onKey = (e) => {
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && e.key.toLowerCase() === "f") {
        e.preventDefault();
        input.current && input.current.focus();
        input.current && input.current.select();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  /** @param {KeyboardEvent} e */
  const onKeyDown = (e) => {
    const el = /** @type {HTMLInputElement} */ (e.currentTarget);
    if (sugg.length && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      setActive((active + (e.key === "ArrowDown" ? 1 : sugg.length - 1)) % sugg.length);
      return;
    }
    if (sugg.length && e.key === "Tab" && !e.shiftKey) {
      e.preventDefault();
      apply(sugg[active] || sugg[0]);
      return;
    }
    if (e.key === "Enter") {
      setSugg([]);
      e.preventDefault();
      const q = el.value.trim();
      if (q) runSearch(q);
    } else if (e.key === "Escape") {
      // First Escape clears (and closes the results), keeping the focus here; the next leaves.
      if (el.value || search.value.status !== "closed") { el.value = ""; closeSearch(); setSugg([]); }
      else el.blur();
    }
  };
  /** @param {InputEvent} e */
  const onInput = (e) => {
    setSugg(filterSuggestions(/** @type {HTMLInputElement} */ (e.currentTarget).value));
    setActive(0);
  };
  return html`<div class="search-box" role="search">
    <input ref=${input} type="search" aria-label="Search messages" placeholder="Search" title="Search messages (Ctrl+F); from:, in:#, has:link, mentions:, before:, after:, pinned:true"
      aria-autocomplete="list" aria-controls="search-filters" aria-expanded=${sugg.length ? "true" : "false"}
      onKeyDown=${onKeyDown} onInput=${onInput} onBlur=${() => setTimeout(() => setSugg([]), 150)} />
    <${Icon} name="search" size=${16} />
    ${sugg.length ? html`<ul id="search-filters" class="search-suggest" role="listbox" aria-label="Search filters">
      ${sugg.map((s, i) => html`<li key=${s} role="option" aria-selected=${i === active ? "true" : "false"}
        onMouseDown=${(/** @type {MouseEvent} */ e) => { e.preventDefault(); apply(s); }}>${s}</li>`)}
    </ul>` : null}
  </div>`;
}

/**
 * The content with the matched ranges in `<mark>` elements (text nodes only).
 * @param {{text: string, ranges: [number, number][]}} p
 */
export function Marked({ text, ranges }) {
  /** @type {any[]} */
  const out = [];
  let at = 0;
  for (const [a, b] of ranges) {
    if (a < at || b > text.length || a >= b) continue;
    if (a > at) out.push(text.slice(at, a));
    out.push(html`<mark>${text.slice(a, b)}</mark>`);
    at = b;
  }
  if (at < text.length) out.push(text.slice(at));
  return html`<span class="search-text">${out}</span>`;
}

/** @param {{hit: SearchHit}} p */
function Result({ hit }) {
  const ch = channels.value.get(hit.channel_id);
  // A direct message's hit names its people ("@alice"), a channel's its name ("#general").
  const dm = ch ? null : privateChannels.value.get(hit.channel_id);
  const where = ch ? ch.name : dm ? dmName(dm) : "unknown";
  const open = () => navigate(`/channels/${hit.channel_id}/${hit.id}`);
  return html`<li>
    <button class="search-hit" onClick=${open} aria-label=${`Jump to message by ${hit.author.display_name} in ${dm ? "@" : "#"}${where}`}>
      <span class="search-meta">
        <span class="search-channel">${dm ? html`<span aria-hidden="true">@</span>` : html`<${Icon} name="hash" size=${14} />`}${where}</span>
        <span class="search-author">${hit.author.display_name}</span>
        <time datetime=${hit.created_at} title=${fullDate(hit.created_at)}>${dayLabel(hit.created_at)} ${shortTime(hit.created_at)}</time>
      </span>
      <${Marked} text=${hit.content} ranges=${hit.highlights || []} />
    </button>
  </li>`;
}

/** The results panel (nothing while search is closed). */
export function SearchPanel() {
  const s = search.value;
  if (s.status === "closed") return null;
  const page = Math.floor(s.offset / PAGE) + 1;
  let body;
  if (s.status === "loading") {
    body = html`<div class="search-loading" aria-busy="true">
      <p class="muted">Searching…</p>
      ${[0, 1, 2].map((i) => html`<div key=${i} class="sk-line search-skeleton"></div>`)}
    </div>`;
  } else if (s.status === "error") {
    body = html`<div class="search-empty" role="alert">
      <p>${s.error}</p>
      <button class="btn" onClick=${() => runSearch(s.q, s.offset)}>Retry</button>
    </div>`;
  } else if (!s.hits.length) {
    body = html`<div class="search-empty"><p>No results for “${s.q}”</p><p class="muted">Try other words, or fewer filters.</p></div>`;
  } else {
    const more = s.offset + s.hits.length < s.total;
    body = html`
      <ol class="search-list" aria-label="Results">${s.hits.map((h) => html`<${Result} key=${h.id} hit=${h} />`)}</ol>
      <nav class="search-pages" aria-label="Result pages">
        <button class="btn" disabled=${s.offset === 0} onClick=${() => runSearch(s.q, Math.max(0, s.offset - PAGE))}>Previous</button>
        <span class="muted">Page ${page}</span>
        <button class="btn" disabled=${!more} onClick=${() => runSearch(s.q, s.offset + PAGE)}>Next</button>
      </nav>`;
  }
  const count = s.status === "done" ? `${s.total >= 10000 ? "10,000+" : s.total.toLocaleString()} ${s.total === 1 ? "result" : "results"}` : "Search";
  // Closed from the keyboard (Escape in the panel, or its button by Enter / Space): the focus
  // goes back to the search box that opened it. A tap does not (it would raise a phone's keyboard).
  const closeToBox = () => {
    closeSearch();
    /** @type {HTMLInputElement|null} */ (document.querySelector(".search-box input"))?.focus();
  };
  return html`<aside class="search-panel" aria-label="Search results"
    onKeyDown=${(/** @type {KeyboardEvent} */ e) => { if (e.key === "Escape" && !e.defaultPrevented) { e.preventDefault(); closeToBox(); } }}>
    <header class="search-head">
      <h2>${count}</h2>
      <button class="icon-btn" aria-label="Close search" title="Close search"
        onClick=${(/** @type {MouseEvent} */ e) => { if (e.detail === 0) closeToBox(); else closeSearch(); }}><${Icon} name="x" /></button>
    </header>
    ${body}
  </aside>`;
}
