// @ts-check
/**
 * @file A fake of GitHub's raw-content host (`raw.githubusercontent.com`) on a loopback port,
 * for installing a plugin from a manifest the test publishes: point the daemon at it with
 * `SPECTRUS_GITHUB_RAW_URL`. It serves `<repo>/HEAD/spectrus-plugin.json` and answers
 * `404: Not Found` to anything else, as GitHub does.
 */
import { createServer } from "node:http";
import { once } from "node:events";

/**
 * Starts serving `manifest` as `repo`'s plugin manifest at HEAD.
 * @param {string} repo `owner/name`, e.g. `acme/echo`
 * @param {unknown} manifest serialised as JSON
 * @returns {Promise<{ url: string, close: () => void }>} the base URL, and a way to stop
 */
export async function fakeRawHost(repo, manifest) {
  const path = `/${repo}/HEAD/spectrus-plugin.json`;
  const server = createServer((req, res) => {
    if (req.url === path) {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(JSON.stringify(manifest));
    } else {
      res.writeHead(404);
      res.end("404: Not Found");
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const addr = /** @type {import("node:net").AddressInfo} */ (server.address());
  return { url: `http://127.0.0.1:${addr.port}`, close: () => server.close() };
}
