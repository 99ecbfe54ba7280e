import { errorKind } from '../lib/errors';
import { logger } from '../lib/logger';
import type { ReportStore } from '../lib/report-store';
import { readableAccountRecord } from '../lib/schema-version';
import { cleanText } from '../lib/text';
import { type AccountRecord, type ErrorInfo, type RunInfo, SCHEMA_VERSION, type Status } from '../lib/types';

/** What a Catch hands over: the Map item and the error Step Functions caught. */
export interface RecordAccountErrorEvent {
  readonly accountId: string;
  readonly run: RunInfo;
  readonly error?: { readonly Error?: string; readonly Cause?: string };
}

const MAX_MESSAGE = 1_000;

/**
 * The message inside a Catch's Cause. Lambda puts a JSON object there (`errorType`, `errorMessage`, `trace`):
 * keep the message, drop the stack trace.
 */
export function causeMessage(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: the local engine and States.* errors give plain text.
  }
  return cause;
}

/**
 * The classified error of a failed iteration. Its message is bounded and stripped of control characters: a Lambda
 * error message is text from anywhere (a stack, a module path, an SDK error carrying a member account's text), and
 * the record goes on to the console's Fail cause, the report and the terminal.
 */
export function iterationError(error: RecordAccountErrorEvent['error']): ErrorInfo {
  const name = error?.Error ?? 'States.TaskFailed';
  const message = causeMessage(error?.Cause);
  return {
    kind: errorKind(name),
    message: cleanText(message ? `${name}: ${message}` : name, MAX_MESSAGE),
  };
}

/** What Record Account Error works with. */
export interface RecordAccountErrorDeps {
  readonly store: ReportStore;
  /** The clock; tests and the local engine pass their own. @default the system clock */
  readonly now?: () => Date;
}

/**
 * Writes an ERROR record for an account whose audit failed as a whole (a crash, a timeout, throttled beyond all
 * retries), so that it is reported with its reason and never lost. Every check of the run is ERROR with it.
 *
 * Unless an attempt of this run already wrote the account's record: the audit finished and only its result never
 * reached Step Functions (a Lambda service error, the task's timeout just after the writes), and the later attempts
 * failed. That record is kept. Overwriting it would lose its findings for good: Audit Account moved the CloudTrail
 * cursor past the files they came from right after writing it, so no later run reads those files again.
 */
export async function recordAccountError(
  event: RecordAccountErrorEvent,
  deps: RecordAccountErrorDeps,
): Promise<{ accountId: string; status: Status }> {
  const { store, now = () => new Date() } = deps;
  const name = `accounts/${event.accountId}.json`;
  // Listed first: a missing record is known without a GetObject, which S3 answers with AccessDenied to a role whose
  // listing is narrowed by a prefix condition. A read that fails is thrown (the step retries, and Summarize reads
  // whatever record is there), never taken for "no record", which would write ERROR over the one an attempt wrote.
  const listed = (await store.list(event.run, name)).includes(name);
  const written = listed ? await store.getJson<AccountRecord>(event.run, name) : undefined;
  // Only a record this code reads, of this run and account: anything else is written over, as before.
  const kept = written && readableAccountRecord(written, name) === written ? written : undefined;
  // Not its own ERROR record of an earlier attempt (the only records with a top-level error): that one is replaced.
  if (kept && kept.runId === event.run.id && kept.accountId === event.accountId && kept.error === undefined) {
    logger.warn('account audited, its result lost on the way back: the record it wrote is kept', {
      accountId: event.accountId,
      kind: iterationError(event.error).kind,
    });
    return { accountId: event.accountId, status: kept.status };
  }
  const error = iterationError(event.error);
  const at = now().toISOString();
  const record: AccountRecord = {
    schemaVersion: SCHEMA_VERSION,
    accountId: event.accountId,
    runId: event.run.id,
    status: 'ERROR',
    checks: Object.fromEntries(
      event.run.checks.map((id) => [id, { status: 'ERROR' as const, message: 'not completed', error }]),
    ),
    error,
    startedAt: at,
    finishedAt: at,
  };
  await store.putJson(event.run, name, record);
  logger.warn('account audit failed', { accountId: event.accountId, kind: error.kind });
  return { accountId: event.accountId, status: 'ERROR' };
}
