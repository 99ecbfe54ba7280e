import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { AssumeRoleError } from '../lib/assume-role';
import { errorKind, errorMessage, isThrottle, toErrorInfo } from '../lib/errors';
import { CHECK_INFO } from './catalog';
import type { Check } from './types';

/**
 * `identity`: the Audit account can still reach the account. Assumes the execution role and asks STS who the
 * caller is; PASS only when it is that account and that role.
 */
export const identityCheck: Check = {
  ...CHECK_INFO.identity,
  async run(context) {
    const { target, accountId } = context;
    const roleName = target.roleArn.slice(target.roleArn.lastIndexOf('/') + 1);
    try {
      await target.ensure();
    } catch (error) {
      if (isThrottle(error)) throw error;
      const code = error instanceof AssumeRoleError ? error.code : undefined;
      const kind = errorKind(code);
      return {
        status: 'ERROR',
        message: `cannot assume ${roleName} in ${accountId}`,
        error: {
          kind: kind === 'UNKNOWN' ? 'ACCESS_DENIED' : kind,
          message:
            `cannot assume ${roleName} in ${accountId}: is the account enrolled in Control Tower, ` +
            `and does the role trust the Audit account? (${code ?? 'Error'}: ${errorMessage(error instanceof AssumeRoleError ? error.cause : error)})`,
        },
      };
    }

    let identity: { Account?: string; Arn?: string };
    try {
      identity = await target.sts().send(new GetCallerIdentityCommand({}));
    } catch (error) {
      if (isThrottle(error)) throw error;
      return { status: 'ERROR', message: 'GetCallerIdentity failed', error: toErrorInfo(error) };
    }

    const partition = target.roleArn.split(':')[1];
    const expectedArn = `arn:${partition}:sts::${accountId}:assumed-role/${roleName}/${target.sessionName}`;
    if (identity.Account !== accountId) {
      return {
        status: 'FAIL',
        message: `the session belongs to account ${identity.Account ?? 'unknown'}, not ${accountId}`,
      };
    }
    if (identity.Arn !== expectedArn) {
      return {
        status: 'FAIL',
        message: `the caller is ${identity.Arn ?? 'unknown'}, not the assumed role ${roleName}`,
      };
    }
    return { status: 'PASS', message: `reached as ${roleName}` };
  },
};
