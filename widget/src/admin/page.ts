import {
  AdminClient,
  AdminError,
  Unauthorized,
  type Delivery,
  type Lead,
  type LeadFilter,
  type LeadPage,
  type SessionDetail,
} from "./api";
import { formatTime, sinceParam, untilParam } from "./dates";
import { saveBlob } from "./download";
import { adminTexts, type AdminLocale, type AdminTexts } from "./texts";
import { adminToken } from "./token";

const LANG_KEY = "talia-admin:lang";

type Child = Node | string | null | undefined | false;

/** An element with attributes and children; strings become text nodes, never markup. */
function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) e.setAttribute(k, v);
  for (const c of children) if (c) e.append(c);
  return e;
}

function button(text: Child, attrs: Record<string, string | undefined> = {}): HTMLButtonElement {
  return h("button", { type: "button", ...attrs }, text);
}

/** What the erase confirmation says will be deleted, for a lead (by its email when it has one). */
export function erasureText(
  t: AdminTexts,
  lead: Pick<Lead, "email" | "session_id">,
): { title: string; intro: string; items: readonly string[]; kept: string } {
  return {
    title: t.eraseTitle,
    intro: lead.email ? t.eraseIntroEmail(lead.email) : t.eraseIntroSession(lead.session_id),
    items: t.eraseItems,
    kept: t.eraseKept,
  };
}

/** A lead's name for the table and headings: its name, else whatever contact it left. */
function leadLabel(lead: Lead): string {
  return lead.name ?? lead.email ?? lead.phone ?? lead.id;
}

export interface AdminPageDeps {
  client?: AdminClient;
  save?: (blob: Blob, filename: string) => void;
}

interface Elements {
  signOut: HTMLButtonElement;
  notice: HTMLElement;
  alert: HTMLElement;
  login: HTMLElement;
  loginError: HTMLElement;
  token: HTMLInputElement;
  app: HTMLElement;
  leadsHeading: HTMLElement;
  q: HTMLInputElement;
  since: HTMLInputElement;
  until: HTMLInputElement;
  leadRows: HTMLTableSectionElement;
  newer: HTMLButtonElement;
  older: HTMLButtonElement;
  pageNo: HTMLElement;
  detail: HTMLElement;
  detailHeading: HTMLElement;
  deliveryStatus: HTMLSelectElement;
  deliveryRows: HTMLTableSectionElement;
  moreDeliveries: HTMLButtonElement;
  dialog: HTMLDialogElement;
}

/**
 * The admin page: sign-in with the admin token, the leads table with a lead's conversation beside
 * it, the CSV, a visitor's erasure behind a confirmation, and the webhook deliveries with retry.
 * State lives here; switching the language rebuilds the DOM from it.
 */
export class AdminPage {
  private locale: AdminLocale;
  private t: AdminTexts;
  private readonly client: AdminClient;
  private readonly save: (blob: Blob, filename: string) => void;
  private e!: Elements;
  private signedIn = false;

  private filter: LeadFilter = {};
  private filterInputs = { q: "", since: "", until: "" };
  /** The cursor each visited page was read with (null: the first); the last is the current page. */
  private cursors: (string | null)[] = [null];
  private leadPage: LeadPage | null = null;
  private lead: Lead | null = null;
  private detail: SessionDetail | null = null;
  private deliveryStatus = "";
  private deliveries: Delivery[] = [];
  private deliveriesNext: string | null = null;

  constructor(
    private readonly root: HTMLElement,
    deps: AdminPageDeps = {},
  ) {
    this.client = deps.client ?? new AdminClient(location.origin, () => adminToken.get());
    this.save = deps.save ?? saveBlob;
    let saved: string | null = null;
    try {
      saved = localStorage.getItem(LANG_KEY);
    } catch {
      // no storage: Spanish
    }
    this.locale = saved === "en" ? "en" : "es";
    this.t = adminTexts(this.locale);
  }

  /** Builds the page, then signs in with the tab's token if it has one, or asks for it. */
  async start(): Promise<void> {
    this.build();
    if (adminToken.get()) await this.enter();
    else this.showLogin("");
  }

  // --- building ---------------------------------------------------------------------------------

