import type { RemediationId } from '../lib/remediation-settings';

/**
 * The finding rules each action fixes, without the actions' code and their SDK clients: Publish Report needs only
 * this to decide whether a scheduled run's issues are worth a plan. A unit test keeps it equal to the registry's
 * `fixes.rules`.
 */
export const FIXABLE_RULES: Readonly<Record<RemediationId, readonly string[]>> = {
  'revoke-world-ingress': ['network-exposure/world-ingress'],
  'block-bucket-public-access': ['s3-public-access/bucket-public'],
  'cancel-key-deletion': ['kms-key-deletion/pending-deletion'],
  'start-config-recorder': ['security-services/config-recorder-stopped'],
  'enable-guardduty': ['security-services/guardduty-off'],
};

/** Whether some remediation action fixes findings of this rule. */
export function isFixableRule(rule: string): boolean {
  return Object.values(FIXABLE_RULES).some((rules) => rules.includes(rule));
}
