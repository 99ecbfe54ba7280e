import { resolve } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { s3Client } from '../../functions/lib/clients';
import {
  isRunId,
  LocalReportStore,
  type ReportStore,
  type RunRef,
  S3ReportStore,
} from '../../functions/lib/report-store';
import type { RunInfo, RunSummary } from '../../functions/lib/types';
import { publishReport } from '../../functions/publish-report/publish-report';
import { ReportFileSink } from '../../functions/report/sinks';
import { configureTimeoutsFrom } from '../settings-file';

/** Where ct-audit writes. */
interface ReportIo {
  readonly stdout: { write(text: string): unknown };
}

interface ReportFlags {
  run: string;
  reportDir: string;
  reportBucket?: string;
  date?: string;
  settings?: string;
}

/** A problem with what the user asked for: one line, exit code 2. */
class ReportUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The date folder of a run in the bucket (`runs/<date>/<runId>/`): given, or found by listing the dates. */
async function runInBucket(bucket: string, runId: string, date: string | undefined): Promise<RunRef> {
  if (date) return { id: runId, startedAt: `${date}T00:00:00.000Z` };
  const s3 = s3Client();
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'runs/', Delimiter: '/', ContinuationToken: token }),
    );
    for (const prefix of page.CommonPrefixes ?? []) {
      const day = /^runs\/(\d{4}-\d{2}-\d{2})\/$/.exec(prefix.Prefix ?? '')?.[1];
      if (!day) continue;
      const found = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: `runs/${day}/${runId}/summary.json`, MaxKeys: 1 }),
      );
      if ((found.KeyCount ?? 0) > 0) return { id: runId, startedAt: `${day}T00:00:00.000Z` };
    }
    token = page.NextContinuationToken;
  } while (token);
  throw new ReportUsageError(`no run ${runId} in s3://${bucket}/runs/: check the run ID (the execution name)`);
}

/** Renders report.html again from a run's stored summary and findings; returns the exit code. */
export async function reportCommand(io: ReportIo, flags: ReportFlags): Promise<number> {
  if (!isRunId(flags.run)) {
    throw new ReportUsageError(`--run must be a run ID (the execution name), like local-20300101T060000Z-abc123`);
  }
  if (flags.date && !/^\d{4}-\d{2}-\d{2}$/.test(flags.date)) {
    throw new ReportUsageError(`--date must be the run's day as YYYY-MM-DD (got "${flags.date}")`);
  }
  configureTimeoutsFrom(flags.settings);
  let store: ReportStore;
  let ref: RunRef;
  if (flags.reportBucket) {
    store = new S3ReportStore(flags.reportBucket, s3Client());
    ref = await runInBucket(flags.reportBucket, flags.run, flags.date);
  } else {
    store = new LocalReportStore(resolve(flags.reportDir));
    ref = { id: flags.run, startedAt: '' };
  }
  const summary = await store.getJson<RunSummary>(ref, 'summary.json');
  if (!summary) {
    throw new ReportUsageError(
      `no summary.json at ${store.location(ref)}: check --run and --report-dir/--report-bucket`,
    );
  }
  const run: RunInfo = {
    id: summary.runId,
    mode: summary.mode,
    checks: summary.checks,
    role: summary.role,
    startedAt: flags.reportBucket ? ref.startedAt : summary.startedAt,
    maxConcurrency: 1,
    failOnIssues: false,
    reportLocation: summary.reportLocation,
  };
  const result = await publishReport(
    { run },
    { store, sinks: [new ReportFileSink(store, { withRemediations: true })] },
  );
  const failure = result.sinks.find((outcome) => !outcome.ok);
  if (failure) throw new Error(`report.html could not be written: ${failure.detail}`);
  io.stdout.write(`Report: ${result.report}\n`);
  return 0;
}

/** `ct-audit report --run <id>`: one registration line in main.ts. */
export function registerReportCommand(root: Command, io: ReportIo, done: (code: number) => void): void {
  root
    .command('report')
    .description("render a run's report.html again from its stored summary and findings")
    .exitOverride()
    .requiredOption('--run <id>', 'the run ID (the execution name)')
    .option('--report-dir <dir>', 'where run records are', 'audit-reports')
    .option(
      '--report-bucket <name>',
      'read the run from this S3 bucket (runs/<date>/<runId>/) instead, and write report.html back there (the ' +
        "stack's bucket takes writes from its own functions only)",
    )
    .option('--date <YYYY-MM-DD>', 'the day the run started (with --report-bucket; found by listing when left out)')
    .option('--settings <path>', 'settings file whose sdk.* timeouts apply (default: ./cdk.json)')
    .action(async (flags: ReportFlags) => done(await reportCommand(io, flags)));
}
