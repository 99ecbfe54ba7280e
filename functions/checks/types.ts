import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import type { Settings } from '../lib/settings';
import type { CheckResult, RoleKind, RunInfo } from '../lib/types';

/** A session in one account, made from an assumed role. Clients are built on first use and kept. */
export interface AccountSession {
  readonly accountId: string;
  readonly roleArn: string;
  readonly sessionName: string;
  /** STS with the session's credentials. Its first call assumes the role (an `AssumeRoleError` if it cannot). */
  sts(): STSClient;
  /** S3 with the session's credentials. */
  s3(): S3Client;
  /** Assumes the role now (if not yet) so that a failure to assume is told apart from a failed call. */
  ensure(): Promise<void>;
}

/** What a check gets to do its work in one account. */
export interface CheckContext {
  readonly accountId: string;
  readonly run: RunInfo;
  readonly settings: Settings;
  /** The clock; tests and the sandbox pass a fixed one. */
  readonly now: () => Date;
  /** The execution role of the run's role kind, in the target account. */
  readonly target: AccountSession;
  /** The read-only execution role in the Log Archive account; throws `InvalidSettings` when it is not configured. */
  logArchive(): AccountSession;
}

/** One check: a small object registered in `registry.ts`. */
export interface Check {
  readonly id: string;
  readonly title: string;
  /** The least role the check needs. `admin` checks run only in admin runs. */
  readonly role: RoleKind;
  /**
   * Runs the check. A problem found is `FAIL`; a check that could not run is `ERROR` with a classified error.
   * Throttling that outlasted the SDK's retries is thrown, so that the workflow retries the account.
   */
  run(context: CheckContext): Promise<CheckResult>;
}
