import { kmsKeyDisabled } from '../../../../functions/cloudtrail/rules/kms-key-disabled';
import { ctRecord } from '../helpers';

const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const kms = (eventName: string, overrides: Record<string, unknown> = {}) =>
  ctRecord({ eventSource: 'kms.amazonaws.com', eventName, readOnly: false, ...overrides });

describe('kms-key-disabled', () => {
  test('Noncompliance 1: deletion scheduled', () => {
    const scheduled = kms('ScheduleKeyDeletion', { requestParameters: { keyId: KEY, pendingWindowInDays: 7 } });

    expect(kmsKeyDisabled.evaluate(scheduled)).toMatchObject({
      rule: 'kms-key-disabled',
      severity: 'HIGH',
      detail: `${KEY} deleted after 7 days`,
    });
  });

  test('Noncompliance 2: key disabled', () => {
    expect(kmsKeyDisabled.evaluate(kms('DisableKey', { requestParameters: { keyId: KEY } }))?.detail).toBe(
      `${KEY} disabled`,
    );
  });

  test('Compliance 1: a refused DisableKey', () => {
    expect(kmsKeyDisabled.evaluate(kms('DisableKey', { errorCode: 'AccessDeniedException' }))).toBeUndefined();
  });

  test('Compliance 2: key use and rotation', () => {
    expect(kmsKeyDisabled.evaluate(kms('Decrypt'))).toBeUndefined();
    expect(kmsKeyDisabled.evaluate(kms('CancelKeyDeletion'))).toBeUndefined();
    expect(kmsKeyDisabled.evaluate(kms('EnableKey'))).toBeUndefined();
  });
});
