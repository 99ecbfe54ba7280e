import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { logFileKey } from '../../../functions/cloudtrail/key-layout';
import {
  describeLogArchiveError,
  eventRegions,
  LogArchiveError,
  listKeys,
  logKeysInWindow,
  resolveLogArchive,
} from '../../../functions/cloudtrail/log-archive';
import { InvalidSettingsError } from '../../../functions/lib/errors';
import { awsError, serveBucket, testSettings } from './helpers';

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

beforeEach(() => {
  s3Mock.reset();
});

describe('eventRegions', () => {
  test.each([
    [['eu-west-1'], ['eu-west-1', 'us-east-1']],
    [
      ['eu-west-1', 'eu-central-1'],
      ['eu-west-1', 'eu-central-1', 'us-east-1'],
    ],
    [
      ['eu-west-1', 'us-east-1'],
      ['eu-west-1', 'us-east-1'],
    ],
    [['us-east-1'], ['us-east-1']],
    [['us-gov-east-1'], ['us-gov-east-1', 'us-gov-west-1']],
    [['us-gov-west-1'], ['us-gov-west-1']],
    [['cn-northwest-1'], ['cn-northwest-1', 'cn-north-1']],
    [['us-iso-east-1'], ['us-iso-east-1']],
  ])('governed %j: the scan reads %j', (governed, read) => {
    expect(eventRegions(governed)).toEqual(read);
  });
});

describe('resolveLogArchive', () => {
  test("Control Tower's defaults: bucket from the Log Archive account and home region, prefix the organization ID", () => {
    expect(resolveLogArchive(testSettings(), '222233334444')).toEqual({
      location: {
        bucket: 'aws-controltower-logs-222233334444-eu-west-1',
        keyPrefix: 'o-abcdefghij',
        layout: 'organization',
        organizationId: 'o-abcdefghij',
      },
      regions: ['eu-west-1'],
    });
  });

  test('explicit bucket, prefix, layout and regions win', () => {
    const settings = testSettings({
      organizationId: undefined,
      regions: ['us-east-1', 'eu-central-1'],
      logArchive: { accountId: '222233334444', bucket: 'old-trail-logs', keyPrefix: 'trails', layout: 'account' },
    });

    expect(resolveLogArchive(settings, '222233334444')).toEqual({
      location: { bucket: 'old-trail-logs', keyPrefix: 'trails', layout: 'account' },
      regions: ['us-east-1', 'eu-central-1'],
    });
  });

  test('the account layout has no key prefix by default', () => {
    const settings = testSettings({ logArchive: { accountId: '222233334444', layout: 'account' } });

    expect(resolveLogArchive(settings, '222233334444').location.keyPrefix).toBe('');
  });

  test.each([
    [{ homeRegion: undefined }, /set ctAudit\.homeRegion \(or ctAudit\.regions\)/],
    [{ homeRegion: undefined, regions: ['us-east-1'] }, /set ctAudit\.homeRegion \(or ctAudit\.logArchive\.bucket\)/],
    [{ organizationId: undefined }, /set ctAudit\.organizationId/],
  ])('a missing setting is named: %j', (overrides, message) => {
    expect(() => resolveLogArchive(testSettings(overrides), '222233334444')).toThrow(InvalidSettingsError);
    expect(() => resolveLogArchive(testSettings(overrides), '222233334444')).toThrow(message);
  });
});

