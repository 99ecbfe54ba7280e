import { mapLimit } from '../lib/concurrency';
import { errorMessage, errorName } from '../lib/errors';
import { logger } from '../lib/logger';
import type { ReportStore } from '../lib/report-store';
import { cleanText } from '../lib/text';
import { rememberRemediationRun, rerenderReport } from '../report/remediation-results';
import {
  type AccountRemediationRecord,
  type ApplyOutcome,
  type Approval,
  PATHS,
  REMEDIATION_SCHEMA_VERSION,
  type RemediationRun,
} from './documents';
import type { PlanSummary, ReviewPlanResult } from './review';

/** How a remediation run ended; each has an end state of its own. */
export type RemediationOutcome = 'PLANNED' | 'NOTHING_TO_DO' | 'OVER_CAP' | 'REJECTED' | 'APPLIED' | 'FAILED';

/** Summarize Remediation's event: the workflow's state at the end. */
export interface SummarizeRemediationEvent extends Partial<Omit<ReviewPlanResult, 'run'>> {
  readonly run: RemediationRun;
  readonly approval?: Approval;
  /** The Catch of Approve Remediations: a rejection, a timeout or a failure to ask. */
  readonly rejection?: { readonly Error?: string; readonly Cause?: string };
  readonly applyError?: { readonly Error?: string; readonly Cause?: string };
}

/** remediation/summary.json */
export interface RemediationSummary {
  readonly schemaVersion: typeof REMEDIATION_SCHEMA_VERSION;
  readonly remediationRunId: string;
  readonly auditRunId: string;
  readonly auditRunLocation: string;
  readonly mode: 'plan' | 'apply';
  readonly outcome: RemediationOutcome;
  readonly message: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly reportLocation: string;
  readonly plan?: Pick<PlanSummary, 'decisions' | 'planned' | 'maxActionsPerRun' | 'overCap'>;
  readonly approval?: Approval;
  readonly results: Partial<Record<ApplyOutcome, number>>;
  readonly accounts: { accountId: string; results: Partial<Record<ApplyOutcome, number>>; error?: string }[];
}

/** Summarize Remediation's output: the outcome the Choice branches on and the cause a Fail state shows. */
export interface SummarizeRemediationResult {
  readonly outcome: RemediationOutcome;
  readonly cause: string;
  readonly reportLocation: string;
}

function rejectionMessage(rejection: NonNullable<SummarizeRemediationEvent['rejection']>): string {
  if (rejection.Error === 'States.Timeout') return 'rejected: nobody answered within remediation.approvalTimeoutHours';
  const reason = cleanText(rejection.Cause ?? '', 300);
  return rejection.Error === 'RemediationRejected'
    ? `rejected${reason ? `: ${reason}` : ''}`
    : `rejected: the approval could not be asked (${cleanText(rejection.Error ?? 'error', 80)}${reason ? `: ${reason}` : ''})`;
}

/**
 * The audit run's report.html, rendered again with this run's results per finding (and those of the audit run's
 * earlier remediation runs, listed in the state document `remediation/by-audit-run/<auditRunId>.json`). The same
 * render as `ct-audit report --run <auditRunId>`. A report that cannot be rendered is logged and never changes the
 * remediation's outcome: the records stay the truth.
 */
async function showInAuditReport(store: ReportStore, run: RemediationRun, now: Date): Promise<void> {
  try {
    await rememberRemediationRun(store, run.auditRun.id, run);
    const report = await rerenderReport(store, run.auditRun, now);
    logger.info('audit report rendered with the remediation results', {
      runId: run.id,
      auditRunId: run.auditRun.id,
      report: report ?? 'no summary.json: not rendered',
    });
  } catch (error) {
    logger.warn('the audit report could not be rendered with the remediation results', {
      runId: run.id,
      auditRunId: run.auditRun.id,
      error: cleanText(`${errorName(error) ?? 'Error'}: ${errorMessage(error)}`, 300),
    });
  }
}

/** Joins plan and records into remediation/summary.json; every account to apply appears once. */
export async function summarizeRemediation(
  event: SummarizeRemediationEvent,
  store: ReportStore,
  now: () => Date = () => new Date(),
): Promise<SummarizeRemediationResult> {
  const { run } = event;
  const plan = await store.getJson<PlanSummary>(run, PATHS.planSummary);
  const applied = !event.rejection && !event.stop && event.next !== 'summarize' && run.mode === 'apply';
  const targets = applied ? (event.accountsToApply ?? []) : [];
  const records = await mapLimit(targets, 16, async (accountId) => ({
    accountId,
    record: await store.getJson<AccountRemediationRecord>(run, PATHS.record(accountId)),
  }));
  const results: Partial<Record<ApplyOutcome, number>> = {};
  const accounts: RemediationSummary['accounts'] = [];
  let failedAccounts = 0;
  for (const { accountId, record } of records) {
    const counts: Partial<Record<ApplyOutcome, number>> = {};
    for (const item of record?.items ?? []) {
      counts[item.outcome] = (counts[item.outcome] ?? 0) + 1;
      results[item.outcome] = (results[item.outcome] ?? 0) + 1;
    }
    const error = record ? record.error : 'no result recorded';
    if (error || (counts.FAILED ?? 0) > 0) failedAccounts++;
    accounts.push({ accountId, results: counts, ...(error ? { error } : {}) });
  }

  let outcome: RemediationOutcome;
  let message: string;
  if (event.rejection) {
    outcome = 'REJECTED';
    message = `${rejectionMessage(event.rejection)}; nothing was applied`;
  } else if (event.stop === 'PLAN_ONLY' || run.mode === 'plan') {
    outcome = 'PLANNED';
    message = `plan only: ${plan?.message ?? 'no plan'}; nothing was changed`;
  } else if (event.stop === 'OVER_CAP') {
    outcome = 'OVER_CAP';
    message = plan?.message ?? 'the plan is over remediation.maxActionsPerRun; nothing was applied';
  } else if (event.stop === 'NOTHING_TO_DO' || targets.length === 0) {
    outcome = 'NOTHING_TO_DO';
    message = 'nothing to remediate: no planned action';
  } else if (failedAccounts > 0 || event.applyError) {
    outcome = 'FAILED';
    message = `${results.FAILED ?? 0} actions failed in ${failedAccounts} accounts; ${results.REMEDIATED ?? 0} remediated`;
  } else {
    outcome = 'APPLIED';
    message = `${results.REMEDIATED ?? 0} actions remediated and verified; ${results.ALREADY_COMPLIANT ?? 0} already compliant`;
  }
  const summary: RemediationSummary = {
    schemaVersion: REMEDIATION_SCHEMA_VERSION,
    remediationRunId: run.id,
    auditRunId: run.auditRun.id,
    auditRunLocation: run.auditRun.location,
    mode: run.mode,
    outcome,
    message,
    startedAt: run.startedAt,
    finishedAt: now().toISOString(),
    reportLocation: run.reportLocation,
    ...(plan
      ? {
          plan: {
            decisions: plan.decisions,
            planned: plan.planned,
            maxActionsPerRun: plan.maxActionsPerRun,
            overCap: plan.overCap,
          },
        }
      : {}),
    ...(event.approval ? { approval: event.approval } : {}),
    results,
    accounts,
  };
  await store.putJson(run, PATHS.summary, summary);
  await showInAuditReport(store, run, now());
  return { outcome, cause: `${message}. Report: ${run.reportLocation}`, reportLocation: run.reportLocation };
}
