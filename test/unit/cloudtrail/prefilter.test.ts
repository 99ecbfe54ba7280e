import { gunzipSync } from 'node:zlib';
import { generateAccountLogFiles, nearMissEvents, plantedEvents } from '../../../cli/sandbox/cloudtrail-fixtures';
import { RuleEngine } from '../../../functions/cloudtrail/engine';
import { RecordSplitter } from '../../../functions/cloudtrail/log-reader';
import { recordFilter, valueKeeps, watchedKey } from '../../../functions/cloudtrail/prefilter';
import { RULE_IDS } from '../../../functions/cloudtrail/rules/ids';
import { scanLogFiles } from '../../../functions/cloudtrail/scanner';
import { cloudTrailSettingsSchema } from '../../../functions/cloudtrail/settings';
import { ctRecord, iamUserIdentity, rootIdentity } from './helpers';

const settings = cloudTrailSettingsSchema.parse({});
const ACCOUNT = '111122223333';
const REGIONS = ['eu-west-1', 'us-east-1'];
const TO = new Date('2026-11-14T12:00:00Z');
const FROM = new Date(TO.getTime() - 12 * 3_600_000);

/** Pieces of `size` bytes: tokens, keys and escapes end up split across chunk boundaries. */
function pieces(buffer: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0; offset < buffer.length; offset += size) out.push(buffer.subarray(offset, offset + size));
  return out;
}

/** The engine's result for the same files read with and without the pre-filter. */
async function bothWays(files: ReadonlyMap<string, readonly Buffer[]>) {
  const run = async (prefilter: boolean) => {
    const engine = new RuleEngine({ settings });
    const stats = await scanLogFiles({
      keys: files.keys(),
      open: async (key) => files.get(key) as Buffer[],
      engine,
      concurrency: 2,
      prefilter,
    });
    return { result: engine.result(), stats };
  };
  return { filtered: await run(true), parsed: await run(false) };
}

/** Records parsed and records skipped when the text goes through the splitter with the engine's pre-filter. */
function parsedAndSkipped(text: Buffer, chunk: number): { parsed: number; skipped: number } {
  const filter = new RuleEngine({ settings }).recordFilter();
  let parsed = 0;
  let skipped = 0;
  const splitter = new RecordSplitter(() => parsed++, {
    ...(filter ? { filter } : {}),
    onSkipped: (count) => {
      skipped += count;
    },
  });
  for (const piece of pieces(text, chunk)) splitter.push(Buffer.from(piece));
  splitter.end();
  return { parsed, skipped };
}