describe('listing', () => {
  test('pages through a prefix with continuation tokens', async () => {
    const objects = new Map(Array.from({ length: 5 }, (_, i) => [`p/${i}`, Buffer.alloc(1)]));
    serveBucket(s3Mock, 'b', objects, { pageSize: 2 });

    const keys: string[] = [];
    for await (const key of listKeys(s3, 'b', 'p/')) keys.push(key);

    expect(keys).toEqual(['p/0', 'p/1', 'p/2', 'p/3', 'p/4']);
    expect(s3Mock).toHaveReceivedCommandTimes(ListObjectsV2Command, 3);
  });

  test("the window's files: one listing per region and day, starting at the window's minute", async () => {
    // Arrange
    const settings = testSettings({ regions: ['eu-west-1', 'us-east-1'] });
    const target = resolveLogArchive(settings, '222233334444');
    const key = (region: string, iso: string) =>
      logFileKey(target.location, '111122223333', region, new Date(iso), 'abcdefghijklmnop');
    const inside = [
      key('eu-west-1', '2026-11-13T12:05:00Z'),
      key('eu-west-1', '2026-11-14T11:55:00Z'),
      key('us-east-1', '2026-11-14T00:00:00Z'),
    ];
    const outside = [key('eu-west-1', '2026-11-13T11:55:00Z'), key('ap-southeast-2', '2026-11-14T01:00:00Z')];
    const objects = new Map(
      [
        ...inside,
        ...outside,
        `${target.location.keyPrefix}/AWSLogs/o-abcdefghij/111122223333/CloudTrail/eu-west-1/2026/11/14/notes.txt`,
      ].map((k) => [k, Buffer.alloc(1)]),
    );
    serveBucket(s3Mock, target.location.bucket, objects);
    const window = { start: new Date('2026-11-13T12:00:00Z'), end: new Date('2026-11-14T12:00:00Z') };

    // Act
    const keys: string[] = [];
    for await (const found of logKeysInWindow(s3, target, '111122223333', window)) keys.push(found);

    // Assert
    expect(keys.sort()).toEqual([...inside].sort());
    const prefixes = s3Mock
      .commandCalls(ListObjectsV2Command)
      .map((call) => [call.args[0].input.Prefix, call.args[0].input.StartAfter]);
    expect(prefixes).toEqual([
      [
        'o-abcdefghij/AWSLogs/o-abcdefghij/111122223333/CloudTrail/eu-west-1/2026/11/13/',
        'o-abcdefghij/AWSLogs/o-abcdefghij/111122223333/CloudTrail/eu-west-1/2026/11/13/111122223333_CloudTrail_eu-west-1_20261113T1200Z',
      ],
      ['o-abcdefghij/AWSLogs/o-abcdefghij/111122223333/CloudTrail/eu-west-1/2026/11/14/', undefined],
      [
        'o-abcdefghij/AWSLogs/o-abcdefghij/111122223333/CloudTrail/us-east-1/2026/11/13/',
        'o-abcdefghij/AWSLogs/o-abcdefghij/111122223333/CloudTrail/us-east-1/2026/11/13/111122223333_CloudTrail_us-east-1_20261113T1200Z',
      ],
      ['o-abcdefghij/AWSLogs/o-abcdefghij/111122223333/CloudTrail/us-east-1/2026/11/14/', undefined],
    ]);
  });
});

describe('describeLogArchiveError', () => {
  const ROLE = 'aws-controltower-ReadOnlyExecutionRole';

  test('KMS refusing GetObject: kms:Decrypt must be allowed for the read-only role', () => {
    const kms = awsError(
      'AccessDenied',
      'User: arn:aws:sts::222233334444:assumed-role/aws-controltower-ReadOnlyExecutionRole/ct-audit is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:eu-west-1:222233334444:key/abc',
    );

    const info = describeLogArchiveError(new LogArchiveError('read', 'bucket', 'key.json.gz', kms), ROLE);

    expect(info.kind).toBe('ACCESS_DENIED');
    expect(info.message).toMatch(
      /^cannot read s3:\/\/bucket\/key\.json\.gz: AccessDenied: .* — kms:Decrypt must be allowed for the Log Archive read-only role \(aws-controltower-ReadOnlyExecutionRole\)/,
    );
  });

  test('a plain AccessDenied on GetObject names both permissions', () => {
    const info = describeLogArchiveError(
      new LogArchiveError('read', 'b', 'k', awsError('AccessDenied', 'Access Denied')),
      ROLE,
    );

    expect(info.message).toMatch(
      /needs s3:GetObject, and kms:Decrypt must be allowed for it when the logs are KMS-encrypted$/,
    );
  });

  test('AccessDenied on a listing names s3:ListBucket', () => {
    const info = describeLogArchiveError(
      new LogArchiveError('list', 'b', 'p/', awsError('AccessDenied', 'Access Denied')),
      ROLE,
    );

    expect(info).toEqual({
      kind: 'ACCESS_DENIED',
      message:
        'cannot list s3://b/p/: AccessDenied: Access Denied — the Log Archive read-only role (aws-controltower-ReadOnlyExecutionRole) needs s3:ListBucket on b',
    });
  });

  test('a missing bucket names the setting', () => {
    const info = describeLogArchiveError(
      new LogArchiveError('list', 'b', 'p/', awsError('NoSuchBucket', 'nope')),
      ROLE,
    );

    expect(info.kind).toBe('NOT_FOUND');
    expect(info.message).toMatch(/set ctAudit\.logArchive\.bucket/);
  });

  test('anything else is classified by its name', () => {
    expect(
      describeLogArchiveError(new LogArchiveError('read', 'b', 'k', awsError('InternalError', 'oops')), ROLE).kind,
    ).toBe('UNKNOWN');
    expect(describeLogArchiveError(awsError('TimeoutError', 'late'), ROLE).kind).toBe('TIMEOUT');
  });
});
