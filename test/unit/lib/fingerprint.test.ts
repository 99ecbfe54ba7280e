import { fingerprintOf, withFingerprints } from '../../../functions/lib/fingerprint';
import type { Finding } from '../../../functions/lib/types';

const finding = (overrides: Partial<Finding> = {}): Finding => ({
  rule: 'security-group-open-to-world',
  severity: 'HIGH',
  title: 'Security group opened to the internet',
  resource: { type: 'AwsEc2SecurityGroup', id: 'sg-0123456789abcdef0', region: 'eu-west-1' },
  eventTime: '2026-11-14T10:00:00Z',
  ...overrides,
});

describe('fingerprintOf', () => {
  test('is the same for the same account, rule and resource, whatever the time or the text', () => {
    const first = fingerprintOf('111122223333', finding());
    const again = fingerprintOf('111122223333', finding({ title: 'other', eventTime: '2026-11-15T10:00:00Z' }));

    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(again).toBe(first);
  });

  test.each([
    ['another account', '999988887777', finding()],
    ['another rule', '111122223333', finding({ rule: 'kms-key-disabled' })],
    [
      'another resource',
      '111122223333',
      finding({ resource: { type: 'AwsEc2SecurityGroup', id: 'sg-1', region: 'eu-west-1' } }),
    ],
    [
      'another region',
      '111122223333',
      finding({ resource: { type: 'AwsEc2SecurityGroup', id: 'sg-0123456789abcdef0', region: 'us-east-1' } }),
    ],
    [
      'another part',
      '111122223333',
      finding({
        resource: { type: 'AwsEc2SecurityGroup', id: 'sg-0123456789abcdef0', region: 'eu-west-1', part: 'sgr-1' },
      }),
    ],
  ])('differs for %s', (_name, accountId, other) => {
    expect(fingerprintOf(accountId, other)).not.toBe(fingerprintOf('111122223333', finding()));
  });

  test('a finding made from one event adds its event ID: two events on one resource are two findings', () => {
    const first = fingerprintOf('111122223333', finding({ eventId: 'evt-1' }));

    expect(fingerprintOf('111122223333', finding({ eventId: 'evt-1', eventTime: 'later' }))).toBe(first);
    expect(fingerprintOf('111122223333', finding({ eventId: 'evt-2' }))).not.toBe(first);
    expect(fingerprintOf('111122223333', finding())).not.toBe(first);
  });

  test('a finding without a resource is identified by its event ID', () => {
    const pure = finding({ resource: undefined, eventId: 'evt-1' });

    expect(fingerprintOf('111122223333', pure)).toBe(
      fingerprintOf('111122223333', { ...pure, eventTime: 'later', title: 'other' }),
    );
    expect(fingerprintOf('111122223333', pure)).not.toBe(fingerprintOf('111122223333', { ...pure, eventId: 'evt-2' }));
  });

  test('a finding with neither resource nor event ID falls back to title, time and key', () => {
    const bare = finding({ resource: undefined, eventId: undefined });

    expect(fingerprintOf('111122223333', bare)).not.toBe(
      fingerprintOf('111122223333', { ...bare, eventTime: '2026-11-14T10:01:00Z' }),
    );
  });
});

describe('withFingerprints', () => {
  test('stamps every finding and keeps one already set', () => {
    const stamped = withFingerprints('111122223333', [finding(), finding({ fingerprint: 'kept' })]);

    expect(stamped[0]?.fingerprint).toBe(fingerprintOf('111122223333', finding()));
    expect(stamped[1]?.fingerprint).toBe('kept');
  });
});
