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
  changedSomething,
  PATHS,
  type PlanItem,
  planDigest,
  REMEDIATION_SCHEMA_VERSION,
  type RecordItem,
  type RemediatedState,
  type RemediationRun,
  remediatedKey,
} from './documents';
import { changedSincePlan, gateAfter, gateBefore } from './gate';
import { parseAccountEvent, readRemediated } from './plan';
import { REMEDIATIONS } from './registry';
import type { ActionContext, AppliedCall, Target } from './types';

/** One Map item of Apply Remediations. */
export interface ApplyAccountEvent {
  readonly accountId: string;
  readonly run: RemediationRun;
  readonly approval: Approval;
  /** The digest of the account's plan as Review Plan read it ({@link planDigest}): the plan that was approved. */
  readonly planSha256?: string;
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

/** The record's error while the apply of the account has not ended; the last write replaces it. */
export const UNFINISHED =
  'the apply did not end: the items recorded are what it did before it stopped; the other planned items were not applied';

/** The reason of an item whose calls started and whose end was not recorded (the function stopped). */
export const UNFINISHED_ITEM =
  'the apply of this item did not end: the function stopped during or after its calls, before it verified them. ' +
  'The calls recorded were made (undo reverses them); one in flight may have been made too: compare the state ' +
  'before with the resource now';

/** Why the plan read is not the one approved for this account and run, or undefined when it is. */
function planMismatch(
  plan: AccountPlan,
  event: ApplyAccountEvent,
  accountId: string,
  runId: string,
): string | undefined {
  if (plan.accountId !== accountId || plan.remediationRunId !== runId) {
    return 'the plan file names another account or run than the one approved';
  }
  if (!event.planSha256) return 'Review Plan handed over no digest of the plan, so the plan approved is unknown';
  if (planDigest(plan) !== event.planSha256) {
    return 'the plan file changed after Review Plan read it (its SHA-256 differs from the one approved)';
  }
  return undefined;
}

/**
 * Applies one account's plan: for each PLANNED item, re-checks the resource (still enabled, not exempt, not
 * Control Tower's, still non-compliant, not reopened), records the state before, applies, and verifies by reading
 * the state again. REMEDIATED only when verify sees compliance. Writes remediation/accounts/<accountId>.json and
 * remembers what was remediated, so that a later run never re-applies what a person reopened.
 *
 * The record is written as the apply goes, not only at its end: before an item's first call, after each call that
 * changed something, and after its verification (with what was remediated remembered at once), so that whatever
 * stops the function later (a throttle re-thrown for the workflow to retry, the Lambda's timeout) cannot lose a
 * change already made. A retry of the same iteration keeps what an earlier attempt recorded as changed and never
 * applies it again: its re-check would see the resource compliant and record nothing to undo.
 */
export async function applyAccount(event: ApplyAccountEvent, deps: ApplyDeps): Promise<ApplyAccountResult> {
  const { accountId, run, approval } = parseAccountEvent(event, 'Apply Account');
  const now = deps.now ?? (() => new Date());
  // Read before anything is written: an earlier attempt's changes must survive this attempt's first write.
  const earlier = await deps.store.getJson<AccountRemediationRecord>(run, PATHS.record(accountId));
  const startedAt = earlier?.startedAt ?? now().toISOString();
  const kept = new Map<string, RecordItem>();
  for (const item of earlier?.items ?? []) {
    if (changedSomething(item) || item.unfinished) kept.set(remediatedKey(item.action, item.key), item);
  }
  const items: RecordItem[] = [];
  /**
   * The item whose calls have started and whose end is not yet in `items`: on every write until then, so that no
   * write (the outer catch's included) can leave out a change made, whatever failed in between.
   */
  let inFlight: (() => RecordItem) | undefined;
  const save = async (error?: string): Promise<ApplyAccountResult> => {
    // Kept items this attempt has not reached yet stay on the record too.
    const all = [...items, ...(inFlight ? [inFlight()] : []), ...kept.values()];
    const record: AccountRemediationRecord = {
      schemaVersion: REMEDIATION_SCHEMA_VERSION,
      remediationRunId: run.id,
      auditRunId: run.auditRun.id,
      accountId,
      startedAt,
      finishedAt: now().toISOString(),
      items: all,
      ...(error ? { error: cleanText(error) } : {}),
    };
    await deps.store.putJson(run, PATHS.record(accountId), record);
    return {
      accountId,
      remediated: all.filter((item) => item.outcome === 'REMEDIATED').length,
      failed: all.filter((item) => item.outcome === 'FAILED').length + (error ? 1 : 0),
    };
  };
  const remember = async (key: string, at: string): Promise<void> => {
    // Read as is, errors thrown: a document that cannot be read must not be replaced by this one entry, which would
    // drop what earlier runs remediated and with it their loop safety.
    const current = (await deps.store.getState<RemediatedState>(PATHS.remediated(accountId))) ?? { items: {} };
    if (key in current.items) return;
    await deps.store.putState(PATHS.remediated(accountId), {
      items: { ...current.items, [key]: { runId: run.id, at } },
    });
  };

  if (run.mode !== 'apply' || approval?.approved !== true) {
    return save('not applied: the run is not an approved apply');
  }
  const plan = await deps.store.getJson<AccountPlan>(run, PATHS.plan(accountId));
  if (!plan || plan.error)
    return save(`not applied: no usable plan for this account${plan?.error ? ` (${plan.error})` : ''}`);
  // Only the plan that was reviewed, capped and approved: the file is in the run folder, which more than this
  // workflow can write (README, "Security"), and Review Plan's digest comes through the execution's state.
  const changed = planMismatch(plan, event, accountId, run.id);
  if (changed) return save(`not applied: ${changed}; nothing was changed: plan the run again`);
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
    return save(`not applied: ${errorMessage(error)}`);
  }
  const context: ActionContext = { session, settings: deps.settings, now };
  const approvedBy = approval.approvedBy ? { approvedBy: cleanText(approval.approvedBy, 256) } : {};
  const approvedAt = approval.approvedAt ? { approvedAt: approval.approvedAt } : {};

