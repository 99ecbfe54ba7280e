import {
  type AccountFindings,
  type ChangeLine,
  expiredMuteCounts,
  newlyUnreachableCount,
  type TrackedFinding,
} from '../lib/changes';
import type { RunSummary, Status, SummaryAccount } from '../lib/types';
import { runIssueReasons, summaryHasIssues } from '../lib/verdict';
import { escapeHtml, numberText, text } from './escape';
import { REPORT_CSS, styleHash } from './style';

/** The report's file name, beside summary.json. */
export const REPORT_FILE = 'report.html';

/**
 * A remediation's outcome for a finding, shown in the drill-down when remediation has run. It belongs to the
 * finding with its fingerprint or, for a result without one, to the finding with its rule and resource.
 */
export interface RemediationLine {
  readonly accountId: string;
  readonly fingerprint?: string;
  readonly check?: string;
  readonly rule?: string;
  readonly resource?: { readonly id: string; readonly part?: string };
  readonly action: string;
  readonly status: string;
  readonly message?: string;
  readonly at?: string;
  readonly approvedBy?: string;
  readonly approvedAt?: string;
  /** The remediation run that did it. */
  readonly runId?: string;
}

/** Whether a remediation result is about this finding. */
export function remediationMatches(line: RemediationLine, finding: TrackedFinding): boolean {
  if (line.fingerprint && finding.fingerprint) return line.fingerprint === finding.fingerprint;
  return (
    line.rule === finding.rule &&
    line.resource !== undefined &&
    line.resource.id === finding.resource?.id &&
    (line.resource.part ?? '') === (finding.resource?.part ?? '')
  );
}

/** What the report is made of: the summary, each account's findings with their states, remediation results. */
export interface ReportInput {
  readonly summary: RunSummary;
  /** `findings/<id>.json` of the accounts that have any. */
  readonly findings: ReadonlyMap<string, AccountFindings>;
  readonly remediations?: readonly RemediationLine[];
  readonly now: Date;
}

/** Findings shown per account and check; the rest are in `findings/<id>.json`. */
export const FINDINGS_PER_CELL = 50;
/** Evidence fields shown per finding. */
export const EVIDENCE_PER_FINDING = 8;
/** Accounts with a drill-down, worst first; the grid lists every account. */
export const MAX_DRILL_DOWNS = 2000;

/** A cell's status: a check's status, or NOT_ASSESSED when the account has no result for it. */
type CellStatus = Status | 'NOT_ASSESSED';

const SYMBOL: Readonly<Record<CellStatus, string>> = {
  PASS: '✔',
  FAIL: '✖',
  ERROR: '⚠',
  SKIPPED: '–',
  NOT_ASSESSED: '?',
};
const RANK: Readonly<Record<Status, number>> = { ERROR: 0, FAIL: 1, SKIPPED: 2, PASS: 3 };

/**
 * A status as the page shows it: its class and symbol come from our own table, never from the document. A status
 * that is not one of ours (a summary written by other code, or edited) takes the ERROR class and shows as escaped
 * text: it is never green and never markup.
 */
function shownStatus(status: unknown): { readonly cls: CellStatus; readonly label: string } {
  if (typeof status === 'string' && Object.hasOwn(SYMBOL, status)) {
    const known = status as CellStatus;
    return { cls: known, label: `${SYMBOL[known]} ${known}` };
  }
  return { cls: 'ERROR', label: `${SYMBOL.ERROR} ${text(status, 32)}` };
}

/** The rank of a status, worst first; one that is not ours ranks with ERROR. */
function rankOf(status: unknown): number {
  return typeof status === 'string' && Object.hasOwn(RANK, status) ? RANK[status as Status] : RANK.ERROR;
}
const OPEN_STATES = new Set(['NEW', 'STILL_OPEN', 'REOPENED', 'NOT_ASSESSED']);

/**
 * The run as one self-contained HTML page: no script, no request to anywhere (a Content-Security-Policy says so to
 * the browser), every text from the records escaped. Header, counts, changes since the last run, an account ×
 * check grid worst first, then a drill-down per account and check.
 */
