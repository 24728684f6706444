// @ts-check
/**
 * @module lib/markdown — a SAFE markdown subset rendered straight to Preact nodes (never
 * innerHTML): bold, italic, strike, inline code, code blocks, links (http/https only, new tab,
 * rel noopener noreferrer), block quotes, spoilers, mentions <@id>, role mentions <@&id>,
 * @everyone / @here, channel links <#id> and custom emoji <:name:id> (through the context).
 */
import { h } from "../../vendor/preact.mjs";
import { roleClass, roleStyle } from "./rolecolor.js";
import { useState } from "../../vendor/preact-hooks.mjs";

/**
 * @typedef {{
 *   userName: (id: string) => string,
 *   channelName: (id: string) => string|null,
 *   meId: string|null,
 *   openChannel: (id: string) => void,
 *   role?: (id: string) => {name: string, color: string|null, mine: boolean}|null,
 *   emoji?: (name: string, id: string) => any,
 * }} MdContext
 */

const INLINE = new RegExp(
  [
    "(`+)([\\s\\S]*?[^`])\\1(?!`)", // 1,2 inline code
    "\\*\\*([\\s\\S]+?)\\*\\*(?!\\*)", // 3 bold
    "~~([\\s\\S]+?)~~", // 4 strike
    "\\|\\|([\\s\\S]+?)\\|\\|", // 5 spoiler
    "\\*(?!\\s)([\\s\\S]*?[^\\s*])\\*", // 6 italic *
    "(?<![\\w])_(?!\\s)([\\s\\S]*?[^\\s_])_(?![\\w])", // 7 italic _
    "<@(\\d{1,20})>", // 8 user mention
    "<#(\\d{1,20})>", // 9 channel link
    "(https?:\\/\\/[^\\s<>]*[^\\s<>.,:;\"')\\]!?])", // 10 bare link
    "<@&(\\d{1,20})>", // 11 role mention
    "(?<![\\w@])@(everyone|here)(?![\\w])", // 12 @everyone / @here
    "<a?:([a-z0-9_]{2,32}):(\\d{1,20})>", // 13,14 custom emoji
  ].join("|"),
);

/** @param {{children: any}} p */
function Spoiler({ children }) {
  const [open, setOpen] = useState(false);
  return h(
    "span",
    {
      class: open ? "md-spoiler open" : "md-spoiler",
      role: open ? undefined : "button",
      tabIndex: open ? undefined : 0,
      "aria-label": open ? undefined : "Spoiler, press to reveal",
      onClick: () => setOpen(true),
      onKeyDown: (/** @type {KeyboardEvent} */ e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); setOpen(true); } },
    },
    children,
  );
}

