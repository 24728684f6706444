// @ts-check
/**
 * @module admin/invites — the Invites tab: create with an expiry preset and max uses, copy the
 * web link or the `spectrus://` link, list with uses and creator (`invites:manage`), revoke.
 */
import { html } from "../lib/html.js";
import { useState } from "../../vendor/preact-hooks.mjs";
import { api, errorText } from "../net/api.js";
import { displayName, memberCount } from "../net/store.js";
import { relativeTime } from "../lib/time.js";
import { toast } from "../ui/toast.js";
import { myPerms, useLoad, ListSkeleton, LoadError, Empty, ReasonDialog, val } from "./common.js";

/** @typedef {import("../net/types.js").Invite} Invite */

export const EXPIRY = [["1800", "30 minutes"], ["3600", "1 hour"], ["21600", "6 hours"], ["43200", "12 hours"], ["86400", "1 day"], ["604800", "7 days"], ["0", "Never"]];
export const USES = [["0", "No limit"], ["1", "1 use"], ["5", "5 uses"], ["10", "10 uses"], ["25", "25 uses"], ["50", "50 uses"], ["100", "100 uses"]];

/** Copy text, selecting the field when the clipboard is blocked. @param {string} text @param {string} fieldId */
async function copy(text, fieldId) {
  try {
    await navigator.clipboard.writeText(text);
    toast("Link copied", "ok");
  } catch {
    const el = /** @type {HTMLInputElement|null} */ (document.getElementById(fieldId));
    if (el) { el.focus(); el.select(); }
    toast("Copying is blocked here: the link is selected, press Ctrl+C.", "info");
  }
}

/** Web link of an invite (this origin). @param {Invite} inv */
const webLink = (inv) => `${location.origin}/invite/${inv.code}`;

export function InvitesTab() {
  const can = myPerms();
  const manage = can("invites:manage");
  const [age, setAge] = useState("604800");
  const [uses, setUses] = useState("0");
  const [made, setMade] = useState(/** @type {Invite|null} */ (null));
  const [error, setError] = useState(/** @type {string|null} */ (null));
  const [revoke, setRevoke] = useState(/** @type {Invite|null} */ (null));
  // Someone joining uses an invite (MEMBER_ADD): the count changing reloads the uses.
  const list = useLoad(() => (manage ? api("GET", "/invites") : Promise.resolve([])), [manage, memberCount.value]);
  const create = async (/** @type {Event} */ e) => {
    e.preventDefault();
    setError(null);
    try {
      /** @type {Record<string, number>} */
      const body = {};
      if (Number(age)) body.max_age_seconds = Number(age);
      if (Number(uses)) body.max_uses = Number(uses);
      /** @type {Invite} */
      const inv = await api("POST", "/invites", body);
      setMade(inv);
      list.reload();
    } catch (err) { setError(errorText(err)); }
  };
  /** @type {Invite[]} */
  const items = list.data || [];
  return html`<div class="settings-section">
    <h3>New invite</h3>
    ${can("invites:create") ? html`<form class="row-form" onSubmit=${create}>
      <div class="field"><label for="inv-age">Expires after</label>
        <select id="inv-age" value=${age} onChange=${(/** @type {Event} */ e) => setAge(val(e))}>${EXPIRY.map(([v, l]) => html`<option key=${v} value=${v}>${l}</option>`)}</select></div>
      <div class="field"><label for="inv-uses">Max uses</label>
        <select id="inv-uses" value=${uses} onChange=${(/** @type {Event} */ e) => setUses(val(e))}>${USES.map(([v, l]) => html`<option key=${v} value=${v}>${l}</option>`)}</select></div>
      <button class="btn primary" type="submit">Create invite</button>
    </form>` : html`<p class="muted">You cannot create invites.</p>`}
    ${error ? html`<div class="form-error" role="alert">${error}</div>` : null}
    ${made ? html`<div class="made-invite">
      <div class="field"><label for="inv-web">Web link</label><div class="copy-row">
        <input id="inv-web" class="input" readOnly=${true} value=${webLink(made)} /><button class="btn primary" onClick=${() => copy(webLink(made), "inv-web")}>Copy web link</button></div></div>
      <div class="field"><label for="inv-app">App link</label><div class="copy-row">
        <input id="inv-app" class="input" readOnly=${true} value=${made.url} /><button class="btn" onClick=${() => copy(made.url, "inv-app")}>Copy app link</button></div></div>
    </div>` : null}
    ${manage ? html`<h3>Active invites</h3>
      ${list.error ? html`<${LoadError} error=${list.error} onRetry=${list.reload} />` : list.loading && !list.data ? html`<${ListSkeleton} rows=${3} />`
        : items.length === 0 ? html`<${Empty} title="No invites yet">Create one above and send the link to the people you want here.</${Empty}>`
        : html`<table class="admin-table" aria-label="Invites"><thead><tr><th scope="col">Code</th><th scope="col">Created by</th><th scope="col">Uses</th><th scope="col">Expires</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>${items.map((inv) => html`<tr key=${inv.code}>
            <td><code>${inv.code}</code></td><td>${displayName(inv.created_by)}</td>
            <td>${inv.uses}${inv.max_uses ? ` / ${inv.max_uses}` : ""}</td>
            <td title=${inv.expires_at || ""}>${inv.expires_at ? relativeTime(inv.expires_at) : "Never"}</td>
            <td class="actions"><button class="btn small ghost" aria-label=${`Copy link of invite ${inv.code}`} onClick=${() => copy(webLink(inv), "inv-web")}>Copy</button>
              <button class="btn small danger" aria-label=${`Revoke invite ${inv.code}`} onClick=${() => setRevoke(inv)}>Revoke</button></td>
          </tr>`)}</tbody></table>`}` : null}
    ${revoke ? html`<${ReasonDialog} title=${`Revoke invite ${revoke.code}?`} body="The link stops working at once. People who joined with it stay." withReason=${false}
      confirm="Revoke invite" onClose=${() => setRevoke(null)} run=${() => api("DELETE", `/invites/${encodeURIComponent(revoke.code)}`)}
      onDone=${() => { setRevoke(null); toast("Invite revoked", "ok"); list.reload(); }} />` : null}
  </div>`;
}
