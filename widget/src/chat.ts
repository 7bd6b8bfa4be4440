import { Api, HttpError, type Message, type Session, type WidgetConfig } from "./api";
import { Connection } from "./connection";
import type { WidgetEvent, WidgetOptions } from "./options";
import type { ServerFrame } from "./protocol";
import { forget, recall, remember, WITHDRAWN } from "./saved";
import { texts, type Texts } from "./texts";
import { View, type Bubble } from "./view";

/** What the chat needs of the element that holds it. */
export interface ChatHost {
  emit(event: WidgetEvent, detail: unknown): void;
  /** Reflects whether the chat is open on the host element. */
  reflectOpen(open: boolean): void;
  /** The theme the gateway's settings choose, when the page chose none. */
  reflectTheme(theme: string): void;
}

/** A visitor's message not (yet) answered: being sent, or failed and offering its retry. */
interface Pending {
  cmid: string;
  content: string;
  bubble: Bubble;
  failed: boolean;
}

/** tsc fails here when a frame type of ServerFrame has no case in the switch. */
function unhandled(frame: never): void {
  console.error("Unhandled frame", frame);
}

/**
 * The conversation's rules: the session and its consent, the history, what the visitor sends and
 * its retry, and what each frame of the gateway means for what the view shows.
 */
export class Chat {
  private readonly t: Texts;
  private readonly locale: string;
  private readonly api: Api;
  private readonly view: View;
  private readonly conn: Connection;
  private session: Session | null = null;
  private config: WidgetConfig | null = null;
  private started: Promise<void> | null = null;
  private creating: Promise<Session> | null = null;
  /** Stored messages shown, by id. */
  private readonly nodes = new Map<string, Bubble>();
  /** The visitor's messages not answered yet, by client_message_id. */
  private readonly pending = new Map<string, Pending>();
  /** Replies being written, by reply id. */
  private readonly streaming = new Map<string, { bubble: Bubble; text: string }>();
  /** Replies seen begun before a drop that were no longer being written at the reconnect. */
  private readonly endedAway = new Set<string>();
  /** The gateway's last seq at the reconnect: once seen, the replay is over. */
  private resumeUntil = 0;
  private readonly cmids = new Map<string, string>();

  constructor(
    root: ShadowRoot,
    private readonly options: WidgetOptions,
    private readonly host: ChatHost,
  ) {
    this.locale = options.locale ?? "es";
    this.t = texts(this.locale);
    this.api = new Api((options.endpoint ?? location.origin).replace(/\/+$/, ""), options.token);
    this.view = new View(root, this.t, options.title ?? "TalIA", {
      open: () => this.open(),
      close: () => this.close(),
      accept: () => void this.acceptConsent(),
      withdraw: () => void this.withdrawConsent(),
      submit: (text) => this.submit(text),
    });
    this.conn = new Connection(this.api, options.token, this.locale, {
      frame: (f) => this.onFrame(f),
      offline: () => this.view.setStatus(this.t.offline),
      restOnly: () => {
        this.view.setStatus("");
        this.pending.forEach((p) => this.deliver(p));
      },
    });
    this.conn.listen();
  }

  /** Back on the page after a move: pick the conversation up again. */
  resume(): void {
    this.conn.listen();
    this.conn.connect();
  }

  /** Off the page: stop talking to the gateway. */
  suspend(): void {
    this.conn.stop();
  }

  open(): void {
    if (!this.view.open()) return;
    this.host.reflectOpen(true);
    this.host.emit("open", {});
    void (this.started ??= this.start()).then(() => this.view.focusInside());
    this.view.focusInside();
  }

  close(): void {
    if (!this.view.close()) return;
    this.host.reflectOpen(false);
    this.view.focusLauncher();
    this.host.emit("close", {});
  }

  // --- session, consent, history ----------------------------------------------------------------

  private get storageKey(): string {
    return "talia-webchat:" + this.api.endpoint;
  }

  private setSession(s: Session): void {
    this.session = s;
    this.conn.session = s;
  }

