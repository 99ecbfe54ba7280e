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
    const user =
      asString(asObject(record.requestParameters)?.userName) ??
      asString(asObject(asObject(record.responseElements)?.accessKey)?.userName) ??
      asString(asObject(asObject(record.responseElements)?.user)?.userName);
    if (record.eventName === 'CreateUser') return { detail: `user ${user ?? '(unnamed)'}` };
    return { detail: user ? `access key for ${user}` : 'access key for the caller' };
  },
});
