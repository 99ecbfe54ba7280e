import { gunzipSync } from 'node:zlib';
import {
  corruptLogBody,
  type GeneratedLogFile,
  type GenerateOptions,
  generateAccountLogFiles,
  nearMissEvents,
  plantedEvents,
} from '../../../cli/sandbox/cloudtrail-fixtures';
import { RuleEngine } from '../../../functions/cloudtrail/engine';
import { parseLogKey } from '../../../functions/cloudtrail/key-layout';
import { LogFileError, readLogRecords } from '../../../functions/cloudtrail/log-reader';
import { RULE_IDS } from '../../../functions/cloudtrail/rules/ids';
import { scanLogFiles } from '../../../functions/cloudtrail/scanner';
import { cloudTrailSettingsSchema } from '../../../functions/cloudtrail/settings';

const ACCOUNT = '111122223333';
const TO = new Date('2026-11-14T12:00:00Z');
const FROM = new Date(TO.getTime() - 24 * 3_600_000);
const BASE: GenerateOptions = {
  organizationId: 'o-abcdefghij',
  accountId: ACCOUNT,
  regions: ['eu-west-1', 'us-east-1', 'ap-southeast-2'],
  from: FROM,
  to: TO,
};
/** Four hours, two regions: enough around a planted event, quick to generate. */
const SHORT: GenerateOptions = {
  ...BASE,
  regions: ['eu-west-1', 'us-east-1'],
  from: new Date('2026-11-14T01:00:00Z'),
  to: new Date('2026-11-14T05:00:00Z'),
};

/** Every rule on, nothing ignored: the strictest judge of the noise. */
const STRICT = cloudTrailSettingsSchema.parse({ ignorePrincipals: [] });

async function scan(files: readonly GeneratedLogFile[]) {
  const engine = new RuleEngine({ settings: STRICT });
  const bodies = new Map(files.map((file) => [file.key, file.body]));
  const stats = await scanLogFiles({
    keys: bodies.keys(),
    engine,
    concurrency: 4,
    open: async (key) => [bodies.get(key) as Buffer],
  });
  return { stats, result: engine.result() };
}

