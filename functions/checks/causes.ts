import type { CheckResult, Finding, FindingCause, ResourceType } from '../lib/types';

/** How a current-state finding is tied to the CloudTrail event that made the resource so. */
interface CauseRule {
  /** The CloudTrail events that can have caused it (successful calls only: an attempt changes nothing). */
  readonly events: (finding: Finding) => readonly string[];
  /** The resource type the CloudTrail finding names; the ID must match too (see {@link sameResource}). */
  readonly type: ResourceType;
  /** A further test on the event: the security group rule it opened is the one found. */
  readonly also?: (finding: Finding, event: Finding) => boolean;
}

const BUCKET_BLOCK_EVENTS = [
  'DeleteBucketPublicAccessBlock',
  'PutBucketPublicAccessBlock',
  'DeletePublicAccessBlock',
  'PutPublicAccessBlock',
];

/** `tcp/22 from 0.0.0.0/0`, as the `security-group-open-to-world` rule writes each opening in its detail. */
function opening(evidence: Finding['evidence']): string | undefined {
  if (!evidence) return undefined;
  const protocol = String(evidence.protocol ?? '-1');
  const from = typeof evidence.fromPort === 'number' ? evidence.fromPort : -1;
  const to = typeof evidence.toPort === 'number' ? evidence.toPort : from;
  const ports =
    protocol === '-1'
      ? 'all traffic'
      : from < 0
        ? protocol
        : from === to
          ? `${protocol}/${from}`
          : `${protocol}/${from}-${to}`;
  return `${ports} from ${String(evidence.cidr)}`;
}

/**
 * Whether the event opened this very rule: by the event's structured evidence when it has some, else by the
 * openings its detail lists (`sg-…: tcp/22 from 0.0.0.0/0, tcp/443 from ::/0`); an event that says neither
 * counts for the whole group. A rule open through a managed prefix list (`evidence.prefixListId`) was not opened by
 * a CIDR opening: the event that opened 0.0.0.0/0 itself on the same ports is the cause of another rule.
 */
function openedThisRule(finding: Finding, event: Finding): boolean {
  const wanted = finding.evidence;
  const given = event.evidence;
  const throughList = typeof wanted?.prefixListId === 'string';
  if (given && given.cidr !== undefined && given.fromPort !== undefined) {
    return (
      !throughList &&
      given.cidr === wanted?.cidr &&
      String(given.protocol) === String(wanted?.protocol) &&
      given.fromPort === wanted?.fromPort &&
      (given.toPort ?? given.fromPort) === wanted?.toPort
    );
  }
  const detail = event.detail ?? '';
  const listed = detail
    .slice(detail.indexOf(': ') + 2)
    .split(', ')
    .filter((part) => part.includes(' from '));
  return listed.length === 0 || (!throughList && listed.includes(opening(wanted) ?? ''));
}

/** The cause rules by current-state rule ID. */
const CAUSE_RULES: Readonly<Record<string, CauseRule>> = {
  'network-exposure/world-ingress': {
    events: () => ['AuthorizeSecurityGroupIngress', 'ModifySecurityGroupRules'],
    type: 'AwsEc2SecurityGroup',
    also: openedThisRule,
  },
  's3-public-access/bucket-public': {
    events: (finding) => [
      ...(finding.evidence?.via === 'acl' ? ['PutBucketAcl', 'CreateBucket'] : ['PutBucketPolicy']),
      ...BUCKET_BLOCK_EVENTS,
    ],
    type: 'AwsS3Bucket',
  },
  's3-public-access/account-block-off': {
    events: () => [
      'DeleteAccountPublicAccessBlock',
      'PutAccountPublicAccessBlock',
      'DeletePublicAccessBlock',
      'PutPublicAccessBlock',
    ],
    type: 'AwsS3AccountPublicAccessBlock',
  },
  'kms-key-deletion/pending-deletion': { events: () => ['ScheduleKeyDeletion'], type: 'AwsKmsKey' },
  'kms-key-deletion/disabled': { events: () => ['DisableKey'], type: 'AwsKmsKey' },
  'security-services/guardduty-off': {
    events: (finding) => (finding.evidence?.status === 'MISSING' ? ['DeleteDetector'] : ['UpdateDetector']),
    type: 'AwsGuardDutyDetector',
  },
  'security-services/config-recorder-stopped': {
    events: (finding) =>
      finding.evidence?.status === 'MISSING' ? ['DeleteConfigurationRecorder'] : ['StopConfigurationRecorder'],
    type: 'AwsConfigConfigurationRecorder',
  },
  'security-services/securityhub-off': { events: () => ['DisableSecurityHub'], type: 'AwsSecurityHubHub' },
};

