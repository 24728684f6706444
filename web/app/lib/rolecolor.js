// @ts-check
/**
 * @module lib/rolecolor — a role's colour as names are shown in it (messages, replies, the
 * member list, role mentions): the admin may pick any colour (#000000, #ffff00), so for each
 * theme its lightness (OKLCH) is moved just far enough that the text keeps 4.5:1 (WCAG AA for
 * normal text; names are 15 px semibold, not "large") on every surface it can sit on — the
 * theme's backgrounds, a hovered row, a message that mentions me, and a role
 * mention's own 15 % tint. Hue is kept; chroma shrinks only where the lighter or darker colour
 * would leave sRGB. A colour that already passes is shown as chosen.
 *
 * Use `roleStyle(color)` as an element's style with the class `role-col`: it sets
 * `--rc-dark` / `--rc-light`, and `styles/app.css` picks one by the theme in force.
 */

/** @typedef {[number, number, number]} Rgb 0–255 sRGB */

/** Contrast wanted: 4.5:1 plus a little for rounding to 8-bit. */
const NEED = 4.6;

/** @param {string} hex @returns {Rgb} */
function rgbOf(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/**
 * The surfaces a name sits on in each theme (tokens.css `--bg-0..3`, `--bg-float`; a hovered row
 * is `--bg-3`, nothing with a name is on `--bg-4`) and a message mentioning
 * me (`--mention-bg` over `--bg-2`). Keep in step with tokens.css.
 * @type {Record<"dark"|"light", Rgb[]>}
 */
const SURFACES = {
  dark: ["#1e1f22", "#2b2d31", "#313338", "#383a40", "#111214"].map(rgbOf)
    .concat([mix(rgbOf("#f0b232"), rgbOf("#313338"), 0.08), mix(rgbOf("#f0b232"), rgbOf("#383a40"), 0.08)]),
  light: ["#e3e5e8", "#f2f3f5", "#ffffff", "#ebedef"].map(rgbOf)
    .concat([mix(rgbOf("#faa81a"), rgbOf("#ffffff"), 0.12), mix(rgbOf("#faa81a"), rgbOf("#ebedef"), 0.12)]),
};

/** `a` at weight `k` over `b`, as the browser composites (gamma-encoded sRGB). @param {Rgb} a @param {Rgb} b @param {number} k @returns {Rgb} */
function mix(a, b, k) {
  return [a[0] * k + b[0] * (1 - k), a[1] * k + b[1] * (1 - k), a[2] * k + b[2] * (1 - k)];
}

/** @param {number} v 0–255 */
const lin = (v) => {
  const s = v / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
};
/** @param {number} v linear 0–1 @returns {number} 0–255 */
const enc = (v) => 255 * (v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055);

/** WCAG relative luminance. @param {Rgb} c */
function luminance(c) {
  return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
}

/** WCAG contrast ratio. @param {Rgb} a @param {Rgb} b */
export function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/** sRGB → OKLCH (Björn Ottosson's OKLab). @param {Rgb} c @returns {[number, number, number]} L, C, h (radians) */
function oklch(c) {
  const [r, g, b] = c.map(lin);
  const l = Math.cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
  const m = Math.cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
  const s = Math.cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
  const L = 0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s;
  const A = 1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s;
  const B = 0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s;
  return [L, Math.hypot(A, B), Math.atan2(B, A)];
}

/** OKLCH → linear sRGB (may be out of gamut). @param {number} L @param {number} C @param {number} h @returns {Rgb} */
function linearOf(L, C, h) {
  const A = C * Math.cos(h);
  const B = C * Math.sin(h);
  const l = (L + 0.3963377774 * A + 0.2158037573 * B) ** 3;
  const m = (L - 0.1055613458 * A - 0.0638541728 * B) ** 3;
  const s = (L - 0.0894841775 * A - 1.291485548 * B) ** 3;
  return [
    4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
    -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
    -0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s,
  ];
}

/** @param {Rgb} v linear */
const inGamut = (v) => v.every((x) => x >= -1e-4 && x <= 1 + 1e-4);

/**
 * The colour at lightness L with the hue h, as much of the chroma C as sRGB holds, as 8-bit sRGB.
 * @param {number} L @param {number} C @param {number} h @returns {Rgb}
 */
function at(L, C, h) {
  let lo = 0;
  let hi = C;
  if (!inGamut(linearOf(L, C, h))) {
    for (let i = 0; i < 20; i++) {
      const mid = (lo + hi) / 2;
      if (inGamut(linearOf(L, mid, h))) lo = mid; else hi = mid;
    }
    C = lo;
  }
  const v = linearOf(L, C, h);
  return /** @type {Rgb} */ (v.map((x) => Math.round(Math.min(255, Math.max(0, enc(Math.min(1, Math.max(0, x))))))));
}

/** Whether `c` reads at 4.5:1 on every surface of a theme, and on its own tint there. @param {Rgb} c @param {Rgb[]} under */
function readable(c, under) {
  return under.every((s) => contrast(c, s) >= NEED && contrast(c, mix(c, s, 0.15)) >= NEED);
}

/** @param {Rgb} c */
const hexOf = (c) => "#" + c.map((v) => v.toString(16).padStart(2, "0")).join("");

/**
 * The colour to show for `hex` in a theme: itself when readable, else the nearest lightness
 * (lighter on dark, darker on light) that is, same hue.
 * @param {string} hex "#rrggbb"
 * @param {"dark"|"light"} theme
 */
export function readableColor(hex, theme) {
  const c = rgbOf(hex);
  const under = SURFACES[theme];
  if (readable(c, under)) return hexOf(c);
  const [L0, C, h] = oklch(c);
  // Lightness from the chosen colour's towards white (dark theme) or black (light theme).
  let near = L0;
  let far = theme === "dark" ? 1 : 0;
  for (let i = 0; i < 24; i++) {
    const mid = (near + far) / 2;
    if (readable(at(mid, C, h), under)) far = mid; else near = mid;
  }
  const out = at(far, C, h);
  return hexOf(readable(out, under) ? out : theme === "dark" ? [255, 255, 255] : [0, 0, 0]);
}

/** @type {Map<string, Record<string, string>>} */
const cache = new Map();

/**
 * The style for a name in a role's colour (with the class `role-col`), or undefined for none.
 * @param {string|null|undefined} color "#rrggbb"
 * @returns {Record<string, string>|undefined}
 */
export function roleStyle(color) {
  if (!color || !/^#[0-9a-f]{6}$/i.test(color)) return undefined;
  let s = cache.get(color);
  if (!s) {
    s = { "--rc-dark": readableColor(color, "dark"), "--rc-light": readableColor(color, "light") };
    cache.set(color, s);
  }
  return s;
}

/** The class for a name in a role's colour ("role-col" when it has one). @param {string|null|undefined} color */
export function roleClass(color) {
  return roleStyle(color) ? "role-col" : "";
}
