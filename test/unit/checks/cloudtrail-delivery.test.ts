import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { cloudTrailDeliveryCheck } from '../../../functions/checks/cloudtrail-delivery';
import { logFileKey } from '../../../functions/cloudtrail/key-layout';
import { AssumeRoleError } from '../../../functions/lib/assume-role';
import { InvalidSettingsError } from '../../../functions/lib/errors';
import { fingerprintOf } from '../../../functions/lib/fingerprint';
import type { Finding } from '../../../functions/lib/types';
import { awsError, checkContext, serveBucket, testSettings } from '../cloudtrail/helpers';

const s3Mock = mockClient(S3Client);
const ACCOUNT = '111122223333';
const BUCKET = 'aws-controltower-logs-222233334444-eu-west-1';
const CT = { layout: 'organization', keyPrefix: 'o-abcdefghij', organizationId: 'o-abcdefghij' } as const;
const PREFIX = `o-abcdefghij/AWSLogs/o-abcdefghij/${ACCOUNT}/CloudTrail`;

/** The delivery folder of a region: the resource of its `cloudtrail-delivery/stale` finding. */
const folder = (region: string) => `s3://${BUCKET}/${PREFIX}/${region}/`;

/** The check's result at `now` over the bucket as it is. */
async function runAt(now: string, settings = testSettings()) {
  const { context } = checkContext({ settings, now: new Date(now) });
  return cloudTrailDeliveryCheck.run(context);
}

/** A bucket holding one file per given delivery time, in the region given. */
function bucketWith(
  deliveries: readonly [region: string, iso: string][],
  location: Parameters<typeof logFileKey>[0] = CT,
) {
  const objects = new Map(
    deliveries.map(([region, iso], i) => [
      logFileKey(location, ACCOUNT, region, new Date(iso), `suffix${String(i).padStart(10, '0')}`),
      Buffer.alloc(10),
    ]),
  );
  serveBucket(s3Mock, BUCKET, objects);
}

function listedPrefixes(): (string | undefined)[] {
  return s3Mock.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input.Prefix);
}

beforeEach(() => {
  s3Mock.reset();
});

