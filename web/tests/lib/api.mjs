// @ts-check
/**
 * @file A small REST client for seeding and checking state around the browser (docs/api.md).
 */
import { PASSWORD, SETUP_CODE } from "./daemon.mjs";

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {any} body
   * @param {string} what
   */
  constructor(status, body, what) {
    super(`${what}: ${status} ${JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

export class Api {
  /**
   * @param {string} base the daemon's URL
   * @param {string | null} [token] an access token
   */
  constructor(base, token = null) {
    this.base = base;
    this.token = token;
    /** @type {any} */
    this.user = null;
  }

  /**
   * @param {string} method
   * @param {string} path under /api/v1
   * @param {unknown} [body]
   * @returns {Promise<any>}
   */
  async call(method, path, body) {
    /** @type {Record<string, string>} */
    const headers = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const resp = await fetch(`${this.base}/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await resp.text();
    const json = text ? JSON.parse(text) : null;
    if (!resp.ok) throw new ApiError(resp.status, json, `${method} ${path}`);
    return json;
  }

  /** @param {any} session */
  #adopt(session) {
    this.token = session.access_token;
    this.user = session.user;
    return this;
  }

  /** Claims the fresh server as `username`. */
  async claim(username = "owner", password = PASSWORD) {
    return this.#adopt(await this.call("POST", "/auth/register", { username, password, setup_code: SETUP_CODE }));
  }

  /**
   * @param {string} username
   * @param {string} [password]
   */
  async login(username, password = PASSWORD) {
    return this.#adopt(await this.call("POST", "/auth/login", { username, password }));
  }

  /**
   * Registers a new account with an invite made by this (logged-in) client.
   * @param {string} username
   * @param {{ display_name?: string }} [extra]
   * @returns {Promise<Api>}
   */
  async invite(username, extra = {}) {
    const inv = await this.call("POST", "/invites", { max_uses: 1 });
    const other = new Api(this.base);
    return other.#adopt(
      await other.call("POST", "/auth/register", { username, password: PASSWORD, invite: inv.code, ...extra }),
    );
  }

  /** @param {string} name @returns {Promise<string>} the id of the channel called `name` */
  async channelId(name) {
    const chans = await this.call("GET", "/channels");
    const c = chans.find((/** @type {any} */ c) => c.name === name);
    if (!c) throw new Error(`no channel ${name}`);
    return c.id;
  }

  /**
   * @param {string} channelId
   * @param {string} content
   * @param {{ reply_to?: string, nonce?: string }} [extra]
   */
  async post(channelId, content, extra = {}) {
    return this.call("POST", `/channels/${channelId}/messages`, { content, ...extra });
  }

  /**
   * The newest `limit` messages of a channel, newest first.
   * @param {string} channelId
   * @param {number} [limit]
   * @returns {Promise<any[]>}
   */
  async messages(channelId, limit = 100) {
    return this.call("GET", `/channels/${channelId}/messages?limit=${limit}`);
  }

  /**
   * Every message of a channel, oldest first.
   * @param {string} channelId
   * @returns {Promise<any[]>}
   */
  async allMessages(channelId) {
    /** @type {any[]} */
    const all = [];
    let before = "";
    for (;;) {
      const page = await this.call("GET", `/channels/${channelId}/messages?limit=100${before ? `&before=${before}` : ""}`);
      all.push(...page);
      if (page.length < 100) break;
      before = page[page.length - 1].id;
    }
    return all.reverse();
  }
}
