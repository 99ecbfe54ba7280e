import { S3Client } from '@aws-sdk/client-s3';
import type { AccountSession } from '../../functions/lib/account-session';
import type { AwsClientConstructor } from '../../functions/lib/clients';
import { fingerprintOf } from '../../functions/lib/fingerprint';
import type { RemediationId } from '../../functions/lib/remediation-settings';
import type { ReportStore } from '../../functions/lib/report-store';
import { parseSettings, type Settings, type SettingsInput } from '../../functions/lib/settings';
import { type AccountRecord, type Finding, type RunSummary, SCHEMA_VERSION } from '../../functions/lib/types';
import { type AccountPlan, PATHS, planDigest, type RemediationRun } from '../../functions/remediations/documents';
import type { ActionContext, Target } from '../../functions/remediations/types';

export const ACCOUNT = '111111111111';
export const REGION = 'us-east-1';
export const NOW = new Date('2030-01-02T07:00:00.000Z');

type Evidence = NonNullable<Finding['evidence']>;

/**
 * Findings exactly as PLAN.md's conventions for the current-state checks (issue 9) describe them: rule, resource,
 * evidence. `kind` picks one; `overrides` change fields.
 */
export const findings = {
  worldIngress(
    overrides: {
      ruleId?: string;
      groupId?: string;
      port?: number;
      cidr?: string;
      allowedPort?: boolean;
      /** The managed prefix list the world came through (network-exposure's `evidence.prefixListId`). */
      prefixListId?: string;
    } = {},
  ): Finding {
    const groupId = overrides.groupId ?? 'sg-0123456789abcdef0';
    const ruleId = overrides.ruleId ?? 'sgr-0aaaaaaaaaaaaaaa1';
    const port = overrides.port ?? 22;
    const evidence: Evidence = {
      ruleId,
      groupId,
      protocol: 'tcp',
      fromPort: port,
      toPort: port,
      cidr: overrides.cidr ?? '0.0.0.0/0',
      ...(overrides.prefixListId ? { prefixListId: overrides.prefixListId } : {}),
      allowedPort: overrides.allowedPort ?? false,
    };
    return {
      rule: 'network-exposure/world-ingress',
      severity: overrides.allowedPort ? 'INFO' : 'HIGH',
      title: `Security group ${groupId} allows tcp ${port} from ${evidence.cidr}`,
      resource: {
        type: 'AwsEc2SecurityGroup',
        id: groupId,
        region: REGION,
        arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${groupId}`,
        part: ruleId,
      },
      evidence,
    };
  },
  bucketPublic(bucket = 'team-uploads', overrides: Partial<Evidence> = {}): Finding {
    return {
      rule: 's3-public-access/bucket-public',
      severity: 'HIGH',
      title: `Bucket ${bucket} is public`,
      resource: { type: 'AwsS3Bucket', id: bucket, region: REGION, arn: `arn:aws:s3:::${bucket}` },
      evidence: { via: 'policy', website: false, ...overrides },
    };
  },
  keyPendingDeletion(keyId = '1234abcd-12ab-34cd-56ef-1234567890ab'): Finding {
    return {
      rule: 'kms-key-deletion/pending-deletion',
      severity: 'HIGH',
      title: `KMS key ${keyId} is scheduled for deletion`,
      resource: { type: 'AwsKmsKey', id: keyId, region: REGION, arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}` },
      evidence: { keyState: 'PendingDeletion', deletionDate: '2030-01-20T00:00:00.000Z' },
    };
  },
  keyDisabled(keyId = '1234abcd-12ab-34cd-56ef-1234567890ab'): Finding {
    return {
      rule: 'kms-key-deletion/disabled',
      severity: 'MEDIUM',
      title: `KMS key ${keyId} is disabled`,
      resource: { type: 'AwsKmsKey', id: keyId, region: REGION },
      evidence: { keyState: 'Disabled' },
    };
  },
  recorderStopped(name = 'default'): Finding {
    return {
      rule: 'security-services/config-recorder-stopped',
      severity: 'HIGH',
      title: `Config recorder ${name} is stopped`,
      resource: { type: 'AwsConfigConfigurationRecorder', id: name, region: REGION },
      evidence: { recorderName: name, status: 'STOPPED' },
    };
  },
  guardDutyOff(detectorId: string | null = null): Finding {
    return {
      rule: 'security-services/guardduty-off',
      severity: 'HIGH',
      title: 'GuardDuty is off',
      resource: { type: 'AwsGuardDutyDetector', id: detectorId ?? 'none', region: REGION },
      evidence: { detectorId, status: detectorId ? 'DISABLED' : 'MISSING' },
    };
  },
  trailTampering(): Finding {
    return {
      rule: 'cloudtrail-tampering',
      severity: 'CRITICAL',
      title: 'StopLogging on aws-controltower-BaselineCloudTrail',
      resource: { type: 'AwsCloudTrailTrail', id: 'aws-controltower-BaselineCloudTrail', region: REGION },
      eventId: 'e-1',
    };
  },
};

