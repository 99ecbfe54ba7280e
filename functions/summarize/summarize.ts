import { mapLimit } from '../lib/concurrency';
import { logger } from '../lib/logger';
import type { ReportStore } from '../lib/report-store';
import {
  type AccountRecord,
  type ErrorInfo,
  type RunInfo,
  type RunSummary,
  SCHEMA_VERSION,
  type Status,
  type SummaryAccount,
  type TargetsDocument,
  type Totals,
} from '../lib/types';
import { runHasIssues, unauditedIssues } from '../lib/verdict';

/** What Summarize gets: the run. Everything else is in the report store. */
export interface SummarizeEvent {
  readonly run: RunInfo;
}

/** One account with issues, as the compact state output lists it. */
export interface IssueLine {
  readonly accountId: string;
  readonly status: Status;
  readonly reason: string;
}

/** The state output: small at any organization size; the whole summary is in summary.json. */
export interface SummarizeResult {
  readonly runId: string;
  readonly totals: Totals;
  readonly reportLocation: string;
  readonly hasIssues: boolean;
  readonly failOnIssues: boolean;
  /** The first accounts with issues, up to {@link MAX_ISSUE_LINES}. */
  readonly issues: readonly IssueLine[];
  /** What the console shows as the cause of Audit Found Issues. */
  readonly cause: string;
}

const MAX_ISSUE_LINES = 10;
const READ_CONCURRENCY = 32;

/** A target that never got a record: the iteration and its Catch both failed. */
const NO_RESULT: ErrorInfo = { kind: 'NO_RESULT', message: 'no result recorded' };

/**
 * Joins targets.json with the account records: every target exactly once (sorted by account ID), a target
 * without a record is ERROR `no result recorded`. Writes summary.json and returns the compact result.
 */
export async function summarize(
  event: SummarizeEvent,
  store: ReportStore,
  now: () => Date = () => new Date(),
): Promise<SummarizeResult> {
  const { run } = event;
  const targets = await store.getJson<TargetsDocument>(run, 'targets.json');
  if (!targets) {
    throw new Error(`targets.json is missing at ${store.location(run)}: Resolve Targets did not finish`);
  }
  const unique = [...new Map(targets.targets.map((target) => [target.accountId, target])).values()].sort((a, b) =>
    a.accountId.localeCompare(b.accountId),
  );
  // List first, read only what is there: a missing record is known without asking for it (S3 answers a GetObject
  // of a missing key with AccessDenied to callers whose ListBucket is narrowed by a condition).
  const recorded = new Set(await store.list(run, 'accounts/'));
  const accounts = await mapLimit(unique, READ_CONCURRENCY, async (target): Promise<SummaryAccount> => {
    const name = `accounts/${target.accountId}.json`;
    const record = recorded.has(name) ? await store.getJson<AccountRecord>(run, name) : undefined;
    return toSummaryAccount(target.accountId, target.name, record);
  });

  const totals: Totals = {
    accounts: accounts.length,
    pass: accounts.filter((account) => account.status === 'PASS').length,
    fail: accounts.filter((account) => account.status === 'FAIL').length,
    error: accounts.filter((account) => account.status === 'ERROR').length,
    // Skipped accounts, and targets whose every check was not applicable.
    skipped: targets.skipped.length + accounts.filter((account) => account.status === 'SKIPPED').length,
  };
  const summary: RunSummary = {
    schemaVersion: SCHEMA_VERSION,
    runId: run.id,
    mode: run.mode,
    role: run.role,
    checks: run.checks,
    startedAt: run.startedAt,
    finishedAt: now().toISOString(),
    reportLocation: run.reportLocation,
    totals,
    accounts,
    skipped: targets.skipped,
  };
  await store.putJson(run, 'summary.json', summary);

  const issues = accounts
    .filter((account) => account.status === 'FAIL' || account.status === 'ERROR')
    .slice(0, MAX_ISSUE_LINES)
    .map((account) => ({ accountId: account.accountId, status: account.status, reason: reasonOf(account) }));
  // A run that audited nothing, or skipped an account it was asked for, is never a pass.
  const hasIssues = runHasIssues(totals, targets.skipped);
  logger.info('run summarized', { runId: run.id, ...totals });
  return {
    runId: run.id,
    totals,
    reportLocation: run.reportLocation,
    hasIssues,
    failOnIssues: run.failOnIssues,
    issues,
    cause: causeText(
      totals,
      [...unauditedIssues(totals, targets.skipped).slice(0, MAX_ISSUE_LINES), ...issueLines(issues)],
      run.reportLocation,
    ),
  };
}

function toSummaryAccount(
  accountId: string,
  name: string | undefined,
  record: AccountRecord | undefined,
): SummaryAccount {
  const base = { accountId, ...(name ? { name } : {}) };
  if (!record) return { ...base, status: 'ERROR', checks: {}, error: NO_RESULT };
  const checks = Object.fromEntries(
    Object.entries(record.checks).map(([id, result]) => [
      id,
      {
        status: result.status,
        ...(result.message ? { message: result.message } : {}),
        ...(result.findings ? { findings: result.findings.length } : {}),
        ...(result.error ? { error: result.error } : {}),
      },
    ]),
  );
  return { ...base, status: record.status, checks, ...(record.error ? { error: record.error } : {}) };
}

/** The one reason a person reads first for an account with issues. */
export function reasonOf(account: SummaryAccount): string {
  if (account.error) return `${account.error.kind}: ${account.error.message}`;
  for (const [id, check] of Object.entries(account.checks)) {
    if (check.status !== 'ERROR' && check.status !== 'FAIL') continue;
    const detail = check.error ? `${check.error.kind}: ${check.error.message}` : (check.message ?? check.status);
    return `${id}: ${detail}`;
  }
  return account.status;
}

function issueLines(issues: readonly IssueLine[]): string[] {
  return issues.map((issue) => `${issue.accountId} ${issue.status} ${truncate(issue.reason, 200)}`);
}

function causeText(totals: Totals, lines: readonly string[], location: string): string {
  const withIssues = totals.fail + totals.error;
  const head =
    `${withIssues} of ${totals.accounts} accounts have issues (${totals.fail} FAIL, ${totals.error} ERROR)` +
    `, ${totals.pass} passed, ${totals.skipped} skipped.`;
  const shown = Math.min(withIssues, MAX_ISSUE_LINES);
  const more = withIssues > shown ? [`... and ${withIssues - shown} more.`] : [];
  return [head, ...lines, ...more, `Report: ${location}`].join('\n');
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
