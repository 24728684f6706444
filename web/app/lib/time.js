// @ts-check
/** @module lib/time — "Today at 14:02" style times, day keys, full dates for titles, short durations. */

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const dateFmt = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "2-digit", day: "2-digit" });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });
const dayFmt = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "long", day: "numeric" });

/** @param {Date} a @param {Date} b */
function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** "Today at 14:02", "Yesterday at 09:10", or "03/12/2026 14:02". @param {string} iso @param {Date} [now] */
export function relativeTime(iso, now = new Date()) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const y = new Date(now);
  y.setDate(y.getDate() - 1);
  if (sameDay(d, now)) return `Today at ${timeFmt.format(d)}`;
  if (sameDay(d, y)) return `Yesterday at ${timeFmt.format(d)}`;
  return `${dateFmt.format(d)} ${timeFmt.format(d)}`;
}

/** "14:02". @param {string} iso */
export function shortTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : timeFmt.format(d);
}

/** The full date for a title attribute. @param {string} iso */
export function fullDate(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : fullFmt.format(d);
}

/** Day divider label. @param {string} iso */
export function dayLabel(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : dayFmt.format(d);
}

/** A key equal for times on the same local day. @param {string} iso */
export function dayKey(iso) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/** "30s", "1m", "6h" (or "90s"): a short duration, for slowmode. @param {number} seconds */
export function shortDuration(seconds) {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
