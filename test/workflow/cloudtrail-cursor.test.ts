import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { plantedEvents } from '../../cli/sandbox/cloudtrail-fixtures';
import { SANDBOX_HOME_REGION, SANDBOX_ROLES } from '../../cli/sandbox/seed';
import { logFileKey } from '../../functions/cloudtrail/key-layout';
import type { AccountRecord, Finding } from '../../functions/lib/types';
import { startSandbox, type TestSandbox } from '../support/sandbox';

/** The clock of the sandbox's CloudTrail files and of the first run: a whole minute, so that keys line up. */
const T0 = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const later = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

describe('cloudtrail-events across runs on the sandbox: the cursor', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ members: 3, plant: false, cloudTrailHours: 2, now: T0 });
  });
  afterAll(() => sandbox?.stop());

  const eventsOf = async (runAt: Date, accountId: string) => {
    const result = await sandbox.run(
      { accounts: [accountId], checks: ['cloudtrail-events'] },
      { now: () => runAt, executionName: `cursor-${runAt.getTime()}` },
    );
    const record: AccountRecord = JSON.parse(
      readFileSync(join(sandbox.reportDir, result.executionName, 'accounts', `${accountId}.json`), 'utf8'),
    );
    return record.checks['cloudtrail-events'];
  };

  /** Writes a file into the Log Archive bucket as the Log Archive's administrator role (the Audit admin's way in). */
  const deliverLate = async (accountId: string, deliveredAt: Date, records: readonly unknown[]) => {
    const { organization } = sandbox;
    const sts = new STSClient({ region: SANDBOX_HOME_REGION, credentials: organization.credentials.auditAdmin });
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${organization.logArchiveAccountId}:role/${SANDBOX_ROLES.adminExecution}`,
        RoleSessionName: 'late-delivery',
      }),
    );
    const s3 = new S3Client({
      region: SANDBOX_HOME_REGION,
      forcePathStyle: true,
      credentials: {
        accessKeyId: Credentials?.AccessKeyId ?? '',
        secretAccessKey: Credentials?.SecretAccessKey ?? '',
        sessionToken: Credentials?.SessionToken ?? '',
      },
    });
    const location = {
      keyPrefix: organization.organizationId,
      layout: 'organization',
      organizationId: organization.organizationId,
    } as const;
    const key = logFileKey(location, accountId, SANDBOX_HOME_REGION, deliveredAt, 'LateLateLateLate');
    await s3.send(
      new PutObjectCommand({
        Bucket: organization.logArchiveBucket,
        Key: key,
        Body: gzipSync(JSON.stringify({ Records: records })),
      }),
    );
    return key;
  };

  it('a file that lands after a run, stamped before it, is reported by the next run, once', async () => {
    // Arrange: run 1 at T0 scans the two hours of ordinary files and passes.
    const [member] = sandbox.organization.members;
    const accountId = member?.accountId ?? '';
    const first = await eventsOf(T0, accountId);
    // Then a file stamped three minutes before run 1 lands late, with a root call.
    const [root] = plantedEvents('root-activity', later(-5), accountId, SANDBOX_HOME_REGION);
    const record = { ...(root?.record ?? {}), eventID: 'late-root-call' };
    const key = await deliverLate(accountId, later(-3), [record]);

    // Act
    const second = await eventsOf(later(60), accountId);
    const third = await eventsOf(later(120), accountId);

    // Assert
    expect(first).toMatchObject({ status: 'PASS', scanned: { complete: true } });
    expect(second?.status).toBe('FAIL');
    expect(second?.findings?.map((finding: Finding) => [finding.rule, finding.eventId, finding.s3Key])).toEqual([
      ['root-activity', 'late-root-call', key],
    ]);
    expect(second?.findings?.[0]).toMatchObject({
      resource: { type: 'AwsAccount', id: accountId, region: 'global' },
      fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(second?.scanned?.from).toBe(new Date(T0.getTime() - 15 * 60_000).toISOString());
    expect(third).toMatchObject({ status: 'PASS', message: expect.stringMatching(/^no (findings|log files)/) });
  });

  it('governing eu-west-1 only, an IAM user created (filed under us-east-1, as AWS files IAM) is still found', async () => {
    // Arrange: a CreateUser in the file the organization trail writes IAM calls to, us-east-1, left ungoverned.
    const accountId = sandbox.organization.members[2]?.accountId ?? '';
    const [createUser] = plantedEvents('iam-user-or-key-created', later(-6), accountId, 'us-east-1');
    const key = await deliverLate(accountId, later(-4), [
      { ...(createUser?.record ?? {}), eventID: 'iam-create-user' },
    ]);

    // Act
    const result = await sandbox.run(
      { accounts: [accountId], checks: ['cloudtrail-delivery', 'cloudtrail-events'] },
      { settings: { regions: ['eu-west-1'] }, now: () => T0, executionName: 'global-events' },
    );

    // Assert: found once, the account once; delivery judged on the governed region alone.
    expect(result.summary?.accounts.map((account) => account.accountId)).toEqual([accountId]);
    const record: AccountRecord = JSON.parse(
      readFileSync(join(sandbox.reportDir, result.executionName, 'accounts', `${accountId}.json`), 'utf8'),
    );
    expect(record.checks['cloudtrail-events']?.findings?.map((f: Finding) => [f.rule, f.eventId, f.s3Key])).toEqual([
      ['iam-user-or-key-created', 'iam-create-user', key],
    ]);
    expect(record.checks['cloudtrail-delivery']).toMatchObject({
      status: 'PASS',
      message: expect.stringMatching(/^eu-west-1: newest file /),
    });
  });

  it('an admin run reads the Log Archive with the administrator execution role there', async () => {
    const accountId = sandbox.organization.members[1]?.accountId ?? '';

    const result = await sandbox.run(
      { accounts: [accountId], role: 'admin', checks: ['cloudtrail-delivery', 'cloudtrail-events'] },
      { settings: { adminEnabled: true }, now: () => T0, executionName: 'cursor-admin' },
    );

    expect(result.summary?.accounts[0]?.checks).toEqual({
      'cloudtrail-delivery': expect.objectContaining({ status: 'PASS' }),
      'cloudtrail-events': expect.objectContaining({ status: 'PASS' }),
    });
  });
});
