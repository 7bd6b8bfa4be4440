import { Api, HttpError, type Message, type Session, type WidgetConfig } from "./api";
import { parseServerFrame, type ClientFrame, type HelloFrame, type ServerFrame } from "./protocol";
import { render } from "./format";
import { CSS } from "./styles";
import { texts, type Texts } from "./texts";

export interface WidgetOptions {
  /** The gateway's origin, e.g. https://chat.example.com (default: the page's origin). */
  endpoint?: string;
  /** The public widget token, when the gateway requires one. */
  token?: string;
  locale?: string;
  position?: "right" | "left";
  theme?: "light" | "dark" | "auto";
  title?: string;
  /** Brand colour (any CSS colour with AA contrast against white text). */
  color?: string;
}

export type WidgetEvent = "open" | "close" | "message" | "lead";

const SVG = "http://www.w3.org/2000/svg";
const MAX_BACKOFF_MS = 15_000;
const WITHDRAWN = "withdrawn";

/** Sends one frame of SPEC §4. */
function send(ws: WebSocket, frame: ClientFrame): void {
  ws.send(JSON.stringify(frame));
}

/** tsc fails here when a frame type of ServerFrame has no case in the switch. */
function unhandled(frame: never): void {
  console.error("Unhandled frame", frame);
}

interface Pending {
  cmid: string;
  content: string;
  node: HTMLElement;
  failed: boolean;
}

/**
 * <talia-webchat>: the chat in a Shadow DOM. It keeps its session in localStorage, restores the
 * conversation from the API, streams replies over the WebSocket (resuming after a drop) and falls
 * back to REST when sockets are blocked. Visitor and model text only ever become text nodes.
 */
export class TaliaWebchatElement extends HTMLElement {
  options: WidgetOptions = {};
  private t: Texts = texts("es");
  private api!: Api;
  private session: Session | null = null;
  private config: WidgetConfig | null = null;
  private started: Promise<void> | null = null;
  private readonly listeners = new Map<WidgetEvent, Set<(detail: unknown) => void>>();
  private readonly nodes = new Map<string, HTMLElement>();
  private readonly pending = new Map<string, Pending>();
  private readonly streaming = new Map<string, { node: HTMLElement; text: string }>();
  /** Replies seen begun before a drop that were no longer being written at the reconnect. */
  private readonly endedAway = new Set<string>();
  /** The gateway's last seq at the reconnect: once seen, the replay is over. */
  private resumeUntil = 0;
  private readonly cmids = new Map<string, string>();
  private lastSeq = 0;
  private ws: WebSocket | null = null;
  private wsReady = false;
  private everOpened = false;
  private failures = 0;
  private restOnly = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private ui!: {
    launcher: HTMLButtonElement;
    panel: HTMLElement;
    title: HTMLElement;
    log: HTMLElement;
    typing: HTMLElement;
    status: HTMLElement;
    consent: HTMLElement;
    consentText: HTMLElement;
    consentLink: HTMLAnchorElement;
    consentButton: HTMLButtonElement;
    composer: HTMLFormElement;
    input: HTMLTextAreaElement;
    withdraw: HTMLButtonElement;
  };

  /** The network is back: reconnect now rather than when the backoff timer says. */
  private readonly onOnline = (): void => {
    if (this.ws || this.restOnly || !this.session) return;
    this.failures = 0;
    this.connect();
  };

  /** The device lost its network: the socket is dead even if it has not noticed yet. */
  private readonly onOffline = (): void => {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null; // its close handshake may never finish: count it lost now
    this.wsReady = false;
    ws.close();
    this.socketLost();
  };

  private readonly root: ShadowRoot;
  private built = false;

  constructor() {
    super();
    this.root = this.attachShadow({ mode: "open" });
  }

