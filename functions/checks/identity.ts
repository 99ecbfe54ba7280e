import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { AssumeRoleError } from '../lib/assume-role';
import { errorKind, errorMessage, isThrottle, toErrorInfo } from '../lib/errors';
import { cleanText } from '../lib/text';
import type { CheckResult } from '../lib/types';
import { CHECK_INFO } from './catalog';
import type { Check } from './types';

/** The rule of an execution role that answers as another account or principal than the one assumed. */
export const UNEXPECTED_CALLER_RULE = 'identity/unexpected-caller';

/**
 * A FAIL with its finding: HIGH (what the other checks read may not be this account's), named by the execution role
 * in the target account, so that it is the same finding every run it lasts. What STS answered goes in the evidence
 * only: the caller's ARN holds the run's session name.
 */
function unexpectedCaller(
  message: string,
  title: string,
  roleName: string,
  roleArn: string,
  evidence: { expectedArn: string; callerAccount?: string; callerArn?: string },
): CheckResult {
  return {
    status: 'FAIL',
    message,
    findings: [
      {
        rule: UNEXPECTED_CALLER_RULE,
        severity: 'HIGH',
        title,
        resource: { type: 'AwsIamRole', id: roleName, region: 'global', arn: roleArn },
        evidence: {
          expectedArn: evidence.expectedArn,
          callerAccount: evidence.callerAccount === undefined ? null : cleanText(evidence.callerAccount, 64),
          callerArn: evidence.callerArn === undefined ? null : cleanText(evidence.callerArn, 512),
        },
      },
    ],
  };
}

/**
 * `identity`: the Audit account can still reach the account. Assumes the execution role and asks STS who the
 * caller is; PASS only when it is that account and that role. A caller that is not is FAIL with an
 * `identity/unexpected-caller` finding.
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
    const evidence = {
      expectedArn,
      ...(identity.Account === undefined ? {} : { callerAccount: identity.Account }),
      ...(identity.Arn === undefined ? {} : { callerArn: identity.Arn }),
    };
    if (identity.Account !== accountId) {
      return unexpectedCaller(
        `the session belongs to account ${identity.Account ?? 'unknown'}, not ${accountId}`,
        `${roleName} in ${accountId} answers as account ${cleanText(identity.Account ?? 'unknown', 64)}`,
        roleName,
        target.roleArn,
        evidence,
      );
    }
    if (identity.Arn !== expectedArn) {
      return unexpectedCaller(
        `the caller is ${identity.Arn ?? 'unknown'}, not the assumed role ${roleName}`,
        `${roleName} in ${accountId} answers as another principal than the role assumed`,
        roleName,
        target.roleArn,
        evidence,
      );
    }
    return { status: 'PASS', message: `reached as ${roleName}` };
  },
};
