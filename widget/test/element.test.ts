import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { mount, optionsFromScript, type TaliaWebchatElement } from "../src/widget";

/** A stand-in for the browser's WebSocket: the test plays the gateway's frames. */
class FakeSocket {
  static last: FakeSocket | null = null;
  sent: Record<string, unknown>[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.last = this;
    queueMicrotask(() => this.onopen?.());
  }
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  closed = false;
  close() {
    this.closed = true;
  }
  frame(f: object) {
    this.onmessage?.({ data: JSON.stringify(f) });
  }
}

const CONFIG = {
  consent: {
    required: true,
    policy_version: "2026-11",
    text: "Para chatear con TalIA acepta la política.",
    policy_url: "/privacidad.html",
  },
  welcome: "¡Hola! Soy TalIA.",
  title: "TalIA",
  theme: "auto",
  limits: { content_max_chars: 4000 },
};

function json(body: unknown, status = 200) {
  return Promise.resolve(
    new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } }),
  );
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const settle = async () => {
  for (let i = 0; i < 10; i++) await tick();
};

let el: TaliaWebchatElement;
const shadow = () => el.shadowRoot!;
const panelHtml = () => shadow().querySelector(".panel")!.outerHTML;

/** Opens the chat and accepts the consent step (a session is created, its socket opened). */
async function openConsented() {
  el.open();
  await settle();
  (shadow().querySelector(".consent button") as HTMLButtonElement).click();
  await settle();
}

/** A visitor's message, the start of its reply, then the network gone and back: the new socket. */
async function dropMidReply(): Promise<FakeSocket> {
  await openConsented();
  const first = FakeSocket.last!;
  first.frame({ type: "ready", session_id: "s-1", last_seq: 0 });
  first.frame({
    type: "message",
    message: { id: "m1", seq: 1, role: "user", content: "Hola", client_message_id: "c-1" },
  });
  first.frame({ type: "reply.delta", reply_id: "r1", delta: "Te cuento: " });
  dispatchEvent(new Event("offline"));
  dispatchEvent(new Event("online"));
  const back = FakeSocket.last!;
  await settle();
  return back;
}

let uuids = 0;

beforeEach(() => {
  localStorage.clear();
  // Snapshots hold client_message_ids: make them deterministic.
  uuids = 0;
  vi.spyOn(crypto, "randomUUID").mockImplementation(
    () => `00000000-0000-4000-8000-${String(++uuids).padStart(12, "0")}` as const,
  );
  vi.stubGlobal("WebSocket", FakeSocket);
  vi.stubGlobal(
    "fetch",
    vi.fn((url: string) => {
      const path = new URL(url).pathname;
      if (path === "/api/webchat/config") return json(CONFIG);
      if (path === "/api/webchat/sessions")
        return json({ session_id: "s-1", session_token: "tok" }, 201);
      if (path === "/api/webchat/consent") return json({ consent_id: "c-1", granted: true }, 201);
      if (path.startsWith("/api/webchat/history/")) return json({ messages: [] });
      return json({ code: "not_found" }, 404);
    }),
  );
  el = mount({ endpoint: "https://chat.example", locale: "es" });
});

