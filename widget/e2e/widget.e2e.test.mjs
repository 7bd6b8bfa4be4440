// The widget in real Chromium (Debian's /usr/bin/chromium) on the demo landing, served by the real
// jar with the scripted engine. Screenshots go to test-results/.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";
import { Gateway } from "./gateway.mjs";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
const SHOTS = "test-results";
mkdirSync(SHOTS, { recursive: true });

let gateway;
let browser;

before(async () => {
  gateway = await Gateway.create();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
});

after(async () => {
  await browser?.close();
  await gateway?.stop();
});

/** A fresh visitor (own localStorage) on the landing, with CSP violations and page events recorded. */
async function visit(contextOptions = {}, prepare = async () => {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  await prepare(page);
  page.on("dialog", (d) => {
    page.dialogs = (page.dialogs ?? 0) + 1;
    d.dismiss();
  });
  await page.addInitScript(() => {
    window.__csp = [];
    window.__events = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__csp.push(e.violatedDirective + " " + e.blockedURI),
    );
    document.addEventListener("talia:ready", () => {
      for (const name of ["lead", "message", "open", "close"])
        window.TaliaWebchat.on(name, (d) => window.__events.push({ name, d }));
    });
  });
  await page.goto(gateway.url + "/");
  await page.waitForFunction(() => window.TaliaWebchat !== undefined);
  return { context, page };
}

const launcher = (page) => page.getByRole("button", { name: "Abrir el chat con TalIA" });
const textbox = (page) => page.getByRole("textbox", { name: "Escribe tu mensaje" });
const log = (page) => page.getByRole("log");

/** Opens the chat and accepts the consent step, ready to chat. */
async function openAndConsent(page) {
  await launcher(page).click();
  await page.getByRole("button", { name: "Aceptar y chatear" }).click();
}

async function say(page, text) {
  await textbox(page).fill(text);
  await textbox(page).press("Enter");
}

/** Waits until the assistant's last bubble stops changing and contains {@code text}. */
async function waitForReply(page, text) {
  await page
    .locator("talia-webchat .msg.assistant", { hasText: text })
    .last()
    .waitFor({ timeout: 15_000 });
}

/** Serves a stylesheet at a path of the gateway's origin, so that the page's CSP lets it in. */
async function serveCss(page, path, css) {
  await page.route(gateway.url + path, (route) =>
    route.fulfill({ contentType: "text/css", body: css }),
  );
}

/** A site's worst stylesheet: everything it can set on every element, !important. */
const HOSTILE_CSS = `*, *::before, *::after {
  font: italic small-caps 900 31px/3 "Comic Sans MS", cursive !important;
  font-feature-settings: "smcp" !important; font-kerning: none !important;
  letter-spacing: 4px !important; word-spacing: 9px !important; text-transform: uppercase !important;
  text-align: right !important; text-indent: 20px !important; text-shadow: 2px 2px red !important;
  text-decoration: line-through !important; white-space: pre !important; word-break: break-all !important;
  color: #f0f !important; -webkit-text-fill-color: #0ff !important; caret-color: red !important;
  accent-color: red !important; color-scheme: dark !important; background: #0f0 !important;
  direction: rtl !important; unicode-bidi: bidi-override !important; writing-mode: vertical-rl !important;
  visibility: hidden !important; opacity: 0.5 !important; display: inline !important;
  position: static !important; inset: auto !important; float: left !important; z-index: -1 !important;
  width: 10px !important; height: 10px !important; max-height: 5px !important;
  margin: 40px !important; padding: 40px !important; box-sizing: content-box !important;
  border: 5px solid red !important; border-radius: 0 !important; outline: 3px solid blue !important;
  box-shadow: 0 0 9px red !important; overflow: hidden !important; cursor: wait !important;
  pointer-events: none !important; user-select: none !important; list-style: square inside !important;
  content: "X" !important;
  --bg: red !important; --fg: red !important; --muted: red !important; --bubble: red !important;
  --line: red !important; --link: red !important;
}
*::selection { background: red !important; color: lime !important; }
*::placeholder { color: red !important; font-size: 40px !important; }`;

/**
 * Every computed property (and the chat's own custom properties) of the host and of each element
 * in its shadow root, pseudo-elements included: what the visitor's chat looks like, as numbers.
 */
