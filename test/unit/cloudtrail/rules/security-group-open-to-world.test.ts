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