afterEach(() => {
  el.remove();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("<talia-webchat>", () => {
  it("starts closed: only the launcher, with an accessible name", () => {
    const launcher = shadow().querySelector(".launcher")!;
    expect(launcher.getAttribute("aria-label")).toBe("Abrir el chat con TalIA");
    expect(launcher.getAttribute("aria-expanded")).toBe("false");
    expect((shadow().querySelector(".panel") as HTMLElement).hidden).toBe(true);
    expect(shadow().querySelector(".launcher")!.outerHTML).toMatchSnapshot();
  });

  it("asks for consent, with the policy link and version, before any message", async () => {
    el.open();
    await settle();
    expect((shadow().querySelector(".consent") as HTMLElement).hidden).toBe(false);
    expect((shadow().querySelector(".composer") as HTMLElement).hidden).toBe(true);
    expect(shadow().querySelector(".consent")!.textContent).toContain("2026-11");
    expect(panelHtml()).toMatchSnapshot();
  });

  it("streams a reply as it is written, then shows the stored one", async () => {
    const events: string[] = [];
    el.on("message", () => events.push("message"));
    el.on("lead", () => events.push("lead"));
    await openConsented();
    const socket = FakeSocket.last!;
    expect(socket.sent[0]).toMatchObject({
      type: "hello",
      session_id: "s-1",
      session_token: "tok",
      resume_after_seq: 0,
    });
    socket.frame({ type: "ready", session_id: "s-1", last_seq: 0 });
    const input = shadow().querySelector("textarea")!;
    input.value = "Me llamo Ana";
    shadow()
      .querySelector("form")!
      .dispatchEvent(new Event("submit", { cancelable: true }));
    await settle();
    const sent = socket.sent.find((f) => f.type === "message");
    expect(sent).toMatchObject({ content: "Me llamo Ana" });
    socket.frame({
      type: "message",
      message: {
        id: "m1",
        seq: 1,
        role: "user",
        content: "Me llamo Ana",
        client_message_id: sent.client_message_id,
      },
    });
    socket.frame({ type: "typing", on: true });
    socket.frame({ type: "reply.delta", reply_id: "r1", delta: "Encantada, " });
    expect((shadow().querySelector(".typing") as HTMLElement).hidden).toBe(false);
    expect(shadow().querySelector(".log")!.textContent).toContain("Encantada, ");
    socket.frame({ type: "reply.delta", reply_id: "r1", delta: "**Ana**." });
    expect(panelHtml()).toMatchSnapshot("streaming");
    socket.frame({ type: "lead.captured", fields: ["name"] });
    socket.frame({
      type: "reply.completed",
      message: { id: "r1", seq: 2, role: "assistant", content: "Encantada, **Ana**." },
    });
    expect(shadow().querySelectorAll(".msg.user").length).toBe(1);
    expect(shadow().querySelectorAll(".msg.assistant").length).toBe(2); // welcome + reply, no duplicate
    expect(shadow().querySelector(".msg.assistant:last-child strong")?.textContent).toBe("Ana");
    expect(events).toEqual(["message", "lead", "message"]);
  });

  it("marks a failed turn and resends it with the same client_message_id", async () => {
    await openConsented();
    const socket = FakeSocket.last!;
    socket.frame({ type: "ready", session_id: "s-1", last_seq: 0 });
    shadow().querySelector("textarea")!.value = "Hola";
    shadow()
      .querySelector("form")!
      .dispatchEvent(new Event("submit", { cancelable: true }));
    await settle();
    const cmid = socket.sent.find((f) => f.type === "message").client_message_id;
    socket.frame({
      type: "message",
      message: { id: "m1", seq: 1, role: "user", content: "Hola", client_message_id: cmid },
    });
    socket.frame({ type: "reply.delta", reply_id: "r1", delta: "Ho" });
    socket.frame({ type: "reply.failed", reply_id: "r1", code: "assistant_unavailable" });
    expect(shadow().querySelector(".msg.user")!.classList.contains("failed")).toBe(true);
    expect(shadow().querySelector(".log")!.textContent).not.toContain("Ho\u00a0");
    expect(panelHtml()).toMatchSnapshot("failed");
    (shadow().querySelector(".failure button") as HTMLButtonElement).click();
    await settle();
    const resent = socket.sent.filter((f) => f.type === "message");
    expect(resent).toHaveLength(2);
    expect(resent[1].client_message_id).toBe(cmid);
    expect(shadow().querySelector(".failure")).toBeNull();
  });

  it("once a retried message is answered, a reconnect does not send it again", async () => {
    await openConsented();
    const socket = FakeSocket.last!;
    socket.frame({ type: "ready", session_id: "s-1", last_seq: 0 });
    shadow().querySelector("textarea")!.value = "Hola";
    shadow()
      .querySelector("form")!
      .dispatchEvent(new Event("submit", { cancelable: true }));
    const cmid = socket.sent.find((f) => f.type === "message")!.client_message_id;
    socket.frame({
      type: "message",
      message: { id: "m1", seq: 1, role: "user", content: "Hola", client_message_id: cmid },
    });
    socket.frame({ type: "reply.failed", reply_id: "r1", code: "assistant_unavailable" });
    (shadow().querySelector(".failure button") as HTMLButtonElement).click();
    // The resend of a stored message brings no message frame again: only its reply.
    socket.frame({ type: "reply.delta", reply_id: "r2", delta: "¡Hola!" });
    socket.frame({
      type: "reply.completed",
      message: { id: "r2", seq: 2, role: "assistant", content: "¡Hola!", reply_to: "m1" },
    });
    dispatchEvent(new Event("offline"));
    dispatchEvent(new Event("online"));
    const back = FakeSocket.last!;
    await settle();
    back.frame({ type: "ready", session_id: "s-1", last_seq: 2 });
    expect(back.sent.filter((f) => f.type === "message")).toEqual([]);
  });

  it("drops the socket when the network goes, and resumes after the last seq as soon as it is back", async () => {
    await openConsented();
    const first = FakeSocket.last!;
    first.frame({ type: "ready", session_id: "s-1", last_seq: 0 });
    first.frame({ type: "message", message: { id: "m1", seq: 1, role: "user", content: "Hola" } });
    first.frame({
      type: "reply.completed",
      message: { id: "m2", seq: 2, role: "assistant", content: "¿Cómo te llamas?" },
    });

    dispatchEvent(new Event("offline"));
    expect(first.closed).toBe(true);
    expect(shadow().querySelector(".status")!.textContent).toBe("Sin conexión: reconectando…");
    shadow().querySelector("textarea")!.value = "Me llamo Ana";
    shadow()
      .querySelector("form")!
      .dispatchEvent(new Event("submit", { cancelable: true }));
    await settle();
    // Typed offline: kept, not lost. The retry the submit triggers is a new socket, not the dead one.
    expect(first.sent.filter((f) => f.type === "message")).toHaveLength(0);
    const offlineTry = FakeSocket.last!;
    offlineTry.onclose?.(); // the handshake fails while offline

    dispatchEvent(new Event("online"));
    const back = FakeSocket.last!;
    expect(back).not.toBe(offlineTry);
    await settle();
    expect(back.sent[0]).toMatchObject({
      type: "hello",
      session_id: "s-1",
      session_token: "tok",
      resume_after_seq: 2,
    });
    back.frame({ type: "ready", session_id: "s-1", last_seq: 2 });
    await settle();
    const sent = back.sent.filter((f) => f.type === "message");
    expect(sent.map((f) => f.content)).toEqual(["Me llamo Ana"]);
    expect(shadow().querySelector(".status")!.textContent).toBe("");
  });

  it("stops talking to the gateway once removed from the page", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      el.open();
      await vi.advanceTimersByTimeAsync(0);
      for (let i = 0; i < 10; i++) await Promise.resolve();
      (shadow().querySelector(".consent button") as HTMLButtonElement).click();
      await vi.advanceTimersByTimeAsync(10);
      const socket = FakeSocket.last!;
      socket.frame({ type: "ready", session_id: "s-1", last_seq: 0 });
      el.remove();
      expect(socket.closed).toBe(true);
      socket.onclose?.(); // the browser reports the close it was asked for
      await vi.advanceTimersByTimeAsync(60_000);
      expect(FakeSocket.last).toBe(socket);
    } finally {
      vi.useRealTimers();
    }
  });

  it("has its own font unless its script tag says data-font=inherit, and reflects which", () => {
    const script = document.createElement("script");
    script.src = "https://chat.example/widget.js";
    expect(optionsFromScript(script).font).toBeUndefined();
    script.dataset.font = "inherit";
    expect(optionsFromScript(script).font).toBe("inherit");
    expect(el.dataset.font).toBe("system");
    const inherit = mount({ endpoint: "https://chat.example", font: "inherit" });
    try {
      expect(inherit.dataset.font).toBe("inherit");
    } finally {
      inherit.remove();
    }
  });

  it("takes the longest message from the gateway's settings, not a number of its own", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(() => json({ ...CONFIG, limits: { content_max_chars: 1200 } })),
    );
    el.open();
    await settle();
    expect(shadow().querySelector("textarea")!.maxLength).toBe(1200);
  });

  it("speaks English, takes the theme, position and brand colour it is given", () => {
    const en = mount({
      endpoint: "https://chat.example",
      locale: "en",
      theme: "dark",
      position: "left",
      color: "#7a1f5c",
    });
    try {
      expect(en.shadowRoot!.querySelector(".launcher")!.getAttribute("aria-label")).toBe(
        "Open the chat with TalIA",
      );
      expect(en.shadowRoot!.querySelector("textarea")!.getAttribute("aria-label")).toBe(
        "Type your message",
      );
      expect(en.dataset.theme).toBe("dark");
      expect(en.dataset.position).toBe("left");
      expect(en.style.getPropertyValue("--talia-brand")).toBe("#7a1f5c");
    } finally {
      en.remove();
    }
    expect(el.dataset.theme).toBe("auto");
    expect(el.dataset.position).toBe("right");
  });

  it("lets the visitor withdraw consent, which asks for it again before chatting", async () => {
    await openConsented();
    const withdraw = shadow().querySelector(".withdraw") as HTMLButtonElement;
    expect(withdraw.hidden).toBe(false);
    expect(withdraw.textContent).toBe("Retirar mi consentimiento");
    withdraw.click();
    await settle();
    const calls = vi
      .mocked(fetch)
      .mock.calls.filter((c) => String(c[0]).endsWith("/api/webchat/consent"));
    expect(JSON.parse(String(calls[calls.length - 1][1]?.body))).toMatchObject({
      session_id: "s-1",
      granted: false,
    });
    expect((shadow().querySelector(".consent") as HTMLElement).hidden).toBe(false);
    expect((shadow().querySelector(".composer") as HTMLElement).hidden).toBe(true);
    expect(withdraw.hidden).toBe(true);
    expect(JSON.parse(localStorage.getItem("talia-webchat:https://chat.example")!).consent).toBe(
      "withdrawn",
    );
  });

  it("after a reconnect mid-reply shows the reply once, not its start twice", async () => {
    await openConsented();
    const socket = FakeSocket.last!;
    socket.frame({ type: "ready", session_id: "s-1", last_seq: 0 });
    socket.frame({ type: "reply.delta", reply_id: "r1", delta: "¡Hola! Soy " });
    // The socket dropped and came back: the gateway re-sends the reply so far as one delta.
    socket.frame({ type: "ready", session_id: "s-1", last_seq: 1, reply_id: "r1" });
    socket.frame({ type: "reply.delta", reply_id: "r1", delta: "¡Hola! Soy TalIA" });
    socket.frame({ type: "reply.delta", reply_id: "r1", delta: ", la asistente." });
    const bubbles = [...shadow().querySelectorAll(".msg.assistant")].map((n) => n.textContent);
    expect(bubbles).toEqual(["¡Hola! Soy TalIA.", "¡Hola! Soy TalIA, la asistente."]);
  });

  it("after a reconnect drops the half reply that failed meanwhile and offers the retry", async () => {
    const back = await dropMidReply();
    // The turn failed while the socket was down: no reply is being written and none was stored.
    back.frame({ type: "ready", session_id: "s-1", last_seq: 1 });
    expect(
      [...shadow().querySelectorAll(".msg.assistant")].map((n) => n.textContent),
    ).not.toContain("Te cuento: ");
    expect(shadow().querySelector(".msg.user")!.classList.contains("failed")).toBe(true);
    (shadow().querySelector(".failure button") as HTMLButtonElement).click();
    await settle();
    expect(back.sent.filter((f) => f.type === "message")).toEqual([
      expect.objectContaining({ content: "Hola", client_message_id: "c-1" }),
    ]);
  });

  it("after a reconnect shows a reply completed meanwhile once, whole, and offers no retry", async () => {
    const back = await dropMidReply();
    back.frame({ type: "ready", session_id: "s-1", last_seq: 2 });
    expect(shadow().querySelector(".failure")).toBeNull(); // the replay is not over yet
    back.frame({
      type: "message",
      message: {
        id: "r1",
        seq: 2,
        role: "assistant",
        content: "Te cuento: TalIA es una asistente.",
      },
    });
    const replies = [...shadow().querySelectorAll(".msg.assistant")].map((n) => n.textContent);
    expect(replies.filter((t) => t!.startsWith("Te cuento: "))).toEqual([
      "Te cuento: TalIA es una asistente.",
    ]);
    expect(shadow().querySelector(".failure")).toBeNull();
    expect(shadow().querySelector(".msg.user")!.classList.contains("failed")).toBe(false);
  });

  it("offers the retry for a failed message restored from history, with its client_message_id", async () => {
    localStorage.setItem(
      "talia-webchat:https://chat.example",
      JSON.stringify({ id: "s-1", token: "tok", consent: "2026-11" }),
    );
    const stored = [
      {
        id: "m1",
        seq: 1,
        role: "user",
        content: "Hola",
        status: "failed",
        client_message_id: "c-1",
      },
    ];
    vi.stubGlobal(
      "fetch",
      vi.fn((url: string) => {
        const path = new URL(url).pathname;
        if (path === "/api/webchat/config") return json(CONFIG);
        if (path.startsWith("/api/webchat/history/")) return json({ messages: stored });
        return json({ code: "not_found" }, 404);
      }),
    );
    el.open();
    await settle();
    expect(shadow().querySelector(".msg.user")!.classList.contains("failed")).toBe(true);
    const socket = FakeSocket.last!;
    socket.frame({ type: "ready", session_id: "s-1", last_seq: 1 });
    expect(socket.sent.filter((f) => f.type === "message")).toHaveLength(0); // not resent on its own
    (shadow().querySelector(".failure button") as HTMLButtonElement).click();
    await settle();
    expect(socket.sent.filter((f) => f.type === "message")).toEqual([
      expect.objectContaining({ content: "Hola", client_message_id: "c-1" }),
    ]);
  });

  it("forgets an erased session and starts over when the gateway says session_not_found", async () => {
    await openConsented();
    const socket = FakeSocket.last!;
    socket.frame({ type: "ready", session_id: "s-1", last_seq: 0 });
    socket.frame({
      type: "message",
      message: { id: "m1", seq: 1, role: "user", content: "Hola", client_message_id: "c-1" },
    });
    expect(localStorage.getItem("talia-webchat:https://chat.example")).not.toBeNull();
    socket.frame({ type: "error", code: "session_not_found", detail: "erased" });
    socket.onclose?.(); // the gateway's close 4404
    await settle();
    expect(localStorage.getItem("talia-webchat:https://chat.example")).toBeNull();
    expect(socket.closed).toBe(true); // the widget let go of it: no reconnect to the erased session
    expect(FakeSocket.last).toBe(socket);
    expect(shadow().querySelectorAll(".msg.user")).toHaveLength(0);
    expect((shadow().querySelector(".consent") as HTMLElement).hidden).toBe(false);
    // Consent again: a new session, and its own socket.
    (shadow().querySelector(".consent button") as HTMLButtonElement).click();
    await settle();
    expect(vi.mocked(fetch).mock.calls.map((c) => new URL(c[0] as string).pathname)).toEqual(
      expect.arrayContaining(["/api/webchat/sessions"]),
    );
    expect(FakeSocket.last).not.toBe(socket);
    expect(FakeSocket.last!.sent[0]).toMatchObject({ type: "hello", session_id: "s-1" });
  });

  it("ignores a frame it does not know or that lacks its fields, and chats on", async () => {
    await openConsented();
    const socket = FakeSocket.last!;
    socket.frame({ type: "ready", session_id: "s-1", last_seq: 0 });
    socket.onmessage?.({ data: "not json" });
    socket.frame({ type: "ping" });
    socket.frame({ type: "reply.started", reply_id: "r0" });
    socket.frame({ type: "reply.delta", reply_id: "r0" });
    socket.frame({ type: "message", message: { id: "m0", seq: "1", role: "user", content: "x" } });
    expect(socket.sent.map((f) => f.type)).toEqual(["hello"]); // a server ping gets no pong
    socket.frame({ type: "reply.delta", reply_id: "r1", delta: "Hola" });
    expect([...shadow().querySelectorAll(".msg.assistant")].map((n) => n.textContent)).toEqual([
      "¡Hola! Soy TalIA.",
      "Hola",
    ]);
  });

  it("with no consent asked, the first message starts the session and goes on its socket", async () => {
    const noConsent = { ...CONFIG, consent: { ...CONFIG.consent, required: false } };
    const fetches = vi.mocked(fetch).getMockImplementation()!;
    vi.mocked(fetch).mockImplementation((url, init) =>
      new URL(String(url)).pathname === "/api/webchat/config"
        ? json(noConsent)
        : fetches(url, init),
    );
    const before = FakeSocket.last;
    el.open();
    await settle();
    expect((shadow().querySelector(".consent") as HTMLElement).hidden).toBe(true);
    const input = shadow().querySelector("textarea")!;
    input.value = "Hola";
    shadow()
      .querySelector("form")!
      .dispatchEvent(new Event("submit", { cancelable: true }));
    input.value = "¿Sigues ahí?";
    shadow()
      .querySelector("form")!
      .dispatchEvent(new Event("submit", { cancelable: true }));
    await settle();
    const created = vi.mocked(fetch).mock.calls.filter((c) => String(c[0]).endsWith("/sessions"));
    expect(created).toHaveLength(1);
    const socket = FakeSocket.last!;
    expect(socket).not.toBe(before);
    expect(socket.sent[0]).toMatchObject({ type: "hello", session_id: "s-1" });
    socket.frame({ type: "ready", session_id: "s-1", last_seq: 0 });
    expect(socket.sent.filter((f) => f.type === "message").map((f) => f.content)).toEqual([
      "Hola",
      "¿Sigues ahí?",
    ]);
  });

  it("marks a reply cut short (status incomplete) after its text, as text a screen reader reads", async () => {
    await openConsented();
    const socket = FakeSocket.last!;
    socket.frame({ type: "ready", session_id: "s-1", last_seq: 0 });
    socket.frame({
      type: "reply.delta",
      reply_id: "r1",
      delta: "Nuestros planes son **Inicio** y",
    });
    socket.frame({
      type: "reply.completed",
      message: {
        id: "r1",
        seq: 2,
        role: "assistant",
        content: "Nuestros planes son **Inicio** y",
        status: "incomplete",
      },
    });
    const reply = shadow().querySelector(".msg.assistant:last-child")!;
    expect(reply.textContent).toBe("Nuestros planes son Inicio y (respuesta incompleta)");
    expect(reply.outerHTML).toMatchSnapshot();
    socket.frame({
      type: "reply.completed",
      message: { id: "r2", seq: 4, role: "assistant", content: "Completa.", status: "completed" },
    });
    expect(shadow().querySelector(".msg.assistant:last-child")!.textContent).toBe("Completa.");
  });

  it("marks an incomplete reply restored from history too, in the page's language", async () => {
    el.remove();
    el = mount({ endpoint: "https://chat.example", locale: "en" });
    localStorage.setItem(
      "talia-webchat:https://chat.example",
      JSON.stringify({ id: "s-1", token: "tok", consent: "2026-11" }),
    );
    const stored = [
      { id: "m1", seq: 1, role: "user", content: "Prices?", status: "completed" },
      { id: "r1", seq: 2, role: "assistant", content: "Our plans are", status: "incomplete" },
    ];
    vi.stubGlobal(
      "fetch",
      vi.fn((url: string) =>
        new URL(url).pathname === "/api/webchat/config" ? json(CONFIG) : json({ messages: stored }),
      ),
    );
    el.open();
    await settle();
    const bubbles = [...shadow().querySelectorAll(".msg")].map((n) => n.textContent);
    expect(bubbles).toEqual(["Prices?", "Our plans are (reply cut short)"]);
  });

  it("closes with Escape and gives focus back to the launcher", async () => {
    el.open();
    await settle();
    shadow()
      .querySelector(".panel")!
      .dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect((shadow().querySelector(".panel") as HTMLElement).hidden).toBe(true);
    expect(shadow().activeElement).toBe(shadow().querySelector(".launcher"));
  });
});
