import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { type GenerateOptions, generateAccountLogFiles, plantedEvents } from '../../../cli/sandbox/cloudtrail-fixtures';
import { cloudTrailEventsCheck } from '../../../functions/checks/cloudtrail-events';
import { logFileKey } from '../../../functions/cloudtrail/key-layout';
import { InvalidSettingsError } from '../../../functions/lib/errors';
import {
  awsError,
  checkContext,
  ctRecord,
  logFile,
  rootIdentity,
  serveBucket,
  testSettings,
} from '../cloudtrail/helpers';

const s3Mock = mockClient(S3Client);
const ACCOUNT = '111122223333';
const BUCKET = 'aws-controltower-logs-222233334444-eu-west-1';
const NOW = new Date('2026-11-14T12:00:00Z');
const CT = { layout: 'organization', keyPrefix: 'o-abcdefghij', organizationId: 'o-abcdefghij' } as const;
const GENERATE: GenerateOptions = {
  organizationId: 'o-abcdefghij',
  accountId: ACCOUNT,
  regions: ['eu-west-1'],
  from: new Date(NOW.getTime() - 26 * 3_600_000),
  to: NOW,
  intervalMinutes: 15,
  recordsPerFile: 8,
};

/** Serves generated files; returns them by key. */
function serveGenerated(options: Partial<GenerateOptions> = {}, bucket = { getExtras: {} }) {
  const files = [...generateAccountLogFiles({ ...GENERATE, ...options })];
  serveBucket(s3Mock, BUCKET, new Map(files.map((file) => [file.key, file.body])), bucket);
  return files;
}

function fileWith(records: readonly unknown[], delivered: string, region = 'eu-west-1'): [string, Buffer] {
  return [logFileKey(CT, ACCOUNT, region, new Date(delivered), 'abcdefghijklmnop'), logFile(records)];
}

beforeEach(() => {
  s3Mock.reset();
});