  connectedCallback(): void {
    addEventListener("online", this.onOnline);
    addEventListener("offline", this.onOffline);
    if (this.built) {
      this.connect(); // moved in the page: pick the conversation up again
      return;
    }
    this.built = true;
    const o = this.options;
    this.t = texts(o.locale ?? "es");
    this.api = new Api((o.endpoint ?? location.origin).replace(/\/+$/, ""), o.token);
    this.dataset.position = o.position === "left" ? "left" : "right";
    this.dataset.theme = o.theme ?? "auto";
    if (o.color) this.style.setProperty("--talia-brand", o.color);
    const root = this.root;
    if (
      "adoptedStyleSheets" in root &&
      typeof CSSStyleSheet !== "undefined" &&
      "replaceSync" in CSSStyleSheet.prototype
    ) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } else {
      const style = document.createElement("style");
      style.textContent = CSS;
      root.appendChild(style);
    }
    this.build(root);
  }

  disconnectedCallback(): void {
    removeEventListener("online", this.onOnline);
    removeEventListener("offline", this.onOffline);
    clearTimeout(this.reconnectTimer);
    const ws = this.ws;
    this.ws = null; // so its close is not taken for a drop to reconnect from
    this.wsReady = false;
    ws?.close(1000);
  }

  on(event: WidgetEvent, fn: (detail: unknown) => void): () => void {
    let fns = this.listeners.get(event);
    if (!fns) this.listeners.set(event, (fns = new Set()));
    fns.add(fn);
    return () => fns.delete(fn);
  }

  private emit(event: WidgetEvent, detail: unknown): void {
    this.listeners.get(event)?.forEach((fn) => {
      try {
        fn(detail);
      } catch (e) {
        console.error(e);
      }
    });
    this.dispatchEvent(new CustomEvent("talia:" + event, { detail }));
  }

  // --- DOM --------------------------------------------------------------------------------------

  private el<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    cls?: string,
    text?: string,
  ): HTMLElementTagNameMap[K] {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  private build(root: ShadowRoot): void {
    const t = this.t;
    const launcher = this.el("button", "launcher");
    launcher.type = "button";
    launcher.setAttribute("aria-label", t.open);
    launcher.setAttribute("aria-expanded", "false");
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS(SVG, "path");
    path.setAttribute(
      "d",
      "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
    );
    svg.appendChild(path);
    launcher.appendChild(svg);

    const panel = this.el("section", "panel");
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.id = "talia-panel";
    launcher.setAttribute("aria-controls", panel.id);
    const header = this.el("header");
    const title = this.el("h2", undefined, this.options.title ?? "TalIA");
    title.id = "talia-title";
    panel.setAttribute("aria-labelledby", title.id);
    const close = this.el("button", undefined, "×");
    close.type = "button";
    close.setAttribute("aria-label", t.close);
    header.append(title, close);

    const log = this.el("div", "log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-label", t.log);
    log.tabIndex = 0;
    const typing = this.el("div", "typing", t.typing);
    typing.hidden = true;
    const status = this.el("div", "status");
    status.setAttribute("role", "status");

    const consent = this.el("div", "consent");
    consent.hidden = true;
    const consentText = this.el("p");
    const consentLink = this.el("a", undefined, t.policy);
    consentLink.target = "_blank";
    consentLink.rel = "noopener noreferrer";
    const consentButton = this.el("button", undefined, t.accept);
    consentButton.type = "button";
    consent.append(consentText, consentLink, consentButton);

    const composer = this.el("form", "composer");
    composer.hidden = true;
    const input = this.el("textarea");
    input.setAttribute("aria-label", t.input);
    input.placeholder = t.input;
    input.maxLength = 4000;
    input.rows = 1;
    const send = this.el("button", undefined, t.send);
    send.type = "submit";
    composer.append(input, send);

    const withdraw = this.el("button", "withdraw", t.withdraw);
    withdraw.type = "button";
    withdraw.hidden = true;

    panel.append(header, log, typing, status, consent, composer, withdraw);
    root.append(launcher, panel);
    this.ui = {
      launcher,
      panel,
      title,
      log,
      typing,
      status,
      consent,
      consentText,
      consentLink,
      consentButton,
      composer,
      input,
      withdraw,
    };

    launcher.addEventListener("click", () => this.open());
    close.addEventListener("click", () => this.close());
    panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        this.close();
      }
    });
    consentButton.addEventListener("click", () => void this.acceptConsent());
    withdraw.addEventListener("click", () => void this.withdrawConsent());
    composer.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        this.submit();
      }
    });
  }

  // --- page API ---------------------------------------------------------------------------------

  open(): void {
    const { launcher, panel } = this.ui;
    if (!panel.hidden) return;
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    this.toggleAttribute("open", true);
    this.emit("open", {});
    void (this.started ??= this.start()).then(() => this.focusInside());
    this.focusInside();
  }

  close(): void {
    const { launcher, panel } = this.ui;
    if (panel.hidden) return;
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    this.toggleAttribute("open", false);
    launcher.focus();
    this.emit("close", {});
  }

  private focusInside(): void {
    const { consent, consentButton, composer, input } = this.ui;
    if (!consent.hidden) consentButton.focus();
    else if (!composer.hidden) input.focus();
  }

  // --- session, consent, history ----------------------------------------------------------------

  private get storageKey(): string {
    return "talia-webchat:" + this.api.endpoint;
  }

  private async start(): Promise<void> {
    const locale = this.options.locale ?? "es";
    try {
      this.config = await this.api.config(locale);
      if (!this.options.title && this.config.title) this.ui.title.textContent = this.config.title;
      if (!this.options.theme && this.config.theme) this.dataset.theme = this.config.theme;
      const saved = this.loadSaved();
      let history: Message[] = [];
      if (saved) {
        try {
          history = await this.api.history(saved.session);
          this.session = saved.session;
        } catch (e) {
          if (e instanceof HttpError && (e.status === 401 || e.status === 404))
            localStorage.removeItem(this.storageKey);
          else throw e;
        }
      }
      if (history.length === 0 && this.config.welcome) this.addWelcome(this.config.welcome);
      history.forEach((m) => this.upsert(m));
      const withdrawn = saved?.consentVersion === WITHDRAWN;
      const consented =
        !this.config.consent.required ||
        (history.length > 0 && !withdrawn) ||
        (saved?.consentVersion === this.config.consent.policy_version && this.session !== null);
      if (consented && this.session) {
        this.showComposer();
        this.connect();
      } else if (consented) {
        this.showComposer();
      } else {
        this.showConsent();
      }
    } catch {
      this.setStatus(this.t.error);
      this.started = null;
    }
  }

  private loadSaved(): { session: Session; consentVersion?: string } | null {
    try {
      const raw = localStorage.getItem(this.storageKey);
      const v = (raw ? JSON.parse(raw) : null) as Partial<Record<string, unknown>> | null;
      return v && typeof v.id === "string" && typeof v.token === "string"
        ? {
            session: { id: v.id, token: v.token },
            consentVersion: typeof v.consent === "string" ? v.consent : undefined,
          }
        : null;
    } catch {
      return null;
    }
  }

  private save(consentVersion?: string): void {
    if (!this.session) return;
    const entry: Record<string, string> = { id: this.session.id, token: this.session.token };
    if (consentVersion) entry.consent = consentVersion;
    localStorage.setItem(this.storageKey, JSON.stringify(entry));
  }

  private async ensureSession(): Promise<Session> {
    if (this.session) return this.session;
    const created = await this.api.createSession(this.options.locale ?? "es");
    this.session = created;
    this.save();
    return created;
  }

  private showConsent(): void {
    if (!this.config) return;
    const c = this.config.consent;
    const { consent, consentText, consentLink, composer } = this.ui;
    consentText.textContent = c.text + " (" + this.t.version + " " + c.policy_version + ")";
    consentLink.hidden = !c.policy_url;
    if (c.policy_url) consentLink.href = new URL(c.policy_url, this.api.endpoint + "/").href;
    consent.hidden = false;
    composer.hidden = true;
    this.ui.withdraw.hidden = true;
  }

  private showComposer(): void {
    this.ui.consent.hidden = true;
    this.ui.composer.hidden = false;
    this.ui.withdraw.hidden = !this.session || !this.config?.consent.required;
  }

  /** Records the withdrawal (the conversation stays readable); chatting again asks for consent again. */
  private async withdrawConsent(): Promise<void> {
    if (!this.session || !this.config) return;
    try {
      await this.api.consent(this.session, this.config.consent.policy_version, false);
      this.save(WITHDRAWN);
      this.showConsent();
      this.ui.consentButton.focus();
    } catch {
      this.setStatus(this.t.error);
    }
  }

  private async acceptConsent(): Promise<void> {
    if (!this.config) return;
    const version = this.config.consent.policy_version;
    this.ui.consentButton.disabled = true;
    try {
      const s = await this.ensureSession();
      await this.api.consent(s, version);
      this.save(version);
      this.showComposer();
      this.ui.withdraw.hidden = false;
      this.setStatus("");
      this.connect();
      this.ui.input.focus();
    } catch {
      this.setStatus(this.t.error);
    } finally {
      this.ui.consentButton.disabled = false;
    }
  }

  // --- messages ---------------------------------------------------------------------------------

  private addWelcome(text: string): void {
    const node = this.el("div", "msg assistant");
    render(document, text, node);
    this.ui.log.appendChild(node);
  }

  private bubble(role: string): HTMLElement {
    const node = this.el("div", "msg " + (role === "user" ? "user" : "assistant"));
    this.ui.log.appendChild(node);
    return node;
  }

  private scrollToEnd(): void {
    this.ui.log.scrollTop = this.ui.log.scrollHeight;
  }

  /** Shows a stored message once, in place of its local or streaming draft. */
  private upsert(m: Message): void {
    if (typeof m.seq === "number" && m.seq > this.lastSeq) this.lastSeq = m.seq;
    if (m.client_message_id) this.cmids.set(m.id, m.client_message_id);
    let node = this.nodes.get(m.id);
    const local = m.client_message_id ? this.pending.get(m.client_message_id) : undefined;
    if (!node && local) {
      node = local.node;
      if (m.status !== "failed") this.clearFailure(local);
      this.pending.delete(local.cmid);
    }
    const draft = this.streaming.get(m.id);
    if (!node && draft) node = draft.node;
    this.streaming.delete(m.id);
    node ??= this.bubble(m.role);
    this.nodes.set(m.id, node);
    render(document, m.content, node);
    this.scrollToEnd();
    // A message whose turn failed before this page saw it (e.g. restored from history): offer the retry.
    if (
      m.role === "user" &&
      m.status === "failed" &&
      m.client_message_id &&
      !node.classList.contains("failed")
    ) {
      const p: Pending = { cmid: m.client_message_id, content: m.content, node, failed: false };
      this.pending.set(p.cmid, p);
      this.nodes.delete(m.id);
      this.fail(p);
    }
  }

  private submit(): void {
    const content = this.ui.input.value.trim();
    if (!content) return;
    this.ui.input.value = "";
    const cmid = crypto.randomUUID();
    const node = this.bubble("user");
    render(document, content, node);
    const p: Pending = { cmid, content, node, failed: false };
    this.pending.set(cmid, p);
    this.scrollToEnd();
    this.emit("message", { role: "user", content });
    void this.deliver(p);
  }

  private async deliver(p: Pending): Promise<void> {
    if (this.wsReady && this.ws) {
      send(this.ws, {
        type: "message",
        content: p.content,
        client_message_id: p.cmid,
        locale: this.options.locale ?? "es",
      });
      return;
    }
    if (!this.restOnly) {
      this.connect();
      return; // sent from the outbox once the socket is ready
    }
    try {
      const s = await this.ensureSession();
      this.ui.typing.hidden = false;
      const r = await this.api.send(s, p.content, p.cmid, this.options.locale ?? "es");
      this.upsert(r.message);
      this.upsert(r.reply);
      this.emit("message", r.reply);
    } catch (e) {
      if (e instanceof HttpError && e.code === "consent_required") this.showConsent();
      this.fail(p);
    } finally {
      this.ui.typing.hidden = true;
    }
  }

  private fail(p: Pending): void {
    if (p.failed) return;
    p.failed = true;
    p.node.classList.add("failed");
    const row = this.el("div", "failure", this.t.failed);
    row.dataset.cmid = p.cmid;
    const retry = this.el("button", undefined, this.t.retry);
    retry.type = "button";
    retry.addEventListener("click", () => {
      this.clearFailure(p);
      void this.deliver(p);
    });
    row.appendChild(retry);
    p.node.after(row);
  }

  private clearFailure(p: Pending): void {
    p.failed = false;
    p.node.classList.remove("failed");
    const row = p.node.nextElementSibling;
    if (row instanceof HTMLElement && row.dataset.cmid === p.cmid) row.remove();
  }

  private setStatus(text: string): void {
    this.ui.status.textContent = text;
  }

  // --- the socket -------------------------------------------------------------------------------

  private connect(): void {
    if (this.restOnly || this.ws || !this.session) return;
    clearTimeout(this.reconnectTimer);
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.api.socketUrl());
    } catch {
      this.socketLost();
      return;
    }
    this.ws = ws;
    const s = this.session;
    ws.onopen = () => {
      const hello: HelloFrame = {
        type: "hello",
        session_id: s.id,
        session_token: s.token,
        resume_after_seq: this.lastSeq,
      };
      if (this.options.token) hello.widget_token = this.options.token;
      send(ws, hello);
    };
    ws.onmessage = (e) => {
      const frame = parseServerFrame(e.data);
      if (!frame) return; // not a frame of SPEC §4 (a newer gateway's, say): nothing to do
      try {
        this.onFrame(frame);
      } catch (err) {
        console.error(err);
      }
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.wsReady = false;
      this.socketLost();
    };
  }

  private socketLost(): void {
    this.failures++;
    if (!this.everOpened && this.failures >= 3) {
      // Sockets look blocked here (proxy, firewall): chat over REST from now on.
      this.restOnly = true;
      this.setStatus("");
      this.pending.forEach((p) => void this.deliver(p));
      return;
    }
    this.setStatus(this.t.offline);
    const delay =
      Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(this.failures - 1, 5)) *
      (0.75 + Math.random() / 2);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private onFrame(f: ServerFrame): void {
    switch (f.type) {
      case "ready":
        this.streaming.forEach((draft, id) => {
          // A reply still being written comes again from its start in one delta: do not append it twice.
          if (id === f.reply_id) {
            draft.text = "";
            return;
          }
          // It ended while we were away: completed, it comes back in the replay; failed, it never will.
          draft.node.remove();
          this.streaming.delete(id);
          this.endedAway.add(id);
        });
        this.resumeUntil = f.last_seq;
        this.settleEndedAway();
        this.wsReady = true;
        this.everOpened = true;
        this.failures = 0;
        this.setStatus("");
        // Anything typed while offline goes now; a resend of a stored one is answered once (idempotent).
        this.pending.forEach((p) => {
          if (!p.failed) void this.deliver(p);
        });
        break;
      case "message":
        this.upsert(f.message);
        this.settleEndedAway();
        break;
      case "typing":
        this.ui.typing.hidden = !f.on;
        break;
      case "reply.delta": {
        let draft = this.streaming.get(f.reply_id);
        if (!draft) {
          draft = { node: this.bubble("assistant"), text: "" };
          this.streaming.set(f.reply_id, draft);
        }
        draft.text += f.delta;
        render(document, draft.text, draft.node);
        this.scrollToEnd();
        break;
      }
      case "reply.completed": {
        this.ui.typing.hidden = true;
        this.upsert(f.message);
        // A retried stored message is answered now: nothing of it is pending any more.
        const stored = new Set(this.nodes.values());
        this.pending.forEach((p, cmid) => {
          if (!p.failed && stored.has(p.node)) this.pending.delete(cmid);
        });
        this.emit("message", f.message);
        break;
      }
      case "reply.failed": {
        this.ui.typing.hidden = true;
        this.streaming.get(f.reply_id)?.node.remove();
        this.streaming.delete(f.reply_id);
        this.failLastUnanswered();
        break;
      }
      case "lead.captured":
        this.emit("lead", { fields: f.fields });
        break;
      case "consent.required":
        if (this.config) this.showConsent();
        break;
      case "error": {
        const p = f.client_message_id ? this.pending.get(f.client_message_id) : undefined;
        if (p) this.fail(p);
        break;
      }
      case "pong":
        break; // the answer to a ping, which this widget does not send: the server pings itself
      default:
        unhandled(f);
    }
  }

  /** Once the replay is over, a reply that ended away and did not come back failed: offer the retry. */
  private settleEndedAway(): void {
    if (this.endedAway.size === 0 || this.lastSeq < this.resumeUntil) return;
    const failed = [...this.endedAway].some((id) => !this.nodes.has(id));
    this.endedAway.clear();
    if (failed) this.failLastUnanswered();
  }

  /** A failed turn: its user message stays stored; offer to resend it (same client_message_id). */
  private failLastUnanswered(): void {
    const bubbles = [...this.ui.log.querySelectorAll(".msg")];
    const last = bubbles[bubbles.length - 1];
    if (!last?.classList.contains("user")) return;
    for (const [id, node] of this.nodes) {
      if (node === last) {
        const content = node.textContent;
        const cmid = this.cmidOf(id);
        if (!cmid) return;
        const p: Pending = { cmid, content, node, failed: false };
        this.pending.set(cmid, p);
        this.nodes.delete(id);
        this.fail(p);
        return;
      }
    }
  }

  private cmidOf(messageId: string): string | undefined {
    return this.cmids.get(messageId);
  }
}
