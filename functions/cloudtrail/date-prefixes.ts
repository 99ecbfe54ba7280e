const DAY_MS = 24 * 60 * 60 * 1000;

/** 00:00 UTC of the day of a time. */
export function startOfUtcDay(time: Date): Date {
  return new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate()));
}

/**
 * The UTC days whose folders `cloudtrail-delivery` lists, newest first: today, then yesterday. Yesterday is listed
 * only when today's folder is empty or when `now` is near midnight ({@link nearMidnight}).
 */
export function deliveryDays(now: Date): [today: Date, yesterday: Date] {
  const today = startOfUtcDay(now);
  return [today, new Date(today.getTime() - DAY_MS)];
}

/**
 * Whether the freshness window reaches back into yesterday: a file delivered just before midnight may still be
 * the newest, and a file whose events straddle midnight may sit in yesterday's folder.
 */
export function nearMidnight(now: Date, freshnessMinutes: number): boolean {
  return now.getTime() - freshnessMinutes * 60_000 < startOfUtcDay(now).getTime();
}

/** Every UTC day from the day of `start` to the day of `end`, oldest first (month and year ends included). */
export function eventDays(start: Date, end: Date): Date[] {
  const days: Date[] = [];
  const last = startOfUtcDay(end).getTime();
  for (let day = startOfUtcDay(start).getTime(); day <= last; day += DAY_MS) days.push(new Date(day));
  return days;
}
