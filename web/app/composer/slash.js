// @ts-check
/**
 * @module composer/slash — plugin slash commands in the composer: the command list
 * (`GET /commands`, fetched when first needed and again after each `ready`), suggestions as
 * `/name` is typed, the chosen command's option hints, parsing `name:value` pairs (quotes
 * allowed), running it (`POST /channels/{id}/interactions`) with errors in words, and the
 * "<plugin> is thinking…" row of a deferred command until its bot's message arrives.
 */
import { html } from "../lib/html.js";
import { signal } from "../../vendor/signals.mjs";
import { api, isApiError, errorText } from "../net/api.js";
import { logs, readyGen, cmpId } from "../net/store.js";

/**
 * @typedef {{name: string, description: string, type: string, required?: boolean}} CommandOption
 * @typedef {{plugin_id: string, plugin_name: string, bot_id: string, name: string,
 *   description: string, options: CommandOption[]}} AvailableCommand
 * @typedef {{label: string, detail?: string, insert: string, key: string}} Suggestion
 * @typedef {{id: string, cid: string, plugin: string, botId: string, until: number}} Thinking
 */

/** The installed commands (empty until loaded). */
export const commands = signal(/** @type {AvailableCommand[]} */ ([]));
/** Deferred commands still waiting for their bot's answer. */
export const thinking = signal(/** @type {Thinking[]} */ ([]));
/** How long a deferred command may take (the follow-up token's life). */
const THINKING_MS = 15 * 60 * 1000;

/** The `readyGen` the list was loaded at (-1: never). */
let loadedAt = -1;
/** @type {Promise<void>|null} */
let loading = null;

/** True when the list was loaded (or tried) since the last `ready`. */
export function commandsLoaded() {
  return loadedAt === readyGen.value && !loading;
}

/** Loads the command list once per `ready` (a failed load leaves it empty until the next). */
export function loadCommands() {
  if (loadedAt === readyGen.value) return loading || Promise.resolve();
  loadedAt = readyGen.value;
  loading = api("GET", "/commands")
    .then((/** @type {{commands: AvailableCommand[]}} */ r) => { commands.value = (r && r.commands) || []; })
    .catch(() => { commands.value = []; })
    .finally(() => { loading = null; });
  return loading;
}

/** True when the text is a slash command (`/name` then a space or the end). @param {string} text */
export function isSlashCommand(text) {
  return /^\/[a-z0-9_-]+(\s|$)/.test(text);
}

/** `/name rest` at the start of the text, or null. @param {string} text */
export function slashOf(text) {
  const m = /^\/([a-z0-9_-]*)(?:(\s)([\s\S]*))?$/.exec(text);
  if (!m) return null;
  return { name: m[1], done: !!m[2], rest: m[3] || "" };
}

/** @param {string} name */
export function findCommand(name) {
  return commands.value.find((c) => c.name === name);
}

/**
 * Suggestions for the text before the caret: commands while `/name` is typed, then the
 * command's options not given yet while an option name is typed (or, before one is typed,
 * while a required option is missing, so Enter on a complete command sends it).
 * @param {string} before the text up to the caret
 * @returns {null|{start: number, title: string, list: Suggestion[]}}
 */
export function slashSuggest(before) {
  const s = slashOf(before);
  if (!s) return null;
  if (!s.done) {
    const q = s.name;
    const list = commands.value
      .filter((c) => c.name.startsWith(q) || (q.length > 1 && c.name.includes(q)))
      .sort((a, b) => Number(!a.name.startsWith(q)) - Number(!b.name.startsWith(q)) || a.name.localeCompare(b.name))
      .slice(0, 10)
      .map((c) => ({ key: c.plugin_id + "/" + c.name, label: "/" + c.name, detail: `${c.description} · ${c.plugin_name}`, insert: `/${c.name} ` }));
    return { start: 0, title: "Commands", list };
  }
  const cmd = findCommand(s.name);
  if (!cmd) return null;
  // The word being typed, when it is not a value (no colon yet) and not inside quotes.
  const word = /(^|\s)([a-z0-9_-]*)$/.exec(before);
  if (!word || (before.split('"').length - 1) % 2 === 1) return null;
  const given = parseOptions(s.rest).given;
  const q = word[2];
  const open = cmd.options.filter((o) => !given.includes(o.name));
  if (!q && !open.some((o) => o.required)) return null;
  const list = open
    .filter((o) => o.name.startsWith(q))
    .map((o) => ({ key: o.name, label: o.name + ":", detail: `${o.required ? "required" : "optional"} ${o.type} · ${o.description}`, insert: o.name + ":" }));
  return { start: before.length - q.length, title: `Options of /${cmd.name}`, list };
}

/**
 * `name:value` pairs; a value may be quoted ("two words"). Text that is not a pair is
 * returned as `stray`.
 * @param {string} rest
 * @returns {{pairs: Record<string, string>, given: string[], stray: string[]}}
 */
export function parseOptions(rest) {
  /** @type {Record<string, string>} */
  const pairs = {};
  /** @type {string[]} */
  const stray = [];
  const re = /\s*(?:([a-z0-9_-]+):(?:"((?:[^"\\]|\\.)*)"?|(\S*))|(\S+))/gy;
  let m;
  while ((m = re.exec(rest)) && m[0]) {
    if (m[1] !== undefined) pairs[m[1]] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3] || "";
    else if (m[4]) stray.push(m[4]);
  }
  return { pairs, given: Object.keys(pairs), stray };
}

