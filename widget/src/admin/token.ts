/**
 * The admin token, kept in this tab's sessionStorage only: never in localStorage (it would outlive
 * the tab), never in a URL (it would reach history, logs and Referer headers).
 */
export const TOKEN_KEY = "talia-admin:token";

export const adminToken = {
  get(): string | null {
    try {
      return sessionStorage.getItem(TOKEN_KEY);
    } catch {
      return null;
    }
  },
  set(token: string): void {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  clear(): void {
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // storage unavailable: nothing was kept
    }
  },
};
