import { RULES } from '../../../../functions/cloudtrail/rules/registry';
import type { EventRule } from '../../../../functions/cloudtrail/rules/types';
import type { Finding } from '../../../../functions/lib/types';
import { ctRecord, iamUserIdentity, rootIdentity } from '../helpers';

function evaluate(id: string, overrides: Record<string, unknown>): Finding | undefined {
  const rule = RULES.find((candidate) => candidate.id === id) as EventRule;
  return rule.evaluate(ctRecord({ eventID: 'evt-42', ...overrides }));
}

describe('every CloudTrail finding names its resource and its event', () => {
  test.each<[string, Record<string, unknown>, Finding['resource']]>([
    [
      'security-group-open-to-world',
      {
        eventSource: 'ec2.amazonaws.com',
        eventName: 'AuthorizeSecurityGroupIngress',
        requestParameters: {
          groupId: 'sg-0123456789abcdef0',
          ipPermissions: {
            items: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }],
          },
        },
      },
      {
        type: 'AwsEc2SecurityGroup',
        id: 'sg-0123456789abcdef0',
        region: 'eu-west-1',
        arn: 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0123456789abcdef0',
      },
    ],
    [
      's3-bucket-made-public',
      {
        eventSource: 's3.amazonaws.com',
        eventName: 'PutBucketAcl',
        requestParameters: { bucketName: 'reports', 'x-amz-acl': ['public-read'] },
      },
      { type: 'AwsS3Bucket', id: 'reports', region: 'eu-west-1', arn: 'arn:aws:s3:::reports' },
    ],
    [
      's3-bucket-made-public',
      {
        eventSource: 's3.amazonaws.com',
        eventName: 'DeleteAccountPublicAccessBlock',
        requestParameters: {},
      },
      { type: 'AwsS3AccountPublicAccessBlock', id: '111122223333', region: 'global' },
    ],
    [
      'kms-key-disabled',
      {
        eventSource: 'kms.amazonaws.com',
        eventName: 'ScheduleKeyDeletion',
        requestParameters: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', pendingWindowInDays: 7 },
        responseElements: { keyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
      },
      {
        type: 'AwsKmsKey',
        id: '1234abcd-12ab-34cd-56ef-1234567890ab',
        region: 'eu-west-1',
        arn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      },
    ],
    [
      'cloudtrail-tampering',
      {
        eventSource: 'cloudtrail.amazonaws.com',
        eventName: 'StopLogging',
        requestParameters: { name: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail' },
      },
      {
        type: 'AwsCloudTrailTrail',
        id: 'org-trail',
        region: 'us-east-1',
        arn: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail',
      },
    ],
    [
      'security-tooling-disabled',
      {
        eventSource: 'guardduty.amazonaws.com',
        eventName: 'DeleteDetector',
        requestParameters: { detectorId: 'abc123' },
      },
      { type: 'AwsGuardDutyDetector', id: 'abc123', region: 'eu-west-1' },
    ],
    [
      'security-tooling-disabled',
      {
        eventSource: 'config.amazonaws.com',
        eventName: 'StopConfigurationRecorder',
        requestParameters: { configurationRecorderName: 'default' },
      },
      { type: 'AwsConfigConfigurationRecorder', id: 'default', region: 'eu-west-1' },
    ],
    [
      'security-tooling-disabled',
      { eventSource: 'securityhub.amazonaws.com', eventName: 'DisableSecurityHub', requestParameters: {} },
      { type: 'AwsSecurityHubHub', id: 'securityhub', region: 'eu-west-1' },
    ],
    [
      'iam-user-or-key-created',
      {
        eventSource: 'iam.amazonaws.com',
        eventName: 'CreateUser',
        requestParameters: { userName: 'mallory' },
        responseElements: { user: { userName: 'mallory', arn: 'arn:aws:iam::111122223333:user/mallory' } },
      },
      { type: 'AwsIamUser', id: 'mallory', region: 'global', arn: 'arn:aws:iam::111122223333:user/mallory' },
    ],
    [
      'iam-user-or-key-created',
      {
        eventSource: 'iam.amazonaws.com',
        eventName: 'CreateAccessKey',
        requestParameters: { userName: 'mallory' },
        responseElements: { accessKey: { userName: 'mallory', accessKeyId: 'AKIAEXAMPLE', status: 'Active' } },
      },
      { type: 'AwsIamAccessKey', id: 'AKIAEXAMPLE', region: 'global', part: 'mallory' },
    ],
    [
      'root-activity',
      { userIdentity: rootIdentity, eventName: 'ListUsers' },
      { type: 'AwsAccount', id: '111122223333', region: 'global', arn: 'arn:aws:iam::111122223333:root' },
    ],
    [
      'console-login-without-mfa',
      {
        userIdentity: iamUserIdentity('bob'),
        eventSource: 'signin.amazonaws.com',
        eventName: 'ConsoleLogin',
        responseElements: { ConsoleLogin: 'Success' },
        additionalEventData: { MFAUsed: 'No' },
      },
      { type: 'AwsIamUser', id: 'bob', region: 'global', arn: 'arn:aws:iam::111122223333:user/bob' },
    ],
  ])('%s: %j', (id, overrides, resource) => {
    const finding = evaluate(id, overrides);

    expect(finding).toMatchObject({ rule: id, eventId: 'evt-42', resource });
  });

  test('without a resource in the request, the principal who made the call is the resource', () => {
    const finding = evaluate('cloudtrail-tampering', {
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: 'StopLogging',
      requestParameters: {},
    });

    expect(finding?.resource).toEqual({
      type: 'AwsIamRole',
      id: 'AWSReservedSSO_AWSAdministratorAccess_0123456789abcdef',
      region: 'global',
      arn: 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AWSAdministratorAccess_0123456789abcdef',
      part: 'alice@example.com',
    });
  });
});