  private async start(): Promise<void> {
    try {
      const config = await this.api.config(this.locale);
      this.config = config;
      if (!this.options.title && config.title) this.view.setTitle(config.title);
      if (!this.options.theme && config.theme) this.host.reflectTheme(config.theme);
      const max = config.limits?.content_max_chars;
      if (typeof max === "number" && max > 0) this.view.setLimit(max);
      const saved = recall(this.storageKey);
      let history: Message[] = [];
      if (saved) {
        try {
          history = await this.api.history(saved.session);
          this.setSession(saved.session);
        } catch (e) {
          if (e instanceof HttpError && (e.status === 401 || e.status === 404))
            forget(this.storageKey);
          else throw e;
        }
      }
      if (history.length === 0 && config.welcome) this.view.welcome(config.welcome);
      history.forEach((m) => this.upsert(m));
      const withdrawn = saved?.consentVersion === WITHDRAWN;
      const consented =
        !config.consent.required ||
        (history.length > 0 && !withdrawn) ||
        (saved?.consentVersion === config.consent.policy_version && this.session !== null);
      if (consented && this.session) {
        this.showComposer();
        this.conn.connect();
      } else if (consented) {
        this.showComposer();
      } else {
        this.showConsent();
      }
    } catch {
      this.view.setStatus(this.t.error);
      this.started = null;
    }
  }

  /**
   * The gateway no longer has this session (the owner erased it): forget it here too and start
   * over as a new visitor, with an empty log and, when asked, consent again.
   */
  private sessionGone(): void {
    forget(this.storageKey);
    this.session = null;
    this.creating = null;
    this.conn.session = null;
    this.conn.stop(); // no reconnect to a session that is gone
    this.conn.listen();
    this.conn.lastSeq = 0;
    this.nodes.clear();
    this.pending.clear();
    this.streaming.clear();
    this.endedAway.clear();
    this.cmids.clear();
    this.resumeUntil = 0;
    this.view.clearLog();
    if (this.config?.welcome) this.view.welcome(this.config.welcome);
    if (this.config?.consent.required) this.showConsent();
    else this.showComposer();
  }

  private save(consentVersion?: string): void {
    if (this.session) remember(this.storageKey, this.session, consentVersion);
  }

  /** The session, created once however many sends and clicks ask for it meanwhile. */
  private ensureSession(): Promise<Session> {
    if (this.session) return Promise.resolve(this.session);
    return (this.creating ??= this.api.createSession(this.locale).then(
      (created) => {
        this.setSession(created);
        this.save();
        return created;
      },
      (e: unknown) => {
        this.creating = null;
        throw e;
      },
    ));
  }

  private showConsent(): void {
    if (!this.config) return;
    const c = this.config.consent;
    this.view.showConsent(
      c.text + " (" + this.t.version + " " + c.policy_version + ")",
      c.policy_url ? new URL(c.policy_url, this.api.endpoint + "/").href : null,
    );
  }

  private showComposer(): void {
    this.view.showComposer(this.session !== null && this.config?.consent.required === true);
  }

  /** Records the withdrawal (the conversation stays readable); chatting again asks for consent again. */
  private async withdrawConsent(): Promise<void> {
    if (!this.session || !this.config) return;
    try {
      await this.api.consent(this.session, this.config.consent.policy_version, false);
      this.save(WITHDRAWN);
      this.showConsent();
      this.view.focusConsent();
    } catch {
      this.view.setStatus(this.t.error);
    }
  }

  private async acceptConsent(): Promise<void> {
    if (!this.config) return;
    const version = this.config.consent.policy_version;
    this.view.setConsentBusy(true);
    try {
      const s = await this.ensureSession();
      await this.api.consent(s, version);
      this.save(version);
      this.view.showComposer(true);
      this.view.setStatus("");
      this.conn.connect();
      this.view.focusInput();
    } catch {
      this.view.setStatus(this.t.error);
    } finally {
      this.view.setConsentBusy(false);
    }
  }

  // --- messages ---------------------------------------------------------------------------------

  /** Shows a stored message once, in place of its local or streaming draft. */
  private upsert(m: Message): void {
    if (m.seq > this.conn.lastSeq) this.conn.lastSeq = m.seq;
    if (m.client_message_id) this.cmids.set(m.id, m.client_message_id);
    let bubble = this.nodes.get(m.id);
    const local = m.client_message_id ? this.pending.get(m.client_message_id) : undefined;
    if (!bubble && local) {
      bubble = local.bubble;
      if (m.status !== "failed") this.clearFailure(local);
      this.pending.delete(local.cmid);
    }
    const draft = this.streaming.get(m.id);
    if (!bubble && draft) bubble = draft.bubble;
    this.streaming.delete(m.id);
    bubble ??= this.view.bubble(m.role);
    this.nodes.set(m.id, bubble);
    const cut = m.role === "assistant" && m.status === "incomplete";
    this.view.show(bubble, m.content, cut ? this.t.incomplete : undefined);
    // A message whose turn failed before this page saw it (e.g. restored from history): offer the retry.
    if (
      m.role === "user" &&
      m.status === "failed" &&
      m.client_message_id &&
      !this.view.isFailed(bubble)
    ) {
      const p: Pending = { cmid: m.client_message_id, content: m.content, bubble, failed: false };
      this.pending.set(p.cmid, p);
      this.nodes.delete(m.id);
      this.fail(p);
    }
  }

