// Starts the real packaged gateway (scripted engine; the embedded store unless given TALIA_DB_URL).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

/** What the assistant answers to "enlace de prueba". */
export const HOSTILE_REPLY =
  "Lee la **guía** en https://talia.example/docs\n<img src=x onerror=alert(1)> [x](javascript:alert(1)) <script>alert(2)</script>";

export const JAR = resolve(process.env.TALIA_JAR ?? "../target/talia-webchat.jar");

/** A fresh database next to TALIA_TEST_DB_URL (the tests' Postgres server); {@code who} needs it. */
export function freshDatabase(who) {
  const base = process.env.TALIA_TEST_DB_URL;
  if (!base)
    throw new Error(
      `${who} needs Postgres: set TALIA_TEST_DB_URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres)`,
    );
  const name = "talia_t_e2e_" + Math.random().toString(16).slice(2, 12);
  execFileSync("psql", [base, "-q", "-c", `CREATE DATABASE ${name}`]);
  return base.replace(/\/[^/?]*(\?.*)?$/, `/${name}$1`);
}

export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

export class Gateway {
  constructor(port, workDir, extraEnv = {}) {
    this.port = port;
    this.workDir = workDir;
    this.url = `http://127.0.0.1:${port}`;
    this.output = "";
    /** More TALIA_* variables for this gateway (a cluster node's, say). */
    this.extraEnv = extraEnv;
  }

  /** A new gateway in a fresh working directory; scripted replies stream in chunks 25 ms apart. */
  static async create(extraEnv = {}) {
    const workDir = mkdtempSync(join(tmpdir(), "talia-e2e-"));
    mkdirSync(join(workDir, "conf"));
    writeFileSync(
      join(workDir, "conf/talia.json"),
      JSON.stringify({ scripted: { chunkDelayMs: 25 } }),
    );
    // The shipped scripted flow, plus one answer carrying formatting and hostile markup, so the
    // tests see how the widget renders what the assistant writes (the usual way in for XSS).
    const flow = JSON.parse(readFileSync(resolve(ROOT, "conf/scripted.json"), "utf8"));
    flow.es.faq.push({ keywords: ["enlace de prueba"], answer: HOSTILE_REPLY });
    writeFileSync(join(workDir, "conf/scripted.json"), JSON.stringify(flow));
    const gw = new Gateway(await freePort(), workDir, extraEnv);
    await gw.start();
    return gw;
  }

  async start() {
    const env = {
      ...process.env,
      TALIA_HTTP_PORT: String(this.port),
      TALIA_HTTP_HOST: "127.0.0.1",
      TALIA_ENGINE: "scripted",
    };
    for (const k of [
      "TALIA_DB_URL",
      "TALIA_OPENAI_API_KEY",
      "TALIA_WEBCHAT_PUBLIC_TOKEN",
      "TALIA_WEBCHAT_ALLOWED_ORIGINS",
    ])
      delete env[k];
    Object.assign(env, this.extraEnv);
    this.proc = spawn("java", ["-jar", JAR], {
      cwd: this.workDir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc.stdout.on("data", (d) => (this.output += d));
    this.proc.stderr.on("data", (d) => (this.output += d));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error("the gateway exited:\n" + this.output);
      try {
        if ((await fetch(this.url + "/ready")).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error("the gateway did not become ready:\n" + this.output);
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once("exit", r));
    this.proc.kill("SIGTERM");
    await exited;
  }

  /** The stored conversation, straight from the API. */
  async history(sessionId, token) {
    const r = await fetch(`${this.url}/api/webchat/history/${sessionId}?limit=200`, {
      headers: { Authorization: "Bearer " + token },
    });
    return (await r.json()).messages;
  }
}
