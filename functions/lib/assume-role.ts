import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { errorKind, errorMessage, errorName } from './errors';

/** 15 minutes: the shortest session STS grants, and longer than any single account's audit. */
export const SESSION_SECONDS = 900;

/**
 * Sessions a cache keeps. A warm Lambda audits account after account, and the CLI audits the whole organization in
 * one process: an unbounded cache would hold one session per account ever audited. The Log Archive session, used by
 * every account, stays as the most recently used.
 */
export const MAX_CACHED_SESSIONS = 256;

/** A session is renewed this long before it expires, so that no call is ever made with expiring credentials. */
const RENEW_BEFORE_MS = 2 * 60 * 1000;

/**
 * The IAM actions the audit's checks call in a member account (and in the Log Archive account), and nothing else:
 * identity, the CloudTrail checks (list and read log files, decrypt them when the trail uses a KMS key) and the
 * current-state checks. A check that needs another call adds it here, in the same change.
 */
export const AUDIT_SESSION_ACTIONS = [
  // identity
  'sts:GetCallerIdentity',
  // cloudtrail-delivery, cloudtrail-events: the Log Archive bucket
  's3:ListBucket',
  's3:GetObject',
  'kms:Decrypt',
  // network-exposure
  'ec2:DescribeRegions',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSecurityGroupRules',
  'ec2:GetManagedPrefixListEntries',
  // s3-public-access (GetAccountPublicAccessBlock is called through s3control but is an s3: action)
  's3:ListAllMyBuckets',
  's3:GetBucketLocation',
  's3:GetBucketAcl',
  's3:GetBucketPolicy',
  's3:GetBucketPublicAccessBlock',
  's3:GetBucketWebsite',
  's3:GetAccountPublicAccessBlock',
  // kms-key-deletion
  'kms:ListKeys',
  'kms:DescribeKey',
  'kms:ListResourceTags',
  // security-services
  'guardduty:ListDetectors',
  'guardduty:GetDetector',
  'config:DescribeConfigurationRecorders',
  'config:DescribeConfigurationRecorderStatus',
  'securityhub:DescribeHub',
] as const;

/**
 * The session policy passed on AssumeRole for the audit: the session can do at most what the checks call, whatever
 * the execution role allows (`ReadOnlyAccess` for Control Tower's, far more for the administrator role). The
 * resource is `*` because a session policy only narrows: the role's own policy still decides which resources.
 * The remediation path passes its own policy to its own {@link SessionCache}.
 */
export const AUDIT_SESSION_POLICY: string = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'AuditChecks', Effect: 'Allow', Action: AUDIT_SESSION_ACTIONS, Resource: '*' }],
});

/** The execution role could not be assumed. Carries the STS error's name so that throttles stay retryable. */
export class AssumeRoleError extends Error {
  readonly code: string | undefined;
  constructor(
    message: string,
    readonly roleArn: string,
    cause: unknown,
  ) {
    super(message, { cause });
    this.code = errorName(cause);
    // Keep STS's name for throttles (the workflow retries them); anything else is a failure to assume.
    this.name = errorKind(this.code) === 'THROTTLED' ? (this.code ?? 'ThrottlingException') : 'AssumeRoleFailed';
  }
}

/**
 * A valid role session name (`[\w+=,.@-]{2,64}`) that identifies the run in CloudTrail of the target account.
 * Characters outside the set become `-`; long run IDs keep their end, which is the unique part.
 */
export function sessionName(runId: string, prefix = 'ct-audit'): string {
  const valid = (text: string) => text.replace(/[^\w+=,.@-]/g, '-');
  const head = valid(prefix).slice(0, 32);
  const clean = `${head}-${valid(runId)}`;
  return clean.length <= 64 ? clean : `${head}-${clean.slice(clean.length - (63 - head.length))}`;
}

/** `arn:<partition>:iam::<account>:role/<name>` */
export function roleArn(accountId: string, roleName: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${accountId}:role/${roleName}`;
}

/**
 * Assumes roles and keeps the sessions until shortly before they expire, keyed by role ARN and session name.
 * One instance lives at module scope of a function, so a warm Lambda reuses the Log Archive session across the
 * accounts it audits; the target account's session is made once per invocation. Every session is narrowed by
 * `policy` (the audit's {@link AUDIT_SESSION_POLICY} unless another is given).
 */
export class SessionCache {
  private readonly sessions = new Map<string, Promise<AwsCredentialIdentity>>();

  constructor(
    private readonly sts: STSClient,
    private readonly now: () => number = Date.now,
    /** The session policy passed on every AssumeRole. */
    readonly policy: string = AUDIT_SESSION_POLICY,
    private readonly maxSessions: number = MAX_CACHED_SESSIONS,
  ) {}

  /** Credentials for the role; assumed on first use and again only when the cached ones are close to expiry. */
  credentials(arn: string, session: string): Promise<AwsCredentialIdentity> {
    const key = `${arn}|${session}`;
    const cached = this.sessions.get(key);
    if (cached) {
      // Most recently used last: the oldest entry is the first one a full cache drops.
      this.sessions.delete(key);
      this.sessions.set(key, cached);
      return cached.then((credentials) => {
        if (this.fresh(credentials)) return credentials;
        // Callers that find the same stale session share one renewal.
        const current = this.sessions.get(key);
        return current && current !== cached ? current : this.renew(key, arn, session);
      });
    }
    return this.renew(key, arn, session);
  }

  /** How many sessions are held: for tests and for the benchmark's figures. */
  get size(): number {
    return this.sessions.size;
  }

  private fresh(credentials: AwsCredentialIdentity): boolean {
    return credentials.expiration === undefined || credentials.expiration.getTime() - RENEW_BEFORE_MS > this.now();
  }

  private renew(key: string, arn: string, session: string): Promise<AwsCredentialIdentity> {
    const pending = this.assume(arn, session);
    this.sessions.delete(key);
    this.sessions.set(key, pending);
    for (const oldest of this.sessions.keys()) {
      if (this.sessions.size <= this.maxSessions) break;
      this.sessions.delete(oldest);
    }
    // A failed attempt is not cached: the next caller tries again.
    pending.catch(() => {
      if (this.sessions.get(key) === pending) this.sessions.delete(key);
    });
    return pending;
  }

  private async assume(arn: string, session: string): Promise<AwsCredentialIdentity> {
    try {
      const { Credentials: c } = await this.sts.send(
        new AssumeRoleCommand({
          RoleArn: arn,
          RoleSessionName: session,
          DurationSeconds: SESSION_SECONDS,
          Policy: this.policy,
        }),
      );
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
        throw new Error('STS returned no credentials');
      }
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
    } catch (error) {
      throw new AssumeRoleError(`cannot assume ${arn}: ${errorMessage(error)}`, arn, error);
    }
  }
}
