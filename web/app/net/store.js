// @ts-check
/**
 * @module net/store — one store of signals fed by gateway dispatches (the same events the
 * terminal client's reducer handles). Views derive from it; actions live in net/actions.js.
 */
import { signal, computed, batch } from "../../vendor/signals.mjs";

/** @typedef {import("./types.js").Id} Id */
/** @typedef {import("./types.js").Message} Message */
/** @typedef {import("./types.js").Channel} Channel */
/** @typedef {import("./types.js").Member} Member */
/** @typedef {import("./types.js").Role} Role */
/** @typedef {import("./types.js").VoiceState} VoiceState */
/** @typedef {import("./types.js").ReadState} ReadState */
/** @typedef {import("./types.js").User} User */
/** @typedef {import("./types.js").UserRef} UserRef */
/** @typedef {import("./types.js").ServerInfo} ServerInfo */

/** @typedef {Message & {_state?: "sending"|"failed", _error?: string}} LocalMessage */
/**
 * @typedef {{messages: LocalMessage[], atStart: boolean, atEnd: boolean, loading: boolean,
 *   error: string|null}} Log
 */

export const me = signal(/** @type {User|null} */ (null));
export const server = signal(/** @type {ServerInfo|null} */ (null));
export const channels = signal(/** @type {Map<Id, Channel>} */ (new Map()));
export const roles = signal(/** @type {Map<Id, Role>} */ (new Map()));
export const members = signal(/** @type {Map<Id, Member>} */ (new Map()));
export const memberCount = signal(0);
/**
 * Large-server mode (`ready.large`): `members` holds only the members this session watches
 * (`watch_members`: the member list's visible range, me, the authors on screen).
 */
export const largeServer = signal(false);
export const voiceStates = signal(/** @type {Map<Id, VoiceState>} */ (new Map()));
export const readStates = signal(/** @type {Map<Id, ReadState>} */ (new Map()));
export const speaking = signal(/** @type {Set<Id>} */ (new Set()));
/** channel id → (user id → expiry ms) */
export const typing = signal(/** @type {Map<Id, Map<Id, number>>} */ (new Map()));
export const logs = signal(/** @type {Map<Id, Log>} */ (new Map()));
export const currentChannelId = signal(/** @type {Id|null} */ (null));
export const isReady = signal(false);
/** Bumped by every `ready` (views reload what they show). */
export const readyGen = signal(0);
/** Set when I was kicked or banned: the dialog reads it. */
export const removed = signal(/** @type {null|{banned: boolean, message: string}} */ (null));
/** Last read id per channel captured when the channel was opened (the "New messages" divider). */
export const dividerAt = signal(/** @type {Map<Id, Id>} */ (new Map()));
/** Users seen anywhere (messages, members): id → UserRef. */
const userCache = new Map();

