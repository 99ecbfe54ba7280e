import { mapLimit } from '../lib/concurrency';
import type { ReportStore } from '../lib/report-store';
import { type AccountPlan, PATHS, type PlanDecision, type RemediationRun } from './documents';

/** Review Plan's event. */
export interface ReviewPlanEvent {
  readonly run: RemediationRun;
  readonly accounts: readonly string[];
}

/** What happens next: stop (plan only, nothing to do, over the cap), ask a person, or apply. */
export type NextStep = 'summarize' | 'approve' | 'apply';

/** Review Plan's output: the state the rest of the workflow runs on. */
export interface ReviewPlanResult {
  readonly run: RemediationRun;
  readonly next: NextStep;
  /** The accounts with at least one PLANNED action. */
  readonly accountsToApply: string[];
  readonly totals: { readonly planned: number; readonly accounts: number; readonly accountErrors: number };
  /** Why the plan is not applied, when it is not. */
  readonly stop?: 'PLAN_ONLY' | 'NOTHING_TO_DO' | 'OVER_CAP';
}

/** The plan as a whole: remediation/plan.json. */
export interface PlanSummary {
  readonly remediationRunId: string;
  readonly auditRunId: string;
  readonly decisions: Partial<Record<PlanDecision, number>>;
  readonly planned: number;
  readonly maxActionsPerRun: number;
  readonly overCap: boolean;
  readonly accounts: { accountId: string; planned: number; error?: string }[];
  readonly message: string;
}

/**
 * Joins the accounts' plans, enforces the cap (a plan over remediation.maxActionsPerRun is not applied at all) and
 * decides what comes next. Writes remediation/plan.json.
 */
export async function reviewPlan(event: ReviewPlanEvent, store: ReportStore): Promise<ReviewPlanResult> {
  const { run, accounts } = event;
  const plans = await mapLimit([...accounts], 16, async (accountId) => ({
    accountId,
    plan: await store.getJson<AccountPlan>(run, PATHS.plan(accountId)),
  }));
  const decisions: Partial<Record<PlanDecision, number>> = {};
  const perAccount: PlanSummary['accounts'] = [];
  let accountErrors = 0;
  for (const { accountId, plan } of plans) {
    const error = plan ? plan.error : 'no plan recorded';
    if (error) accountErrors++;
    let planned = 0;
    for (const item of plan?.items ?? []) {
      decisions[item.decision] = (decisions[item.decision] ?? 0) + 1;
      if (item.decision === 'PLANNED' && !error) planned++;
    }
    perAccount.push({ accountId, planned, ...(error ? { error } : {}) });
  }
  const planned = perAccount.reduce((total, account) => total + account.planned, 0);
  const overCap = planned > run.maxActionsPerRun;
  const stop = run.mode === 'plan' ? 'PLAN_ONLY' : planned === 0 ? 'NOTHING_TO_DO' : overCap ? 'OVER_CAP' : undefined;
  const message = overCap
    ? `${planned} actions planned, more than remediation.maxActionsPerRun (${run.maxActionsPerRun}): nothing is ` +
      'applied; narrow the run with --accounts or --actions, or raise the cap deliberately'
    : `${planned} actions planned in ${perAccount.filter((account) => account.planned > 0).length} accounts` +
      // Muted findings are said apart: a person reading "0 planned" should know what was left alone on purpose.
      (decisions.MUTED ? `; ${decisions.MUTED} muted findings not planned (ctAudit.mutes)` : '');
  const summary: PlanSummary = {
    remediationRunId: run.id,
    auditRunId: run.auditRun.id,
    decisions,
    planned,
    maxActionsPerRun: run.maxActionsPerRun,
    overCap,
    accounts: perAccount,
    message,
  };
  await store.putJson(run, PATHS.planSummary, summary);
  return {
    run,
    next: stop ? 'summarize' : run.requireApproval ? 'approve' : 'apply',
    accountsToApply: perAccount.filter((account) => account.planned > 0).map((account) => account.accountId),
    totals: { planned, accounts: accounts.length, accountErrors },
    ...(stop ? { stop } : {}),
  };
}
