import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { AccountSession } from '../lib/account-session';
import { AssumeRoleError } from '../lib/assume-role';
import { errorKind, errorMessage, errorName, InvalidSettingsError, isThrottle, toErrorInfo } from '../lib/errors';
import { globalEventsRegion, partitionOf } from '../lib/partition';
import type { Settings } from '../lib/settings';
import { cleanText } from '../lib/text';
import type { CheckResult, ErrorInfo, ErrorKind, RunInfo } from '../lib/types';
import { deliveryDays, eventDays as deliveryDaysBetween, nearMidnight } from './date-prefixes';
import type { ScanWindow } from './engine';
import { dayPrefix, fileNameStem, type LogLocation, parseLogKey } from './key-layout';
import type { OpenLogFile } from './scanner';

/** Where one run reads CloudTrail files: the location and the governed regions. */
export interface LogArchiveTarget {
  readonly location: LogLocation;
  readonly regions: readonly string[];
}

/**
 * The regions whose files `cloudtrail-events` reads: the governed ones, then — once, when it is not governed — the
 * region the partition logs its global service events in (us-east-1 in `aws`). The organization trail files IAM
 * calls, root and global-endpoint console sign-ins, STS global-endpoint calls and Organizations calls under that
 * region whatever the home region, so without it `iam-user-or-key-created` could never fire in a landing zone
 * homed elsewhere and most root activity and sign-ins would go unseen. Events of other services in that region are
 * judged too: a world-open group there is no less open for the region being ungoverned.
 */
export function eventRegions(regions: readonly string[]): string[] {
  const global = globalEventsRegion(partitionOf(regions[0]));
  return global === undefined || regions.includes(global) ? [...regions] : [...regions, global];
}

/** The Control Tower bucket name: `aws-controltower-logs-<logArchiveAccountId>-<homeRegion>`. */
export function defaultLogBucket(logArchiveAccountId: string, homeRegion: string): string {
  return `aws-controltower-logs-${logArchiveAccountId}-${homeRegion}`;
}

/**
 * The bucket, key prefix, layout and regions from the settings, with Control Tower's defaults. Throws
 * {@link InvalidSettingsError} naming the setting to set when one is missing.
 */
export function resolveLogArchive(
  settings: Settings,
  logArchiveAccountId: string,
  organizationId: string | undefined = settings.organizationId,
): LogArchiveTarget {
  const { logArchive, homeRegion } = settings;
  const regions = settings.regions.length > 0 ? settings.regions : homeRegion ? [homeRegion] : [];
  if (regions.length === 0) {
    throw new InvalidSettingsError('set ctAudit.homeRegion (or ctAudit.regions): the CloudTrail checks read its logs');
  }
  if (!logArchive.bucket && !homeRegion) {
    throw new InvalidSettingsError(
      'set ctAudit.homeRegion (or ctAudit.logArchive.bucket): the Log Archive bucket name is made from it',
    );
  }
  if (logArchive.layout === 'organization' && !organizationId) {
    throw new InvalidSettingsError(
      'set ctAudit.organizationId (or --organization-id): organization-trail keys contain it (or set ctAudit.logArchive.layout to "account")',
    );
  }
  return {
    location: {
      bucket: logArchive.bucket ?? defaultLogBucket(logArchiveAccountId, homeRegion as string),
      // Control Tower puts the organization ID before AWSLogs/; trails older than organization trails put nothing.
      keyPrefix: logArchive.keyPrefix ?? (logArchive.layout === 'organization' ? (organizationId as string) : ''),
      layout: logArchive.layout,
      ...(organizationId ? { organizationId } : {}),
    },
    regions,
  };
}

/** S3 refused a list or a read in the Log Archive bucket. Keeps the S3 error's name, so throttles stay throttles. */
export class LogArchiveError extends Error {
  constructor(
    readonly action: 'list' | 'read',
    readonly bucket: string,
    readonly key: string,
    cause: unknown,
  ) {
    // Bounded and clean: the key and the message may come from a member account (see lib/text.ts).
    super(
      `cannot ${action} s3://${bucket}/${cleanText(key, 300)}: ${errorName(cause) ?? 'Error'}: ${cleanText(errorMessage(cause), 400)}`,
      { cause },
    );
    this.name = errorName(cause) ?? 'Error';
  }
}

/** Every key under a prefix (after `startAfter`), page by page; never the whole bucket. */
export async function* listKeys(
  s3: S3Client,
  bucket: string,
  prefix: string,
  startAfter?: string,
): AsyncGenerator<string> {
  let token: string | undefined;
  do {
    let page: ListObjectsV2CommandOutput;
    try {
      page = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : startAfter ? { StartAfter: startAfter } : {}),
        }),
      );
    } catch (error) {
      throw new LogArchiveError('list', bucket, prefix, error);
    }
    for (const object of page.Contents ?? []) if (object.Key) yield object.Key;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** The newest file of one account in one region, and the oldest day looked at (for "no file since"). */
