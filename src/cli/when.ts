/** Times for a person: an instant in the local zone the schedule and retention use, "2027-01-03 14:00". */
export function localWhen(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  // sv-SE writes "2027-01-03 14:00:00": ISO order, 24 h.
  return new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(t);
}

/** The system's zone, as the domain's clock uses it (TZ, else the system setting). */
export function systemTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}
