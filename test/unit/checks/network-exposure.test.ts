import {
  DescribeSecurityGroupRulesCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DeadlineReached } from '../../../functions/checks/current-state';
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

/** An ingress rule whose source is a managed prefix list: no CIDR of its own. */
function fromList(prefixListId: string, protocol: string, from?: number, to = from, groupId = 'sg-0aaa') {
  const { CidrIpv4: _, ...rule } = ingress('0.0.0.0/0', protocol, from, to, groupId);
  return { ...rule, PrefixListId: prefixListId };
}

/** Serves the entries of these prefix lists, by ID; any other list is not found. */
function prefixLists(lists: Record<string, string[]>) {
  ec2Mock.on(GetManagedPrefixListEntriesCommand).callsFake(async (input: { PrefixListId: string }) => {
    const entries = lists[input.PrefixListId];
    if (!entries)
      throw awsError('InvalidPrefixListID.NotFound', `The prefix list ID '${input.PrefixListId}' does not exist`);
    return { Entries: entries.map((Cidr) => ({ Cidr })) };
  });
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

describe('network-exposure: rules whose source is a managed prefix list', () => {
  test('Noncompliance: a customer-managed list holding 0.0.0.0/0 opens the rule to the world, and the finding names the list', async () => {
    rules(fromList('pl-0partners', 'tcp', 22));
    prefixLists({ 'pl-0partners': ['203.0.113.0/24', '0.0.0.0/0'] });

    const result = await networkExposureCheck.run(stateContext({ regions: ['eu-west-1'] }));

    expect(result.status).toBe('FAIL');
    expect(result.message).toBe(
      '1 HIGH: sg-0aaa admits tcp/22 from 0.0.0.0/0 through prefix list pl-0partners (eu-west-1)',
    );
    expect(result.findings).toEqual([
      {
        rule: 'network-exposure/world-ingress',
        severity: 'HIGH',
        title: 'sg-0aaa admits tcp/22 from 0.0.0.0/0 through prefix list pl-0partners (eu-west-1)',
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
          prefixListId: 'pl-0partners',
          allowedPort: false,
        },
      },
    ]);
    expect(ec2Mock).toHaveReceivedCommandWith(GetManagedPrefixListEntriesCommand, { PrefixListId: 'pl-0partners' });
  });

  test('Noncompliance: ::/0 in a list counts as the world too, rated like a CIDR rule (all traffic CRITICAL, 443 INFO)', async () => {
    rules(fromList('pl-0v6', '-1', -1, -1), fromList('pl-0v6', 'tcp', 443, 443, 'sg-0web'));
    prefixLists({ 'pl-0v6': ['2001:db8::/32', '::/0'] });

    const result = await networkExposureCheck.run(stateContext());

    expect(result.status).toBe('FAIL');
    expect(result.findings?.map((finding) => [finding.severity, finding.evidence?.cidr])).toEqual([
      ['CRITICAL', '::/0'],
      ['INFO', '::/0'],
    ]);
  });

  test('Compliance: lists of private ranges and AWS service ranges (an AWS-managed list) are no finding', async () => {
    rules(
      fromList('pl-0office', 'tcp', 22),
      fromList('pl-63a5400a', 'tcp', 443),
      fromList('pl-3b927c52', '-1', -1, -1),
    );
    prefixLists({
      'pl-0office': ['10.0.0.0/8', '192.168.10.0/24', 'fd00::/8'],
      // com.amazonaws.us-east-1.s3 and CloudFront's origin-facing list: an AWS service's public ranges, not the world.
      'pl-63a5400a': ['52.216.0.0/15', '3.5.0.0/19'],
      'pl-3b927c52': ['13.32.0.0/15', '130.176.0.0/17'],
    });

    const result = await networkExposureCheck.run(stateContext());

    expect(result).toEqual({
      status: 'PASS',
      message: 'us-east-1: no security group admits the internet beyond the allowed ports',
    });
    expect(ec2Mock).toHaveReceivedCommandTimes(GetManagedPrefixListEntriesCommand, 3);
  });

  test('Each list is read once per region, however many rules name it', async () => {
    rules(fromList('pl-0shared', 'tcp', 22), fromList('pl-0shared', 'tcp', 3389, 3389, 'sg-0bbb'));
    prefixLists({ 'pl-0shared': ['0.0.0.0/0'] });

    const result = await networkExposureCheck.run(stateContext());

    expect(ec2Mock).toHaveReceivedCommandTimes(GetManagedPrefixListEntriesCommand, 1);
    expect(result.findings?.map((finding) => finding.title)).toEqual([
      'sg-0aaa admits tcp/22 from 0.0.0.0/0 through prefix list pl-0shared (us-east-1)',
      'sg-0bbb admits tcp/3389 from 0.0.0.0/0 through prefix list pl-0shared (us-east-1)',
    ]);
  });

  test('Pages: every page of a list is read; a world entry on the last page counts', async () => {
    rules(fromList('pl-0long', 'tcp', 5432));
    ec2Mock
      .on(GetManagedPrefixListEntriesCommand)
      .resolvesOnce({ Entries: [{ Cidr: '10.0.0.0/8' }], NextToken: 'entries-2' })
      .resolvesOnce({ Entries: [{ Cidr: '0.0.0.0/0' }] });

    const result = await networkExposureCheck.run(stateContext());

    // The first EC2 call read the rules.
    expect(ec2Mock).toHaveReceivedNthCommandWith(3, GetManagedPrefixListEntriesCommand, {
      PrefixListId: 'pl-0long',
      NextToken: 'entries-2',
    });
    expect(result.findings?.map((finding) => finding.severity)).toEqual(['HIGH']);
  });

  test('A list that cannot be read is a gap naming it, never a PASS', async () => {
    rules(fromList('pl-0locked', 'tcp', 22));
    ec2Mock.on(GetManagedPrefixListEntriesCommand).rejects(awsError('UnauthorizedOperation', 'denied'));

    const result = await networkExposureCheck.run(stateContext());

    expect(result.status).toBe('ERROR');
    expect(result.error).toEqual({ kind: 'ACCESS_DENIED', message: 'UnauthorizedOperation: denied' });
    expect(result.message).toBe('partial: prefix list pl-0locked (us-east-1): ACCESS_DENIED');
    expect(result.findings).toEqual([
      expect.objectContaining({
        rule: 'network-exposure/incomplete',
        severity: 'INFO',
        title: 'Could not be checked: prefix list pl-0locked (us-east-1): ACCESS_DENIED',
        resource: {
          type: 'AwsAccount',
          id: ACCOUNT,
          region: 'us-east-1',
          part: 'network-exposure: prefix list pl-0locked (us-east-1)',
        },
      }),
    ]);
  });

  test("A list that cannot be read does not hide the region's other findings: FAIL, and the message says partial", async () => {
    rules(fromList('pl-0gone', 'tcp', 22), fromList('pl-0open', 'tcp', 3389), ingress('0.0.0.0/0', '-1', -1, -1));
    prefixLists({ 'pl-0open': ['0.0.0.0/0'] });

    const result = await networkExposureCheck.run(stateContext());

    expect(result.status).toBe('FAIL');
    expect(result.message).toMatch(/^1 CRITICAL, 1 HIGH: .*; partial: prefix list pl-0gone \(us-east-1\): NOT_FOUND$/);
  });

  test('Lists that cannot be read: five are named, in the order the rules named them, then "N more"', async () => {
    const ids = ['pl-01', 'pl-02', 'pl-03', 'pl-04', 'pl-05', 'pl-06', 'pl-07'];
    rules(...ids.map((id, index) => fromList(id, 'tcp', 1000 + index)));
    ec2Mock.on(GetManagedPrefixListEntriesCommand).rejects(awsError('UnauthorizedOperation', 'denied'));

    const result = await networkExposureCheck.run(stateContext());

    expect(result.status).toBe('ERROR');
    expect(result.findings?.map((finding) => finding.evidence?.what)).toEqual([
      'prefix list pl-01 (us-east-1)',
      'prefix list pl-02 (us-east-1)',
      'prefix list pl-03 (us-east-1)',
      'prefix list pl-04 (us-east-1)',
      'prefix list pl-05 (us-east-1)',
      '2 more prefix lists (us-east-1)',
    ]);
    expect(result.findings?.at(-1)?.resource?.part).toBe('network-exposure: more prefix lists not read (us-east-1)');
  });

  test('The deadline reached while reading lists is a gap, never a PASS', async () => {
    rules(fromList('pl-0slow', 'tcp', 22), fromList('pl-0slower', 'tcp', 23));
    ec2Mock.on(GetManagedPrefixListEntriesCommand).rejects(new DeadlineReached('every prefix list was read'));

    const result = await networkExposureCheck.run(stateContext());

    expect(result.status).toBe('ERROR');
    expect(result.error?.kind).toBe('TIMEOUT');
    expect(result.message).toBe('partial: 2 of 2 prefix lists (us-east-1) not checked (deadline)');
  });

  test('Throttling reading a list is thrown, as for the rules, so that the workflow retries the account', async () => {
    rules(fromList('pl-0busy', 'tcp', 22));
    ec2Mock.on(GetManagedPrefixListEntriesCommand).rejects(awsError('RequestLimitExceeded'));

    await expect(networkExposureCheck.run(stateContext())).rejects.toThrow('RequestLimitExceeded');
  });

  test('Egress rules and rules from another security group look nothing up and are no finding', async () => {
    rules(
      { ...fromList('pl-0egress', '-1', -1, -1), IsEgress: true },
      {
        SecurityGroupRuleId: 'sgr-group',
        GroupId: 'sg-0aaa',
        IsEgress: false,
        IpProtocol: 'tcp',
        FromPort: 22,
        ToPort: 22,
        ReferencedGroupInfo: { GroupId: 'sg-0bastion' },
      },
    );

    const result = await networkExposureCheck.run(stateContext());

    expect(result.status).toBe('PASS');
    expect(ec2Mock).not.toHaveReceivedCommand(GetManagedPrefixListEntriesCommand);
  });

  test("A list is read in the region of its rule, with that region's client", async () => {
    ec2Mock.on(DescribeSecurityGroupRulesCommand).callsFake(async (_input, getClient) => {
      const region = await getClient().config.region();
      return { SecurityGroupRules: region === 'eu-west-1' ? [fromList('pl-0eu', 'tcp', 22)] : [] };
    });
    ec2Mock.on(GetManagedPrefixListEntriesCommand).callsFake(async (_input, getClient) => ({
      Entries: (await getClient().config.region()) === 'eu-west-1' ? [{ Cidr: '0.0.0.0/0' }] : [],
    }));

    const result = await networkExposureCheck.run(stateContext({ regions: ['us-east-1', 'eu-west-1'] }));

    expect(ec2Mock).toHaveReceivedCommandTimes(GetManagedPrefixListEntriesCommand, 1);
    expect(result.findings?.map((finding) => finding.resource?.region)).toEqual(['eu-west-1']);
  });
});
