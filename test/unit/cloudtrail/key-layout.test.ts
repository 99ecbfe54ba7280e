import {
  dayPrefix,
  fileTimestamp,
  logFileKey,
  parseLogKey,
  regionPrefix,
} from '../../../functions/cloudtrail/key-layout';

const ACCOUNT = '111122223333';
const ORG = 'o-abcdefghij';
const DELIVERED = new Date('2026-11-14T05:10:00Z');

describe('key layout', () => {
  test('Control Tower: <orgId>/AWSLogs/<orgId>/<account>/CloudTrail/<region>/YYYY/MM/DD/', () => {
    // Act
    const prefix = dayPrefix(
      { layout: 'organization', keyPrefix: ORG, organizationId: ORG },
      ACCOUNT,
      'eu-west-1',
      DELIVERED,
    );

    // Assert
    expect(prefix).toBe(`${ORG}/AWSLogs/${ORG}/${ACCOUNT}/CloudTrail/eu-west-1/2026/11/14/`);
  });

  test('organization trail without a key prefix: AWSLogs/<orgId>/<account>/...', () => {
    expect(regionPrefix({ layout: 'organization', keyPrefix: '', organizationId: ORG }, ACCOUNT, 'us-east-1')).toBe(
      `AWSLogs/${ORG}/${ACCOUNT}/CloudTrail/us-east-1/`,
    );
  });

  test('account layout: AWSLogs/<account>/..., with or without a key prefix', () => {
    expect(regionPrefix({ layout: 'account', keyPrefix: '' }, ACCOUNT, 'us-east-1')).toBe(
      `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/`,
    );
    expect(regionPrefix({ layout: 'account', keyPrefix: 'trails/legacy' }, ACCOUNT, 'us-east-1')).toBe(
      `trails/legacy/AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/`,
    );
  });

  test('the organization layout refuses to build a prefix without the organization ID', () => {
    expect(() => regionPrefix({ layout: 'organization', keyPrefix: '' }, ACCOUNT, 'us-east-1')).toThrow(
      /organization ID/,
    );
  });

  test('file time stamps are UTC, zero-padded, minute precision', () => {
    expect(fileTimestamp(new Date('2027-01-02T03:04:59Z'))).toBe('20270102T0304Z');
  });

  test.each([
    ['Control Tower', { layout: 'organization', keyPrefix: ORG, organizationId: ORG }],
    ['organization, no prefix', { layout: 'organization', keyPrefix: '', organizationId: ORG }],
    ['account', { layout: 'account', keyPrefix: '' }],
    ['account, nested prefix', { layout: 'account', keyPrefix: 'a/b.c/d-e' }],
  ] as const)('a key built in the %s layout parses back', (_name, location) => {
    // Arrange
    const key = logFileKey(location, ACCOUNT, 'ap-southeast-2', DELIVERED, 'Mu0KsOhtH1ar15ZZ');

    // Act
    const parsed = parseLogKey(key);

    // Assert
    expect(parsed).toEqual({
      keyPrefix: location.keyPrefix,
      layout: location.layout,
      ...('organizationId' in location ? { organizationId: ORG } : {}),
      accountId: ACCOUNT,
      region: 'ap-southeast-2',
      day: '2026-11-14',
      deliveredAt: DELIVERED,
      suffix: 'Mu0KsOhtH1ar15ZZ',
    });
  });

  test('parses a key as CloudTrail writes it', () => {
    const parsed = parseLogKey(
      'o-exampleorgid/AWSLogs/o-exampleorgid/111122223333/CloudTrail/us-east-2/2026/08/01/111122223333_CloudTrail_us-east-2_20260801T2359Z_Mu0KsOhtH1ar15ZZ.json.gz',
    );

    expect(parsed).toMatchObject({
      organizationId: 'o-exampleorgid',
      accountId: ACCOUNT,
      region: 'us-east-2',
      day: '2026-08-01',
      deliveredAt: new Date('2026-08-01T23:59:00Z'),
    });
  });

  test.each([
    [
      'a digest file',
      `AWSLogs/${ORG}/${ACCOUNT}/CloudTrail-Digest/us-east-1/2026/11/14/${ACCOUNT}_CloudTrail-Digest_us-east-1_x_us-east-1_20261114T051000Z.json.gz`,
    ],
    [
      'another account in the file name',
      `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2026/11/14/999988887777_CloudTrail_us-east-1_20261114T0510Z_abcdefghijklmnop.json.gz`,
    ],
    [
      'another region in the file name',
      `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2026/11/14/${ACCOUNT}_CloudTrail_eu-west-1_20261114T0510Z_abcdefghijklmnop.json.gz`,
    ],
    [
      'an impossible time',
      `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2026/13/14/${ACCOUNT}_CloudTrail_us-east-1_20261314T0510Z_abcdefghijklmnop.json.gz`,
    ],
    [
      'an uncompressed file',
      `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2026/11/14/${ACCOUNT}_CloudTrail_us-east-1_20261114T0510Z_abcdefghijklmnop.json`,
    ],
    ['a folder marker', `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2026/11/14/`],
    ['something else entirely', 'config/ConfigSnapshot.json.gz'],
  ])('rejects %s', (_name, key) => {
    expect(parseLogKey(key)).toBeUndefined();
  });

  describe('with the configured location: only the exact layout', () => {
    const LOCATION = { keyPrefix: ORG, layout: 'organization', organizationId: ORG } as const;
    const file = `${ACCOUNT}_CloudTrail_us-east-1_20261114T0510Z_abcdefghijklmnop.json.gz`;
    const folder = `AWSLogs/${ORG}/${ACCOUNT}/CloudTrail/us-east-1/2026/11/14/`;

    test('accepts the key of that layout', () => {
      expect(parseLogKey(`${ORG}/${folder}${file}`, LOCATION)).toMatchObject({
        accountId: ACCOUNT,
        region: 'us-east-1',
      });
    });

    test.each([
      ['extra segments in front of AWSLogs/ under the day folder', `${ORG}/${folder}x/${folder}${file}`],
      ['an extra segment before the prefix', `evil/${ORG}/${folder}${file}`],
      ['no prefix', `${folder}${file}`],
      ['another organization ID', `${ORG}/AWSLogs/o-zzzzzzzzzz/${ACCOUNT}/CloudTrail/us-east-1/2026/11/14/${file}`],
      ['the account layout', `${ORG}/AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2026/11/14/${file}`],
    ])('refuses %s', (_name, key) => {
      expect(parseLogKey(key, LOCATION)).toBeUndefined();
    });

    test('the account layout with no prefix refuses any prefix', () => {
      const account = { keyPrefix: '', layout: 'account' } as const;
      const key = `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2026/11/14/${file}`;

      expect(parseLogKey(key, account)).toMatchObject({ layout: 'account' });
      expect(parseLogKey(`x/${key}`, account)).toBeUndefined();
    });
  });
});
