import { Chat } from "./chat";
import type { WidgetEvent, WidgetOptions } from "./options";
import { CSS } from "./styles";

export type { WidgetEvent, WidgetOptions };

/**
 * <talia-webchat>: the chat in a Shadow DOM. The element keeps to its lifecycle, the page API
 * and the attributes it reflects (data-position, data-theme, data-font, open); the conversation is chat.ts,
 * the way to the gateway connection.ts and the DOM view.ts.
 */
export class TaliaWebchatElement extends HTMLElement {
  options: WidgetOptions = {};
  private readonly root: ShadowRoot;
  private chat: Chat | null = null;
  private readonly listeners = new Map<WidgetEvent, Set<(detail: unknown) => void>>();

  constructor() {
    super();
    this.root = this.attachShadow({ mode: "open" });
  }

  connectedCallback(): void {
    if (this.chat) {
      this.chat.resume(); // moved in the page: pick the conversation up again
      return;
    }
    const o = this.options;
    this.dataset.position = o.position === "left" ? "left" : "right";
    this.dataset.theme = o.theme ?? "auto";
    this.dataset.font = o.font === "inherit" ? "inherit" : "system";
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
    this.chat = new Chat(root, o, {
      emit: (event, detail) => this.emit(event, detail),
      reflectOpen: (open) => this.toggleAttribute("open", open),
      reflectTheme: (theme) => (this.dataset.theme = theme),
    });
  }

  disconnectedCallback(): void {
    this.chat?.suspend();
  }

  open(): void {
    this.chat?.open();
  }

  close(): void {
    this.chat?.close();
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
}
