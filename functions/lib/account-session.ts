import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import type { AccountSession } from '../checks/types';
import { roleArn, type SessionCache } from './assume-role';
import { s3Client, stsClient } from './clients';

/**
 * A session in one account through an assumed role. Clients are made on first use; their credentials come from
 * the cache, which assumes the role once and renews it before it expires.
 */
export function accountSession(
  cache: SessionCache,
  accountId: string,
  roleName: string,
  sessionName: string,
  partition: string,
): AccountSession {
  const arn = roleArn(accountId, roleName, partition);
  const credentials = () => cache.credentials(arn, sessionName);
  let sts: STSClient | undefined;
  let s3: S3Client | undefined;
  return {
    accountId,
    roleArn: arn,
    sessionName,
    sts: () => {
      sts ??= stsClient(credentials);
      return sts;
    },
    s3: () => {
      s3 ??= s3Client(credentials);
      return s3;
    },
    ensure: async () => {
      await credentials();
    },
  };
}
