import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { describePorts, exposureSeverity } from '../checks/network-exposure';
import { errorName } from '../lib/errors';
import { ACTION_INFO } from './catalog';
import { tagMap } from './tags';
import type { Inspection, Json, JsonObject, RemediationAction, Target } from './types';

const WORLD = new Set(['0.0.0.0/0', '::/0']);

async function readRule(target: Target, ec2: EC2Client): Promise<SecurityGroupRule | undefined> {
  const ruleId = String(target.evidence.ruleId ?? target.resource.part ?? '');
  try {
    const { SecurityGroupRules } = await ec2.send(
      new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [ruleId] }),
    );
    return SecurityGroupRules?.find((rule) => rule.SecurityGroupRuleId === ruleId);
  } catch (error) {
    if (errorName(error) === 'InvalidSecurityGroupRuleId.NotFound') return undefined;
    throw error;
  }
}

function ruleState(rule: SecurityGroupRule): JsonObject {
  return {
    ruleId: rule.SecurityGroupRuleId ?? null,
    groupId: rule.GroupId ?? null,
    protocol: rule.IpProtocol ?? null,
    fromPort: rule.FromPort ?? null,
    toPort: rule.ToPort ?? null,
    cidrIpv4: rule.CidrIpv4 ?? null,
    cidrIpv6: rule.CidrIpv6 ?? null,
    prefixListId: rule.PrefixListId ?? null,
    description: rule.Description ?? null,
  };
}

/**
 * Why a rule whose source is a managed prefix list is left to a person. network-exposure reports such a rule when the
 * list holds 0.0.0.0/0 or ::/0, but the world is one entry of the list, not the rule: revoking the rule would cut
 * every other range of the list as well (an office, a partner), and removing the entry changes the list for every
 * group, route table and account that uses it (a list may be shared through RAM, or belong to another account).
 */
function prefixListSource(rule: SecurityGroupRule): string | undefined {
  if (!rule.PrefixListId) return undefined;
  return (
    `the rule admits prefix list ${rule.PrefixListId}, not a CIDR: revoking it would cut every range of the list, ` +
    'and the list may serve other groups and accounts; remove 0.0.0.0/0 and ::/0 from the list, or replace the rule'
  );
}

/**
 * Revokes exactly one ingress rule open to the world, by its security group rule ID: the other CIDRs and ports of
 * the same group stay as they are. A rule whose source is a managed prefix list is left to a person
 * ({@link prefixListSource}).
 */
export const revokeWorldIngress: RemediationAction = {
  ...ACTION_INFO['revoke-world-ingress'],

  async inspect(target, { session, settings }): Promise<Inspection> {
    const ec2 = session.client(EC2Client, { region: target.resource.region });
    const { SecurityGroups } = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [target.resource.id] }));
    const group = SecurityGroups?.[0];
    const tags = tagMap(group?.Tags);
    const groupName = group?.GroupName ?? '';
    const controlTower = /^aws-controltower-|^AWSControlTower/.test(groupName)
      ? `security group ${groupName} belongs to Control Tower`
      : undefined;
    const rule = await readRule(target, ec2);
    const ingress = rule !== undefined && rule.IsEgress !== true;
    // A rule from a prefix list is never revoked, and never called compliant either: its list is not read here, and
    // the audit found the world in it. It is planned as NEEDS_PERSON; met at apply (a rule edited in place since the
    // plan), it is NOT_APPLIED with the same reason.
    const throughList = ingress ? prefixListSource(rule) : undefined;
    const open =
      ingress && (throughList !== undefined || WORLD.has(rule.CidrIpv4 ?? '') || WORLD.has(rule.CidrIpv6 ?? ''));
    // Rated from the rule as it is now, not from the finding: a rule edited to an allowed port since is never revoked.
    const allowed = open && exposureSeverity(rule, settings.exposure).allowedPort;
    return {
      compliant: !open,
      state: rule ? { present: true, ...ruleState(rule) } : { present: false, ruleId: String(target.evidence.ruleId) },
      tags,
      ...(controlTower ? { controlTower } : {}),
      ...(allowed
        ? { allowed: `the rule's ports (${describePorts(rule)}) are in exposure.allowedPublicPorts: never revoked` }
        : {}),
      ...(throughList ? { needsPerson: throughList } : {}),
    };
  },

  async apply(target, before, { session }) {
    const ec2 = session.client(EC2Client, { region: target.resource.region });
    const params = { GroupId: target.resource.id, SecurityGroupRuleIds: [String(before.state.ruleId)] };
    await ec2.send(new RevokeSecurityGroupIngressCommand(params));
    return [{ call: 'ec2:RevokeSecurityGroupIngress', params }];
  },

  async undo(target, before, _applied, { session }) {
    const ec2 = session.client(EC2Client, { region: target.resource.region });
    const range = (cidr: Json | undefined) => (typeof cidr === 'string' ? cidr : undefined);
    const description = typeof before.description === 'string' ? before.description : undefined;
    const v4 = range(before.cidrIpv4);
    const v6 = range(before.cidrIpv6);
    const permission = {
      IpProtocol: String(before.protocol),
      ...(typeof before.fromPort === 'number' && before.protocol !== '-1' ? { FromPort: before.fromPort } : {}),
      ...(typeof before.toPort === 'number' && before.protocol !== '-1' ? { ToPort: before.toPort } : {}),
      ...(v4 ? { IpRanges: [{ CidrIp: v4, ...(description ? { Description: description } : {}) }] } : {}),
      ...(v6 ? { Ipv6Ranges: [{ CidrIpv6: v6, ...(description ? { Description: description } : {}) }] } : {}),
    };
    const params = { GroupId: target.resource.id, IpPermissions: [permission] };
    const result = await ec2.send(new AuthorizeSecurityGroupIngressCommand(params));
    const ruleIds = (result.SecurityGroupRules ?? []).map((rule) => rule.SecurityGroupRuleId ?? '');
    return [
      { call: 'ec2:AuthorizeSecurityGroupIngress', params: params as unknown as JsonObject, result: { ruleIds } },
    ];
  },
};
