import { cleanText } from './text';
import type { ErrorInfo, ErrorKind } from './types';

/**
 * The execution input is wrong. The name is what Step Functions shows as the error and what `Catch` matches,
 * so it is the bare `InvalidInput` that DESIGN.md promises.
 */
export class InvalidInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInput';
  }
}

/** A setting in cdk.json (context `ctAudit`) or in the function environment is wrong. */
export class InvalidSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSettings';
  }
}

/** Organizations cannot be read from where the run is: not the management account nor a delegated administrator. */
export class OrganizationAccessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OrganizationAccessError';
  }
}

/**
 * Code a function loads on first use (infra/bundling.ts, LOADED_ON_FIRST_USE) could not be loaded: the function's
 * asset lacks the file or the file fails to load. What needed it fails with this message; the rest still runs.
 */
export class CodeUnavailableError extends Error {
  constructor(what: string, cause: unknown) {
    const why = errorMessage(cause).split('\n')[0] ?? '';
    super(`cannot load the code of ${what} (${why}): the function's asset is incomplete; deploy the stack again`, {
      cause,
    });
    this.name = 'CodeUnavailable';
  }
}

/** A required environment variable is missing: thrown at cold start, not in the middle of a run. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new InvalidSettingsError(`environment variable ${name} is not set; the stack sets it on every function`);
  }
  return value;
}

const KIND_BY_NAME: Readonly<Record<string, ErrorKind>> = {
  AccessDenied: 'ACCESS_DENIED',
  AccessDeniedException: 'ACCESS_DENIED',
  AccessDeniedForDependencyException: 'ACCESS_DENIED',
  UnauthorizedOperation: 'ACCESS_DENIED',
  UnrecognizedClientException: 'ACCESS_DENIED',
  InvalidClientTokenId: 'ACCESS_DENIED',
  ExpiredToken: 'ACCESS_DENIED',
  ExpiredTokenException: 'ACCESS_DENIED',
  RegionDisabledException: 'ACCESS_DENIED',
  AWSOrganizationsNotInUseException: 'ACCESS_DENIED',
  OrganizationAccessError: 'ACCESS_DENIED',
  AssumeRoleFailed: 'ACCESS_DENIED',
  KMS_AccessDenied: 'ACCESS_DENIED',
  Throttling: 'THROTTLED',
  ThrottlingException: 'THROTTLED',
  TooManyRequestsException: 'THROTTLED',
  RequestLimitExceeded: 'THROTTLED',
  SlowDown: 'THROTTLED',
  'Lambda.TooManyRequestsException': 'THROTTLED',
  TimeoutError: 'TIMEOUT',
  AbortError: 'TIMEOUT',
  RequestTimeout: 'TIMEOUT',
  RequestTimeoutException: 'TIMEOUT',
  'States.Timeout': 'TIMEOUT',
  'Sandbox.Timedout': 'TIMEOUT',
  NoSuchKey: 'NOT_FOUND',
  NoSuchBucket: 'NOT_FOUND',
  NotFound: 'NOT_FOUND',
  NoSuchEntity: 'NOT_FOUND',
  AccountNotFoundException: 'NOT_FOUND',
  InvalidInput: 'INVALID_INPUT',
  InvalidSettings: 'INVALID_INPUT',
};

/**
 * Every error name classified as throttling. Each Task state's `Retry` in the ASL lists them all (a test checks it),
 * so a throttle the SDK gave up on is retried by the workflow before it becomes `THROTTLED`.
 */
export const THROTTLING_ERROR_NAMES: readonly string[] = Object.keys(KIND_BY_NAME).filter(
  (name) => KIND_BY_NAME[name] === 'THROTTLED',
);

/** Classifies an error by its name (AWS SDK v3 errors carry the service's error code as `name`). */
export function errorKind(name: string | undefined): ErrorKind {
  if (name === undefined) return 'UNKNOWN';
  if (Object.hasOwn(KIND_BY_NAME, name)) return KIND_BY_NAME[name] as ErrorKind;
  if (name.startsWith('Lambda.') || name.startsWith('Runtime.') || name === 'States.TaskFailed')
    return 'LAMBDA_FAILURE';
  // EC2 names what it cannot find `<Thing>.NotFound` (InvalidPrefixListID.NotFound, InvalidGroup.NotFound, ...).
  if (name.endsWith('.NotFound')) return 'NOT_FOUND';
  return 'UNKNOWN';
}

/**
 * The name of anything thrown, without assuming it is an Error. SDK errors are told apart by this name, never by
 * class: the bundles leave out most SDK error classes (infra/sdk-error-registry.ts), and the error is then the
 * client's service exception with the same name.
 */
export function errorName(error: unknown): string | undefined {
  if (error instanceof Error) return error.name;
  if (typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string') {
    return error.name;
  }
  return undefined;
}

/** The message of anything thrown. Never `JSON.stringify(error)`: that prints `{}`. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  return String(error);
}

/** Whether an error is a throttle that the SDK gave up retrying. */
export function isThrottle(error: unknown): boolean {
  return errorKind(errorName(error)) === 'THROTTLED';
}

/** The longest error message kept in a record: room for an S3 key and what to fix. */
export const MAX_ERROR_MESSAGE = 1024;

/**
 * A classified error for a record: kind from the error name, and the message a person reads — bounded and stripped
 * of control characters, since it may carry an S3 key or text from a member account.
 */
export function toErrorInfo(error: unknown, message?: string, kind?: ErrorKind): ErrorInfo {
  const name = errorName(error);
  const detail = errorMessage(error);
  return {
    kind: kind ?? errorKind(name),
    message: cleanText(
      message ?? (name && !detail.startsWith(name) ? `${name}: ${detail}` : detail),
      MAX_ERROR_MESSAGE,
    ),
  };
}
