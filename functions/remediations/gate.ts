import { EXEMPT_TAG, type RemediationId } from '../lib/ids';
import type { Exemption } from '../lib/remediation-settings';
import type { Settings } from '../lib/settings';
import { cleanText } from '../lib/text';
import type { Finding } from '../lib/types';
import type { PlanDecision } from './documents';
import type { Inspection, Json, JsonObject, RemediationAction, Target } from './types';

/** A decision and the reason a person reads. */
export interface Gate {
  readonly decision: PlanDecision;
  readonly reason: string;
}

/** The finding as an action's target; `undefined` when it names no resource (nothing to act on). */
export function targetOf(accountId: string, finding: Finding): Target | undefined {
  if (!finding.resource) return undefined;
  return {
    accountId,
    rule: finding.rule,
    resource: finding.resource,
    evidence: finding.evidence ?? {},
    severity: finding.severity,
    ...(finding.fingerprint ? { fingerprint: finding.fingerprint } : {}),
  };
}

/** The settings exemption that covers the target today, if any (an expired one covers nothing). */
export function matchingExemption(target: Target, exemptions: readonly Exemption[], now: Date): Exemption | undefined {
  const today = now.toISOString().slice(0, 10);
  const names = new Set([target.resource.id, target.resource.arn, target.resource.part].filter(Boolean));
  return exemptions.find(
    (entry) => entry.account === target.accountId && names.has(entry.resource) && entry.expires >= today,
  );
}

/** What is decided before looking at the resource: switched on, selected, exempt by settings, an allowed port. */
export function gateBefore(
  action: RemediationAction,
  target: Target,
  settings: Settings,
  selected: readonly RemediationId[],
  now: Date,
): Gate | undefined {
  if (!settings.remediation.actions[action.id]) {
    return { decision: 'NOT_ENABLED', reason: `remediation.actions.${action.id} is not true` };
  }
  if (!selected.includes(action.id)) return { decision: 'NOT_SELECTED', reason: 'not among the actions of this run' };
  const exemption = matchingExemption(target, settings.remediation.exemptions, now);
  if (exemption) {
    return {
      decision: 'EXEMPT',
      reason: cleanText(`exempt until ${exemption.expires} (owner ${exemption.owner}): ${exemption.reason}`),
    };
  }
  if (target.evidence.allowedPort === true || target.severity === 'INFO') {
    return { decision: 'ALLOWED_PORT', reason: 'the port is in exposure.allowedPublicPorts: never revoked' };
  }
  return undefined;
}

/** What is decided from the resource as it is now. `remediatedBefore`: an earlier run fixed it (loop safety). */
export function gateAfter(inspection: Inspection, remediatedBefore: boolean): Gate {
  if (inspection.controlTower) {
    return { decision: 'CONTROL_TOWER', reason: `${inspection.controlTower}: never touched` };
  }
  const tag = inspection.tags[EXEMPT_TAG];
  if (tag !== undefined)
    return { decision: 'EXEMPT', reason: cleanText(`tag ${EXEMPT_TAG}: ${tag || '(no reason given)'}`) };
  if (inspection.compliant) return { decision: 'ALREADY_COMPLIANT', reason: 'compliant now: nothing to do' };
  if (inspection.allowed) return { decision: 'ALLOWED_PORT', reason: inspection.allowed };
  if (inspection.needsPerson) return { decision: 'NEEDS_PERSON', reason: `needs a person: ${inspection.needsPerson}` };
  if (remediatedBefore) {
    return {
      decision: 'REOPENED',
      reason:
        'REOPENED: needs a person. An earlier run remediated this and it is non-compliant again, so someone ' +
        'may have reopened it on purpose; it is not re-applied',
    };
  }
  return { decision: 'PLANNED', reason: 'non-compliant now' };
}

/**
 * Why apply must not act on a resource that changed since the plan, in the fields the action names
 * (`mustMatchPlan`); `undefined` when it is as the plan saw it. What a person approved was the change to the resource
 * as the plan showed it ("revoke sgr-1, tcp 22"): a rule edited in place keeps its ID, and revoking it now would
 * revoke something nobody approved. Fails closed: a plan item without the state it saw is refused too.
 */
export function changedSincePlan(
  action: Pick<RemediationAction, 'mustMatchPlan'>,
  seen: JsonObject | undefined,
  now: Inspection,
): string | undefined {
  const fields = action.mustMatchPlan ?? [];
  if (fields.length === 0) return undefined;
  if (!seen) return 'the plan did not record the state it saw, so no change to it was approved: nothing is applied';
  const show = (value: Json | undefined) => JSON.stringify(value ?? null);
  const changes = fields
    .filter((field) => show(seen[field]) !== show(now.state[field]))
    .map((field) => `${field} ${show(seen[field])} → ${show(now.state[field])}`);
  if (changes.length === 0) return undefined;
  return cleanText(
    `changed since the plan (${changes.join(', ')}): not what was approved, so nothing is applied; plan again`,
  );
}
