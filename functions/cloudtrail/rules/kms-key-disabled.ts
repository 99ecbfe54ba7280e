import { asObject, asString } from '../record';
import { eventRule } from './types';

/** `kms-key-disabled`: a KMS key was disabled or scheduled for deletion. */
export const kmsKeyDisabled = eventRule({
  id: 'kms-key-disabled',
  severity: 'HIGH',
  title: 'KMS key disabled or deletion scheduled',
  description: 'Data encrypted under the key becomes unreadable (for good, once deleted); logs may be among it.',
  events: { 'kms.amazonaws.com': ['DisableKey', 'ScheduleKeyDeletion'] },
  match(record) {
    const parameters = asObject(record.requestParameters);
    const key = asString(parameters?.keyId) ?? 'a key';
    if (record.eventName === 'ScheduleKeyDeletion') {
      const days = parameters?.pendingWindowInDays;
      return { detail: `${key} deleted after ${typeof days === 'number' ? days : 30} days` };
    }
    return { detail: `${key} disabled` };
  },
});
