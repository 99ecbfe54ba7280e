/**
 * The vocabulary of the settings: every check, CloudTrail rule and remediation action by ID. It lives in the bottom
 * layer, without zod, so that the settings schema can validate names without importing the checks, and a function
 * that needs only the names does not build the schema; `checks/registry.ts`, `cloudtrail/rules/registry.ts` and
 * `remediations/registry.ts` implement each one (tests hold them together).
 */

/** A type guard for membership of one of the lists below. */
function memberOf<T extends string>(ids: readonly T[]): (value: string) => value is T {
  return (value): value is T => (ids as readonly string[]).includes(value);
}

/** Every check the product knows. */
export const CHECK_IDS = [
  'identity',
  'cloudtrail-delivery',
  'cloudtrail-events',
  'network-exposure',
  's3-public-access',
  'kms-key-deletion',
  'security-services',
] as const;

/** The ID of a known check. */
export type CheckId = (typeof CHECK_IDS)[number];

/** Whether a string names a known check. */
export const isCheckId = memberOf(CHECK_IDS);

/** Every CloudTrail rule, by ID. `ctAudit.cloudtrail.rules` switches them by these names. */
export const RULE_IDS = [
  'root-activity',
  'console-login-without-mfa',
  'console-login-failures',
  'cloudtrail-tampering',
  'security-tooling-disabled',
  'iam-user-or-key-created',
  'security-group-open-to-world',
  's3-bucket-made-public',
  'kms-key-disabled',
  'access-denied-burst',
] as const;

/** The ID of a CloudTrail rule. */
export type RuleId = (typeof RULE_IDS)[number];

/**
 * The findings of the checks other than CloudTrail's rules, as `<check>/<kind>`: what a mute's `rule` may name besides a
 * CloudTrail rule, LogFileUnreadable and a check's gap (`<check>/incomplete`). The checks and the remediation
 * catalog name theirs from this list (`test/unit/lib/outputs-settings.test.ts` keeps them in step).
 */
export const CHECK_FINDING_RULES = [
  'identity/unexpected-caller',
  'cloudtrail-delivery/stale',
  'network-exposure/world-ingress',
  's3-public-access/bucket-public',
  's3-public-access/account-block-off',
  'kms-key-deletion/pending-deletion',
  'kms-key-deletion/disabled',
  'security-services/guardduty-off',
  'security-services/config-recorder-stopped',
  'security-services/securityhub-off',
] as const;

/** Whether a string names a finding of a check (see {@link CHECK_FINDING_RULES}). */
export const isCheckFindingRule = memberOf(CHECK_FINDING_RULES);

/** The finding for a log file that could not be read to its end. Not a rule: it cannot be switched off. */
export const LOG_FILE_UNREADABLE = 'LogFileUnreadable';

/** Whether a string names a CloudTrail rule. */
export const isRuleId = memberOf(RULE_IDS);

/** Every remediation action, by ID. `ctAudit.remediation.actions.<id>: true` switches one on; all are off by default. */
export const REMEDIATION_IDS = [
  'revoke-world-ingress',
  'block-bucket-public-access',
  'cancel-key-deletion',
  'start-config-recorder',
  'enable-guardduty',
] as const;

/** The ID of a remediation action. */
export type RemediationId = (typeof REMEDIATION_IDS)[number];

/** Whether a string names a remediation action. */
export const isRemediationId = memberOf(REMEDIATION_IDS);

/** The tag that exempts a resource from remediation; its value is the reason. */
export const EXEMPT_TAG = 'ct-audit:exempt';
