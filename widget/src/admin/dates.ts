/**
 * The date range of the filters, in the browser's own days: "from" is the start of its day and
 * "until" is inclusive, so it becomes the start of the next day (the API's `until` is exclusive).
 */
export function dayStart(date: string, plusDays = 0): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return undefined;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function sinceParam(date: string): string | undefined {
  return dayStart(date);
}

export function untilParam(date: string): string | undefined {
  return dayStart(date, 1);
}

/** A stored instant in the reader's locale and time zone. */
export function formatTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale === "en" ? "en-GB" : "es-ES", {
    dateStyle: "short",
    timeStyle: "medium",
  }).format(d);
}
