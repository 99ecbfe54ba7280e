import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalRunResult } from '../../cli/engine';
import type { SandboxAccount } from '../../cli/sandbox/seed';
import type { RuleId } from '../../functions/cloudtrail/rules/ids';
import type { AccountRecord, Finding } from '../../functions/lib/types';
import { startSandbox, type TestSandbox } from '../support/sandbox';

const CURRENT_STATE = ['network-exposure', 's3-public-access', 'kms-key-deletion', 'security-services'] as const;

/**
 * The sandbox's plants as the current-state checks see them, through the real ASL in the local engine against moto,
 * with moto checking every call against the read-only role's policy (a missing permission is an ACCESS_DENIED).
 */
describe('current-state checks on the sandbox, with the causes from the same run', () => {
  let sandbox: TestSandbox;
  let result: LocalRunResult;

  beforeAll(async () => {
    sandbox = await startSandbox({ members: 12 });
    result = await sandbox.run({ checks: ['cloudtrail-events', ...CURRENT_STATE] });
  }, 240_000);
  afterAll(() => sandbox?.stop());

  const record = (accountId: string): AccountRecord =>
    JSON.parse(readFileSync(join(sandbox.reportDir, result.executionName, 'accounts', `${accountId}.json`), 'utf8'));
  const plantedWith = (rule: RuleId): SandboxAccount => {
    const found = sandbox.organization.members.find((member) => member.rules?.includes(rule));
    if (!found) throw new Error(`no account has the ${rule} plant`);
    return found;
  };
  const findings = (accountId: string, check: string): readonly Finding[] =>
    record(accountId).checks[check]?.findings ?? [];
  const mallory = expect.stringMatching(/^arn:aws:sts::\d{12}:assumed-role\/AWSReservedSSO_.*\/mallory@example\.com$/);

  it('finds the group open to the world on 22 (HIGH, caused by the planted event), 443 as INFO, 10.0.0.0/8 not at all', () => {
    const account = plantedWith('security-group-open-to-world');

    const found = findings(account.accountId, 'network-exposure');

    expect(record(account.accountId).checks['network-exposure']?.status).toBe('FAIL');
    expect(found).toHaveLength(2);
    const [ssh, https] = found;
    expect(ssh).toMatchObject({
      rule: 'network-exposure/world-ingress',
      severity: 'HIGH',
      resource: {
        type: 'AwsEc2SecurityGroup',
        id: expect.stringMatching(/^sg-/),
        part: expect.stringMatching(/^sgr-/),
      },
      evidence: { protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0', allowedPort: false },
      cause: {
        eventName: 'AuthorizeSecurityGroupIngress',
        eventTime: expect.any(String),
        principalArn: mallory,
        sourceIp: expect.any(String),
      },
      fingerprint: expect.any(String),
    });
    expect(https).toMatchObject({ severity: 'INFO', evidence: { fromPort: 443, allowedPort: true } });
    // The planted event opened 22 only: the 443 rule gets no cause that is not its own.
    expect(https?.cause).toBeUndefined();
    expect(found.map((finding) => finding.evidence?.cidr)).not.toContain('10.0.0.0/8');
  });

  it('finds the public bucket, with the PutBucketPolicy that opened it, and the account Block Public Access off', () => {
    const account = plantedWith('s3-bucket-made-public');

    const found = findings(account.accountId, 's3-public-access');

    expect(found).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          rule: 's3-public-access/bucket-public',
          severity: 'HIGH',
          resource: expect.objectContaining({
            type: 'AwsS3Bucket',
            id: expect.stringMatching(new RegExp(`^app-data-${account.accountId}-`)),
          }),
          evidence: { via: 'policy', statementSid: '#0', website: false },
          cause: expect.objectContaining({ eventName: 'PutBucketPolicy', principalArn: mallory }),
        }),
        expect.objectContaining({
          rule: 's3-public-access/account-block-off',
          resource: { type: 'AwsS3AccountPublicAccessBlock', id: account.accountId, region: 'global' },
        }),
      ]),
    );
    expect(found).toHaveLength(2);
  });

  it('finds the key pending deletion, with its date and the ScheduleKeyDeletion', () => {
    const account = plantedWith('kms-key-disabled');

    expect(findings(account.accountId, 'kms-key-deletion')).toEqual([
      expect.objectContaining({
        rule: 'kms-key-deletion/pending-deletion',
        resource: expect.objectContaining({ type: 'AwsKmsKey', arn: expect.stringMatching(/^arn:aws:kms:/) }),
        evidence: { keyState: 'PendingDeletion', deletionDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
        cause: expect.objectContaining({ eventName: 'ScheduleKeyDeletion', principalArn: mallory }),
      }),
    ]);
  });

  it('finds the deleted detector and the stopped recorder in the planted region, each with its event', () => {
    const account = plantedWith('security-tooling-disabled');

    const found = findings(account.accountId, 'security-services');

    expect(found).toEqual([
      expect.objectContaining({
        rule: 'security-services/config-recorder-stopped',
        evidence: { recorderName: 'aws-controltower-BaselineConfigRecorder', status: 'STOPPED' },
        cause: expect.objectContaining({ eventName: 'StopConfigurationRecorder' }),
      }),
      expect.objectContaining({
        rule: 'security-services/guardduty-off',
        resource: expect.objectContaining({ id: 'none' }),
        evidence: { detectorId: null, status: 'MISSING' },
        cause: expect.objectContaining({ eventName: 'DeleteDetector', principalArn: mallory }),
      }),
    ]);
    expect(found[0]?.resource?.region).toBe(found[1]?.resource?.region);
  });

  it('passes every current-state check in the accounts without those plants, Audit and Log Archive included', () => {
    const plantedIds = new Set(
      sandbox.organization.members
        .filter((member) => member.planted === 'alarming-events' || member.planted === 'unenrolled')
        .map((member) => member.accountId),
    );
    const clean = (result.summary?.accounts ?? []).filter((account) => !plantedIds.has(account.accountId));
    expect(clean.length).toBeGreaterThanOrEqual(8);
    for (const account of clean) {
      for (const check of CURRENT_STATE) {
        expect({ account: account.accountId, check, ...record(account.accountId).checks[check] }).toEqual({
          account: account.accountId,
          check,
          status: 'PASS',
          message: expect.any(String),
        });
      }
    }
  });
});
