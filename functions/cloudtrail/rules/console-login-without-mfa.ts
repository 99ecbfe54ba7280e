import { asObject, asString } from '../record';
import { eventRule } from './types';

/**
 * `console-login-without-mfa`: an IAM user or the root user signed in to the console without MFA. Federated and
 * IAM Identity Center sign-ins are left out: their MFA happens at the identity provider, and CloudTrail always
 * says `MFAUsed: No` for them.
 */
export const consoleLoginWithoutMfa = eventRule({
  id: 'console-login-without-mfa',
  severity: 'HIGH',
  title: 'Console sign-in without MFA',
  description: 'An IAM user or the root user signed in to the console with a password alone.',
  events: { 'signin.amazonaws.com': ['ConsoleLogin'] },
  match(record) {
    const identity = asObject(record.userIdentity);
    if (identity?.type !== 'IAMUser' && identity?.type !== 'Root') return false;
    if (asObject(record.responseElements)?.ConsoleLogin !== 'Success') return false;
    if (asString(asObject(record.additionalEventData)?.MFAUsed) === 'Yes') return false;
    const who = identity.type === 'Root' ? 'root' : (asString(identity.userName) ?? 'an IAM user');
    return { detail: `${who} signed in without MFA` };
  },
});
