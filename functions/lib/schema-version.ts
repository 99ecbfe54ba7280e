import { MAX_ERROR_MESSAGE } from './errors';
import { cleanText } from './text';
import { type AccountRecord, ERROR_KINDS, SCHEMA_VERSION, SEVERITIES, STATUSES } from './types';

/** A record or summary written in a version of the schema this code does not read. */
export class UnknownSchemaVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownSchemaVersion';
  }
}

/**
 * Returns the document when its `schemaVersion` is the one this code reads ({@link SCHEMA_VERSION}); otherwise
 * throws {@link UnknownSchemaVersionError} naming the document, the version found and what to do.
 */
export function assertSchemaVersion<T>(document: T, what: string): T {
  const found = (document as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (found === SCHEMA_VERSION) return document;
  const seen = found === undefined ? 'no schemaVersion (written before version 2)' : `schemaVersion ${String(found)}`;
  throw new UnknownSchemaVersionError(
    `${what} has ${seen}; this version of control-tower-audit reads schemaVersion ${SCHEMA_VERSION}: read it with ` +
      'the version that wrote it, or run the audit again',
  );
}

/**
 * An account record as Summarize reads it: a record of an unknown version, or one whose shape is not a record's (a
 * status that is not one of ours, no `checks`, a finding without a rule), is not read but reported as the account's
 * ERROR with what is wrong, so that one odd record never breaks the run nor reaches a report unchecked.
 */
export function readableAccountRecord(record: AccountRecord | undefined, what: string): AccountRecord | undefined {
  if (record === undefined) return undefined;
  let message: string;
  try {
    // A document that is not an object has no version to speak of: its shape is what is wrong.
    if (isObject(record)) assertSchemaVersion(record, what);
    const problem = recordProblem(record);
    if (problem === undefined) return record;
    message = `${what} is not a valid account record: ${problem}; run the audit of this account again`;
  } catch (error) {
    if (!(error instanceof UnknownSchemaVersionError)) throw error;
    message = error.message;
  }
  const fields: Partial<Record<keyof AccountRecord, unknown>> = isObject(record) ? record : {};
  const field = (value: unknown) => (typeof value === 'string' ? value : '');
  return {
    schemaVersion: SCHEMA_VERSION,
    accountId: field(fields.accountId),
    runId: field(fields.runId),
    status: 'ERROR',
    checks: {},
    error: { kind: 'INVALID_INPUT', message: cleanText(message, MAX_ERROR_MESSAGE) },
    startedAt: field(fields.startedAt),
    finishedAt: field(fields.finishedAt),
  };
}

const STATUS_SET: ReadonlySet<unknown> = new Set(STATUSES);
const KIND_SET: ReadonlySet<unknown> = new Set(ERROR_KINDS);
const SEVERITY_SET: ReadonlySet<unknown> = new Set(SEVERITIES);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as a problem names it: short, and stripped like any text from a record. */
function shown(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return cleanText(JSON.stringify(value), 60);
}

function oneOf(values: ReadonlySet<unknown>): string {
  return [...values].join(', ');
}

/**
 * What is wrong with the shape of an account record, or undefined when Summarize and the reports can read it: the
 * statuses, error kinds and severities are ours (they become CSS classes, counts and Security Hub labels), and every
 * field read as text is text. The first problem found is named, with its path.
 */
export function recordProblem(record: unknown): string | undefined {
  if (!isObject(record)) return `the document is ${shown(record)}, not an object`;
  for (const key of ['accountId', 'runId'] as const) {
    if (typeof record[key] !== 'string') return `${key} is ${shown(record[key])}, not a string`;
  }
  if (!STATUS_SET.has(record.status)) return `status is ${shown(record.status)}, not one of ${oneOf(STATUS_SET)}`;
  const error = errorProblem(record.error, 'error');
  if (error) return error;
  if (!isObject(record.checks)) return `checks is ${shown(record.checks)}, not an object`;
  for (const [id, check] of Object.entries(record.checks)) {
    const at = `checks.${cleanText(id, 64)}`;
    if (!isObject(check)) return `${at} is ${shown(check)}, not an object`;
    if (!STATUS_SET.has(check.status)) return `${at}.status is ${shown(check.status)}, not one of ${oneOf(STATUS_SET)}`;
    if (check.message !== undefined && typeof check.message !== 'string') {
      return `${at}.message is ${shown(check.message)}, not a string`;
    }
    const checkError = errorProblem(check.error, `${at}.error`);
    if (checkError) return checkError;
    if (check.findings === undefined) continue;
    if (!Array.isArray(check.findings)) return `${at}.findings is ${shown(check.findings)}, not a list`;
    for (const [index, finding] of check.findings.entries()) {
      const problem = findingProblem(finding, `${at}.findings[${index}]`);
      if (problem) return problem;
    }
  }
  return undefined;
}

function errorProblem(error: unknown, at: string): string | undefined {
  if (error === undefined) return undefined;
  if (!isObject(error)) return `${at} is ${shown(error)}, not an object`;
  if (!KIND_SET.has(error.kind)) return `${at}.kind is ${shown(error.kind)}, not one of ${oneOf(KIND_SET)}`;
  if (typeof error.message !== 'string') return `${at}.message is ${shown(error.message)}, not a string`;
  return undefined;
}

function findingProblem(finding: unknown, at: string): string | undefined {
  if (!isObject(finding)) return `${at} is ${shown(finding)}, not an object`;
  for (const key of ['rule', 'title'] as const) {
    if (typeof finding[key] !== 'string') return `${at}.${key} is ${shown(finding[key])}, not a string`;
  }
  if (!SEVERITY_SET.has(finding.severity)) {
    return `${at}.severity is ${shown(finding.severity)}, not one of ${oneOf(SEVERITY_SET)}`;
  }
  if (finding.fingerprint !== undefined && typeof finding.fingerprint !== 'string') {
    return `${at}.fingerprint is ${shown(finding.fingerprint)}, not a string`;
  }
  if (finding.evidence !== undefined && !isObject(finding.evidence)) {
    return `${at}.evidence is ${shown(finding.evidence)}, not an object`;
  }
  const { resource } = finding;
  if (resource === undefined) return undefined;
  if (!isObject(resource)) return `${at}.resource is ${shown(resource)}, not an object`;
  for (const key of ['type', 'id', 'region'] as const) {
    if (typeof resource[key] !== 'string') return `${at}.resource.${key} is ${shown(resource[key])}, not a string`;
  }
  return undefined;
}
