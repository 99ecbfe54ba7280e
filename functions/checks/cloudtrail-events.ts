import {
  CURSOR_VERSION,
  type CursorDocument,
  cursorName,
  cursorsForRun,
  nextCursor,
  type RegionCursor,
  type RegionScan,
  scanStart,
  validCursor,
} from '../cloudtrail/cursor';
import { MAX_FINDINGS_PER_RULE, RuleEngine, SEVERITY_ORDER } from '../cloudtrail/engine';
import { summarizeFindings } from '../cloudtrail/format';
import {
  describeLogArchiveError,
  describeReadFailure,
  eventRegions,
  isCheckResult,
  type ListedLogFile,
  LogArchiveError,
  logArchiveRole,
  logFilesDelivered,
  openLogArchive,
  s3LogOpener,
} from '../cloudtrail/log-archive';
import { scanLogFiles } from '../cloudtrail/scanner';
import { errorMessage, isThrottle } from '../lib/errors';
import { logger } from '../lib/logger';
import { cleanText } from '../lib/text';
import type { Finding } from '../lib/types';
import { CHECK_INFO } from './catalog';
import type { Check, CheckContext } from './types';

/** The finding of a scan the deadline stopped: visible in the message, never a silent gap. */
export const SCAN_INCOMPLETE = 'ScanIncomplete';

/** Files listed per scan at most: the listing is held in memory, so it is bounded; the next run continues. */
export const MAX_LISTED_FILES = 100_000;

/** `2026-11-14T05:12Z`: minute precision, as in the keys. */
function minute(time: Date | string): string {
  return `${new Date(time).toISOString().slice(0, 16)}Z`;
}

async function readCursor(context: CheckContext): Promise<{ doc?: CursorDocument; note?: string }> {
  if (!context.state) return {};
  try {
    const doc = cursorsForRun(
      validCursor(await context.state.get(cursorName(context.accountId)), context.accountId),
      context.run.id,
    );
    return doc ? { doc } : {};
  } catch (error) {
    if (isThrottle(error)) throw error;
    // Without its cursor the scan still covers the look-back window; the message says so.
    logger.warn('cannot read the CloudTrail cursor', { accountId: context.accountId, error: errorMessage(error) });
    return { note: `cursor unreadable (${cleanText(errorMessage(error), 160)}); scanned the look-back window` };
  }
}

interface RegionPlan extends RegionScan {
  readonly region: string;
  readonly files: ListedLogFile[];
  listed: boolean;
  readonly done: Set<string>;
}

/**
 * `cloudtrail-events`: streams the account's CloudTrail files through the rules (root activity, tampering, public
 * buckets, ...), choosing files by delivery time (the time stamp in the key), never dropping events by their own
 * time. It reads the governed regions and the partition's global-events region (see {@link eventRegions}). Per
 * region, a cursor in the report store says up to which delivery time everything was read; each run
 * scans from there (less a 15-minute overlap, deduplicated by key and event ID) to now, the first run over
 * `cloudtrail.lookbackHours`. At the deadline the scan stops, keeps its findings, says it is incomplete, and the
 * cursor stays at the first file not read. Any finding fails the check; the record keeps at most
 * `MAX_FINDINGS_PER_RULE` per rule, the message counts them.
 */
