// @ts-check
/**
 * @module net/actions — what views ask for: history pages, optimistic sends with a nonce,
 * edits, deletes, reactions, typing (throttled) and read acks.
 */
import { api, errorText, isApiError } from "./api.js";
import { logs, setLog, updateLog, emptyLog, upsertMessage, me, markReadLocal, cmpId, readStates } from "./store.js";

/** @typedef {import("./types.js").Id} Id */
/** @typedef {import("./store.js").LocalMessage} LocalMessage */

const PAGE = 50;

/** Load the newest page of a channel (when it is not loaded yet). @param {Id} cid */
export async function loadLatest(cid) {
  const cur = logs.value.get(cid);
  if (cur && cur.atEnd && (cur.loading || cur.messages.some((m) => !m._state))) return;
  await fetchLatest(cid);
}

/** Fetch the newest page, keeping local pending or failed messages after it. @param {Id} cid */
async function fetchLatest(cid) {
  const pending = () => (logs.value.get(cid)?.messages || []).filter((m) => m._state);
  setLog(cid, { ...emptyLog(), messages: pending(), loading: true });
  try {
    /** @type {LocalMessage[]} */
    const page = await api("GET", `/channels/${cid}/messages?limit=${PAGE}`);
    setLog(cid, { messages: [...page.reverse(), ...pending()], atStart: page.length < PAGE, atEnd: true, loading: false, error: null });
  } catch (e) {
    setLog(cid, { ...emptyLog(), messages: pending(), error: errorText(e) });
  }
}

/** Load the page around one message (message links, reply jumps). @param {Id} cid @param {Id} mid */
export async function loadAround(cid, mid) {
  const cur = logs.value.get(cid);
  if (cur && cur.messages.some((m) => m.id === mid)) return;
  setLog(cid, { ...emptyLog(), loading: true, atEnd: false });
  try {
    /** @type {LocalMessage[]} */
    const page = await api("GET", `/channels/${cid}/messages?around=${mid}&limit=${PAGE}`);
    page.reverse();
    const newer = page.filter((m) => cmpId(m.id, mid) > 0).length;
    setLog(cid, { messages: page, atStart: page.length < PAGE && page.filter((m) => cmpId(m.id, mid) < 0).length < PAGE / 2, atEnd: newer < PAGE / 2 - 1, loading: false, error: null });
  } catch (e) {
    setLog(cid, { ...emptyLog(), error: errorText(e) });
  }
}

/** Older page. @param {Id} cid @returns {Promise<number>} how many were added */
export async function loadOlder(cid) {
  const cur = logs.value.get(cid);
  if (!cur || cur.loading || cur.atStart) return 0;
  const oldest = cur.messages.find((m) => !m._state);
  if (!oldest) return 0;
  updateLog(cid, (l) => ({ ...l, loading: true }));
  try {
    /** @type {LocalMessage[]} */
    const page = await api("GET", `/channels/${cid}/messages?before=${oldest.id}&limit=${PAGE}`);
    page.reverse();
    updateLog(cid, (l) => {
      let list = [...page, ...l.messages];
      let atEnd = l.atEnd;
      // Keep the DOM bounded: drop the far newer end while reading far back.
      if (list.length > 400) { list = list.slice(0, 300); atEnd = false; }
      return { ...l, messages: list, atStart: page.length < PAGE, atEnd, loading: false };
    });
    return page.length;
  } catch (e) {
    updateLog(cid, (l) => ({ ...l, loading: false, error: errorText(e) }));
    return 0;
  }
}

/** Newer page (after an around= jump). @param {Id} cid */
export async function loadNewer(cid) {
  const cur = logs.value.get(cid);
  if (!cur || cur.loading || cur.atEnd) return 0;
  const sent = cur.messages.filter((m) => !m._state);
  const newest = sent[sent.length - 1];
  if (!newest) return 0;
  updateLog(cid, (l) => ({ ...l, loading: true }));
  try {
    /** @type {LocalMessage[]} */
    const page = await api("GET", `/channels/${cid}/messages?after=${newest.id}&limit=${PAGE}`);
    page.reverse();
    updateLog(cid, (l) => {
      const have = new Set(l.messages.map((m) => m.id));
      let list = [...l.messages, ...page.filter((m) => !have.has(m.id))];
      let atStart = l.atStart;
      if (list.length > 400) { list = list.slice(list.length - 300); atStart = false; }
      return { ...l, messages: list, atEnd: page.length < PAGE, atStart, loading: false };
    });
    return page.length;
  } catch (e) {
    updateLog(cid, (l) => ({ ...l, loading: false, error: errorText(e) }));
    return 0;
  }
}

/** Drop the loaded window and load the newest page ("Jump to present"). @param {Id} cid */
export async function jumpToPresent(cid) {
  const cur = logs.value.get(cid);
  if (cur && cur.atEnd) return;
  await fetchLatest(cid);
}

/**
 * Post a pending message. A 429 (slowmode or rate limit) takes it out of the log and is
 * returned, so the composer can give the text back and say how long to wait; other
 * failures (and a 429 on a retry, when `giveBack` is false) leave it marked failed, with Retry.
 * @param {LocalMessage} m @param {boolean} giveBack @returns {Promise<import("./types.js").ApiError|null>}
 */
