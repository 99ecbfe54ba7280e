import { accountSession } from '../lib/account-session';
import { type SessionCache, sessionName } from '../lib/assume-role';
import { errorMessage, isThrottle } from '../lib/errors';
import type { ReportStore } from '../lib/report-store';
import type { Settings } from '../lib/settings';
import { cleanText } from '../lib/text';
import {
  type AccountPlan,
  type AccountRemediationRecord,
  type Approval,
  PATHS,
  type PlanItem,
  REMEDIATION_SCHEMA_VERSION,
  type RecordItem,
  type RemediationRun,
  remediatedKey,
} from './documents';
import { gateAfter, gateBefore } from './gate';
import { parseAccountEvent, readRemediated } from './plan';
import { REMEDIATIONS } from './registry';
import type { ActionContext, AppliedCall, Target } from './types';

/** One Map item of Apply Remediations. */
export interface ApplyAccountEvent {
  readonly accountId: string;
  readonly run: RemediationRun;
  readonly approval: Approval;
}

/** What the iteration returns. */
export interface ApplyAccountResult {
  readonly accountId: string;
  readonly remediated: number;
  readonly failed: number;
}

/** What applying works with: the administrator execution role's sessions (with the session policy). */
export interface ApplyDeps {
  readonly settings: Settings;
  readonly sessions: SessionCache;
  readonly store: ReportStore;
  readonly partition: string;
  readonly now?: () => Date;
}

/** The plan item as an action's target. */
export function itemTarget(
  accountId: string,
  item: Pick<PlanItem, 'rule' | 'resource' | 'evidence' | 'severity' | 'fingerprint'>,
): Target {
  return {
    accountId,
    rule: item.rule,
    resource: item.resource,
    evidence: item.evidence,
    severity: item.severity as Target['severity'],
    ...(item.fingerprint ? { fingerprint: item.fingerprint } : {}),
  };
}

/**
 * Applies one account's plan: for each PLANNED item, re-checks the resource (still enabled, not exempt, not
 * Control Tower's, still non-compliant, not reopened), records the state before, applies, and verifies by reading
 * the state again. REMEDIATED only when verify sees compliance. Writes remediation/accounts/<accountId>.json and
 * remembers what was remediated, so that a later run never re-applies what a person reopened.
 */
