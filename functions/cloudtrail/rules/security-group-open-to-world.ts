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
  // ModifySecurityGroupRules: an existing rule rewritten to a world CIDR.
  const request = asObject(parameters.ModifySecurityGroupRulesRequest);
  for (const entry of asArray(request?.SecurityGroupRule)) {
    const rule = asObject(asObject(entry)?.SecurityGroupRule);
    if (!rule) continue;
    for (const cidr of [rule.CidrIpv4, rule.CidrIpv6].filter(isWorld)) {
      found.push(`${ports(rule.IpProtocol, rule.FromPort, rule.ToPort)} from ${cidr}`);
    }
  }
  return found;
}

/** `security-group-open-to-world`: an ingress rule from 0.0.0.0/0 or ::/0 was added to a security group. */
export const securityGroupOpenToWorld = eventRule({
  id: 'security-group-open-to-world',
  severity: 'HIGH',
  title: 'Security group opened to the internet',
  description: 'An ingress rule now admits 0.0.0.0/0 or ::/0, exposing whatever the group protects.',
  events: { 'ec2.amazonaws.com': ['AuthorizeSecurityGroupIngress', 'ModifySecurityGroupRules'] },
  match(record) {
    const found = openings(record);
    if (found.length === 0) return false;
    const parameters = asObject(record.requestParameters);
    const groupId =
      asString(parameters?.groupId) ?? asString(asObject(parameters?.ModifySecurityGroupRulesRequest)?.GroupId);
    const group = groupId ?? asString(parameters?.groupName);
    const region = asString(record.awsRegion) ?? 'unknown';
    const account = accountOf(record);
    return {
      detail: `${group ?? 'a security group'}: ${found.join(', ')}`,
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
