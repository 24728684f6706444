// @ts-check
/**
 * @module dm/store — direct messages in the store: my conversations, whom I blocked and my
 * `allow_dms` setting, fed by `ready` and `PRIVATE_CHANNEL_CREATE`; and the REST actions
 * that change them (open a DM or group, block, unblock, the setting).
 */
import { signal, computed } from "../../vendor/signals.mjs";
import { api } from "../net/api.js";
import { me, cmpId } from "../net/store.js";

/** @typedef {import("../net/types.js").Id} Id */
/** @typedef {import("../net/types.js").User} User */
/**
 * @typedef {{id: Id, type: "dm"|"group_dm", recipients: User[], owner_id: Id,
 *   last_message_id: Id|null, open: boolean}} PrivateChannel
 */

/** My conversations by id. */
export const privateChannels = signal(/** @type {Map<Id, PrivateChannel>} */ (new Map()));
/** Users I blocked. */
export const blocked = signal(/** @type {Set<Id>} */ (new Set()));
/** My `allow_dms` setting. */
export const allowDms = signal(true);

/** Conversations, the most recently active first. */
export const dmList = computed(() =>
  [...privateChannels.value.values()].sort((a, b) => cmpId(b.last_message_id || b.id, a.last_message_id || a.id)),
);

/** What a DM is called: its other people's names. @param {PrivateChannel} d */
export function dmName(d) {
  const names = d.recipients.map((u) => u.display_name || u.username);
  return names.length ? names.join(", ") : "Nobody";
}

/** Permissions inside a DM (roles do not apply there). */
const DM_PERMS = ["channels:view", "messages:send", "messages:read_history", "reactions:add"];

/** The `can` of a DM view. @param {PrivateChannel} d @returns {(p: string) => boolean} */
export function dmCan(d) {
  return (p) => DM_PERMS.includes(p) && (p !== "messages:send" || d.open);
}

/** @param {any} d the `ready` payload */
export function applyDmReady(d) {
  privateChannels.value = new Map((d.private_channels || []).map((/** @type {PrivateChannel} */ c) => [c.id, c]));
  applyDmSettings(d);
}

/** My block list and DM setting, from `ready` or `USER_SETTINGS_UPDATE` (another of my
 * sessions changed them). @param {any} d */
export function applyDmSettings(d) {
  blocked.value = new Set(d.blocked_user_ids || []);
  allowDms.value = d.user_settings ? d.user_settings.allow_dms !== false : true;
}

/** @param {PrivateChannel} c */
function put(c) {
  const next = new Map(privateChannels.value);
  next.set(c.id, c);
  privateChannels.value = next;
}

/** @param {string} t @param {any} d */
export function applyDmDispatch(t, d) {
  if (t === "PRIVATE_CHANNEL_CREATE") put(d);
  else if (t === "MEMBER_REMOVE" || t === "MEMBER_ADD") {
    // A DM closes when its other person leaves the server and opens when they come back (a
    // group stays open while anyone else is in it: the next `ready` says).
    const who = t === "MEMBER_REMOVE" ? d.id : d.user.id;
    for (const c of privateChannels.value.values()) {
      if (!c.recipients.some((u) => u.id === who)) continue;
      if (t === "MEMBER_ADD" && !c.open) put({ ...c, open: true });
      else if (t === "MEMBER_REMOVE" && c.type === "dm" && c.open) put({ ...c, open: false });
    }
  } else if (t === "MESSAGE_CREATE") {
    const c = privateChannels.value.get(d.channel_id);
    if (c && (!c.last_message_id || cmpId(d.id, c.last_message_id) > 0)) put({ ...c, last_message_id: d.id });
  }
}

/** Opens (or finds) the DM with these users; answers it. @param {Id[]} recipients */
export async function openDm(recipients) {
  /** @type {PrivateChannel} */
  const c = await api("POST", "/users/@me/channels", { recipients });
  put(c);
  return c;
}

/** @param {Id} id */
export async function block(id) {
  await api("PUT", `/users/@me/blocks/${id}`);
  blocked.value = new Set([...blocked.value, id]);
}

/** @param {Id} id */
export async function unblock(id) {
  await api("DELETE", `/users/@me/blocks/${id}`);
  const next = new Set(blocked.value);
  next.delete(id);
  blocked.value = next;
}

/** @param {boolean} v */
export async function setAllowDms(v) {
  const s = await api("PATCH", "/users/@me/settings", { allow_dms: v });
  allowDms.value = s.allow_dms;
}

/**
 * "@" before a direct message's name, "#" before a channel's.
 * @param {{type: string}} channel
 */
export function mark(channel) {
  return channel.type === "dm" || channel.type === "group_dm" ? "@" : "#";
}

/** Whether a message's author is someone I blocked (never myself). @param {Id} author */
export function isBlocked(author) {
  return blocked.value.has(author) && !(me.value && me.value.id === author);
}