function chatStyles() {
  const custom = ["--bg", "--fg", "--muted", "--bubble", "--line", "--link", "--talia-brand"];
  const read = (el, pseudo) => {
    const cs = getComputedStyle(el, pseudo);
    const out = {};
    for (const p of cs) out[p] = cs.getPropertyValue(p);
    for (const p of custom) out[p] = cs.getPropertyValue(p);
    return out;
  };
  const host = document.querySelector("talia-webchat");
  const styles = {};
  // (The host's own ::selection is left out: it has no text of its own to select.)
  styles.host = read(host, null);
  // A ::before or ::after whose content is none is not drawn: whether it is drawn is what counts.
  for (const pseudo of ["::before", "::after"]) {
    styles["host" + pseudo] = { content: getComputedStyle(host, pseudo).content };
  }
  host.shadowRoot.querySelectorAll("*").forEach((el, i) => {
    const name = `${i} ${el.localName}.${el.getAttribute("class") ?? ""}`;
    styles[name] = read(el, null);
    styles[name + "::selection"] = read(el, "::selection");
    if (el.localName === "textarea") styles[name + "::placeholder"] = read(el, "::placeholder");
  });
  return styles;
}

/** What differs between two chatStyles() readings, one line each. */
function differences(before, after) {
  const out = [];
  for (const el of new Set([...Object.keys(before), ...Object.keys(after)])) {
    for (const p of new Set([...Object.keys(before[el] ?? {}), ...Object.keys(after[el] ?? {})])) {
      if (before[el]?.[p] !== after[el]?.[p])
        out.push(`${el} ${p}: ${before[el]?.[p]} -> ${after[el]?.[p]}`);
    }
  }
  return out;
}

async function session(page) {
  return page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith("talia-webchat:"));
    return JSON.parse(localStorage.getItem(key));
  });
}

test("consent, a streamed chat to a captured lead, and a reload that keeps the conversation", async () => {
  const { context, page } = await visit({ viewport: { width: 1280, height: 800 } });
  await launcher(page).click();
  const consent = page.locator("talia-webchat .consent");
  await consent.waitFor();
  assert.match(await consent.innerText(), /Para chatear con TalIA/);
  assert.match(await consent.innerText(), /2026-11/);
  assert.equal(
    await consent.getByRole("link", { name: "Política de privacidad" }).getAttribute("href"),
    gateway.url + "/privacidad.html",
  );
  assert.equal(await textbox(page).count(), 0, "no message box before consent");
  await page.getByRole("button", { name: "Aceptar y chatear" }).click();
  await textbox(page).waitFor();
  const { limits } = await (await fetch(gateway.url + "/api/webchat/config")).json();
  assert.equal(
    await textbox(page).getAttribute("maxlength"),
    String(limits.content_max_chars),
    "the message box takes the gateway's limit",
  );

  // Count how the reply bubble grows: streamed text changes it many times before it completes.
  await page.evaluate(() => {
    window.__growth = 0;
    const root = document.querySelector("talia-webchat").shadowRoot;
    new MutationObserver(() => window.__growth++).observe(root.querySelector(".log"), {
      childList: true,
      subtree: true,
      characterData: true,
    });
  });
  await say(page, "Hola");
  await waitForReply(page, "¿Cómo te llamas?");
  assert.ok((await page.evaluate(() => window.__growth)) > 4, "the reply streamed in pieces");

  await say(page, "Me llamo Ana Pérez");
  await waitForReply(page, "Ana Pérez");
  await say(page, "ana.perez@example.com");
  await waitForReply(page, "teléfono");
  await say(page, "+34 612 345 678");
  await waitForReply(page, "+34612345678");
  await page.locator("talia-webchat .typing").waitFor({ state: "hidden" });
  const events = await page.evaluate(() => window.__events);
  const leadFields = events.filter((e) => e.name === "lead").flatMap((e) => e.d.fields);
  assert.deepEqual([...new Set(leadFields)].sort(), ["email", "name", "phone"]);
  assert.ok(events.some((e) => e.name === "open"));
  await page.screenshot({ path: `${SHOTS}/desktop-chat.png` });

  const { id, token } = await session(page);
  const stored = await gateway.history(id, token);
  assert.equal(stored.length, 8);
  assert.deepEqual(
    stored.map((m) => m.seq),
    [1, 2, 3, 4, 5, 6, 7, 8],
  );

  await page.reload();
  await page.waitForFunction(() => window.TaliaWebchat !== undefined);
  await launcher(page).click();
  await waitForReply(page, "+34612345678");
  assert.match(await log(page).innerText(), /Me llamo Ana Pérez/);
  assert.equal(
    await page.locator("talia-webchat .consent").isVisible(),
    false,
    "consent is not asked again",
  );
  assert.equal(await page.locator("talia-webchat .msg").count(), 8);
  assert.deepEqual(
    await page.evaluate(() => window.__csp),
    [],
    "no Content-Security-Policy violation",
  );
  await context.close();
});

