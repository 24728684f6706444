// @ts-check
/**
 * @module lib/perms — my effective permissions in a channel, computed as docs/api.md describes.
 * The server stays the judge; this only decides which buttons to show.
 */

/** @typedef {import("../net/types.js").Role} Role */
/** @typedef {import("../net/types.js").Member} Member */
/** @typedef {import("../net/types.js").Channel} Channel */

/**
 * @param {{owner: boolean, member: Member|undefined, roles: Map<string, Role>, channel?: Channel|null}} ctx
 * @returns {(perm: string) => boolean}
 */
export function permissionsOf({ owner, member, roles, channel }) {
  const everyone = [...roles.values()].find((r) => r.position === 0);
  const mine = new Set(member ? member.roles : []);
  /** @type {Set<string>} */
  const set = new Set(everyone ? everyone.permissions : []);
  for (const id of mine) {
    const r = roles.get(id);
    if (r) for (const p of r.permissions) set.add(p);
  }
  const all = owner || set.has("administrator");
  if (!all && channel) {
    const ow = channel.permission_overwrites || [];
    const ev = everyone && ow.find((o) => o.role_id === everyone.id);
    if (ev) {
      for (const p of ev.deny) set.delete(p);
      for (const p of ev.allow) set.add(p);
    }
    const mineOw = ow.filter((o) => mine.has(o.role_id) && (!everyone || o.role_id !== everyone.id));
    for (const o of mineOw) for (const p of o.deny) set.delete(p);
    for (const o of mineOw) for (const p of o.allow) set.add(p);
  }
  const timedOut = !!(member && member.timeout_until && Date.parse(member.timeout_until) > Date.now());
  return (perm) => {
    if (timedOut && !owner) return perm === "channels:view" || perm === "messages:read_history";
    return all || set.has(perm);
  };
}

/** Highest role position of a member (owner: infinity). @param {Member|undefined} m @param {Map<string, Role>} roles */
export function rank(m, roles) {
  let best = 0;
  if (m) for (const id of m.roles) { const r = roles.get(id); if (r && r.position > best) best = r.position; }
  return best;
}