export async function applyAccount(event: ApplyAccountEvent, deps: ApplyDeps): Promise<ApplyAccountResult> {
  const { accountId, run, approval } = parseAccountEvent(event, 'Apply Account');
  const now = deps.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const items: RecordItem[] = [];
  const write = async (error?: string): Promise<ApplyAccountResult> => {
    const record: AccountRemediationRecord = {
      schemaVersion: REMEDIATION_SCHEMA_VERSION,
      remediationRunId: run.id,
      auditRunId: run.auditRun.id,
      accountId,
      startedAt,
      finishedAt: now().toISOString(),
      items,
      ...(error ? { error: cleanText(error) } : {}),
    };
    await deps.store.putJson(run, PATHS.record(accountId), record);
    return {
      accountId,
      remediated: items.filter((item) => item.outcome === 'REMEDIATED').length,
      failed: items.filter((item) => item.outcome === 'FAILED').length + (error ? 1 : 0),
    };
  };

  if (run.mode !== 'apply' || approval?.approved !== true) {
    return write('not applied: the run is not an approved apply');
  }
  const plan = await deps.store.getJson<AccountPlan>(run, PATHS.plan(accountId));
  if (!plan || plan.error)
    return write(`not applied: no usable plan for this account${plan?.error ? ` (${plan.error})` : ''}`);
  const remediated = await readRemediated(deps.store, accountId);

  const session = accountSession(
    deps.sessions,
    accountId,
    deps.settings.roles.adminExecutionRoleName,
    sessionName(run.id, 'ct-audit-remediate'),
    deps.partition,
  );
  try {
    await session.ensure();
  } catch (error) {
    if (isThrottle(error)) throw error;
    return write(`not applied: ${errorMessage(error)}`);
  }
  const context: ActionContext = { session, settings: deps.settings, now };
  const approvedBy = approval.approvedBy ? { approvedBy: cleanText(approval.approvedBy, 256) } : {};
  const approvedAt = approval.approvedAt ? { approvedAt: approval.approvedAt } : {};
  const newlyRemediated: Record<string, { runId: string; at: string }> = {};

  for (const item of plan.items.filter((entry) => entry.decision === 'PLANNED')) {
    const action = REMEDIATIONS[item.action];
    const target = itemTarget(accountId, item);
    const base = {
      action: item.action,
      rule: item.rule,
      ...(item.fingerprint ? { fingerprint: item.fingerprint } : {}),
      resource: item.resource,
      evidence: item.evidence,
      severity: item.severity,
      key: item.key,
      ...approvedBy,
      ...approvedAt,
    };
    const stamp = () => now().toISOString();
    const before = gateBefore(action, target, deps.settings, run.actions, now());
    if (before) {
      items.push({ ...base, outcome: 'NOT_APPLIED', reason: before.reason, calls: [], appliedAt: stamp() });
      continue;
    }
    let stateBefore: Awaited<ReturnType<typeof action.inspect>>;
    try {
      stateBefore = await action.inspect(target, context);
    } catch (error) {
      if (isThrottle(error)) throw error;
      items.push({
        ...base,
        outcome: 'FAILED',
        reason: cleanText(`cannot re-check the resource, so nothing was applied: ${errorMessage(error)}`),
        calls: [],
        appliedAt: stamp(),
      });
      continue;
    }
    const gate = gateAfter(
      stateBefore,
      remediated === undefined || remediatedKey(action.id, item.key) in remediated.items,
    );
    if (gate.decision !== 'PLANNED') {
      items.push({
        ...base,
        outcome: gate.decision === 'ALREADY_COMPLIANT' ? 'ALREADY_COMPLIANT' : 'NOT_APPLIED',
        reason: gate.reason,
        stateBefore: stateBefore.state,
        calls: [],
        appliedAt: stamp(),
      });
      continue;
    }
    let calls: AppliedCall[] = [];
    // What the action has changed so far, as it tells it: a failure part-way keeps what was already done.
    const made: AppliedCall[] = [];
    const callMade = async (call: AppliedCall) => void made.push(call);
    try {
      calls = await action.apply(target, stateBefore, { ...context, callMade });
    } catch (error) {
      items.push({
        ...base,
        outcome: 'FAILED',
        reason: cleanText(
          made.length > 0
            ? `a call failed part-way, after the calls recorded here, which undo reverses: ${errorMessage(error)}`
            : `the call failed: ${errorMessage(error)}`,
        ),
        stateBefore: stateBefore.state,
        calls: made,
        appliedAt: stamp(),
      });
      continue;
    }
    const appliedAt = stamp();
    try {
      const after = await action.inspect(target, context);
      const verification = { compliant: after.compliant, at: stamp() };
      items.push({
        ...base,
        outcome: after.compliant ? 'REMEDIATED' : 'FAILED',
        reason: after.compliant ? 'verified compliant' : 'verification failed: the resource is still non-compliant',
        stateBefore: stateBefore.state,
        calls,
        stateAfter: after.state,
        verification,
        appliedAt,
      });
      if (after.compliant) newlyRemediated[remediatedKey(action.id, item.key)] = { runId: run.id, at: appliedAt };
    } catch (error) {
      items.push({
        ...base,
        outcome: 'FAILED',
        reason: cleanText(`applied, but the state after cannot be read to verify it: ${errorMessage(error)}`),
        stateBefore: stateBefore.state,
        calls,
        appliedAt,
      });
    }
  }

  if (Object.keys(newlyRemediated).length > 0) {
    const current = (await readRemediated(deps.store, accountId)) ?? { items: {} };
    await deps.store.putState(PATHS.remediated(accountId), { items: { ...current.items, ...newlyRemediated } });
  }
  return write();
}
