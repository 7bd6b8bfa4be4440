import { render } from "./format";
import type { Texts } from "./texts";

const SVG = "http://www.w3.org/2000/svg";

declare const bubbleBrand: unique symbol;
/** A message's bubble as the view hands it out: only the view looks inside. */
export interface Bubble {
  readonly [bubbleBrand]: true;
}

/** What the visitor does in the view. */
export interface ViewActions {
  open(): void;
  close(): void;
  accept(): void;
  withdraw(): void;
  /** The visitor sends this (trimmed, never empty) text. */
  submit(text: string): void;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

const node = (b: Bubble): HTMLElement => b as unknown as HTMLElement;

/**
 * The chat's DOM in the shadow root: the launcher and the panel (header, the message log, typing
 * and status lines, the consent step, the composer). It builds it once and changes it only as
 * told; it knows nothing of sessions or sockets. Text only ever becomes text nodes (format.ts).
 */
export class View {
  private readonly launcher: HTMLButtonElement;
  private readonly panel: HTMLElement;
  private readonly title: HTMLElement;
  private readonly log: HTMLElement;
  private readonly typing: HTMLElement;
  private readonly status: HTMLElement;
  private readonly consent: HTMLElement;
  private readonly consentText: HTMLElement;
  private readonly consentLink: HTMLAnchorElement;
  private readonly consentButton: HTMLButtonElement;
  private readonly composer: HTMLFormElement;
  private readonly input: HTMLTextAreaElement;
  private readonly withdraw: HTMLButtonElement;