describe('cloudtrail-delivery', () => {
  test('Compliance: the newest file is minutes old', async () => {
    // Arrange
    bucketWith([
      ['eu-west-1', '2026-11-14T11:40:00Z'],
      ['eu-west-1', '2026-11-14T11:55:00Z'],
      ['eu-west-1', '2026-11-14T11:50:00Z'],
    ]);
    const { context } = checkContext({ now: new Date('2026-11-14T12:00:30Z') });

    // Act
    const result = await cloudTrailDeliveryCheck.run(context);

    // Assert
    expect(result).toEqual({ status: 'PASS', message: 'eu-west-1: newest file 5m old' });
    expect(listedPrefixes()).toEqual([`${PREFIX}/eu-west-1/2026/11/14/`]);
  });

  test('Noncompliance 1: the stale account — FAIL naming the region and the age of its newest file', async () => {
    bucketWith([['eu-west-1', '2026-11-14T09:55:00Z']]);
    const { context } = checkContext({ now: new Date('2026-11-14T12:00:00Z') });

    const result = await cloudTrailDeliveryCheck.run(context);

    expect(result).toEqual({
      status: 'FAIL',
      message: 'eu-west-1: newest file 2h 5m old',
      findings: [
        {
          rule: 'cloudtrail-delivery/stale',
          severity: 'HIGH',
          title: 'CloudTrail logs stopped arriving from eu-west-1: newest file 2h 5m old',
          resource: { type: 'CloudTrailDelivery', id: folder('eu-west-1'), region: 'eu-west-1' },
          evidence: {
            freshnessMinutes: 60,
            newestFile: logFileKey(CT, ACCOUNT, 'eu-west-1', new Date('2026-11-14T09:55:00Z'), 'suffix0000000000'),
            newestDeliveredAt: '2026-11-14T09:55:00.000Z',
            ageMinutes: 125,
          },
        },
      ],
    });
  });

  test('Noncompliance 2: nothing today nor yesterday — "no file since" the day before', async () => {
    // Arrange: a file three days old, never listed.
    bucketWith([['eu-west-1', '2026-11-11T08:00:00Z']]);
    const { context } = checkContext({ now: new Date('2026-11-14T12:00:00Z') });

    // Act
    const result = await cloudTrailDeliveryCheck.run(context);

    // Assert
    expect(result).toEqual({
      status: 'FAIL',
      message: 'eu-west-1: no file since 2026-11-13',
      findings: [
        {
          rule: 'cloudtrail-delivery/stale',
          severity: 'HIGH',
          title: 'CloudTrail logs stopped arriving from eu-west-1: no file since 2026-11-13',
          resource: { type: 'CloudTrailDelivery', id: folder('eu-west-1'), region: 'eu-west-1' },
          evidence: { freshnessMinutes: 60, newestFile: null, newestDeliveredAt: null, noFileSince: '2026-11-13' },
        },
      ],
    });
    expect(listedPrefixes()).toEqual([`${PREFIX}/eu-west-1/2026/11/14/`, `${PREFIX}/eu-west-1/2026/11/13/`]);
  });

  test("Noncompliance 3: today's folder empty — yesterday's newest file gives the age", async () => {
    bucketWith([['eu-west-1', '2026-11-13T22:10:00Z']]);
    const { context } = checkContext({ now: new Date('2026-11-14T03:00:00Z') });

    const result = await cloudTrailDeliveryCheck.run(context);

    expect(result).toMatchObject({ status: 'FAIL', message: 'eu-west-1: newest file 4h 50m old' });
    expect(result.findings).toEqual([
      expect.objectContaining({
        rule: 'cloudtrail-delivery/stale',
        title: 'CloudTrail logs stopped arriving from eu-west-1: newest file 4h 50m old',
        evidence: expect.objectContaining({ newestDeliveredAt: '2026-11-13T22:10:00.000Z', ageMinutes: 290 }),
      }),
    ]);
  });

  test('Compliance: just after midnight UTC a file of yesterday is still fresh', async () => {
    bucketWith([['eu-west-1', '2026-11-30T23:55:00Z']]);
    const { context } = checkContext({ now: new Date('2026-12-01T00:10:00Z') });

    const result = await cloudTrailDeliveryCheck.run(context);

    expect(result).toEqual({ status: 'PASS', message: 'eu-west-1: newest file 15m old' });
    expect(listedPrefixes()).toEqual([`${PREFIX}/eu-west-1/2026/12/01/`, `${PREFIX}/eu-west-1/2026/11/30/`]);
  });

  test('near midnight both folders are read, and the newest of both wins (year end)', async () => {
    bucketWith([
      ['eu-west-1', '2026-12-31T23:55:00Z'],
      ['eu-west-1', '2027-01-01T00:05:00Z'],
    ]);
    const { context } = checkContext({ now: new Date('2027-01-01T00:20:00Z') });

    const result = await cloudTrailDeliveryCheck.run(context);

    expect(result).toEqual({ status: 'PASS', message: 'eu-west-1: newest file 15m old' });
    expect(listedPrefixes()).toEqual([`${PREFIX}/eu-west-1/2027/01/01/`, `${PREFIX}/eu-west-1/2026/12/31/`]);
  });

  test('Noncompliance 4: every governed region is judged; only the stale ones are named', async () => {
    // Arrange
    bucketWith([
      ['eu-west-1', '2026-11-14T11:55:00Z'],
      ['us-east-1', '2026-11-14T08:30:00Z'],
      ['ap-southeast-2', '2026-11-14T11:58:00Z'],
    ]);
    const settings = testSettings({ regions: ['eu-west-1', 'us-east-1', 'ap-southeast-2', 'eu-central-1'] });
    const { context } = checkContext({ settings, now: new Date('2026-11-14T12:00:00Z') });

    // Act
    const result = await cloudTrailDeliveryCheck.run(context);

    // Assert: the table's message as before, and one finding per failing region, none for the fresh ones.
    expect(result).toMatchObject({
      status: 'FAIL',
      message: 'us-east-1: newest file 3h 30m old; eu-central-1: no file since 2026-11-13',
    });
    expect(result.findings?.map((finding) => [finding.rule, finding.severity, finding.resource])).toEqual([
      [
        'cloudtrail-delivery/stale',
        'HIGH',
        { type: 'CloudTrailDelivery', id: folder('us-east-1'), region: 'us-east-1' },
      ],
      [
        'cloudtrail-delivery/stale',
        'HIGH',
        { type: 'CloudTrailDelivery', id: folder('eu-central-1'), region: 'eu-central-1' },
      ],
    ]);
  });

  test('the message names three regions, and every failing region still has its finding', async () => {
    bucketWith([]);
    const regions = ['eu-west-1', 'us-east-1', 'ap-southeast-2', 'eu-central-1', 'us-west-2'];

    const result = await runAt('2026-11-14T12:00:00Z', testSettings({ regions }));

    expect(result.message).toMatch(/; \+2 more regions$/);
    expect(result.findings?.map((finding) => finding.resource?.region)).toEqual(regions);
  });

  test('a delivery that stays stopped is one finding run after run: the same fingerprint at every age', async () => {
    // Arrange: the last file at 09:55; runs that day, the next day, and two days later ("no file since").
    bucketWith([['eu-west-1', '2026-11-14T09:55:00Z']]);
    const fingerprints = async (now: string) =>
      ((await runAt(now)).findings ?? []).map((finding: Finding) => fingerprintOf(ACCOUNT, finding));

    // Act
    const runs = await Promise.all(
      ['2026-11-14T12:00:00Z', '2026-11-14T18:30:00Z', '2026-11-15T06:00:00Z', '2026-11-16T06:00:00Z'].map(
        fingerprints,
      ),
    );

    // Assert: one finding each time, the same one, though title and evidence say a different age.
    expect(runs.map((found) => found.length)).toEqual([1, 1, 1, 1]);
    expect(new Set(runs.flat()).size).toBe(1);
    expect((await runAt('2026-11-16T06:00:00Z')).findings?.[0]?.title).toBe(
      'CloudTrail logs stopped arriving from eu-west-1: no file since 2026-11-15',
    );
  });

  test('each region is a finding of its own, and another account is another finding', async () => {
    bucketWith([]);
    const result = await runAt('2026-11-14T12:00:00Z', testSettings({ regions: ['eu-west-1', 'us-east-1'] }));
    const [west, east] = result.findings ?? [];

    const ids = [
      fingerprintOf(ACCOUNT, west as Finding),
      fingerprintOf(ACCOUNT, east as Finding),
      fingerprintOf('999988887777', west as Finding),
    ];

    expect(new Set(ids).size).toBe(3);
  });

  test('Compliance: several regions — the message gives the oldest of the newest files', async () => {
    bucketWith([
      ['eu-west-1', '2026-11-14T11:55:00Z'],
      ['us-east-1', '2026-11-14T11:20:00Z'],
    ]);
    const settings = testSettings({ regions: ['eu-west-1', 'us-east-1'] });
    const { context } = checkContext({ settings, now: new Date('2026-11-14T12:00:00Z') });

    expect(await cloudTrailDeliveryCheck.run(context)).toEqual({
      status: 'PASS',
      message: '2 regions: newest file 40m old',
    });
  });

  test('the freshness threshold comes from the settings', async () => {
    bucketWith([['eu-west-1', '2026-11-14T11:40:00Z']]);
    const settings = testSettings({ cloudtrail: { freshnessMinutes: 15 } });
    const { context } = checkContext({ settings, now: new Date('2026-11-14T12:00:00Z') });

    expect((await cloudTrailDeliveryCheck.run(context)).status).toBe('FAIL');
  });

  test('the account layout and an explicit bucket', async () => {
    // Arrange
    const location = { layout: 'account', keyPrefix: '' } as const;
    const objects = new Map([
      [
        logFileKey(location, ACCOUNT, 'eu-west-1', new Date('2026-11-14T11:55:00Z'), 'abcdefghijklmnop'),
        Buffer.alloc(1),
      ],
    ]);
    serveBucket(s3Mock, 'legacy-trail', objects);
    const settings = testSettings({
      logArchive: { accountId: '222233334444', bucket: 'legacy-trail', layout: 'account' },
    });
    const { context } = checkContext({ settings, now: new Date('2026-11-14T12:00:00Z') });

    // Act
    const result = await cloudTrailDeliveryCheck.run(context);

    // Assert
    expect(result.status).toBe('PASS');
    expect(s3Mock).toHaveReceivedCommandWith(ListObjectsV2Command, {
      Bucket: 'legacy-trail',
      Prefix: `AWSLogs/${ACCOUNT}/CloudTrail/eu-west-1/2026/11/14/`,
    });
  });

  test('other accounts and other objects in the folder are not taken for the newest file', async () => {
    const stale = logFileKey(CT, ACCOUNT, 'eu-west-1', new Date('2026-11-14T06:00:00Z'), 'abcdefghijklmnop');
    const folder = stale.slice(0, stale.lastIndexOf('/') + 1);
    serveBucket(
      s3Mock,
      BUCKET,
      new Map(
        [
          stale,
          `${folder}999988887777_CloudTrail_eu-west-1_20261114T1155Z_abcdefghijklmnop.json.gz`,
          `${folder}zz-readme.txt`,
        ].map((k) => [k, Buffer.alloc(1)]),
      ),
    );
    const { context } = checkContext({ now: new Date('2026-11-14T12:00:00Z') });

    const result = await cloudTrailDeliveryCheck.run(context);

    expect(result).toMatchObject({ status: 'FAIL', message: 'eu-west-1: newest file 6h old' });
    expect(result.findings?.map((finding) => finding.evidence?.newestFile)).toEqual([stale]);
  });

  test('Error 1: no Log Archive account configured — INVALID_INPUT naming the setting', async () => {
    const settings = testSettings({ logArchive: {} });
    const { context } = checkContext({
      settings,
      now: new Date('2026-11-14T12:00:00Z'),
      logArchiveError: new InvalidSettingsError('logArchive.accountId is not set'),
    });

    const result = await cloudTrailDeliveryCheck.run(context);

    expect(result.status).toBe('ERROR');
    expect(result.error?.kind).toBe('INVALID_INPUT');
    expect(result.error?.message).toMatch(/^set ctAudit\.logArchive\.accountId \(or --log-archive-account\)/);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  test('Error 2: no organization ID for the organization layout — INVALID_INPUT naming it', async () => {
    const { context } = checkContext({
      settings: testSettings({ organizationId: undefined }),
      now: new Date('2026-11-14T12:00:00Z'),
    });

    const result = await cloudTrailDeliveryCheck.run(context);

    expect(result).toMatchObject({
      status: 'ERROR',
      error: { kind: 'INVALID_INPUT', message: expect.stringMatching(/set ctAudit\.organizationId/) },
    });
  });

  test('Error 3: the read-only role cannot be assumed in the Log Archive account', async () => {
    const cause = awsError('AccessDenied', 'not authorized to perform sts:AssumeRole');
    const { context } = checkContext({
      now: new Date('2026-11-14T12:00:00Z'),
      ensureError: new AssumeRoleError(
        'cannot assume',
        'arn:aws:iam::222233334444:role/aws-controltower-ReadOnlyExecutionRole',
        cause,
      ),
    });

    const result = await cloudTrailDeliveryCheck.run(context);

    expect(result).toMatchObject({ status: 'ERROR', error: { kind: 'ACCESS_DENIED' } });
    expect(result.message).toBe('cannot assume the read-only role in the Log Archive account 222233334444');
  });

  test('Error 4: listing refused — ACCESS_DENIED naming s3:ListBucket', async () => {
    s3Mock.on(ListObjectsV2Command).rejects(awsError('AccessDenied', 'Access Denied'));
    const { context } = checkContext({ now: new Date('2026-11-14T12:00:00Z') });

    const result = await cloudTrailDeliveryCheck.run(context);

    expect(result).toMatchObject({
      status: 'ERROR',
      error: { kind: 'ACCESS_DENIED', message: expect.stringMatching(/needs s3:ListBucket/) },
    });
  });

  test('throttling that outlived the retries is thrown, for the workflow to retry the account', async () => {
    const throttled = awsError('SlowDown', 'Please reduce your request rate.');
    s3Mock.on(ListObjectsV2Command).rejects(throttled);
    const { context } = checkContext({ now: new Date('2026-11-14T12:00:00Z') });

    await expect(cloudTrailDeliveryCheck.run(context)).rejects.toBe(throttled);
  });
});