export interface NewestLogFile {
  readonly region: string;
  readonly newest?: { readonly key: string; readonly deliveredAt: Date };
  readonly since: Date;
}

async function newestIn(
  s3: S3Client,
  location: LogLocation,
  accountId: string,
  region: string,
  day: Date,
): Promise<{ key: string; deliveredAt: Date } | undefined> {
  let newest: { key: string; deliveredAt: Date } | undefined;
  for await (const key of listKeys(s3, location.bucket, dayPrefix(location, accountId, region, day))) {
    const parsed = parseLogKey(key, location);
    if (!parsed || parsed.accountId !== accountId || parsed.region !== region) continue;
    if (!newest || parsed.deliveredAt > newest.deliveredAt) newest = { key, deliveredAt: parsed.deliveredAt };
  }
  return newest;
}

/**
 * The newest log file of an account in a region: today's folder, and yesterday's when today's is empty or `now`
 * is within `freshnessMinutes` of midnight UTC.
 */
export async function newestLogFile(
  s3: S3Client,
  location: LogLocation,
  accountId: string,
  region: string,
  now: Date,
  freshnessMinutes: number,
): Promise<NewestLogFile> {
  const [today, yesterday] = deliveryDays(now);
  const fromToday = await newestIn(s3, location, accountId, region, today);
  if (fromToday && !nearMidnight(now, freshnessMinutes)) return { region, newest: fromToday, since: today };
  const fromYesterday = await newestIn(s3, location, accountId, region, yesterday);
  const newest = fromToday ?? fromYesterday;
  return { region, ...(newest ? { newest } : {}), since: yesterday };
}

/** A log file found by a listing: its key and when it was delivered (the time stamp in its name). */
export interface ListedLogFile {
  readonly key: string;
  readonly deliveredAt: Date;
}

/**
 * The keys of an account's files in one region delivered inside the window (by the time stamp in the key, never by
 * the events' times), day folder by day folder (month and year ends included); the first day's listing starts at the
 * window's minute. Only keys of the exact layout of `location` count.
 */
export async function* logFilesDelivered(
  s3: S3Client,
  location: LogLocation,
  accountId: string,
  region: string,
  window: ScanWindow,
): AsyncGenerator<ListedLogFile> {
  const from = Math.floor(window.start.getTime() / 60_000) * 60_000;
  const to = window.end.getTime();
  for (const [index, day] of deliveryDaysBetween(window.start, window.end).entries()) {
    const prefix = dayPrefix(location, accountId, region, day);
    const startAfter = index === 0 ? `${prefix}${fileNameStem(accountId, region, window.start)}` : undefined;
    for await (const key of listKeys(s3, location.bucket, prefix, startAfter)) {
      const parsed = parseLogKey(key, location);
      if (parsed?.accountId !== accountId || parsed.region !== region) continue;
      const at = parsed.deliveredAt.getTime();
      if (at >= from && at <= to) yield { key, deliveredAt: parsed.deliveredAt };
    }
  }
}

/** The keys of an account's files delivered inside the window, region after region: {@link logFilesDelivered}. */
export async function* logKeysInWindow(
  s3: S3Client,
  target: LogArchiveTarget,
  accountId: string,
  window: ScanWindow,
): AsyncGenerator<string> {
  for (const region of target.regions) {
    for await (const file of logFilesDelivered(s3, target.location, accountId, region, window)) yield file.key;
  }
}

/** Opens log files with S3 GetObject. The body is streamed, never buffered whole; SSE-KMS is decrypted by S3. */
export function s3LogOpener(s3: S3Client, bucket: string): OpenLogFile {
  return async (key, signal) => {
    let body: unknown;
    try {
      ({ Body: body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal }));
    } catch (error) {
      throw new LogArchiveError('read', bucket, key, error);
    }
    if (body && typeof body === 'object' && Symbol.asyncIterator in body) return body as AsyncIterable<Uint8Array>;
    // Not a Node stream (another runtime's body): fall back to the SDK's whole-body read.
    const bytes = await (
      body as { transformToByteArray?: () => Promise<Uint8Array> } | undefined
    )?.transformToByteArray?.();
    return [bytes ?? new Uint8Array()];
  };
}

/**
 * The error record of a Log Archive failure, with what to fix: the permission of the read-only role (s3:ListBucket,
 * s3:GetObject, kms:Decrypt for KMS-encrypted logs) or the bucket setting.
 */
