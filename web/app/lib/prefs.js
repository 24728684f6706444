// @ts-check
/** @module lib/prefs — my settings, kept in localStorage as signals (per browser). */
import { signal, effect } from "../../vendor/signals.mjs";

/**
 * @typedef {{
 *   theme: "system"|"dark"|"light", compact: boolean, fontSize: number,
 *   inputId: string, outputId: string, mode: "vad"|"ptt", threshold: number, pttKey: string,
 *   echo: boolean, noise: boolean,
 *   notify: boolean, mutedChannels: string[], collapsed: string[],
 *   volumes: Record<string, number>, memberList: boolean, lastChannel: string,
 *   setupHidden: boolean, micTested: boolean, setupOpen: boolean|null,
 * }} Prefs
 */

/** @type {Prefs} */
const DEFAULTS = {
  theme: "system", compact: false, fontSize: 15,
  inputId: "", outputId: "", mode: "vad", threshold: -50, pttKey: "Backquote",
  echo: true, noise: true,
  notify: true, mutedChannels: [], collapsed: [],
  volumes: {}, memberList: true, lastChannel: "",
  setupHidden: false, micTested: false,
  // The first-hour checklist unfolded (true) or folded (false); null: by the window's width.
  setupOpen: null,
};

const KEY = "spectrus.prefs";

/** @returns {Prefs} */
function load() {
  try {
    return { ...DEFAULTS, ...JSON.parse(localStorage.getItem(KEY) || "{}") };
  } catch {
    return { ...DEFAULTS };
  }
}

export const prefs = signal(load());

/** Change some settings. @param {Partial<Prefs>} patch */
export function setPrefs(patch) {
  prefs.value = { ...prefs.value, ...patch };
}

effect(() => {
  try {
    localStorage.setItem(KEY, JSON.stringify(prefs.value));
  } catch {
    /* private mode: settings last for this tab */
  }
});

// Apply appearance settings to the document.
effect(() => {
  const p = prefs.value;
  const root = document.documentElement;
  root.dataset.theme = p.theme;
  root.dataset.compact = String(p.compact);
  root.style.setProperty("--msg-size", p.fontSize + "px");
});
