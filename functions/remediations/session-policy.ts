/**
 * The only calls a remediation session may make, whatever the administrator execution role allows: the reads that
 * inspect and verify, the changes the actions make, and the calls their undo makes. Passed as the session policy
 * of the AssumeRole by the remediation path's SessionCache (defence in depth: the effective rights are the intersection).
 */
export const REMEDIATION_SESSION_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'RemediationCalls',
      Effect: 'Allow',
      Action: [
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSecurityGroupRules',
        'ec2:RevokeSecurityGroupIngress',
        'ec2:AuthorizeSecurityGroupIngress',
        's3:GetBucketPublicAccessBlock',
        's3:PutBucketPublicAccessBlock',
        's3:GetBucketWebsite',
        's3:GetBucketPolicy',
        's3:GetBucketTagging',
        'kms:DescribeKey',
        'kms:ListResourceTags',
        'kms:ListAliases',
        'kms:CancelKeyDeletion',
        'kms:EnableKey',
        'kms:DisableKey',
        'kms:ScheduleKeyDeletion',
        'config:DescribeConfigurationRecorderStatus',
        'config:StartConfigurationRecorder',
        'config:StopConfigurationRecorder',
        'guardduty:ListDetectors',
        'guardduty:GetDetector',
        'guardduty:UpdateDetector',
        'guardduty:CreateDetector',
        'guardduty:DeleteDetector',
        'iam:CreateServiceLinkedRole',
      ],
      Resource: '*',
    },
  ],
});
