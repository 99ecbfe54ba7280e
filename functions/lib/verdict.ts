import type { SkippedAccount, Totals } from './types';

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