export function describeLogArchiveError(error: unknown, roleName: string, which = 'read-only'): ErrorInfo {
  if (!(error instanceof LogArchiveError)) return toErrorInfo(error);
  const { kind, message } = describeUnclean(error, `the Log Archive ${which} role (${roleName})`);
  return toErrorInfo(error, message, kind);
}

/**
 * Why one file could not be read, for its `LogFileUnreadable` finding: the S3 error and what to fix, without the
 * key (the finding has it).
 */
export function describeReadFailure(error: unknown, roleName: string, which = 'read-only'): string {
  if (!(error instanceof LogArchiveError)) return toErrorInfo(error).message;
  const head = `${error.name}: ${cleanText(errorMessage(error.cause), 300)}`;
  return cleanText(describeUnclean(error, `the Log Archive ${which} role (${roleName})`, head).message);
}

function describeUnclean(
  error: LogArchiveError,
  role: string,
  head: string = error.message,
): { kind: ErrorKind; message: string } {
  const name = error.name;
  const detail = errorMessage(error.cause);
  if (name === 'NoSuchBucket') {
    return {
      kind: 'NOT_FOUND',
      message: `bucket ${error.bucket} does not exist: set ctAudit.logArchive.bucket (default aws-controltower-logs-<logArchiveAccountId>-<homeRegion>)`,
    };
  }
  const kms = /kms/i.test(name) || /kms/i.test(detail);
  if (errorKind(name) === 'ACCESS_DENIED' || kms) {
    if (error.action === 'list') {
      return { kind: 'ACCESS_DENIED', message: `${head} — ${role} needs s3:ListBucket on ${error.bucket}` };
    }
    return {
      kind: 'ACCESS_DENIED',
      message: kms
        ? `${head} — kms:Decrypt must be allowed for ${role} on the KMS key that encrypts the logs`
        : `${head} — ${role} needs s3:GetObject, and kms:Decrypt must be allowed for it when the logs are KMS-encrypted`,
    };
  }
  return { kind: errorKind(name), message: head };
}

/** An opened Log Archive: S3 with the read-only role's credentials, and where to read. */
export interface OpenedLogArchive {
  readonly s3: S3Client;
  readonly target: LogArchiveTarget;
  readonly session: AccountSession;
}

/** What opening the Log Archive needs from a check's context (a `CheckContext` is one). */
export interface LogArchiveAccess {
  readonly settings: Settings;
  readonly run: RunInfo;
  logArchive(): AccountSession;
}

/**
 * Assumes the read-only role in the Log Archive account and resolves where the logs are. A missing setting or a
 * role that cannot be assumed is returned as an ERROR result; a throttle is thrown (the workflow retries it).
 */
export async function openLogArchive(context: LogArchiveAccess): Promise<OpenedLogArchive | CheckResult> {
  let session: AccountSession;
  let target: LogArchiveTarget;
  try {
    session = context.logArchive();
    target = resolveLogArchive(
      context.settings,
      session.accountId,
      context.run.organizationId ?? context.settings.organizationId,
    );
  } catch (error) {
    if (!(error instanceof InvalidSettingsError) && errorName(error) !== 'InvalidSettings') throw error;
    const message = context.settings.logArchive.accountId
      ? errorMessage(error)
      : 'set ctAudit.logArchive.accountId (or --log-archive-account) to the Log Archive account ID: the CloudTrail logs are read there';
    return { status: 'ERROR', message, error: { kind: 'INVALID_INPUT', message } };
  }
  try {
    await session.ensure();
  } catch (error) {
    if (isThrottle(error)) throw error;
    const kind = errorKind(error instanceof AssumeRoleError ? error.code : errorName(error));
    const which = context.run.role === 'admin' ? 'administrator' : 'read-only';
    return {
      status: 'ERROR',
      message: `cannot assume the ${which} role in the Log Archive account ${session.accountId}`,
      error: toErrorInfo(
        error,
        `cannot assume ${session.roleArn} in the Log Archive account: ${errorMessage(error)}`,
        kind === 'UNKNOWN' ? 'ACCESS_DENIED' : kind,
      ),
    };
  }
  return { s3: session.s3(), target, session };
}

/** The Log Archive role of the run's role kind: its name, and how messages call it. */
export function logArchiveRole(context: Pick<LogArchiveAccess, 'run' | 'settings'>): { name: string; which: string } {
  return context.run.role === 'admin'
    ? { name: context.settings.roles.adminExecutionRoleName, which: 'administrator' }
    : { name: context.settings.roles.readOnlyExecutionRoleName, which: 'read-only' };
}

/** Whether {@link openLogArchive} returned a result to hand back rather than an opened archive. */
export function isCheckResult(value: OpenedLogArchive | CheckResult): value is CheckResult {
  return 'status' in value;
}
