// @ts-check
/**
 * @file A TCP proxy in front of the daemon that can cut the network: `drop()` destroys every
 * open connection and refuses new ones (the port stops listening), `restore()` listens again
 * on the same port. The browser talks to the proxy; tests talk to the daemon directly.
 */
import { createServer, connect } from "node:net";
import { once } from "node:events";

export class Proxy {
  /** @param {number} targetPort */
  constructor(targetPort) {
    this.targetPort = targetPort;
    this.port = 0;
    /** @type {Set<import("node:net").Socket>} */
    this.sockets = new Set();
    /** @type {import("node:net").Server | null} */
    this.server = null;
  }

  /** `http://127.0.0.1:PORT` */
  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts listening (on the previous port after a drop). */
  async listen() {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, "127.0.0.1");
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.setNoDelay(true);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    server.listen(this.port, "127.0.0.1");
    await once(server, "listening");
    const addr = server.address();
    this.port = typeof addr === "object" && addr ? addr.port : this.port;
    this.server = server;
    return this;
  }

  /** The network goes away: every connection is cut and new ones are refused. */
  async drop() {
    const server = this.server;
    this.server = null;
    const closed = server ? once(server, "close") : Promise.resolve();
    server?.close();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
  }

  /** Stops for good (closes the port and every connection). */
  async close() {
    await this.drop();
  }

  /** The network comes back. */
  async restore() {
    await this.listen();
  }
}

/** @param {number} targetPort */
export async function startProxy(targetPort) {
  return new Proxy(targetPort).listen();
}
