/** The admin API (README § Admin page; issue 13) as the admin page uses it. */

export interface Consent {
  id: string;
  policy_version: string;
  granted_at: string;
}

export interface Lead {
  id: string;
  session_id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  created_at: string;
  updated_at: string;
  consent: Consent | null;
  page_url: string | null;
  utm: Record<string, string> | null;
}

export interface LeadPage {
  leads: Lead[];
  next_cursor: string | null;
}

export interface TranscriptMessage {
  seq: number;
  author: string;
  content: string;
  status: string;
  created_at: string;
}

export interface SessionDetail {
  session: {
    id: string;
    locale: string | null;
    page_url: string | null;
    referrer?: string | null;
    utm: Record<string, string> | null;
    created_at: string;
    last_activity_at: string | null;
    status: string;
  };
  messages: TranscriptMessage[];
  consents: { id: string; granted: boolean; policy_version: string; created_at: string }[];
  lead: Lead | null;
}

export interface Attempt {
  attempt: number;
  attempted_at: string;
  status_code: number | null;
  error: string | null;
}

export interface Delivery {
  id: string;
  event_type: string;
  session_id: string | null;
  endpoint: string;
  status: string;
  attempt_count: number;
  created_at: string;
  delivered_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  attempts: Attempt[];
}

export interface DeliveryPage {
  deliveries: Delivery[];
  next_cursor: string | null;
}

/** What the leads list and the CSV are filtered by: the API's own parameters. */
export interface LeadFilter {
  q?: string;
  since?: string;
  until?: string;
}

/** No token, or the gateway refused it (401): the page asks for the token again. */
export class Unauthorized extends Error {
  constructor() {
    super("unauthorized");
  }
}

/** Any other refusal, as its problem+json says. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export const PAGE_SIZE = 50;

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? "?" + s : "";
}

/** The file name a Content-Disposition header gives, or a fallback. */
export function attachmentName(header: string | null, fallback: string): string {
  const m = header ? /filename="?([^";]+)"?/i.exec(header) : null;
  return m?.[1]?.trim() ?? fallback;
}

export class AdminClient {
  /** {@code token} is asked at each call: the page may forget it between two calls. */
  constructor(
    private readonly base: string,
    private readonly token: () => string | null,
  ) {}

  private async request(method: string, path: string): Promise<Response> {
    const token = this.token();
    if (!token) throw new Unauthorized();
    const res = await fetch(this.base + path, {
      method,
      headers: { Authorization: "Bearer " + token },
      cache: "no-store",
      credentials: "omit",
    });
    if (res.status === 401) throw new Unauthorized();
    if (!res.ok) {
      const body: unknown = await res.json().catch(() => ({}));
      const p = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
      throw new AdminError(
        res.status,
        typeof p.code === "string" ? p.code : "http_" + String(res.status),
        typeof p.detail === "string" ? p.detail : res.statusText || "HTTP " + String(res.status),
      );
    }
    return res;
  }

  private async json<T>(method: string, path: string): Promise<T> {
    const body: unknown = await (await this.request(method, path)).json();
    return body as T;
  }

  leads(filter: LeadFilter, cursor?: string | null): Promise<LeadPage> {
    return this.json(
      "GET",
      "/api/admin/leads" +
        query({ ...filter, limit: String(PAGE_SIZE), cursor: cursor ?? undefined }),
    );
  }

  /** The CSV of every lead the filter selects, as a file to save. */
  async leadsCsv(filter: LeadFilter): Promise<{ blob: Blob; filename: string }> {
    const res = await this.request("GET", "/api/admin/leads.csv" + query({ ...filter }));
    const filename = attachmentName(res.headers.get("Content-Disposition"), "talia-leads.csv");
    return { blob: await res.blob(), filename };
  }

  session(id: string): Promise<SessionDetail> {
    return this.json("GET", "/api/admin/sessions/" + encodeURIComponent(id));
  }

  eraseSubject(email: string): Promise<{ erased_sessions: string[] }> {
    return this.json("DELETE", "/api/admin/subjects" + query({ email }));
  }

  eraseSession(id: string): Promise<{ erased_sessions: string[] }> {
    return this.json("DELETE", "/api/admin/sessions/" + encodeURIComponent(id));
  }

  deliveries(status: string, cursor?: string | null): Promise<DeliveryPage> {
    return this.json(
      "GET",
      "/api/admin/webhooks/deliveries" +
        query({
          status: status || undefined,
          limit: String(PAGE_SIZE),
          cursor: cursor ?? undefined,
        }),
    );
  }

  retryDelivery(id: string): Promise<Delivery> {
    return this.json("POST", "/api/admin/webhooks/deliveries/" + encodeURIComponent(id) + "/retry");
  }
}
