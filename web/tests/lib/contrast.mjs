// @ts-check
/**
 * @file What a careful reviewer checks by eye, measured from computed styles: the text on
 * screen whose colour contrasts too little with what is behind it (WCAG 2 contrast ratio:
 * 4.5 for body text, 3 for large text — 24 px, or 18.66 px bold), and the controls a finger
 * cannot hit (smaller than 40 × 40 px at phone width).
 */

/** @typedef {import("playwright-core").Page} Page */

/**
 * One text that contrasts too little.
 * @typedef {{ text: string, ratio: number, need: number, color: string, background: string, where: string }} LowContrast
 */

/**
 * Waits until every finite CSS animation and transition on the page has ended (a panel fading
 * in is measured as it rests, not half-transparent), at most two seconds; endless ones (a
 * spinner) are not waited for.
 * @param {Page} page
 */
export async function settled(page) {
  await page.evaluate(async () => {
    const finite = document.getAnimations().filter((a) => {
      const t = a.effect?.getComputedTiming();
      return a.playState === "running" && t && t.endTime !== Infinity;
    });
    await Promise.race([Promise.allSettled(finite.map((a) => a.finished)), new Promise((r) => setTimeout(r, 2000))]);
  });
}

/**
 * Every visible text in the viewport (or under `root`) whose contrast is below WCAG AA, worst
 * first. The background is the composite of the element's ancestors' background colours
 * (gradients and images are not considered: a text on one is skipped); an ancestor's opacity
 * fades the text into it. Disabled controls and their labels are exempt (WCAG 1.4.3), as are
 * `aria-hidden` parts.
 * @param {Page} page
 * @param {{ root?: string }} [opts] a CSS selector to limit the check to
 * @returns {Promise<LowContrast[]>}
 */
export async function lowContrast(page, opts = {}) {
  // Measured as a reviewer looks: at rest. A panel that mounts and fades in just as the check
  // runs is measured again a moment later; a text that stays low is reported.
  let found = await measure(page, opts.root ?? null);
  for (let i = 0; found.length && i < 8; i++) {
    await page.waitForTimeout(250);
    found = await measure(page, opts.root ?? null);
  }
  return found;
}

/**
 * One measurement of {@link lowContrast}, after the page's animations have ended.
 * @param {Page} page @param {string | null} rootSel
 * @returns {Promise<LowContrast[]>}
 */
async function measure(page, rootSel) {
  await settled(page);
  return page.evaluate((rootSel) => {
    /** @param {string} c @returns {[number, number, number, number]} */
    const parse = (c) => {
      let m = c.match(/^rgba?\(([^)]+)\)$/);
      if (m) {
        const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
        return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
      }
      m = c.match(/^color\(srgb ([^)]+)\)$/);
      if (m) {
        const p = m[1].split(/[\s/]+/).filter(Boolean).map(Number);
        return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1];
      }
      return [0, 0, 0, 0];
    };
    /** @param {number[]} top @param {number[]} under @param {number} a */
    const over = (top, under, a) => [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a));
    /** @param {number[]} c */
    const lum = (c) => {
      const [r, g, b] = c.map((v) => {
        const s = v / 255;
        return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    /** @param {number[]} a @param {number[]} b */
    const ratio = (a, b) => {
      const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
      return (x + 0.05) / (y + 0.05);
    };
    /** @param {Element} el */
    const path = (el) => {
      const out = [];
      for (let e = /** @type {Element|null} */ (el); e && out.length < 4; e = e.parentElement) {
        out.unshift(e.tagName.toLowerCase() + (e.classList.length ? "." + [...e.classList].join(".") : ""));
      }
      return out.join(" > ");
    };
    const root = rootSel ? document.querySelector(rootSel) : document.body;
    if (!root) return [];
    /** @type {any[]} */
    const found = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    /** @type {Set<Element>} */
    const seen = new Set();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || seen.has(el) || !n.textContent || !n.textContent.trim()) continue;
      seen.add(el);
      if (el.closest("[aria-hidden=true], :disabled, [aria-disabled=true], .sr-only, script, style, noscript")) continue;
      const lbl = el.closest("label");
      if (lbl && lbl.querySelector(":disabled")) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      const r = range.getBoundingClientRect();
      if (r.width < 1 || r.height < 1 || r.bottom <= 0 || r.right <= 0 || r.top >= innerHeight || r.left >= innerWidth) continue;
      // Hidden behind an overlay, scrolled out of its box, or invisible?
      const top = document.elementFromPoint(Math.min(innerWidth - 1, Math.max(0, r.left + Math.min(r.width, 8) / 2)), Math.min(innerHeight - 1, Math.max(0, r.top + r.height / 2)));
      if (!top || !(top === el || el.contains(top) || top.contains(el))) continue;
      const cs = getComputedStyle(el);
      if (cs.visibility !== "visible" || cs.color === "transparent") continue;
      // The background: composite of the ancestors' colours, innermost last.
      /** @type {Element[]} */
      const chain = [];
      let image = false;
      let opacity = 1;
      for (let e = /** @type {Element|null} */ (el); e; e = e.parentElement) {
        const s = getComputedStyle(e);
        opacity *= Number(s.opacity);
        if (s.backgroundImage !== "none" && !/^url\(/.test(s.backgroundImage)) image = true;
        chain.unshift(e);
        if (parse(s.backgroundColor)[3] >= 1) break;
      }
      if (image) continue;
      /** @type {number[]} */
      let bg = [255, 255, 255];
      for (const e of chain) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c[3] > 0) bg = over(c, bg, c[3]);
      }
      const fgc = parse(cs.color);
      const fg = over(fgc, bg, fgc[3] * opacity);
      const size = parseFloat(cs.fontSize);
      const bold = Number(cs.fontWeight) >= 700;
      const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      const got = ratio(fg, bg);
      if (got + 0.005 < need) {
        found.push({
          text: n.textContent.trim().slice(0, 40),
          ratio: Math.round(got * 100) / 100,
          need,
          color: cs.color + (opacity < 1 ? ` at opacity ${Math.round(opacity * 100) / 100}` : ""),
          background: `rgb(${bg.map(Math.round).join(", ")})`,
          where: path(el),
        });
      }
    }
    return found.sort((a, b) => a.ratio - b.ratio);
  }, rootSel);
}

