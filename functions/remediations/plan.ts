import type { STSClient } from '@aws-sdk/client-sts';
import { accountSession } from '../lib/account-session';
import { SessionCache, sessionName } from '../lib/assume-role';
import { CodeUnavailableError, errorMessage, InvalidInputError } from '../lib/errors';
import { isRemediationId } from '../lib/ids';
import { activeMute } from '../lib/mutes';
import type { ReportStore } from '../lib/report-store';
import { readableAccountRecord } from '../lib/schema-version';
import type { Settings } from '../lib/settings';
import { cleanText } from '../lib/text';
import type { AccountRecord } from '../lib/types';
import { accountIdSchema, formatIssues } from '../lib/validation';
import * as z from '../lib/zod';
import {
  type AccountPlan,
  PATHS,
  type PlanItem,
  type PlanNote,
  REMEDIATION_SCHEMA_VERSION,
  type RemediatedState,
  type RemediationRun,
  remediatedKey,
} from './documents';
import { gateAfter, gateBefore, targetOf } from './gate';
import { actionForRule, NOT_FIXED } from './registry';
import { PLAN_SESSION_POLICY } from './session-policy';

/** One Map item of Plan Remediations. */
export interface PlanAccountEvent {
  readonly accountId: string;
  readonly run: RemediationRun;
}

/** What the iteration returns: counts only. */
export interface PlanAccountResult {
  readonly accountId: string;
  readonly planned: number;
  readonly error: boolean;
}

/** What planning works with: the read-only execution role's sessions. */
export interface PlanDeps {
  readonly settings: Settings;
  readonly sessions: SessionCache;
  readonly store: ReportStore;
  readonly partition: string;
  readonly now?: () => Date;
}

/**
 * The sessions Plan Account inspects with: the read-only execution role, narrowed to the reads the actions'
 * `inspect` makes (not the audit's session policy, which lacks some of them). The Lambda handler and the local
 * engine both make theirs here.
 */
export function planSessions(sts: STSClient): SessionCache {
  return new SessionCache(sts, undefined, PLAN_SESSION_POLICY);
}

const nonEmpty = z.string().check(z.minLength(1));

export const remediationRunSchema = z.object({
  id: nonEmpty,
  startedAt: nonEmpty,
  mode: z.enum(['plan', 'apply']),
  auditRun: z.object({ id: nonEmpty, startedAt: nonEmpty, location: z.string() }),
  actions: z.array(z.string().check(z.refine(isRemediationId))),
});

const eventSchema = z.object({ accountId: accountIdSchema, run: remediationRunSchema });

/** Validates a Map item's event; a wrong one is InvalidInput. */
export function parseAccountEvent<E>(event: E, step: string): E {
  const parsed = eventSchema.safeParse(event, { reportInput: true });
  if (!parsed.success) throw new InvalidInputError(`invalid ${step} input: ${formatIssues(parsed.error.issues)}`);
  return event;
}

/**
 * Plans one account: reads its audit record, and for each finding an action fixes, re-reads the resource's current
 * state with the read-only role and decides. Changes nothing. Writes remediation/plan/<accountId>.json.
 */
