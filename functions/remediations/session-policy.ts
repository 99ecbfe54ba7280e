/**
 * The reads each action's `inspect` makes, and nothing else: the session policy of Plan Account, which inspects with
 * the read-only execution role. That role's `ReadOnlyAccess` allows far more; the audit's own session policy
 * (AUDIT_SESSION_POLICY) allows what the checks call, which is not what the actions read (a bucket's tags, a key's
 * aliases), so a plan under it would be ERROR AccessDenied item after item in real AWS. An action whose `inspect`
 * calls something new adds it here in the same change: a unit test records every call each action's `inspect` makes
 * and fails on one this list does not allow (the emulator ignores session policies, so nothing else would tell).
 */
export const PLAN_SESSION_ACTIONS = [
  // revoke-world-ingress
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSecurityGroupRules',
  // block-bucket-public-access (GetPublicAccessBlock on a bucket is the IAM action s3:GetBucketPublicAccessBlock)
  's3:GetBucketPublicAccessBlock',
  's3:GetBucketWebsite',
  's3:GetBucketPolicy',
  's3:GetBucketTagging',
  // cancel-key-deletion
  'kms:DescribeKey',
  'kms:ListResourceTags',
  'kms:ListAliases',
  // start-config-recorder
  'config:DescribeConfigurationRecorderStatus',
  // enable-guardduty
  'guardduty:ListDetectors',
  'guardduty:GetDetector',
] as const;

/** Plan Account's session policy: {@link PLAN_SESSION_ACTIONS} on any resource (a session policy only narrows). */
export const PLAN_SESSION_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'RemediationInspect', Effect: 'Allow', Action: PLAN_SESSION_ACTIONS, Resource: '*' }],
});

/**
 * The only calls a remediation session may make, whatever the administrator execution role allows: the reads that
 * inspect and verify (the plan's, {@link PLAN_SESSION_ACTIONS}: apply re-checks and verifies with the same inspect),
 * the changes the actions make, and the calls their undo makes. Passed as the session policy of the AssumeRole by
 * the remediation path's SessionCache (defence in depth: the effective rights are the intersection).
 */
export const REMEDIATION_SESSION_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'RemediationCalls',
      Effect: 'Allow',
      Action: [
        ...PLAN_SESSION_ACTIONS,
        'ec2:RevokeSecurityGroupIngress',
        'ec2:AuthorizeSecurityGroupIngress',
        's3:PutBucketPublicAccessBlock',
        'kms:CancelKeyDeletion',
        'kms:EnableKey',
        'kms:DisableKey',
        'kms:ScheduleKeyDeletion',
        'config:StartConfigurationRecorder',
        'config:StopConfigurationRecorder',
        'guardduty:UpdateDetector',
        'guardduty:CreateDetector',
        'guardduty:DeleteDetector',
        'iam:CreateServiceLinkedRole',
      ],
      Resource: '*',
    },
  ],
});
