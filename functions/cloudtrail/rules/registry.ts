import type { CloudTrailSettings } from '../settings';
import { accessDeniedBurst } from './access-denied-burst';
import { cloudTrailTampering } from './cloudtrail-tampering';
import { consoleLoginFailures } from './console-login-failures';
import { consoleLoginWithoutMfa } from './console-login-without-mfa';
import { iamUserOrKeyCreated } from './iam-user-or-key-created';
import { kmsKeyDisabled } from './kms-key-disabled';
import { rootActivity } from './root-activity';
import { s3BucketMadePublic } from './s3-bucket-made-public';
import { securityGroupOpenToWorld } from './security-group-open-to-world';
import { securityToolingDisabled } from './security-tooling-disabled';
import type { Rule } from './types';

/** Every CloudTrail rule, in the order of `RULE_IDS`. A new rule is one file and one line here. */
export const RULES: readonly Rule[] = [
  rootActivity,
  consoleLoginWithoutMfa,
  consoleLoginFailures,
  cloudTrailTampering,
  securityToolingDisabled,
  iamUserOrKeyCreated,
  securityGroupOpenToWorld,
  s3BucketMadePublic,
  kmsKeyDisabled,
  accessDeniedBurst,
];

/** The rules switched on: all of them, except those set to `false` in `cloudtrail.rules`. */
export function enabledRules(settings: Pick<CloudTrailSettings, 'rules'>): Rule[] {
  return RULES.filter((rule) => settings.rules[rule.id] !== false);
}
