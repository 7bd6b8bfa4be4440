/** The gateway's REST API (see openapi.yaml) as the widget uses it. */
import { isMessage, type Message } from "./protocol";

export type { Message };

export interface WidgetConfig {
  consent: { required: boolean; policy_version: string; text: string; policy_url?: string };
  welcome?: string;
  title?: string;
  theme?: string;
  limits?: { content_max_chars?: number };
}

export interface Session {
  id: string;
  token: string;
}

/** An application/problem+json body, as far as the widget reads it. */
interface Problem {
  code?: unknown;
  detail?: unknown;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export class Api {
  constructor(
    readonly endpoint: string,
    private readonly widgetToken?: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    if (this.widgetToken) headers["X-Talia-Widget-Token"] = this.widgetToken;
    const res = await fetch(this.endpoint + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json: unknown = await res.json().catch(() => ({}));
    if (!res.ok) {
      const retry = Number(res.headers.get("Retry-After")) || undefined;
      const problem = (typeof json === "object" && json !== null ? json : {}) as Problem;
      throw new HttpError(
        res.status,
        typeof problem.code === "string" ? problem.code : "http_" + String(res.status),
        typeof problem.detail === "string" ? problem.detail : res.statusText,
        retry,
      );
    }
    return json as T;
  }

  config(locale: string): Promise<WidgetConfig> {
    return this.call("GET", "/api/webchat/config?locale=" + encodeURIComponent(locale));
  }

  async createSession(locale: string): Promise<Session> {
    const r = await this.call<{ session_id: string; session_token: string }>(
      "POST",
      "/api/webchat/sessions",
      { locale, page_url: location.href.slice(0, 2000) },
    );
    return { id: r.session_id, token: r.session_token };
  }

  consent(s: Session, policyVersion: string, granted = true): Promise<unknown> {
    return this.call(
      "POST",
      "/api/webchat/consent",
      { session_id: s.id, policy_version: policyVersion, granted },
      s.token,
    );
  }

  async history(s: Session): Promise<Message[]> {
    const r = await this.call<{ messages?: unknown }>(
      "GET",
      "/api/webchat/history/" + encodeURIComponent(s.id) + "?limit=200",
      undefined,
      s.token,
    );
    if (!Array.isArray(r.messages)) throw new Error("A history without messages");
    return r.messages.filter(isMessage);
  }

  /** The REST path, for when sockets are blocked: answers with the stored message and the reply. */
  async send(
    s: Session,
    content: string,
    clientMessageId: string,
    locale: string,
  ): Promise<{ message: Message; reply: Message }> {
    const r = await this.call<{ message?: unknown; reply?: unknown }>(
      "POST",
      "/api/webchat/messages",
      { session_id: s.id, author: "user", content, client_message_id: clientMessageId, locale },
      s.token,
    );
    if (!isMessage(r.message) || !isMessage(r.reply))
      throw new Error("An answer without its messages");
    return { message: r.message, reply: r.reply };
  }

  socketUrl(): string {
    return this.endpoint.replace(/^http/, "ws") + "/api/webchat/stream";
  }
}
