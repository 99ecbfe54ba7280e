/**
 * The names of remediation that the functions use at run time, apart from the settings' schema
 * (remediation-settings.ts): a function that only needs them should not build the schema with zod at cold start.
 */

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
export function isRemediationId(value: string): value is RemediationId {
  return (REMEDIATION_IDS as readonly string[]).includes(value);
}

/** The tag that exempts a resource from remediation; its value is the reason. */
export const EXEMPT_TAG = 'ct-audit:exempt';
