import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { attachmentName, type Lead } from "../src/admin/api";
import { untilParam, sinceParam } from "../src/admin/dates";
import { AdminPage, erasureText } from "../src/admin/page";
import { ADMIN_TEXTS } from "../src/admin/texts";
import { TOKEN_KEY } from "../src/admin/token";

const TOKEN = "s3cret-admin-token";

function lead(n: number, over: Partial<Lead> = {}): Lead {
  return {
    id: "lead-" + String(n),
    session_id: "session-" + String(n),
    name: "Visitor " + String(n),
    email: `v${String(n)}@example.com`,
    phone: "+3461234560" + String(n % 10),
    created_at: "2026-12-01T10:00:00Z",
    updated_at: "2026-12-01T10:00:00Z",
    consent: { id: "c" + String(n), policy_version: "2026-11", granted_at: "2026-12-01T09:59:00Z" },
    page_url: "https://landing.example/",
    utm: null,
    ...over,
  };
}

const DETAIL = {
  session: {
    id: "session-1",
    locale: "es",
    page_url: "https://landing.example/",
    referrer: null,
    utm: null,
    created_at: "2026-12-01T09:58:00Z",
    last_activity_at: "2026-12-01T10:01:00Z",
    status: "active",
  },
  messages: [
    {
      seq: 1,
      author: "user",
      content: "Hola <b>x</b>",
      status: "completed",
      created_at: "2026-12-01T09:59:10Z",
    },
    {
      seq: 2,
      author: "assistant",
      content: "¿Cómo te llamas?",
      status: "completed",
      created_at: "2026-12-01T09:59:11Z",
    },
  ],
  consents: [
    { id: "c1", granted: true, policy_version: "2026-11", created_at: "2026-12-01T09:59:00Z" },
  ],
  lead: lead(1),
  events: [],
};

interface Call {
  method: string;
  url: URL;
  auth: string | null;
}

type Route = (call: Call) => Response | undefined;