/** Compare two decimal snowflakes. @param {Id} a @param {Id} b */
export function cmpId(a, b) {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/** @returns {Log} */
export function emptyLog() {
  return { messages: [], atStart: false, atEnd: true, loading: false, error: null };
}

/** @param {Id} cid @param {(l: Log) => Log} f */
export function updateLog(cid, f) {
  const cur = logs.value.get(cid);
  if (!cur) return;
  const next = new Map(logs.value);
  next.set(cid, f(cur));
  logs.value = next;
}

/** @param {Id} cid @param {Log} log */
export function setLog(cid, log) {
  const next = new Map(logs.value);
  next.set(cid, log);
  logs.value = next;
}

/** @param {Id} id @returns {string} */
export function displayName(id) {
  const m = members.value.get(id);
  if (m) return m.nick || m.user.display_name || m.user.username;
  const u = userCache.get(id);
  return u ? u.display_name || u.username : "Unknown user";
}

/** @param {Id} id @returns {UserRef|undefined} */
export function userRef(id) {
  const m = members.value.get(id);
  return m ? m.user : userCache.get(id);
}

/** The colour of a member's highest coloured role. @param {Id} uid */
export function roleColor(uid) {
  const m = members.value.get(uid);
  if (!m) return null;
  let best = null;
  for (const rid of m.roles) {
    const r = roles.value.get(rid);
    if (r && r.color && (!best || r.position > best.position)) best = r;
  }
  return best ? best.color : null;
}

/** Sorted channel list. */
export const channelList = computed(() =>
  [...channels.value.values()].sort((a, b) => a.position - b.position || cmpId(a.id, b.id)),
);

/** Text+voice channels in sidebar order (categories' children after them). */
export const navOrder = computed(() => {
  const list = channelList.value;
  const cats = list.filter((c) => c.type === "category");
  /** @type {Channel[]} */
  const out = list.filter((c) => c.type !== "category" && !c.parent_id);
  for (const cat of cats) out.push(...list.filter((c) => c.parent_id === cat.id && c.type !== "category"));
  // Orphans whose parent is unknown go last.
  for (const c of list) if (c.type !== "category" && c.parent_id && !channels.value.has(c.parent_id)) out.push(c);
  return out;
});

/** @param {import("./types.js").Ready} d */
export function applyReady(d) {
  batch(() => {
    me.value = d.user;
    server.value = d.server;
    channels.value = new Map(d.channels.map((c) => [c.id, c]));
    roles.value = new Map(d.roles.map((r) => [r.id, r]));
    for (const m of d.members) userCache.set(m.user.id, m.user);
    members.value = new Map(d.members.map((m) => [m.user.id, m]));
    memberCount.value = d.member_count;
    largeServer.value = !!d.large;
    voiceStates.value = new Map(d.voice_states.filter((v) => v.channel_id).map((v) => [v.user_id, v]));
    readStates.value = new Map(d.read_states.map((r) => [r.channel_id, r]));
    speaking.value = new Set();
    typing.value = new Map();
    // A fresh ready means we may have missed anything: drop cached history (views reload it),
    // but keep my pending and failed messages so they can still be retried.
    /** @type {Map<Id, Log>} */
    const kept = new Map();
    for (const [cid, log] of logs.value) {
      const local = log.messages.filter((m) => m._state);
      if (local.length) kept.set(cid, { ...emptyLog(), messages: local });
    }
    logs.value = kept;
    isReady.value = true;
    readyGen.value++;
  });
}

/** @template K, V @param {Map<K, V>} m @param {K} k @param {V} v */
function withSet(m, k, v) {
  const n = new Map(m);
  n.set(k, v);
  return n;
}
/** @template K, V @param {Map<K, V>} m @param {K} k */
function without(m, k) {
  const n = new Map(m);
  n.delete(k);
  return n;
}

/**
 * Put a message into its channel's log: replaces the same id, or the pending one with the same
 * nonce (the HTTP answer and the gateway echo never duplicate it).
 * @param {LocalMessage} msg
 * @returns {boolean} true when it was new to the log
 */
export function upsertMessage(msg) {
  userCache.set(msg.author.id, msg.author);
  const log = logs.value.get(msg.channel_id);
  if (!log) return true;
  const list = log.messages;
  let i = list.findIndex((m) => m.id === msg.id);
  if (i < 0 && msg.nonce) i = list.findIndex((m) => m._state && m.nonce === msg.nonce);
  if (i >= 0) {
    const next = list.slice();
    const merged = { ...msg };
    delete merged._state;
    // A link preview's MESSAGE_UPDATE may beat the post's HTTP answer (which has none yet).
    const had = list[i];
    if (!had._state && had.embeds?.length && !msg.embeds?.length && !msg.suppress_embeds && had.edited_at === msg.edited_at) merged.embeds = had.embeds;
    next.splice(i, 1);
    insertSorted(next, merged);
    updateLog(msg.channel_id, (l) => ({ ...l, messages: next }));
    return false;
  }
  if (!log.atEnd) return true;
  const next = list.slice();
  insertSorted(next, msg);
  // Keep the DOM bounded while following the live end.
  const trimmed = next.length > 600 ? next.slice(next.length - 400) : next;
  updateLog(msg.channel_id, (l) => ({ ...l, messages: trimmed, atStart: trimmed === next ? l.atStart : false }));
  return true;
}

/** Sorted by id, pending ones last. @param {LocalMessage[]} list @param {LocalMessage} msg */
function insertSorted(list, msg) {
  if (msg._state) { list.push(msg); return; }
  let i = list.length;
  while (i > 0 && (list[i - 1]._state || cmpId(list[i - 1].id, msg.id) > 0)) i--;
  list.splice(i, 0, msg);
}

/** @param {import("./types.js").ReactionEvent} e @param {number} delta */
function applyReaction(e, delta) {
  const mine = me.value && e.user_id === me.value.id;
  updateLog(e.channel_id, (l) => ({
    ...l,
    messages: l.messages.map((m) => {
      if (m.id !== e.message_id) return m;
      const rs = m.reactions.slice();
      const i = rs.findIndex((r) => r.emoji === e.emoji);
      if (i < 0) {
        if (delta > 0) rs.push({ emoji: e.emoji, count: 1, me: !!mine });
      } else {
        const r = rs[i];
        const count = r.count + delta;
        if (count <= 0) rs.splice(i, 1);
        else rs[i] = { ...r, count, me: mine ? delta > 0 : r.me };
      }
      return { ...m, reactions: rs };
    }),
  }));
}

/** Listeners for new messages from others (notifications, unread). @type {((m: Message) => void)[]} */
export const onIncoming = [];

/** @param {string} t @param {any} d */
export function applyDispatch(t, d) {
  switch (t) {
    case "MESSAGE_CREATE": {
      const fresh = upsertMessage(d);
      if (fresh && me.value && d.author.id !== me.value.id) {
        const rs = readStates.value.get(d.channel_id) || { channel_id: d.channel_id, last_read_id: null, unread_count: 0, mention_count: 0 };
        const mention = d.mentions.includes(me.value.id);
        readStates.value = withSet(readStates.value, d.channel_id, {
          ...rs,
          unread_count: rs.unread_count + 1,
          mention_count: rs.mention_count + (mention ? 1 : 0),
        });
        for (const f of onIncoming) f(d);
      }
      // A message ends its author's typing.
      const tm = typing.value.get(d.channel_id);
      if (tm && tm.has(d.author.id)) typing.value = withSet(typing.value, d.channel_id, without(tm, d.author.id));
      return;
    }
    case "MESSAGE_UPDATE":
      updateLog(d.channel_id, (l) => ({ ...l, messages: l.messages.map((m) => (m.id === d.id ? { ...m, ...d } : m)) }));
      return;
    case "MESSAGE_DELETE":
      updateLog(d.channel_id, (l) => ({ ...l, messages: l.messages.filter((m) => m.id !== d.id) }));
      return;
    case "REACTION_ADD":
      applyReaction(d, 1);
      return;
    case "REACTION_REMOVE":
      applyReaction(d, -1);
      return;
    case "TYPING_START": {
      if (me.value && d.user_id === me.value.id) return;
      const tm = new Map(typing.value.get(d.channel_id) || []);
      tm.set(d.user_id, Date.now() + 10_000);
      typing.value = withSet(typing.value, d.channel_id, tm);
      return;
    }
    case "PRESENCE_UPDATE": {
      const m = members.value.get(d.user_id);
      if (m) members.value = withSet(members.value, d.user_id, { ...m, presence: d.status });
      return;
    }
    case "CHANNEL_CREATE":
    case "CHANNEL_UPDATE":
      channels.value = withSet(channels.value, d.id, d);
      return;
    case "CHANNEL_DELETE":
      channels.value = without(channels.value, d.id);
      return;
    case "ROLE_CREATE":
    case "ROLE_UPDATE":
      roles.value = withSet(roles.value, d.id, d);
      return;
    case "ROLE_DELETE":
      roles.value = without(roles.value, d.id);
      return;
    case "MEMBER_ADD":
    case "MEMBER_UPDATE":
      userCache.set(d.user.id, d.user);
      if (t === "MEMBER_ADD" && !members.value.has(d.user.id)) memberCount.value++;
      members.value = withSet(members.value, d.user.id, d);
      if (me.value && d.user.id === me.value.id) me.value = { ...me.value, ...d.user };
      return;
    case "MEMBER_REMOVE":
      if (members.value.has(d.id)) memberCount.value = Math.max(0, memberCount.value - 1);
      members.value = without(members.value, d.id);
      if (me.value && d.id === me.value.id && !removed.value) removed.value = { banned: false, message: "" };
      return;
    case "SERVER_UPDATE":
      server.value = { ...(server.value || {}), ...d };
      return;
    case "VOICE_STATE_UPDATE":
      voiceStates.value = d.channel_id ? withSet(voiceStates.value, d.user_id, d) : without(voiceStates.value, d.user_id);
      if (!d.channel_id && speaking.value.has(d.user_id)) {
        const s = new Set(speaking.value);
        s.delete(d.user_id);
        speaking.value = s;
      }
      return;
    case "SPEAKING": {
      const s = new Set(speaking.value);
      if (d.speaking) s.add(d.user_id);
      else s.delete(d.user_id);
      speaking.value = s;
      return;
    }
    default:
  }
}

/** Mark a channel read locally. @param {Id} cid @param {Id|null} lastId */
export function markReadLocal(cid, lastId) {
  // A channel never read before has no read state yet: start one, so the next unread
  // message has a position to put the "New messages" divider at.
  const rs = readStates.value.get(cid) || { channel_id: cid, last_read_id: null, unread_count: 0, mention_count: 0 };
  if (rs.unread_count === 0 && rs.mention_count === 0 && (!lastId || rs.last_read_id === lastId)) return;
  readStates.value = withSet(readStates.value, cid, { ...rs, unread_count: 0, mention_count: 0, last_read_id: lastId || rs.last_read_id });
}

/** Drop expired typing entries (called every second). */
export function sweepTyping() {
  const now = Date.now();
  let changed = false;
  const next = new Map();
  for (const [cid, tm] of typing.value) {
    const keep = new Map([...tm].filter(([, exp]) => exp > now));
    if (keep.size !== tm.size) changed = true;
    if (keep.size) next.set(cid, keep);
  }
  if (changed) typing.value = next;
}

/** Reset everything (logout). */
/**
 * A `members_chunk` (large servers): the watched members, with presence now, replace the
 * members known so far. @param {import("./types.js").MembersChunk} d
 */
export function applyMembersChunk(d) {
  batch(() => {
    for (const m of d.members) userCache.set(m.user.id, m.user);
    members.value = new Map(d.members.map((m) => [m.user.id, m]));
    memberCount.value = d.member_count;
  });
}

export function resetStore() {
  batch(() => {
    me.value = null;
    channels.value = new Map();
    members.value = new Map();
    roles.value = new Map();
    voiceStates.value = new Map();
    readStates.value = new Map();
    logs.value = new Map();
    isReady.value = false;
    currentChannelId.value = null;
  });
}