test("the keyboard alone opens, sends, closes with Esc and returns focus to the launcher; axe finds nothing serious", async () => {
  const { context, page } = await visit();
  await page.keyboard.press("Tab");
  for (let i = 0; i < 20 && !(await launcher(page).evaluate((b) => b.matches(":focus"))); i++)
    await page.keyboard.press("Tab");
  assert.ok(
    await launcher(page).evaluate((b) => b.matches(":focus")),
    "the launcher is reachable by Tab",
  );
  await page.keyboard.press("Enter");
  await page.getByRole("button", { name: "Aceptar y chatear" }).waitFor();
  assert.ok(
    await page
      .getByRole("button", { name: "Aceptar y chatear" })
      .evaluate((b) => b.matches(":focus")),
  );
  await page.keyboard.press("Enter");
  await textbox(page).waitFor();
  await page.waitForFunction(
    () => document.querySelector("talia-webchat").shadowRoot.activeElement?.tagName === "TEXTAREA",
  );
  await page.keyboard.type("¿Qué precio tiene?");
  await page.keyboard.press("Enter");
  await waitForReply(page, "49 €");

  await page.evaluate(AXE);
  const results = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ["violations"] }),
  );
  const serious = results.violations.filter(
    (v) => v.impact === "serious" || v.impact === "critical",
  );
  assert.deepEqual(
    serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    [],
  );

  await page.keyboard.press("Escape");
  await page.locator("talia-webchat .panel").waitFor({ state: "hidden" });
  assert.ok(
    await launcher(page).evaluate((b) => b.matches(":focus")),
    "focus is back on the launcher",
  );
  assert.ok((await page.evaluate(() => window.__events)).some((e) => e.name === "close"));
  await context.close();
});

test("the page API opens and closes the chat, and widget.js is served cacheable as JavaScript", async () => {
  const { context, page } = await visit();
  await page.evaluate(() => window.TaliaWebchat.open());
  await page.locator("talia-webchat .panel").waitFor();
  await page.evaluate(() => window.TaliaWebchat.close());
  await page.locator("talia-webchat .panel").waitFor({ state: "hidden" });
  const names = (await page.evaluate(() => window.__events)).map((e) => e.name);
  assert.deepEqual(names, ["open", "close"]);
  const js = await fetch(gateway.url + "/widget.js");
  assert.equal(js.status, 200);
  assert.match(js.headers.get("content-type"), /javascript/);
  assert.match(js.headers.get("cache-control"), /max-age=\d+/);
  assert.ok((await js.text()).length < 40_000);
  await context.close();
});