describe('the byte-level pre-filter', () => {
  test('every planted event and near miss of the sandbox gives the same findings with and without it', async () => {
    // Arrange: noise with every rule's planted events (and attempts) and the near misses, in the organization's files.
    const plant = RULE_IDS.flatMap((id, i) => [
      ...plantedEvents(id, new Date(FROM.getTime() + (i + 1) * 3_000_000), ACCOUNT, REGIONS[i % 2] as string),
      ...plantedEvents(id, new Date(FROM.getTime() + (i + 1) * 3_300_000), ACCOUNT, REGIONS[(i + 1) % 2] as string, {
        attempt: true,
      }),
    ]);
    plant.push(...nearMissEvents(new Date(FROM.getTime() + 3_600_000), ACCOUNT, 'eu-west-1'));
    const files = new Map<string, Buffer[]>();
    for (const file of generateAccountLogFiles({
      organizationId: 'o-abcdefghij',
      accountId: ACCOUNT,
      regions: REGIONS,
      from: FROM,
      to: TO,
      recordsPerFile: 40,
      plant,
    })) {
      files.set(file.key, pieces(file.body, 1000));
    }

    // Act
    const { filtered, parsed } = await bothWays(files);

    // Assert: the same findings, counts and records; every rule found its planted events.
    expect(filtered.result).toEqual(parsed.result);
    expect(filtered.stats).toEqual(parsed.stats);
    expect(new Set(filtered.result.findings.map((finding) => finding.rule))).toEqual(new Set(RULE_IDS));
  });

  test('it skips the bulk of ordinary noise', () => {
    // Arrange: one day of noise, nothing planted.
    const texts = [
      ...generateAccountLogFiles({
        organizationId: 'o-abcdefghij',
        accountId: ACCOUNT,
        regions: REGIONS,
        from: FROM,
        to: TO,
        recordsPerFile: 40,
      }),
    ].map((file) => file.body);
    const text = Buffer.from(
      `{"Records":[${texts
        .flatMap((body) => (JSON.parse(gunzipSync(body).toString()) as { Records: unknown[] }).Records)
        .map((record) => JSON.stringify(record))
        .join(',')}]}`,
    );

    // Act
    const { parsed, skipped } = parsedAndSkipped(text, 4096);

    // Assert: at least nine records in ten are not parsed.
    expect(parsed + skipped).toBeGreaterThan(1000);
    expect(skipped / (parsed + skipped)).toBeGreaterThan(0.9);
  });

  const MATCHING: readonly [string, string][] = [
    [
      'an escaped event name',
      JSON.stringify(
        ctRecord({ eventID: 'e1', eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' }),
      ).replace('"StopLogging"', '"Stop\\u004cogging"'),
    ],
    [
      'an escaped quote around the event name',
      JSON.stringify(ctRecord({ eventID: 'e2', eventSource: 'iam.amazonaws.com', eventName: 'CreateUser' })).replace(
        '"eventName":"CreateUser"',
        '"eventName":\u0020"CreateUser"',
      ),
    ],
    [
      'whitespace around the colon',
      JSON.stringify(ctRecord({ eventID: 'e3', eventSource: 'kms.amazonaws.com', eventName: 'DisableKey' })).replace(
        '"eventName":"DisableKey"',
        '"eventName" \n\t:  "DisableKey"',
      ),
    ],
    [
      'an escaped key',
      JSON.stringify(
        ctRecord({ eventID: 'e4', eventSource: 'guardduty.amazonaws.com', eventName: 'DeleteDetector' }),
      ).replace('"eventName"', '"event\\u004eame"'),
    ],
    [
      'an escaped Root',
      JSON.stringify(ctRecord({ eventID: 'e5', userIdentity: rootIdentity, eventName: 'ListBuckets' })).replace(
        '"Root"',
        '"R\\u006fot"',
      ),
    ],
    [
      'Root with escaped slashes in the ARN',
      JSON.stringify(ctRecord({ eventID: 'e6', userIdentity: rootIdentity, eventName: 'ListBuckets' })).replace(
        /\//g,
        '\\/',
      ),
    ],
    [
      'Root as the identity type, spaced, after the other identity keys',
      JSON.stringify(
        ctRecord({ eventID: 'e9', userIdentity: { ...rootIdentity, type: undefined }, eventName: 'ListBuckets' }),
      ).replace('"accessKeyId":""', '"accessKeyId":"" , "type" :\t"Root"'),
    ],
    [
      'the event name as the first key and the source last',
      `{"eventName":"StopConfigurationRecorder",${JSON.stringify({ ...ctRecord({ eventID: 'e7' }), eventName: undefined, eventSource: undefined }).slice(1, -1)},"eventSource":"config.amazonaws.com"}`,
    ],
    [
      'a sign-in without MFA with the event name in a nested object too',
      JSON.stringify(
        ctRecord({
          eventID: 'e8',
          userIdentity: iamUserIdentity('bob'),
          eventSource: 'signin.amazonaws.com',
          eventName: 'ConsoleLogin',
          requestParameters: { eventName: 'GetObject' },
          responseElements: { ConsoleLogin: 'Success' },
          additionalEventData: { MFAUsed: 'No' },
        }),
      ),
    ],
    ...(
      [
        ['guardduty.amazonaws.com', 'UpdateDetector', { detectorId: 'd1', enable: false }],
        ['guardduty.amazonaws.com', 'DisassociateFromAdministratorAccount', { detectorId: 'd1' }],
        ['guardduty.amazonaws.com', 'DisassociateFromMasterAccount', { detectorId: 'd1' }],
        ['guardduty.amazonaws.com', 'StopMonitoringMembers', { detectorId: 'd1', accountIds: ['444455556666'] }],
        ['guardduty.amazonaws.com', 'DeleteMembers', { detectorId: 'd1', accountIds: ['444455556666'] }],
        ['securityhub.amazonaws.com', 'DisassociateFromAdministratorAccount', null],
        ['securityhub.amazonaws.com', 'DisassociateFromMasterAccount', null],
        ['securityhub.amazonaws.com', 'BatchDisableStandards', { StandardsSubscriptionArns: ['arn:x'] }],
        ['config.amazonaws.com', 'DeleteDeliveryChannel', { deliveryChannelName: 'default' }],
        ['s3.amazonaws.com', 'PutBucketPublicAccessBlock', { bucketName: 'b', PublicAccessBlockConfiguration: {} }],
        [
          's3.amazonaws.com',
          'PutAccountPublicAccessBlock',
          { PublicAccessBlockConfiguration: { BlockPublicAcls: true } },
        ],
        [
          'ec2.amazonaws.com',
          'ModifySecurityGroupRules',
          {
            ModifySecurityGroupRulesRequest: {
              GroupId: 'sg-1',
              SecurityGroupRule: {
                SecurityGroupRuleId: 'sgr-1',
                SecurityGroupRule: { IpProtocol: '-1', CidrIpv4: '0.0.0.0/0' },
              },
            },
          },
        ],
      ] as const
    ).map(([eventSource, eventName, requestParameters], i): [string, string] => [
      `the call ${eventSource.split('.')[0]} ${eventName}`,
      JSON.stringify(ctRecord({ eventID: `t${i}`, eventSource, eventName, requestParameters })),
    ]),
  ];

  test.each(MATCHING)('a matching record with %s is judged, in any chunk size', async (_name, record) => {
    // Arrange: the record among noise, cut into pieces of several sizes.
    const noise = Array.from({ length: 30 }, (_, i) => JSON.stringify(ctRecord({ eventID: `n${i}` })));
    const text = Buffer.from(`{"Records":[${noise.slice(0, 15).join(',')},${record},${noise.slice(15).join(',')}]}`);
    for (const size of [1, 7, 61, 4096]) {
      const files = new Map([['f', pieces(text, size)]]);

      // Act
      const { filtered, parsed } = await bothWays(files);

      // Assert
      expect(filtered.result).toEqual(parsed.result);
      expect(filtered.result.findings).toHaveLength(1);
    }
  });

  test('a key that several rules watch keeps a value any of them wants, by test or by value', () => {
    // Arrange: two tests and a listed value on errorCode, event names on eventName.
    const filter = recordFilter([
      { errorCode: (code) => code === 'Denied' },
      { errorCode: (code) => code.startsWith('Refused') },
      { keyValues: { errorCode: ['Exact'] } },
      { eventNames: ['StopLogging'] },
    ]);
    const keeps = (key: string, value: string) => {
      const text = Buffer.from(`${key}${value}`);
      const watched = filter && watchedKey(text, 0, key.length, filter);
      return watched !== undefined && valueKeeps(text, key.length, text.length, watched);
    };

    // Act
    const judged = [
      ['errorCode', 'Denied'],
      ['errorCode', 'RefusedHere'],
      ['errorCode', 'Exact'],
      ['errorCode', 'Throttling'],
      ['errorCode', ''],
      ['eventName', 'StopLogging'],
      ['eventName', 'StartLogging'],
      ['type', 'Root'],
    ].map(([key, value]) => keeps(key as string, value as string));

    // Assert
    expect(judged).toEqual([true, true, true, false, false, true, false, false]);
  });

  test('a value is judged only after its key: "Root" or an event name elsewhere in a record is skipped', () => {
    // Arrange: "Root" and "StopLogging" as values of other keys, and "type" with another value.
    const records = [
      ctRecord({ eventID: 'o1', requestParameters: { roleName: 'Root', note: 'StopLogging' } }),
      ctRecord({ eventID: 'o2', userIdentity: iamUserIdentity('Root'), eventName: 'GetObject' }),
      ctRecord({ eventID: 'o3', requestParameters: { type: 'AccessDenied', errorCode: 'Root' } }),
    ].map((record) => JSON.stringify(record));
    const text = Buffer.from(`{"Records":[${records.join(',')}]}`);

    // Act
    const counts = parsedAndSkipped(text, 4096);

    // Assert: none of them can match a rule, so none is parsed.
    expect(counts).toEqual({ parsed: 0, skipped: 3 });
  });

  test.each([
    'AuthorizationError',
    'NotAuthorized',
    'AccessDeniedForDependencyException',
    'Server.UnauthorizedOperation',
  ])('denied calls answered %s pass it and make the same burst', async (errorCode) => {
    // Arrange: 25 denied calls by one user among calls that failed for other reasons.
    const denied = Array.from({ length: 25 }, (_, i) =>
      JSON.stringify(
        ctRecord({ eventID: `d${i}`, eventTime: `2026-11-14T10:0${i % 5}:00Z`, errorCode, errorMessage: 'no' }),
      ),
    );
    const noise = Array.from({ length: 20 }, (_, i) =>
      JSON.stringify(ctRecord({ eventID: `n${i}`, errorCode: 'TrailNotFoundException', errorMessage: errorCode })),
    );
    const text = Buffer.from(`{"Records":[${[...noise, ...denied].join(',')}]}`);

    // Act
    const { filtered, parsed } = await bothWays(new Map([['f', pieces(text, 61)]]));

    // Assert
    expect(filtered.result).toEqual(parsed.result);
    expect(filtered.result.findings.map((finding) => finding.rule)).toEqual(['access-denied-burst']);
    expect(parsedAndSkipped(text, 61)).toEqual({ parsed: 25, skipped: 20 });
  });

  test('denied calls with the error code in odd places make the same burst', async () => {
    // Arrange: 25 denied calls by one user, their errorCode escaped, spaced, first, or EC2's Client. form.
    const denied = Array.from({ length: 25 }, (_, i) => {
      const text = JSON.stringify(
        ctRecord({
          eventID: `d${i}`,
          eventTime: `2026-11-14T10:0${i % 5}:00Z`,
          errorCode: i % 3 === 0 ? 'Client.UnauthorizedOperation' : 'AccessDenied',
          errorMessage: 'not authorized',
        }),
      );
      if (i % 4 === 0) return text.replace('"errorCode":"', '"errorCode" : "');
      if (i % 4 === 1) return text.replace('AccessDenied', 'Access\\u0044enied');
      return text;
    });
    const noise = Array.from({ length: 50 }, (_, i) =>
      JSON.stringify(ctRecord({ eventID: `n${i}`, errorCode: 'ThrottlingException', errorMessage: 'AccessDenied' })),
    );
    const text = Buffer.from(`{"Records":[${[...noise, ...denied].join(',')}]}`);

    // Act
    const { filtered, parsed } = await bothWays(new Map([['f', pieces(text, 97)]]));

    // Assert
    expect(filtered.result).toEqual(parsed.result);
    expect(filtered.result.findings.map((finding) => finding.rule)).toEqual(['access-denied-burst']);
    expect(parsedAndSkipped(text, 97).skipped).toBe(50);
  });
});
