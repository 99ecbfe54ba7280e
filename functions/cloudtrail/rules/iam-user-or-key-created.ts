import { asObject, asString } from '../record';
import { eventRule } from './types';

/** `iam-user-or-key-created`: an IAM user or a long-lived access key was created. */
export const iamUserOrKeyCreated = eventRule({
  id: 'iam-user-or-key-created',
  severity: 'MEDIUM',
  title: 'IAM user or access key created',
  description: 'Long-lived IAM credentials appeared; in a Control Tower landing zone people sign in through SSO.',
  events: { 'iam.amazonaws.com': ['CreateUser', 'CreateAccessKey'] },
  match(record) {
    const response = asObject(record.responseElements);
    const user =
      asString(asObject(record.requestParameters)?.userName) ??
      asString(asObject(response?.accessKey)?.userName) ??
      asString(asObject(response?.user)?.userName);
    if (record.eventName === 'CreateUser') {
      const arn = asString(asObject(response?.user)?.arn);
      return {
        detail: `user ${user ?? '(unnamed)'}`,
        ...(user ? { resource: { type: 'AwsIamUser', id: user, region: 'global', ...(arn ? { arn } : {}) } } : {}),
      };
    }
    // CloudTrail keeps the new key's ID (never its secret) in the response.
    const keyId = asString(asObject(response?.accessKey)?.accessKeyId);
    return {
      detail: user ? `access key for ${user}` : 'access key for the caller',
      ...(keyId
        ? { resource: { type: 'AwsIamAccessKey', id: keyId, region: 'global', ...(user ? { part: user } : {}) } }
        : user
          ? { resource: { type: 'AwsIamUser', id: user, region: 'global' } }
          : {}),
    };
  },
});
