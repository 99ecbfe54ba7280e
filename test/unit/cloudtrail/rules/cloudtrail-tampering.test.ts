import { cloudTrailTampering } from '../../../../functions/cloudtrail/rules/cloudtrail-tampering';
import { ctRecord, serviceLinkedIdentity } from '../helpers';

const call = (eventName: string, overrides: Record<string, unknown> = {}) =>
  ctRecord({
    eventSource: 'cloudtrail.amazonaws.com',
    eventName,
    readOnly: false,
    requestParameters: { name: 'org-trail' },
    ...overrides,
  });

describe('cloudtrail-tampering', () => {
  test.each(['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors'])('Noncompliance: %s', (eventName) => {
    expect(cloudTrailTampering.evaluate(call(eventName))).toMatchObject({
      rule: 'cloudtrail-tampering',
      severity: 'CRITICAL',
      eventName,
      title: `CloudTrail tampering: ${eventName}`,
      detail: 'trail org-trail',
    });
  });

  test('Noncompliance: a refused StopLogging is an attempt, and still a finding', () => {
    const refused = call('StopLogging', { errorCode: 'AccessDenied', errorMessage: 'explicit deny in an SCP' });

    expect(cloudTrailTampering.evaluate(refused)).toMatchObject({
      attempt: true,
      title: 'CloudTrail tampering (attempt, AccessDenied): StopLogging',
    });
  });

  test.each([
    ['AccessDenied', 'StopLogging'],
    ['AccessDeniedException', 'DeleteTrail'],
    ['Client.UnauthorizedOperation', 'UpdateTrail'],
    ['NotAuthorized', 'PutEventSelectors'],
  ])('Noncompliance: a call refused with %s is an attempt (%s)', (errorCode, eventName) => {
    expect(cloudTrailTampering.evaluate(call(eventName, { errorCode }))).toMatchObject({
      attempt: true,
      severity: 'CRITICAL',
      title: `CloudTrail tampering (attempt, ${errorCode}): ${eventName}`,
    });
  });

  test('Noncompliance: requestParameters null still fires', () => {
    expect(cloudTrailTampering.evaluate(call('DeleteTrail', { requestParameters: null }))?.detail).toBe(
      'trail not named in the request',
    );
  });

  test('Compliance 1: reading trails', () => {
    expect(cloudTrailTampering.evaluate(call('DescribeTrails'))).toBeUndefined();
    expect(cloudTrailTampering.evaluate(call('StartLogging'))).toBeUndefined();
  });

  test('Compliance 2: the same event name from another service', () => {
    expect(cloudTrailTampering.evaluate(call('StopLogging', { eventSource: 'example.amazonaws.com' }))).toBeUndefined();
  });

  test.each([
    ['TrailNotFoundException', 'DeleteTrail'],
    ['InvalidTrailNameException', 'StopLogging'],
    ['ThrottlingException', 'UpdateTrail'],
    ['InvalidEventSelectorsException', 'PutEventSelectors'],
    ['InternalFailure', 'StopLogging'],
  ])('Compliance 4: a call that failed with %s changed nothing and was not refused (%s)', (errorCode, eventName) => {
    expect(cloudTrailTampering.evaluate(call(eventName, { errorCode, errorMessage: 'failed' }))).toBeUndefined();
  });

  test('Compliance 3: a service-linked role', () => {
    expect(cloudTrailTampering.evaluate(call('UpdateTrail', { userIdentity: serviceLinkedIdentity }))).toBeUndefined();
  });

  // A person's role can take a service-linked role's name; only its path says what it is.
  test('Noncompliance: a role named like a service-linked role, outside their path', () => {
    const name = 'AWSServiceRoleForConfig';
    const impostor = {
      ...serviceLinkedIdentity,
      arn: `arn:aws:sts::111122223333:assumed-role/${name}/AWSConfig`,
      sessionContext: {
        sessionIssuer: { type: 'Role', arn: `arn:aws:iam::111122223333:role/${name}`, userName: name },
      },
    };

    expect(cloudTrailTampering.evaluate(call('StopLogging', { userIdentity: impostor }))).toMatchObject({
      rule: 'cloudtrail-tampering',
      severity: 'CRITICAL',
    });
  });
});
