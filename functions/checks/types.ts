import type { AccountSession } from '../lib/account-session';
import type { Settings } from '../lib/settings';
import type { CheckResult, RunInfo } from '../lib/types';
import type { CheckInfo } from './catalog';

export type { AccountSession } from '../lib/account-session';
/** The settings table lives in functions/lib (required-settings.ts); checks name its keys. */
export type { RequiredSetting } from '../lib/required-settings';

/**
 * Small documents a check keeps from one run to the next (the CloudTrail cursors), in the report store. A document
 * put is written only after the account record, so that a crash never moves a cursor past unrecorded findings.
 */
export interface CheckState {
  get<T>(name: string): Promise<T | undefined>;
  /** Queues the document; Audit Account writes it once the account record is written. */
  put(name: string, value: unknown): void;
}

/** What a check gets to do its work in one account. */
export interface CheckContext {
  readonly accountId: string;
  readonly run: RunInfo;
  readonly settings: Settings;
  /** The clock; tests and the sandbox pass a fixed one. */
  readonly now: () => Date;
  /**
   * The governed regions the checks look at: `settings.regions`, else the home region, else the region the
   * function runs in. Never empty.
   */
  readonly regions: readonly string[];
  /**
   * When the checks must have finished (epoch milliseconds), well inside the Express child's 5 minutes, with room
   * left to write the record. A check that reaches it keeps what it found and says that it is partial.
   */
  readonly deadline: number;
  /** The execution role of the run's role kind, in the target account. */
  readonly target: AccountSession;
  /**
   * The execution role of the run's role kind in the Log Archive account (read-only, or the administrator role in
   * admin runs: only it trusts the Audit admin role); throws `InvalidSettings` when it is not configured.
   */
  logArchive(): AccountSession;
  /** State kept across runs; absent where there is no store (a check then works as on a first run). */
  readonly state?: CheckState;
}

/** One check: its entry of `catalog.ts` and its code, a small object registered in `registry.ts`. */
export interface Check extends CheckInfo {
  /**
   * Runs the check. A problem found is `FAIL`; a check that could not run is `ERROR` with a classified error.
   * Throttling that outlasted the SDK's retries is thrown, so that the workflow retries the account.
   */
  run(context: CheckContext): Promise<CheckResult>;
}
