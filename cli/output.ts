import { relative, resolve, sep } from 'node:path';
import { SingleBar } from 'cli-progress';
import { fileInEach } from '../functions/lib/report-store';
import { cleanText } from '../functions/lib/text';
import type { ErrorInfo, Finding, RunSummary, Status, SummaryAccount } from '../functions/lib/types';
import { unauditedIssues } from '../functions/lib/verdict';
import { REPORT_FILE } from '../functions/report/html';
import { onInterrupt } from './interrupt';
import { displayWidth, fitWidth } from './width';

/** A place to write text: stdout, stderr, or a buffer in tests. */
export interface Writer {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Shows the cursor and turns line wrap back on: what the bar turned off while it is drawn. */
export const RESTORE_TERMINAL = '\x1b[?25h\x1b[?7h';

/**
 * Progress of a run on stderr: accounts done of the total, with FAIL and ERROR counted apart. Silent when not a
 * terminal. The bar is redrawn on every account, so that it moves as accounts finish at any concurrency. While it is
 * drawn, Ctrl-C or SIGTERM stops it and gives the terminal its cursor and line wrap back before the CLI exits.
 */
export class Progress {
  private bar: SingleBar | undefined;
  private release: (() => void) | undefined;
  private fail = 0;
  private errors = 0;
  private done = 0;
  private running = 0;

  constructor(
    private readonly stream: Writer & NodeJS.WritableStream,
    private readonly enabled: boolean,
  ) {}

  /** Whether a bar is drawn at all. */
  get active(): boolean {
    return this.enabled && Boolean(this.stream.isTTY);
  }

  start(total: number, label = 'Auditing accounts'): void {
    if (!this.active || total === 0) return;
    this.bar?.stop();
    this.bar = new SingleBar({
      stream: this.stream,
      format: `${label} [{bar}] {value}/{total} | {running} running | {fail} FAIL | {errors} ERROR | {duration}s`,
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      // Redraw on each update rather than on a timer that a busy event loop delays.
      fps: 20,
      synchronousUpdate: true,
      noTTYOutput: false,
    });
    this.release ??= onInterrupt(() => {
      this.stop();
      this.stream.write(RESTORE_TERMINAL);
    });
    this.bar.start(total, this.done, this.payload());
  }

  private payload() {
    return { fail: this.fail, errors: this.errors, running: Math.max(0, this.running) };
  }

  /** An account's audit started: at high concurrency accounts start long before the first one finishes. */
  started(): void {
    this.running++;
    this.bar?.update(this.done, this.payload());
  }

  /** An account's audit attempt ended (a retry starts it again). */
  finished(): void {
    this.running--;
    this.bar?.update(this.done, this.payload());
  }

  account(status: Status): void {
    this.done++;
    if (status === 'FAIL') this.fail++;
    if (status === 'ERROR') this.errors++;
    this.bar?.update(this.done, this.payload());
    // update() skips drawing within two frames of the last one; a finished account is always shown.
    (this.bar as { render(force?: boolean): void } | undefined)?.render(true);
  }

  /** Sets the counts outright (a deployed run's Map Run reports them). */
  set(done: number, total: number, counts: { running?: number; fail?: number; errors?: number } = {}): void {
    this.done = done;
    this.running = counts.running ?? this.running;
    this.fail = counts.fail ?? this.fail;
    this.errors = counts.errors ?? this.errors;
    if (!this.bar) this.start(total);
    this.bar?.setTotal(total);
    this.bar?.update(done, this.payload());
  }