test("visitor text with markup renders inert; only http(s) links become links", async () => {
  const { context, page } = await visit();
  await openAndConsent(page);
  await say(
    page,
    '<img src=x onerror="window.__xss=1"> [clic](javascript:window.__xss=2) **negrita** https://example.com/a?b=1',
  );
  await waitForReply(page, "TalIA");
  const user = page.locator("talia-webchat .msg.user").last();
  assert.match(await user.innerText(), /<img src=x onerror="window.__xss=1">/);
  assert.equal(await page.locator("talia-webchat img").count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.equal(page.dialogs ?? 0, 0);
  assert.equal(await user.locator("a[href^='javascript']").count(), 0);
  assert.equal(await user.locator("strong").innerText(), "negrita");
  const link = user.locator("a");
  assert.equal(await link.count(), 1);
  assert.equal(await link.getAttribute("href"), "https://example.com/a?b=1");
  assert.equal(await link.getAttribute("rel"), "noopener noreferrer");
  assert.equal(await link.getAttribute("target"), "_blank");

  await say(page, "<img src=x onerror=alert(1)> [x](javascript:alert(1))");
  await page.locator("talia-webchat .msg.user", { hasText: "onerror=alert(1)" }).waitFor();
  await page.locator("talia-webchat .typing").waitFor({ state: "hidden" });
  // The same text again, this time rebuilt from the stored history after a reload.
  await page.reload();
  await page.waitForFunction(() => window.TaliaWebchat !== undefined);
  await launcher(page).click();
  await page.locator("talia-webchat .msg.user", { hasText: "onerror=alert(1)" }).waitFor();
  await page.waitForTimeout(300); // an onerror would have fired by now
  assert.equal(await page.locator("talia-webchat img").count(), 0);
  assert.equal(await page.locator("talia-webchat a[href^='javascript']").count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.equal(page.dialogs ?? 0, 0, "no alert() ran");
  assert.deepEqual(
    await page.evaluate(() => window.__csp),
    [],
    "no Content-Security-Policy violation",
  );
  await context.close();
});

test("hostile markup in the assistant's streamed reply renders inert; its link and bold are real", async () => {
  const { context, page } = await visit();
  await openAndConsent(page);
  await say(page, "¿Tienes un enlace de prueba?");
  await waitForReply(page, "alert(2)");
  await page.locator("talia-webchat .typing").waitFor({ state: "hidden" });
  await page.waitForTimeout(300);
  const reply = page.locator("talia-webchat .msg.assistant").last();
  assert.match(
    await reply.innerText(),
    /<img src=x onerror=alert\(1\)> \[x\]\(javascript:alert\(1\)\) <script>alert\(2\)<\/script>/,
  );
  assert.equal(await reply.locator("strong").innerText(), "guía");
  assert.equal(await reply.locator("br").count(), 1);
  assert.deepEqual(
    await reply.locator("a").evaluateAll((as) => as.map((a) => [a.href, a.rel, a.target])),
    [["https://talia.example/docs", "noopener noreferrer", "_blank"]],
  );
  assert.equal(await page.locator("talia-webchat img, talia-webchat script").count(), 0);
  assert.equal(page.dialogs ?? 0, 0, "no alert() ran");
  await page.screenshot({ path: `${SHOTS}/hostile-reply.png` });
  await context.close();
});

test("in a dark colour scheme the open chat, links included, has no serious axe violation", async () => {
  const { context, page } = await visit({ colorScheme: "dark" });
  await openAndConsent(page);
  await say(page, "Hola, ¿tienes un enlace de prueba?");
  await waitForReply(page, "alert(2)");
  await page.locator("talia-webchat .typing").waitFor({ state: "hidden" });
  await page.evaluate(AXE);
  const results = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ["violations"] }),
  );
  const serious = results.violations.filter(
    (v) => v.impact === "serious" || v.impact === "critical",
  );
  assert.deepEqual(
    serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    [],
  );
  await page.screenshot({ path: `${SHOTS}/dark-chat.png` });
  await context.close();
});

test("a visitor whose network goes away keeps what they type, and it is sent once the network is back", async () => {
  const { context, page } = await visit();
  await openAndConsent(page);
  await say(page, "Hola");
  await waitForReply(page, "¿Cómo te llamas?");
  await page.locator("talia-webchat .typing").waitFor({ state: "hidden" });

  await context.setOffline(true);
  await page.locator("talia-webchat .status", { hasText: "reconectando" }).waitFor();
  await say(page, "Me llamo Ana Pérez");
  await page.waitForTimeout(500);
  const { id, token } = await session(page);
  assert.equal(
    (await gateway.history(id, token)).length,
    2,
    "nothing reached the gateway while offline",
  );
  await context.setOffline(false);
  await waitForReply(page, "Encantada, Ana Pérez");
  await page.locator("talia-webchat .typing").waitFor({ state: "hidden" });
  assert.equal(await page.locator("talia-webchat .status").innerText(), "");
  const stored = await gateway.history(id, token);
  assert.deepEqual(
    stored.filter((m) => m.role === "user").map((m) => m.content),
    ["Hola", "Me llamo Ana Pérez"],
  );
  assert.equal(
    await page.locator("talia-webchat .msg").count(),
    5,
    "welcome + four stored messages, none twice",
  );
  await context.close();
});

test("a connection dropped mid-chat is restored without losing or repeating a message", async () => {
  const { context, page } = await visit();
  await openAndConsent(page);
  await say(page, "Hola");
  await waitForReply(page, "¿Cómo te llamas?");
  await page.locator("talia-webchat .typing").waitFor({ state: "hidden" });

  await gateway.stop(); // the socket drops: the whole gateway goes away
  await page.locator("talia-webchat .status", { hasText: "reconectando" }).waitFor();
  await say(page, "Me llamo Ana Pérez"); // typed while offline: kept and sent once back
  await gateway.start();
  await waitForReply(page, "Encantada, Ana Pérez");
  await page.locator("talia-webchat .typing").waitFor({ state: "hidden" }); // the reply is complete, so stored

  const { id, token } = await session(page);
  const stored = await gateway.history(id, token);
  assert.deepEqual(
    stored.map((m) => m.seq),
    [1, 2, 3, 4],
  );
  assert.deepEqual(
    stored.filter((m) => m.role === "user").map((m) => m.content),
    ["Hola", "Me llamo Ana Pérez"],
  );
  assert.equal(
    await page.locator("talia-webchat .msg").count(),
    5,
    "welcome + four stored messages, none twice",
  );
  await context.close();
});

