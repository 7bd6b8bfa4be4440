// The admin page in real Chromium against the packaged jar on the test Postgres: a visitor leaves
// a lead through the widget on the landing; the owner signs in at /admin, finds it, reads its
// conversation, downloads the CSV and erases the visitor; the widget then starts a fresh chat.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";
import { Gateway, freePort, freshDatabase } from "./gateway.mjs";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic"];
const SHOTS = "test-results";
mkdirSync(SHOTS, { recursive: true });

const TOKEN = "e2e-admin-" + randomBytes(12).toString("hex");
const CSV_HEADER =
  "id,session_id,name,email,phone,created_at,updated_at,consent_id,policy_version,consent_granted_at,page_url,utm_source,utm_medium,utm_campaign,utm_term,utm_content";

let gateway;
let browser;

before(async () => {
  // Webhooks go to a port nothing listens on, one attempt each: failed deliveries to retry.
  gateway = await Gateway.create({
    TALIA_DB_URL: freshDatabase("The admin page's e2e test"),
    TALIA_ADMIN_TOKEN: TOKEN,
    TALIA_WEBHOOK_URL: `http://127.0.0.1:${await freePort()}/hook`,
    TALIA_WEBHOOK_SECRET: "whsec_" + randomBytes(32).toString("base64"),
    TALIA_WEBHOOK_EVENTS: "lead_captured",
    TALIA_WEBHOOK_MAX_ATTEMPTS: "1",
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
});

after(async () => {
  await browser?.close();
  await gateway?.stop();
});

/** A page with its CSP violations recorded. */
async function open(context, path) {
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__csp.push(e.violatedDirective + " " + e.blockedURI),
    );
  });
  await page.goto(gateway.url + path);
  return page;
}

const textbox = (page) => page.getByRole("textbox", { name: "Escribe tu mensaje" });

async function say(page, text, reply) {
  await textbox(page).fill(text);
  await textbox(page).press("Enter");
  await page
    .locator("talia-webchat .msg.assistant", { hasText: reply })
    .last()
    .waitFor({ timeout: 15_000 });
}

/** Another visitor, through the REST API: a lead that the erasure must leave alone. */
async function otherVisitor() {
  const post = async (path, body, token) => {
    const r = await fetch(gateway.url + path, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        ...(token ? { Authorization: "Bearer " + token } : {}),
      },
      body: JSON.stringify(body),
    });
    assert.ok(r.ok, `${path}: ${r.status} ${await r.clone().text()}`);
    return r.json();
  };
  const s = await post("/api/webchat/sessions", { locale: "es" });
  await post(
    "/api/webchat/consent",
    { session_id: s.session_id, policy_version: "2026-11", granted: true },
    s.session_token,
  );
  for (const content of ["Me llamo Luis Mora", "luis.mora@example.com", "+34 600 111 222"])
    await post(
      "/api/webchat/messages",
      { session_id: s.session_id, author: "user", content },
      s.session_token,
    );
  return s.session_id;
}

async function axeSerious(page) {
  await page.evaluate(AXE);
  const results = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ["violations"] }),
  );
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

