import type { Finding } from '../lib/types';
import { parseLogKey } from './key-layout';

/**
 * How far back of a region's cursor the next run lists again: a file can land in S3 after a later one (CloudTrail
 * delivers each region's files on its own), so the minutes before the cursor are read again, and the files and
 * events already seen there are skipped.
 */
export const SEAM_OVERLAP_MS = 15 * 60_000;

/** Keys and event IDs kept per region at the seam: a bound on the state document whatever the volume. */
export const MAX_SEAM_ENTRIES = 1_000;

/** How far back a cursor may reach: an account not audited for weeks is scanned over this much, not more. */
export const MAX_CATCH_UP_MS = 7 * 24 * 3_600_000;

/** The state document's version; a document of another version is ignored (the look-back window is used). */
export const CURSOR_VERSION = 1;

/** One region's cursor. */
export interface RegionCursor {
  /** Every file delivered before this time (ISO-8601) was read. */
  readonly scannedTo: string;
  /** Files already read at or after `scannedTo` − overlap: skipped by the next run. */
  readonly read: readonly string[];
  /** `<rule>|<eventID>` of the findings made from those files, with their file's delivery time: not reported again. */
  readonly reported: readonly (readonly [id: string, deliveredAt: string])[];
}

/** `cloudtrail-cursors/<accountId>.json` in the report store: the account's cursor per region. */
export interface CursorDocument {
  readonly version: typeof CURSOR_VERSION;
  readonly accountId: string;
  readonly regions: Readonly<Record<string, RegionCursor>>;
  /** The run that wrote the document. */
  readonly runId?: string;
  /** The cursors that run started from: where a retry of the same run starts again (see {@link cursorsForRun}). */
  readonly startedFrom?: Readonly<Record<string, RegionCursor>>;
}

/** Where the next run lists from: the overlap before the cursor, on a whole minute (keys have minute precision). */
function seamOf(scannedTo: number): number {
  return Math.floor((scannedTo - SEAM_OVERLAP_MS) / 60_000) * 60_000;
}

/** The state document's name for an account. */
export function cursorName(accountId: string): string {
  return `cloudtrail-cursors/${accountId}.json`;
}

/** The document when it is one this code wrote for the account, else undefined (then the look-back window is used). */
export function validCursor(value: unknown, accountId: string): CursorDocument | undefined {
  const doc = value as Partial<CursorDocument> | undefined;
  if (!doc || doc.version !== CURSOR_VERSION || doc.accountId !== accountId) return undefined;
  const regions = validRegions(doc.regions);
  if (!regions) return undefined;
  const startedFrom = validRegions(doc.startedFrom);
  return {
    version: CURSOR_VERSION,
    accountId,
    regions,
    ...(typeof doc.runId === 'string' && startedFrom ? { runId: doc.runId, startedFrom } : {}),
  };
}

/**
 * The cursors a run scans from. A document the same run wrote means this is a retry of an attempt that finished its
 * scan but whose result Step Functions never got (a Lambda service error, a timeout just after the writes): the
 * attempt's record is about to be written again, so the retry scans again from where the run started, and finds
 * again what the attempt found. Starting from the moved cursor would write a record without those findings and
 * skip their files in every later run: findings lost.
 */
export function cursorsForRun(doc: CursorDocument | undefined, runId: string): CursorDocument | undefined {
  if (!doc || doc.runId !== runId) return doc;
  return { version: CURSOR_VERSION, accountId: doc.accountId, regions: doc.startedFrom ?? {} };
}

function validRegions(value: unknown): Record<string, RegionCursor> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const regions: Record<string, RegionCursor> = {};
  for (const [region, cursor] of Object.entries(value as Record<string, Partial<RegionCursor> | undefined>)) {
    if (typeof cursor?.scannedTo !== 'string' || Number.isNaN(Date.parse(cursor.scannedTo))) continue;
    regions[region] = {
      scannedTo: cursor.scannedTo,
      read: Array.isArray(cursor.read) ? cursor.read.filter((key) => typeof key === 'string') : [],
      reported: Array.isArray(cursor.reported)
        ? cursor.reported.filter(
            (pair): pair is [string, string] =>
              Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string',
          )
        : [],
    };
  }
  return regions;
}

/** Where a region's scan starts: the cursor less the overlap, or the look-back window on the first run. */
export function scanStart(cursor: RegionCursor | undefined, now: Date, lookbackHours: number): Date {
  const first = now.getTime() - lookbackHours * 3_600_000;
  if (!cursor) return new Date(first);
  const from = seamOf(Date.parse(cursor.scannedTo));
  return new Date(Math.min(now.getTime(), Math.max(from, now.getTime() - MAX_CATCH_UP_MS)));
}

/** What one region's scan listed and read, for its next cursor. */
export interface RegionScan {
  /** The listed files not skipped, in delivery order. */
  readonly files: readonly { readonly key: string; readonly deliveredAt: Date }[];
  /** Keys read to their end or reported unreadable. */
  readonly done: ReadonlySet<string>;
  /** Whether the listing reached the end of the span. */
  readonly listed: boolean;
  /** Where the scan started, and where it was to end. */
  readonly from: Date;
  readonly to: Date;
}

/**
 * The region's next cursor: the end of the span when every listed file was read and the listing finished; else
 * the delivery time of the first file not read (or the last file listed), so that nothing unread is passed over.
 * The files read at the seam and the event findings made from them go with it.
 */
export function nextCursor(
  previous: RegionCursor | undefined,
  scan: RegionScan,
  findings: readonly Finding[],
): RegionCursor {
  const lastListed = scan.files[scan.files.length - 1];
  // The listing never reached the region (the deadline): it stays where it was.
  if (!scan.listed && !lastListed) return previous ?? { scannedTo: scan.from.toISOString(), read: [], reported: [] };
  const firstUnread = scan.files.find((file) => !scan.done.has(file.key));
  let scannedTo = scan.to.getTime();
  if (firstUnread) scannedTo = firstUnread.deliveredAt.getTime();
  if (!scan.listed && lastListed) scannedTo = Math.min(scannedTo, lastListed.deliveredAt.getTime());
  const seam = seamOf(scannedTo);
  const deliveredAt = (key: string) => parseLogKey(key)?.deliveredAt.getTime() ?? Number.NaN;

  const read = new Set<string>();
  for (const key of previous?.read ?? []) if (deliveredAt(key) >= seam) read.add(key);
  for (const file of scan.files) if (scan.done.has(file.key) && file.deliveredAt.getTime() >= seam) read.add(file.key);

  const reported = new Map<string, string>();
  for (const [id, at] of previous?.reported ?? []) if (Date.parse(at) >= seam) reported.set(id, at);
  for (const finding of findings) {
    if (!finding.eventId || !finding.s3Key) continue;
    const at = deliveredAt(finding.s3Key);
    if (at >= seam) reported.set(`${finding.rule}|${finding.eventId}`, new Date(at).toISOString());
  }
  return {
    scannedTo: new Date(scannedTo).toISOString(),
    // The earliest entries matter most (nearest the cursor); beyond the bound a few files may be read twice.
    read: [...read].sort((a, b) => deliveredAt(a) - deliveredAt(b)).slice(0, MAX_SEAM_ENTRIES),
    reported: [...reported.entries()].sort((a, b) => a[1].localeCompare(b[1])).slice(0, MAX_SEAM_ENTRIES),
  };
}
