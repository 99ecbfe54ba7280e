import type { RemediationId } from '../lib/remediation-settings';
import { blockBucketPublicAccess } from './block-bucket-public-access';
import { cancelKeyDeletion } from './cancel-key-deletion';
import { enableGuardDuty } from './enable-guardduty';
import { revokeWorldIngress } from './revoke-world-ingress';
import { startConfigRecorder } from './start-config-recorder';
import type { RemediationAction } from './types';

/** Every remediation action by ID: adding one is one file, one line here and one test file. */
export const REMEDIATIONS: Readonly<Record<RemediationId, RemediationAction>> = {
  'revoke-world-ingress': revokeWorldIngress,
  'block-bucket-public-access': blockBucketPublicAccess,
  'cancel-key-deletion': cancelKeyDeletion,
  'start-config-recorder': startConfigRecorder,
  'enable-guardduty': enableGuardDuty,
};

/** The action that fixes a finding rule, if any. */
export function actionForRule(rule: string): RemediationAction | undefined {
  return Object.values(REMEDIATIONS).find((action) => action.fixes.rules.includes(rule));
}

const ESCALATE =
  'escalate: Control Tower drift. The organization trail belongs to the management account and the guardrail ' +
  'denies the execution roles; repair the landing zone from the management account';
const NOTIFY = 'notify only: a person looks into it; nothing is changed automatically';

/**
 * Findings that are never fixed from here, with what the plan says instead. Matched on the rule ID (CloudTrail
 * rules) or on the current-state rule.
 */
export const NOT_FIXED: Readonly<Record<string, string>> = {
  'cloudtrail-tampering': ESCALATE,
  'root-activity': NOTIFY,
  'console-login-without-mfa': NOTIFY,
  'console-login-failures': NOTIFY,
  'access-denied-burst': NOTIFY,
  'iam-user-or-key-created': NOTIFY,
  'kms-key-deletion/disabled': `${NOTIFY} (a key may be disabled on purpose)`,
  's3-public-access/account-block-off': `${NOTIFY} (account-wide Block Public Access changes every bucket)`,
  'security-services/securityhub-off': `${NOTIFY} (Security Hub is managed by its delegated administrator)`,
};
