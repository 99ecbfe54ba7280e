import { consoleLoginWithoutMfa } from '../../../../functions/cloudtrail/rules/console-login-without-mfa';
import { ctRecord, iamUserIdentity, rootIdentity } from '../helpers';

const login = (overrides: Record<string, unknown> = {}) =>
  ctRecord({
    userIdentity: iamUserIdentity('bob'),
    eventSource: 'signin.amazonaws.com',
    eventName: 'ConsoleLogin',
    eventType: 'AwsConsoleSignIn',
    responseElements: { ConsoleLogin: 'Success' },
    additionalEventData: { LoginTo: 'https://console.aws.amazon.com/', MobileVersion: 'No', MFAUsed: 'No' },
    ...overrides,
  });

describe('console-login-without-mfa', () => {
  test('Noncompliance 1: an IAM user signs in with a password alone', () => {
    expect(consoleLoginWithoutMfa.evaluate(login())).toMatchObject({
      rule: 'console-login-without-mfa',
      severity: 'HIGH',
      principalArn: 'arn:aws:iam::111122223333:user/bob',
      detail: 'bob signed in without MFA',
    });
  });

  test('Noncompliance 2: the root user signs in without MFA', () => {
    expect(consoleLoginWithoutMfa.evaluate(login({ userIdentity: rootIdentity }))?.detail).toBe(
      'root signed in without MFA',
    );
  });

  test('Compliance 1: MFA used', () => {
    expect(consoleLoginWithoutMfa.evaluate(login({ additionalEventData: { MFAUsed: 'Yes' } }))).toBeUndefined();
  });

  test('Compliance 2: a failed sign-in', () => {
    const failed = login({ errorMessage: 'Failed authentication', responseElements: { ConsoleLogin: 'Failure' } });

    expect(consoleLoginWithoutMfa.evaluate(failed)).toBeUndefined();
  });

  test('Compliance 3: an IAM Identity Center (federated) sign-in, whose MFA is at the identity provider', () => {
    expect(consoleLoginWithoutMfa.evaluate(login({ userIdentity: ctRecord().userIdentity }))).toBeUndefined();
  });

  test('Compliance 4: another event of the sign-in service', () => {
    expect(consoleLoginWithoutMfa.evaluate(login({ eventName: 'CheckMfa' }))).toBeUndefined();
  });
});