function json(body: unknown, status = 200, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

const problem = (status: number, code: string) =>
  json({ type: "about:blank", title: code, status, detail: code, code }, status);

let calls: Call[];
let routes: Route[];

/** The gateway's admin API as the page sees it: each call recorded, answered by the first route. */
function serve(...r: Route[]) {
  routes = r;
}

beforeEach(() => {
  calls = [];
  routes = [];
  sessionStorage.clear();
  localStorage.clear();
  document.body.innerHTML = '<div id="admin"></div>';
  vi.stubGlobal(
    "fetch",
    vi.fn((input: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      const call: Call = {
        method: init.method ?? "GET",
        url: new URL(input, location.origin),
        auth: headers.get("Authorization"),
      };
      calls.push(call);
      if (call.auth !== "Bearer " + TOKEN) return Promise.resolve(problem(401, "unauthorized"));
      for (const route of routes) {
        const res = route(call);
        if (res) return Promise.resolve(res);
      }
      return Promise.resolve(problem(404, "not_found"));
    }),
  );
});

afterEach(() => {
  vi.unstubAllGlobals();
});

const leadsRoute =
  (pages: Record<string, { leads: Lead[]; next_cursor: string | null }>): Route =>
  (c) =>
    c.method === "GET" && c.url.pathname === "/api/admin/leads"
      ? json(pages[c.url.searchParams.get("cursor") ?? ""] ?? { leads: [], next_cursor: null })
      : undefined;

const noDeliveries: Route = (c) =>
  c.url.pathname === "/api/admin/webhooks/deliveries"
    ? json({ deliveries: [], next_cursor: null })
    : undefined;

const root = () => document.getElementById("admin")!;
const tokenInput = () => document.querySelector<HTMLInputElement>("#token")!;
const byText = (text: string) =>
  [...document.querySelectorAll<HTMLButtonElement>("button")].find(
    (b) => b.textContent?.trim() === text,
  )!;
const leadRows = () => [...document.querySelectorAll(".leads tbody tr[data-lead]")];

async function signIn(token = TOKEN) {
  tokenInput().value = token;
  document.querySelector<HTMLFormElement>(".login-form")!.requestSubmit();
  await vi.waitFor(() => expect(calls.length).toBeGreaterThan(0));
}

async function startSignedIn(page?: AdminPage) {
  sessionStorage.setItem(TOKEN_KEY, TOKEN);
  await (page ?? new AdminPage(root())).start();
}

describe("the admin token", () => {
  it("is asked once and kept in sessionStorage only, never in localStorage or a URL", async () => {
    serve(leadsRoute({ "": { leads: [lead(1)], next_cursor: null } }), noDeliveries);
    await new AdminPage(root()).start();
    const login = document.querySelector<HTMLElement>(".login")!;
    expect(login.hidden).toBe(false);
    expect(document.querySelector<HTMLElement>(".app")!.hidden).toBe(true);
    expect(document.activeElement).toBe(tokenInput());
    expect(tokenInput().type).toBe("password");
    expect(document.querySelector(`label[for="token"]`)).not.toBeNull();

    await signIn();
    await vi.waitFor(() => expect(leadRows()).toHaveLength(1));
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe(TOKEN);
    for (let i = 0; i < localStorage.length; i++)
      expect(localStorage.getItem(localStorage.key(i)!)).not.toContain(TOKEN);
    expect(location.href).not.toContain(TOKEN);
    expect(tokenInput().value).toBe("");
    expect(login.hidden).toBe(true);
    for (const c of calls) {
      expect(c.auth).toBe("Bearer " + TOKEN);
      expect(c.url.href).not.toContain(TOKEN);
    }
  });

  it("is not asked again while the tab keeps it", async () => {
    serve(leadsRoute({ "": { leads: [lead(1)], next_cursor: null } }), noDeliveries);
    await startSignedIn();
    expect(document.querySelector<HTMLElement>(".login")!.hidden).toBe(true);
    expect(leadRows()).toHaveLength(1);
  });

  it("a wrong token (401) is forgotten and asked for again", async () => {
    serve(leadsRoute({ "": { leads: [lead(1)], next_cursor: null } }), noDeliveries);
    await new AdminPage(root()).start();
    await signIn("wrong-token");
    await vi.waitFor(() =>
      expect(document.querySelector("#login-error")!.textContent).toBe(ADMIN_TEXTS.es.unauthorized),
    );
    expect(sessionStorage.getItem(TOKEN_KEY)).toBeNull();
    expect(document.querySelector<HTMLElement>(".login")!.hidden).toBe(false);
    expect(document.activeElement).toBe(tokenInput());
    expect(leadRows()).toHaveLength(0);
  });

  it("a 401 in the middle of the work (the token was rotated) asks for it again", async () => {
    serve(leadsRoute({ "": { leads: [lead(1)], next_cursor: "c1" } }), noDeliveries);
    await startSignedIn();
    sessionStorage.setItem(TOKEN_KEY, "rotated-away");
    byText(ADMIN_TEXTS.es.older).click();
    await vi.waitFor(() =>
      expect(document.querySelector<HTMLElement>(".login")!.hidden).toBe(false),
    );
    expect(sessionStorage.getItem(TOKEN_KEY)).toBeNull();
    expect(document.querySelector("#login-error")!.textContent).toBe(ADMIN_TEXTS.es.unauthorized);
    expect(leadRows(), "no personal data left behind, even hidden").toHaveLength(0);
    await signIn();
    await vi.waitFor(() => expect(document.querySelector<HTMLElement>(".app")!.hidden).toBe(false));
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe(TOKEN);
  });

  it("signing out forgets it", async () => {
    serve(leadsRoute({ "": { leads: [lead(1)], next_cursor: null } }), noDeliveries);
    await startSignedIn();
    byText(ADMIN_TEXTS.es.signOut).click();
    expect(sessionStorage.getItem(TOKEN_KEY)).toBeNull();
    expect(document.querySelector<HTMLElement>(".login")!.hidden).toBe(false);
    expect(leadRows()).toHaveLength(0);
  });
});

describe("the leads table", () => {
  it("pages on with next_cursor and back, newest first as the API gives them", async () => {
    const first = [lead(3), lead(2)];
    const second = [lead(1)];
    serve(
      leadsRoute({
        "": { leads: first, next_cursor: "cursor-2" },
        "cursor-2": { leads: second, next_cursor: null },
      }),
      noDeliveries,
    );
    await startSignedIn();
    expect(leadRows().map((r) => r.getAttribute("data-lead"))).toEqual(["lead-3", "lead-2"]);
    const older = byText(ADMIN_TEXTS.es.older);
    const newer = byText(ADMIN_TEXTS.es.newer);
    expect(newer.disabled).toBe(true);
    expect(older.disabled).toBe(false);
    expect(document.querySelector(".page-no")!.textContent).toBe("Página 1");

    older.click();
    await vi.waitFor(() =>
      expect(leadRows().map((r) => r.getAttribute("data-lead"))).toEqual(["lead-1"]),
    );
    const leadCalls = calls.filter((c) => c.url.pathname === "/api/admin/leads");
    expect(leadCalls[0]!.url.searchParams.has("cursor")).toBe(false);
    expect(leadCalls[1]!.url.searchParams.get("cursor")).toBe("cursor-2");
    expect(leadCalls[1]!.url.searchParams.get("limit")).toBe("50");
    expect(older.disabled).toBe(true);
    expect(newer.disabled).toBe(false);
    expect(document.querySelector(".page-no")!.textContent).toBe("Página 2");
    expect(document.activeElement).toBe(document.querySelector("#leads-h"));

    newer.click();
    await vi.waitFor(() => expect(leadRows()).toHaveLength(2));
    expect(
      calls
        .filter((c) => c.url.pathname === "/api/admin/leads")
        .at(-1)!
        .url.searchParams.has("cursor"),
    ).toBe(false);
    expect(newer.disabled).toBe(true);
  });

  it("searches and filters by date range, the last day included, from the first page", async () => {
    serve(leadsRoute({ "": { leads: [lead(1)], next_cursor: "c" } }), noDeliveries);
    await startSignedIn();
    document.querySelector<HTMLInputElement>("#q")!.value = "  ana  ";
    document.querySelector<HTMLInputElement>("#since")!.value = "2026-11-01";
    document.querySelector<HTMLInputElement>("#until")!.value = "2026-11-30";
    document.querySelector<HTMLFormElement>(".filters")!.requestSubmit();
    await vi.waitFor(() =>
      expect(calls.filter((c) => c.url.pathname === "/api/admin/leads")).toHaveLength(2),
    );
    const p = calls.filter((c) => c.url.pathname === "/api/admin/leads")[1]!.url.searchParams;
    expect(p.get("q")).toBe("ana");
    expect(p.get("since")).toBe(new Date(2026, 10, 1).toISOString());
    expect(p.get("until")).toBe(new Date(2026, 11, 1).toISOString());
    expect(p.has("cursor")).toBe(false);
  });

  it("shows names as text, never as markup", async () => {
    serve(
      leadsRoute({
        "": { leads: [lead(1, { name: '<img src=x onerror="alert(1)">' })], next_cursor: null },
      }),
      noDeliveries,
    );
    await startSignedIn();
    expect(root().querySelector("img")).toBeNull();
    expect(leadRows()[0]!.textContent).toContain('<img src=x onerror="alert(1)">');
  });
});

describe("the CSV", () => {
  it("is fetched with the bearer header and the same filters, and saved under the server's file name", async () => {
    const csv = "id,session_id,name\r\nlead-1,session-1,Visitor 1\r\n";
    serve(leadsRoute({ "": { leads: [lead(1)], next_cursor: null } }), noDeliveries, (c) =>
      c.url.pathname === "/api/admin/leads.csv"
        ? new Response(csv, {
            headers: {
              "Content-Type": "text/csv; charset=utf-8",
              "Content-Disposition": 'attachment; filename="talia-leads-2026-12-02.csv"',
            },
          })
        : undefined,
    );
    const saved: { blob: Blob; filename: string }[] = [];
    await startSignedIn(
      new AdminPage(root(), { save: (blob, filename) => saved.push({ blob, filename }) }),
    );
    document.querySelector<HTMLInputElement>("#q")!.value = "visitor";
    document.querySelector<HTMLFormElement>(".filters")!.requestSubmit();
    await vi.waitFor(() =>
      expect(calls.filter((c) => c.url.pathname === "/api/admin/leads")).toHaveLength(2),
    );
    byText(ADMIN_TEXTS.es.csv).click();
    await vi.waitFor(() => expect(saved).toHaveLength(1));
    const call = calls.find((c) => c.url.pathname === "/api/admin/leads.csv")!;
    expect(call.auth).toBe("Bearer " + TOKEN);
    expect(call.url.searchParams.get("q")).toBe("visitor");
    expect(call.url.href).not.toContain(TOKEN);
    expect(saved[0]!.filename).toBe("talia-leads-2026-12-02.csv");
    expect(await saved[0]!.blob.text()).toBe(csv);
    expect(document.querySelector('[role="status"]')!.textContent).toContain(
      "talia-leads-2026-12-02.csv",
    );
  });

  it("takes its file name from Content-Disposition", () => {
    expect(attachmentName('attachment; filename="a.csv"', "x")).toBe("a.csv");
    expect(attachmentName("attachment; filename=b.csv", "x")).toBe("b.csv");
    expect(attachmentName(null, "x.csv")).toBe("x.csv");
  });
});

describe("a lead's conversation and its erasure", () => {
  function erasable(): Route[] {
    return [
      leadsRoute({ "": { leads: [lead(1), lead(2)], next_cursor: null } }),
      noDeliveries,
      (c) => (c.url.pathname === "/api/admin/sessions/session-1" ? json(DETAIL) : undefined),
      (c) =>
        c.method === "DELETE" && c.url.pathname === "/api/admin/subjects"
          ? json({ erased_sessions: ["session-1"] })
          : undefined,
    ];
  }

  it("opens beside the table, as text, with focus on its heading", async () => {
    serve(...erasable());
    await startSignedIn();
    leadRows()[0]!.querySelector("button")!.click();
    await vi.waitFor(() => expect(document.querySelectorAll(".transcript li")).toHaveLength(2));
    const detail = document.querySelector(".detail")!;
    expect(detail.querySelector("b")).toBeNull();
    expect(detail.textContent).toContain("Hola <b>x</b>");
    expect(detail.textContent).toContain("v1@example.com");
    expect(document.activeElement).toBe(document.querySelector("#detail-h"));
    expect(leadRows()[0]!.querySelector("button")!.getAttribute("aria-current")).toBe("true");
  });

  it("asks first, naming everything that will be deleted; Cancel deletes nothing and gives focus back", async () => {
    serve(...erasable());
    await startSignedIn();
    leadRows()[0]!.querySelector("button")!.click();
    await vi.waitFor(() => expect(document.querySelector("#erase")).not.toBeNull());
    const erase = document.querySelector<HTMLButtonElement>("#erase")!;
    erase.click();
    const dialog = document.querySelector("dialog")!;
    expect(dialog.open).toBe(true);
    expect(dialog.getAttribute("aria-labelledby")).toBe("erase-h");
    const text = dialog.textContent;
    expect(text).toContain("v1@example.com");
    for (const what of ["mensajes", "nombre, email y teléfono", "IP", "user agent", "OpenAI"])
      expect(text).toContain(what);
    expect(document.activeElement).toBe(byText(ADMIN_TEXTS.es.cancel));

    byText(ADMIN_TEXTS.es.cancel).click();
    expect(dialog.open).toBe(false);
    expect(document.activeElement).toBe(erase);
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
  });

  it("once confirmed, erases by the lead's email and reads the list again", async () => {
    serve(...erasable());
    await startSignedIn();
    leadRows()[0]!.querySelector("button")!.click();
    await vi.waitFor(() => expect(document.querySelector("#erase")).not.toBeNull());
    document.querySelector<HTMLButtonElement>("#erase")!.click();
    serve(leadsRoute({ "": { leads: [lead(2)], next_cursor: null } }), ...erasable().slice(1));
    byText(ADMIN_TEXTS.es.eraseConfirm).click();
    await vi.waitFor(() => expect(leadRows()).toHaveLength(1));
    const del = calls.find((c) => c.method === "DELETE")!;
    expect(del.url.pathname).toBe("/api/admin/subjects");
    expect(del.url.searchParams.get("email")).toBe("v1@example.com");
    expect(del.auth).toBe("Bearer " + TOKEN);
    expect(document.querySelector('[role="status"]')!.textContent).toBe("Borrada 1 conversación.");
    expect(document.querySelector(".detail")!.textContent).toContain(ADMIN_TEXTS.es.pickLead);
    expect(document.activeElement).toBe(document.querySelector("#leads-h"));
  });

  it("names the session when the lead left no email, and erases that session", () => {
    const t = ADMIN_TEXTS.en;
    const byEmail = erasureText(t, { email: "ana@example.com", session_id: "s-1" });
    expect(byEmail.intro).toContain("ana@example.com");
    expect(byEmail.items.join(" ")).toMatch(
      /messages.*name, email and phone.*IP.*user agent.*OpenAI/s,
    );
    expect(byEmail.kept).toContain("session id");
    const bySession = erasureText(t, { email: null, session_id: "s-1" });
    expect(bySession.intro).toContain("s-1");
  });
});

describe("the webhook deliveries", () => {
  it("lists them and retries one", async () => {
    const delivery = {
      id: "d-1",
      event_type: "lead_captured",
      session_id: "session-1",
      endpoint: "crm",
      status: "failed",
      attempt_count: 12,
      created_at: "2026-12-01T10:00:00Z",
      delivered_at: null,
      last_status_code: 500,
      last_error: null,
      attempts: [],
    };
    serve(
      leadsRoute({ "": { leads: [], next_cursor: null } }),
      (c) =>
        c.url.pathname === "/api/admin/webhooks/deliveries"
          ? json({ deliveries: [delivery], next_cursor: null })
          : undefined,
      (c) =>
        c.method === "POST" && c.url.pathname === "/api/admin/webhooks/deliveries/d-1/retry"
          ? json({ ...delivery, status: "pending", attempt_count: 0 }, 202)
          : undefined,
    );
    await startSignedIn();
    await vi.waitFor(() =>
      expect(document.querySelector('tr[data-delivery="d-1"]')).not.toBeNull(),
    );
    const row = () => document.querySelector('tr[data-delivery="d-1"]')!;
    expect(row().textContent).toContain("Fallida");
    expect(row().textContent).toContain("HTTP 500");
    row().querySelector("button")!.click();
    await vi.waitFor(() => expect(row().textContent).toContain("Pendiente"));
    expect(calls.some((c) => c.method === "POST" && c.auth === "Bearer " + TOKEN)).toBe(true);
    expect(document.activeElement).toBe(row().querySelector("button"));
  });
});

describe("the language", () => {
  it("is Spanish by default and switches to English, keeping what is shown", async () => {
    serve(leadsRoute({ "": { leads: [lead(1)], next_cursor: null } }), noDeliveries);
    await startSignedIn();
    expect(document.documentElement.lang).toBe("es");
    expect(byText("Descargar CSV")).toBeDefined();
    const lang = document.querySelector<HTMLSelectElement>("#lang")!;
    lang.value = "en";
    lang.dispatchEvent(new Event("change"));
    expect(document.documentElement.lang).toBe("en");
    expect(byText("Download CSV")).toBeDefined();
    expect(leadRows()).toHaveLength(1);
    expect(document.activeElement).toBe(document.querySelector("#lang"));
    expect(localStorage.getItem("talia-admin:lang")).toBe("en");
  });

  it("has every text in both languages", () => {
    expect(Object.keys(ADMIN_TEXTS.en).sort()).toEqual(Object.keys(ADMIN_TEXTS.es).sort());
  });
});

describe("the date range", () => {
  it("starts at the beginning of the first day and ends after the last one", () => {
    expect(sinceParam("2026-02-28")).toBe(new Date(2026, 1, 28).toISOString());
    expect(untilParam("2026-02-28")).toBe(new Date(2026, 2, 1).toISOString());
    expect(untilParam("")).toBeUndefined();
    expect(sinceParam("nonsense")).toBeUndefined();
  });
});