  private submit(content: string): void {
    const cmid = crypto.randomUUID();
    const bubble = this.view.bubble("user");
    this.view.show(bubble, content);
    const p: Pending = { cmid, content, bubble, failed: false };
    this.pending.set(cmid, p);
    this.host.emit("message", { role: "user", content });
    this.deliver(p);
  }

  private deliver(p: Pending): void {
    if (this.session) {
      this.conn.send(p.content, p.cmid);
      return;
    }
    // A gateway that asks no consent: the first message is what starts the session.
    this.ensureSession().then(
      () => {
        this.conn.send(p.content, p.cmid);
      },
      () => {
        this.fail(p);
      },
    );
  }

  private fail(p: Pending): void {
    if (p.failed) return;
    p.failed = true;
    this.view.fail(p.bubble, p.cmid, () => {
      this.clearFailure(p);
      this.deliver(p);
    });
  }

  private clearFailure(p: Pending): void {
    p.failed = false;
    this.view.unfail(p.bubble, p.cmid);
  }

  // --- what the gateway says --------------------------------------------------------------------

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
          this.view.remove(draft.bubble);
          this.streaming.delete(id);
          this.endedAway.add(id);
        });
        this.resumeUntil = f.last_seq;
        this.settleEndedAway();
        this.view.setStatus("");
        // Anything typed while offline goes now; a resend of a stored one is answered once (idempotent).
        this.pending.forEach((p) => {
          if (!p.failed) this.deliver(p);
        });
        break;
      case "message":
        this.upsert(f.message);
        this.settleEndedAway();
        break;
      case "typing":
        this.view.setTyping(f.on);
        break;
      case "reply.delta": {
        let draft = this.streaming.get(f.reply_id);
        if (!draft) {
          draft = { bubble: this.view.bubble("assistant"), text: "" };
          this.streaming.set(f.reply_id, draft);
        }
        draft.text += f.delta;
        this.view.show(draft.bubble, draft.text);
        break;
      }
      case "reply.completed": {
        this.view.setTyping(false);
        this.upsert(f.message);
        this.answered(f.message);
        this.host.emit("message", f.message);
        break;
      }
      case "reply.failed": {
        this.view.setTyping(false);
        const draft = this.streaming.get(f.reply_id);
        if (draft) this.view.remove(draft.bubble);
        this.streaming.delete(f.reply_id);
        this.failLastUnanswered();
        break;
      }
      case "lead.captured":
        this.host.emit("lead", { fields: f.fields });
        break;
      case "consent.required":
        if (this.config) this.showConsent();
        break;
      case "error": {
        if (f.code === "session_not_found") {
          this.sessionGone();
          break;
        }
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

  /**
   * A retried stored message is answered now: nothing of it is pending any more (its resend
   * brings no message frame again, so upsert never saw it). Found by the reply's reply_to.
   */
  private answered(reply: Message): void {
    const question = reply.reply_to;
    if (question === undefined) return;
    const cmid = this.cmids.get(question);
    const p = cmid === undefined ? undefined : this.pending.get(cmid);
    if (!p || p.failed) return;
    this.pending.delete(p.cmid);
    this.nodes.set(question, p.bubble);
  }

  /** Once the replay is over, a reply that ended away and did not come back failed: offer the retry. */
  private settleEndedAway(): void {
    if (this.endedAway.size === 0 || this.conn.lastSeq < this.resumeUntil) return;
    const failed = [...this.endedAway].some((id) => !this.nodes.has(id));
    this.endedAway.clear();
    if (failed) this.failLastUnanswered();
  }

  /** A failed turn: its user message stays stored; offer to resend it (same client_message_id). */
  private failLastUnanswered(): void {
    const last = this.view.lastUserBubble();
    if (!last) return;
    for (const [id, bubble] of this.nodes) {
      if (bubble === last) {
        const cmid = this.cmids.get(id);
        if (!cmid) return;
        const p: Pending = { cmid, content: this.view.text(bubble), bubble, failed: false };
        this.pending.set(cmid, p);
        this.nodes.delete(id);
        this.fail(p);
        return;
      }
    }
  }
}
