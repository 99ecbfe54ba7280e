import { DescribeSecurityGroupRulesCommand, EC2Client, type SecurityGroupRule } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { networkExposureCheck } from '../../../functions/checks/network-exposure';
import { AssumeRoleError } from '../../../functions/lib/assume-role';
import { ACCOUNT, awsError, stateContext } from './current-state-helpers';

const ec2Mock = mockClient(EC2Client);

let ruleNumber = 0;
function ingress(cidr: string, protocol: string, from?: number, to = from, groupId = 'sg-0aaa'): SecurityGroupRule {
  ruleNumber++;
  return {
    SecurityGroupRuleId: `sgr-${String(ruleNumber).padStart(4, '0')}`,
    GroupId: groupId,
    IsEgress: false,
    IpProtocol: protocol,
    ...(from === undefined ? {} : { FromPort: from, ToPort: to }),
    ...(cidr.includes(':') ? { CidrIpv6: cidr } : { CidrIpv4: cidr }),
  };
}

const EGRESS_ALL: SecurityGroupRule = {
  SecurityGroupRuleId: 'sgr-egress',
  GroupId: 'sg-0aaa',
  IsEgress: true,
  IpProtocol: '-1',
  FromPort: -1,
  ToPort: -1,
  CidrIpv4: '0.0.0.0/0',
};

/** Serves these rules in every region. */
function rules(...list: SecurityGroupRule[]) {
  ec2Mock.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: list });
}

beforeEach(() => {
  ec2Mock.reset();
  ruleNumber = 0;
});

