// @ts-check
/**
 * @file Steps through the client as a person (or a screen reader) would: elements found by
 * role and accessible name only (the names are the contract in docs/web.md).
 */
import { PASSWORD } from "./daemon.mjs";

/** @typedef {import("playwright-core").Page} Page */

/**
 * Logs in through the login screen and waits for the chat.
 * @param {Page} page
 * @param {string} username
 * @param {string} [password]
 */
export async function logIn(page, username, password = PASSWORD) {
  await page.goto("/login");
  await page.getByLabel("Username", { exact: true }).fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  // At phone width the channel list waits in a closed drawer.
  await channels(page).or(page.getByRole("button", { name: "Open channels" })).first().waitFor();
}

/** @param {Page} page */
export function channels(page) {
  return page.getByRole("navigation", { name: "Channels" });
}

/**
 * Opens a text channel from the sidebar and returns its message log.
 * @param {Page} page
 * @param {string} name
 */
export async function openChannel(page, name) {
  await channels(page)
    .getByRole("link", { name: new RegExp(`^${name}\\b`) })
    .click();
  const log = messages(page, name);
  await log.waitFor();
  return log;
}

/** @param {Page} page @param {string} channel */
export function messages(page, channel) {
  return page.getByRole("log", { name: `Messages in #${channel}` });
}

/** @param {Page} page @param {string} channel */
export function composer(page, channel) {
  return page.getByRole("textbox", { name: `Message #${channel}` });
}

/**
 * Sends `text` with the composer (Enter).
 * @param {Page} page
 * @param {string} channel
 * @param {string} text
 */
export async function send(page, channel, text) {
  const box = composer(page, channel);
  await box.fill(text);
  await box.press("Enter");
}

/**
 * The message article whose text contains `text`.
 * @param {Page} page
 * @param {string} channel
 * @param {string} text
 */
export function message(page, channel, text) {
  return messages(page, channel).getByRole("article").filter({ hasText: text });
}

/**
 * Shows a message's action toolbar (hover) and returns it.
 * @param {import("playwright-core").Locator} article
 */
export async function actions(article) {
  await article.hover();
  const bar = article.getByRole("toolbar", { name: "Message actions" });
  await bar.waitFor();
  return bar;
}

/**
 * The controls a screen reader would announce without a name: buttons, links, menu items,
 * tabs, text boxes and the like that are in Chromium's accessibility tree with an empty
 * computed name (from the browser itself, through CDP).
 * @param {Page} page
 * @returns {Promise<string[]>} "role (html snippet)" of each
 */
export async function unnamedControls(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = await cdp.send("Accessibility.getFullAXTree");
    const roles = new Set(["button", "link", "menuitem", "tab", "textbox", "combobox", "checkbox", "switch", "searchbox", "slider", "radio", "option"]);
    /** @type {string[]} */
    const bad = [];
    for (const n of nodes) {
      const role = String(n.role?.value ?? "");
      if (n.ignored || !roles.has(role)) continue;
      if (String(n.name?.value ?? "").trim()) continue;
      let html = "";
      if (n.backendDOMNodeId !== undefined) {
        const { outerHTML } = await cdp.send("DOM.getOuterHTML", { backendNodeId: n.backendDOMNodeId }).catch(() => ({ outerHTML: "?" }));
        html = outerHTML.slice(0, 160);
      }
      bad.push(`${role} ${html}`);
    }
    return bad;
  } finally {
    await cdp.detach();
  }
}

/**
 * Whether the page scrolls sideways at its current width.
 * @param {Page} page
 */
export async function horizontalOverflow(page) {
  return page.evaluate(() => {
    const doc = document.scrollingElement ?? document.documentElement;
    return doc.scrollWidth - doc.clientWidth;
  });
}