/** Only http(s) URLs become links. @param {string} url */
export function safeUrl(url) {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

/**
 * @param {string} text @param {MdContext} ctx @param {number} depth
 * @returns {any[]}
 */
function inline(text, ctx, depth) {
  /** @type {any[]} */
  const out = [];
  let rest = text;
  let guard = 0;
  while (rest && guard++ < 2000) {
    const m = depth > 6 ? null : INLINE.exec(rest);
    if (!m) { out.push(rest); break; }
    if (m.index > 0) out.push(rest.slice(0, m.index));
    rest = rest.slice(m.index + m[0].length);
    if (m[2] !== undefined) out.push(h("code", { class: "md-code" }, m[2].replace(/^ (.*) $/, "$1")));
    else if (m[3] !== undefined) out.push(h("strong", null, inline(m[3], ctx, depth + 1)));
    else if (m[4] !== undefined) out.push(h("s", null, inline(m[4], ctx, depth + 1)));
    else if (m[5] !== undefined) out.push(h(Spoiler, null, inline(m[5], ctx, depth + 1)));
    else if (m[6] !== undefined) out.push(h("em", null, inline(m[6], ctx, depth + 1)));
    else if (m[7] !== undefined) out.push(h("em", null, inline(m[7], ctx, depth + 1)));
    else if (m[8] !== undefined) {
      const id = m[8];
      out.push(h("span", { class: id === ctx.meId ? "md-mention me" : "md-mention" }, "@" + ctx.userName(id)));
    } else if (m[9] !== undefined) {
      const id = m[9];
      const name = ctx.channelName(id);
      out.push(
        name === null
          ? h("span", { class: "md-mention" }, "#unknown-channel")
          : h("a", { class: "md-mention", href: `/channels/${id}`, onClick: (/** @type {MouseEvent} */ e) => { e.preventDefault(); ctx.openChannel(id); } }, "#" + name),
      );
    } else if (m[10] !== undefined) {
      const href = safeUrl(m[10]);
      out.push(href ? h("a", { href, target: "_blank", rel: "noopener noreferrer" }, m[10]) : m[10]);
    } else if (m[11] !== undefined) {
      const r = ctx.role ? ctx.role(m[11]) : null;
      out.push(r
        ? h("span", { class: (r.mine ? "md-mention role me " : "md-mention role ") + roleClass(r.color), style: roleStyle(r.color) }, "@" + r.name)
        : h("span", { class: "md-mention" }, "@deleted-role"));
    } else if (m[12] !== undefined) {
      out.push(h("span", { class: "md-mention" }, "@" + m[12]));
    } else if (m[13] !== undefined) {
      out.push(ctx.emoji ? ctx.emoji(m[13], m[14]) : `:${m[13]}:`);
    }
  }
  return out;
}

/**
 * Render message content to Preact nodes.
 * @param {string} src @param {MdContext} ctx
 * @returns {any[]}
 */
export function renderMarkdown(src, ctx) {
  /** @type {any[]} */
  const out = [];
  const parts = src.split(/```/);
  // Even parts are prose, odd parts are code blocks (an unclosed fence stays prose).
  const closed = parts.length % 2 === 1;
  parts.forEach((part, i) => {
    if (i % 2 === 1 && (closed || i < parts.length - 1)) {
      const nl = part.indexOf("\n");
      const lang = nl > 0 ? part.slice(0, nl).trim() : "";
      const body = nl >= 0 && /^[\w+-]*$/.test(lang) ? part.slice(nl + 1) : part;
      out.push(h("pre", { class: "md-pre" }, h("code", null, body.replace(/\n$/, ""))));
      return;
    }
    const prose = i % 2 === 1 ? "```" + part : part;
    // Block quotes: consecutive lines starting with "> ".
    const lines = prose.split("\n");
    /** @type {string[]} */
    let quote = [];
    /** @type {string[]} */
    let para = [];
    const flushPara = () => {
      if (para.length) out.push(...inline(para.join("\n"), ctx, 0));
      para = [];
    };
    const flushQuote = () => {
      if (quote.length) out.push(h("blockquote", { class: "md-quote" }, inline(quote.join("\n"), ctx, 0)));
      quote = [];
    };
    lines.forEach((line, li) => {
      const q = /^> ?(.*)$/.exec(line);
      if (q && line.startsWith(">")) {
        flushPara();
        quote.push(q[1]);
      } else {
        flushQuote();
        para.push(line + (li < lines.length - 1 ? "" : ""));
      }
    });
    flushPara();
    flushQuote();
  });
  // Trim the leading/trailing newline left next to code blocks.
  return out.map((n, i) => (typeof n === "string" ? n.replace(i > 0 && typeof out[i - 1] !== "string" ? /^\n/ : /$^/, "").replace(i < out.length - 1 && typeof out[i + 1] !== "string" ? /\n$/ : /$^/, "") : n));
}

/** One line of plain text for reply previews and notifications. @param {string} src */
export function plainPreview(src) {
  return src.replace(/```[\s\S]*?```/g, "[code]").replace(/<a?:([a-z0-9_]{2,32}):\d{1,20}>/g, ":$1:").replace(/\|\|[\s\S]*?\|\|/g, "[spoiler]").replace(/\s+/g, " ").trim();
}
