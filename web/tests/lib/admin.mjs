// @ts-check
/**
 * @file The daemon's admin API (HTTP over its Unix socket, `<data dir>/admin.sock`), as
 * spectrusctl speaks it: changes made by the "server operator".
 */
import { request } from "node:http";
import { join } from "node:path";

/**
 * One admin call. Throws on a non-2xx answer.
 * @param {import("./daemon.mjs").Daemon} daemon
 * @param {string} method
 * @param {string} path under /admin/v1
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export function admin(daemon, method, path, body) {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((ok, fail) => {
    const req = request(
      {
        socketPath: join(daemon.dataDir, "admin.sock"),
        path: `/admin/v1${path}`,
        method,
        headers: data ? { "content-type": "application/json", "content-length": Buffer.byteLength(data) } : {},
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => { text += c; });
        res.on("end", () => {
          const json = text ? JSON.parse(text) : null;
          if ((res.statusCode ?? 500) >= 300) fail(new Error(`admin ${method} ${path}: ${res.statusCode} ${text}`));
          else ok(json);
        });
      },
    );
    req.on("error", fail);
    if (data) req.write(data);
    req.end();
  });
}