/** The checks whose findings get causes. */
export const CURRENT_STATE_CHECKS = ['network-exposure', 's3-public-access', 'kms-key-deletion', 'security-services'];

/** A key named by ARN (`arn:aws:kms:…:key/<id>`) or by ID: its ID. */
function bareId(id: string): string {
  const key = /:key\/([^/]+)$/.exec(id);
  return key?.[1] ?? id;
}

function regionOf(event: Finding): string | undefined {
  return event.resource?.region ?? event.region;
}

/** Whether the event names the finding's resource: by its `resource`, else by the resource ID in its detail. */
function sameResource(finding: Finding, event: Finding, type: ResourceType): boolean {
  const resource = finding.resource;
  if (!resource) return false;
  // Nothing left to name (no detector, no recorder, no hub): the event of that kind in that region.
  const unnamed = resource.id === 'none' || type === 'AwsSecurityHubHub' || type === 'AwsS3AccountPublicAccessBlock';
  if (event.resource) {
    if (event.resource.type !== type) return false;
    if (type === 'AwsS3AccountPublicAccessBlock') return true;
    if (unnamed) return regionOf(event) === resource.region;
    return bareId(event.resource.id) === bareId(resource.id);
  }
  // Without a resource, only the account-level event names tell an account setting from a bucket's.
  if (type === 'AwsS3AccountPublicAccessBlock') return event.eventName?.includes('Account') === true;
  if (unnamed) return regionOf(event) === resource.region;
  const detail = event.detail ?? '';
  const id = resource.id;
  let at = detail.indexOf(id);
  while (at >= 0) {
    const before = detail[at - 1];
    const after = detail[at + id.length];
    if ((before === undefined || /[\s:/"'(]/.test(before)) && (after === undefined || /[\s:,"')]/.test(after))) {
      return true;
    }
    at = detail.indexOf(id, at + 1);
  }
  return false;
}

/** The cause a CloudTrail finding gives. */
function causeOf(event: Finding): FindingCause {
  return {
    eventName: event.eventName as string,
    ...(event.eventTime ? { eventTime: event.eventTime } : {}),
    ...(event.eventId ? { eventId: event.eventId } : {}),
    ...(event.principalArn ? { principalArn: event.principalArn } : {}),
    ...(event.sourceIp ? { sourceIp: event.sourceIp } : {}),
  };
}

/** The latest successful event among the run's CloudTrail findings that made `finding` so, if any. */
export function causeFor(finding: Finding, events: readonly Finding[]): FindingCause | undefined {
  const rule = CAUSE_RULES[finding.rule];
  if (!rule || !finding.resource) return undefined;
  const names = rule.events(finding);
  let latest: Finding | undefined;
  for (const event of events) {
    if (event.attempt || !event.eventName || !names.includes(event.eventName)) continue;
    if (!sameResource(finding, event, rule.type)) continue;
    if (rule.also && !rule.also(finding, event)) continue;
    if (!latest || (event.eventTime ?? '') > (latest.eventTime ?? '')) latest = event;
  }
  return latest ? causeOf(latest) : undefined;
}

/**
 * Gives each current-state finding the CloudTrail event that made its resource so, when the same run's
 * `cloudtrail-events` found one: an `AuthorizeSecurityGroupIngress` on the group (and that rule), a
 * `PutBucketPolicy` on the bucket, a `ScheduleKeyDeletion` on the key, a `DeleteDetector` in the region... The
 * latest such event wins; failed attempts never count. Pure: returns new results, the input is left as it was.
 */
export function linkCauses<R extends Readonly<Record<string, CheckResult>>>(results: R): R {
  const events = results['cloudtrail-events']?.findings ?? [];
  if (events.length === 0) return results;
  const linked: Record<string, CheckResult> = { ...results };
  for (const id of CURRENT_STATE_CHECKS) {
    const result = results[id];
    if (!result?.findings) continue;
    let changed = false;
    const findings = result.findings.map((finding) => {
      const cause = causeFor(finding, events);
      if (!cause) return finding;
      changed = true;
      return { ...finding, cause };
    });
    if (changed) linked[id] = { ...result, findings };
  }
  return linked as R;
}
