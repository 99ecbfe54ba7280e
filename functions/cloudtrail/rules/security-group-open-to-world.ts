import { accountOf, asArray, asObject, asString, type CloudTrailRecord, partitionOf } from '../record';
import { eventRule } from './types';

const WORLD = new Set(['0.0.0.0/0', '::/0']);

function isWorld(cidr: unknown): cidr is string {
  return typeof cidr === 'string' && WORLD.has(cidr.trim());
}

function ports(protocol: unknown, from: unknown, to: unknown): string {
  const name = protocol === '-1' || protocol === -1 || protocol === undefined ? 'all traffic' : String(protocol);
  if (name === 'all traffic' || from === undefined || from === -1) return name;
  return from === to || to === undefined ? `${name}/${String(from)}` : `${name}/${String(from)}-${String(to)}`;
}

/** Every rule of the request that admits the whole internet, as `tcp/22 from 0.0.0.0/0`. */
function openings(record: CloudTrailRecord): string[] {
  const parameters = asObject(record.requestParameters);
  if (!parameters) return [];
  const found: string[] = [];
  // Nested form: ipPermissions.items[].ipRanges.items[].cidrIp / ipv6Ranges.items[].cidrIpv6.
  for (const permission of asArray(asObject(parameters.ipPermissions)?.items)) {
    const p = asObject(permission);
    if (!p) continue;
    const cidrs = [
      ...asArray(asObject(p.ipRanges)?.items).map((range) => asObject(range)?.cidrIp),
      ...asArray(asObject(p.ipv6Ranges)?.items).map((range) => asObject(range)?.cidrIpv6),
    ];
    for (const cidr of cidrs.filter(isWorld)) found.push(`${ports(p.ipProtocol, p.fromPort, p.toPort)} from ${cidr}`);
  }
  // Flat form (older API shape): cidrIp with ipProtocol / fromPort / toPort at the top.
  for (const cidr of [parameters.cidrIp, parameters.cidrIpv6].filter(isWorld)) {
    found.push(`${ports(parameters.ipProtocol, parameters.fromPort, parameters.toPort)} from ${cidr}`);
  }
  return found;
}

/** The rules a ModifySecurityGroupRules rewrote to a world CIDR, and each opening as {@link openings} writes it. */
function modified(record: CloudTrailRecord): { ruleIds: string[]; cidrs: string[]; found: string[] } {
  const request = asObject(asObject(record.requestParameters)?.ModifySecurityGroupRulesRequest);
  const ruleIds: string[] = [];
  const cidrs: string[] = [];
  const found: string[] = [];
  // One rule comes as an object, several as a list.
  for (const entry of asArray(request?.SecurityGroupRule)) {
    const rule = asObject(asObject(entry)?.SecurityGroupRule);
    if (!rule) continue;
    const world = [rule.CidrIpv4, rule.CidrIpv6].filter(isWorld);
    if (world.length === 0) continue;
    const id = asString(asObject(entry)?.SecurityGroupRuleId);
    if (id && !ruleIds.includes(id)) ruleIds.push(id);
    for (const cidr of world) {
      if (!cidrs.includes(cidr.trim())) cidrs.push(cidr.trim());
      // "from", as causes.ts matches an ingress rule's opening; the title and evidence say the direction is unknown.
      found.push(`${ports(rule.IpProtocol, rule.FromPort, rule.ToPort)} from ${cidr}`);
    }
  }
  return { ruleIds, cidrs, found };
}

const MODIFY = 'ModifySecurityGroupRules';

/**
 * `security-group-open-to-world`: an ingress rule from 0.0.0.0/0 or ::/0 was added to a security group, or a rule was
 * changed to such a CIDR. ModifySecurityGroupRules works on ingress and egress rules alike and its event names only
 * the rule's ID (the response is `{"return": true}`), so such a finding says that its direction is unknown rather
 * than that the group was opened: a real ingress opening must not be missed, and an egress one must not be called one.
 */
export const securityGroupOpenToWorld = eventRule({
  id: 'security-group-open-to-world',
  severity: 'HIGH',
  title: 'Security group opened to the internet',
  description:
    'An ingress rule now admits 0.0.0.0/0 or ::/0; or a rule was changed to one (ModifySecurityGroupRules: ingress or egress, unknown).',
  events: { 'ec2.amazonaws.com': ['AuthorizeSecurityGroupIngress', MODIFY] },
  match(record) {
    const change = record.eventName === MODIFY ? modified(record) : undefined;
    const found = change ? change.found : openings(record);
    if (found.length === 0) return false;
    const parameters = asObject(record.requestParameters);
    const groupId =
      asString(parameters?.groupId) ?? asString(asObject(parameters?.ModifySecurityGroupRulesRequest)?.GroupId);
    const group = groupId ?? asString(parameters?.groupName);
    const region = asString(record.awsRegion) ?? 'unknown';
    const account = accountOf(record);
    const rules = change?.ruleIds.length
      ? `Security group rule${change.ruleIds.length > 1 ? 's' : ''} ${change.ruleIds.join(', ')}`
      : 'A security group rule';
    return {
      detail: `${group ?? 'a security group'}: ${found.join(', ')}`,
      ...(change
        ? {
            title: `${rules} changed to allow ${change.cidrs.join(', ')} (${MODIFY}: ingress or egress, the event does not say)`,
            evidence: {
              ...(change.ruleIds.length > 0 ? { securityGroupRuleId: change.ruleIds.join(', ') } : {}),
              direction: `unknown: ${MODIFY} names only the rule, and works on ingress and egress rules alike`,
            },
          }
        : {}),
      ...(group
        ? {
            resource: {
              type: 'AwsEc2SecurityGroup',
              id: group,
              region,
              ...(groupId && account
                ? { arn: `arn:${partitionOf(record)}:ec2:${region}:${account}:security-group/${groupId}` }
                : {}),
            },
          }
        : {}),
    };
  },
});
