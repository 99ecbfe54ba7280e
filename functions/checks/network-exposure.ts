import {
  DescribeSecurityGroupRulesCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { mapLimit } from '../lib/concurrency';
import { isThrottle } from '../lib/errors';
import type { ExposureSettings } from '../lib/exposure-settings';
import type { Finding, Severity } from '../lib/types';
import { CHECK_INFO } from './catalog';
import {
  callOptions,
  currentStateResult,
  type Gap,
  gapOf,
  isDeadline,
  partitionOf,
  RESOURCE_CONCURRENCY,
  readRegions,
  unreachable,
} from './current-state';
import type { Check, CheckContext } from './types';

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

/** An ingress rule open to the world: from a world CIDR, or from a managed prefix list that holds one. */
interface WorldRule {
  readonly rule: SecurityGroupRule;
  /** `0.0.0.0/0` or `::/0`: the rule's own CIDR, or the entry of its prefix list. */
  readonly cidr: string;
  /** The managed prefix list the rule admits, when the world comes through one. */
  readonly prefixListId?: string;
}

/** What one region gave: its rules open to the world, and the prefix lists that could not be read. */
interface RegionExposure {
  readonly open: WorldRule[];
  readonly gaps: Gap[];
}

/** Prefix lists that could not be read, named one by one before "N more prefix lists". */
const NAMED_LIST_GAPS = 5;

/**
 * The world entry (`0.0.0.0/0` or `::/0`, as for a rule's own CIDR) of each prefix list, if it has one, read once per
 * region however many rules name the list. A list is read whoever owns it: a customer-managed one (this account's, or
 * shared through RAM) holds whatever its owner put in it; an AWS-managed one (`com.amazonaws.<region>.s3`,
 * CloudFront's origin-facing ranges) holds an AWS service's ranges, never the world, so its entries say so without a
 * rule about owners. A list that cannot be read (denied, gone, the deadline) is a gap of its own: the rules that name
 * it were not checked, and the region's other rules and lists still count. Throttling is thrown, as everywhere in the
 * check.
 */
async function worldEntries(
  client: EC2Client,
  region: string,
  ids: readonly string[],
  context: Pick<CheckContext, 'deadline'>,
): Promise<{ world: Map<string, string | undefined>; gaps: Gap[] }> {
  const world = new Map<string, string | undefined>();
  let late = 0;
  const failed: { index: number; gap: Gap }[] = [];
  await mapLimit(ids, RESOURCE_CONCURRENCY, async (PrefixListId, index) => {
    try {
      const found: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new GetManagedPrefixListEntriesCommand({
            PrefixListId,
            MaxResults: 100,
            ...(token ? { NextToken: token } : {}),
          }),
          callOptions(context, 'every prefix list was read'),
        );
        for (const entry of page.Entries ?? []) if (entry.Cidr && WORLD.has(entry.Cidr)) found.push(entry.Cidr);
        token = page.NextToken;
      } while (token);
      // One finding per rule: 0.0.0.0/0 named when the list holds both.
      world.set(PrefixListId, found.includes('0.0.0.0/0') ? '0.0.0.0/0' : found[0]);
    } catch (error) {
      if (isThrottle(error)) throw error;
      if (isDeadline(error, context)) late++;
      else failed.push({ index, gap: gapOf(context, region, `prefix list ${PrefixListId} (${region})`, error) });
    }
  });
  const gaps: Gap[] = [];
  if (late > 0) {
    const what = `${late} of ${ids.length} prefix lists (${region})`;
    gaps.push({ region, what, key: `prefix lists not read before the deadline (${region})`, reason: 'deadline' });
  }
  // In the order the rules named them, whichever answered first: the same lists are named run after run.
  const inOrder = failed.sort((a, b) => a.index - b.index).map((entry) => entry.gap);
  gaps.push(...inOrder.slice(0, NAMED_LIST_GAPS));
  const more = inOrder.length - NAMED_LIST_GAPS;
  if (more > 0) {
    const what = `${more} more prefix lists (${region})`;
    gaps.push({ ...(inOrder[NAMED_LIST_GAPS] as Gap), what, key: `more prefix lists not read (${region})` });
  }
  return { world, gaps };
}

/**
 * The region's ingress rules open to the world: from `0.0.0.0/0` or `::/0`, or from a managed prefix list that holds
 * either. A rule from another security group is not the world, whatever that group admits.
 */
async function worldIngress(
  client: EC2Client,
  region: string,
  context: Pick<CheckContext, 'deadline'>,
): Promise<RegionExposure> {
  const open: WorldRule[] = [];
  const viaList: SecurityGroupRule[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new DescribeSecurityGroupRulesCommand({ MaxResults: 1000, ...(token ? { NextToken: token } : {}) }),
      callOptions(context, 'every security group rule was read'),
    );
    for (const rule of page.SecurityGroupRules ?? []) {
      if (rule.IsEgress) continue;
      const cidr = rule.CidrIpv4 ?? rule.CidrIpv6;
      if (cidr !== undefined && WORLD.has(cidr)) open.push({ rule, cidr });
      else if (rule.PrefixListId) viaList.push(rule);
    }
    token = page.NextToken;
  } while (token);
  if (viaList.length === 0) return { open, gaps: [] };
  const ids = [...new Set(viaList.map((rule) => rule.PrefixListId as string))];
  const { world, gaps } = await worldEntries(client, region, ids, context);
  for (const rule of viaList) {
    const prefixListId = rule.PrefixListId as string;
    const cidr = world.get(prefixListId);
    if (cidr !== undefined) open.push({ rule, cidr, prefixListId });
  }
  return { open, gaps };
}

/**
 * `network-exposure`: in every governed region, security group ingress rules open to 0.0.0.0/0 or ::/0, directly or
 * through a managed prefix list that holds either. All traffic is CRITICAL, a high-risk port (SSH, RDP, databases:
 * `exposure.highRiskPorts`) HIGH, other ports MEDIUM, ports all in `exposure.allowedPublicPorts` (80 and 443) INFO.
 * A rule from a private range, from a list without a world entry, or from another security group is no finding.
 */
export const networkExposureCheck: Check = {
  ...CHECK_INFO['network-exposure'],
  async run(context) {
    const cannot = await unreachable(context);
    if (cannot) return cannot;
    const partition = partitionOf(context);
    const read = await readRegions(context, (region) =>
      worldIngress(context.target.client(EC2Client, { region }), region, context),
    );
    const { done } = read;
    // A prefix list not read leaves a gap in its region, next to the regions not read at all, in the regions' order.
    const order = (gap: Gap) => context.regions.indexOf(gap.region);
    const gaps = [...read.gaps, ...done.flatMap(({ value }) => value.gaps)].sort((a, b) => order(a) - order(b));
    const findings: Finding[] = done.flatMap(({ region, value }) =>
      value.open.map(({ rule, cidr, prefixListId }): Finding => {
        const groupId = rule.GroupId ?? 'unknown';
        const { severity, allowedPort } = exposureSeverity(rule, context.settings.exposure);
        const through = prefixListId ? ` through prefix list ${prefixListId}` : '';
        return {
          rule: 'network-exposure/world-ingress',
          severity,
          title: `${groupId} admits ${describePorts(rule)} from ${cidr}${through} (${region})`,
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
            // The rule's source is the list, not the CIDR: revoke-world-ingress leaves such a rule to a person.
            ...(prefixListId ? { prefixListId } : {}),
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
