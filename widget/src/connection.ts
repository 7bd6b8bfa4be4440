import { HttpError, type Api, type Session } from "./api";
import { parseServerFrame, type ClientFrame, type HelloFrame, type ServerFrame } from "./protocol";

const MAX_BACKOFF_MS = 15_000;

/** What the connection tells the chat. */
export interface ConnectionEvents {
  /** A frame from the gateway: off the socket, or made of a REST answer when sockets are blocked. */
  frame(f: ServerFrame): void;
  /** The socket is down; a reconnect is on its way. */
  offline(): void;
  /** Sockets look blocked here (proxy, firewall): messages go over REST from now on. */
  restOnly(): void;
}

/**
 * The way to the gateway: the socket (hello, backoff reconnect, resume after the last seq seen,
 * the browser's online and offline events) and, when sockets never open, REST. It touches no DOM;
 * what arrives goes to {@link ConnectionEvents} as frames of SPEC §4.
 */
export class Connection {
  /** The session to speak for; nothing connects before there is one. */
  session: Session | null = null;
  /** The highest seq shown: the socket resumes after it. */
  lastSeq = 0;
  private ws: WebSocket | null = null;
  private live = false;
  private everOpened = false;
  private failures = 0;
  private rest = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly api: Api,
    private readonly widgetToken: string | undefined,
    private readonly locale: string,
    private readonly events: ConnectionEvents,
  ) {}

  /** The network is back: reconnect now rather than when the backoff timer says. */
  private readonly onOnline = (): void => {
    if (this.ws || this.rest || !this.session) return;
    this.failures = 0;
    this.connect();
  };

  /** The device lost its network: the socket is dead even if it has not noticed yet. */
  private readonly onOffline = (): void => {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null; // its close handshake may never finish: count it lost now
    this.live = false;
    ws.close();
    this.socketLost();
  };

  /** Follows the browser's network state (while the widget is on the page). */
  listen(): void {
    addEventListener("online", this.onOnline);
    addEventListener("offline", this.onOffline);
  }

  /** The widget left the page: no socket, no reconnect, no listener. */
  stop(): void {
    removeEventListener("online", this.onOnline);
    removeEventListener("offline", this.onOffline);
    clearTimeout(this.reconnectTimer);
    const ws = this.ws;
    this.ws = null; // so its close is not taken for a drop to reconnect from
    this.live = false;
    ws?.close(1000);
  }

  /** Opens the socket, unless one is open or sockets are given up on. */
  connect(): void {
    if (this.rest || this.ws || !this.session) return;
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
      if (this.widgetToken) hello.widget_token = this.widgetToken;
      send(ws, hello);
    };
    ws.onmessage = (e) => {
      const frame = parseServerFrame(e.data);
      if (!frame) return; // not a frame of SPEC §4 (a newer gateway's, say): nothing to do
      if (frame.type === "ready") {
        this.live = true;
        this.everOpened = true;
        this.failures = 0;
      }
      try {
        this.events.frame(frame);
      } catch (err) {
        console.error(err);
      }
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.live = false;
      this.socketLost();
    };
  }

  /**
   * Sends a visitor's message: on the live socket; else, while sockets may come back, it waits
   * (the chat sends what is pending on ready); else over REST, whose answer comes back as frames.
   */
  send(content: string, cmid: string): void {
    if (this.live && this.ws) {
      send(this.ws, { type: "message", content, client_message_id: cmid, locale: this.locale });
      return;
    }
    if (!this.rest) {
      this.connect();
      return;
    }
    void this.post(content, cmid);
  }

  private async post(content: string, cmid: string): Promise<void> {
    const s = this.session;
    if (!s) return;
    const frame = (f: ServerFrame): void => {
      this.events.frame(f);
    };
    try {
      frame({ type: "typing", on: true });
      const r = await this.api.send(s, content, cmid, this.locale);
      frame({ type: "message", message: r.message });
      frame({ type: "reply.completed", message: r.reply });
    } catch (e) {
      const code = e instanceof HttpError ? e.code : "network_error";
      if (code === "consent_required") frame({ type: "consent.required" });
      frame({ type: "error", code, client_message_id: cmid });
    } finally {
      frame({ type: "typing", on: false });
    }
  }

  private socketLost(): void {
    this.failures++;
    if (!this.everOpened && this.failures >= 3) {
      this.rest = true;
      this.events.restOnly();
      return;
    }
    this.events.offline();
    const delay =
      Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(this.failures - 1, 5)) *
      (0.75 + Math.random() / 2);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }
}

/** Sends one frame of SPEC §4. */
function send(ws: WebSocket, frame: ClientFrame): void {
  ws.send(JSON.stringify(frame));
}
