import { consoleLoginFailures, MAX_TRACKED_USERS } from '../../../../functions/cloudtrail/rules/console-login-failures';
import { cloudTrailSettingsSchema } from '../../../../functions/cloudtrail/settings';
import { ctRecord, iamUserIdentity, rootIdentity } from '../helpers';

const failure = (minute: number, overrides: Record<string, unknown> = {}) =>
  ctRecord({
    userIdentity: iamUserIdentity('carol'),
    eventTime: `2026-11-14T10:${String(minute).padStart(2, '0')}:00Z`,
    eventSource: 'signin.amazonaws.com',
    eventName: 'ConsoleLogin',
    errorMessage: 'Failed authentication',
    responseElements: { ConsoleLogin: 'Failure' },
    sourceIPAddress: `198.51.100.${minute % 3}`,
    ...overrides,
  });

function run(records: ReturnType<typeof ctRecord>[], threshold = 5) {
  const aggregator = consoleLoginFailures.create(cloudTrailSettingsSchema.parse({ failedSignInThreshold: threshold }));
  for (const record of records) if (aggregator.accepts(record)) aggregator.add(record, `key-${record.eventTime}`);
  return aggregator.findings();
}

describe('console-login-failures', () => {
  test('Noncompliance 1: five failures by one user, fed out of order', () => {
    // Arrange
    const records = [4, 0, 3, 1, 2].map((minute) => failure(minute));

    // Act
    const findings = run(records);

    // Assert
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      rule: 'console-login-failures',
      severity: 'MEDIUM',
      eventTime: '2026-11-14T10:04:00Z',
      principalArn: 'arn:aws:iam::111122223333:user/carol',
      s3Key: 'key-2026-11-14T10:04:00Z',
      detail:
        '5 failed console sign-ins by arn:aws:iam::111122223333:user/carol from 3 source IPs between 2026-11-14T10:00:00Z and 2026-11-14T10:04:00Z',
    });
  });

  test('Noncompliance 2: failed root sign-ins count too', () => {
    expect(
      run(
        [0, 1, 2].map((m) => failure(m, { userIdentity: rootIdentity })),
        3,
      ),
    ).toHaveLength(1);
  });

  test('Compliance 1: one failure short of the threshold', () => {
    expect(run([0, 1, 2, 3].map((minute) => failure(minute)))).toEqual([]);
  });

  test('Compliance 2: failures spread over different users are counted per user', () => {
    const records = [0, 1, 2, 3, 4].map((minute) =>
      failure(minute, { userIdentity: iamUserIdentity(`user${minute}`) }),
    );

    expect(run(records)).toEqual([]);
  });

  test('Compliance 3: successful sign-ins are not failures', () => {
    const records = [0, 1, 2, 3, 4, 5].map((minute) =>
      failure(minute, { errorMessage: undefined, responseElements: { ConsoleLogin: 'Success' } }),
    );

    expect(run(records)).toEqual([]);
  });

  test('a password spray over many user names stays within a bounded state, and the overflow is a finding', () => {
    const aggregator = consoleLoginFailures.create(cloudTrailSettingsSchema.parse({}));

    for (let i = 0; i < MAX_TRACKED_USERS + 5_000; i++) {
      const record = failure(0, { userIdentity: { type: 'IAMUser', userName: `user-${i}` } });
      if (aggregator.accepts(record)) aggregator.add(record, 'k');
    }

    expect(aggregator.size()).toBe(MAX_TRACKED_USERS);
    expect(aggregator.findings().map((f) => f.title)).toEqual([
      `Repeated failed console sign-ins: more than ${MAX_TRACKED_USERS} users`,
    ]);
  });
});
