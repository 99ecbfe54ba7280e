import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { TrackedFinding } from '../lib/changes';
import { cleanText } from '../lib/text';
import type { ResourceType, Severity } from '../lib/types';

/** Security Hub's limits that neither the SDK nor the emulator checks. */
export const ASFF_LIMITS = { title: 256, description: 1024, types: 50, resources: 32, bytes: 240 * 1024 } as const;
/** One BatchImportFindings call takes at most this many findings. */
export const ASFF_BATCH = 100;

/** A type is `namespace/category/classifier`, from these namespaces. */
const TYPE_PATTERN =
  /^(Software and Configuration Checks|TTPs|Effects|Unusual Behaviors|Sensitive Data Identifications)(\/[^/]+){0,2}$/;

/** ASFF resource types for ours; the rest are `Other`. */
const ASFF_RESOURCE_TYPES: ReadonlySet<ResourceType> = new Set([
  'AwsEc2SecurityGroup',
  'AwsS3Bucket',
  'AwsS3AccountPublicAccessBlock',
  'AwsKmsKey',
  'AwsCloudTrailTrail',
  'AwsGuardDutyDetector',
  'AwsIamUser',
  'AwsIamAccessKey',
  'AwsIamRole',
]);

const SEVERITY_LABEL: Readonly<Record<Severity, string>> = {
  CRITICAL: 'CRITICAL',
  HIGH: 'HIGH',
  MEDIUM: 'MEDIUM',
  LOW: 'LOW',
  INFO: 'INFORMATIONAL',
};

/** Where the findings are imported: the Audit account, with Security Hub's default product for it. */
export interface AsffTarget {
  readonly auditAccountId: string;
  readonly region: string;
  readonly partition: string;
}

/** `arn:<partition>:securityhub:<region>:<account>:product/<account>/default`: the account's own product. */
export function productArn(target: AsffTarget): string {
  return `arn:${target.partition}:securityhub:${target.region}:${target.auditAccountId}:product/${target.auditAccountId}/default`;
}

/** The ASFF `Id` of a finding: its fingerprint, the same in every run. */
export function asffId(finding: Pick<TrackedFinding, 'fingerprint'>): string {
  return `ct-audit/${finding.fingerprint}`;
}

function cut(value: unknown, max: number): string {
  return cleanText(value, max);
}

/**
 * A finding as ASFF. `AwsAccountId` is the Audit account (the default product imports only the caller's findings);
 * the member account is the first resource, `AWS::::Account:<id>`. Created and first observed at `firstSeen`, so
 * both stay put across runs; a RESOLVED finding goes as Compliance PASSED, RecordState ARCHIVED.
 */
export function toAsff(finding: TrackedFinding, target: AsffTarget, now: Date): AwsSecurityFinding {
  const resolved = finding.state === 'RESOLVED';
  const updatedAt = now.toISOString();
  const resources: NonNullable<AwsSecurityFinding['Resources']> = [
    {
      Type: 'AwsAccount',
      Id: `AWS::::Account:${finding.accountId}`,
      Partition: target.partition as never,
      Region: target.region,
    },
  ];
  if (finding.resource && finding.resource.type !== 'AwsAccount') {
    const type = ASFF_RESOURCE_TYPES.has(finding.resource.type) ? finding.resource.type : 'Other';
    resources.push({
      Type: type,
      Id: cut(finding.resource.arn ?? finding.resource.id, 512),
      Partition: target.partition as never,
      Region: finding.resource.region === 'global' ? target.region : finding.resource.region,
      ...(type === 'Other' ? { Details: { Other: { ResourceType: finding.resource.type } } } : {}),
    });
  }
  const description = [
    `Account ${finding.accountId}: ${finding.title}.`,
    `Check ${finding.check}, rule ${finding.rule}.`,
    finding.resource ? `Resource ${finding.resource.type} ${finding.resource.id} in ${finding.resource.region}.` : '',
    finding.cause
      ? `Cause: ${finding.cause.eventName}${finding.cause.principalArn ? ` by ${finding.cause.principalArn}` : ''}.`
      : '',
    finding.detail ?? '',
  ]
    .filter((part) => part !== '')
    .join(' ');
  return {
    SchemaVersion: '2018-10-08',
    Id: asffId(finding),
    ProductArn: productArn(target),
    GeneratorId: `ct-audit/${cut(finding.rule, 200)}`,
    AwsAccountId: target.auditAccountId,
    Types: [
      finding.eventName ? 'Unusual Behaviors/User' : 'Software and Configuration Checks/AWS Security Best Practices',
    ],
    CreatedAt: finding.firstSeen,
    FirstObservedAt: finding.firstSeen,
    LastObservedAt: finding.lastSeen,
    UpdatedAt: updatedAt,
    Severity: { Label: SEVERITY_LABEL[finding.severity] as never },
    Title: cut(finding.title, ASFF_LIMITS.title),
    Description: cut(description, ASFF_LIMITS.description),
    Resources: resources,
    Compliance: { Status: resolved ? 'PASSED' : 'FAILED' },
    RecordState: resolved ? 'ARCHIVED' : 'ACTIVE',
    // Set when a finding is created; a finding muted later is suppressed in the console by a person.
    ...(finding.state === 'MUTED' ? { Workflow: { Status: 'SUPPRESSED' } } : {}),
    ProductFields: {
      'ct-audit/State': finding.state,
      'ct-audit/Check': cut(finding.check, 64),
      'ct-audit/MemberAccountId': finding.accountId,
    },
  };
}

