import { securityToolingDisabled } from '../../../../functions/cloudtrail/rules/security-tooling-disabled';
import { ctRecord } from '../helpers';

const SUBSCRIPTION = 'arn:aws:securityhub:eu-west-1:111122223333:subscription';

describe('security-tooling-disabled', () => {
  test.each([
    [
      'guardduty.amazonaws.com',
      'DeleteDetector',
      { detectorId: 'abc123' },
      'GuardDuty detector deleted',
      'GuardDuty detector abc123',
    ],
    [
      'guardduty.amazonaws.com',
      'UpdateDetector',
      { detectorId: 'abc123', enable: false, findingPublishingFrequency: 'SIX_HOURS' },
      'GuardDuty detector suspended',
      'GuardDuty detector abc123: enable: false',
    ],
    [
      'guardduty.amazonaws.com',
      'UpdateDetector',
      { detectorId: 'abc123', enable: 'false' },
      'GuardDuty detector suspended',
      'GuardDuty detector abc123: enable: false',
    ],
    [
      'guardduty.amazonaws.com',
      'DisassociateFromAdministratorAccount',
      { detectorId: 'abc123' },
      'account left its GuardDuty administrator',
      'GuardDuty detector abc123',
    ],
    [
      'guardduty.amazonaws.com',
      'DisassociateFromMasterAccount',
      { detectorId: 'abc123' },
      'account left its GuardDuty administrator',
      'GuardDuty detector abc123',
    ],
    [
      'guardduty.amazonaws.com',
      'StopMonitoringMembers',
      { detectorId: 'abc123', accountIds: ['444455556666', '777788889999'] },
      'GuardDuty stopped monitoring member accounts',
      'GuardDuty detector abc123: accounts 444455556666, 777788889999',
    ],
    [
      'guardduty.amazonaws.com',
      'DeleteMembers',
      { detectorId: 'abc123', accountIds: ['1', '2', '3', '4', '5', '6', '7'] },
      'member accounts removed from GuardDuty',
      'GuardDuty detector abc123: accounts 1, 2, 3, 4, 5 and 2 more',
    ],
    ['securityhub.amazonaws.com', 'DisableSecurityHub', null, 'Security Hub disabled', undefined],
    [
      'securityhub.amazonaws.com',
      'DisassociateFromAdministratorAccount',
      {},
      'account left its Security Hub administrator',
      undefined,
    ],
    [
      'securityhub.amazonaws.com',
      'DisassociateFromMasterAccount',
      null,
      'account left its Security Hub administrator',
      undefined,
    ],
    [
      'securityhub.amazonaws.com',
      'BatchDisableStandards',
      {
        StandardsSubscriptionArns: [
          `${SUBSCRIPTION}/aws-foundational-security-best-practices/v/1.0.0`,
          `${SUBSCRIPTION}/cis-aws-foundations-benchmark/v/1.4.0`,
        ],
      },
      'Security Hub standards disabled',
      'standards aws-foundational-security-best-practices/v/1.0.0, cis-aws-foundations-benchmark/v/1.4.0',
    ],
    [
      'config.amazonaws.com',
      'StopConfigurationRecorder',
      { configurationRecorderName: 'default' },
      'AWS Config recorder stopped',
      'Config recorder default',
    ],
    [
      'config.amazonaws.com',
      'DeleteConfigurationRecorder',
      { configurationRecorderName: 'default' },
      'AWS Config recorder deleted',
      'Config recorder default',
    ],
    [
      'config.amazonaws.com',
      'DeleteDeliveryChannel',
      { deliveryChannelName: 'default' },
      'AWS Config delivery channel deleted',
      'Config delivery channel default',
    ],
  ])('Noncompliance: %s %s', (eventSource, eventName, requestParameters, what, detail) => {
    const finding = securityToolingDisabled.evaluate(ctRecord({ eventSource, eventName, requestParameters }));

    expect(finding).toMatchObject({
      rule: 'security-tooling-disabled',
      severity: 'HIGH',
      title: `Security tooling disabled: ${what} (${eventName})`,
      eventName,
      eventSource,
    });
    expect(finding?.detail).toBe(detail);
  });

  test.each([
    ['DeleteDetector', 'AwsGuardDutyDetector', 'abc123', { detectorId: 'abc123' }],
    ['UpdateDetector', 'AwsGuardDutyDetector', 'abc123', { detectorId: 'abc123', enable: false }],
    ['DeleteMembers', 'AwsGuardDutyDetector', 'abc123', { detectorId: 'abc123', accountIds: ['444455556666'] }],
    ['BatchDisableStandards', 'AwsSecurityHubHub', 'securityhub', { StandardsSubscriptionArns: [] }],
    ['DeleteDeliveryChannel', 'Other', 'default', { deliveryChannelName: 'default' }],
  ])('Noncompliance: %s names the %s it acted on', (eventName, type, id, requestParameters) => {
    const eventSource = {
      DeleteDetector: 'guardduty.amazonaws.com',
      UpdateDetector: 'guardduty.amazonaws.com',
      DeleteMembers: 'guardduty.amazonaws.com',
      BatchDisableStandards: 'securityhub.amazonaws.com',
      DeleteDeliveryChannel: 'config.amazonaws.com',
    }[eventName];
    const finding = securityToolingDisabled.evaluate(ctRecord({ eventSource, eventName, requestParameters }));

    expect(finding?.resource).toEqual({ type, id, region: 'eu-west-1' });
  });

  test('Noncompliance: a refused UpdateDetector that would have suspended is an attempt', () => {
    const refused = ctRecord({
      eventSource: 'guardduty.amazonaws.com',
      eventName: 'UpdateDetector',
      requestParameters: { detectorId: 'abc123', enable: false },
      errorCode: 'AccessDeniedException',
    });

    expect(securityToolingDisabled.evaluate(refused)).toMatchObject({
      attempt: true,
      title:
        'Security tooling disabled (attempt, AccessDeniedException): GuardDuty detector suspended (UpdateDetector)',
    });
  });

  test.each([
    ['enable true', { detectorId: 'abc123', enable: true }],
    ['enable absent (another setting changed)', { detectorId: 'abc123', findingPublishingFrequency: 'SIX_HOURS' }],
    ['requestParameters null', null],
  ])('Compliance: UpdateDetector with %s does not suspend the detector', (_name, requestParameters) => {
    const update = ctRecord({ eventSource: 'guardduty.amazonaws.com', eventName: 'UpdateDetector', requestParameters });

    expect(securityToolingDisabled.evaluate(update)).toBeUndefined();
  });

  test.each([
    ['macie2.amazonaws.com', 'DisassociateFromAdministratorAccount'],
    ['macie2.amazonaws.com', 'DisassociateFromMasterAccount'],
    ['securityhub.amazonaws.com', 'StopMonitoringMembers'],
    ['guardduty.amazonaws.com', 'BatchDisableStandards'],
    ['guardduty.amazonaws.com', 'DeleteDeliveryChannel'],
    ['securityhub.amazonaws.com', 'BatchEnableStandards'],
    ['guardduty.amazonaws.com', 'CreateMembers'],
  ])('Compliance: %s %s is not one of the listed calls', (eventSource, eventName) => {
    const call = ctRecord({ eventSource, eventName, requestParameters: { detectorId: 'abc123' } });

    expect(securityToolingDisabled.evaluate(call)).toBeUndefined();
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
