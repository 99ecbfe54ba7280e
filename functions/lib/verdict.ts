import type { RunSummary, SkippedAccount, Totals } from './types';

/**
 * Why a run is not a pass although no audited account failed: an account named in the input was skipped (not in
 * the organization, not ACTIVE, excluded), or no account was audited at all. Empty when there is no such reason.
 */
export function unauditedIssues(totals: Totals, skipped: readonly SkippedAccount[]): string[] {
  const issues = skipped
    .filter((account) => account.requested)
    .map((account) => `${account.accountId} was asked for and not audited: ${account.reason}`);
  if (totals.pass + totals.fail + totals.error === 0) issues.push('no account was audited');
  return issues;
}

/** Whether the run has issues: an account FAIL or ERROR, or something asked for that was not audited. */
export function runHasIssues(totals: Totals, skipped: readonly SkippedAccount[]): boolean {
  return totals.fail + totals.error > 0 || unauditedIssues(totals, skipped).length > 0;
}

/**
 * Whether a run has issues, as Summarize judged it: `hasIssues` in summary.json. A summary written before Summarize
 * kept it (or one whose value is not a boolean) is judged again the way Summarize does, so that no reader ever says
 * less than Summarize did: an account FAIL or ERROR, something asked for that was not audited, or a failed map.
 */
export function summaryHasIssues(summary: Pick<RunSummary, 'hasIssues' | 'totals' | 'skipped' | 'mapError'>): boolean {
  if (typeof summary.hasIssues === 'boolean') return summary.hasIssues;
  return runHasIssues(summary.totals, summary.skipped ?? []) || summary.mapError !== undefined;
}

/**
 * What makes a run an issue beyond its accounts' statuses, for a person: the map's failure, then each account asked
 * for and not audited (or that none was). Empty when the accounts' statuses say it all.
 */
export function runIssueReasons(summary: Pick<RunSummary, 'totals' | 'skipped' | 'mapError'>): string[] {
  return [
    ...(summary.mapError ? [`The Audit Accounts map failed: ${summary.mapError.message}`] : []),
    ...unauditedIssues(summary.totals, summary.skipped ?? []),
  ];
}