/**
 * A finding sent before, again as RecordState ARCHIVED, updated `now`: an update must carry a later UpdatedAt than
 * the one Security Hub has. Workflow is left out (BatchImportFindings cannot change it once the finding exists).
 */
export function archivedAsff(finding: AwsSecurityFinding, now: Date): AwsSecurityFinding {
  const { Workflow: _workflow, ...rest } = finding;
  return { ...rest, RecordState: 'ARCHIVED', UpdatedAt: now.toISOString() };
}

/** What is wrong with a finding before it is sent; empty when it is valid. Checks the account rule too. */
export function asffProblems(finding: AwsSecurityFinding, target: AsffTarget): string[] {
  const problems: string[] = [];
  const title = finding.Title ?? '';
  const description = finding.Description ?? '';
  if (title.length === 0 || title.length > ASFF_LIMITS.title)
    problems.push(`Title must be 1-${ASFF_LIMITS.title} characters`);
  if (description.length === 0 || description.length > ASFF_LIMITS.description) {
    problems.push(`Description must be 1-${ASFF_LIMITS.description} characters`);
  }
  const types = finding.Types ?? [];
  if (types.length === 0 || types.length > ASFF_LIMITS.types)
    problems.push(`Types must have 1-${ASFF_LIMITS.types} entries`);
  for (const type of types) {
    if (!TYPE_PATTERN.test(type)) problems.push(`Type "${cut(type, 80)}" is not namespace/category/classifier`);
  }
  if (finding.AwsAccountId !== target.auditAccountId) {
    problems.push('AwsAccountId must be the Audit account: the default product imports only the caller’s findings');
  }
  if (finding.ProductArn !== productArn(target))
    problems.push('ProductArn must be the Audit account’s default product');
  const resources = finding.Resources ?? [];
  if (resources.length === 0 || resources.length > ASFF_LIMITS.resources) {
    problems.push(`Resources must have 1-${ASFF_LIMITS.resources} entries`);
  }
  if (!resources.some((resource) => /^AWS::::Account:\d{12}$/.test(resource.Id ?? ''))) {
    problems.push('Resources must name the member account as AWS::::Account:<id>');
  }
  if (!finding.Id || finding.Id.length > 512) problems.push('Id must be 1-512 characters');
  for (const field of ['CreatedAt', 'UpdatedAt', 'FirstObservedAt'] as const) {
    if (Number.isNaN(Date.parse(finding[field] ?? ''))) problems.push(`${field} must be an ISO-8601 time`);
  }
  if (Buffer.byteLength(JSON.stringify(finding)) > ASFF_LIMITS.bytes) problems.push('the finding is over 240 KB');
  return problems;
}
