import { causeFor, linkCauses } from '../../../functions/checks/causes';
import { kmsKeyDisabled } from '../../../functions/cloudtrail/rules/kms-key-disabled';
import { s3BucketMadePublic } from '../../../functions/cloudtrail/rules/s3-bucket-made-public';
import { securityGroupOpenToWorld } from '../../../functions/cloudtrail/rules/security-group-open-to-world';
import { securityToolingDisabled } from '../../../functions/cloudtrail/rules/security-tooling-disabled';
import type { CheckResult, Finding, ResourceRef } from '../../../functions/lib/types';

const PRINCIPAL = 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin/mallory';

/** A CloudTrail finding as `cloudtrail-events` makes it once it names its resource and event. */
function event(eventName: string, resource: ResourceRef | undefined, fields: Partial<Finding> = {}): Finding {
  return {
    rule: 'some-rule',
    severity: 'HIGH',
    title: `Something: ${eventName}`,
    eventName,
    eventTime: '2026-11-14T09:00:00Z',
    eventId: `ev-${eventName}`,
    region: resource?.region ?? 'us-east-1',
    principalArn: PRINCIPAL,
    sourceIp: '198.51.100.7',
    ...(resource ? { resource } : {}),
    ...fields,
  };
}

const sg = (id: string, region = 'us-east-1'): ResourceRef => ({ type: 'AwsEc2SecurityGroup', id, region });

function worldIngress(groupId: string, fromPort: number, cidr = '0.0.0.0/0'): Finding {
  return {
    rule: 'network-exposure/world-ingress',
    severity: 'HIGH',
    title: `${groupId} admits tcp/${fromPort}`,
    resource: { ...sg(groupId), part: `sgr-${fromPort}` },
    evidence: {
      ruleId: `sgr-${fromPort}`,
      groupId,
      protocol: 'tcp',
      fromPort,
      toPort: fromPort,
      cidr,
      allowedPort: false,
    },
  };
}

function results(current: Record<string, Finding[]>, events: Finding[]): Record<string, CheckResult> {
  return {
    identity: { status: 'PASS' },
    'cloudtrail-events': { status: events.length > 0 ? 'FAIL' : 'PASS', findings: events },
    ...Object.fromEntries(Object.entries(current).map(([id, findings]) => [id, { status: 'FAIL', findings }])),
  };
}

