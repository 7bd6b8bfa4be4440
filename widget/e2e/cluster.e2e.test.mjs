// Two clustered gateways on one Postgres behind Debian's nginx, with the configuration the README
// shows (deploy/nginx/talia-webchat.conf), and the widget in Chromium on the landing nginx serves:
// chat, stop the node holding the socket, and the chat goes on through nginx with nothing lost.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { Gateway, freePort, freshDatabase } from "./gateway.mjs";

const ROOT = resolve(import.meta.dirname, "../..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const NGINX = process.env.NGINX_PATH ?? "/usr/sbin/nginx";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic"];

let nodes = [];
let nginx;
let nginxUrl;
let browser;

/** nginx on a free port in front of the nodes: the README's file, its ports replaced. */
async function startNginx(upstreams) {
  const dir = mkdtempSync(join(tmpdir(), "talia-nginx-"));
  chmodSync(dir, 0o755); // nginx's workers run as an unprivileged user
  const port = await freePort();
  const site = readFileSync(join(ROOT, "deploy/nginx/talia-webchat.conf"), "utf8")
    .replace("listen 8080;", `listen 127.0.0.1:${port};`)
    .replace(
      / {2}server 127\.0\.0\.1:8081[^\n]*\n {2}server 127\.0\.0\.1:8082[^\n]*\n/,
      upstreams.map((p) => `  server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;\n`).join(""),
    );
  assert.ok(!site.includes(":8081"), "the upstream of the README's file was replaced");
  writeFileSync(join(dir, "talia-webchat.conf"), site);
  const temp = (n) => `${n}_temp_path ${join(dir, n)};`;
  writeFileSync(
    join(dir, "nginx.conf"),
    `worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} warn;
events { worker_connections 512; }
http {
  access_log ${join(dir, "access.log")};
  ${temp("client_body")} ${temp("proxy")} ${temp("fastcgi")} ${temp("uwsgi")} ${temp("scgi")}
  include ${join(dir, "talia-webchat.conf")};
}
`,
  );
  const proc = spawn(NGINX, ["-p", dir, "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  proc.stdout.on("data", (d) => (output += d));
  proc.stderr.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error("nginx exited:\n" + output);
    try {
      if ((await fetch(url + "/health")).ok) return { proc, url };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("nginx did not start:\n" + output);
}

before(async () => {
  const db = freshDatabase("The cluster e2e test");
  const hazelcast = [await freePort(), await freePort()];
  const env = (i) => ({
    TALIA_DB_URL: db,
    TALIA_TRUSTED_PROXIES: "127.0.0.1",
    TALIA_CLUSTER_HOST: "127.0.0.1",
    TALIA_CLUSTER_PORT: String(hazelcast[i]),
    TALIA_CLUSTER_MEMBERS: hazelcast.map((p) => "127.0.0.1:" + p).join(","),
  });
  nodes = await Promise.all([0, 1].map((i) => Gateway.create(env(i))));
  ({ proc: nginx, url: nginxUrl } = await startNginx(nodes.map((n) => n.port)));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
});

after(async () => {
  await browser?.close();
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((r) => nginx.once("exit", r));
    nginx.kill("SIGQUIT");
    await exited;
  }
  await Promise.all(nodes.map((n) => n.stop()));
});

/** The open WebSockets a node holds, from its Vert.x metrics. */
async function openSockets(node) {
  const metrics = await (await fetch(node.url + "/metrics")).text();
  const line = metrics
    .split("\n")
    .find((l) => l.startsWith("vertx_http_server_active_ws_connections"));
  return line ? Number(line.split(" ").pop()) : 0;
}

async function session(page) {
  return page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith("talia-webchat:"));
    return JSON.parse(localStorage.getItem(key));
  });
}

test("behind nginx, the node holding the socket stops mid-chat and the chat goes on on the other", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(nginxUrl + "/");
  await page.getByRole("button", { name: "Abrir el chat con TalIA" }).click();
  await page.getByRole("button", { name: "Aceptar y chatear" }).click();
  const textbox = page.getByRole("textbox", { name: "Escribe tu mensaje" });
  const say = async (text) => {
    await textbox.fill(text);
    await textbox.press("Enter");
  };
  const reply = (text) =>
    page
      .locator("talia-webchat .msg.assistant", { hasText: text })
      .last()
      .waitFor({ timeout: 20_000 });

  await say("Hola");
  await reply("¿Cómo te llamas?");
  await page.locator("talia-webchat .typing").waitFor({ state: "hidden" });

  const counts = await Promise.all(nodes.map(openSockets));
  const holder = counts.findIndex((n) => n > 0);
  assert.ok(holder >= 0, `one node holds the widget's socket: ${counts}`);
  await nodes[holder].stop(); // SIGTERM: the socket is closed 1001, the node hands over and exits

  await say("Me llamo Ana Pérez");
  await reply("Encantada, Ana Pérez");
  await page.locator("talia-webchat .typing").waitFor({ state: "hidden" });
  const other = nodes[1 - holder];
  assert.ok(
    (await openSockets(other)) > 0,
    "the widget reconnected, through nginx, to the other node",
  );

  const { id, token } = await session(page);
  const stored = await other.history(id, token);
  assert.deepEqual(
    stored.map((m) => m.seq),
    [1, 2, 3, 4],
  );
  assert.deepEqual(
    stored.filter((m) => m.role === "user").map((m) => m.content),
    ["Hola", "Me llamo Ana Pérez"],
  );
  assert.ok(stored.every((m) => m.status === "completed"));
  assert.equal(
    await page.locator("talia-webchat .msg").count(),
    5,
    "welcome + four stored messages, none lost, none twice",
  );
  await page.screenshot({ path: "test-results/cluster-behind-nginx.png" });
  await context.close();
});
