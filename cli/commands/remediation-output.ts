import type { ReportStore } from '../../functions/lib/report-store';
import { cleanText } from '../../functions/lib/text';
import {
  type AccountPlan,
  PATHS,
  type RemediationRun,
  type RemediationRunDocument,
} from '../../functions/remediations/documents';
import type { PlanSummary } from '../../functions/remediations/review';
import {
  type RemediationOutcome,
  type RemediationSummary,
  SUCCESSFUL_OUTCOMES,
} from '../../functions/remediations/summarize';

/** Exit codes of the remediation commands: the same contract as `run`. */
export const REMEDIATION_EXIT = { done: 0, failed: 1, invalid: 2 } as const;

/**
 * The exit code of an outcome: 0 for those that end in a Succeed state (done, plan ready, nothing to do), 1 for the
 * rest (something failed, was rejected, is over the cap, or could not be planned). An outcome this code does not know
 * is a failure.
 */
export function exitCodeOf(outcome: RemediationOutcome): number {
  return SUCCESSFUL_OUTCOMES.has(outcome) ? REMEDIATION_EXIT.done : REMEDIATION_EXIT.failed;
}

/** Accounts a terminal lists by name before it says "and N more". */
export const ACCOUNTS_LISTED = 20;

/**
 * The accounts of a summary that need a look, one line each: those in error and those asked for that were not
 * planned. summary.json has them all; the terminal shows the first {@link ACCOUNTS_LISTED} of each.
 */
export function renderAccountProblems(summary: RemediationSummary): string {
  const lines: string[] = [];
  const list = (title: string, rows: readonly { accountId: string; text: string }[]) => {
    if (rows.length === 0) return;
    lines.push(title);
    for (const row of rows.slice(0, ACCOUNTS_LISTED)) lines.push(`  ${row.accountId}  ${cleanText(row.text, 200)}`);
    if (rows.length > ACCOUNTS_LISTED) lines.push(`  and ${rows.length - ACCOUNTS_LISTED} more: see summary.json`);
  };
  list(
    'Accounts in error (nothing was applied to what could not be planned):',
    (summary.accounts ?? []).flatMap((account) =>
      account.error ? [{ accountId: account.accountId, text: account.error }] : [],
    ),
  );
  const skipped = (summary.skipped ?? []).map((account) => ({
    accountId: account.accountId,
    text: account.reason,
    asked: account.kind !== 'AUDIT_ERROR',
  }));
  list(
    'Accounts asked for and not planned:',
    skipped.filter((account) => account.asked),
  );
  // Without --accounts nobody asked for them: the audit run could not assess them, and says why.
  list(
    'Not assessed by the audit run (not planned):',
    skipped.filter((account) => !account.asked),
  );
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** The plan as a person reads it on a terminal: per account, what would be done and why, and what is not. */
export async function renderPlan(store: ReportStore, run: RemediationRun, planned: readonly string[]): Promise<string> {
  let accounts = planned;
  const lines: string[] = [`Remediation plan ${run.id} for audit run ${run.auditRun.id} (mode ${run.mode})`];
  // Every account Review Plan joined (plan.json), so that one whose plan was never written is shown too.
  const reviewed = await store.getJson<PlanSummary>(run, PATHS.planSummary);
  if (reviewed) accounts = [...new Set([...reviewed.accounts.map((account) => account.accountId), ...accounts])];
  for (const accountId of accounts) {
    const plan = await store.getJson<AccountPlan>(run, PATHS.plan(accountId));
    if (!plan) {
      lines.push(`  ${accountId}: no plan recorded: nothing is applied here`);
      continue;
    }
    if (plan.error) lines.push(`  ${accountId}: ${cleanText(plan.error, 200)}: nothing is applied here`);
    for (const item of plan.items) {
      const what = item.decision === 'PLANNED' ? item.change : `${item.action} ${item.resource.id}`;
      lines.push(`  ${accountId}  ${item.decision.padEnd(17)} ${cleanText(what, 160)}`);
      if (item.decision !== 'PLANNED')
        lines.push(`  ${' '.repeat(12)}  ${' '.repeat(17)} ${cleanText(item.reason, 200)}`);
      else lines.push(`  ${' '.repeat(12)}  ${' '.repeat(17)} risk: ${cleanText(item.risk, 200)}`);
    }
    for (const note of plan.notes) {
      lines.push(`  ${accountId}  ${'NOT FIXED'.padEnd(17)} ${cleanText(note.rule, 60)}: ${cleanText(note.note, 160)}`);
    }
  }
  const started = await store.getJson<RemediationRunDocument>(run, PATHS.run);
  for (const account of started?.skipped ?? []) {
    const label = account.kind === 'AUDIT_ERROR' ? 'NOT ASSESSED' : 'NOT PLANNED';
    lines.push(`  ${account.accountId}  ${label.padEnd(17)} ${cleanText(account.reason, 200)}`);
  }
  return `${lines.join('\n')}\n`;
}
