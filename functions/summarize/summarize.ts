import type { AccountFindings, ChangeCounts, ChangeLine, ChangeSummary, TrackedFinding } from '../lib/changes';
import { mapLimit } from '../lib/concurrency';
import { errorKind } from '../lib/errors';
import { gapOfFinding, gapsError } from '../lib/gaps';
import { logger } from '../lib/logger';
import { muteMatches } from '../lib/mutes';
import type { Mute } from '../lib/outputs-settings';
import type { ReportStore } from '../lib/report-store';
import { readableAccountRecord } from '../lib/schema-version';
import { worstStatus } from '../lib/status';
import { cleanText } from '../lib/text';
import {
  type AccountRecord,
  type CheckResult,
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
import { compareAccount } from './compare';
import { advancePointer, pointerName, previousOf, readPointer, scopeKeyOf } from './previous-run';

/** What Summarize gets: the run, and the Map's outcome. Everything else is in the report store. */
export interface SummarizeEvent {
  readonly run: RunInfo;
  /** `{}` when the Audit Accounts Map succeeded; its `{ Error, Cause }` when it failed (the Map's Catch). */
  readonly mapError?: { readonly Error?: unknown; readonly Cause?: unknown };
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
  /** The run, for the states after this one (Publish Report finds the run's files with it). */
  readonly run: RunInfo;
  readonly totals: Totals;
  /** Finding states against the previous comparable run. */
  readonly changes: ChangeCounts;
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
/** Each change list in summary.json holds at most this many lines; the counts are complete. */
export const CHANGE_LIST_CAP = 50;

/** What Summarize works with, built once per container in handler.ts. */
export interface SummarizeDeps {
  readonly store: ReportStore;
  /** Accepted findings (`ctAudit.mutes`). */
  readonly mutes?: readonly Mute[];
  readonly now?: () => Date;
}

/** A target that never got a record: the iteration and its Catch both failed. */
const NO_RESULT: ErrorInfo = { kind: 'NO_RESULT', message: 'no result recorded' };

/**
 * Joins targets.json with the account records: every target exactly once (sorted by account ID), a target
 * without a record is ERROR `no result recorded`. Compares each account's findings with its previous comparable
 * run (same mode and checks) and writes `findings/<id>.json` with their states, then summary.json with the changes,
 * then moves the pointer to this run. Returns the compact result.
 */
export async function summarize(event: SummarizeEvent, deps: SummarizeDeps): Promise<SummarizeResult> {
  const { store } = deps;
  const now = deps.now ?? (() => new Date());
  const { run } = event;
  const scopeKey = scopeKeyOf(run.mode, run.checks);
  const pointer = await readPointer(store, scopeKey);
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
  const mapError = mapErrorOf(event);
  if (mapError) logger.warn('the Audit Accounts map failed', { runId: run.id, mapError: mapError.message });
  const compared = await mapLimit(unique, READ_CONCURRENCY, async (target) => {
    const name = `accounts/${target.accountId}.json`;
    const found = readableAccountRecord(
      recorded.has(name) ? await store.getJson<AccountRecord>(run, name) : undefined,
      name,
    );
    // A record of another run or another account (a copy, a stale or tampered object) is no record at all.
    const record = found && found.runId === run.id && found.accountId === target.accountId ? found : undefined;
    if (found && !record) {
      logger.warn('record ignored: it names another run or account', { accountId: target.accountId });
    }
    const previousRun = previousOf(pointer, target.accountId);
    const previous = previousRun
      ? await store.getJson<AccountFindings>(previousRun.run, `findings/${target.accountId}.json`)
      : undefined;
    const tracked = compareAccount({
      accountId: target.accountId,
      record,
      status: record?.status ?? 'ERROR',
      previous,
      mutes: deps.mutes ?? [],
      runId: run.id,
      runStartedAt: run.startedAt,
      now: now(),
    });
    const account = toSummaryAccount(target.accountId, target.name, record, tracked.findings, mapError);
    const stored: AccountFindings = { ...tracked, status: account.status };
    // Nothing to remember is no file: the pointer to this run then means "no open findings".
    if (stored.findings.length > 0 || stored.resolved.length > 0) {
      await store.putJson(run, `findings/${target.accountId}.json`, stored);
    }
    return { account, findings: stored.findings, previous: previousRun };
  });
  const accounts = compared.map((entry) => entry.account);

  const totals: Totals = {
    accounts: accounts.length,
    pass: accounts.filter((account) => account.status === 'PASS').length,
    fail: accounts.filter((account) => account.status === 'FAIL').length,
    error: accounts.filter((account) => account.status === 'ERROR').length,
    // Skipped accounts, and targets whose every check was not applicable.
    skipped: targets.skipped.length + accounts.filter((account) => account.status === 'SKIPPED').length,
  };
  // A run that audited nothing, skipped an account it was asked for, or whose fan-out failed is never a pass.
  const hasIssues = runHasIssues(totals, targets.skipped) || mapError !== undefined;
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
    changes: changeSummary(compared, deps.mutes ?? []),
    ...(mapError ? { mapError } : {}),
    hasIssues,
  };
  await store.putJson(run, 'summary.json', summary);
  // Last: a run that failed before this point leaves the pointer on the previous run.
  await store.putState(
    pointerName(scopeKey),
    advancePointer(pointer, scopeKey, run.checks, run, new Map(accounts.map((a) => [a.accountId, a.status]))),
  );

  const issues = accounts
    .filter((account) => account.status === 'FAIL' || account.status === 'ERROR')
    .slice(0, MAX_ISSUE_LINES)
    .map((account) => ({ accountId: account.accountId, status: account.status, reason: reasonOf(account) }));
  const counts = summary.changes?.counts ?? emptyCounts();
  logger.info('run summarized', { runId: run.id, ...totals, changes: counts });
  return {
    runId: run.id,
    run,
    totals,
    changes: counts,
    reportLocation: run.reportLocation,
    hasIssues,
    failOnIssues: run.failOnIssues,
    issues,
    cause: causeText(
      totals,
      [
        // A skipped account's reason is text from targets.json: one line each, bounded.
        ...unauditedIssues(totals, targets.skipped)
          .slice(0, MAX_ISSUE_LINES)
          .map((line) => cleanText(line, 300)),
        ...issueLines(issues),
      ],
      run.reportLocation,
      summary.changes,
      mapError,
    ),
  };
}

/** The Map's error as the summary keeps it, or undefined when the Map succeeded. */
function mapErrorOf(event: SummarizeEvent): ErrorInfo | undefined {
  const failure = event.mapError;
  if (failure === undefined || failure === null || typeof failure !== 'object') return undefined;
  if (failure.Error === undefined && failure.Cause === undefined) return undefined;
  const name = cleanText(failure.Error ?? 'States.Runtime', 128);
  const cause = cleanText(failure.Cause, 300);
  return { kind: errorKind(name), message: cause ? `${name}: ${cause}` : name };
}

function toSummaryAccount(
  accountId: string,
  name: string | undefined,
  record: AccountRecord | undefined,
  tracked: readonly TrackedFinding[],
  mapError?: ErrorInfo,
): SummaryAccount {
  const base = { accountId, ...(name ? { name } : {}) };
  if (!record) {
    const error = mapError
      ? { ...NO_RESULT, message: `${NO_RESULT.message} (the map failed: ${mapError.message})` }
      : NO_RESULT;
    return { ...base, status: 'ERROR', checks: {}, error };
  }
  const checks = Object.fromEntries(
    Object.entries(record.checks).map(([id, result]) => {
      const current = tracked.filter((finding) => finding.check === id && CURRENT_STATES.has(finding.state));
      const muted = tracked.filter((finding) => finding.check === id && finding.state === 'MUTED').length;
      const { status, message, error } = mutedAway(id, result, current, muted);
      return [
        id,
        {
          status,
          ...(message ? { message } : {}),
          ...(result.findings ? { findings: result.findings.length } : {}),
          ...(muted > 0 ? { muted } : {}),
          ...(error ? { error } : {}),
        },
      ];
    }),
  );
  const changed = Object.entries(checks).some(([id, check]) => check.status !== record.checks[id]?.status);
  const status = changed ? worstStatus(Object.values(checks).map((check) => check.status)) : record.status;
  return { ...base, status, checks, ...(record.error ? { error: record.error } : {}) };
}

/**
 * A check that FAILed only because of findings that are muted (or INFO) is not an issue: it becomes what the check
 * would have said without them (as `currentStateResult` decides), with the muted findings counted. That is PASS,
 * unless a part of the check could not be read (a gap, kept as an INFO `<check>/incomplete` finding, muted or not):
 * what was not checked is not a pass, so the check is ERROR with the gaps' message and error. A FAIL without
 * findings stays FAIL (every check gives its FAIL findings now: a stopped delivery, a wrong caller).
 */
function mutedAway(
  checkId: string,
  result: CheckResult,
  current: readonly TrackedFinding[],
  muted: number,
): Pick<CheckResult, 'status' | 'message' | 'error'> {
  const { status, message, error } = result;
  const found = result.findings?.length ?? 0;
  if (status !== 'FAIL' || muted === 0 || found === 0 || current.length < found) return { status, message, error };
  if (!current.every((finding) => finding.state === 'MUTED' || finding.severity === 'INFO')) {
    return { status, message, error };
  }
  const gaps = current.flatMap((finding) => gapOfFinding(checkId, finding) ?? []);
  return gaps.length > 0 ? gapsError(gaps) : { status: 'PASS', message, error };
}

/** The states of a finding this run found (the others are carried or resolved). */
const CURRENT_STATES: ReadonlySet<TrackedFinding['state']> = new Set(['NEW', 'STILL_OPEN', 'REOPENED', 'MUTED']);

function emptyCounts(): ChangeCounts {
  return { new: 0, stillOpen: 0, resolved: 0, reopened: 0, notAssessed: 0, muted: 0 };
}

const COUNT_OF: Readonly<Record<TrackedFinding['state'], keyof ChangeCounts>> = {
  NEW: 'new',
  STILL_OPEN: 'stillOpen',
  RESOLVED: 'resolved',
  REOPENED: 'reopened',
  NOT_ASSESSED: 'notAssessed',
  MUTED: 'muted',
};

/**
 * Which mute a finding's expired mute is: its place in the settings' mutes (the first that matches the finding, as
 * Compare picks it), or, when none matches, what the finding says of it.
 */
function expiredMuteKey(finding: TrackedFinding, mutes: readonly Mute[]): string {
  const at = mutes.findIndex((mute) => muteMatches(mute, finding));
  if (at >= 0) return `#${at}`;
  const info = finding.expiredMute;
  return JSON.stringify([info?.reason, info?.owner, info?.expires]);
}

function changeSummary(
  compared: readonly {
    account: SummaryAccount;
    findings: readonly TrackedFinding[];
    previous: { run: { id: string }; status: Status } | undefined;
  }[],
  mutes: readonly Mute[],
): ChangeSummary {
  const counts: Record<keyof ChangeCounts, number> = { ...emptyCounts() };
  const lists = { new: [] as ChangeLine[], reopened: [] as ChangeLine[], resolved: [] as ChangeLine[] };
  const expiredMutes: ChangeSummary['expiredMutes'][number][] = [];
  // Which mute expired, per finding that one matched: a rule-wide mute over 120 accounts is one mute.
  const expiredMuteKeys = new Set<string>();
  let expiredMuteFindings = 0;
  const previousRunIds = new Set<string>();
  const newlyUnreachable: string[] = [];
  for (const { account, findings, previous } of compared) {
    if (previous) previousRunIds.add(previous.run.id);
    if (account.status === 'ERROR' && previous?.status !== 'ERROR') newlyUnreachable.push(account.accountId);
    for (const finding of findings) {
      counts[COUNT_OF[finding.state]]++;
      const list =
        finding.state === 'NEW'
          ? lists.new
          : finding.state === 'REOPENED'
            ? lists.reopened
            : finding.state === 'RESOLVED'
              ? lists.resolved
              : undefined;
      if (list && list.length < CHANGE_LIST_CAP) list.push(changeLine(account, finding));
      if (finding.expiredMute) {
        expiredMuteFindings++;
        expiredMuteKeys.add(expiredMuteKey(finding, mutes));
        if (expiredMutes.length < CHANGE_LIST_CAP) {
          expiredMutes.push({ ...finding.expiredMute, accountId: account.accountId, rule: finding.rule });
        }
      }
    }
  }
  return {
    compared: previousRunIds.size > 0,
    previousRunIds: [...previousRunIds].sort().slice(0, CHANGE_LIST_CAP),
    counts,
    newlyUnreachable: newlyUnreachable.slice(0, CHANGE_LIST_CAP),
    newlyUnreachableCount: newlyUnreachable.length,
    ...lists,
    expiredMutes,
    expiredMuteCount: expiredMuteKeys.size,
    expiredMuteFindings,
    listCap: CHANGE_LIST_CAP,
  };
}

function changeLine(account: SummaryAccount, finding: TrackedFinding): ChangeLine {
  return {
    accountId: account.accountId,
    ...(account.name ? { accountName: account.name } : {}),
    check: finding.check,
    rule: finding.rule,
    severity: finding.severity,
    title: finding.title,
    ...(finding.resource ? { resource: finding.resource.arn ?? finding.resource.id } : {}),
    fingerprint: finding.fingerprint,
    firstSeen: finding.firstSeen,
  };
}

/**
 * The one reason a person reads first for an account with issues. It is made of record text (an error message, a
 * check's message), which goes on to the state output and the console's Fail cause: bounded and stripped of control
 * characters, whoever wrote the record.
 */
export function reasonOf(account: SummaryAccount): string {
  if (account.error) return cleanText(`${account.error.kind}: ${account.error.message}`);
  for (const [id, check] of Object.entries(account.checks)) {
    if (check.status !== 'ERROR' && check.status !== 'FAIL') continue;
    const detail = check.error ? `${check.error.kind}: ${check.error.message}` : (check.message ?? check.status);
    return cleanText(`${id}: ${detail}`);
  }
  return cleanText(account.status);
}

function issueLines(issues: readonly IssueLine[]): string[] {
  return issues.map((issue) => `${issue.accountId} ${issue.status} ${truncate(issue.reason, 200)}`);
}

function causeText(
  totals: Totals,
  lines: readonly string[],
  location: string,
  changes: ChangeSummary | undefined,
  mapError?: ErrorInfo,
): string {
  const withIssues = totals.fail + totals.error;
  const head =
    `${withIssues} of ${totals.accounts} accounts have issues (${totals.fail} FAIL, ${totals.error} ERROR)` +
    `, ${totals.pass} passed, ${totals.skipped} skipped.` +
    (mapError ? `\nThe Audit Accounts map failed: ${truncate(mapError.message, 300)}` : '');
  const shown = Math.min(withIssues, MAX_ISSUE_LINES);
  const more = withIssues > shown ? [`... and ${withIssues - shown} more.`] : [];
  const counts = changes?.counts;
  const since =
    changes?.compared && counts
      ? [
          `Since the last run: ${counts.new} new, ${counts.reopened} reopened, ${counts.resolved} resolved, ` +
            `${counts.notAssessed} not assessed, ${counts.muted} muted.`,
        ]
      : [];
  return [head, ...lines, ...more, ...since, `Report: ${location}`].join('\n');
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
