import {
  accessDeniedBurst,
  isAccessDenied,
  MAX_TRACKED_PRINCIPALS,
} from '../../../../functions/cloudtrail/rules/access-denied-burst';
import { cloudTrailSettingsSchema } from '../../../../functions/cloudtrail/settings';
import { ctRecord, serviceLinkedIdentity } from '../helpers';

const ROLE = 'arn:aws:sts::111122223333:assumed-role/web/i-0abc';
const denied = (second: number, overrides: Record<string, unknown> = {}) =>
  ctRecord({
    userIdentity: { type: 'AssumedRole', arn: ROLE, accountId: '111122223333' },
    eventTime: new Date(Date.UTC(2026, 10, 14, 10, 0, second)).toISOString().replace('.000Z', 'Z'),
    eventSource: 'iam.amazonaws.com',
    eventName: 'ListUsers',
    errorCode: 'AccessDenied',
    ...overrides,
  });

function run(records: ReturnType<typeof ctRecord>[], threshold = 20, window = 10) {
  const settings = cloudTrailSettingsSchema.parse({
    accessDeniedBurstThreshold: threshold,
    accessDeniedBurstWindowMinutes: window,
  });
  const aggregator = accessDeniedBurst.create(settings);
  for (const record of records) if (aggregator.accepts(record)) aggregator.add(record, 'the-key');
  return aggregator.findings();
}

describe('access-denied-burst', () => {
  test('Noncompliance 1: twenty denials in ten minutes, out of order', () => {
    // Arrange: one every 25 s, shuffled.
    const records = Array.from({ length: 20 }, (_, i) => denied(((i * 7) % 20) * 25));

    // Act
    const findings = run(records);

    // Assert
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      rule: 'access-denied-burst',
      severity: 'MEDIUM',
      principalArn: ROLE,
      eventTime: '2026-11-14T10:00:00.000Z',
      s3Key: 'the-key',
    });
    expect(findings[0]?.detail).toMatch(/^20 denied calls within 10 min .* most denied: iam:ListUsers ×20$/);
  });

  test.each([
    'AccessDenied',
    'AccessDeniedException',
    'Client.UnauthorizedOperation',
    'UnauthorizedOperation',
    // Every code that starts with AccessDenied or ends with UnauthorizedOperation (CIS 4.1's filter), not a list.
    'AccessDeniedForDependencyException',
    'Server.UnauthorizedOperation',
    // SNS refuses with AuthorizationError; the query APIs' common denial is NotAuthorized.
    'AuthorizationError',
    'NotAuthorized',
  ])('Noncompliance 2: %s counts', (errorCode) => {
    expect(
      run(
        Array.from({ length: 3 }, (_, i) => denied(i, { errorCode })),
        3,
      ),
    ).toHaveLength(1);
  });

  test('Compliance 1: the same number of denials spread over more than the window', () => {
    // One every 40 s: 20 denials over 13 minutes, never 20 within 10.
    expect(run(Array.from({ length: 20 }, (_, i) => denied(i * 40)))).toEqual([]);
  });

  test('Compliance 2: denials spread over principals', () => {
    const records = Array.from({ length: 20 }, (_, i) =>
      denied(i, { userIdentity: { type: 'AssumedRole', arn: `${ROLE}-${i}`, accountId: '111122223333' } }),
    );

    expect(run(records)).toEqual([]);
  });

  test.each([
    'ThrottlingException',
    'NoSuchEntity',
    'TrailNotFoundException',
    'ValidationException',
    // Failed sign-in to a user pool, not a refusal by IAM; and no code at all.
    'NotAuthorizedException',
    'UnauthorizedOperationPending',
    'NotAccessDenied',
    undefined,
  ])('Compliance 3: %s is not a denial', (errorCode) => {
    expect(isAccessDenied(ctRecord(errorCode === undefined ? {} : { errorCode }))).toBe(false);
    expect(accessDeniedBurst.needs?.errorCode?.(errorCode ?? '')).toBe(false);
  });

  test("Compliance 4: a service-linked role's denials", () => {
    expect(run(Array.from({ length: 25 }, (_, i) => denied(i, { userIdentity: serviceLinkedIdentity })))).toEqual([]);
  });

  test('Compliance 5: records without a usable time are left out', () => {
    expect(
      run(Array.from({ length: 25 }, (_, i) => denied(i, { eventTime: i % 2 ? 'yesterday' : undefined }))),
    ).toEqual([]);
  });

  test('400,000 denied calls from distinct session names stay within a bounded state, and the flood is a finding', () => {
    // Arrange
    const aggregator = accessDeniedBurst.create(cloudTrailSettingsSchema.parse({}));
    const record = denied(0);

    // Act: the same record object, re-labelled, so that the test measures the rule's state, not the input.
    for (let i = 0; i < 400_000; i++) {
      const arn = `arn:aws:sts::111122223333:assumed-role/web/session-${i}`;
      const call = { ...record, userIdentity: { type: 'AssumedRole', arn, accountId: '111122223333' } };
      if (aggregator.accepts(call)) aggregator.add(call, 'the-key');
    }
    const findings = aggregator.findings();

    // Assert
    expect(aggregator.size()).toBeLessThanOrEqual(MAX_TRACKED_PRINCIPALS + 3);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.title).toBe(
      `Burst of AccessDenied errors: more than ${MAX_TRACKED_PRINCIPALS} principals denied`,
    );
    expect(findings[0]?.detail).toMatch(/^390000 denied calls by principals beyond the first 10000 were not judged/);
  });

  test('keeps a few fields of its sample, not the record: a 4 MB request parameter is not held', () => {
    const aggregator = accessDeniedBurst.create(cloudTrailSettingsSchema.parse({ accessDeniedBurstThreshold: 1 }));
    aggregator.add(denied(0, { requestParameters: { huge: 'x'.repeat(4 * 1024 * 1024) }, eventName: 'E'.repeat(1e6) }));

    const [finding] = aggregator.findings();

    expect(JSON.stringify(finding).length).toBeLessThan(3_000);
    expect(finding?.resource).toEqual({ type: 'AwsIamRole', id: 'web', region: 'global', part: 'i-0abc' });
  });

  test('an odd record (a non-string eventSource) is counted, not thrown on', () => {
    const findings = run([denied(0, { eventSource: 42 }), denied(1, { eventSource: { a: 1 } })], 2);

    expect(findings).toHaveLength(1);
    expect(findings[0]?.detail).toMatch(/most denied: :ListUsers ×2$/);
  });
});
