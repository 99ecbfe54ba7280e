import type { ReportStore } from '../../functions/lib/report-store';
import { cleanText } from '../../functions/lib/text';
import { type AccountPlan, PATHS, type RemediationRun } from '../../functions/remediations/documents';
import type { RemediationOutcome } from '../../functions/remediations/summarize';

/** Exit codes of the remediation commands: the same contract as `run`. */
export const REMEDIATION_EXIT = { done: 0, failed: 1, invalid: 2 } as const;

/** The exit code of an outcome: 0 done or nothing to do, 1 something failed or was rejected. */
export function exitCodeOf(outcome: RemediationOutcome): number {
  return outcome === 'APPLIED' || outcome === 'NOTHING_TO_DO' || outcome === 'PLANNED'
    ? REMEDIATION_EXIT.done
    : REMEDIATION_EXIT.failed;
}

/** The plan as a person reads it on a terminal: per account, what would be done and why, and what is not. */
export async function renderPlan(
  store: ReportStore,
  run: RemediationRun,
  accounts: readonly string[],
): Promise<string> {
  const lines: string[] = [`Remediation plan ${run.id} for audit run ${run.auditRun.id} (mode ${run.mode})`];
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
  return `${lines.join('\n')}\n`;
}
