import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import { roleArn, type SessionCache } from './assume-role';
import { type AwsClientConstructor, awsClient, s3Client, stsClient } from './clients';

/** A session in one account, made from an assumed role. Clients are built on first use and kept. */
export interface AccountSession {
  readonly accountId: string;
  readonly roleArn: string;
  readonly sessionName: string;
  /** STS with the session's credentials. Its first call assumes the role (an `AssumeRoleError` if it cannot). */
  sts(): STSClient;
  /** S3 with the session's credentials. */
  s3(): S3Client;
  /**
   * Any client with the session's credentials, in `region` (the function's region when left out); one per class
   * and region, kept for the session's life: `session.client(EC2Client, { region: 'eu-west-1' })`.
   */
  client<C>(Ctor: AwsClientConstructor<C>, options?: { readonly region?: string }): C;
  /** Assumes the role now (if not yet) so that a failure to assume is told apart from a failed call. */
  ensure(): Promise<void>;
}

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
  const clients = new Map<AwsClientConstructor<unknown>, Map<string, unknown>>();
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
    client<C>(Ctor: AwsClientConstructor<C>, options: { readonly region?: string } = {}): C {
      let byRegion = clients.get(Ctor);
      if (!byRegion) {
        byRegion = new Map();
        clients.set(Ctor, byRegion);
      }
      const key = options.region ?? '';
      let client = byRegion.get(key) as C | undefined;
      if (!client) {
        client = awsClient(Ctor, credentials, options.region ? { region: options.region } : {});
        byRegion.set(key, client);
      }
      return client;
    },
    ensure: async () => {
      await credentials();
    },
  };
}