  private build(): void {
    const t = this.t;
    document.documentElement.lang = this.locale;
    document.title = t.title;
    const lang = h(
      "select",
      { id: "lang" },
      h("option", { value: "es" }, "Español"),
      h("option", { value: "en" }, "English"),
    );
    lang.value = this.locale;
    lang.addEventListener("change", () => this.setLocale(lang.value === "en" ? "en" : "es"));
    const signOut = button(t.signOut, { class: "secondary" });
    signOut.hidden = !this.signedIn;
    signOut.addEventListener("click", () => this.signOutNow());

    const token = h("input", {
      id: "token",
      type: "password",
      autocomplete: "off",
      spellcheck: "false",
      required: "",
      "aria-describedby": "token-hint login-error",
    });
    const loginError = h("p", { id: "login-error", class: "error", role: "alert" });
    const loginForm = h(
      "form",
      { class: "login-form" },
      h("label", { for: "token" }, t.tokenLabel),
      token,
      h("p", { id: "token-hint", class: "hint" }, t.tokenHint),
      loginError,
      h("button", { type: "submit" }, t.signIn),
    );
    loginForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void this.submitLogin();
    });
    const login = h(
      "section",
      { class: "login", "aria-labelledby": "login-h" },
      h("h2", { id: "login-h" }, t.loginHeading),
      loginForm,
    );

    const q = h("input", { id: "q", type: "search", autocomplete: "off" });
    const since = h("input", { id: "since", type: "date" });
    const until = h("input", { id: "until", type: "date" });
    q.value = this.filterInputs.q;
    since.value = this.filterInputs.since;
    until.value = this.filterInputs.until;
    const clear = button(t.clear, { class: "secondary" });
    clear.addEventListener("click", () => {
      q.value = since.value = until.value = "";
      void this.applyFilter();
    });
    const csv = button(t.csv, { class: "secondary" });
    csv.addEventListener("click", () => void this.downloadCsv());
    const filters = h(
      "form",
      { class: "filters", role: "search", "aria-label": t.leads },
      h("div", {}, h("label", { for: "q" }, t.search), q),
      h("div", {}, h("label", { for: "since" }, t.since), since),
      h("div", {}, h("label", { for: "until" }, t.until), until),
      h("div", { class: "actions" }, h("button", { type: "submit" }, t.filter), clear, csv),
    );
    filters.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void this.applyFilter();
    });

    const leadRows = h("tbody");
    const newer = button(t.newer, { class: "secondary" });
    const older = button(t.older, { class: "secondary" });
    const pageNo = h("span", { class: "page-no" });
    newer.addEventListener("click", () => void this.turnPage(-1));
    older.addEventListener("click", () => void this.turnPage(1));
    const leadsHeading = h("h2", { id: "leads-h", tabindex: "-1" }, t.leads);
    const leads = h(
      "section",
      { class: "leads", "aria-labelledby": "leads-h" },
      leadsHeading,
      filters,
      h(
        "div",
        { class: "scroll" },
        h(
          "table",
          { "aria-labelledby": "leads-h" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ...[t.date, t.name, t.email, t.phone, t.page].map((c) =>
                h("th", { scope: "col" }, c),
              ),
            ),
          ),
          leadRows,
        ),
      ),
      h("nav", { class: "pager", "aria-label": t.pages }, newer, pageNo, older),
    );

    const detailHeading = h("h2", { id: "detail-h", tabindex: "-1" }, t.conversation);
    const detail = h("div", { class: "detail-body" });
    const detailSection = h(
      "section",
      { class: "detail", "aria-labelledby": "detail-h" },
      detailHeading,
      detail,
    );

    const deliveryStatus = h(
      "select",
      { id: "delivery-status" },
      ...(
        [
          ["", t.all],
          ["pending", t.pending],
          ["failed", t.failedStatus],
          ["delivered", t.delivered],
        ] as const
      ).map(([v, label]) => h("option", { value: v }, label)),
    );
    deliveryStatus.value = this.deliveryStatus;
    deliveryStatus.addEventListener("change", () => {
      this.deliveryStatus = deliveryStatus.value;
      void this.loadDeliveries(true);
    });
    const refresh = button(t.refresh, { class: "secondary" });
    refresh.addEventListener("click", () => void this.loadDeliveries(true));
    const deliveryRows = h("tbody");
    const moreDeliveries = button(t.more, { class: "secondary" });
    moreDeliveries.addEventListener("click", () => void this.loadDeliveries(false));
    const deliveries = h(
      "section",
      { class: "deliveries", "aria-labelledby": "deliveries-h" },
      h("h2", { id: "deliveries-h" }, t.deliveries),
      h(
        "div",
        { class: "filters" },
        h("div", {}, h("label", { for: "delivery-status" }, t.deliveryStatus), deliveryStatus),
        h("div", { class: "actions" }, refresh),
      ),
      h(
        "div",
        { class: "scroll" },
        h(
          "table",
          { "aria-labelledby": "deliveries-h" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ...[t.created, t.event, t.endpoint, t.status, t.attempts, t.lastResult].map((c) =>
                h("th", { scope: "col" }, c),
              ),
              h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, t.retry)),
            ),
          ),
          deliveryRows,
        ),
      ),
      moreDeliveries,
    );

    const app = h(
      "div",
      { class: "app" },
      h("div", { class: "grid" }, leads, detailSection),
      deliveries,
    );
    const dialog = h("dialog", {
      class: "confirm",
      "aria-labelledby": "erase-h",
      "aria-describedby": "erase-d",
    });
    const notice = h("p", { class: "notice", role: "status" });
    const alert = h("p", { class: "error", role: "alert" });

    this.root.replaceChildren(
      h(
        "header",
        { class: "bar" },
        h("h1", {}, t.title),
        h("div", { class: "tools" }, h("label", { for: "lang" }, t.language), lang, signOut),
      ),
      h("main", {}, notice, alert, login, app),
      dialog,
    );
    this.e = {
      signOut,
      notice,
      alert,
      login,
      loginError,
      token,
      app,
      leadsHeading,
      q,
      since,
      until,
      leadRows,
      newer,
      older,
      pageNo,
      detail,
      detailHeading,
      deliveryStatus,
      deliveryRows,
      moreDeliveries,
      dialog,
    };
    login.hidden = this.signedIn;
    app.hidden = !this.signedIn;
    this.renderLeads();
    this.renderDetail();
    this.renderDeliveries();
  }

  private setLocale(locale: AdminLocale): void {
    this.locale = locale;
    this.t = adminTexts(locale);
    try {
      localStorage.setItem(LANG_KEY, locale);
    } catch {
      // not remembered: fine
    }
    this.build();
    document.getElementById("lang")?.focus();
  }

  // --- signing in -------------------------------------------------------------------------------

  private showLogin(message: string): void {
    this.signedIn = false;
    this.e.login.hidden = false;
    this.e.app.hidden = true;
    this.e.signOut.hidden = true;
    this.e.loginError.textContent = message;
    this.e.token.value = "";
    this.e.token.focus();
  }

  private async submitLogin(): Promise<void> {
    const value = this.e.token.value.trim();
    if (!value) return;
    adminToken.set(value);
    this.e.token.value = "";
    await this.enter();
  }

  /** Shows the signed-in page and reads it; a refused token brings the sign-in back. */
  private async enter(): Promise<void> {
    this.signedIn = true;
    this.e.login.hidden = true;
    this.e.app.hidden = false;
    this.e.signOut.hidden = false;
    this.e.loginError.textContent = "";
    this.cursors = [null];
    this.leadPage = null;
    if (await this.loadLeads()) {
      this.e.leadsHeading.focus();
      await this.loadDeliveries(true);
    }
  }

  private signOutNow(): void {
    adminToken.clear();
    this.forgetData();
    this.notice("");
    this.showLogin("");
  }

  /** Without a valid token no personal data stays in the page, not even hidden. */
  private forgetData(): void {
    this.leadPage = null;
    this.lead = null;
    this.detail = null;
    this.deliveries = [];
    this.deliveriesNext = null;
    this.renderLeads();
    this.renderDetail();
    this.renderDeliveries();
  }

  /**
   * Runs a call of the API: a 401 forgets the token and asks for it again; any other failure is
   * announced. Answers whether it succeeded.
   */
  private async guard(call: () => Promise<void>): Promise<boolean> {
    this.e.alert.textContent = "";
    try {
      await call();
      return true;
    } catch (err) {
      if (err instanceof Unauthorized) {
        adminToken.clear();
        this.forgetData();
        this.showLogin(this.t.unauthorized);
      } else if (err instanceof AdminError && err.status === 429) {
        // Refused while signing in: the token may be right, but there is no telling yet.
        if (this.leadPage === null) {
          adminToken.clear();
          this.showLogin(this.t.rateLimited);
        } else this.e.alert.textContent = this.t.rateLimited;
      } else {
        this.e.alert.textContent = this.t.failed(err instanceof Error ? err.message : String(err));
      }
      return false;
    }
  }

  private notice(text: string): void {
    this.e.notice.textContent = text;
  }

  // --- leads ------------------------------------------------------------------------------------

  private async applyFilter(): Promise<void> {
    this.filterInputs = {
      q: this.e.q.value.trim(),
      since: this.e.since.value,
      until: this.e.until.value,
    };
    this.filter = {
      q: this.filterInputs.q || undefined,
      since: sinceParam(this.filterInputs.since),
      until: untilParam(this.filterInputs.until),
    };
    this.cursors = [null];
    await this.loadLeads();
  }

  private async loadLeads(): Promise<boolean> {
    const cursor = this.cursors[this.cursors.length - 1] ?? null;
    return this.guard(async () => {
      this.leadPage = await this.client.leads(this.filter, cursor);
      this.renderLeads();
    });
  }

  private async turnPage(step: 1 | -1): Promise<void> {
    if (step === 1) {
      const next = this.leadPage?.next_cursor;
      if (!next) return;
      this.cursors.push(next);
      if (!(await this.loadLeads())) this.cursors.pop();
    } else {
      if (this.cursors.length < 2) return;
      const popped = this.cursors.pop() ?? null;
      if (!(await this.loadLeads())) this.cursors.push(popped);
    }
    // A button that just became disabled would drop the focus to the body.
    const pressed = step === 1 ? this.e.older : this.e.newer;
    if (pressed.disabled) this.e.leadsHeading.focus();
  }

  private renderLeads(): void {
    const { t } = this;
    const leads = this.leadPage?.leads ?? [];
    const rows = leads.map((lead) => {
      const open = button(leadLabel(lead), { class: "link" });
      if (this.lead?.id === lead.id) open.setAttribute("aria-current", "true");
      open.addEventListener("click", () => void this.openLead(lead));
      return h(
        "tr",
        { "data-lead": lead.id },
        h(
          "td",
          {},
          h("time", { datetime: lead.created_at }, formatTime(lead.created_at, this.locale)),
        ),
        h("th", { scope: "row" }, open),
        h("td", {}, lead.email ?? "—"),
        h("td", {}, lead.phone ?? "—"),
        h("td", { class: "url" }, lead.page_url ?? "—"),
      );
    });
    if (this.leadPage && rows.length === 0)
      rows.push(h("tr", {}, h("td", { colspan: "5" }, t.noLeads)));
    this.e.leadRows.replaceChildren(...rows);
    this.e.newer.disabled = this.cursors.length < 2;
    this.e.older.disabled = !this.leadPage?.next_cursor;
    this.e.pageNo.textContent = this.leadPage ? t.pageOf(this.cursors.length) : "";
  }

  private async downloadCsv(): Promise<void> {
    await this.guard(async () => {
      const { blob, filename } = await this.client.leadsCsv(this.filter);
      this.save(blob, filename);
      this.notice(this.t.csvSaved(filename));
    });
  }

  // --- a lead's conversation and its erasure ----------------------------------------------------

  private async openLead(lead: Lead): Promise<void> {
    const ok = await this.guard(async () => {
      const detail = await this.client.session(lead.session_id);
      this.lead = lead;
      this.detail = detail;
      this.renderLeads();
      this.renderDetail();
    });
    if (ok) this.e.detailHeading.focus();
  }

  private renderDetail(): void {
    const { t } = this;
    const lead = this.lead;
    const d = this.detail;
    if (!lead || !d) {
      this.e.detailHeading.textContent = t.conversation;
      this.e.detail.replaceChildren(h("p", { class: "hint" }, t.pickLead));
      return;
    }
    this.e.detailHeading.textContent = t.conversation + ": " + leadLabel(lead);
    const facts: [string, string][] = [
      [t.name, lead.name ?? "—"],
      [t.email, lead.email ?? "—"],
      [t.phone, lead.phone ?? "—"],
      [t.started, formatTime(d.session.created_at, this.locale)],
      [t.lastActivity, formatTime(d.session.last_activity_at, this.locale)],
      [t.page, d.session.page_url ?? "—"],
      [t.locale, d.session.locale ?? "—"],
    ];
    const consents = d.consents.map((c) =>
      h(
        "li",
        {},
        (c.granted ? t.granted : t.withdrawn) +
          " · " +
          c.policy_version +
          " · " +
          formatTime(c.created_at, this.locale),
      ),
    );
    const messages = d.messages.map((m) =>
      h(
        "li",
        { class: "msg " + (m.author === "user" ? "user" : "assistant") },
        h(
          "p",
          { class: "meta" },
          h("strong", {}, m.author === "user" ? t.visitor : t.assistant),
          " · ",
          h("time", { datetime: m.created_at }, formatTime(m.created_at, this.locale)),
          m.status === "completed" ? "" : " · " + m.status,
        ),
        h("p", { class: "text" }, m.content),
      ),
    );
    const erase = button(t.erase, { class: "danger", id: "erase" });
    erase.addEventListener("click", () => this.confirmErase(lead, erase));
    this.e.detail.replaceChildren(
      h("dl", { class: "facts" }, ...facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      ...(consents.length
        ? [h("h3", {}, t.consents), h("ul", { class: "consents" }, ...consents)]
        : []),
      h("h3", {}, t.conversation),
      messages.length
        ? // It scrolls on its own: focusable, so that the keyboard can scroll it too.
          h("ol", { class: "transcript", tabindex: "0", "aria-label": t.conversation }, ...messages)
        : h("p", { class: "hint" }, t.noMessages),
      erase,
    );
  }

  /** The confirmation names what goes; focus starts on Cancel and comes back to the button. */
  private confirmErase(lead: Lead, opener: HTMLButtonElement): void {
    const { t } = this;
    const text = erasureText(t, lead);
    const cancel = button(t.cancel, { class: "secondary" });
    const confirm = button(t.eraseConfirm, { class: "danger" });
    const dialog = this.e.dialog;
    let confirmed = false;
    dialog.replaceChildren(
      h("h2", { id: "erase-h" }, text.title),
      h(
        "div",
        { id: "erase-d" },
        h("p", {}, text.intro),
        h("ul", {}, ...text.items.map((i) => h("li", {}, i))),
        h("p", {}, text.kept),
      ),
      h("div", { class: "actions" }, cancel, confirm),
    );
    cancel.addEventListener("click", () => dialog.close());
    confirm.addEventListener("click", () => {
      confirmed = true;
      dialog.close();
      void this.erase(lead);
    });
    dialog.addEventListener(
      "close",
      () => {
        if (!confirmed && opener.isConnected) opener.focus();
      },
      { once: true },
    );
    dialog.showModal();
    cancel.focus();
  }

  private async erase(lead: Lead): Promise<void> {
    let erased = 0;
    const ok = await this.guard(async () => {
      const r = lead.email
        ? await this.client.eraseSubject(lead.email)
        : await this.client.eraseSession(lead.session_id);
      erased = r.erased_sessions.length;
    });
    if (!ok) return;
    this.lead = null;
    this.detail = null;
    this.renderDetail();
    this.notice(this.t.erased(erased));
    this.cursors = [null];
    await this.loadLeads();
    this.e.leadsHeading.focus();
  }

  // --- webhook deliveries -----------------------------------------------------------------------

  private async loadDeliveries(reset: boolean): Promise<void> {
    const cursor = reset ? null : this.deliveriesNext;
    if (!reset && !cursor) return;
    await this.guard(async () => {
      const page = await this.client.deliveries(this.deliveryStatus, cursor);
      this.deliveries = reset ? page.deliveries : [...this.deliveries, ...page.deliveries];
      this.deliveriesNext = page.next_cursor;
      this.renderDeliveries();
    });
  }

  private async retry(id: string): Promise<void> {
    await this.guard(async () => {
      const updated = await this.client.retryDelivery(id);
      this.deliveries = this.deliveries.map((d) => (d.id === id ? updated : d));
      this.renderDeliveries();
      this.notice(this.t.retried);
      document.querySelector<HTMLElement>(`tr[data-delivery="${CSS.escape(id)}"] button`)?.focus();
    });
  }

  private renderDeliveries(): void {
    const { t } = this;
    const statusText: Record<string, string> = {
      pending: t.pending,
      delivered: t.delivered,
      failed: t.failedStatus,
    };
    const rows = this.deliveries.map((d) => {
      const retry = button(t.retry + " ", { class: "secondary" });
      retry.append(h("span", { class: "visually-hidden" }, d.event_type + " " + d.id));
      retry.addEventListener("click", () => void this.retry(d.id));
      const last =
        d.last_status_code !== null ? "HTTP " + String(d.last_status_code) : (d.last_error ?? "—");
      return h(
        "tr",
        { "data-delivery": d.id },
        h("td", {}, formatTime(d.created_at, this.locale)),
        h("td", {}, d.event_type),
        h("td", {}, d.endpoint),
        h("td", {}, statusText[d.status] ?? d.status),
        h("td", {}, String(d.attempt_count)),
        h("td", {}, last),
        h("td", {}, retry),
      );
    });
    if (rows.length === 0) rows.push(h("tr", {}, h("td", { colspan: "7" }, t.noDeliveries)));
    this.e.deliveryRows.replaceChildren(...rows);
    this.e.moreDeliveries.hidden = !this.deliveriesNext;
  }
}