test("a lead from the widget, found at /admin with its conversation, in the CSV, erased, and the widget starts over", async () => {
  const otherSession = await otherVisitor();

  // The visitor chats on the landing and leaves name, email and phone.
  const visitorContext = await browser.newContext();
  const landing = await open(visitorContext, "/");
  await landing.waitForFunction(() => window.TaliaWebchat !== undefined);
  await landing.getByRole("button", { name: "Abrir el chat con TalIA" }).click();
  await landing.getByRole("button", { name: "Aceptar y chatear" }).click();
  await say(landing, "Hola", "¿Cómo te llamas?");
  await say(landing, "Me llamo Marta Gil", "Marta Gil");
  await say(landing, "marta.gil@example.com", "teléfono");
  await say(landing, "+34 611 222 333", "+34611222333");
  const saved = await landing.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith("talia-webchat:"));
    return { key, value: localStorage.getItem(key) };
  });
  const visitorSession = JSON.parse(saved.value);

  // The owner signs in: a wrong token is refused and asked again, the right one kept in the tab.
  const ownerContext = await browser.newContext({ acceptDownloads: true });
  const admin = await open(ownerContext, "/admin");
  const tokenBox = admin.getByLabel("Token de administración (TALIA_ADMIN_TOKEN)");
  await tokenBox.waitFor();
  assert.ok(
    await tokenBox.evaluate((e) => e === document.activeElement),
    "the token box has focus",
  );
  await tokenBox.fill("not-the-token");
  await tokenBox.press("Enter");
  await admin.getByRole("alert").filter({ hasText: "El token no es válido" }).waitFor();
  await tokenBox.fill(TOKEN);
  await tokenBox.press("Enter");
  const leads = admin.locator(".leads table");
  await leads.getByRole("button", { name: "Marta Gil" }).waitFor();
  await leads.getByRole("button", { name: "Luis Mora" }).waitFor();
  const storage = await admin.evaluate(() => ({
    session: sessionStorage.getItem("talia-admin:token"),
    local: JSON.stringify({ ...localStorage }),
    url: location.href,
  }));
  assert.equal(storage.session, TOKEN);
  assert.ok(!storage.local.includes(TOKEN), "the token is not in localStorage");
  assert.ok(!storage.url.includes(TOKEN), "the token is not in the URL");
  await admin.reload();
  await leads.getByRole("button", { name: "Marta Gil" }).waitFor();
  assert.equal(await tokenBox.isVisible(), false, "a reload of the tab keeps the token");

  // Find the lead by search, open its conversation beside the table.
  await admin.getByLabel("Buscar (nombre, email o teléfono)").fill("marta");
  await admin.getByRole("button", { name: "Filtrar", exact: true }).click();
  await leads.getByRole("button", { name: "Luis Mora" }).waitFor({ state: "detached" });
  const row = leads.locator("tbody tr", { hasText: "marta.gil@example.com" });
  assert.match(await row.innerText(), /\+34611222333/);
  await row.getByRole("button", { name: "Marta Gil" }).click();
  const detail = admin.locator(".detail");
  await detail.locator(".transcript li").nth(7).waitFor();
  const transcript = await detail.locator(".transcript").innerText();
  assert.match(transcript, /Me llamo Marta Gil/);
  assert.match(transcript, /marta\.gil@example\.com/);
  assert.match(await detail.innerText(), /Conversación: Marta Gil/);
  assert.deepEqual(await axeSerious(admin), [], "axe on the leads and the conversation");
  await admin.screenshot({ path: `${SHOTS}/admin-lead.png`, fullPage: true });

  // The CSV, fetched with the token and saved as a file: the lead's row is in it.
  const [download] = await Promise.all([
    admin.waitForEvent("download"),
    admin.getByRole("button", { name: "Descargar CSV" }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^talia-leads-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync(await download.path(), "utf8");
  const lines = csv.split("\r\n");
  assert.equal(lines[0].replace(/^\uFEFF/, ""), CSV_HEADER);
  const mine = lines.filter((l) => l.includes("marta.gil@example.com"));
  assert.equal(mine.length, 1, csv);
  const cells = mine[0].split(",");
  assert.equal(cells[1], visitorSession.id);
  assert.equal(cells[2], "Marta Gil");
  // A cell starting with + is neutralised like a formula (OWASP), E.164 phones included.
  assert.equal(cells[4], "'+34611222333");
  assert.ok(!csv.includes("luis.mora@example.com"), "the CSV has the search's leads only");

  // Erase: the confirmation names what goes; Esc cancels, then the keyboard confirms.
  const erase = detail.getByRole("button", { name: "Borrar a este visitante" });
  await erase.click();
  const dialog = admin.getByRole("dialog", { name: "¿Borrar los datos de este visitante?" });
  await dialog.waitFor();
  const said = await dialog.innerText();
  for (const what of ["marta.gil@example.com", "mensajes", "nombre, email y teléfono", "IP"])
    assert.ok(said.includes(what), `the confirmation names ${what}: ${said}`);
  assert.match(said, /user agent/);
  assert.match(said, /OpenAI/);
  assert.ok(
    await dialog
      .getByRole("button", { name: "Cancelar" })
      .evaluate((b) => b === document.activeElement),
    "focus starts on Cancel",
  );
  assert.deepEqual(await axeSerious(admin), [], "axe with the confirmation open");
  await admin.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  assert.ok(await erase.evaluate((b) => b === document.activeElement), "focus back on the button");
  await admin.keyboard.press("Enter");
  await dialog.waitFor();
  await admin.keyboard.press("Tab");
  await admin.keyboard.press("Enter");
  await admin.getByRole("status").filter({ hasText: "Borrada 1 conversación." }).waitFor();
  await leads.getByText("No hay leads con estos filtros.").waitFor();
  await admin.getByRole("button", { name: "Limpiar filtros" }).click();
  await leads.getByRole("button", { name: "Luis Mora" }).waitFor();
  assert.equal(await leads.getByRole("button", { name: "Marta Gil" }).count(), 0);

  // Straight from the API: the session is gone, the other visitor's is not.
  const get = (path) =>
    fetch(gateway.url + path, { headers: { Authorization: "Bearer " + TOKEN } });
  assert.equal((await get("/api/admin/sessions/" + visitorSession.id)).status, 404);
  assert.equal((await get("/api/admin/sessions/" + otherSession)).status, 200);

  // The webhook deliveries: the failed lead_captured ones, one sent again.
  await admin.getByLabel("Estado", { exact: true }).selectOption("failed");
  const failed = admin.locator(".deliveries tbody tr[data-delivery]");
  await failed.first().waitFor();
  assert.match(await failed.first().innerText(), /lead_captured/);
  assert.match(await failed.first().innerText(), /Fallida/);
  await failed
    .first()
    .getByRole("button", { name: /Reintentar/ })
    .click();
  await admin
    .getByRole("status")
    .filter({ hasText: "La entrega se enviará de nuevo ahora." })
    .waitFor();
  assert.deepEqual(await admin.evaluate(() => window.__csp), [], "no CSP violation on /admin");

  // The visitor's page, still open: its socket hears the session is gone and the chat starts over.
  await landing.getByRole("button", { name: "Aceptar y chatear" }).waitFor();
  assert.equal(await landing.locator("talia-webchat .msg.user").count(), 0, "the log was emptied");
  assert.equal(
    await landing.evaluate((key) => localStorage.getItem(key), saved.key),
    null,
    "the widget forgot the erased session",
  );

  // A tab that was closed meanwhile still holds the session: on the landing it answers 404 and
  // the widget starts a fresh chat.
  await landing.evaluate(({ key, value }) => localStorage.setItem(key, value), saved);
  const history = landing.waitForResponse((r) =>
    r.url().includes("/api/webchat/history/" + visitorSession.id),
  );
  await landing.reload();
  await landing.waitForFunction(() => window.TaliaWebchat !== undefined);
  await landing.getByRole("button", { name: "Abrir el chat con TalIA" }).click();
  assert.equal((await history).status(), 404, "the erased session is not found");
  await landing.getByRole("button", { name: "Aceptar y chatear" }).waitFor();
  assert.equal(await landing.locator("talia-webchat .msg.user").count(), 0, "nothing of before");
  await landing.getByRole("button", { name: "Aceptar y chatear" }).click();
  await say(landing, "Hola", "¿Cómo te llamas?");
  const fresh = await landing.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith("talia-webchat:"));
    return JSON.parse(localStorage.getItem(key));
  });
  assert.notEqual(fresh.id, visitorSession.id, "a new session");
  assert.deepEqual(await landing.evaluate(() => window.__csp), []);
  await visitorContext.close();
  await ownerContext.close();
});

test("a new tab asks for the token again; the page is English on request", async () => {
  const context = await browser.newContext();
  const admin = await open(context, "/admin");
  await admin.getByLabel("Idioma").selectOption("en");
  const tokenBox = admin.getByLabel("Admin token (TALIA_ADMIN_TOKEN)");
  await tokenBox.fill(TOKEN);
  await tokenBox.press("Enter");
  await admin.getByRole("button", { name: "Download CSV" }).waitFor();
  assert.equal(await admin.evaluate(() => document.documentElement.lang), "en");
  assert.deepEqual(await axeSerious(admin), []);
  await context.close();
});
