import { rootActivity } from '../../../../functions/cloudtrail/rules/root-activity';
import { ctRecord, rootIdentity } from '../helpers';

const signIn = (overrides: Record<string, unknown> = {}) =>
  ctRecord({
    userIdentity: rootIdentity,
    eventSource: 'signin.amazonaws.com',
    eventName: 'ConsoleLogin',
    eventType: 'AwsConsoleSignIn',
    responseElements: { ConsoleLogin: 'Success' },
    additionalEventData: { MobileVersion: 'No', MFAUsed: 'Yes' },
    ...overrides,
  });

describe('root-activity', () => {
  test('Noncompliance 1: the root user signs in to the console', () => {
    // Act
    const finding = rootActivity.evaluate(signIn());

    // Assert
    expect(finding).toMatchObject({
      rule: 'root-activity',
      severity: 'CRITICAL',
      eventName: 'ConsoleLogin',
      eventSource: 'signin.amazonaws.com',
      principalArn: 'arn:aws:iam::111122223333:root',
      sourceIp: '203.0.113.10',
      region: 'eu-west-1',
      eventTime: '2026-11-14T10:00:00Z',
      detail: 'root signed in to the console (MFA used: Yes)',
    });
  });

  test('Noncompliance 2: the root user calls an API', () => {
    const finding = rootActivity.evaluate(
      ctRecord({ userIdentity: rootIdentity, eventSource: 'iam.amazonaws.com', eventName: 'CreateAccessKey' }),
    );

    expect(finding?.detail).toBe('root called iam.amazonaws.com CreateAccessKey');
  });

  test('Compliance 1: a failed root sign-in attempt is not root activity', () => {
    const failed = signIn({
      errorMessage: 'Failed authentication',
      responseElements: { ConsoleLogin: 'Failure' },
      additionalEventData: { MFAUsed: 'No' },
    });

    expect(rootActivity.evaluate(failed)).toBeUndefined();
  });

  test('Compliance 2: an AWS service acting for the root user (invokedBy)', () => {
    const onBehalf = ctRecord({
      userIdentity: { ...rootIdentity, invokedBy: 'support.amazonaws.com' },
      eventSource: 'support.amazonaws.com',
      eventName: 'DescribeTrustedAdvisorChecks',
    });

    expect(rootActivity.evaluate(onBehalf)).toBeUndefined();
  });

  test('Compliance 3: a service event carrying the root identity', () => {
    const serviceEvent = ctRecord({
      userIdentity: rootIdentity,
      eventType: 'AwsServiceEvent',
      eventName: 'CredentialChallenge',
    });

    expect(rootActivity.evaluate(serviceEvent)).toBeUndefined();
  });

  test('Compliance 4: a root call refused with an error does not fire', () => {
    expect(
      rootActivity.evaluate(
        ctRecord({ userIdentity: rootIdentity, eventName: 'ListUsers', errorCode: 'AccessDenied' }),
      ),
    ).toBeUndefined();
  });

  test('Compliance 5: other identities, and records with no identity at all', () => {
    expect(rootActivity.evaluate(ctRecord())).toBeUndefined();
    expect(rootActivity.evaluate(ctRecord({ userIdentity: null }))).toBeUndefined();
    expect(rootActivity.evaluate(ctRecord({ userIdentity: undefined }))).toBeUndefined();
  });
});