describe('generateAccountLogFiles', () => {
  test('24 hours of ordinary noise in three regions trigger no rule at all', async () => {
    // Arrange
    const files = [...generateAccountLogFiles({ ...BASE, recordsPerFile: 30 })];

    // Act
    const { stats, result } = await scan(files);

    // Assert
    expect(stats).toMatchObject({ files: 3 * 288, unreadable: 0 });
    expect(stats.records).toBeGreaterThan(3 * 288 * 20);
    expect(result.findings).toEqual([]);
  });

  test('a week of noise stays under the thresholds of the repeating rules too', async () => {
    const files = [
      ...generateAccountLogFiles({
        ...BASE,
        regions: ['eu-west-1'],
        from: new Date(TO.getTime() - 168 * 3_600_000),
        recordsPerFile: 5,
      }),
    ];

    const { result } = await scan(files);

    expect(result.findings).toEqual([]);
  });

  test('the noise is varied: services, principal types, regions inside one file, errors, null parameters', async () => {
    // Arrange
    const records: Record<string, unknown>[] = [];
    for (const file of generateAccountLogFiles({ ...BASE, to: new Date(FROM.getTime() + 6 * 3_600_000) })) {
      records.push(
        ...(JSON.parse(gunzipSync(file.body).toString()).Records as Record<string, unknown>[]).map((r) => ({
          ...r,
          file: file.region,
        })),
      );
    }
    const identity = (r: Record<string, unknown>) => r.userIdentity as Record<string, unknown>;

    // Assert
    expect(new Set(records.map((r) => r.eventSource)).size).toBeGreaterThanOrEqual(10);
    expect(new Set(records.map((r) => identity(r).type))).toEqual(
      new Set(['AssumedRole', 'AWSService', 'IAMUser', 'Root', undefined]),
    );
    expect(records.some((r) => String(identity(r).arn).includes('AWSReservedSSO_'))).toBe(true);
    expect(records.some((r) => String(identity(r).arn).includes('aws-controltower-'))).toBe(true);
    expect(records.some((r) => r.awsRegion !== r.file)).toBe(true);
    expect(records.some((r) => typeof r.errorCode === 'string')).toBe(true);
    expect(records.some((r) => r.requestParameters === null)).toBe(true);
    expect(new Set(records.map((r) => r.userAgent)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(records.map((r) => r.sourceIPAddress)).size).toBeGreaterThanOrEqual(10);
  });

  test.each(RULE_IDS)('a planted %s event triggers that rule and no other', async (ruleId) => {
    // Arrange
    const plant = plantedEvents(ruleId, new Date('2026-11-14T03:02:00Z'), ACCOUNT, 'us-east-1');

    // Act
    const { result } = await scan([...generateAccountLogFiles({ ...SHORT, plant })]);

    // Assert
    expect(result.counts).toEqual({ [ruleId]: 1 });
    expect(result.findings[0]).toMatchObject({
      rule: ruleId,
      region: 'us-east-1',
      s3Key: expect.stringContaining('/us-east-1/2026/11/14/'),
    });
  });

  test('a planted attempt at tampering is marked as an attempt', async () => {
    const plant = plantedEvents('cloudtrail-tampering', new Date('2026-11-14T03:02:00Z'), ACCOUNT, 'eu-west-1', {
      attempt: true,
    });

    const { result } = await scan([...generateAccountLogFiles({ ...SHORT, plant })]);

    expect(result.findings).toMatchObject([{ rule: 'cloudtrail-tampering', attempt: true }]);
  });

  test('near misses trigger nothing', async () => {
    const plant = nearMissEvents(new Date('2026-11-14T03:02:00Z'), ACCOUNT, 'eu-west-1');

    const { stats, result } = await scan([...generateAccountLogFiles({ ...SHORT, plant })]);

    expect(plant.length).toBeGreaterThanOrEqual(8);
    expect(stats.records).toBeGreaterThan(plant.length);
    expect(result.findings).toEqual([]);
  });

  test('the same seed gives the same files; another seed other files', () => {
    const one = [...generateAccountLogFiles({ ...BASE, to: new Date(FROM.getTime() + 3_600_000), seed: 5 })];
    const again = [...generateAccountLogFiles({ ...BASE, to: new Date(FROM.getTime() + 3_600_000), seed: 5 })];
    const other = [...generateAccountLogFiles({ ...BASE, to: new Date(FROM.getTime() + 3_600_000), seed: 6 })];

    expect(again.map((f) => [f.key, f.body.toString('base64')])).toEqual(
      one.map((f) => [f.key, f.body.toString('base64')]),
    );
    expect(other.map((f) => f.key)).not.toEqual(one.map((f) => f.key));
  });

  test('keys follow the layout asked for and parse back', () => {
    const [controlTower] = generateAccountLogFiles({ ...BASE });
    const [account] = generateAccountLogFiles({ ...BASE, organizationId: undefined, layout: 'account' });

    expect(parseLogKey(controlTower?.key ?? '')).toMatchObject({
      keyPrefix: 'o-abcdefghij',
      layout: 'organization',
      accountId: ACCOUNT,
    });
    expect(account?.key.startsWith(`AWSLogs/${ACCOUNT}/CloudTrail/eu-west-1/2026/11/13/`)).toBe(true);
    expect(parseLogKey(account?.key ?? '')).toMatchObject({ keyPrefix: '', layout: 'account' });
  });

  test('one file per region per interval, delivered at the time in its name', () => {
    const files = [
      ...generateAccountLogFiles({ ...BASE, intervalMinutes: 15, to: new Date(FROM.getTime() + 3_600_000) }),
    ];

    expect(files).toHaveLength(4 * 3);
    for (const file of files) expect(parseLogKey(file.key)?.deliveredAt).toEqual(file.deliveredAt);
  });

  test.each([
    ['eu-west-1', 'us-east-1'],
    ['us-gov-east-1', 'us-gov-west-1'],
    ['cn-northwest-1', 'cn-north-1'],
  ])(
    'governed %s only: global service events (IAM, sign-in) are filed under %s, as the organization trail files them',
    (home, global) => {
      // Arrange: a root sign-in and a CreateUser planted "in" the home region, with the noise's sign-ins and IAM calls.
      const plant = [
        ...plantedEvents('root-activity', new Date('2026-11-14T02:02:00Z'), ACCOUNT, home),
        ...plantedEvents('iam-user-or-key-created', new Date('2026-11-14T03:02:00Z'), ACCOUNT, home),
        ...plantedEvents('kms-key-disabled', new Date('2026-11-14T03:32:00Z'), ACCOUNT, home),
      ];

      // Act
      const files = [...generateAccountLogFiles({ ...SHORT, regions: [home], plant })];

      // Assert
      const records = files.flatMap((file) =>
        (JSON.parse(gunzipSync(file.body).toString()).Records as Record<string, unknown>[]).map(
          (r): Record<string, unknown> => ({
            ...r,
            file: file.region,
          }),
        ),
      );
      const globalService = (r: Record<string, unknown>) =>
        ['iam.amazonaws.com', 'signin.amazonaws.com'].includes(String(r.eventSource));
      expect(new Set(files.map((file) => file.region))).toEqual(new Set([home, global]));
      expect(records.filter(globalService).length).toBeGreaterThan(2);
      for (const r of records.filter(globalService)) expect([r.file, r.awsRegion]).toEqual([global, global]);
      expect(records.filter((r) => r.file === global).every(globalService)).toBe(true);
      expect(records.find((r) => r.eventName === 'ScheduleKeyDeletion')).toMatchObject({ file: home, awsRegion: home });
      expect(records.filter((r) => r.eventName === 'CreateUser' && !r.errorCode)).toHaveLength(1);
    },
  );

  test('a governed us-east-1 gets no second file per interval', () => {
    const files = [...generateAccountLogFiles({ ...SHORT, regions: ['eu-west-1', 'us-east-1'] })];

    const keys = files.map((file) => `${file.region} ${file.deliveredAt.toISOString()}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(files.filter((file) => file.region === 'us-east-1')).toHaveLength(files.length / 2);
  });

  test('the stale account: no file delivered from stopDeliveryAt on', () => {
    const stop = new Date(SHORT.to.getTime() - 2 * 3_600_000);

    const files = [...generateAccountLogFiles({ ...SHORT, stopDeliveryAt: stop })];

    const newest = Math.max(...files.map((f) => f.deliveredAt.getTime()));
    expect(new Date(newest)).toEqual(new Date(stop.getTime() - 5 * 60_000));
  });

  test.each(['truncated', 'not-gzip', 'bad-json'] as const)(
    'a %s file is unreadable, its neighbours are not',
    async (kind) => {
      // Arrange
      const files = [
        ...generateAccountLogFiles({
          ...BASE,
          to: new Date(FROM.getTime() + 3_600_000),
          corrupt: [{ region: 'us-east-1', at: new Date(FROM.getTime() + 1_800_000), kind }],
        }),
      ];

      // Act
      const { stats, result } = await scan(files);

      // Assert
      expect(files.filter((f) => f.corrupt)).toHaveLength(1);
      expect(stats.unreadable).toBe(1);
      expect(result.findings).toMatchObject([{ rule: 'LogFileUnreadable', s3Key: files.find((f) => f.corrupt)?.key }]);
    },
  );

  test('corruptLogBody damages any body', async () => {
    const [file] = generateAccountLogFiles({ ...BASE });

    const error = await readLogRecords([corruptLogBody(file?.body ?? Buffer.alloc(0))], () => undefined).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(LogFileError);
  });
});
