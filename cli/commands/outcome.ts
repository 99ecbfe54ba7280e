import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { mapLimit } from '../../functions/lib/concurrency';
import { errorMessage } from '../../functions/lib/errors';
import type { ReportStore, RunRef } from '../../functions/lib/report-store';
import { cleanText } from '../../functions/lib/text';
import type { AccountRecord, Finding, RunSummary } from '../../functions/lib/types';
import { EXIT, INVALID_NAMES, type Io } from '../context';
import {
  accessDeniedHint,
  FIELD,
  type RecordsAt,
  renderCauses,
  renderSummary,
  summaryHasIssues,
  tableWidth,
} from '../output';

/** How a run ended, whichever way it ran (local engine or the deployed state machine). */
export interface RunOutcome {
  readonly summary?: RunSummary;
  /** The last top-level state: where a run that failed stopped. */
  readonly endState?: string;
  readonly error?: { readonly error: string; readonly cause: string };
  /** Where the account records are, for `--json`'s findings. */
  readonly store: ReportStore;
}

/** The flags that shape the printed outcome. */
export interface OutcomeFlags {
  readonly json?: boolean;
  readonly onlyIssues?: boolean;
  readonly summaryFile?: string;
  readonly endpoint?: string;
  readonly reportBucket?: string;
  /** The local folder the records went to (`run`, `sandbox`); `start` has none: its records are in the bucket. */
  readonly reportDir?: string;
}

/** Findings `--json` carries per check; the count says how many the record holds. */
export const JSON_FINDINGS_PER_CHECK = 20;

/** The longest string `--json` and `--summary-file` carry from a record; a longer one is cut with `…`. */
export const JSON_TEXT_MAX = 2_000;

/**
 * A JSON value with every string, keys included, through {@link cleanText}: JSON.stringify escapes the C0 controls
 * but not the C1 controls (U+009B starts an escape sequence on many terminals) or the bidi overrides, and `--json`
 * is read on terminals too.
 */
export function cleanJson<T>(value: T): T {
  if (typeof value === 'string') return cleanText(value, JSON_TEXT_MAX) as T;
  if (Array.isArray(value)) return value.map((item) => cleanJson(item)) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [cleanText(key, FIELD.id), cleanJson(item)]),
  ) as T;
}

/** A finding as `--json` shows it: the record's fields, text cleaned. */
function shownFinding(finding: Finding): Finding {
  return {
    ...finding,
    title: cleanText(finding.title),
    ...(finding.detail ? { detail: cleanText(finding.detail) } : {}),
  };
}

/**
 * summary.json with each check's findings from the account records (at most {@link JSON_FINDINGS_PER_CHECK} per
 * check, `findingsShown` of `findings`): what `--json` prints and `--summary-file` writes, every string cleaned.
 */
export async function summaryWithFindings(summary: RunSummary, store: ReportStore): Promise<RunSummary> {
  const run: RunRef = { id: summary.runId, startedAt: summary.startedAt };
  const accounts = await mapLimit(summary.accounts, 16, async (account) => {
    const withFindings = Object.values(account.checks).some((check) => (check.findings ?? 0) > 0);
    if (!withFindings) return account;
    const record = await store.getJson<AccountRecord>(run, `accounts/${account.accountId}.json`).catch(() => undefined);
    if (!record) return account;
    const checks = Object.fromEntries(
      Object.entries(account.checks).map(([id, check]) => {
        const findings = record.checks[id]?.findings ?? [];
        if (findings.length === 0) return [id, check];
        const shown = findings.slice(0, JSON_FINDINGS_PER_CHECK).map(shownFinding);
        return [id, { ...check, findings: findings.length, findingsShown: shown.length, findingList: shown }];
      }),
    );
    return { ...account, checks };
  });
  return cleanJson({ ...summary, accounts });
}

/** What an error from the run means for a person: the known ones get their remedy. */
export function explainFailure(error: { error: string; cause: string }, flags: OutcomeFlags): string {
  const cause = cleanText(error.cause, 2_000);
  if (error.error === 'NoSuchBucket') {
    const bucket = flags.reportBucket ? `the report bucket "${flags.reportBucket}"` : 'the bucket';
    return `NoSuchBucket: ${bucket} does not exist (${cause})`;
  }
  if (error.error === 'CredentialsProviderError') {
    return `no AWS credentials: ${credentialsAdvice(flags.endpoint)} (${cause})`;
  }
  return INVALID_NAMES.has(error.error) ? cause : `${error.error}: ${cause}`;
}

/** What to do when no credentials are found. */
export function credentialsAdvice(endpoint?: string): string {
  return endpoint
    ? `an emulator takes any keys: export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing (with --endpoint ${endpoint})`
    : 'sign in (aws sso login, or AWS_PROFILE / AWS_ACCESS_KEY_ID) with credentials of the Audit account';
}

/** A note for runs against an emulator: plain moto checks no IAM policy, so a pass proves less. */
export function endpointNote(endpoint: string): string {
  return (
    `Note: every call went to ${endpoint}. An emulator such as plain moto does not check IAM unless told to ` +
    '(POST /moto-api/reset-auth): the identity check passes even for a role that does not exist. ' +
    '`ct-audit sandbox` switches checking on.\n'
  );
}

/**
 * Prints the outcome of a run the same way for `run`, `sandbox` and `start`: the table (or JSON), then the
 * summary file, and returns the exit code. A summary file that cannot be written never loses the table.
 */
export async function printOutcome(io: Io, flags: OutcomeFlags, outcome: RunOutcome): Promise<number> {
  const { summary } = outcome;
  if (!summary) {
    const error = outcome.error ?? { error: 'States.Runtime', cause: 'the run ended without a summary' };
    const where = outcome.endState ? `${outcome.endState} failed: ` : '';
    const what = INVALID_NAMES.has(error.error) ? 'invalid input' : 'the run could not complete';
    io.stderr.write(`ct-audit: ${what}: ${where}${explainFailure(error, flags)}\n`);
    if (flags.endpoint) io.stderr.write(endpointNote(flags.endpoint));
    return EXIT.invalid;
  }
  // The findings are read for the table too: it names who made the current state so.
  const full = await summaryWithFindings(summary, outcome.store);
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(full, null, 2)}\n`);
  } else {
    const width = tableWidth(io.stdout);
    const records: RecordsAt = {
      ...(flags.reportDir !== undefined ? { reportDir: flags.reportDir } : {}),
      ...(flags.reportBucket ? { reportBucket: flags.reportBucket } : {}),
    };
    io.stdout.write(
      renderSummary(summary, {
        ...(width !== undefined ? { width } : {}),
        onlyIssues: flags.onlyIssues ?? false,
        cwd: process.cwd(),
        records,
      }),
    );
    io.stdout.write(renderCauses(full, { records }));
    if (outcome.endState) io.stdout.write(`Outcome: ${outcome.endState}\n`);
  }
  const hint = accessDeniedHint(summary);
  if (hint) io.stderr.write(`${hint}\n`);
  if (flags.endpoint) io.stderr.write(endpointNote(flags.endpoint));
  const code = summaryHasIssues(summary) ? EXIT.issues : EXIT.passed;
  if (flags.summaryFile) {
    const path = resolve(flags.summaryFile);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, `${JSON.stringify(full, null, 2)}\n`);
    } catch (error) {
      io.stderr.write(`ct-audit: cannot write --summary-file ${path}: ${errorMessage(error)}\n`);
      return EXIT.invalid;
    }
  }
  return code;
}
