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
  type PlanDecision,
  REMEDIATION_SCHEMA_VERSION,
  type RemediationRun,
  type RemediationRunDocument,
  type SkippedAccount,
} from './documents';
import type { PlannedAccount, PlanSummary, ReviewPlanResult } from './review';

/**
 * How a remediation run ended; each has an end state of its own (statemachine/remediate.asl.json, "Outcome?").
 * `INCOMPLETE`: what could be planned (and, when approved, applied) was, but some targeted account or finding could
 * not be planned, or an account asked for was not assessed by the audit run: never a plain success.
 */
export const REMEDIATION_OUTCOMES = [
  'PLANNED',
  'NOTHING_TO_DO',
  'APPLIED',
  'INCOMPLETE',
  'OVER_CAP',
  'REJECTED',
  'FAILED',
] as const;
export type RemediationOutcome = (typeof REMEDIATION_OUTCOMES)[number];

/** The outcomes that end in a Succeed state; every other one ends in a Fail state. */
export const SUCCESSFUL_OUTCOMES: ReadonlySet<RemediationOutcome> = new Set(['PLANNED', 'NOTHING_TO_DO', 'APPLIED']);

/** Summarize Remediation's event: the workflow's state at the end. */
export interface SummarizeRemediationEvent extends Partial<Omit<ReviewPlanResult, 'run'>> {
  readonly run: RemediationRun;
  readonly approval?: Approval;
  /** The Catch of Approve Remediations: a rejection, a timeout or a failure to ask. */
  readonly rejection?: { readonly Error?: string; readonly Cause?: string };
  readonly applyError?: { readonly Error?: string; readonly Cause?: string };
  /**
   * The Catch of Plan Remediations: the Map failed as a whole, so Review Plan never ran (no plan.json) and nothing
   * was applied. The run is INCOMPLETE, never a success, and says why.
   */
  readonly planError?: { readonly Error?: string; readonly Cause?: string };
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
  /**
   * Every targeted account once: what its plan decided, what apply did (`{}` when nothing was applied there), and
   * why it is in error when it is (its plan could not be made, findings could not be planned, no record of apply).
   */
  readonly accounts: {
    accountId: string;
    planned: number;
    decisions: Partial<Record<PlanDecision, number>>;
    results: Partial<Record<ApplyOutcome, number>>;
    error?: string;
  }[];
  /**
   * The accounts not planned, and why: those asked for (`--accounts`), or without it the audit run's accounts it
   * could not assess (`AUDIT_ERROR`).
   */
  readonly skipped: readonly SkippedAccount[];
}

/** Summarize Remediation's output: the outcome the Choice branches on and the cause a Fail state shows. */
export interface SummarizeRemediationResult {
  readonly outcome: RemediationOutcome;
  readonly cause: string;
  readonly reportLocation: string;
}