describe('network-exposure', () => {
  test('Compliance: egress to the world and ingress from a private range are no finding', async () => {
    rules(EGRESS_ALL, ingress('10.0.0.0/8', 'tcp', 22), ingress('192.168.0.0/16', '-1'));
    const context = stateContext();

    const result = await networkExposureCheck.run(context);

    expect(result).toEqual({
      status: 'PASS',
      message: 'us-east-1: no security group admits the internet beyond the allowed ports',
    });
  });

  test('Noncompliance: SSH open to 0.0.0.0/0 is HIGH, with the resource and evidence the remediation needs', async () => {
    rules(ingress('0.0.0.0/0', 'tcp', 22));

    const result = await networkExposureCheck.run(stateContext({ regions: ['eu-west-1'] }));

    expect(result.status).toBe('FAIL');
    expect(result.message).toBe('1 HIGH: sg-0aaa admits tcp/22 from 0.0.0.0/0 (eu-west-1)');
    expect(result.findings).toEqual([
      {
        rule: 'network-exposure/world-ingress',
        severity: 'HIGH',
        title: 'sg-0aaa admits tcp/22 from 0.0.0.0/0 (eu-west-1)',
        resource: {
          type: 'AwsEc2SecurityGroup',
          id: 'sg-0aaa',
          region: 'eu-west-1',
          arn: `arn:aws:ec2:eu-west-1:${ACCOUNT}:security-group/sg-0aaa`,
          part: 'sgr-0001',
        },
        evidence: {
          ruleId: 'sgr-0001',
          groupId: 'sg-0aaa',
          protocol: 'tcp',
          fromPort: 22,
          toPort: 22,
          cidr: '0.0.0.0/0',
          allowedPort: false,
        },
      },
    ]);
  });

  test.each([
    ['all traffic', 'CRITICAL', ingress('0.0.0.0/0', '-1', -1, -1)],
    ['RDP over IPv6', 'HIGH', ingress('::/0', 'tcp', 3389)],
    ['PostgreSQL', 'HIGH', ingress('0.0.0.0/0', 'tcp', 5432)],
    ['a range that reaches MySQL', 'HIGH', ingress('0.0.0.0/0', 'tcp', 3000, 4000)],
    ['another port', 'MEDIUM', ingress('0.0.0.0/0', 'tcp', 8080)],
    ['a range from 80 to 443', 'MEDIUM', ingress('0.0.0.0/0', 'tcp', 80, 443)],
    ['UDP on another port', 'MEDIUM', ingress('0.0.0.0/0', 'udp', 51820)],
    ['ICMP', 'LOW', ingress('0.0.0.0/0', 'icmp', 8, -1)],
    ['HTTPS over IPv6', 'INFO', ingress('::/0', 'tcp', 443)],
    ['HTTP', 'INFO', ingress('0.0.0.0/0', 'tcp', 80)],
  ])('Severity: %s is %s', async (_, severity, rule) => {
    rules(rule);

    const result = await networkExposureCheck.run(stateContext());

    expect(result.findings?.map((finding) => finding.severity)).toEqual([severity]);
    expect(result.status).toBe(severity === 'INFO' ? 'PASS' : 'FAIL');
  });

  test('Near miss: ::/0 on 443 is an INFO finding marked as an allowed port; the check passes and says so', async () => {
    rules(ingress('::/0', 'tcp', 443), ingress('10.0.0.0/8', 'tcp', 5432));

    const result = await networkExposureCheck.run(stateContext());

    expect(result).toEqual({
      status: 'PASS',
      message: 'us-east-1: no security group admits the internet beyond the allowed ports (1 INFO)',
      findings: [
        expect.objectContaining({
          severity: 'INFO',
          evidence: expect.objectContaining({ cidr: '::/0', fromPort: 443, allowedPort: true }),
        }),
      ],
    });
  });

  test('Settings: exposure.allowedPublicPorts and highRiskPorts change the rating', async () => {
    rules(ingress('0.0.0.0/0', 'tcp', 443), ingress('0.0.0.0/0', 'tcp', 8443), ingress('0.0.0.0/0', 'tcp', 9000));
    const context = stateContext({ settings: { exposure: { allowedPublicPorts: [8443], highRiskPorts: [9000] } } });

    const result = await networkExposureCheck.run(context);

    const byPort = Object.fromEntries((result.findings ?? []).map((f) => [f.evidence?.fromPort, f.severity]));
    expect(byPort).toEqual({ 443: 'MEDIUM', 8443: 'INFO', 9000: 'HIGH' });
  });

  test('Every governed region is read with a client of that region, and its findings name that region', async () => {
    ec2Mock.on(DescribeSecurityGroupRulesCommand).callsFake(async (_input, getClient) => {
      const region = await getClient().config.region();
      return { SecurityGroupRules: region === 'eu-west-1' ? [ingress('0.0.0.0/0', 'tcp', 22, 22, 'sg-0eu')] : [] };
    });

    const result = await networkExposureCheck.run(
      stateContext({ regions: ['us-east-1', 'eu-west-1', 'eu-central-1'] }),
    );

    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeSecurityGroupRulesCommand, 3);
    expect(result.findings?.map((finding) => finding.resource)).toEqual([
      expect.objectContaining({ id: 'sg-0eu', region: 'eu-west-1' }),
    ]);
  });

  test('Pages: every page of rules is read', async () => {
    ec2Mock
      .on(DescribeSecurityGroupRulesCommand)
      .resolvesOnce({ SecurityGroupRules: [ingress('0.0.0.0/0', 'tcp', 22)], NextToken: 'page-2' })
      .resolvesOnce({ SecurityGroupRules: [ingress('0.0.0.0/0', 'tcp', 3389)] });

    const result = await networkExposureCheck.run(stateContext());

    expect(ec2Mock).toHaveReceivedNthCommandWith(2, DescribeSecurityGroupRulesCommand, { NextToken: 'page-2' });
    expect(result.findings).toHaveLength(2);
  });

  test('A region that denies the call: the other regions count, the gap is said and kept as an INFO finding', async () => {
    ec2Mock.on(DescribeSecurityGroupRulesCommand).callsFake(async (_input, getClient) => {
      if ((await getClient().config.region()) === 'eu-west-1') throw awsError('UnauthorizedOperation', 'denied');
      return { SecurityGroupRules: [] };
    });

    const result = await networkExposureCheck.run(stateContext({ regions: ['us-east-1', 'eu-west-1'] }));

    expect(result.status).toBe('ERROR');
    expect(result.error).toEqual({ kind: 'ACCESS_DENIED', message: 'UnauthorizedOperation: denied' });
    expect(result.message).toMatch(/partial: eu-west-1: ACCESS_DENIED$/);
    expect(result.findings).toEqual([
      expect.objectContaining({
        rule: 'network-exposure/incomplete',
        severity: 'INFO',
        resource: { type: 'AwsAccount', id: ACCOUNT, region: 'eu-west-1', part: 'network-exposure: eu-west-1' },
      }),
    ]);
  });

  test('A region that denies the call next to a finding: FAIL, and the message says the result is partial', async () => {
    ec2Mock.on(DescribeSecurityGroupRulesCommand).callsFake(async (_input, getClient) => {
      if ((await getClient().config.region()) === 'eu-west-1') throw awsError('UnauthorizedOperation', 'denied');
      return { SecurityGroupRules: [ingress('0.0.0.0/0', 'tcp', 22)] };
    });

    const result = await networkExposureCheck.run(stateContext({ regions: ['us-east-1', 'eu-west-1'] }));

    expect(result.status).toBe('FAIL');
    expect(result.message).toBe(
      '1 HIGH: sg-0aaa admits tcp/22 from 0.0.0.0/0 (us-east-1); partial: eu-west-1: ACCESS_DENIED',
    );
  });

  test('Deadline: regions not read before it are said, never a silent PASS', async () => {
    rules();

    const result = await networkExposureCheck.run(
      stateContext({ regions: ['us-east-1', 'eu-west-1'], deadline: Date.now() - 1 }),
    );

    expect(ec2Mock).not.toHaveReceivedCommand(DescribeSecurityGroupRulesCommand);
    expect(result.status).toBe('ERROR');
    expect(result.error?.kind).toBe('TIMEOUT');
    expect(result.message).toMatch(/partial: us-east-1 not checked \(deadline\), eu-west-1 not checked \(deadline\)$/);
    expect(result.findings?.map((finding) => finding.title)).toEqual([
      'Not checked before the deadline: us-east-1',
      'Not checked before the deadline: eu-west-1',
    ]);
  });

  test('An account whose role cannot be assumed is one ERROR, not a gap per region', async () => {
    const denied = new AssumeRoleError(
      'cannot assume the role: AccessDenied',
      'arn:aws:iam::1:role/r',
      awsError('AccessDenied'),
    );

    const result = await networkExposureCheck.run(
      stateContext({ regions: ['us-east-1', 'eu-west-1'], ensureError: denied }),
    );

    expect(result).toEqual({
      status: 'ERROR',
      message: 'cannot assume the execution role',
      error: { kind: 'ACCESS_DENIED', message: 'AssumeRoleFailed: cannot assume the role: AccessDenied' },
    });
    expect(ec2Mock).not.toHaveReceivedCommand(DescribeSecurityGroupRulesCommand);
  });

  test('Throttling beyond the SDK retries is thrown, so that the workflow retries the account', async () => {
    ec2Mock.on(DescribeSecurityGroupRulesCommand).rejects(awsError('RequestLimitExceeded'));

    await expect(networkExposureCheck.run(stateContext())).rejects.toThrow('RequestLimitExceeded');
  });
});
