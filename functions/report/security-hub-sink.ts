/**
 * The Security Hub sink, in a module of its own that Publish Report loads only when `securityHub.enabled` (off by
 * default): Security Hub's client and the schema of BatchImportFindings (the whole ASFF, about 115 KB) took 32-34 ms
 * of the function's 127-136 ms cold start on Node.js 24, paid by every run whether it exported or not. The function
 * bundle builds this file as a file of its own beside `index.js` (infra/bundling.ts, `LOADED_ON_FIRST_USE`), so
 * importing it anywhere but through a `require` inside the function that needs it fails the build.
 */
import { type AwsSecurityFinding, BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { awsClient } from '../lib/clients';
import { errorMessage, errorName } from '../lib/errors';
import { logger } from '../lib/logger';
import type { ReportStore } from '../lib/report-store';
import { cleanText } from '../lib/text';
import { ASFF_BATCH, type AsffTarget, archivedAsff, asffId, asffProblems, toAsff } from './asff';
import type { PublishContext, ReportSink } from './sink';

/** At most this many refused or invalid findings are logged (with the total): never a whole run's list. */
export const LOGGED_PROBLEMS = 20;
/** At most this many reasons of each kind in the outcome line, after the counts. */
const SHOWN_PROBLEMS = 3;
/** A reason from Security Hub or the validation, as it is logged. */
const REASON_LENGTH = 200;

/** The folder of the sink's state document under `state/` (Publish Report may read and write it, nothing else). */
export const SECURITY_HUB_STATE_FOLDER = 'securityhub';
/** `state/securityhub/archive-queue.json`: the ARCHIVED updates Security Hub has not confirmed yet. */
export const ARCHIVE_QUEUE = `${SECURITY_HUB_STATE_FOLDER}/archive-queue.json`;
/** At most this many queued updates (50 calls): the oldest beyond it are dropped, and the outcome says so. */
export const ARCHIVE_QUEUE_CAP = 5_000;
/** An update queued longer than this is dropped (said in the outcome): Security Hub deletes a finding after 90 days. */
export const ARCHIVE_QUEUE_DAYS = 30;

/** One queued update: the finding as it was sent, to be sent again as ARCHIVED. */
export interface ArchiveEntry {
  /** When it was first queued (ISO-8601). */
  readonly queuedAt: string;
  readonly finding: AwsSecurityFinding;
}

/** The queue document. */
export interface ArchiveQueue {
  readonly schemaVersion: 1;
  readonly entries: readonly ArchiveEntry[];
}

/** A finding Security Hub refused (BatchImportFindings' `FailedFindings`). */
export interface RefusedFinding {
  readonly id: string;
  readonly code: string;
  readonly message: string;
}

/** A finding left out before sending, with what is wrong with it. */
export interface InvalidFinding {
  readonly id: string;
  readonly problems: readonly string[];
}

/** A BatchImportFindings call that failed as a whole (after the SDK's own retries). */
export interface FailedBatch {
  /** 1-based, in sending order. */
  readonly batch: number;
  readonly size: number;
  readonly error: string;
}

/** What one import did: how many got in, and everything that did not, with why. */
export interface ImportOutcome {
  readonly imported: number;
  /** The IDs known to be in: a batch whose FailedCount names no finding confirms none of its own. */
  readonly confirmed: ReadonlySet<string>;
  readonly refused: readonly RefusedFinding[];
  readonly invalid: readonly InvalidFinding[];
  readonly failedBatches: readonly FailedBatch[];
  readonly batches: number;
}

/**
 * Findings into Security Hub in the Audit account, in batches of 100: open ones ACTIVE, resolved ones ARCHIVED
 * with Compliance PASSED; NOT_ASSESSED ones are not sent, so they stay as they were. Each finding is validated
 * first; an invalid one is left out and reported. A batch that fails after the SDK's retries (throttling included)
 * does not stop the others. Anything that did not get in (refused, invalid, a failed batch) makes the sink fail,
 * with the counts first and the first reasons after them; the first {@link LOGGED_PROBLEMS} of each kind are logged.
 *
 * An ARCHIVED update is sent until Security Hub confirms it, not once: the archive queue ({@link ARCHIVE_QUEUE})
 * keeps the resolved findings whose update did not get in. Each run sends the queue again as ARCHIVED, with its own
 * UpdatedAt, except a finding this run reports itself (reopened, or found again: this run's state wins). A CloudTrail
 * event finding is never archived by the sink: what happened stays ACTIVE until a person archives it or Security Hub
 * ages it out, as GuardDuty's findings do; archiving it the next day would hide it from whoever looks weekly.
 */
export class SecurityHubSink implements ReportSink {
  readonly name = 'securityhub';
  constructor(
    private readonly securityHub: SecurityHubClient,
    private readonly target: AsffTarget,
    /** Where the archive queue is kept (the report store's state documents). */
    private readonly state: ReportStore,
  ) {}

  async publish(context: PublishContext): Promise<string> {
    const { now } = context;
    const tracked = [...context.findings.values()].flatMap((account) => account.findings);
    const reported = new Set(tracked.map((finding) => asffId(finding)));
    const current = tracked
      .filter((finding) => finding.state !== 'NOT_ASSESSED')
      .map((finding) => ({ tracked: finding, asff: toAsff(finding, this.target, now) }));

    const queue = await this.readQueue();
    const horizon = now.getTime() - ARCHIVE_QUEUE_DAYS * 86_400_000;
    let expired = 0;
    const carried: ArchiveEntry[] = [];
    for (const entry of queue.entries) {
      if (reported.has(entry.finding.Id ?? '')) continue;
      if (!(Date.parse(entry.queuedAt) >= horizon)) expired++;
      else carried.push({ queuedAt: entry.queuedAt, finding: archivedAsff(entry.finding, now) });
    }
    // What must reach Security Hub as ARCHIVED: this run's resolved findings and the queue.
    const queuedAt = now.toISOString();
    const mustArchive: ArchiveEntry[] = [
      ...current.filter(({ tracked }) => tracked.state === 'RESOLVED').map(({ asff }) => ({ queuedAt, finding: asff })),
      ...carried,
    ];

    const problems: string[] = [];
    if (queue.error) problems.push(`archive queue not read, so not written: ${queue.error}`);
    // Written before sending too, so that a Publish Report that stops half way loses nothing it was to archive.
    if (!queue.error) await this.writeQueue(mustArchive, problems);

    const outcome = await this.importFindings([...current.map(({ asff }) => asff), ...carried.map((e) => e.finding)]);
    const invalid = new Set(outcome.invalid.map((finding) => finding.id));
    const kept = mustArchive
      .filter((entry) => !outcome.confirmed.has(entry.finding.Id ?? ''))
      .filter((entry) => !invalid.has(cleanText(entry.finding.Id, REASON_LENGTH)));
    const dropped = queue.error ? 0 : await this.writeQueue(kept, problems);
    if (expired > 0) problems.push(`${expired} queued ARCHIVED updates older than ${ARCHIVE_QUEUE_DAYS} days dropped`);
    if (dropped > 0)
      problems.push(`${dropped} queued ARCHIVED updates over ${ARCHIVE_QUEUE_CAP} dropped, oldest first`);

    logProblems(outcome);
    if (problems.length > 0) logger.warn('Security Hub archive queue', { problems });
    const line = [
      `${outcomeLine(outcome, true)}`,
      `archive queue: ${carried.length} sent again, ${queue.error ? 'not kept' : `${Math.min(kept.length, ARCHIVE_QUEUE_CAP)} kept for the next run`}`,
      ...problems,
      ...outcomeReasons(outcome),
    ].join('; ');
    if (!succeeded(outcome) || problems.length > 0) throw new Error(`Security Hub: ${line}`);
    return line;
  }

  /** The queue; a missing or malformed one is empty (logged), a failed read is an error (the queue is then kept). */
  private async readQueue(): Promise<{ entries: readonly ArchiveEntry[]; error?: string }> {
    try {
      const queue = await this.state.getState<ArchiveQueue>(ARCHIVE_QUEUE);
      if (queue === undefined) return { entries: [] };
      if (queue?.schemaVersion !== 1 || !Array.isArray(queue.entries)) {
        logger.warn('the Security Hub archive queue is not in the expected shape: started again', {});
        return { entries: [] };
      }
      return {
        entries: queue.entries.filter(
          (entry) => typeof entry?.queuedAt === 'string' && typeof entry.finding?.Id === 'string',
        ),
      };
    } catch (error) {
      return { entries: [], error: clean(`${errorName(error) ?? 'Error'}: ${errorMessage(error)}`) };
    }
  }

  /** Writes the queue, newest first within the cap, and returns how many were dropped; a failure is a problem. */
  private async writeQueue(entries: readonly ArchiveEntry[], problems: string[]): Promise<number> {
    const byId = new Map<string, ArchiveEntry>();
    for (const entry of entries) if (!byId.has(entry.finding.Id ?? '')) byId.set(entry.finding.Id ?? '', entry);
    const unique = [...byId.values()].sort((a, b) => b.queuedAt.localeCompare(a.queuedAt));
    const kept = unique.slice(0, ARCHIVE_QUEUE_CAP);
    try {
      await this.state.putState(ARCHIVE_QUEUE, { schemaVersion: 1, entries: kept } satisfies ArchiveQueue);
    } catch (error) {
      const problem = `archive queue not written: ${clean(`${errorName(error) ?? 'Error'}: ${errorMessage(error)}`)}`;
      if (!problems.includes(problem)) problems.push(problem);
    }
    return unique.length - kept.length;
  }

  /** Validates, then sends batch by batch; never throws for a failed batch (it is in the outcome). */
  async importFindings(findings: readonly AwsSecurityFinding[]): Promise<ImportOutcome> {
    const valid: AwsSecurityFinding[] = [];
    const invalid: InvalidFinding[] = [];
    for (const finding of findings) {
      const problems = asffProblems(finding, this.target);
      if (problems.length === 0) valid.push(finding);
      else invalid.push({ id: cleanText(finding.Id, REASON_LENGTH), problems: problems.map((p) => clean(p)) });
    }
    let imported = 0;
    const confirmed = new Set<string>();
    const refused: RefusedFinding[] = [];
    const failedBatches: FailedBatch[] = [];
    let batches = 0;
    for (let start = 0; start < valid.length; start += ASFF_BATCH) {
      const batch = valid.slice(start, start + ASFF_BATCH);
      batches++;
      try {
        const result = await this.securityHub.send(new BatchImportFindingsCommand({ Findings: batch }));
        const failedIds = new Set<string>();
        for (const failure of result.FailedFindings ?? []) {
          failedIds.add(failure.Id ?? '');
          refused.push({
            id: clean(failure.Id ?? '(no Id)'),
            code: clean(failure.ErrorCode ?? 'unknown'),
            message: clean(failure.ErrorMessage ?? ''),
          });
        }
        // A count with findings it does not name: those are refused too, and nothing in the batch is confirmed.
        const failedCount = Math.max(result.FailedCount ?? 0, failedIds.size);
        for (let unnamed = failedIds.size; unnamed < failedCount; unnamed++) {
          refused.push({ id: '(not named)', code: 'unknown', message: 'FailedCount without FailedFindings' });
        }
        imported += batch.length - failedCount;
        if (failedCount === failedIds.size) {
          for (const finding of batch) if (!failedIds.has(finding.Id ?? '')) confirmed.add(finding.Id ?? '');
        }
      } catch (error) {
        failedBatches.push({
          batch: batches,
          size: batch.length,
          error: clean(`${errorName(error) ?? 'Error'}: ${errorMessage(error)}`),
        });
      }
    }
    return { imported, confirmed, refused, invalid, failedBatches, batches };
  }
}

function clean(text: unknown): string {
  return cleanText(text, REASON_LENGTH);
}

/** Whether everything sent got in: nothing refused, invalid or in a failed batch. */
export function succeeded(outcome: ImportOutcome): boolean {
  return outcome.refused.length + outcome.invalid.length + outcome.failedBatches.length === 0;
}

/**
 * `150 imported, 1 refused, 0 invalid, 1 of 3 batches failed (100 findings not sent); refused: <id> <code>:
 * <message>; invalid: <id>: <problem>; batch 2: ThrottlingException: Rate exceeded` — counts first, so that a cut
 * line (Publish Report keeps 300 characters) still has them; the first few reasons of each kind after them. With
 * `countsOnly`, the counts alone.
 */
export function outcomeLine(outcome: ImportOutcome, countsOnly = false): string {
  const counts = [
    `${outcome.imported} imported`,
    `${outcome.refused.length} refused`,
    `${outcome.invalid.length} invalid`,
  ];
  const { failedBatches } = outcome;
  if (failedBatches.length > 0) {
    const unsent = failedBatches.reduce((sum, failed) => sum + failed.size, 0);
    counts.push(`${failedBatches.length} of ${outcome.batches} batches failed (${unsent} findings not sent)`);
  }
  return [counts.join(', '), ...(countsOnly ? [] : outcomeReasons(outcome))].join('; ');
}

/** The first few reasons of each kind: refused, invalid, failed batches. */
function outcomeReasons(outcome: ImportOutcome): string[] {
  const reasons: string[] = [];
  const first = <T>(list: readonly T[], show: (item: T) => string) =>
    list
      .slice(0, SHOWN_PROBLEMS)
      .map(show)
      .concat(list.length > SHOWN_PROBLEMS ? [`${list.length - SHOWN_PROBLEMS} more`] : [])
      .join(', ');
  if (outcome.refused.length > 0) {
    reasons.push(`refused: ${first(outcome.refused, (r) => `${r.id} ${r.code}: ${cleanText(r.message, 80)}`)}`);
  }
  if (outcome.invalid.length > 0) {
    reasons.push(`invalid: ${first(outcome.invalid, (i) => `${i.id}: ${cleanText(i.problems.join('; '), 80)}`)}`);
  }
  if (outcome.failedBatches.length > 0) {
    reasons.push(first(outcome.failedBatches, (f) => `batch ${f.batch}: ${f.error}`));
  }
  return reasons;
}

/** The first {@link LOGGED_PROBLEMS} refused and invalid findings and the failed batches, with the totals. */
function logProblems(outcome: ImportOutcome): void {
  if (outcome.refused.length > 0) {
    logger.warn('Security Hub refused findings', {
      total: outcome.refused.length,
      refused: outcome.refused.slice(0, LOGGED_PROBLEMS),
    });
  }
  if (outcome.invalid.length > 0) {
    logger.warn('invalid findings left out of the Security Hub import', {
      total: outcome.invalid.length,
      invalid: outcome.invalid.slice(0, LOGGED_PROBLEMS),
    });
  }
  if (outcome.failedBatches.length > 0) {
    logger.warn('Security Hub import batches failed', {
      total: outcome.failedBatches.length,
      failedBatches: outcome.failedBatches.slice(0, LOGGED_PROBLEMS),
    });
  }
}

/** The sink Publish Report sends to, with the functions' client settings (lib/clients.ts). */
export function securityHubSink(target: AsffTarget, state: ReportStore): SecurityHubSink {
  return new SecurityHubSink(awsClient(SecurityHubClient), target, state);
}
