import { asObject, asString } from '../record';
import { eventRule } from './types';

/** `security-tooling-disabled`: GuardDuty, Security Hub or AWS Config switched off — attempts included. */
export const securityToolingDisabled = eventRule({
  id: 'security-tooling-disabled',
  severity: 'HIGH',
  title: 'Security tooling disabled',
  description:
    'A GuardDuty detector, Security Hub or an AWS Config recorder was removed or stopped; attempts count too.',
  events: {
    'guardduty.amazonaws.com': ['DeleteDetector'],
    'securityhub.amazonaws.com': ['DisableSecurityHub'],
    'config.amazonaws.com': ['StopConfigurationRecorder', 'DeleteConfigurationRecorder'],
  },
  countsAttempts: true,
  match(record) {
    const parameters = asObject(record.requestParameters);
    const detector = asString(parameters?.detectorId);
    const recorder = asString(parameters?.configurationRecorderName);
    const region = asString(record.awsRegion) ?? 'unknown';
    if (detector) {
      return {
        detail: `GuardDuty detector ${detector}`,
        resource: { type: 'AwsGuardDutyDetector', id: detector, region },
      };
    }
    if (recorder) {
      return {
        detail: `Config recorder ${recorder}`,
        resource: { type: 'AwsConfigConfigurationRecorder', id: recorder, region },
      };
    }
    if (record.eventSource === 'securityhub.amazonaws.com') {
      return { resource: { type: 'AwsSecurityHubHub', id: 'securityhub', region } };
    }
    return true;
  },
});