export function renderReportHtml(input: ReportInput): string {
  const { summary } = input;
  const accounts = [...summary.accounts].sort(
    (a, b) =>
      rankOf(a.status) - rankOf(b.status) ||
      openCount(input, b) - openCount(input, a) ||
      a.accountId.localeCompare(b.accountId),
  );
  const csp = `default-src 'none'; style-src ${styleHash()}; img-src data:; base-uri 'none'; form-action 'none'`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Control Tower audit ${text(summary.runId, 80)}</title>`,
    `<style>${REPORT_CSS}</style></head><body>`,
    header(summary),
    counts(summary),
    changes(summary),
    grid(input, accounts),
    drillDowns(input, accounts),
    skipped(summary),
    `<p class="note">Generated ${text(input.now.toISOString())} by ct-audit. summary.json and the account records ` +
      'beside this file hold everything; lists here are capped.</p>',
    '</body></html>',
    '',
  ].join('\n');
}

function header(summary: RunSummary): string {
  const duration = Date.parse(summary.finishedAt) - Date.parse(summary.startedAt);
  const rows: [string, string][] = [
    ['Run', text(summary.runId)],
    ['Started', text(summary.startedAt)],
    ['Finished', text(summary.finishedAt)],
    ['Duration', Number.isFinite(duration) ? text(formatDuration(duration)) : 'unknown'],
    [
      'Scope',
      `${numberText(summary.totals.accounts)} accounts audited, ${numberText(summary.skipped.length)} skipped; checks ${text(
        summary.checks.join(', '),
      )}; mode ${text(summary.mode)}, role ${text(summary.role)}`,
    ],
    ['Records', `<code>${text(summary.reportLocation)}</code>`],
  ];
  return (
    `<h1>Control Tower audit: ${verdict(summary)}</h1>${runIssues(summary)}` +
    `<dl class="meta">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`
  );
}

/**
 * The heading's verdict: Summarize's (`hasIssues`), so that the page never says less than the workflow did. The
 * counts are read as numbers: a summary whose counts are not (edited, or written by other code) never reads as a
 * pass.
 */
function verdict(summary: RunSummary): string {
  const { totals } = summary;
  const [accounts, fail, error] = [totals.accounts, totals.fail, totals.error].map(Number) as [number, number, number];
  if (![accounts, fail, error].every(Number.isFinite)) return 'the counts in summary.json are not numbers';
  if (accounts === 0) return 'nothing was audited';
  const withIssues = fail + error;
  if (withIssues > 0) return `${withIssues} of ${accounts} accounts have issues`;
  return summaryHasIssues(summary) ? 'the run has issues' : 'no issues';
}

/** Why the run has issues beyond its accounts' statuses (the map failed, an account asked for was not audited). */
function runIssues(summary: RunSummary): string {
  const reasons = runIssueReasons(summary);
  if (reasons.length === 0) return '';
  const shown = reasons.slice(0, MAX_DRILL_DOWNS);
  return (
    `<ul class="ERROR" id="run-issues">${shown.map((reason) => `<li>⚠ ${text(reason)}</li>`).join('')}</ul>` +
    moreNote(reasons.length, shown.length, 'summary.json')
  );
}

function tile(value: unknown, label: string, cls = ''): string {
  return `<div class="tile ${cls}"><b>${numberText(value)}</b><span>${label}</span></div>`;
}

function counts(summary: RunSummary): string {
  const { totals } = summary;
  const c = summary.changes?.counts;
  const findingTiles = c
    ? [
        tile(c.new, 'new findings'),
        tile(c.reopened, 'reopened'),
        tile(c.stillOpen, 'still open'),
        tile(c.resolved, 'resolved'),
        tile(c.notAssessed, 'not assessed'),
        tile(c.muted, 'muted'),
      ]
    : [];
  return (
    '<h2>Counts</h2><div class="tiles">' +
    [
      tile(totals.accounts, 'accounts audited'),
      tile(totals.pass, '✔ PASS', 'PASS'),
      tile(totals.fail, '✖ FAIL', 'FAIL'),
      tile(totals.error, '⚠ ERROR', 'ERROR'),
      tile(totals.skipped, '– SKIPPED', 'SKIPPED'),
      ...findingTiles,
    ].join('') +
    '</div>'
  );
}

function changes(summary: RunSummary): string {
  const changed = summary.changes;
  if (!changed) return '<h2>Changes since the last run</h2><p class="note">No comparison was made.</p>';
  const intro = changed.compared
    ? `Compared with ${changed.previousRunIds.map((id) => `<code>${text(id, 80)}</code>`).join(', ')}.`
    : 'No earlier run with the same checks: every finding is new.';
  const parts = [`<h2>Changes since the last run</h2><p class="note">${intro}</p>`];
  const unreachable = newlyUnreachableCount(changed);
  if (unreachable > 0) {
    parts.push(
      `<h3>Newly unreachable accounts (${numberText(unreachable)})</h3><p>${changed.newlyUnreachable
        .map((id) => `<a href="#acct-${text(id, 12)}"><code>${text(id, 12)}</code></a>`)
        .join(', ')}</p>${moreNote(unreachable, changed.newlyUnreachable.length, 'summary.json')}`,
    );
  }
  parts.push(changeTable('New', changed.new, changed.counts.new));
  parts.push(changeTable('Reopened', changed.reopened, changed.counts.reopened));
  parts.push(changeTable('Resolved', changed.resolved, changed.counts.resolved));
  const expired = expiredMuteCounts(changed);
  if (expired.findings > 0) {
    parts.push(
      `<h3>Expired mutes (${numberText(expired.mutes)})</h3><p class="note">${numberText(expired.findings)} findings they matched count ` +
        'again.</p>' +
        '<table><tr><th>Account</th><th>Rule</th><th>Reason</th><th>Owner</th><th>Expired</th></tr>' +
        changed.expiredMutes
          .map(
            (m) =>
              `<tr><td><code>${text(m.accountId, 12)}</code></td><td>${text(m.rule, 80)}</td><td>${text(m.reason, 256)}</td>` +
              `<td>${text(m.owner, 128)}</td><td>${text(m.expires, 40)}</td></tr>`,
          )
          .join('') +
        `</table>${moreNote(expired.findings, changed.expiredMutes.length, 'the records')}`,
    );
  }
  return parts.join('');
}

/** "… and N more in <where>." when a capped list shows fewer lines than its full count. */
function moreNote(total: number, shown: number, where: string): string {
  return total > shown ? `<p class="note">… and ${total - shown} more in ${where}.</p>` : '';
}

function changeTable(title: string, lines: readonly ChangeLine[], total: unknown): string {
  if (total === 0) return `<h3>${title} (0)</h3>`;
  const count = Number(total);
  const more = Number.isFinite(count) ? moreNote(count, lines.length, 'the records') : '';
  return (
    `<h3>${title} (${numberText(total)})</h3><table><tr><th>Account</th><th>Check</th><th>Severity</th><th>Finding</th>` +
    '<th>Resource</th><th>First seen</th></tr>' +
    lines
      .map(
        (line) =>
          `<tr><td>${accountLabel(line.accountId, line.accountName)}</td><td>${text(line.check, 64)}</td>` +
          `<td>${text(line.severity, 16)}</td><td>${text(line.title, 200)}</td><td><code>${text(line.resource ?? '', 200)}</code></td>` +
          `<td>${text(line.firstSeen, 40)}</td></tr>`,
      )
      .join('') +
    `</table>${more}`
  );
}

function accountLabel(accountId: string, name: string | undefined): string {
  const id = text(accountId, 12);
  return name ? `${text(name, 80)} <code>${id}</code>` : `<code>${id}</code>`;
}

function cellStatus(account: SummaryAccount, check: string): CellStatus {
  return account.checks[check]?.status ?? 'NOT_ASSESSED';
}

function cellFindings(input: ReportInput, accountId: string, check: string): TrackedFinding[] {
  return (input.findings.get(accountId)?.findings ?? []).filter((finding) => finding.check === check);
}

function openCount(input: ReportInput, account: SummaryAccount): number {
  return (input.findings.get(account.accountId)?.findings ?? []).filter((f) => OPEN_STATES.has(f.state)).length;
}

function daysOpen(finding: TrackedFinding, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - Date.parse(finding.firstSeen)) / 86_400_000));
}

function grid(input: ReportInput, accounts: readonly SummaryAccount[]): string {
  const { checks } = input.summary;
  const head = `<tr><th>Account</th><th>Status</th>${checks.map((c) => `<th>${text(c, 64)}</th>`).join('')}</tr>`;
  const rows = accounts.map((account) => {
    const cells = checks.map((check) => {
      const status = cellStatus(account, check);
      const findings = cellFindings(input, account.accountId, check);
      const open = findings.filter((f) => OPEN_STATES.has(f.state));
      const marker = findings.some((f) => f.state === 'NEW')
        ? '<span class="badge new">NEW</span>'
        : findings.some((f) => f.state === 'REOPENED')
          ? '<span class="badge reopened">REOPENED</span>'
          : '';
      const oldest = open.reduce((days, f) => Math.max(days, daysOpen(f, input.now)), 0);
      const detail =
        open.length > 0
          ? ` <span class="days">${open.length} open, ${oldest === 0 ? 'new today' : `oldest ${oldest}d`}</span>`
          : '';
      const shown = shownStatus(status);
      return `<td class="c ${shown.cls}">${shown.label}${marker}${detail}</td>`;
    });
    const shown = shownStatus(account.status);
    return (
      `<tr data-account="${text(account.accountId, 12)}"><td><a href="#acct-${text(account.accountId, 12)}">` +
      `${accountLabel(account.accountId, account.name)}</a></td><td class="c ${shown.cls}">` +
      `${shown.label}</td>${cells.join('')}</tr>`
    );
  });
  return (
    '<h2>Accounts × checks (worst first)</h2>' +
    '<p class="note">✔ PASS · ✖ FAIL · ⚠ ERROR (could not run) · – SKIPPED · ? NOT ASSESSED. Days open count from ' +
    'when a finding was first seen.</p>' +
    `<table id="grid"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`
  );
}

function drillDowns(input: ReportInput, accounts: readonly SummaryAccount[]): string {
  const shown = accounts.slice(0, MAX_DRILL_DOWNS);
  const more =
    accounts.length > shown.length
      ? `<p class="note">Drill-downs for the first ${shown.length} accounts; the others are in the records.</p>`
      : '';
  return `<h2>Details</h2>${more}${shown.map((account) => accountDetails(input, account)).join('')}`;
}

function accountDetails(input: ReportInput, account: SummaryAccount): string {
  const error = account.error
    ? `<p class="ERROR">⚠ ${text(account.error.kind, 40)}: ${text(account.error.message)}</p>`
    : '';
  const checks = input.summary.checks.map((check) => checkDetails(input, account, check)).join('');
  const shown = shownStatus(account.status);
  return (
    `<details class="account" id="acct-${text(account.accountId, 12)}"><summary>${accountLabel(account.accountId, account.name)} ` +
    `<span class="badge ${shown.cls}">${shown.label}</span></summary>${error}${checks}</details>`
  );
}

function checkDetails(input: ReportInput, account: SummaryAccount, check: string): string {
  const result = account.checks[check];
  const status = cellStatus(account, check);
  const badge = shownStatus(status);
  const findings = cellFindings(input, account.accountId, check);
  const message = result?.message ? `<p>${text(result.message)}</p>` : '';
  const error = result?.error
    ? `<p class="ERROR">⚠ ${text(result.error.kind, 40)}: ${text(result.error.message)}</p>`
    : '';
  const remediations = (input.remediations ?? []).filter(
    (line) => line.accountId === account.accountId && (line.check === undefined || line.check === check),
  );
  const shown = findings.slice(0, FINDINGS_PER_CELL);
  const more =
    findings.length > shown.length
      ? `<p class="note">… and ${findings.length - shown.length} more in findings/${text(account.accountId, 12)}.json.</p>`
      : '';
  const table =
    shown.length > 0
      ? '<table><tr><th>State</th><th>Severity</th><th>Finding</th><th>Resource</th><th>Cause</th><th>Evidence</th></tr>' +
        shown.map((finding) => findingRow(finding, input.now, remediations)).join('') +
        `</table>${more}`
      : status === 'NOT_ASSESSED'
        ? '<p class="note">Not assessed in this run.</p>'
        : '';
  const remediationTable =
    remediations.length > 0
      ? '<h3>Remediation</h3><table><tr><th>Action</th><th>Status</th><th>Message</th><th>When</th></tr>' +
        remediations
          .slice(0, FINDINGS_PER_CELL)
          .map(
            (line) =>
              `<tr><td>${text(line.action, 80)}</td><td>${text(line.status, 40)}</td><td>${text(line.message ?? '', 256)}</td>` +
              `<td>${text(line.at ?? '', 40)}</td></tr>`,
          )
          .join('') +
        '</table>'
      : '';
  return (
    `<details class="check"><summary>${text(check, 64)} <span class="badge ${badge.cls}">${badge.label}</span>` +
    `${findings.length > 0 ? ` <span class="days">${findings.length} findings</span>` : ''}</summary>` +
    `${message}${error}${table}${remediationTable}</details>`
  );
}

function findingRow(finding: TrackedFinding, now: Date, remediations: readonly RemediationLine[]): string {
  const state =
    finding.state === 'NEW'
      ? '<span class="badge new">NEW</span>'
      : finding.state === 'REOPENED'
        ? '<span class="badge reopened">REOPENED</span>'
        : text(finding.state, 16);
  const since =
    finding.state === 'RESOLVED'
      ? `resolved ${text(finding.resolvedAt ?? '', 40)}`
      : `first seen ${text(finding.firstSeen, 40)} (${daysOpen(finding, now)}d)`;
  const mute = finding.mute
    ? `<div class="ev">muted by ${text(finding.mute.owner, 128)} until ${text(finding.mute.expires, 40)}: ${text(finding.mute.reason, 256)}</div>`
    : finding.expiredMute
      ? `<div class="ev">mute expired ${text(finding.expiredMute.expires, 40)} (${text(finding.expiredMute.owner, 128)})</div>`
      : '';
  const resource = finding.resource
    ? `<code>${text(finding.resource.type, 40)} ${text(finding.resource.id, 200)}${
        finding.resource.part ? ` / ${text(finding.resource.part, 80)}` : ''
      }</code><div class="ev">${text(finding.resource.region, 30)}</div>`
    : '';
  const cause = finding.cause
    ? `${text(finding.cause.eventName, 80)}${finding.cause.principalArn ? ` by <code>${text(finding.cause.principalArn, 200)}</code>` : ''}` +
      `${finding.cause.eventTime ? ` at ${text(finding.cause.eventTime, 40)}` : ''}`
    : finding.eventName
      ? `${text(finding.eventName, 80)}${finding.principalArn ? ` by <code>${text(finding.principalArn, 200)}</code>` : ''}`
      : '';
  const evidence = Object.entries(finding.evidence ?? {})
    .slice(0, EVIDENCE_PER_FINDING)
    .map(([key, value]) => `${text(key, 40)}=${text(value === null ? 'null' : String(value), 80)}`)
    .join('<br>');
  const fixed = remediations
    .filter((line) => remediationMatches(line, finding))
    .map(
      (line) =>
        `<div class="ev remediation">remediation ${text(line.action, 80)}: <strong>${text(line.status, 40)}</strong>` +
        `${line.at ? ` at ${text(line.at, 40)}` : ''}` +
        `${line.approvedBy ? `, approved by ${text(line.approvedBy, 200)}${line.approvedAt ? ` at ${text(line.approvedAt, 40)}` : ''}` : ''}` +
        `${line.runId ? ` (run ${text(line.runId, 80)})` : ''}${line.message ? `: ${text(line.message, 256)}` : ''}</div>`,
    )
    .join('');
  return (
    `<tr><td>${state}<div class="ev">${since}</div>${mute}</td><td>${text(finding.severity, 16)}</td>` +
    `<td>${text(finding.title, 256)}${fixed}</td><td>${resource}</td><td>${cause}</td><td class="ev">${evidence}</td></tr>`
  );
}

function skipped(summary: RunSummary): string {
  if (summary.skipped.length === 0) return '';
  const shown = summary.skipped.slice(0, MAX_DRILL_DOWNS);
  return (
    `<h2>Skipped accounts (${numberText(summary.skipped.length)})</h2><table><tr><th>Account</th><th>Reason</th></tr>` +
    shown.map((s) => `<tr><td>${accountLabel(s.accountId, s.name)}</td><td>${text(s.reason)}</td></tr>`).join('') +
    `</table>${moreNote(summary.skipped.length, shown.length, 'summary.json')}`
  );
}

function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}
