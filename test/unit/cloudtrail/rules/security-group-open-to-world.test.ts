import { securityGroupOpenToWorld } from '../../../../functions/cloudtrail/rules/security-group-open-to-world';
import { ctRecord, serviceLinkedIdentity } from '../helpers';

const ingress = (requestParameters: unknown, overrides: Record<string, unknown> = {}) =>
  ctRecord({
    eventSource: 'ec2.amazonaws.com',
    eventName: 'AuthorizeSecurityGroupIngress',
    readOnly: false,
    requestParameters,
    responseElements: { _return: true },
    ...overrides,
  });

const nested = (ranges: unknown, v6: unknown = {}) => ({
  groupId: 'sg-0123456789abcdef0',
  ipPermissions: {
    items: [
      { ipProtocol: 'tcp', fromPort: 22, toPort: 22, groups: {}, ipRanges: ranges, ipv6Ranges: v6, prefixListIds: {} },
    ],
  },
});

describe('security-group-open-to-world', () => {
  test('Noncompliance 1: nested ipRanges with 0.0.0.0/0', () => {
    const finding = securityGroupOpenToWorld.evaluate(
      ingress(nested({ items: [{ cidrIp: '10.1.0.0/16' }, { cidrIp: '0.0.0.0/0', description: 'ssh' }] })),
    );

    expect(finding).toMatchObject({
      rule: 'security-group-open-to-world',
      severity: 'HIGH',
      detail: 'sg-0123456789abcdef0: tcp/22 from 0.0.0.0/0',
    });
  });

  test('Noncompliance 2: nested ipv6Ranges with ::/0', () => {
    const finding = securityGroupOpenToWorld.evaluate(ingress(nested({}, { items: [{ cidrIpv6: '::/0' }] })));

    expect(finding?.detail).toBe('sg-0123456789abcdef0: tcp/22 from ::/0');
  });

  test('Noncompliance 3: the flat form (cidrIp at the top of the request)', () => {
    const flat = { groupName: 'web', ipProtocol: '-1', cidrIp: '0.0.0.0/0' };

    expect(securityGroupOpenToWorld.evaluate(ingress(flat))?.detail).toBe('web: all traffic from 0.0.0.0/0');
  });

  test('Noncompliance 4: a port range', () => {
    const ranged = {
      groupId: 'sg-1',
      ipPermissions: {
        items: [{ ipProtocol: 'tcp', fromPort: 0, toPort: 65535, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }],
      },
    };

    expect(securityGroupOpenToWorld.evaluate(ingress(ranged))?.detail).toBe('sg-1: tcp/0-65535 from 0.0.0.0/0');
  });

  const modify = (rules: unknown) =>
    ingress(
      { ModifySecurityGroupRulesRequest: { GroupId: 'sg-2', SecurityGroupRule: rules } },
      {
        eventName: 'ModifySecurityGroupRules',
        responseElements: { ModifySecurityGroupRulesResponse: { return: true } },
      },
    );
  const DIRECTION =
    'unknown: ModifySecurityGroupRules names only the rule, and works on ingress and egress rules alike';

  test.each([
    [
      'one rule to 0.0.0.0/0 (ingress or egress alike: the event is the same)',
      {
        SecurityGroupRuleId: 'sgr-0abc',
        SecurityGroupRule: { IpProtocol: '-1', CidrIpv4: '0.0.0.0/0', Description: 'egress to anywhere?' },
      },
      'Security group rule sgr-0abc changed to allow 0.0.0.0/0',
      'sg-2: all traffic from 0.0.0.0/0',
      'sgr-0abc',
    ],
    [
      'two rules, to 0.0.0.0/0 and ::/0, and one to a private range',
      [
        {
          SecurityGroupRuleId: 'sgr-1',
          SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' },
        },
        {
          SecurityGroupRuleId: 'sgr-2',
          SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIpv6: '::/0' },
        },
        {
          SecurityGroupRuleId: 'sgr-3',
          SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, CidrIpv4: '10.0.0.0/8' },
        },
      ],
      'Security group rules sgr-1, sgr-2 changed to allow 0.0.0.0/0, ::/0',
      'sg-2: tcp/22 from 0.0.0.0/0, tcp/443 from ::/0',
      'sgr-1, sgr-2',
    ],
    [
      'a rule whose ID is missing',
      { SecurityGroupRule: { IpProtocol: 'udp', FromPort: 53, ToPort: 53, CidrIpv4: '0.0.0.0/0' } },
      'A security group rule changed to allow 0.0.0.0/0',
      'sg-2: udp/53 from 0.0.0.0/0',
      undefined,
    ],
  ])(
    'Noncompliance 6: ModifySecurityGroupRules with %s says the direction is unknown',
    (_name, rules, what, detail, ruleId) => {
      const finding = securityGroupOpenToWorld.evaluate(modify(rules));

      expect(finding).toMatchObject({
        rule: 'security-group-open-to-world',
        severity: 'HIGH',
        title: `${what} (ModifySecurityGroupRules: ingress or egress, the event does not say)`,
        detail,
        resource: { type: 'AwsEc2SecurityGroup', id: 'sg-2' },
      });
      expect(finding?.evidence).toEqual({
        ...(ruleId ? { securityGroupRuleId: ruleId } : {}),
        direction: DIRECTION,
      });
    },
  );

  test('Noncompliance 7: AuthorizeSecurityGroupIngress keeps its title and has no direction evidence', () => {
    const finding = securityGroupOpenToWorld.evaluate(ingress(nested({ items: [{ cidrIp: '0.0.0.0/0' }] })));

    expect(finding?.title).toBe('Security group opened to the internet: AuthorizeSecurityGroupIngress');
    expect(finding?.evidence).toBeUndefined();
  });

  test('Compliance 7: ModifySecurityGroupRules to a private range, or to another group', () => {
    expect(
      securityGroupOpenToWorld.evaluate(
        modify({
          SecurityGroupRuleId: 'sgr-1',
          SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 22, CidrIpv4: '10.0.0.0/8' },
        }),
      ),
    ).toBeUndefined();
    expect(
      securityGroupOpenToWorld.evaluate(
        modify({ SecurityGroupRuleId: 'sgr-1', SecurityGroupRule: { IpProtocol: '-1', ReferencedGroupId: 'sg-9' } }),
      ),
    ).toBeUndefined();
  });

  test('Noncompliance 5: ModifySecurityGroupRules rewriting a rule to 0.0.0.0/0', () => {
    const modified = ingress(
      {
        ModifySecurityGroupRulesRequest: {
          GroupId: 'sg-2',
          SecurityGroupRule: {
            SecurityGroupRuleId: 'sgr-1',
            SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 3389, ToPort: 3389, CidrIpv4: '0.0.0.0/0' },
          },
        },
      },
      { eventName: 'ModifySecurityGroupRules' },
    );

    expect(securityGroupOpenToWorld.evaluate(modified)?.detail).toBe('sg-2: tcp/3389 from 0.0.0.0/0');
  });

  test('Compliance 1: a private range such as 10.0.0.0/8', () => {
    expect(securityGroupOpenToWorld.evaluate(ingress(nested({ items: [{ cidrIp: '10.0.0.0/8' }] })))).toBeUndefined();
    expect(securityGroupOpenToWorld.evaluate(ingress({ groupId: 'sg-1', cidrIp: '10.0.0.0/8' }))).toBeUndefined();
  });

  test('Compliance 2: a rule referencing another group, with empty range lists', () => {
    const byGroup = {
      groupId: 'sg-1',
      ipPermissions: {
        items: [
          { ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, groups: { items: [{ groupId: 'sg-2' }] }, ipRanges: {} },
        ],
      },
    };

    expect(securityGroupOpenToWorld.evaluate(ingress(byGroup))).toBeUndefined();
  });

  test('Compliance 3: requestParameters null', () => {
    expect(securityGroupOpenToWorld.evaluate(ingress(null))).toBeUndefined();
  });

  test('Compliance 4: the call failed', () => {
    const failed = ingress(nested({ items: [{ cidrIp: '0.0.0.0/0' }] }), { errorCode: 'Client.UnauthorizedOperation' });

    expect(securityGroupOpenToWorld.evaluate(failed)).toBeUndefined();
  });

  test("Compliance 5: a service-linked role's call", () => {
    const bySlr = ingress(nested({ items: [{ cidrIp: '0.0.0.0/0' }] }), { userIdentity: serviceLinkedIdentity });

    expect(securityGroupOpenToWorld.evaluate(bySlr)).toBeUndefined();
  });

  test('Compliance 6: egress rules', () => {
    expect(
      securityGroupOpenToWorld.evaluate(
        ingress(nested({ items: [{ cidrIp: '0.0.0.0/0' }] }), { eventName: 'AuthorizeSecurityGroupEgress' }),
      ),
    ).toBeUndefined();
  });
});
