import type { Session } from "./api";

/** The consent mark of a visitor who withdrew it: chatting again asks for consent again. */
export const WITHDRAWN = "withdrawn";

/** What the widget remembers in localStorage: its session and the policy version consented to. */
export interface Saved {
  session: Session;
  consentVersion?: string;
}

export function recall(key: string): Saved | null {
  try {
    const raw = localStorage.getItem(key);
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

export function remember(key: string, session: Session, consentVersion?: string): void {
  const entry: Record<string, string> = { id: session.id, token: session.token };
  if (consentVersion) entry.consent = consentVersion;
  localStorage.setItem(key, JSON.stringify(entry));
}

export function forget(key: string): void {
  localStorage.removeItem(key);
}