async function post(m, giveBack) {
  try {
    const body = /** @type {Record<string, unknown>} */ ({ content: m.content, nonce: m.nonce });
    if (m.reply_to) body.reply_to = m.reply_to;
    const saved = await api("POST", `/channels/${m.channel_id}/messages`, body);
    upsertMessage(saved);
    return null;
  } catch (e) {
    if (giveBack && isApiError(e) && e.status === 429) {
      updateLog(m.channel_id, (l) => ({ ...l, messages: l.messages.filter((x) => !(x._state && x.nonce === m.nonce)) }));
      return e;
    }
    updateLog(m.channel_id, (l) => ({
      ...l,
      messages: l.messages.map((x) => (x._state && x.nonce === m.nonce ? { ...x, _state: "failed", _error: errorText(e) } : x)),
    }));
    return null;
  }
}

/**
 * Send optimistically: shown at once greyed, replaced by the server's copy (by nonce).
 * Resolves to the 429 that refused it (the message is then gone from the log), else null.
 * @param {Id} cid @param {string} content @param {Id|null} replyTo
 */
export function sendMessage(cid, content, replyTo) {
  const user = me.value;
  if (!user) return Promise.resolve(null);
  const nonce = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2)).slice(0, 32);
  /** @type {LocalMessage} */
  const m = {
    id: "pending-" + nonce,
    channel_id: cid,
    author: { id: user.id, username: user.username, display_name: user.display_name },
    content,
    created_at: new Date().toISOString(),
    edited_at: null,
    reply_to: replyTo,
    mentions: [],
    reactions: [],
    nonce,
    _state: "sending",
  };
  if (!logs.value.get(cid)) setLog(cid, emptyLog());
  updateLog(cid, (l) => ({ ...l, messages: [...l.messages, m] }));
  return post(m, true);
}

/** Retry a failed message with the same nonce (never a duplicate). @param {LocalMessage} m */
export function retryMessage(m) {
  updateLog(m.channel_id, (l) => ({
    ...l,
    messages: l.messages.map((x) => (x.id === m.id ? { ...x, _state: "sending", _error: undefined } : x)),
  }));
  post({ ...m, _state: "sending" }, false);
}

/** Drop a failed message locally. @param {LocalMessage} m */
export function dropMessage(m) {
  updateLog(m.channel_id, (l) => ({ ...l, messages: l.messages.filter((x) => x.id !== m.id) }));
}

/** @param {Id} cid @param {Id} mid @param {string} content */
export async function editMessage(cid, mid, content) {
  const saved = await api("PATCH", `/channels/${cid}/messages/${mid}`, { content });
  updateLog(cid, (l) => ({ ...l, messages: l.messages.map((m) => (m.id === mid ? { ...m, ...saved } : m)) }));
}

/** @param {Id} cid @param {Id} mid */
export async function deleteMessage(cid, mid) {
  await api("DELETE", `/channels/${cid}/messages/${mid}`);
  updateLog(cid, (l) => ({ ...l, messages: l.messages.filter((m) => m.id !== mid) }));
}

/** Toggle my reaction (the gateway event updates the count). @param {Id} cid @param {Id} mid @param {string} emoji @param {boolean} on */
export async function react(cid, mid, emoji, on) {
  await api(on ? "PUT" : "DELETE", `/channels/${cid}/messages/${mid}/reactions/${encodeURIComponent(emoji)}/@me`);
}

/** @type {Map<Id, number>} */
const lastTyping = new Map();
/** Tell others I am typing, at most every 8 s per channel. @param {Id} cid */
export function sendTyping(cid) {
  const now = Date.now();
  if (now - (lastTyping.get(cid) || 0) < 8000) return;
  lastTyping.set(cid, now);
  api("POST", `/channels/${cid}/typing`).catch(() => {});
}
/** After a send, the next keystroke may announce again. @param {Id} cid */
export function resetTyping(cid) {
  lastTyping.delete(cid);
}

/** @type {Map<Id, Id>} */
const acked = new Map();
/** Mark read up to the newest loaded message. @param {Id} cid */
export function ack(cid) {
  const log = logs.value.get(cid);
  if (!log || !log.atEnd) return;
  const sent = log.messages.filter((m) => !m._state);
  const last = sent[sent.length - 1];
  const rs = readStates.value.get(cid);
  markReadLocal(cid, last ? last.id : null);
  if (!last || acked.get(cid) === last.id) return;
  if (rs && rs.last_read_id && cmpId(rs.last_read_id, last.id) >= 0 && rs.unread_count === 0) return;
  acked.set(cid, last.id);
  // At most one ack a second per channel (a busy channel would send one per message).
  if (ackTimers.has(cid)) return;
  ackTimers.set(cid, setTimeout(() => {
    ackTimers.delete(cid);
    const id = acked.get(cid);
    if (id) api("POST", `/channels/${cid}/ack`, { message_id: id }).catch(() => acked.delete(cid));
  }, ackSentAt.has(cid) && Date.now() - (ackSentAt.get(cid) || 0) < 1000 ? 1000 : 0));
  ackSentAt.set(cid, Date.now());
}

/** @type {Map<Id, ReturnType<typeof setTimeout>>} */
const ackTimers = new Map();
/** @type {Map<Id, number>} */
const ackSentAt = new Map();