describe('linkCauses', () => {
  test('a security group finding gets the AuthorizeSecurityGroupIngress on that group, and only that one', () => {
    const opened = event('AuthorizeSecurityGroupIngress', sg('sg-0aaa'));
    const other = event('AuthorizeSecurityGroupIngress', sg('sg-0bbb'), { eventId: 'ev-other' });
    const input = results({ 'network-exposure': [worldIngress('sg-0aaa', 22), worldIngress('sg-0ccc', 22)] }, [
      other,
      opened,
    ]);

    const linked = linkCauses(input);

    expect(linked['network-exposure']?.findings?.map((finding) => finding.cause)).toEqual([
      {
        eventName: 'AuthorizeSecurityGroupIngress',
        eventTime: '2026-11-14T09:00:00Z',
        eventId: 'ev-AuthorizeSecurityGroupIngress',
        principalArn: PRINCIPAL,
        sourceIp: '198.51.100.7',
      },
      undefined,
    ]);
    // Pure: the input is untouched.
    expect(input['network-exposure']?.findings?.[0]?.cause).toBeUndefined();
    expect(linked.identity).toBe(input.identity);
  });

  test('the latest matching event wins; a failed attempt never counts', () => {
    const older = event(
      'ScheduleKeyDeletion',
      { type: 'AwsKmsKey', id: 'k-1', region: 'us-east-1' },
      {
        eventId: 'older',
        eventTime: '2026-11-14T08:00:00Z',
      },
    );
    const newer = { ...older, eventId: 'newer', eventTime: '2026-11-14T10:00:00Z' };
    const attempt = { ...older, eventId: 'attempt', eventTime: '2026-11-14T11:00:00Z', attempt: true };
    const finding: Finding = {
      rule: 'kms-key-deletion/pending-deletion',
      severity: 'HIGH',
      title: 'k-1',
      resource: { type: 'AwsKmsKey', id: 'k-1', region: 'us-east-1', arn: 'arn:aws:kms:us-east-1:1:key/k-1' },
    };

    expect(causeFor(finding, [older, attempt, newer])?.eventId).toBe('newer');
  });

  test('the kind of event must fit the finding: a DisableKey is no cause of a pending deletion', () => {
    const key = { type: 'AwsKmsKey' as const, id: 'k-1', region: 'us-east-1' };
    const disabled = event('DisableKey', key);
    const pending: Finding = { rule: 'kms-key-deletion/pending-deletion', severity: 'HIGH', title: 'k', resource: key };
    const off: Finding = { rule: 'kms-key-deletion/disabled', severity: 'MEDIUM', title: 'k', resource: key };

    expect(causeFor(pending, [disabled])).toBeUndefined();
    expect(causeFor(off, [disabled])?.eventName).toBe('DisableKey');
  });

  test('a rule on 443 gets no cause from the event that opened 22 on the same group', () => {
    const opened = event('AuthorizeSecurityGroupIngress', sg('sg-0aaa'), {
      evidence: { protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' },
    });

    expect(causeFor(worldIngress('sg-0aaa', 22), [opened])?.eventName).toBe('AuthorizeSecurityGroupIngress');
    expect(causeFor(worldIngress('sg-0aaa', 443, '::/0'), [opened])).toBeUndefined();
  });

  test('a rule open through a prefix list gets no cause from the event that opened 0.0.0.0/0 itself on the same ports', () => {
    const opened = event('AuthorizeSecurityGroupIngress', sg('sg-0aaa'), {
      evidence: { protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' },
    });
    const listed = event('AuthorizeSecurityGroupIngress', sg('sg-0aaa'), { detail: 'sg-0aaa: tcp/22 from 0.0.0.0/0' });
    const throughList = worldIngress('sg-0aaa', 22);
    const finding = { ...throughList, evidence: { ...throughList.evidence, prefixListId: 'pl-0partners' } };

    expect(causeFor(finding, [opened])).toBeUndefined();
    expect(causeFor(finding, [listed])).toBeUndefined();
    expect(causeFor(worldIngress('sg-0aaa', 22), [listed])?.eventName).toBe('AuthorizeSecurityGroupIngress');
  });

  test('a missing detector or recorder gets the DeleteDetector / StopConfigurationRecorder of its region', () => {
    const deleted = event('DeleteDetector', { type: 'AwsGuardDutyDetector', id: 'd-old', region: 'eu-west-1' });
    // Later, but in another region: it must not win.
    const elsewhere = event(
      'DeleteDetector',
      { type: 'AwsGuardDutyDetector', id: 'd-us', region: 'us-east-1' },
      {
        eventId: 'ev-elsewhere',
        eventTime: '2026-11-14T10:00:00Z',
      },
    );
    const stopped = event('StopConfigurationRecorder', {
      type: 'AwsConfigConfigurationRecorder',
      id: 'default',
      region: 'eu-west-1',
    });
    const missing: Finding = {
      rule: 'security-services/guardduty-off',
      severity: 'HIGH',
      title: 'no detector',
      resource: { type: 'AwsGuardDutyDetector', id: 'none', region: 'eu-west-1' },
      evidence: { detectorId: null, status: 'MISSING' },
    };
    const recorder: Finding = {
      rule: 'security-services/config-recorder-stopped',
      severity: 'HIGH',
      title: 'stopped',
      resource: { type: 'AwsConfigConfigurationRecorder', id: 'default', region: 'eu-west-1' },
      evidence: { recorderName: 'default', status: 'STOPPED' },
    };

    const linked = linkCauses(results({ 'security-services': [missing, recorder] }, [elsewhere, deleted, stopped]));

    expect(linked['security-services']?.findings?.map((f) => f.cause?.eventId)).toEqual([
      'ev-DeleteDetector',
      'ev-StopConfigurationRecorder',
    ]);
    // A disabled (not deleted) detector is no DeleteDetector's doing.
    const disabled = { ...missing, evidence: { detectorId: 'd-old', status: 'DISABLED' } };
    expect(
      causeFor({ ...disabled, resource: { ...missing.resource, id: 'd-old' } } as Finding, [deleted]),
    ).toBeUndefined();
  });

  test('the account Block Public Access finding gets the account-level event, not a bucket-level one', () => {
    const off: Finding = {
      rule: 's3-public-access/account-block-off',
      severity: 'MEDIUM',
      title: 'off',
      resource: { type: 'AwsS3AccountPublicAccessBlock', id: '111122223333', region: 'global' },
    };
    const bucketLevel = event('DeleteBucketPublicAccessBlock', { type: 'AwsS3Bucket', id: 'b', region: 'us-east-1' });
    const withoutResource = event('PutPublicAccessBlock', undefined, { detail: 'b: public access block off' });
    const accountLevel = event('DeleteAccountPublicAccessBlock', undefined, { detail: 'public access block deleted' });

    expect(causeFor(off, [bucketLevel, withoutResource])).toBeUndefined();
    expect(causeFor(off, [bucketLevel, withoutResource, accountLevel])?.eventName).toBe(
      'DeleteAccountPublicAccessBlock',
    );
  });

  test('no CloudTrail findings, or no cloudtrail-events in the run: the results come back as they were', () => {
    const input = results({ 'network-exposure': [worldIngress('sg-0aaa', 22)] }, []);
    expect(linkCauses(input)).toBe(input);
    const { 'cloudtrail-events': _, ...without } = input;
    expect(linkCauses(without)).toBe(without);
  });

  describe('findings of the CloudTrail rules as they are today (no resource; the resource ID in the detail)', () => {
    const record = (eventSource: string, eventName: string, requestParameters: Record<string, unknown>) => ({
      eventVersion: '1.09',
      eventTime: '2026-11-14T09:00:00Z',
      eventSource,
      eventName,
      eventID: 'e-1',
      awsRegion: 'us-east-1',
      sourceIPAddress: '198.51.100.7',
      userIdentity: { type: 'AssumedRole', arn: PRINCIPAL, accountId: '111122223333' },
      requestParameters,
    });

    test('security-group-open-to-world: matched by group and by the opening its detail lists', () => {
      const made = securityGroupOpenToWorld.evaluate(
        record('ec2.amazonaws.com', 'AuthorizeSecurityGroupIngress', {
          groupId: 'sg-0aaa',
          ipPermissions: {
            items: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }],
          },
        }),
      ) as Finding;
      expect(made).toBeDefined();

      expect(causeFor(worldIngress('sg-0aaa', 22), [made])).toMatchObject({
        eventName: 'AuthorizeSecurityGroupIngress',
        principalArn: PRINCIPAL,
        sourceIp: '198.51.100.7',
      });
      expect(causeFor(worldIngress('sg-0aaa', 443), [made])).toBeUndefined();
      expect(causeFor(worldIngress('sg-0aa', 22), [made])).toBeUndefined();
    });

    test('s3-bucket-made-public: a PutBucketPolicy on the bucket causes its policy finding, not its ACL finding', () => {
      const made = s3BucketMadePublic.evaluate(
        record('s3.amazonaws.com', 'PutBucketPolicy', {
          bucketName: 'app-data',
          bucketPolicy: { Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*' }] },
        }),
      ) as Finding;
      const bucket = { type: 'AwsS3Bucket' as const, id: 'app-data', region: 'us-east-1' };
      const byPolicy: Finding = {
        rule: 's3-public-access/bucket-public',
        severity: 'HIGH',
        title: 'p',
        resource: bucket,
        evidence: { via: 'policy', website: false },
      };

      expect(causeFor(byPolicy, [made])?.eventName).toBe('PutBucketPolicy');
      expect(causeFor({ ...byPolicy, evidence: { via: 'acl', website: false } }, [made])).toBeUndefined();
      expect(causeFor({ ...byPolicy, resource: { ...bucket, id: 'app' } }, [made])).toBeUndefined();
    });

    test('kms-key-disabled: a ScheduleKeyDeletion naming the key by ARN causes the finding on that key ID', () => {
      const made = kmsKeyDisabled.evaluate(
        record('kms.amazonaws.com', 'ScheduleKeyDeletion', {
          keyId: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
          pendingWindowInDays: 7,
        }),
      ) as Finding;
      const pending = (id: string): Finding => ({
        rule: 'kms-key-deletion/pending-deletion',
        severity: 'HIGH',
        title: 'k',
        resource: { type: 'AwsKmsKey', id, region: 'us-east-1' },
      });

      expect(causeFor(pending('1234abcd-12ab-34cd-56ef-1234567890ab'), [made])?.eventName).toBe('ScheduleKeyDeletion');
      expect(causeFor(pending('1234abcd-12ab-34cd-56ef-000000000000'), [made])).toBeUndefined();
    });

    test('security-tooling-disabled: an UpdateDetector that suspended the detector causes its DISABLED finding', () => {
      const update = (enable: boolean) =>
        securityToolingDisabled.evaluate(
          record('guardduty.amazonaws.com', 'UpdateDetector', { detectorId: 'd-1', enable }),
        );
      const disabled: Finding = {
        rule: 'security-services/guardduty-off',
        severity: 'HIGH',
        title: 'disabled',
        resource: { type: 'AwsGuardDutyDetector', id: 'd-1', region: 'us-east-1' },
        evidence: { detectorId: 'd-1', status: 'DISABLED' },
      };

      expect(causeFor(disabled, [update(false) as Finding])?.eventName).toBe('UpdateDetector');
      // Switching it on again is no finding, so it can be no cause either.
      expect(update(true)).toBeUndefined();
    });

    test('security-group-open-to-world: a ModifySecurityGroupRules of unknown direction still causes the ingress finding', () => {
      const made = securityGroupOpenToWorld.evaluate(
        record('ec2.amazonaws.com', 'ModifySecurityGroupRules', {
          ModifySecurityGroupRulesRequest: {
            GroupId: 'sg-0aaa',
            SecurityGroupRule: {
              SecurityGroupRuleId: 'sgr-22',
              SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' },
            },
          },
        }),
      ) as Finding;
      expect(made.evidence?.direction).toMatch(/^unknown/);

      expect(causeFor(worldIngress('sg-0aaa', 22), [made])?.eventName).toBe('ModifySecurityGroupRules');
      expect(causeFor(worldIngress('sg-0aaa', 443), [made])).toBeUndefined();
    });
  });
});
