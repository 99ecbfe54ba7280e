import { accountOf, asObject, asString, partitionOf } from '../record';
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
    const region = asString(record.awsRegion) ?? 'unknown';
    // The request names the key by ID, ARN or alias; the response of ScheduleKeyDeletion has its ARN.
    const named = asString(asObject(record.responseElements)?.keyId) ?? asString(parameters?.keyId);
    const fromArn = named ? /^arn:[^:]+:kms:[^:]*:[^:]*:key\/(.+)$/.exec(named)?.[1] : undefined;
    const account = accountOf(record);
    const keyId = fromArn ?? named;
    const resource = keyId
      ? {
          type: 'AwsKmsKey' as const,
          id: keyId,
          region,
          ...(fromArn
            ? { arn: named as string }
            : account && !keyId.startsWith('alias/')
              ? { arn: `arn:${partitionOf(record)}:kms:${region}:${account}:key/${keyId}` }
              : {}),
        }
      : undefined;
    if (record.eventName === 'ScheduleKeyDeletion') {
      const days = parameters?.pendingWindowInDays;
      return {
        detail: `${key} deleted after ${typeof days === 'number' ? days : 30} days`,
        ...(resource ? { resource } : {}),
      };
    }
    return { detail: `${key} disabled`, ...(resource ? { resource } : {}) };
  },
});