/**
 * The options of `cmd` from `rest`, typed as the manifest says, or words saying what is wrong.
 * @param {AvailableCommand} cmd @param {string} rest
 * @returns {{options: Record<string, unknown>}|{error: string}}
 */
export function buildOptions(cmd, rest) {
  const { pairs, stray } = parseOptions(rest);
  const first = cmd.options.find((o) => o.type === "string") || cmd.options[0];
  // `/echo hello there` with one string option: the whole text is that option.
  if (stray.length && !Object.keys(pairs).length && cmd.options.length === 1 && first && first.type === "string") {
    pairs[first.name] = rest.trim();
  } else if (stray.length) {
    return { error: `/${cmd.name} does not understand "${stray[0]}": give options as name:value.` };
  }
  /** @type {Record<string, unknown>} */
  const options = {};
  for (const [name, raw] of Object.entries(pairs)) {
    const o = cmd.options.find((x) => x.name === name);
    if (!o) return { error: `/${cmd.name} has no option ${name}:.` };
    if (o.type === "integer") {
      if (!/^-?\d+$/.test(raw)) return { error: `${name}: must be a whole number.` };
      options[name] = Number(raw);
    } else if (o.type === "boolean") {
      if (!/^(true|false)$/i.test(raw)) return { error: `${name}: must be true or false.` };
      options[name] = raw.toLowerCase() === "true";
    } else if (o.type === "user" || o.type === "channel") {
      const id = /^<[@#]!?(\d+)>$/.exec(raw);
      options[name] = id ? id[1] : raw;
    } else options[name] = raw;
  }
  const missing = cmd.options.filter((o) => o.required && (options[o.name] === undefined || options[o.name] === ""));
  if (missing.length) return { error: `Missing option ${missing.map((o) => o.name + ":").join(", ")} (required by /${cmd.name}).` };
  return { options };
}

/**
 * Runs `/command …` in a channel. Resolves to words for the composer when it failed, else null.
 * @param {string} cid @param {string} text
 * @returns {Promise<string|null>}
 */
export async function runSlash(cid, text) {
  await loadCommands();
  const s = slashOf(text.trim());
  if (!s) return "Not a command.";
  const cmd = findCommand(s.name);
  if (!cmd) return `Unknown command /${s.name}.`;
  const built = buildOptions(cmd, s.rest);
  if ("error" in built) return built.error;
  try {
    const r = await api("POST", `/channels/${cid}/interactions`, { command: cmd.name, options: built.options });
    if (r && r.status === "deferred") {
      thinking.value = [...thinking.value, { id: r.id, cid, plugin: cmd.plugin_name, botId: cmd.bot_id, until: Date.now() + THINKING_MS }];
      setTimeout(() => { thinking.value = thinking.value.filter((t) => t.id !== r.id); }, THINKING_MS);
    }
    return null;
  } catch (e) {
    if (!isApiError(e)) return errorText(e);
    if (e.code === "unknown_command") return `Unknown command /${s.name}.`;
    if (e.code === "plugin_unavailable") return `${cmd.plugin_name} is not answering right now (plugin unavailable). Try again later.`;
    if (e.code === "invalid_options") return `/${cmd.name}: ${errorText(e)}`;
    return errorText(e);
  }
}

/** The option hints of the command being typed. @param {{text: string}} p */
export function SlashHints({ text }) {
  const s = slashOf(text);
  const cmd = s && s.done ? findCommand(s.name) : null;
  if (!s || !cmd) return null;
  const given = parseOptions(s.rest).given;
  return html`<div class="slash-hints" role="status" aria-label=${`Options of /${cmd.name}`}>
    <span class="slash-hint-cmd">/${cmd.name}</span>
    ${cmd.options.length ? cmd.options.map((o) => html`<span key=${o.name} class=${"slash-hint" + (given.includes(o.name) ? " given" : "") + (o.required ? " required" : "")}
      title=${o.description}>${o.name}:<span class="muted small"> ${o.required ? "required" : "optional"} ${o.type}</span></span>`)
      : html`<span class="muted small">no options</span>`}
    <span class="muted small slash-hint-by">${cmd.plugin_name}</span>
  </div>`;
}

/** "<plugin> is thinking…" for this channel's deferred commands whose answer has not come. @param {{channelId: string}} p */
export function ThinkingRows({ channelId }) {
  const log = logs.value.get(channelId);
  const now = Date.now();
  const waiting = thinking.value.filter((t) => t.cid === channelId && t.until > now
    && !(log && log.messages.some((m) => m.author.id === t.botId && cmpId(m.id, t.id) > 0)));
  if (!waiting.length) return null;
  return html`<div class="slash-thinking" role="status" aria-live="polite">
    ${waiting.map((t) => html`<div key=${t.id} class="slash-thinking-row"><span class="typing-dots" aria-hidden="true"><i></i><i></i><i></i></span> ${t.plugin} is thinking…</div>`)}
  </div>`;
}
