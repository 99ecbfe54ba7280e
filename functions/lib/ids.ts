/**
 * The vocabulary of the settings: every check and every CloudTrail rule by ID. It lives in the bottom layer so that
 * the settings schema can validate names without importing the checks; `checks/registry.ts` and
 * `cloudtrail/rules/registry.ts` implement each one (tests hold them together).
 */

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
export function isCheckId(value: string): value is CheckId {
  return (CHECK_IDS as readonly string[]).includes(value);
}

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

/** The finding for a log file that could not be read to its end. Not a rule: it cannot be switched off. */
export const LOG_FILE_UNREADABLE = 'LogFileUnreadable';

/** Whether a string names a CloudTrail rule. */
export function isRuleId(value: string): value is RuleId {
  return (RULE_IDS as readonly string[]).includes(value);
}
