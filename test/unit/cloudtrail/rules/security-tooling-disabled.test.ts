import { securityToolingDisabled } from '../../../../functions/cloudtrail/rules/security-tooling-disabled';
import { ctRecord } from '../helpers';

describe('security-tooling-disabled', () => {
  test.each([
    ['guardduty.amazonaws.com', 'DeleteDetector', { detectorId: 'abc123' }, 'GuardDuty detector abc123'],
    ['securityhub.amazonaws.com', 'DisableSecurityHub', null, undefined],
    [
      'config.amazonaws.com',
      'StopConfigurationRecorder',
      { configurationRecorderName: 'default' },
      'Config recorder default',
    ],
    [
      'config.amazonaws.com',
      'DeleteConfigurationRecorder',
      { configurationRecorderName: 'default' },
      'Config recorder default',
    ],
  ])('Noncompliance: %s %s', (eventSource, eventName, requestParameters, detail) => {
    const finding = securityToolingDisabled.evaluate(ctRecord({ eventSource, eventName, requestParameters }));

    expect(finding).toMatchObject({ rule: 'security-tooling-disabled', severity: 'HIGH', eventName, eventSource });
    expect(finding?.detail).toBe(detail);
  });

  test('Noncompliance: a refused attempt is marked as one', () => {
    const refused = ctRecord({
      eventSource: 'guardduty.amazonaws.com',
      eventName: 'DeleteDetector',
      errorCode: 'AccessDeniedException',
    });

    expect(securityToolingDisabled.evaluate(refused)?.attempt).toBe(true);
  });

  test.each([
    ['guardduty.amazonaws.com', 'DeleteDetector', 'BadRequestException'],
    ['config.amazonaws.com', 'StopConfigurationRecorder', 'NoSuchConfigurationRecorderException'],
    ['config.amazonaws.com', 'DeleteConfigurationRecorder', 'ThrottlingException'],
    ['securityhub.amazonaws.com', 'DisableSecurityHub', 'ResourceNotFoundException'],
  ])('Compliance 0: %s %s that failed with %s (not a refusal) is no attempt', (eventSource, eventName, errorCode) => {
    const failed = ctRecord({ eventSource, eventName, errorCode, errorMessage: 'failed' });

    expect(securityToolingDisabled.evaluate(failed)).toBeUndefined();
  });

  test('Compliance 1: the same name from another service (Fraud Detector has a DeleteDetector too)', () => {
    expect(
      securityToolingDisabled.evaluate(
        ctRecord({ eventSource: 'frauddetector.amazonaws.com', eventName: 'DeleteDetector' }),
      ),
    ).toBeUndefined();
  });

  test('Compliance 2: an AWS service event', () => {
    const serviceEvent = ctRecord({
      userIdentity: { accountId: '111122223333', invokedBy: 'AWS Internal' },
      eventType: 'AwsServiceEvent',
      eventSource: 'config.amazonaws.com',
      eventName: 'StopConfigurationRecorder',
    });

    expect(securityToolingDisabled.evaluate(serviceEvent)).toBeUndefined();
  });

  test('Compliance 3: starting a recorder', () => {
    expect(
      securityToolingDisabled.evaluate(
        ctRecord({ eventSource: 'config.amazonaws.com', eventName: 'StartConfigurationRecorder' }),
      ),
    ).toBeUndefined();
  });
});
