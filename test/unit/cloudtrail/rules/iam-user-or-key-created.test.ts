import { iamUserOrKeyCreated } from '../../../../functions/cloudtrail/rules/iam-user-or-key-created';
import { ctRecord } from '../helpers';

const iam = (eventName: string, overrides: Record<string, unknown> = {}) =>
  ctRecord({ eventSource: 'iam.amazonaws.com', eventName, awsRegion: 'us-east-1', readOnly: false, ...overrides });

describe('iam-user-or-key-created', () => {
  test('Noncompliance 1: CreateUser', () => {
    expect(
      iamUserOrKeyCreated.evaluate(iam('CreateUser', { requestParameters: { userName: 'svc-shadow' } })),
    ).toMatchObject({
      rule: 'iam-user-or-key-created',
      severity: 'MEDIUM',
      region: 'us-east-1',
      detail: 'user svc-shadow',
    });
  });

  test('Noncompliance 2: CreateAccessKey for another user, named in the response', () => {
    const created = iam('CreateAccessKey', {
      requestParameters: null,
      responseElements: { accessKey: { userName: 'ci-deployer', accessKeyId: 'AKIAEXAMPLE', status: 'Active' } },
    });

    expect(iamUserOrKeyCreated.evaluate(created)?.detail).toBe('access key for ci-deployer');
  });

  test('Noncompliance 3: CreateAccessKey for the caller itself', () => {
    expect(iamUserOrKeyCreated.evaluate(iam('CreateAccessKey'))?.detail).toBe('access key for the caller');
  });

  test('Compliance 1: a failed CreateUser (denied by an SCP)', () => {
    const denied = iam('CreateUser', { errorCode: 'AccessDenied', requestParameters: { userName: 'svc-shadow' } });

    expect(iamUserOrKeyCreated.evaluate(denied)).toBeUndefined();
  });

  test('Compliance 2: roles are not users', () => {
    expect(iamUserOrKeyCreated.evaluate(iam('CreateRole'))).toBeUndefined();
  });
});