/**
 * The enabled controls on screen smaller than `min` × `min` px (layout size), as
 * "role name (w × h)". Inline links inside text are exempt (WCAG 2.5.8), and so is an input
 * whose label is a big enough target.
 * @param {Page} page
 * @param {number} [min]
 * @returns {Promise<string[]>}
 */
export async function smallTargets(page, min = 40) {
  return page.evaluate((min) => {
    const sel = "button, a[href], input:not([type=hidden]), select, textarea, [role=button], [role=tab], [role=option], [role=menuitem], [role=switch], [role=link]";
    /** @type {string[]} */
    const out = [];
    for (const el of document.querySelectorAll(sel)) {
      const h = /** @type {HTMLElement} */ (el);
      if (h.matches(":disabled") || h.closest("[aria-hidden=true], [inert]")) continue;
      const r = h.getBoundingClientRect();
      if (r.width < 1 || r.height < 1 || r.bottom <= 0 || r.top >= innerHeight || r.right <= 0 || r.left >= innerWidth) continue;
      const cs = getComputedStyle(h);
      if (cs.visibility !== "visible" || Number(cs.opacity) === 0) continue;
      // A link in a sentence, or a control in a box that clips it out of sight.
      if (h.tagName === "A" && cs.display === "inline") continue;
      const top = document.elementFromPoint(Math.min(innerWidth - 1, r.left + r.width / 2), Math.min(innerHeight - 1, r.top + r.height / 2));
      if (!top || !(top === h || h.contains(top) || top.contains(h) || (h.tagName === "INPUT" && top.tagName === "LABEL"))) continue;
      // Visually hidden (a file input behind its button).
      if (r.width <= 1 && r.height <= 1) continue;
      const [w, hh] = [h.offsetWidth || r.width, h.offsetHeight || r.height];
      // A switch, radio or checkbox is hit through its label too.
      const labels = h instanceof HTMLInputElement && h.labels ? [...h.labels] : [];
      const byLabel = labels.some((l) => l.offsetWidth >= min && l.offsetHeight >= min);
      if ((w < min || hh < min) && !byLabel) {
        const name = h.getAttribute("aria-label") || h.textContent?.trim().slice(0, 30) || h.getAttribute("name") || h.id || "";
        out.push(`${h.getAttribute("role") || h.tagName.toLowerCase()} "${name}" (${Math.round(w)} × ${Math.round(hh)})`);
      }
    }
    return out;
  }, min);
}

/**
 * Boxes on screen whose content is wider than they are (cut off or scrolled sideways inside a
 * pane, which the page's own scroll width does not show), as "tag.class (scroll − client px)".
 * Tab rows and code blocks scroll sideways on purpose and are left out.
 * @param {Page} page
 * @returns {Promise<string[]>}
 */
export async function sidewaysInside(page) {
  return page.evaluate(() => {
    /** @type {string[]} */
    const out = [];
    for (const el of document.querySelectorAll("body *")) {
      const h = /** @type {HTMLElement} */ (el);
      if (h.scrollWidth <= h.clientWidth + 1 || h.clientWidth === 0) continue;
      const cs = getComputedStyle(h);
      if (!/(auto|scroll|hidden)/.test(cs.overflowX) || cs.textOverflow === "ellipsis") continue;
      if (h.matches("[role=tablist], .settings-tabs, pre, .md-pre, textarea, input, select, .sr-only") || h.closest("[aria-hidden=true]")) continue;
      const r = h.getBoundingClientRect();
      if (r.width < 1 || r.bottom <= 0 || r.top >= innerHeight || r.right <= 0 || r.left >= innerWidth) continue;
      // Something actually sticks out: a child whose right edge is past the box.
      const inner = [...h.querySelectorAll("*")].some((c) => {
        const cr = c.getBoundingClientRect();
        return cr.width > 0 && cr.right > r.right + 1 && getComputedStyle(c).position !== "fixed";
      });
      if (!inner) continue;
      out.push(`${h.tagName.toLowerCase()}.${[...h.classList].join(".")} (${h.scrollWidth - h.clientWidth} px)`);
    }
    return out;
  });
}