  try {
    for (const item of plan.items.filter((entry) => entry.decision === 'PLANNED')) {
      const action = REMEDIATIONS[item.action];
      const key = remediatedKey(action.id, item.key);
      const earlierItem = kept.get(key);
      if (earlierItem) {
        // Changed by an earlier attempt: kept as it recorded it, and never applied twice.
        kept.delete(key);
        items.push(earlierItem);
        if (earlierItem.outcome === 'REMEDIATED') await remember(key, earlierItem.appliedAt);
        continue;
      }
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
      const gate = gateAfter(stateBefore, remediated === undefined || key in remediated.items);
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
      const changed = changedSincePlan(action, item.stateSeen, stateBefore);
      if (changed) {
        items.push({
          ...base,
          outcome: 'NOT_APPLIED',
          reason: changed,
          stateBefore: stateBefore.state,
          calls: [],
          appliedAt: stamp(),
        });
        continue;
      }
      const appliedAt = stamp();
      // What the action has changed so far, as it tells it: a failure part-way keeps what was already done.
      const made: AppliedCall[] = [];
      inFlight = (): RecordItem => ({
        ...base,
        outcome: 'FAILED',
        reason: UNFINISHED_ITEM,
        stateBefore: stateBefore.state,
        calls: [...made],
        appliedAt,
        unfinished: true,
      });
      // On the record before the first call, and again after each call that changed something: if the function
      // stops now, the record says what was (or may have been) changed, and a retry does not apply it again.
      const saveInFlight = async () => {
        try {
          await save(UNFINISHED);
        } catch (error) {
          // Before any call, nothing has changed: the item is not in flight, and a retry applies it as planned.
          if (made.length === 0) inFlight = undefined;
          throw error;
        }
      };
      /** The item's end replaces its in-flight entry, in one step. */
      const finish = (entry: RecordItem) => {
        items.push(entry);
        inFlight = undefined;
      };
      await saveInFlight();
      const callMade = async (call: AppliedCall) => {
        made.push(call);
        await saveInFlight();
      };
      let calls: AppliedCall[];
      try {
        calls = await action.apply(target, stateBefore, { ...context, callMade });
      } catch (error) {
        finish({
          ...base,
          outcome: 'FAILED',
          reason: cleanText(
            made.length > 0
              ? `a call failed part-way, after the calls recorded here, which undo reverses: ${errorMessage(error)}`
              : `the call failed: ${errorMessage(error)}`,
          ),
          stateBefore: stateBefore.state,
          calls: made,
          appliedAt,
        });
        await save(UNFINISHED);
        continue;
      }
      made.splice(0, made.length, ...calls);
      await saveInFlight();
      let after: Awaited<ReturnType<typeof action.inspect>>;
      try {
        after = await action.inspect(target, context);
      } catch (error) {
        finish({
          ...base,
          outcome: 'FAILED',
          reason: cleanText(`applied, but the state after cannot be read to verify it: ${errorMessage(error)}`),
          stateBefore: stateBefore.state,
          calls,
          appliedAt,
        });
        await save(UNFINISHED);
        continue;
      }
      finish({
        ...base,
        outcome: after.compliant ? 'REMEDIATED' : 'FAILED',
        reason: after.compliant ? 'verified compliant' : 'verification failed: the resource is still non-compliant',
        stateBefore: stateBefore.state,
        calls,
        stateAfter: after.state,
        verification: { compliant: after.compliant, at: stamp() },
        appliedAt,
      });
      await save(UNFINISHED);
      if (after.compliant) await remember(key, appliedAt);
    }
  } catch (error) {
    // Thrown for the workflow to retry (a throttle) or unexpected: the record says where it stopped and keeps every
    // change made; the retry reads it back. A record that cannot be written now was written after the last change.
    await save(`${UNFINISHED} (${errorMessage(error)})`).catch(() => undefined);
    throw error;
  }
  return save();
}