export const cloudTrailEventsCheck: Check = {
  ...CHECK_INFO['cloudtrail-events'],
  async run(context) {
    const opened = await openLogArchive(context);
    if (isCheckResult(opened)) return opened;
    const { s3, target } = opened;
    const settings = context.settings.cloudtrail;
    const now = context.now();
    const shouldStop = () => Date.now() >= context.deadline;
    const { name: roleName, which } = logArchiveRole(context);

    const { doc: cursors, note } = await readCursor(context);
    const skipped = new Set<string>();
    const reported = new Set<string>();
    // Each region has its cursor, its listing and its gaps; the global-events region is one more such region.
    const plans: RegionPlan[] = eventRegions(target.regions).map((region) => {
      const cursor = cursors?.regions[region];
      for (const key of cursor?.read ?? []) skipped.add(key);
      for (const [id] of cursor?.reported ?? []) reported.add(id);
      return {
        region,
        from: scanStart(cursor, now, settings.lookbackHours),
        to: now,
        files: [],
        listed: false,
        done: new Set(),
      };
    });

    // List first (cheap, bounded), so that the scan knows how many files it has and what it did not reach.
    let listedCount = 0;
    try {
      for (const plan of plans) {
        if (shouldStop() || listedCount >= MAX_LISTED_FILES) break;
        let complete = true;
        for await (const file of logFilesDelivered(s3, target.location, context.accountId, plan.region, {
          start: plan.from,
          end: plan.to,
        })) {
          if (skipped.has(file.key)) continue;
          if (listedCount >= MAX_LISTED_FILES || shouldStop()) {
            complete = false;
            break;
          }
          plan.files.push(file);
          listedCount++;
        }
        // Day folders list in key order; a folder's date and its files' time stamps could disagree, so sort.
        plan.files.sort((a, b) => a.deliveredAt.getTime() - b.deliveredAt.getTime() || a.key.localeCompare(b.key));
        plan.listed = complete;
      }
    } catch (error) {
      if (isThrottle(error)) throw error instanceof LogArchiveError ? error.cause : error;
      const info = describeLogArchiveError(error, roleName, which);
      return { status: 'ERROR', message: 'cannot list the Log Archive bucket', error: info };
    }

    const engine = new RuleEngine({ settings, reported });
    const regionOf = new Map<string, RegionPlan>();
    for (const plan of plans) for (const file of plan.files) regionOf.set(file.key, plan);
    let stats: Awaited<ReturnType<typeof scanLogFiles>>;
    try {
      stats = await scanLogFiles({
        keys: plans.flatMap((plan) => plan.files.map((file) => file.key)),
        open: s3LogOpener(s3, target.location.bucket),
        engine,
        concurrency: settings.readConcurrency,
        shouldStop,
        describeReadError: (error) => describeReadFailure(error, roleName, which),
        onFileDone: (key) => regionOf.get(key)?.done.add(key),
      });
    } catch (error) {
      if (isThrottle(error)) throw error instanceof LogArchiveError ? error.cause : error;
      const info = describeLogArchiveError(error, roleName, which);
      return { status: 'ERROR', message: 'cannot read the Log Archive bucket', error: info };
    }

    const { findings: found, counts, capped } = engine.result();
    const complete = !stats.stopped && plans.every((plan) => plan.listed);
    const regions: Record<string, RegionCursor> = {};
    for (const plan of plans) regions[plan.region] = nextCursor(cursors?.regions[plan.region], plan, found);
    const next: CursorDocument = {
      version: CURSOR_VERSION,
      accountId: context.accountId,
      regions,
      runId: context.run.id,
      startedFrom: cursors?.regions ?? {},
    };
    context.state?.put(cursorName(context.accountId), next);

    const from = new Date(Math.min(...plans.map((plan) => plan.from.getTime())));
    const span = `${minute(from)}–${minute(now)}`;
    const scanned = {
      from: from.toISOString(),
      to: now.toISOString(),
      filesRead: stats.files,
      filesListed: listedCount,
      complete,
    };
    const findings: Finding[] = [...found];
    const extra: string[] = [];
    if (!complete) {
      const resumeAt = Object.values(regions).reduce((a, b) => (a.scannedTo < b.scannedTo ? a : b)).scannedTo;
      const incomplete = `scan incomplete: ${stats.files} of ${listedCount} files read${plans.every((plan) => plan.listed) ? '' : ' (listing not finished)'}; the next run continues`;
      findings.push({
        rule: SCAN_INCOMPLETE,
        severity: 'MEDIUM',
        title: `Scan incomplete: ${stats.files} of ${listedCount} files read`,
        resource: { type: 'AwsAccount', id: context.accountId, region: 'global' },
        detail: `${incomplete}: the scan reached its deadline (or its bound of ${MAX_LISTED_FILES} files); files delivered from ${minute(resumeAt)} on are read by the next run`,
      });
      extra.push(incomplete);
      findings.sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
    }
    if (note) extra.push(note);
    const tail = extra.length > 0 ? `; ${extra.join('; ')}` : '';

    if (findings.length === 0) {
      if (listedCount === 0) return { status: 'PASS', message: `no log files delivered ${span}${tail}`, scanned };
      const read = `${stats.files} file${stats.files === 1 ? '' : 's'}, ${stats.records} record${stats.records === 1 ? '' : 's'}`;
      return { status: 'PASS', message: `no findings in files delivered ${span} (${read})${tail}`, scanned };
    }
    const allCounts = complete ? counts : { ...counts, [SCAN_INCOMPLETE]: 1 };
    const cap = capped.length > 0 ? `; kept ${MAX_FINDINGS_PER_RULE} per rule` : '';
    return {
      status: 'FAIL',
      message: `${summarizeFindings(findings, allCounts)}${cap}; files delivered ${span}${tail}`,
      findings,
      scanned,
    };
  },
};
