import { mapLimit } from '../lib/concurrency';
import type { ReportStore } from '../lib/report-store';
import { cleanText } from '../lib/text';
import { type AccountPlan, PATHS, type PlanDecision, planDigest, type RemediationRun } from './documents';

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
  /** The accounts with at least one PLANNED action, when the run goes on to apply them (none when it stops). */
  readonly accountsToApply: string[];
  /**
   * The digest of each of those accounts' plans as this review read them, in the same order: Apply Remediations
   * hands each to its iteration (`States.ArrayGetItem` by the item's index), which applies only that plan.
   */
  readonly planDigests: string[];
  /**
   * `accountErrors`: accounts whose plan could not be made (or was never written); `itemErrors`: findings whose
   * state could not be read (ERROR) in the other accounts. Nothing is applied to either, and the run does not end
   * as a success.
   */
  readonly totals: {
    readonly planned: number;
    readonly accounts: number;
    readonly accountErrors: number;
    readonly itemErrors: number;
  };
  /** Why the plan is not applied, when it is not. */
  readonly stop?: 'PLAN_ONLY' | 'NOTHING_TO_DO' | 'OVER_CAP';
}

/** One targeted account in remediation/plan.json. */
export interface PlannedAccount {
  readonly accountId: string;
  readonly planned: number;
  /** Its plan's items counted by decision. */
  readonly decisions: Partial<Record<PlanDecision, number>>;
  /** Why the account is in error: its plan could not be made, or some of its findings could not be planned. */
  readonly error?: string;
}

/** The plan as a whole: remediation/plan.json. Every targeted account is in `accounts`, once. */
export interface PlanSummary {
  readonly remediationRunId: string;
  readonly auditRunId: string;
  readonly decisions: Partial<Record<PlanDecision, number>>;
  readonly planned: number;
  readonly maxActionsPerRun: number;
  readonly overCap: boolean;
  readonly accountErrors: number;
  readonly itemErrors: number;
  readonly accounts: PlannedAccount[];
  readonly message: string;
}

/** One targeted account's plan, as the review counts it. */
function reviewAccount(
  accountId: string,
  plan: AccountPlan | undefined,
): PlannedAccount & { failed: boolean; digest?: string } {
  const decisions: Partial<Record<PlanDecision, number>> = {};
  for (const item of plan?.items ?? []) decisions[item.decision] = (decisions[item.decision] ?? 0) + 1;
  // A plan that could not be made applies nothing, whatever items it holds.
  const failed = !plan || plan.error !== undefined;
  const planned = failed ? 0 : (decisions.PLANNED ?? 0);
  // Read defensively: a plan file is data from S3, and a review that throws on one would summarize no account.
  const firstError = (plan?.items ?? []).find((item) => item.decision === 'ERROR');
  const error = !plan
    ? 'no plan recorded: Plan Account failed before writing one'
    : plan.error
      ? `the plan could not be made: ${plan.error}`
      : firstError
        ? cleanText(
            `${decisions.ERROR} findings could not be planned, e.g. ${firstError.resource?.id ?? firstError.action}: ${firstError.reason}`,
          )
        : undefined;
  return {
    accountId,
    planned,
    decisions,
    ...(error ? { error } : {}),
    failed,
    ...(plan ? { digest: planDigest(plan) } : {}),
  };
}

/**
 * Joins the accounts' plans, enforces the cap (a plan over remediation.maxActionsPerRun is not applied at all) and
 * decides what comes next. Writes remediation/plan.json, with every targeted account once, each in error or not.
 */
export async function reviewPlan(event: ReviewPlanEvent, store: ReportStore): Promise<ReviewPlanResult> {
  const { run } = event;
  // Each account once, even if the input named one twice: the summary counts accounts, not Map items.
  const accounts = [...new Set(event.accounts)];
  const plans = await mapLimit(accounts, 16, async (accountId) =>
    reviewAccount(accountId, await store.getJson<AccountPlan>(run, PATHS.plan(accountId))),
  );
  const decisions: Partial<Record<PlanDecision, number>> = {};
  for (const plan of plans) {
    for (const [decision, count] of Object.entries(plan.decisions) as [PlanDecision, number][]) {
      decisions[decision] = (decisions[decision] ?? 0) + count;
    }
  }
  const perAccount: PlannedAccount[] = plans.map(({ failed: _failed, digest: _digest, ...account }) => account);
  const toApply = plans.filter((plan) => plan.planned > 0);
  const accountErrors = plans.filter((plan) => plan.failed).length;
  const itemErrors = plans
    .filter((plan) => !plan.failed)
    .reduce((total, plan) => total + (plan.decisions.ERROR ?? 0), 0);
  const planned = perAccount.reduce((total, account) => total + account.planned, 0);
  const overCap = planned > run.maxActionsPerRun;
  const stop = run.mode === 'plan' ? 'PLAN_ONLY' : planned === 0 ? 'NOTHING_TO_DO' : overCap ? 'OVER_CAP' : undefined;
  const errors = [
    ...(accountErrors > 0 ? [`${accountErrors} of ${accounts.length} accounts could not be planned`] : []),
    ...(itemErrors > 0 ? [`${itemErrors} findings could not be planned (ERROR)`] : []),
  ];
  const message =
    (overCap
      ? `${planned} actions planned, more than remediation.maxActionsPerRun (${run.maxActionsPerRun}): nothing is ` +
        'applied; narrow the run with --accounts or --actions, or raise the cap deliberately'
      : `${planned} actions planned in ${perAccount.filter((account) => account.planned > 0).length} accounts` +
        // Muted findings are said apart: a person reading "0 planned" should know what was left alone on purpose.
        (decisions.MUTED ? `; ${decisions.MUTED} muted findings not planned (ctAudit.mutes)` : '')) +
    (errors.length > 0 ? `; ${errors.join(', ')}: nothing is applied to them` : '');
  const summary: PlanSummary = {
    remediationRunId: run.id,
    auditRunId: run.auditRun.id,
    decisions,
    planned,
    maxActionsPerRun: run.maxActionsPerRun,
    overCap,
    accountErrors,
    itemErrors,
    accounts: perAccount,
    message,
  };
  await store.putJson(run, PATHS.planSummary, summary);
  return {
    run,
    next: stop ? 'summarize' : run.requireApproval ? 'approve' : 'apply',
    // Only for a run that goes on to apply, which the cap bounds (at most 1,000 accounts, about 82 KB with their
    // digests): a plan of a whole organization that stops here would put every account with a planned action into
    // the state's 256 KiB (States.DataLimitExceeded from about 3,200 accounts). Summarize reads plan.json.
    accountsToApply: stop ? [] : toApply.map((account) => account.accountId),
    planDigests: stop ? [] : toApply.map((account) => account.digest ?? ''),
    totals: { planned, accounts: accounts.length, accountErrors, itemErrors },
    ...(stop ? { stop } : {}),
  };
}