export async function planAccount(event: PlanAccountEvent, deps: PlanDeps): Promise<PlanAccountResult> {
  const { accountId, run } = parseAccountEvent(event, 'Plan Account');
  const now = deps.now ?? (() => new Date());
  const write = async (items: PlanItem[], notes: PlanNote[], error?: string): Promise<PlanAccountResult> => {
    const plan: AccountPlan = {
      schemaVersion: REMEDIATION_SCHEMA_VERSION,
      remediationRunId: run.id,
      auditRunId: run.auditRun.id,
      accountId,
      plannedAt: now().toISOString(),
      items,
      notes,
      ...(error ? { error: cleanText(error) } : {}),
    };
    await deps.store.putJson(run, PATHS.plan(accountId), plan);
    const planned = error ? 0 : items.filter((item) => item.decision === 'PLANNED').length;
    return { accountId, planned, error: error !== undefined };
  };

  const stored = await deps.store.getJson<AccountRecord>(run.auditRun, `accounts/${accountId}.json`);
  if (!stored) return write([], [], `the audit run ${run.auditRun.id} has no record for this account`);
  // Read as Summarize reads it: a record of an unknown version or shape is not planned from (its findings' fields
  // become the plan's targets and the calls' parameters), nor is one that names another account or run.
  const record = readableAccountRecord(stored, `the audit run ${run.auditRun.id}'s record of this account`);
  if (record !== stored) return write([], [], record?.error?.message ?? 'the audit record cannot be read');
  if (record.accountId !== accountId || record.runId !== run.auditRun.id) {
    return write([], [], `the audit run ${run.auditRun.id}'s record of this account names another account or run`);
  }
  const findings = Object.entries(record.checks).flatMap(([check, result]) =>
    (result.findings ?? []).map((finding) => ({ check, finding })),
  );

  const notes: PlanNote[] = [];
  const candidates = [];
  const seen = new Set<string>();
  for (const { check, finding } of findings) {
    const note = NOT_FIXED[finding.rule];
    if (note) {
      notes.push({
        rule: finding.rule,
        title: cleanText(finding.title, 200),
        ...(finding.resource ? { resource: finding.resource } : {}),
        note,
      });
      continue;
    }
    const action = actionForRule(finding.rule);
    const target = targetOf(accountId, finding);
    if (!action || !target) continue;
    const key = action.key(target);
    if (seen.has(remediatedKey(action.id, key))) continue;
    seen.add(remediatedKey(action.id, key));
    // The settings' mutes as they are now, not as the audit run saw them: a mute added since keeps the finding out,
    // and one that has expired since no longer does.
    const mute = activeMute(
      deps.settings.mutes,
      { accountId, check, rule: finding.rule, resource: finding.resource },
      now(),
    );
    candidates.push({ action, target, key, mute });
  }

  const remediated = await readRemediated(deps.store, accountId);
  const session = accountSession(
    deps.sessions,
    accountId,
    deps.settings.roles.readOnlyExecutionRoleName,
    sessionName(run.id, 'ct-audit-plan'),
    deps.partition,
  );
  const context = { session, settings: deps.settings, now };
  const items: PlanItem[] = [];
  for (const { action, target, key, mute } of candidates) {
    const base = {
      action: action.id,
      rule: target.rule,
      ...(target.fingerprint ? { fingerprint: target.fingerprint } : {}),
      resource: target.resource,
      evidence: target.evidence,
      severity: target.severity,
      key,
      change: action.describe(target, deps.settings),
      risk: action.risk,
    };
    if (mute) {
      // An accepted finding is not acted on, whatever else holds: it is not even inspected.
      items.push({
        ...base,
        decision: 'MUTED',
        reason: cleanText(`muted until ${mute.expires} (owner ${mute.owner}): ${mute.reason}`),
      });
      continue;
    }
    const before = gateBefore(action, target, deps.settings, run.actions, now());
    if (before) {
      items.push({ ...base, ...before });
      continue;
    }
    try {
      const inspection = await action.inspect(target, context);
      const gate = gateAfter(inspection, remediated === undefined || remediatedKey(action.id, key) in remediated.items);
      items.push({ ...base, ...gate, stateSeen: inspection.state });
    } catch (error) {
      // Fail closed: a state or an exemption tag that cannot be read is never a reason to act, nor is an action
      // whose code cannot be loaded (its message says so and what to do; the state was never asked for).
      const why =
        error instanceof CodeUnavailableError
          ? error.message
          : `cannot read the current state or its exemption tag: ${errorMessage(error)}`;
      items.push({ ...base, decision: 'ERROR', reason: cleanText(`nothing is applied: ${why}`) });
    }
  }
  return write(items, notes);
}

/**
 * What earlier runs remediated in the account; `undefined` when the document cannot be read, which makes every
 * item look remediated before (fail closed: REOPENED, never re-applied blindly).
 */
export async function readRemediated(store: ReportStore, accountId: string): Promise<RemediatedState | undefined> {
  try {
    return (await store.getState<RemediatedState>(PATHS.remediated(accountId))) ?? { items: {} };
  } catch {
    return undefined;
  }
}