/** An audit record holding the findings under the check of their rule, with fingerprints as Audit Account stamps them. */
export function auditRecord(accountId: string, list: readonly Finding[], runId = 'audit-run-1'): AccountRecord {
  const checks: Record<string, { status: 'FAIL'; findings: Finding[] }> = {};
  for (const finding of list) {
    const check = finding.rule.includes('/') ? (finding.rule.split('/')[0] as string) : 'cloudtrail-events';
    checks[check] ??= { status: 'FAIL', findings: [] };
    checks[check].findings.push({ ...finding, fingerprint: fingerprintOf(accountId, finding) });
  }
  return {
    schemaVersion: SCHEMA_VERSION,
    accountId,
    runId,
    status: 'FAIL',
    checks,
    startedAt: '2030-01-02T06:00:00.000Z',
    finishedAt: '2030-01-02T06:01:00.000Z',
  };
}

/** The summary.json of an audit run over these records. */
export function auditSummary(records: readonly AccountRecord[], runId = 'audit-run-1'): RunSummary {
  return {
    schemaVersion: SCHEMA_VERSION,
    runId,
    mode: 'audit',
    role: 'readOnly',
    // Every check the records ran, so that the report has a cell for each.
    checks: [...new Set(records.flatMap((record) => Object.keys(record.checks)))],
    startedAt: '2030-01-02T06:00:00.000Z',
    finishedAt: '2030-01-02T06:02:00.000Z',
    reportLocation: '',
    totals: { accounts: records.length, pass: 0, fail: records.length, error: 0, skipped: 0 },
    accounts: records.map((record) => ({
      accountId: record.accountId,
      status: record.status,
      checks: Object.fromEntries(
        Object.entries(record.checks).map(([id, check]) => [
          id,
          { status: check.status, findings: check.findings?.length ?? 0 },
        ]),
      ),
    })),
    skipped: [],
  };
}

/** Settings with the given actions switched on (and the remediation block overrides). */
export function settingsWith(
  actions: readonly RemediationId[],
  remediation: Omit<NonNullable<SettingsInput['remediation']>, 'actions'> = {},
  more: SettingsInput = {},
): Settings {
  return parseSettings({
    ...more,
    remediation: { ...remediation, actions: Object.fromEntries(actions.map((id) => [id, true])) },
  });
}

/** A remediation run in memory. */
export function remediationRun(overrides: Partial<RemediationRun> = {}): RemediationRun {
  return {
    id: 'remediation-run-1',
    startedAt: '2030-01-02T07:00:00.000Z',
    mode: 'apply',
    auditRun: { id: 'audit-run-1', startedAt: '2030-01-02T06:00:00.000Z', location: 'memory://audit' },
    actions: [
      'revoke-world-ingress',
      'block-bucket-public-access',
      'cancel-key-deletion',
      'start-config-recorder',
      'enable-guardduty',
    ],
    reportLocation: 'memory://remediation/',
    requireApproval: true,
    approvalTimeoutSeconds: 86_400,
    maxActionsPerRun: 20,
    ...overrides,
  };
}

/**
 * A session whose clients are plain SDK clients: aws-sdk-client-mock intercepts every instance of a mocked class,
 * so the actions' calls land on the test's mocks.
 */
export function mockedSession(accountId = ACCOUNT): AccountSession {
  const make = <C>(Ctor: AwsClientConstructor<C>, region = REGION) =>
    new Ctor({ region, maxAttempts: 1, retryMode: 'standard', credentials: undefined } as never);
  return {
    accountId,
    roleArn: `arn:aws:iam::${accountId}:role/test`,
    sessionName: 'test',
    sts: () => {
      throw new Error('not used');
    },
    s3: () => make(S3Client as unknown as AwsClientConstructor<S3Client>),
    client: (Ctor, options) => make(Ctor, options?.region),
    ensure: async () => {},
  };
}

/** An action context over mocked clients. */
export function actionContext(settings: Settings = settingsWith([])): ActionContext {
  return { session: mockedSession(), settings, now: () => NOW };
}

/** The target of a finding, as the planner builds it. */
export function targetOf(finding: Finding, accountId = ACCOUNT): Target {
  return {
    accountId,
    rule: finding.rule,
    resource: finding.resource as NonNullable<Finding['resource']>,
    evidence: finding.evidence ?? {},
    severity: finding.severity,
    fingerprint: fingerprintOf(accountId, finding),
  };
}

/**
 * The digest Review Plan hands Apply Account for the account's plan as it now is in `store`: the plan approved. A
 * missing plan gets a digest no plan has.
 */
export async function reviewedDigest(store: ReportStore, run: RemediationRun, accountId = ACCOUNT): Promise<string> {
  const plan = await store.getJson<AccountPlan>(run, PATHS.plan(accountId));
  return plan ? planDigest(plan) : 'no plan';
}
