// @ts-check
/**
 * @file A real spectrusd for one test file: its own temp data dir and free port, stoppable and
 * restartable on the same port and data dir (SIGKILL, like a crash, or SIGTERM).
 * The binary is $SPECTRUS_BIN (set by spectrusd/tests/web_browser.rs), else target/debug/spectrusd.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

/** The setup code every test daemon starts with. */
export const SETUP_CODE = "WEB-TEST-SETUP-0001";
/** The password every test account gets. */
export const PASSWORD = "correct horse battery";
/** The repository root. */
export const ROOT = resolve(fileURLToPath(new URL("../../..", import.meta.url)));

/** @returns {Promise<number>} a TCP port that was free a moment ago on 127.0.0.1 */
export async function freePort() {
  const srv = createServer();
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  const addr = srv.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  srv.close();
  await once(srv, "close");
  return port;
}

export class Daemon {
  /**
   * @param {{ env?: Record<string, string>, https?: boolean }} [opts] `https`: the env
   *   names a certificate (SPECTRUS_TLS_CERT/KEY), so the daemon serves https://
   */
  constructor(opts = {}) {
    this.scheme = opts.https ? "https" : "http";
    this.bin = process.env.SPECTRUS_BIN || join(ROOT, "target/debug/spectrusd");
    this.dataRoot = mkdtempSync(join(tmpdir(), "spectrus-web-"));
    this.dataDir = join(this.dataRoot, "data");
    /** @type {Record<string, string>} */
    this.extraEnv = opts.env ?? {};
    this.port = 0;
    /** @type {import("node:child_process").ChildProcess | null} */
    this.child = null;
    /** @type {string[]} */
    this.log = [];
  }

  /** `http://127.0.0.1:PORT` (`https://` when started with a certificate) */
  get url() {
    return `${this.scheme}://127.0.0.1:${this.port}`;
  }

  /** Starts the daemon (on the port it had before, if any) and waits until it listens. */
  async start() {
    if (!this.port) this.port = await freePort();
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      SPECTRUS_BIND: `127.0.0.1:${this.port}`,
      SPECTRUS_DATA_DIR: this.dataDir,
      SPECTRUS_SETUP_CODE: SETUP_CODE,
      SPECTRUS_VOICE_UDP: "127.0.0.1:0",
      SPECTRUS_PUBLIC_URL: this.url,
      SPECTRUS_AUTH_PER_MINUTE: "100000",
      // Every page comes from 127.0.0.1, and reloads open new connections.
      SPECTRUS_NEW_CONNECTIONS_PER_SECOND: "0",
      SPECTRUS_LOG: "info",
      NO_COLOR: "1",
      ...this.extraEnv,
    };
    const child = spawn(this.bin, [], { env, stdio: ["ignore", "ignore", "pipe"] });
    this.child = child;
    const started = new Promise((ok, fail) => {
      let buf = "";
      const timer = setTimeout(() => fail(new Error(`spectrusd did not start in 30 s:\n${this.log.slice(-20).join("\n")}`)), 30_000);
      child.stderr?.setEncoding("utf8");
      child.stderr?.on("data", (/** @type {string} */ chunk) => {
        buf += chunk;
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          this.log.push(line);
          if (this.log.length > 2000) this.log.splice(0, 1000);
          if (line.includes(`listening on ${this.scheme}://`)) {
            clearTimeout(timer);
            ok(undefined);
          }
        }
      });
      child.once("exit", (code, sig) => {
        clearTimeout(timer);
        fail(new Error(`spectrusd exited during start (${code ?? sig}):\n${this.log.slice(-20).join("\n")}`));
      });
      child.once("error", (e) => {
        clearTimeout(timer);
        fail(new Error(`cannot run ${this.bin}: ${e.message}`));
      });
    });
    await started;
    child.removeAllListeners("exit");
    return this;
  }

  /**
   * Stops the daemon and waits for its exit.
   * @param {"SIGKILL" | "SIGTERM"} [signal] SIGKILL (default) is a crash
   */
  async stop(signal = "SIGKILL") {
    const c = this.child;
    this.child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = once(c, "exit");
    c.kill(signal);
    await exited;
  }

  /** Stops and starts again on the same port with the same data directory. */
  async restart() {
    await this.stop();
    await this.start();
  }

  /** Stops the daemon and removes its data. */
  async dispose() {
    await this.stop();
    rmSync(this.dataRoot, { recursive: true, force: true });
  }
}

/**
 * Starts a daemon.
 * @param {{ env?: Record<string, string>, https?: boolean }} [opts]
 */
export async function startDaemon(opts) {
  return new Daemon(opts).start();
}
