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
import { cleanText } from '../lib/text';
import { ASFF_BATCH, type AsffTarget, asffProblems, toAsff } from './asff';
import type { PublishContext, ReportSink } from './sink';

/** At most this many refused or invalid findings are logged (with the total): never a whole run's list. */
export const LOGGED_PROBLEMS = 20;
/** At most this many reasons of each kind in the outcome line, after the counts. */
const SHOWN_PROBLEMS = 3;
/** A reason from Security Hub or the validation, as it is logged. */
const REASON_LENGTH = 200;

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
 */
export class SecurityHubSink implements ReportSink {
  readonly name = 'securityhub';
  constructor(
    private readonly securityHub: SecurityHubClient,
    private readonly target: AsffTarget,
  ) {}

  async publish(context: PublishContext): Promise<string> {
    const findings = [...context.findings.values()]
      .flatMap((account) => account.findings)
      .filter((finding) => finding.state !== 'NOT_ASSESSED')
      .map((finding) => toAsff(finding, this.target, context.now));
    const outcome = await this.importFindings(findings);
    logProblems(outcome);
    const line = outcomeLine(outcome);
    if (!succeeded(outcome)) throw new Error(`Security Hub: ${line}`);
    return line;
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
 * line (Publish Report keeps 300 characters) still has them; the first few reasons of each kind after them.
 */
export function outcomeLine(outcome: ImportOutcome): string {
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
  if (failedBatches.length > 0) reasons.push(first(failedBatches, (f) => `batch ${f.batch}: ${f.error}`));
  return [counts.join(', '), ...reasons].join('; ');
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
export function securityHubSink(target: AsffTarget): SecurityHubSink {
  return new SecurityHubSink(awsClient(SecurityHubClient), target);
}
