import type { RemediationId } from '../lib/ids';
import type { ActionInfo, Target } from './types';

function ports(target: Target): string {
  const { protocol, fromPort, toPort } = target.evidence;
  if (protocol === '-1') return 'all traffic';
  return fromPort === toPort ? `${protocol} ${fromPort}` : `${protocol} ${fromPort}-${toPort}`;
}

/**
 * Every action's description, apart from its code: a plan matches findings to actions, gates them and describes
 * them with this alone, and loads an action's code and its AWS SDK client only to inspect, apply or undo
 * (registry.ts). Each action spreads its entry into its own object.
 */
export const ACTION_INFO: { readonly [Id in RemediationId]: ActionInfo & { readonly id: Id } } = {
  'revoke-world-ingress': {
    id: 'revoke-world-ingress',
    title: 'Revoke a security group rule open to the internet',
    fixes: { check: 'network-exposure', rules: ['network-exposure/world-ingress'] },
    risk:
      'Clients that reach the port from the internet lose access. Only the one rule from 0.0.0.0/0 or ::/0 is ' +
      'revoked; rules for other CIDRs and for the allowed public ports stay.',
    describe: (target) =>
      target.evidence.prefixListId
        ? `none: ingress rule ${target.evidence.ruleId} (${ports(target)} from prefix list ${target.evidence.prefixListId}, which holds ${target.evidence.cidr}) of ${target.resource.id} is left to a person`
        : `revoke ingress rule ${target.evidence.ruleId} (${ports(target)} from ${target.evidence.cidr}) of ${target.resource.id}`,
    key: (target) =>
      [
        target.resource.id,
        target.evidence.protocol,
        target.evidence.fromPort,
        target.evidence.toPort,
        target.evidence.cidr,
        // A rule through a prefix list is another rule than the one from the CIDR itself (keys of CIDR rules stay).
        ...(target.evidence.prefixListId ? [target.evidence.prefixListId] : []),
      ].join(':'),
    // The rule's ID survives ModifySecurityGroupRules: what was approved is the rule as the plan saw it (the fields
    // of revoke-world-ingress.ts's state), not whatever the ID names at apply.
    mustMatchPlan: ['groupId', 'protocol', 'fromPort', 'toPort', 'cidrIpv4', 'cidrIpv6', 'prefixListId'],
  },
  'block-bucket-public-access': {
    id: 'block-bucket-public-access',
    title: "Turn on the bucket's Block Public Access",
    fixes: { check: 's3-public-access', rules: ['s3-public-access/bucket-public'] },
    risk:
      'Anything that reads the bucket anonymously (public ACLs or policy) loses access. Website buckets and ' +
      'CloudFront origins are never blocked automatically: they need a person.',
    describe: (target) => `turn on all four Block Public Access settings of bucket ${target.resource.id}`,
    key: (target) => target.resource.id,
  },
  'cancel-key-deletion': {
    id: 'cancel-key-deletion',
    title: 'Cancel the deletion of a KMS key',
    fixes: { check: 'kms-key-deletion', rules: ['kms-key-deletion/pending-deletion'] },
    risk:
      'Keeps a key that someone scheduled for deletion; it stays disabled unless remediation.enableKeyAfterCancel ' +
      'is set. Data encrypted under it becomes readable again only when the key is enabled.',
    describe: (target, settings) =>
      `cancel the deletion of key ${target.resource.id}${settings.remediation.enableKeyAfterCancel ? ' and enable it' : ' (it stays disabled)'}`,
    key: (target) => target.resource.id,
  },
  'start-config-recorder': {
    id: 'start-config-recorder',
    title: 'Start a stopped AWS Config recorder',
    fixes: { check: 'security-services', rules: ['security-services/config-recorder-stopped'] },
    risk: 'Config records again (and bills for it). Nothing else on Config changes: no recorder or channel is created.',
    describe: (target) => `start Config recorder ${target.resource.id} in ${target.resource.region}`,
    key: (target) => `${target.resource.region}:${target.resource.id}`,
  },
  'enable-guardduty': {
    id: 'enable-guardduty',
    title: 'Enable GuardDuty',
    fixes: { check: 'security-services', rules: ['security-services/guardduty-off'] },
    risk:
      'GuardDuty starts analysing the account (and bills for it). In an organization whose GuardDuty is managed by ' +
      'a delegated administrator, prefer enabling it there.',
    describe: (target) =>
      target.resource.id === 'none'
        ? `create an enabled GuardDuty detector in ${target.resource.region}`
        : `enable GuardDuty detector ${target.resource.id} in ${target.resource.region}`,
    key: (target) => target.resource.region,
  },
};