describe('cloudtrail-events', () => {
  test('Compliance: a day of ordinary activity has no findings', async () => {
    // Arrange
    const files = serveGenerated();
    const { context } = checkContext({ now: NOW });

    // Act
    const result = await cloudTrailEventsCheck.run(context);

    // Assert: only the files of the last 24 hours were read.
    const inWindow = files.filter((file) => file.deliveredAt.getTime() >= NOW.getTime() - 24 * 3_600_000);
    expect(result).toEqual({
      status: 'PASS',
      message: expect.stringMatching(new RegExp(`^no findings in 24h \\(${inWindow.length} files, \\d+ records\\)$`)),
    });
    expect(s3Mock).toHaveReceivedCommandTimes(GetObjectCommand, inWindow.length);
  });

  test('Noncompliance: planted events are findings with the fields a person needs', async () => {
    // Arrange
    const plant = [
      ...plantedEvents('root-activity', new Date('2026-11-14T03:02:00Z'), ACCOUNT, 'eu-west-1'),
      ...plantedEvents('s3-bucket-made-public', new Date('2026-11-14T04:02:00Z'), ACCOUNT, 'eu-west-1'),
      ...plantedEvents('kms-key-disabled', new Date('2026-11-14T05:02:00Z'), ACCOUNT, 'eu-west-1'),
    ];
    serveGenerated({ plant });
    const { context } = checkContext({ now: NOW });

    // Act
    const result = await cloudTrailEventsCheck.run(context);

    // Assert
    expect(result.status).toBe('FAIL');
    expect(result.message).toBe('3 findings: 1 CRITICAL (root-activity), 2 HIGH');
    expect(result.findings?.[0]).toEqual({
      rule: 'root-activity',
      severity: 'CRITICAL',
      title: 'Root user activity: ConsoleLogin',
      eventTime: '2026-11-14T03:02:00Z',
      eventName: 'ConsoleLogin',
      eventSource: 'signin.amazonaws.com',
      region: 'eu-west-1',
      principalArn: `arn:aws:iam::${ACCOUNT}:root`,
      sourceIp: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/),
      s3Key: expect.stringMatching(
        new RegExp(
          `^o-abcdefghij/AWSLogs/o-abcdefghij/${ACCOUNT}/CloudTrail/eu-west-1/2026/11/14/${ACCOUNT}_CloudTrail_eu-west-1_20261114T0315Z_[A-Za-z0-9]{16}\\.json\\.gz$`,
        ),
      ),
      detail: 'root signed in to the console (MFA used: Yes)',
    });
  });

  test('Noncompliance: an unreadable file is a finding and the files after it are still scanned', async () => {
    // Arrange
    const plant = plantedEvents('cloudtrail-tampering', new Date('2026-11-14T09:02:00Z'), ACCOUNT, 'eu-west-1');
    const files = serveGenerated({
      plant,
      corrupt: [{ region: 'eu-west-1', at: new Date('2026-11-14T06:00:00Z'), kind: 'truncated' }],
    });
    const { context } = checkContext({ now: NOW });

    // Act
    const result = await cloudTrailEventsCheck.run(context);

    // Assert
    expect(result.status).toBe('FAIL');
    expect(result.findings?.map((f) => f.rule)).toEqual(['cloudtrail-tampering', 'LogFileUnreadable']);
    expect(result.findings?.[1]).toMatchObject({
      s3Key: files.find((f) => f.corrupt)?.key,
      detail: expect.stringMatching(/gzip|truncated/),
    });
  });

  test('a KMS-encrypted object (SSE-KMS) is read like any other', async () => {
    const plant = plantedEvents('security-group-open-to-world', new Date('2026-11-14T09:02:00Z'), ACCOUNT, 'eu-west-1');
    serveGenerated(
      { plant },
      {
        getExtras: {
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: 'arn:aws:kms:eu-west-1:222233334444:key/abc',
          BucketKeyEnabled: true,
        },
      },
    );
    const { context } = checkContext({ now: NOW });

    const result = await cloudTrailEventsCheck.run(context);

    expect(result).toMatchObject({ status: 'FAIL', findings: [{ rule: 'security-group-open-to-world' }] });
  });

  test('Error: KMS refusing GetObject is ACCESS_DENIED, saying kms:Decrypt must be allowed for the read-only role', async () => {
    // Arrange
    serveGenerated();
    s3Mock
      .on(GetObjectCommand)
      .rejects(
        awsError(
          'AccessDenied',
          'User: arn:aws:sts::222233334444:assumed-role/aws-controltower-ReadOnlyExecutionRole/ct-audit-run-1 is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:eu-west-1:222233334444:key/abc because no identity-based policy allows the kms:Decrypt action',
        ),
      );
    const { context } = checkContext({ now: NOW });

    // Act
    const result = await cloudTrailEventsCheck.run(context);

    // Assert
    expect(result.status).toBe('ERROR');
    expect(result.error?.kind).toBe('ACCESS_DENIED');
    expect(result.error?.message).toMatch(
      /kms:Decrypt must be allowed for the Log Archive read-only role \(aws-controltower-ReadOnlyExecutionRole\) on the KMS key that encrypts the logs$/,
    );
  });

  test('ignored principals are not reported', async () => {
    // Arrange: StopLogging by a break-glass role, and by someone else.
    const byRole = (role: string) =>
      ctRecord({
        userIdentity: {
          type: 'AssumedRole',
          arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/s`,
          sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${ACCOUNT}:role/${role}` } },
        },
        eventSource: 'cloudtrail.amazonaws.com',
        eventName: 'StopLogging',
        eventID: role,
        eventTime: '2026-11-14T10:00:00Z',
      });
    serveBucket(
      s3Mock,
      BUCKET,
      new Map([fileWith([byRole('break-glass'), byRole('someone')], '2026-11-14T10:05:00Z')]),
    );
    const settings = testSettings({ cloudtrail: { ignorePrincipals: ['arn:aws:iam::*:role/break-glass'] } });
    const { context } = checkContext({ settings, now: NOW });

    // Act
    const result = await cloudTrailEventsCheck.run(context);

    // Assert
    expect(result.findings?.map((f) => f.principalArn)).toEqual([`arn:aws:sts::${ACCOUNT}:assumed-role/someone/s`]);
  });

  test('rules switched off are not reported', async () => {
    const root = ctRecord({ userIdentity: rootIdentity, eventName: 'ListUsers', eventTime: '2026-11-14T10:00:00Z' });
    serveBucket(s3Mock, BUCKET, new Map([fileWith([root], '2026-11-14T10:05:00Z')]));
    const settings = testSettings({ cloudtrail: { rules: { 'root-activity': false } } });
    const { context } = checkContext({ settings, now: NOW });

    expect(await cloudTrailEventsCheck.run(context)).toEqual({
      status: 'PASS',
      message: 'no findings in 24h (1 file, 1 record)',
    });
  });

  test('findings are capped per rule, and the message says so', async () => {
    const roots = Array.from({ length: 150 }, (_, i) =>
      ctRecord({
        userIdentity: rootIdentity,
        eventName: 'ListUsers',
        eventID: `e${i}`,
        eventTime: '2026-11-14T10:00:00Z',
      }),
    );
    serveBucket(s3Mock, BUCKET, new Map([fileWith(roots, '2026-11-14T10:05:00Z')]));
    const { context } = checkContext({ now: NOW });

    const result = await cloudTrailEventsCheck.run(context);

    expect(result.message).toBe('150 findings: 150 CRITICAL (root-activity); kept 100 per rule');
    expect(result.findings).toHaveLength(100);
  });

  test('events older than the look-back window are not judged, even in a file delivered inside it', async () => {
    const late = ctRecord({ userIdentity: rootIdentity, eventName: 'ListUsers', eventTime: '2026-11-14T05:50:00Z' });
    serveBucket(s3Mock, BUCKET, new Map([fileWith([late], '2026-11-14T06:05:00Z')]));
    const settings = testSettings({ cloudtrail: { lookbackHours: 6 } });
    const { context } = checkContext({ settings, now: NOW });

    expect(await cloudTrailEventsCheck.run(context)).toEqual({
      status: 'PASS',
      message: 'no findings in 6h (1 file, 1 record)',
    });
  });

  test('no file in the window is not this check’s failure (cloudtrail-delivery reports it)', async () => {
    serveBucket(s3Mock, BUCKET, new Map());
    const { context } = checkContext({ now: NOW });

    expect(await cloudTrailEventsCheck.run(context)).toEqual({
      status: 'PASS',
      message: 'no log files in the last 24h',
    });
  });

  test('lists day folders only, never the whole bucket', async () => {
    serveGenerated({ regions: ['eu-west-1', 'us-east-1'] });
    const settings = testSettings({ regions: ['eu-west-1', 'us-east-1'] });
    const { context } = checkContext({ settings, now: NOW });

    await cloudTrailEventsCheck.run(context);

    const prefixes = s3Mock.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input.Prefix);
    expect(prefixes).toHaveLength(4);
    for (const prefix of prefixes) expect(prefix).toMatch(/\/CloudTrail\/[a-z0-9-]+\/\d{4}\/\d{2}\/\d{2}\/$/);
  });

  test('Error: no Log Archive account configured — INVALID_INPUT', async () => {
    const { context } = checkContext({
      settings: testSettings({ logArchive: {} }),
      now: NOW,
      logArchiveError: new InvalidSettingsError('logArchive.accountId is not set'),
    });

    expect(await cloudTrailEventsCheck.run(context)).toMatchObject({
      status: 'ERROR',
      error: { kind: 'INVALID_INPUT' },
    });
  });

  test('throttling on GetObject that outlived the retries is thrown', async () => {
    serveGenerated();
    const throttled = awsError('SlowDown', 'Please reduce your request rate.');
    s3Mock.on(GetObjectCommand).rejects(throttled);
    const { context } = checkContext({ now: NOW });

    await expect(cloudTrailEventsCheck.run(context)).rejects.toBe(throttled);
  });
});