  constructor(
    root: ShadowRoot,
    private readonly t: Texts,
    title: string,
    actions: ViewActions,
  ) {
    const launcher = el("button", "launcher");
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

    const panel = el("section", "panel");
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.id = "talia-panel";
    launcher.setAttribute("aria-controls", panel.id);
    const header = el("header");
    const heading = el("h2", undefined, title);
    heading.id = "talia-title";
    panel.setAttribute("aria-labelledby", heading.id);
    const close = el("button", undefined, "×");
    close.type = "button";
    close.setAttribute("aria-label", t.close);
    header.append(heading, close);

    const log = el("div", "log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-label", t.log);
    log.tabIndex = 0;
    const typing = el("div", "typing", t.typing);
    typing.hidden = true;
    const status = el("div", "status");
    status.setAttribute("role", "status");

    const consent = el("div", "consent");
    consent.hidden = true;
    const consentText = el("p");
    const consentLink = el("a", undefined, t.policy);
    consentLink.target = "_blank";
    consentLink.rel = "noopener noreferrer";
    const consentButton = el("button", undefined, t.accept);
    consentButton.type = "button";
    consent.append(consentText, consentLink, consentButton);

    const composer = el("form", "composer");
    composer.hidden = true;
    const input = el("textarea");
    input.setAttribute("aria-label", t.input);
    input.placeholder = t.input;
    input.setAttribute("maxlength", ""); // none until the gateway's settings say (setLimit)
    input.rows = 1;
    const send = el("button", undefined, t.send);
    send.type = "submit";
    composer.append(input, send);

    const withdraw = el("button", "withdraw", t.withdraw);
    withdraw.type = "button";
    withdraw.hidden = true;

    panel.append(header, log, typing, status, consent, composer, withdraw);
    root.append(launcher, panel);
    this.launcher = launcher;
    this.panel = panel;
    this.title = heading;
    this.log = log;
    this.typing = typing;
    this.status = status;
    this.consent = consent;
    this.consentText = consentText;
    this.consentLink = consentLink;
    this.consentButton = consentButton;
    this.composer = composer;
    this.input = input;
    this.withdraw = withdraw;

    const submit = (): void => {
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      actions.submit(text);
    };
    launcher.addEventListener("click", () => actions.open());
    close.addEventListener("click", () => actions.close());
    panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        actions.close();
      }
    });
    consentButton.addEventListener("click", () => actions.accept());
    withdraw.addEventListener("click", () => actions.withdraw());
    composer.addEventListener("submit", (e) => {
      e.preventDefault();
      submit();
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        submit();
      }
    });
  }

  /** Shows the panel in place of the launcher; false if it was open already. */
  open(): boolean {
    if (!this.panel.hidden) return false;
    this.panel.hidden = false;
    this.launcher.hidden = true;
    this.launcher.setAttribute("aria-expanded", "true");
    return true;
  }

  /** Back to the launcher; false if it was closed already. */
  close(): boolean {
    if (this.panel.hidden) return false;
    this.panel.hidden = true;
    this.launcher.hidden = false;
    this.launcher.setAttribute("aria-expanded", "false");
    return true;
  }

  focusLauncher(): void {
    this.launcher.focus();
  }

  /** Focus on what the visitor does next: accept the consent, or write. */
  focusInside(): void {
    if (!this.consent.hidden) this.consentButton.focus();
    else if (!this.composer.hidden) this.input.focus();
  }

  focusConsent(): void {
    this.consentButton.focus();
  }

  focusInput(): void {
    this.input.focus();
  }

  setTitle(text: string): void {
    this.title.textContent = text;
  }

  /** The longest message the gateway takes, in characters. */
  setLimit(chars: number): void {
    this.input.maxLength = chars;
  }

  setStatus(text: string): void {
    this.status.textContent = text;
  }

  setTyping(on: boolean): void {
    this.typing.hidden = !on;
  }

  /** The consent step in place of the composer; the policy link only when there is one. */
  showConsent(text: string, policyHref: string | null): void {
    this.consentText.textContent = text;
    this.consentLink.hidden = !policyHref;
    if (policyHref) this.consentLink.href = policyHref;
    this.consent.hidden = false;
    this.composer.hidden = true;
    this.withdraw.hidden = true;
  }

  showComposer(withdrawable: boolean): void {
    this.consent.hidden = true;
    this.composer.hidden = false;
    this.withdraw.hidden = !withdrawable;
  }

  setConsentBusy(busy: boolean): void {
    this.consentButton.disabled = busy;
  }

  // --- the message log --------------------------------------------------------------------------

  /** Empties the message log (the session it showed is gone). */
  clearLog(): void {
    this.log.replaceChildren();
  }

  welcome(text: string): void {
    const n = el("div", "msg assistant");
    render(document, text, n);
    this.log.appendChild(n);
  }

  /** A new, empty bubble at the end of the log. */
  bubble(role: "user" | "assistant"): Bubble {
    const n = el("div", "msg " + role);
    this.log.appendChild(n);
    return n as unknown as Bubble;
  }

  /**
   * Shows text in a bubble (formatted, as DOM nodes), with a note after it if given, and scrolls
   * to the end of the log.
   */
  show(b: Bubble, text: string, note?: string): void {
    const n = node(b);
    render(document, text, n);
    if (note) n.append(" ", el("span", "note", note));
    this.log.scrollTop = this.log.scrollHeight;
  }

  /** What a bubble shows, as text. */
  text(b: Bubble): string {
    return node(b).textContent;
  }

  remove(b: Bubble): void {
    node(b).remove();
  }

  /** The last bubble of the log, if it is the visitor's. */
  lastUserBubble(): Bubble | undefined {
    const all = this.log.querySelectorAll(".msg");
    const last = all[all.length - 1];
    return last?.classList.contains("user") ? (last as unknown as Bubble) : undefined;
  }

  isFailed(b: Bubble): boolean {
    return node(b).classList.contains("failed");
  }

  /** Marks a bubble not sent, with a retry button under it. */
  fail(b: Bubble, cmid: string, retry: () => void): void {
    const n = node(b);
    n.classList.add("failed");
    const row = el("div", "failure", this.t.failed);
    row.dataset.cmid = cmid;
    const button = el("button", undefined, this.t.retry);
    button.type = "button";
    button.addEventListener("click", retry);
    row.appendChild(button);
    n.after(row);
  }

  unfail(b: Bubble, cmid: string): void {
    const n = node(b);
    n.classList.remove("failed");
    const row = n.nextElementSibling;
    if (row instanceof HTMLElement && row.dataset.cmid === cmid) row.remove();
  }
}
