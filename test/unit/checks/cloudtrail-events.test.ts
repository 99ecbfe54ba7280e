import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  corruptLogBody,
  type GenerateOptions,
  generateAccountLogFiles,
  plantedEvents,
} from '../../../cli/sandbox/cloudtrail-fixtures';
import { cloudTrailEventsCheck } from '../../../functions/checks/cloudtrail-events';
import { type CursorDocument, SEAM_OVERLAP_MS } from '../../../functions/cloudtrail/cursor';
import { logFileKey } from '../../../functions/cloudtrail/key-layout';
import { InvalidSettingsError } from '../../../functions/lib/errors';
import {
  awsError,
  checkContext,
  ctRecord,
  logFile,
  MemoryCheckState,
  rootIdentity,
  serveBucket,
  testSettings,
} from '../cloudtrail/helpers';

const s3Mock = mockClient(S3Client);
const ACCOUNT = '111122223333';
const BUCKET = 'aws-controltower-logs-222233334444-eu-west-1';
const NOW = new Date('2026-11-14T12:00:00Z');
const CT = { layout: 'organization', keyPrefix: 'o-abcdefghij', organizationId: 'o-abcdefghij' } as const;
const SPAN = '2026-11-13T12:00Z–2026-11-14T12:00Z';
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
      message: expect.stringMatching(
        new RegExp(`^no findings in files delivered ${SPAN} \\(${inWindow.length} files, \\d+ records\\)$`),
      ),
      scanned: {
        from: '2026-11-13T12:00:00.000Z',
        to: NOW.toISOString(),
        filesRead: inWindow.length,
        filesListed: inWindow.length,
        complete: true,
      },
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
    expect(result.message).toBe(`3 findings: 1 CRITICAL (root-activity), 2 HIGH; files delivered ${SPAN}`);
    expect(result.findings?.[0]).toEqual({
      rule: 'root-activity',
      severity: 'CRITICAL',
      title: 'Root user activity: ConsoleLogin',
      eventTime: '2026-11-14T03:02:00Z',
      eventName: 'ConsoleLogin',
      eventSource: 'signin.amazonaws.com',
      // A root sign-in is a global service event: logged in us-east-1 and filed there, whatever the home region.
      region: 'us-east-1',
      principalArn: `arn:aws:iam::${ACCOUNT}:root`,
      resource: { type: 'AwsAccount', id: ACCOUNT, region: 'global', arn: `arn:aws:iam::${ACCOUNT}:root` },
      eventId: expect.any(String),
      sourceIp: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/),
      s3Key: expect.stringMatching(
        new RegExp(
          `^o-abcdefghij/AWSLogs/o-abcdefghij/${ACCOUNT}/CloudTrail/us-east-1/2026/11/14/${ACCOUNT}_CloudTrail_us-east-1_20261114T0315Z_[A-Za-z0-9]{16}\\.json\\.gz$`,
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

  test('Noncompliance: KMS refusing GetObject on one file is a finding for that file, saying kms:Decrypt must be allowed, and the scan goes on', async () => {
    // Arrange: the first file is encrypted with a key the read-only role may not use; the second has a root call.
    const root = ctRecord({ userIdentity: rootIdentity, eventName: 'ListUsers', eventTime: '2026-11-14T10:00:00Z' });
    const [lockedKey, lockedBody] = fileWith([], '2026-11-14T09:05:00Z');
    serveBucket(s3Mock, BUCKET, new Map([[lockedKey, lockedBody], fileWith([root], '2026-11-14T10:05:00Z')]));
    s3Mock
      .on(GetObjectCommand, { Key: lockedKey })
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
    expect(result.status).toBe('FAIL');
    expect(result.findings?.map((f) => f.rule)).toEqual(['root-activity', 'LogFileUnreadable']);
    expect(result.findings?.[1]).toMatchObject({
      s3Key: lockedKey,
      resource: { type: 'LogFile', id: lockedKey, region: 'eu-west-1' },
      detail: expect.stringMatching(
        /kms:Decrypt must be allowed for the Log Archive read-only role \(aws-controltower-ReadOnlyExecutionRole\) on the KMS key that encrypts the logs; events in this file may be missed$/,
      ),
    });
  });

  test('in an admin run, what to fix names the Log Archive administrator role', async () => {
    const [key, body] = fileWith([], '2026-11-14T09:05:00Z');
    serveBucket(s3Mock, BUCKET, new Map([[key, body]]));
    s3Mock.on(GetObjectCommand).rejects(awsError('AccessDenied', 'Access Denied'));
    const { context } = checkContext({ now: NOW, run: { role: 'admin' } });

    const result = await cloudTrailEventsCheck.run(context);

    expect(result.findings?.[0]?.detail).toBe(
      'AccessDenied: Access Denied — the Log Archive administrator role (aws-controltower-AdministratorExecutionRole) needs s3:GetObject, and kms:Decrypt must be allowed for it when the logs are KMS-encrypted; events in this file may be missed',
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

  test('Noncompliance: AWSControlTowerExecution opening tcp/22 to the world and creating an IAM user is reported; its change to Control Tower’s trail is not', async () => {
    // Arrange: the reproduction — before, the default ignore list made all of this 0 findings.
    const execution = {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/AWSControlTowerExecution/aft-pipeline`,
      accountId: ACCOUNT,
      sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${ACCOUNT}:role/AWSControlTowerExecution` } },
    };
    const byExecution = (id: string, eventSource: string, eventName: string, requestParameters: unknown) =>
      ctRecord({ userIdentity: execution, eventSource, eventName, eventID: id, requestParameters, readOnly: false });
    serveBucket(
      s3Mock,
      BUCKET,
      new Map([
        fileWith(
          [
            byExecution('ssh', 'ec2.amazonaws.com', 'AuthorizeSecurityGroupIngress', {
              groupId: 'sg-0123456789abcdef0',
              ipProtocol: 'tcp',
              fromPort: 22,
              toPort: 22,
              cidrIp: '0.0.0.0/0',
            }),
            byExecution('baseline', 'cloudtrail.amazonaws.com', 'UpdateTrail', {
              name: 'aws-controltower-BaselineCloudTrail',
            }),
          ],
          '2026-11-14T10:05:00Z',
        ),
        fileWith(
          [
            {
              ...byExecution('user', 'iam.amazonaws.com', 'CreateUser', { userName: 'svc-x' }),
              awsRegion: 'us-east-1',
            },
          ],
          '2026-11-14T10:05:00Z',
          'us-east-1',
        ),
      ]),
    );
    const { context } = checkContext({ now: NOW });

    // Act
    const result = await cloudTrailEventsCheck.run(context);

    // Assert
    expect(result.status).toBe('FAIL');
    expect(result.findings?.map((f) => [f.rule, f.eventId])).toEqual([
      ['security-group-open-to-world', 'ssh'],
      ['iam-user-or-key-created', 'user'],
    ]);
  });

  test('rules switched off are not reported', async () => {
    const root = ctRecord({ userIdentity: rootIdentity, eventName: 'ListUsers', eventTime: '2026-11-14T10:00:00Z' });
    serveBucket(s3Mock, BUCKET, new Map([fileWith([root], '2026-11-14T10:05:00Z')]));
    const settings = testSettings({ cloudtrail: { rules: { 'root-activity': false } } });
    const { context } = checkContext({ settings, now: NOW });

    expect(await cloudTrailEventsCheck.run(context)).toMatchObject({
      status: 'PASS',
      message: `no findings in files delivered ${SPAN} (1 file, 1 record)`,
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

    expect(result.message).toBe(
      `150 findings: 150 CRITICAL (root-activity); kept 100 per rule; files delivered ${SPAN}`,
    );
    expect(result.findings).toHaveLength(100);
  });

  test('an event older than the look-back window in a file delivered inside it is judged: files are chosen by delivery', async () => {
    const late = ctRecord({ userIdentity: rootIdentity, eventName: 'ListUsers', eventTime: '2026-11-14T05:50:00Z' });
    serveBucket(s3Mock, BUCKET, new Map([fileWith([late], '2026-11-14T06:05:00Z')]));
    const settings = testSettings({ cloudtrail: { lookbackHours: 6 } });
    const { context } = checkContext({ settings, now: NOW });

    const result = await cloudTrailEventsCheck.run(context);

    expect(result).toMatchObject({
      status: 'FAIL',
      message: '1 finding: 1 CRITICAL (root-activity); files delivered 2026-11-14T06:00Z–2026-11-14T12:00Z',
      findings: [{ rule: 'root-activity', eventTime: '2026-11-14T05:50:00Z' }],
    });
  });

  test('no file in the window is not this check’s failure (cloudtrail-delivery reports it)', async () => {
    serveBucket(s3Mock, BUCKET, new Map());
    const { context } = checkContext({ now: NOW });

    expect(await cloudTrailEventsCheck.run(context)).toMatchObject({
      status: 'PASS',
      message: `no log files delivered ${SPAN}`,
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

  describe("global service events: read from the partition's global-events region, governed or not", () => {
    const createUser = (id: string, eventTime: string) =>
      ctRecord({
        eventSource: 'iam.amazonaws.com',
        eventName: 'CreateUser',
        awsRegion: 'us-east-1',
        readOnly: false,
        eventID: id,
        eventTime,
        requestParameters: { userName: `svc-${id}` },
      });
    const prefixes = () => s3Mock.commandCalls(ListObjectsV2Command).map((call) => String(call.args[0].input.Prefix));
    const regionOf = (prefix: string) => /\/CloudTrail\/([a-z0-9-]+)\//.exec(prefix)?.[1];

    test('Noncompliance: home region eu-west-1 alone governed, an IAM user and a root sign-in (us-east-1 files) are found', async () => {
      // Arrange: the sandbox's generator files them as the organization trail does, under CloudTrail/us-east-1/.
      const plant = [
        ...plantedEvents('iam-user-or-key-created', new Date('2026-11-14T03:02:00Z'), ACCOUNT, 'eu-west-1'),
        ...plantedEvents('root-activity', new Date('2026-11-14T04:02:00Z'), ACCOUNT, 'eu-west-1'),
        ...plantedEvents('kms-key-disabled', new Date('2026-11-14T05:02:00Z'), ACCOUNT, 'eu-west-1'),
      ];
      const files = serveGenerated({ plant });
      const state = new MemoryCheckState();
      const { context } = checkContext({ now: NOW, state });

      // Act
      const result = await cloudTrailEventsCheck.run(context);

      // Assert
      expect(files.some((file) => file.region === 'us-east-1')).toBe(true);
      expect(
        result.findings?.map((f) => [f.rule, f.region, regionOf(`/CloudTrail/${f.s3Key?.split('/CloudTrail/')[1]}`)]),
      ).toEqual([
        ['root-activity', 'us-east-1', 'us-east-1'],
        ['kms-key-disabled', 'eu-west-1', 'eu-west-1'],
        ['iam-user-or-key-created', 'us-east-1', 'us-east-1'],
      ]);
      const inWindow = files.filter((file) => file.deliveredAt.getTime() >= NOW.getTime() - 24 * 3_600_000);
      expect(result.scanned).toMatchObject({
        filesRead: inWindow.length,
        filesListed: inWindow.length,
        complete: true,
      });
      // Its own cursor, as every region has.
      state.commit();
      const cursor = await state.get<CursorDocument>(`cloudtrail-cursors/${ACCOUNT}.json`);
      expect(Object.keys(cursor?.regions ?? {})).toEqual(['eu-west-1', 'us-east-1']);
      expect(cursor?.regions['us-east-1']?.scannedTo).toBe(NOW.toISOString());
    });

    test('us-east-1 governed: its files are listed and read once, not twice', async () => {
      const objects = new Map([
        fileWith([createUser('a', '2026-11-14T10:00:00Z')], '2026-11-14T10:05:00Z', 'us-east-1'),
        fileWith([ctRecord({ eventTime: '2026-11-14T10:01:00Z' })], '2026-11-14T10:05:00Z', 'eu-west-1'),
      ]);
      serveBucket(s3Mock, BUCKET, objects);
      const settings = testSettings({ regions: ['eu-west-1', 'us-east-1'] });
      const { context } = checkContext({ settings, now: NOW });

      const result = await cloudTrailEventsCheck.run(context);

      expect(result.findings?.map((f) => f.rule)).toEqual(['iam-user-or-key-created']);
      expect(prefixes().map(regionOf)).toEqual(['eu-west-1', 'eu-west-1', 'us-east-1', 'us-east-1']);
      expect(s3Mock).toHaveReceivedCommandTimes(GetObjectCommand, 2);
    });

    test.each([
      ['us-gov-east-1', 'us-gov-west-1'],
      ['cn-northwest-1', 'cn-north-1'],
      ['eu-central-1', 'us-east-1'],
    ])('home region %s: the global events are read from %s', async (home, global) => {
      const bucket = `aws-controltower-logs-222233334444-${home}`;
      serveBucket(
        s3Mock,
        bucket,
        new Map([fileWith([createUser('a', '2026-11-14T10:00:00Z')], '2026-11-14T10:05:00Z', global)]),
      );
      const { context } = checkContext({ settings: testSettings({ homeRegion: home }), now: NOW });

      const result = await cloudTrailEventsCheck.run(context);

      expect(result.findings?.map((f) => f.rule)).toEqual(['iam-user-or-key-created']);
      expect([...new Set(prefixes().map(regionOf))]).toEqual([home, global]);
    });

    test('an unreadable file there is a finding like any region’s, and the scan goes on', async () => {
      const [badKey] = fileWith([], '2026-11-14T09:05:00Z', 'us-east-1');
      serveBucket(
        s3Mock,
        BUCKET,
        new Map([
          [badKey, corruptLogBody(logFile([createUser('a', '2026-11-14T09:00:00Z')]))],
          fileWith([createUser('b', '2026-11-14T10:00:00Z')], '2026-11-14T10:05:00Z', 'us-east-1'),
        ]),
      );
      const { context } = checkContext({ now: NOW });

      const result = await cloudTrailEventsCheck.run(context);

      expect(result.findings?.map((f) => [f.rule, f.resource?.region])).toEqual([
        ['LogFileUnreadable', 'us-east-1'],
        ['iam-user-or-key-created', 'global'],
      ]);
    });

    test('the next run starts from that region’s cursor: nothing reported twice, the new file read', async () => {
      const state = new MemoryCheckState();
      const first = new Map([fileWith([createUser('a', '2026-11-14T10:00:00Z')], '2026-11-14T10:05:00Z', 'us-east-1')]);
      serveBucket(s3Mock, BUCKET, first);
      await cloudTrailEventsCheck.run(checkContext({ now: NOW, state, run: { id: 'run-a' } }).context);
      state.commit();
      s3Mock.reset();
      const second = new Map([
        ...first,
        fileWith([createUser('b', '2026-11-14T12:30:00Z')], '2026-11-14T12:35:00Z', 'us-east-1'),
      ]);
      serveBucket(s3Mock, BUCKET, second);

      const later = new Date(NOW.getTime() + 3_600_000);
      const result = await cloudTrailEventsCheck.run(checkContext({ now: later, state, run: { id: 'run-b' } }).context);

      expect(result.findings?.map((f) => f.eventId)).toEqual(['b']);
      expect(s3Mock).toHaveReceivedCommandTimes(GetObjectCommand, 1);
    });
  });

  describe('the cursor: scan by delivery, from where the last run stopped', () => {
    const rootCall = (id: string, eventTime: string) =>
      ctRecord({ userIdentity: rootIdentity, eventName: 'ListUsers', eventID: id, eventTime });
    const file = (records: readonly unknown[], delivered: string, suffix: string): [string, Buffer] => [
      logFileKey(CT, ACCOUNT, 'eu-west-1', new Date(delivered), suffix),
      logFile(records),
    ];
    /** A run at `at`, its own unless `runId` names one (an attempt of the same run again). */
    const runAt = async (state: MemoryCheckState, objects: Map<string, Buffer>, at: string, runId = `run-${at}`) => {
      s3Mock.reset();
      serveBucket(s3Mock, BUCKET, objects);
      const { context } = checkContext({ now: new Date(at), state, run: { id: runId } });
      const result = await cloudTrailEventsCheck.run(context);
      state.commit();
      return result;
    };

    test('the event at 05:57 delivered at 06:05 is found by the next run, and a late file at the seam once', async () => {
      // Arrange: run 1 at 06:00 sees the files delivered so far, one of them with a root call.
      const state = new MemoryCheckState();
      const objects = new Map([
        file([rootCall('early', '2026-11-14T05:40:00Z')], '2026-11-14T05:45:00Z', 'aaaaaaaaaaaaaaaa'),
        file([ctRecord({ eventID: 'plain' })], '2026-11-14T05:55:00Z', 'bbbbbbbbbbbbbbbb'),
      ]);
      const first = await runAt(state, objects, '2026-11-14T06:00:30Z');
      // Then: the file holding the 05:57 event lands at 06:05, and one stamped 05:58 lands late, after run 1 listed;
      // it repeats the early event too (CloudTrail may deliver an event twice).
      objects.set(...file([rootCall('at-0557', '2026-11-14T05:57:00Z')], '2026-11-14T06:05:00Z', 'cccccccccccccccc'));
      objects.set(
        ...file(
          [rootCall('late-0556', '2026-11-14T05:56:00Z'), rootCall('early', '2026-11-14T05:40:00Z')],
          '2026-11-14T05:58:00Z',
          'dddddddddddddddd',
        ),
      );

      // Act
      const second = await runAt(state, objects, '2026-11-15T06:00:30Z');
      const third = await runAt(state, objects, '2026-11-16T06:00:30Z');

      // Assert
      expect(first.findings?.map((f) => f.eventId)).toEqual(['early']);
      expect(second.findings?.map((f) => f.eventId).sort()).toEqual(['at-0557', 'late-0556']);
      expect(second.scanned).toMatchObject({ from: '2026-11-14T05:45:00.000Z', complete: true });
      expect(second.message).toMatch(/; files delivered 2026-11-14T05:45Z–2026-11-15T06:00Z$/);
      expect(third).toMatchObject({ status: 'PASS', message: expect.stringMatching(/^no log files delivered/) });
      const doc = await state.get<CursorDocument>(`cloudtrail-cursors/${ACCOUNT}.json`);
      expect(doc?.regions['eu-west-1']?.scannedTo).toBe('2026-11-16T06:00:30.000Z');
    });

    test('a retry of a run whose first attempt was lost after its writes finds the same events again', async () => {
      // Arrange: the first attempt scans and its record and cursor are written, but Step Functions never gets its
      // result (a Lambda service error) and retries; the retry writes the record again, over the first one.
      const state = new MemoryCheckState();
      const objects = new Map([
        file([rootCall('root-1', '2026-11-14T05:40:00Z')], '2026-11-14T05:45:00Z', 'aaaaaaaaaaaaaaaa'),
        file([ctRecord({ eventID: 'plain' })], '2026-11-14T05:55:00Z', 'bbbbbbbbbbbbbbbb'),
      ]);
      const first = await runAt(state, objects, '2026-11-14T06:00:30Z', 'run-a');

      // Act: the retry, a minute later, with a file delivered in between; then the next day's run.
      objects.set(...file([rootCall('root-2', '2026-11-14T06:00:00Z')], '2026-11-14T06:01:00Z', 'cccccccccccccccc'));
      const retry = await runAt(state, objects, '2026-11-14T06:01:30Z', 'run-a');
      const next = await runAt(state, objects, '2026-11-15T06:00:30Z', 'run-b');

      // Assert: the record the retry writes has what the first attempt found, and the new file; the next run
      // continues from the retry's cursor and reports nothing twice.
      expect(first.findings?.map((f) => f.eventId)).toEqual(['root-1']);
      expect(retry.findings?.map((f) => f.eventId).sort()).toEqual(['root-1', 'root-2']);
      expect(retry.scanned).toMatchObject({ filesRead: 3, filesListed: 3, complete: true });
      expect(next).toMatchObject({ status: 'PASS' });
      const doc = await state.get<CursorDocument>(`cloudtrail-cursors/${ACCOUNT}.json`);
      expect(doc).toMatchObject({
        runId: 'run-b',
        regions: { 'eu-west-1': { scannedTo: '2026-11-15T06:00:30.000Z' } },
      });
    });

    test('the cursor is only queued: nothing is written until Audit Account commits it after the record', async () => {
      const state = new MemoryCheckState();
      serveBucket(s3Mock, BUCKET, new Map([file([ctRecord()], '2026-11-14T10:05:00Z', 'aaaaaaaaaaaaaaaa')]));
      const { context } = checkContext({ now: NOW, state });

      await cloudTrailEventsCheck.run(context);

      expect(state.documents.size).toBe(0);
      expect([...state.pending.keys()]).toEqual([`cloudtrail-cursors/${ACCOUNT}.json`]);
    });

    test('a scan cut by the deadline keeps its findings, says so, and the next run continues where it stopped', async () => {
      // Arrange: six files, each with one root call; the deadline passes once three files were read.
      const state = new MemoryCheckState();
      const objects = new Map(
        Array.from({ length: 6 }, (_, i) =>
          file([rootCall(`r${i}`, `2026-11-14T0${i}:00:00Z`)], `2026-11-14T0${i}:05:00Z`, `${'abcdef'[i]}`.repeat(16)),
        ),
      );
      serveBucket(s3Mock, BUCKET, objects);
      const settings = testSettings({ cloudtrail: { readConcurrency: 1 } });
      let reads = 0;
      const original = s3Mock.commandCalls.bind(s3Mock);
      const { context } = checkContext({
        settings,
        now: NOW,
        state,
        deadline: () => (original(GetObjectCommand).length >= 3 ? 0 : Number.MAX_SAFE_INTEGER),
      });

      // Act
      const cut = await cloudTrailEventsCheck.run(context);
      state.commit();
      reads = s3Mock.commandCalls(GetObjectCommand).length;
      const resumed = await runAt(state, objects, '2026-11-14T12:10:00Z');

      // Assert
      expect(reads).toBe(3);
      expect(cut.status).toBe('FAIL');
      expect(cut.message).toContain('scan incomplete: 3 of 6 files read; the next run continues');
      expect(cut.findings?.map((f) => f.rule)).toEqual([
        'root-activity',
        'root-activity',
        'root-activity',
        'ScanIncomplete',
      ]);
      expect(cut.findings?.[3]).toMatchObject({ severity: 'MEDIUM', title: 'Scan incomplete: 3 of 6 files read' });
      expect(cut.scanned).toMatchObject({ filesRead: 3, filesListed: 6, complete: false });
      const doc = await state.get<CursorDocument>(`cloudtrail-cursors/${ACCOUNT}.json`);
      expect(doc?.regions['eu-west-1']?.scannedTo).toBe('2026-11-14T12:10:00.000Z');
      expect(resumed.findings?.map((f) => f.eventId)).toEqual(['r3', 'r4', 'r5']);
      expect(resumed.scanned).toMatchObject({
        from: new Date(Date.parse('2026-11-14T03:05:00Z') - SEAM_OVERLAP_MS).toISOString(),
        complete: true,
      });
    });

    test('a key with extra path segments under the day folder is refused, not read', async () => {
      // Arrange: a member account's own trail writing under the Log Archive's day folder.
      const [goodKey, goodBody] = file([ctRecord()], '2026-11-14T10:05:00Z', 'aaaaaaaaaaaaaaaa');
      const dayFolder = goodKey.slice(0, goodKey.lastIndexOf('/') + 1);
      const planted = `${dayFolder}x/AWSLogs/o-abcdefghij/${ACCOUNT}/CloudTrail/eu-west-1/2026/11/14/${ACCOUNT}_CloudTrail_eu-west-1_20261114T1010Z_bbbbbbbbbbbbbbbb.json.gz`;
      serveBucket(
        s3Mock,
        BUCKET,
        new Map([
          [goodKey, goodBody],
          [planted, Buffer.from('not for us')],
        ]),
      );
      const { context } = checkContext({ now: NOW });

      // Act
      const result = await cloudTrailEventsCheck.run(context);

      // Assert
      expect(result).toMatchObject({ status: 'PASS', scanned: { filesRead: 1, filesListed: 1 } });
      expect(s3Mock.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key)).toEqual([goodKey]);
    });

    test('the organization ID of the run is used when the settings have none', async () => {
      const settings = testSettings({ organizationId: undefined });
      serveBucket(s3Mock, BUCKET, new Map([file([ctRecord()], '2026-11-14T10:05:00Z', 'aaaaaaaaaaaaaaaa')]));
      const { context } = checkContext({ settings, now: NOW, run: { organizationId: 'o-abcdefghij' } });

      expect(await cloudTrailEventsCheck.run(context)).toMatchObject({ status: 'PASS', scanned: { filesRead: 1 } });
    });
  });

  test('text from a record reaches the finding bounded and without control characters', async () => {
    // Arrange: a bucket name with terminal escapes and a bidi override, and 4 MB of it.
    const evil = `\u001b]8;;http://x\u0007\u202ebucket${'a'.repeat(4 * 1024 * 1024)}`;
    const record = ctRecord({
      eventSource: 's3.amazonaws.com',
      eventName: 'PutBucketAcl',
      requestParameters: { bucketName: evil, 'x-amz-acl': ['public-read'] },
      sourceIPAddress: '\u009b6n203.0.113.9',
    });
    serveBucket(s3Mock, BUCKET, new Map([fileWith([record], '2026-11-14T10:05:00Z')]));
    const { context } = checkContext({ now: NOW });

    // Act
    const result = await cloudTrailEventsCheck.run(context);

    // Assert
    const [finding] = result.findings ?? [];
    expect(finding?.rule).toBe('s3-bucket-made-public');
    const text = JSON.stringify(finding);
    // JSON.stringify writes C0 controls as \u00XX and leaves C1 and bidi characters as they are.
    expect(text).not.toMatch(/\\u00[01][0-9a-f]/);
    expect(text).not.toMatch(/[\u007f-\u009f\u202a-\u202e]/);
    expect(finding?.detail?.length).toBeLessThanOrEqual(512);
    expect(finding?.resource?.id.length).toBeLessThanOrEqual(1024);
    expect(finding?.sourceIp).toBe('203.0.113.9');
    expect(text.length).toBeLessThan(5_000);
  });
});