  /** One line of what is happening, for steps that have no count (seeding); a line each when not a terminal. */
  note(text: string): void {
    if (!this.enabled) return;
    if (this.stream.isTTY) this.stream.write(`\r\x1b[2K${text}`);
    else this.stream.write(`${text}\n`);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
    this.release?.();
    this.release = undefined;
  }
}

/**
 * Bounds of fields from a record as the terminal gets them, after {@link cleanText}: a crafted or corrupt record
 * (summary.json, an account record) must not move the cursor, retitle the window or clear the screen.
 */
export const FIELD = { id: 80, status: 12, kind: 40, list: 400, location: 1_000 } as const;

/** Pads to `width` terminal columns: a wide (CJK) character takes two, an emoji's surrogate pair one character. */
function pad(text: string, width: number): string {
  const columns = displayWidth(text);
  return columns >= width ? text : text + ' '.repeat(width - columns);
}

/** A field cleaned of control characters and, when `width` is given, cut to that many columns without splitting a character. */
function clip(text: string, width: number | undefined): string {
  const line = cleanText(text, Number.MAX_SAFE_INTEGER);
  return width === undefined ? line : fitWidth(line, width);
}

function failing(account: SummaryAccount): [string, SummaryAccount['checks'][string]][] {
  return Object.entries(account.checks).filter(([, check]) => check.status === 'FAIL' || check.status === 'ERROR');
}

function failedChecks(account: SummaryAccount): string {
  const failed = failing(account).map(([id]) => id);
  return failed.length > 0 ? failed.join(',') : '-';
}

/** The words that start what a person can do or check: `set …`, `is the account enrolled …?`. */
const ACTIONABLE = /^(set|check|grant|give|enable|add|use|run|create|allow|deploy|install|start|is|are|does|do)\b/i;

/**
 * A message with its actionable part first: `cannot assume R in A: is the account enrolled …? (AccessDenied: …)`
 * reads `is the account enrolled …? — cannot assume R in A (AccessDenied: …)`, so that a cut line keeps the advice.
 */
export function actionableFirst(message: string): string {
  const detailAt = message.search(/ \((?=[A-Z][A-Za-z]+(Exception|Error|Denied)?:)/);
  const body = detailAt > 0 ? message.slice(0, detailAt) : message;
  const detail = detailAt > 0 ? message.slice(detailAt) : '';
  const parts = body.split(': ');
  const at = parts.findIndex((part, index) => index > 0 && ACTIONABLE.test(part));
  if (at < 0) return message;
  return `${parts.slice(at).join(': ')} — ${parts.slice(0, at).join(': ')}${detail}`;
}

function errorText(error: ErrorInfo): string {
  return `${actionableFirst(error.message)} [${cleanText(error.kind, FIELD.kind)}]`;
}

/**
 * The one reason a person reads first for an account with issues: the advice first, the error kind after, the
 * check named only when more than one failed (the FAILED CHECKS column names it).
 */
export function reasonText(account: SummaryAccount): string {
  if (account.error) return errorText(account.error);
  const failed = failing(account);
  const [first] = failed;
  if (!first) return account.status;
  const [id, check] = first;
  const text = check.error ? errorText(check.error) : actionableFirst(check.message ?? check.status);
  return failed.length > 1 ? `${id}: ${text} (+${failed.length - 1} more)` : text;
}

/** Whether a run is not a pass, as Summarize judged it (lib/verdict.ts): the table and the exit code agree with it. */
export { summaryHasIssues } from '../functions/lib/verdict';

/** Why a run is not a pass beyond its accounts' statuses: what was not audited, and a failed Audit Accounts map. */
export function notAPass(summary: RunSummary): string[] {
  const issues = unauditedIssues(summary.totals, summary.skipped);
  const { mapError } = summary;
  if (mapError) issues.push(`the Audit Accounts map failed: ${errorText(mapError)}`);
  return issues;
}

const STATUS_ORDER: Readonly<Record<Status, number>> = { ERROR: 0, FAIL: 1, SKIPPED: 2, PASS: 3 };

/** A status's place in the table; one that is not a status (a corrupt record) comes first. */
function rank(status: Status): number {
  return STATUS_ORDER[status] ?? -1;
}

/**
 * The width the table is cut to: the terminal's columns when stdout is a terminal, none when it is piped or
 * redirected (nothing is cut there). Every command that prints the table decides it here.
 */
export function tableWidth(stdout: Writer): number | undefined {
  return stdout.isTTY ? (stdout.columns ?? 140) : undefined;
}

/** Where `run` and `sandbox` write run records unless `--report-dir` says otherwise. */
export const DEFAULT_REPORT_DIR = 'audit-reports';

/** A word a POSIX shell reads back as `value`: as it is when it is plain, else in single quotes. */
export function shellWord(value: string): string {
  if (/^[\w@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** Where a run's records are, as the command that wrote them was told. */
export interface RecordsAt {
  /** The local folder (`--report-dir`); a command that wrote only to a bucket has none. */
  readonly reportDir?: string;
  /** The bucket (`--report-bucket`, or the stack's for `start`). */
  readonly reportBucket?: string;
}

/**
 * The flags a printed `ct-audit show|undo …` needs to find the records again: ` --report-dir <dir>` for a folder
 * other than the default, else ` --report-bucket <bucket>` when the records are only in a bucket, else ''. A
 * folder whose name holds control or format characters is not echoed to the terminal: the hint names the flag.
 */
export function recordsFlags(at: RecordsAt, cwd = process.cwd()): string {
  if (at.reportDir !== undefined) {
    if (resolve(cwd, at.reportDir) === resolve(cwd, DEFAULT_REPORT_DIR)) return '';
    if (/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(at.reportDir)) return ' --report-dir <the folder given>';
    return ` --report-dir ${shellWord(at.reportDir)}`;
  }
  if (at.reportBucket) return ` --report-bucket ${shellWord(cleanText(at.reportBucket, FIELD.id))}`;
  return '';
}

/** Options of {@link renderSummary}. */
export interface RenderOptions {
  /** Columns of the terminal; undefined (not a terminal) cuts nothing. */
  readonly width?: number;
  /** Leave out the accounts that passed. */
  readonly onlyIssues?: boolean;
  /** A local report folder under this directory is shown relative to it (`./audit-reports/...`). */
  readonly cwd?: string;
  /** Where the records are, so that the `ct-audit show` the table prints finds them ({@link recordsFlags}). */
  readonly records?: RecordsAt;
}

/** One folder as a person types it: a local one relative to the working directory when it is under it. */
function displayFolder(folder: string, cwd?: string): string {
  if (!cwd || !folder.startsWith('/')) return folder;
  const path = relative(cwd, folder);
  if (path.startsWith('..') || path.startsWith(sep)) return folder;
  return `./${path}${folder.endsWith('/') && path !== '' ? '/' : ''}`;
}

/**
 * Where the records are, as a person types it, with `file` in each folder: a run with `--report-bucket` names two
 * (`./audit-reports/<run>/report.html and s3://<bucket>/runs/…/report.html`); only a local one is made relative.
 */
export function displayLocation(location: string, cwd?: string, file = ''): string {
  return fileInEach(location, file, (folder) => displayFolder(folder, cwd));
}

/**
 * The run as a table a person reads: accounts with issues first, then the ones that passed, the skipped
 * accounts with their reasons, what was asked for and not audited, the totals and where the records are.
 */
export function renderSummary(summary: RunSummary, options: RenderOptions = {}): string {
  const reasonWidth = options.width === undefined ? undefined : Math.max(30, options.width - 14 - 24 - 9 - 22 - 8);
  const shown = options.onlyIssues ? summary.accounts.filter((account) => account.status !== 'PASS') : summary.accounts;
  const rows = [...shown]
    .sort((a, b) => rank(a.status) - rank(b.status) || String(a.accountId).localeCompare(String(b.accountId)))
    .map((account) => [
      cleanText(account.accountId, FIELD.id),
      clip(account.name ?? '', options.width === undefined ? undefined : 24),
      cleanText(account.status, FIELD.status),
      clip(failedChecks(account), options.width === undefined ? undefined : 22),
      account.status === 'PASS' ? '' : clip(reasonText(account), reasonWidth),
    ]);
  const header = ['ACCOUNT', 'NAME', 'STATUS', 'FAILED CHECKS', 'REASON'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => displayWidth(row[column] ?? ''))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : pad(cell, widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  const hidden = summary.accounts.length - shown.length;
  if (hidden > 0) out.push(`(${hidden} accounts that passed are not shown: --only-issues)`);
  if (summary.skipped.length > 0) {
    out.push('', `Skipped (${summary.skipped.length}):`);
    for (const skipped of summary.skipped) {
      const id = cleanText(skipped.accountId, FIELD.id);
      out.push(`  ${id}  ${pad(clip(skipped.name ?? '', 24), 24)}  ${clip(skipped.reason, undefined)}`);
    }
  }
  const notPassed = notAPass(summary);
  if (notPassed.length > 0) {
    out.push('', 'Not a pass:', ...notPassed.map((issue) => `  ${clip(issue, undefined)}`));
  }
  const totals = Object.fromEntries(
    Object.entries(summary.totals).map(([key, count]) => [key, cleanText(count, FIELD.status)]),
  ) as Record<keyof RunSummary['totals'], string>;
  const location = cleanText(summary.reportLocation, FIELD.location);
  const runId = cleanText(summary.runId, FIELD.id);
  const checks = cleanText([summary.checks].flat().join(', '), FIELD.list);
  const example = [...summary.accounts].sort((a, b) => rank(a.status) - rank(b.status))[0];
  out.push(
    '',
    `Accounts: ${totals.accounts}  PASS: ${totals.pass}  FAIL: ${totals.fail}  ERROR: ${totals.error}  SKIPPED: ${totals.skipped}`,
    `Checks: ${checks}  Role: ${cleanText(summary.role, FIELD.kind)}  Run: ${runId}`,
    // Every run, local or deployed, writes report.html beside summary.json.
    `Report: ${displayLocation(location, options.cwd, REPORT_FILE)}`,
  );
  if (example) {
    out.push(
      `Records: ${displayLocation(location, options.cwd, 'accounts/<account>.json')} (every check, message and ` +
        'finding); read one with ' +
        `ct-audit show --run ${runId} --account ${cleanText(example.accountId, FIELD.id)}` +
        recordsFlags(options.records ?? {}, options.cwd),
    );
  }
  return `${out.join('\n')}\n`;
}

/**
 * When every audited account is ERROR ACCESS_DENIED, the credentials are the likely cause: said once, with what
 * works instead.
 */
export function accessDeniedHint(summary: RunSummary): string | undefined {
  const audited = summary.accounts.filter((account) => account.status !== 'SKIPPED');
  const denied = (account: SummaryAccount) =>
    account.error?.kind === 'ACCESS_DENIED' ||
    Object.values(account.checks).some((check) => check.error?.kind === 'ACCESS_DENIED');
  if (audited.length === 0 || !audited.every(denied)) return undefined;
  return (
    "Every account was ACCESS_DENIED. The Control Tower execution roles trust only the Audit account's Lambda " +
    'roles (aws-controltower-AuditReadOnlyRole), so your own credentials cannot assume them. From a terminal, ' +
    'start the deployed workflow with `ct-audit start`, or run locally with execution roles that trust you: ' +
    'deploy with roles.createDedicatedRoles, or name an execution role your landing zone lets you assume ' +
    '(roles.readOnlyExecutionRoleName).'
  );
}

/**
 * The current-state findings whose cause the same run's CloudTrail scan found: what is exposed, which call made it
 * so, who made it and from where (at most `max` lines). Reads the findings `summaryWithFindings` adds to a summary;
 * '' when none has a cause.
 */
export function renderCauses(summary: RunSummary, options: { max?: number; records?: RecordsAt } = {}): string {
  const max = options.max ?? 10;
  const lines: string[] = [];
  for (const account of summary.accounts) {
    for (const check of Object.values(account.checks)) {
      for (const finding of (check as { findingList?: readonly Finding[] }).findingList ?? []) {
        const cause = finding.cause;
        if (!cause) continue;
        const who = cause.principalArn ? ` by ${clip(cause.principalArn, undefined)}` : '';
        const where = cause.sourceIp ? ` from ${clip(cause.sourceIp, undefined)}` : '';
        const when = cause.eventTime ? ` at ${clip(cause.eventTime, undefined)}` : '';
        lines.push(
          `  ${cleanText(account.accountId, FIELD.id)}  ${cleanText(finding.severity, FIELD.status)}  ` +
            `${clip(finding.title, undefined)} <- ` +
            `${clip(cause.eventName, undefined)}${who}${where}${when}`,
        );
      }
    }
  }
  if (lines.length === 0) return '';
  const more =
    lines.length > max
      ? [
          `  ... and ${lines.length - max} more: ct-audit show --run ${cleanText(summary.runId, FIELD.id)} ` +
            `--account <account>${recordsFlags(options.records ?? {})}`,
        ]
      : [];
  return `\nCaused by (the run's CloudTrail events behind what is exposed now):\n${[...lines.slice(0, max), ...more].join('\n')}\n`;
}
