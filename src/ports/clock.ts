export interface Clock {
  now(): Date;
  /**
   * The IANA time zone (e.g. "Europe/Berlin") in which a person reads local times: the
   * schedule's daily time and retention's hours, days, weeks, months and years. Absent:
   * the system's zone (Intl.DateTimeFormat().resolvedOptions().timeZone).
   */
  timeZone?(): string;
}