test("with WebSockets blocked the widget chats over REST", async () => {
  const { context, page } = await visit();
  await page.routeWebSocket(/\/api\/webchat\/stream/, (ws) => ws.close());
  await openAndConsent(page);
  await say(page, "¿Qué precio tiene?");
  await waitForReply(page, "49 €");
  const { id, token } = await session(page);
  assert.equal((await gateway.history(id, token)).length, 2);
  await context.close();
});

test("a hostile host stylesheet (every property, !important, on *) changes nothing in the chat", async () => {
  const { context, page } = await visit({}, (p) => serveCss(p, "/hostile.css", HOSTILE_CSS));
  await openAndConsent(page);
  await say(page, "¿Tienes un enlace de prueba?");
  await waitForReply(page, "alert(2)");
  await page.locator("talia-webchat .typing").waitFor({ state: "hidden" });
  const open = await page.evaluate(chatStyles);
  await page.addStyleTag({ url: "/hostile.css" });
  assert.match(
    await page.evaluate(() => getComputedStyle(document.body).fontFamily),
    /Comic Sans/,
    "the hostile sheet applies to the page",
  );
  assert.equal(
    await page.evaluate(() => getComputedStyle(document.body).color),
    "rgb(255, 0, 255)",
  );
  assert.deepEqual(differences(open, await page.evaluate(chatStyles)), [], "open chat");
  // The shot still shows the body's opacity on everything in the page, the chat included: a
  // group effect of an ancestor (like its filter or transform), which nothing inside can undo.
  await page.screenshot({ path: `${SHOTS}/hostile-host.png` });

  await page.evaluate(() => window.TaliaWebchat.close());
  const closedHostile = await page.evaluate(chatStyles);
  await page.evaluate(() => document.querySelector('link[href="/hostile.css"]').remove());
  assert.doesNotMatch(
    await page.evaluate(() => getComputedStyle(document.body).fontFamily),
    /Comic/,
  );
  assert.deepEqual(differences(await page.evaluate(chatStyles), closedHostile), [], "launcher");
  assert.deepEqual(
    await page.evaluate(() => window.__csp),
    [],
    "no Content-Security-Policy violation",
  );
  await context.close();
});

test("the chat has its own font on a serif page, and the page's with data-font=inherit", async () => {
  const serif = "body, body * { font-family: Georgia, serif; }";
  const fonts = (page) =>
    page.evaluate(() =>
      [
        ...document
          .querySelector("talia-webchat")
          .shadowRoot.querySelectorAll("h2, .msg, textarea, button"),
      ].map((el) => getComputedStyle(el).fontFamily),
    );
  const { context, page } = await visit({}, (p) => serveCss(p, "/serif.css", serif));
  await page.addStyleTag({ url: "/serif.css" });
  assert.equal(
    await page.evaluate(() => getComputedStyle(document.body).fontFamily),
    "Georgia, serif",
  );
  await launcher(page).click();
  await page.locator("talia-webchat .consent").waitFor();
  for (const font of await fonts(page)) assert.match(font, /^system-ui, /);
  await context.close();

  const inherit = await visit({}, async (p) => {
    await serveCss(p, "/serif.css", serif);
    await p.route(gateway.url + "/", async (route) => {
      const res = await route.fetch();
      const html = (await res.text()).replace("<script src=", '<script data-font="inherit" src=');
      await route.fulfill({ response: res, body: html });
    });
  });
  await inherit.page.addStyleTag({ url: "/serif.css" });
  await launcher(inherit.page).click();
  await inherit.page.locator("talia-webchat .consent").waitFor();
  const inherited = await fonts(inherit.page);
  assert.ok(inherited.length > 3);
  for (const font of inherited) assert.equal(font, "Georgia, serif");
  await inherit.context.close();
});

test("on a phone the open chat fills the screen", async () => {
  const { context, page } = await visit({
    viewport: { width: 375, height: 667 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  await openAndConsent(page);
  await say(page, "Hola");
  await waitForReply(page, "¿Cómo te llamas?");
  const box = await page.locator("talia-webchat .panel").boundingBox();
  const viewport = page.viewportSize();
  assert.equal(Math.round(box.x), 0);
  assert.equal(Math.round(box.y), 0);
  assert.equal(Math.round(box.width), viewport.width);
  assert.equal(Math.round(box.height), viewport.height);
  await page.screenshot({ path: `${SHOTS}/phone-chat.png` });
  await context.close();
});
