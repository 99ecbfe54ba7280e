import { type ChangeLine, expiredMuteCounts, newlyUnreachableCount } from '../lib/changes';
import { cleanText } from '../lib/text';
import type { RunSummary } from '../lib/types';
import { runIssueReasons, summaryHasIssues } from '../lib/verdict';

/** SNS refuses a subject of 100 characters or more; keep under it. */
export const MAX_SUBJECT = 99;
/** The body is read on a phone: short, whatever the organization's size. */
export const MAX_BODY = 4000;
/** Change lines in the body. */
export const MAX_BODY_LINES = 10;

/**
 * Whether a run is worth a message: something changed (NEW, REOPENED, an account newly unreachable), the run itself
 * is not a pass beyond its accounts (the map failed, an account asked for or every account went unaudited), or
 * always.
 */
export function shouldNotify(summary: RunSummary, always: boolean): boolean {
  if (always || runIssueReasons(summary).length > 0) return true;
  const changes = summary.changes;
  if (!changes) return false;
  return changes.counts.new + changes.counts.reopened > 0 || newlyUnreachableCount(changes) > 0;
}

/** An SNS subject: printable ASCII, one line, under 100 characters. */
export function subjectOf(summary: RunSummary): string {
  const { totals } = summary;
  const c = summary.changes?.counts;
  const unreachable = summary.changes ? newlyUnreachableCount(summary.changes) : 0;
  const issues = totals.fail + totals.error;
  // Summarize's verdict first: a run whose accounts all passed may still not be a pass (a failed map, an account
  // asked for and not audited), and its subject must not read as a clean run.
  const runIssue = issues === 0 && summaryHasIssues(summary);
  const parts = [
    'ct-audit',
    c ? `${c.new} new, ${c.reopened} reopened, ${unreachable} unreachable` : undefined,
    runIssue
      ? `run has issues, ${totals.accounts} accounts audited`
      : `${issues}/${totals.accounts} accounts with issues`,
  ].filter((part): part is string => part !== undefined);
  const subject = parts.join(': ').replace(/[^\x20-\x7e]/g, '?');
  return subject.length > MAX_SUBJECT ? `${subject.slice(0, MAX_SUBJECT - 3)}...` : subject;
}

function changeText(line: ChangeLine): string {
  const who = line.accountName ? `${line.accountId} (${cleanText(line.accountName, 40)})` : line.accountId;
  const resource = line.resource ? ` [${cleanText(line.resource, 80)}]` : '';
  return `- ${who} ${line.severity} ${cleanText(line.title, 120)}${resource}`;
}

/** The message body: counts, the top changes, where the report is. Bounded by {@link MAX_BODY}. */
export function bodyOf(summary: RunSummary, reportLocation: string): string {
  const { totals } = summary;
  const changes = summary.changes;
  const lines = [
    `Control Tower audit run ${cleanText(summary.runId, 80)} (${summary.startedAt})`,
    `Accounts: ${totals.accounts} audited, ${totals.pass} PASS, ${totals.fail} FAIL, ${totals.error} ERROR, ` +
      `${totals.skipped} skipped.`,
    // Record text (a map error's message, a skipped account's reason): one line each, bounded.
    ...runIssueReasons(summary).map((reason) => `Not a pass: ${cleanText(reason, 300)}`),
  ];
  if (changes) {
    const c = changes.counts;
    lines.push(
      `Findings since the last run: ${c.new} new, ${c.reopened} reopened, ${c.resolved} resolved, ` +
        `${c.stillOpen} still open, ${c.notAssessed} not assessed, ${c.muted} muted.`,
    );
    if (!changes.compared) lines.push('(No earlier run with the same checks: every finding is new.)');
    const unreachable = newlyUnreachableCount(changes);
    if (unreachable > 0) {
      // The list is capped (listCap); "and N more" comes from the full count.
      const shown = changes.newlyUnreachable.slice(0, MAX_BODY_LINES);
      const more = unreachable - shown.length;
      lines.push('', `Newly unreachable: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`);
    }
    const top = [...changes.reopened, ...changes.new].slice(0, MAX_BODY_LINES);
    if (top.length > 0) {
      lines.push('', 'Top changes:', ...top.map(changeText));
      const total = c.new + c.reopened;
      if (total > top.length) lines.push(`... and ${total - top.length} more in the report.`);
    }
    const expired = expiredMuteCounts(changes);
    if (expired.findings > 0) {
      lines.push('', `${expired.mutes} mute(s) expired: ${expired.findings} finding(s) they matched count again.`);
    }
  }
  const tail = ['', `Report: ${cleanText(reportLocation, 1024)}`];
  let body = lines.join('\n');
  const room = MAX_BODY - tail.join('\n').length - 1;
  if (body.length > room) body = `${body.slice(0, room - 4)}\n...`;
  return `${body}${tail.join('\n')}`;
}
