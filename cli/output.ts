import { SingleBar } from 'cli-progress';
import type { RunSummary, Status, SummaryAccount } from '../functions/lib/types';
import { reasonOf } from '../functions/summarize/summarize';

/** A place to write text: stdout, stderr, or a buffer in tests. */
export interface Writer {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Progress of a run on stderr: accounts done of the total, and errors so far. Silent when not a terminal. */
export class Progress {
  private bar: SingleBar | undefined;
  private errors = 0;
  private done = 0;

  constructor(
    private readonly stream: Writer & NodeJS.WritableStream,
    private readonly enabled: boolean,
  ) {}

  start(total: number): void {
    if (!this.enabled || !this.stream.isTTY || total === 0) return;
    this.bar = new SingleBar({
      stream: this.stream,
      format: 'Auditing accounts [{bar}] {value}/{total} | {errors} with errors | {duration}s',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
    });
    this.bar.start(total, 0, { errors: 0 });
  }

  account(status: Status): void {
    this.done++;
    if (status === 'ERROR') this.errors++;
    this.bar?.update(this.done, { errors: this.errors });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function clip(text: string, width: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

function failedChecks(account: SummaryAccount): string {
  const failed = Object.entries(account.checks)
    .filter(([, check]) => check.status === 'FAIL' || check.status === 'ERROR')
    .map(([id]) => id);
  return failed.length > 0 ? failed.join(',') : '-';
}

const STATUS_ORDER: Readonly<Record<Status, number>> = { ERROR: 0, FAIL: 1, SKIPPED: 2, PASS: 3 };

/**
 * The run as a table a person reads: accounts with issues first, then the ones that passed, the skipped
 * accounts with their reasons, the totals and where the report is.
 */
export function renderSummary(summary: RunSummary, options: { width?: number } = {}): string {
  const reasonWidth = Math.max(30, (options.width ?? 140) - 14 - 24 - 9 - 22 - 8);
  const rows = [...summary.accounts]
    .sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.accountId.localeCompare(b.accountId))
    .map((account) => [
      account.accountId,
      clip(account.name ?? '', 24),
      account.status,
      clip(failedChecks(account), 22),
      account.status === 'PASS' ? '' : clip(reasonOf(account), reasonWidth),
    ]);
  const header = ['ACCOUNT', 'NAME', 'STATUS', 'FAILED CHECKS', 'REASON'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : pad(cell, widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  if (summary.skipped.length > 0) {
    out.push('', `Skipped (${summary.skipped.length}):`);
    for (const skipped of summary.skipped) {
      out.push(`  ${skipped.accountId}  ${pad(clip(skipped.name ?? '', 24), 24)}  ${skipped.reason}`);
    }
  }
  const { totals } = summary;
  out.push(
    '',
    `Accounts: ${totals.accounts}  PASS: ${totals.pass}  FAIL: ${totals.fail}  ERROR: ${totals.error}  SKIPPED: ${totals.skipped}`,
    `Checks: ${summary.checks.join(', ')}  Role: ${summary.role}  Run: ${summary.runId}`,
    `Report: ${summary.reportLocation}`,
  );
  return `${out.join('\n')}\n`;
}
