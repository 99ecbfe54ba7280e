import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { s3Client, stsClient } from '../../functions/lib/clients';
import { errorMessage, errorName } from '../../functions/lib/errors';
import { LocalReportStore, type ReportStore, S3ReportStore, TeeReportStore } from '../../functions/lib/report-store';
import type { Settings } from '../../functions/lib/settings';
import type { Io } from '../context';
import { UsageError } from '../context';
import { type LocalCredentials, runLocal, TASK_STATES, type TaskHandler } from '../engine';
import { Progress } from '../output';
import { markSandboxAudit } from '../sandbox/marks';
import type { RunFlags } from './options';
import { credentialsAdvice, printOutcome } from './outcome';

/** The states whose start and end the progress bar shows. */
const ACCOUNT_STATES: ReadonlySet<string> = new Set([TASK_STATES.auditAccount, TASK_STATES.auditAccountAsAdmin]);

/** Refuses to start without credentials, with what to do instead of the SDK's CredentialsProviderError. */
export async function requireCredentials(endpoint?: string): Promise<void> {
  try {
    await stsClient().config.credentials();
  } catch (error) {
    throw new UsageError(`no AWS credentials found: ${credentialsAdvice(endpoint)} (${errorMessage(error)})`);
  }
}

/** Refuses a report bucket that does not exist, naming it, before the run starts. */
export async function requireBucket(bucket: string, flag = '--report-bucket'): Promise<void> {
  try {
    await s3Client().send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = errorName(error);
    if (name === 'NotFound' || name === 'NoSuchBucket') {
      throw new UsageError(`the report bucket "${bucket}" does not exist (${flag})`);
    }
    throw new UsageError(`cannot use the report bucket "${bucket}" (${flag}): ${name}: ${errorMessage(error)}`);
  }
}

/**
 * Runs the workflow in the local engine with a progress bar, and prints the outcome; returns the exit code. A
 * sandbox run is marked as one before it starts ({@link markSandboxAudit}), so that `ct-audit remediate` refuses it.
 */
export async function executeLocal(
  io: Io,
  flags: RunFlags,
  settings: Settings,
  input: Record<string, unknown>,
  credentials: LocalCredentials | undefined,
  options: { readonly sandbox?: boolean } = {},
): Promise<number> {
  let store: ReportStore = new LocalReportStore(resolve(flags.reportDir));
  if (flags.reportBucket) store = new TeeReportStore(store, new S3ReportStore(flags.reportBucket, s3Client()));
  const executionName = options.sandbox ? await markSandboxAudit(store) : undefined;
  const progress = new Progress(io.stderr, flags.progress && !flags.json);
  const wrap = (state: string, handler: TaskHandler): TaskHandler =>
    ACCOUNT_STATES.has(state)
      ? async (event) => {
          progress.started();
          try {
            return await handler(event);
          } finally {
            progress.finished();
          }
        }
      : handler;
  try {
    const result = await runLocal({
      settings,
      input,
      store,
      ...(executionName !== undefined ? { executionName } : {}),
      ...(credentials ? { credentials } : {}),
      onTargets: (count) => progress.start(count),
      onAccountDone: (_, status) => progress.account(status),
      wrap,
    });
    progress.stop();
    const code = await printOutcome(io, flags, { ...result, store });
    // The table names the report; JSON output keeps stdout to the JSON, so the path goes to stderr.
    const html = join(resolve(flags.reportDir), result.executionName, 'report.html');
    if (flags.json && existsSync(html)) io.stderr.write(`Report: ${relative(process.cwd(), html)}\n`);
    return code;
  } finally {
    progress.stop();
  }
}
