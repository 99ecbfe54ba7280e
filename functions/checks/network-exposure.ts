import { DescribeSecurityGroupRulesCommand, EC2Client, type SecurityGroupRule } from '@aws-sdk/client-ec2';
import type { ExposureSettings } from '../lib/exposure-settings';
import type { Finding, Severity } from '../lib/types';
import { CHECK_INFO } from './catalog';
import { callOptions, currentStateResult, partitionOf, readRegions, unreachable } from './current-state';
import type { Check } from './types';

const WORLD = new Set(['0.0.0.0/0', '::/0']);

/** Protocols whose rules have a port range (the rest: ICMP types, or none). */
const PORT_PROTOCOLS = new Set(['tcp', 'udp', '6', '17']);

/** How one rule open to the world is rated. */
export function exposureSeverity(
  rule: Pick<SecurityGroupRule, 'IpProtocol' | 'FromPort' | 'ToPort'>,
  exposure: ExposureSettings,
): { severity: Severity; allowedPort: boolean } {
  const protocol = String(rule.IpProtocol ?? '-1').toLowerCase();
  if (protocol === '-1' || protocol === 'all') return { severity: 'CRITICAL', allowedPort: false };
  if (!PORT_PROTOCOLS.has(protocol))
    return { severity: protocol === 'icmp' || protocol === '1' ? 'LOW' : 'MEDIUM', allowedPort: false };
  const from = rule.FromPort === undefined || rule.FromPort < 0 ? 0 : rule.FromPort;
  const to = rule.ToPort === undefined || rule.ToPort < 0 ? 65535 : rule.ToPort;
  if (exposure.highRiskPorts.some((port) => port >= from && port <= to))
    return { severity: 'HIGH', allowedPort: false };
  // Only a range made wholly of allowed ports is allowed (80-443 reaches far more than 80 and 443).
  const allowed =
    to - from < 1024 &&
    Array.from({ length: to - from + 1 }, (_, i) => from + i).every((port) =>
      exposure.allowedPublicPorts.includes(port),
    );
  return allowed ? { severity: 'INFO', allowedPort: true } : { severity: 'MEDIUM', allowedPort: false };
}

/** `tcp/22`, `tcp/8000-8080`, `all traffic`, `icmp`. */
export function describePorts(rule: Pick<SecurityGroupRule, 'IpProtocol' | 'FromPort' | 'ToPort'>): string {
  const protocol = String(rule.IpProtocol ?? '-1');
  if (protocol === '-1') return 'all traffic';
  if (!PORT_PROTOCOLS.has(protocol.toLowerCase()) || rule.FromPort === undefined || rule.FromPort < 0) return protocol;
  return rule.FromPort === rule.ToPort ? `${protocol}/${rule.FromPort}` : `${protocol}/${rule.FromPort}-${rule.ToPort}`;
}

async function worldIngress(client: EC2Client, deadline: number): Promise<SecurityGroupRule[]> {
  const found: SecurityGroupRule[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new DescribeSecurityGroupRulesCommand({ MaxResults: 1000, ...(token ? { NextToken: token } : {}) }),
      callOptions({ deadline }, 'every security group rule was read'),
    );
    for (const rule of page.SecurityGroupRules ?? []) {
      const cidr = rule.CidrIpv4 ?? rule.CidrIpv6;
      if (!rule.IsEgress && cidr !== undefined && WORLD.has(cidr)) found.push(rule);
    }
    token = page.NextToken;
  } while (token);
  return found;
}

/**
 * `network-exposure`: in every governed region, security group ingress rules open to 0.0.0.0/0 or ::/0. All
 * traffic is CRITICAL, a high-risk port (SSH, RDP, databases: `exposure.highRiskPorts`) HIGH, other ports
 * MEDIUM, ports all in `exposure.allowedPublicPorts` (80 and 443) INFO. A rule from a private range is no finding.
 */
export const networkExposureCheck: Check = {
  ...CHECK_INFO['network-exposure'],
  async run(context) {
    const cannot = await unreachable(context);
    if (cannot) return cannot;
    const partition = partitionOf(context);
    const { done, gaps } = await readRegions(context, (region) =>
      worldIngress(context.target.client(EC2Client, { region }), context.deadline),
    );
    const findings: Finding[] = done.flatMap(({ region, value }) =>
      value.map((rule): Finding => {
        const groupId = rule.GroupId ?? 'unknown';
        const cidr = (rule.CidrIpv4 ?? rule.CidrIpv6) as string;
        const { severity, allowedPort } = exposureSeverity(rule, context.settings.exposure);
        return {
          rule: 'network-exposure/world-ingress',
          severity,
          title: `${groupId} admits ${describePorts(rule)} from ${cidr} (${region})`,
          resource: {
            type: 'AwsEc2SecurityGroup',
            id: groupId,
            region,
            arn: `arn:${partition}:ec2:${region}:${context.accountId}:security-group/${groupId}`,
            ...(rule.SecurityGroupRuleId ? { part: rule.SecurityGroupRuleId } : {}),
          },
          evidence: {
            ruleId: rule.SecurityGroupRuleId ?? null,
            groupId,
            protocol: String(rule.IpProtocol ?? '-1'),
            fromPort: rule.FromPort ?? -1,
            toPort: rule.ToPort ?? -1,
            cidr,
            allowedPort,
          },
        };
      }),
    );
    const regions = done.length === 1 ? (done[0]?.region ?? '') : `${done.length} regions`;
    return currentStateResult(
      'network-exposure',
      context,
      findings,
      gaps,
      `${regions}: no security group admits the internet beyond the allowed ports`,
    );
  },
};
