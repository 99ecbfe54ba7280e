import { REMEDIATION_IDS, type RemediationId } from '../lib/ids';
import { ACTION_INFO } from './catalog';

/**
 * The finding rules each action fixes, from the catalog, without the actions' code and their SDK clients: Publish
 * Report needs only this to decide whether a scheduled run's issues are worth a plan.
 */
export const FIXABLE_RULES: Readonly<Record<RemediationId, readonly string[]>> = Object.fromEntries(
  REMEDIATION_IDS.map((id) => [id, ACTION_INFO[id].fixes.rules]),
) as Record<RemediationId, readonly string[]>;

/** Whether some remediation action fixes findings of this rule. */
export function isFixableRule(rule: string): boolean {
  return Object.values(FIXABLE_RULES).some((rules) => rules.includes(rule));
}