function planErrorMessage(planError: NonNullable<SummarizeRemediationEvent['planError']>): string {
  const cause = cleanText(planError.Cause ?? '', 300);
  return `Plan Remediations failed (${cleanText(planError.Error ?? 'error', 80)}${cause ? `: ${cause}` : ''})`;
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

/** How many IDs a message names before it says "and N more" (summary.json lists them all). */
const NAMED_IN_MESSAGE = 5;

function named(ids: readonly string[]): string {
  const shown = ids.slice(0, NAMED_IN_MESSAGE).join(', ');
  return ids.length > NAMED_IN_MESSAGE ? `${shown} and ${ids.length - NAMED_IN_MESSAGE} more` : shown;
}

/**
 * Joins plan and records into remediation/summary.json: every targeted account appears once (from plan.json, which
 * Review Plan writes for each), with its plan, its apply results and its error; the accounts asked for that were not
 * planned are listed apart (from run.json). Names the outcome: an account or a finding that could not be planned,
 * or an account asked for that the audit run did not assess, never ends as a plain success.
 */
export async function summarizeRemediation(
  event: SummarizeRemediationEvent,
  store: ReportStore,
  now: () => Date = () => new Date(),
): Promise<SummarizeRemediationResult> {
  const { run } = event;
  const [plan, runDocument] = await Promise.all([
    store.getJson<PlanSummary>(run, PATHS.planSummary),
    store.getJson<RemediationRunDocument>(run, PATHS.run),
  ]);
  const applied =
    !event.planError && !event.rejection && !event.stop && event.next !== 'summarize' && run.mode === 'apply';
  const targets = applied ? (event.accountsToApply ?? []) : [];
  const records = new Map(
    await mapLimit(
      targets,
      16,
      async (accountId) =>
        [accountId, await store.getJson<AccountRemediationRecord>(run, PATHS.record(accountId))] as const,
    ),
  );

  // The targeted accounts: plan.json has each; without it (Review Plan never wrote it), run.json's list, and the
  // accounts to apply, so that none the run touched is left out.
  const planned = new Map<string, PlannedAccount>();
  for (const account of plan?.accounts ?? []) planned.set(account.accountId, account);
  const targeted = [
    ...new Set([...planned.keys(), ...(runDocument?.accounts ?? []), ...(event.accountsToApply ?? [])]),
  ];
  const results: Partial<Record<ApplyOutcome, number>> = {};
  const accounts: RemediationSummary['accounts'] = [];
  let failedAccounts = 0;
  for (const accountId of targeted) {
    const planOf = planned.get(accountId);
    const errors = planOf
      ? planOf.error
        ? [planOf.error]
        : []
      : [
          event.planError
            ? 'not planned: Plan Remediations failed before the plan was reviewed'
            : 'not in remediation/plan.json: its plan is unknown',
        ];
    const counts: Partial<Record<ApplyOutcome, number>> = {};
    if (records.has(accountId)) {
      const record = records.get(accountId);
      for (const item of record?.items ?? []) {
        counts[item.outcome] = (counts[item.outcome] ?? 0) + 1;
        results[item.outcome] = (results[item.outcome] ?? 0) + 1;
      }
      const applyError = record ? record.error : 'no result recorded';
      if (applyError || (counts.FAILED ?? 0) > 0) failedAccounts++;
      if (applyError) errors.push(`apply: ${applyError}`);
    }
    accounts.push({
      accountId,
      planned: planOf?.planned ?? 0,
      decisions: planOf?.decisions ?? {},
      results: counts,
      ...(errors.length > 0 ? { error: cleanText(errors.join('; ')) } : {}),
    });
  }
  const skipped = runDocument?.skipped ?? [];

  // What could not be planned, said in every outcome's message; any of it makes the run at best INCOMPLETE.
  const inError = accounts.filter(
    (account) => planned.get(account.accountId)?.error !== undefined || !planned.has(account.accountId),
  );
  const unassessed = skipped.filter(
    (account) => account.kind === 'NOT_ASSESSED' || account.kind === 'NOT_IN_AUDIT_RUN',
  );
  const auditErrors = skipped.filter((account) => account.kind === 'AUDIT_ERROR');
  const problems = [
    ...(event.planError ? [planErrorMessage(event.planError)] : []),
    ...(plan || event.planError ? [] : [`${PATHS.planSummary} is missing: the plan of each account is unknown`]),
    ...(runDocument ? [] : [`${PATHS.run} is missing: the accounts asked for are unknown`]),
    ...(inError.length > 0
      ? [`${inError.length} of ${targeted.length} accounts in error (${named(inError.map((a) => a.accountId))})`]
      : []),
    ...(unassessed.length > 0
      ? [
          `${unassessed.length} accounts were not assessed by the audit run or are not in it ` +
            `(${named(unassessed.map((a) => a.accountId))})`,
        ]
      : []),
  ];
  const noFindings = skipped.filter((account) => account.kind === 'NO_FINDINGS');
  const also = [
    ...problems,
    ...(auditErrors.length > 0
      ? [
          `${auditErrors.length} accounts could not be assessed by the audit run, which says why ` +
            `(${named(auditErrors.map((a) => a.accountId))})`,
        ]
      : []),
    ...(noFindings.length > 0
      ? [`${noFindings.length} accounts asked for have no findings (${named(noFindings.map((a) => a.accountId))})`]
      : []),
  ];
  const tail = also.length > 0 ? `; ${also.join('; ')}` : '';

  let outcome: RemediationOutcome;
  let message: string;
  if (event.planError) {
    // problems names the Map's error; nothing was reviewed, asked for or applied.
    outcome = 'INCOMPLETE';
    message = `the plan could not be made; nothing was ${run.mode === 'apply' ? 'applied' : 'changed'}`;
  } else if (event.rejection) {
    outcome = 'REJECTED';
    message = `${rejectionMessage(event.rejection)}; nothing was applied`;
  } else if (event.stop === 'OVER_CAP') {
    outcome = 'OVER_CAP';
    message = plan?.message ?? 'the plan is over remediation.maxActionsPerRun; nothing was applied';
  } else if (applied && (failedAccounts > 0 || event.applyError)) {
    outcome = 'FAILED';
    message = `${results.FAILED ?? 0} actions failed in ${failedAccounts} accounts; ${results.REMEDIATED ?? 0} remediated`;
  } else if (event.stop === 'PLAN_ONLY' || run.mode === 'plan') {
    outcome = problems.length > 0 ? 'INCOMPLETE' : 'PLANNED';
    message = `plan only: ${plan?.message ?? 'no plan'}; nothing was changed`;
  } else if (targets.length === 0) {
    outcome = problems.length > 0 ? 'INCOMPLETE' : 'NOTHING_TO_DO';
    message = 'nothing to remediate: no planned action';
  } else {
    outcome = problems.length > 0 ? 'INCOMPLETE' : 'APPLIED';
    message = `${results.REMEDIATED ?? 0} actions remediated and verified; ${results.ALREADY_COMPLIANT ?? 0} already compliant`;
  }
  if (outcome === 'INCOMPLETE') message = `incomplete: ${message}`;
  message = cleanText(`${message}${tail}`, 2_000);
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
    skipped,
  };
  await store.putJson(run, PATHS.summary, summary);
  await showInAuditReport(store, run, now());
  return { outcome, cause: `${message}. Report: ${run.reportLocation}`, reportLocation: run.reportLocation };
}
