import { type AccountRecord, SCHEMA_VERSION } from './types';

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
 * An account record as Summarize reads it: a record of an unknown version is not read but reported as the
 * account's ERROR, so that one odd record never breaks the run.
 */
export function readableAccountRecord(record: AccountRecord | undefined, what: string): AccountRecord | undefined {
  if (record === undefined) return undefined;
  try {
    return assertSchemaVersion(record, what);
  } catch (error) {
    if (!(error instanceof UnknownSchemaVersionError)) throw error;
    return {
      schemaVersion: SCHEMA_VERSION,
      accountId: String(record.accountId),
      runId: String(record.runId),
      status: 'ERROR',
      checks: {},
      error: { kind: 'INVALID_INPUT', message: error.message },
      startedAt: String(record.startedAt),
      finishedAt: String(record.finishedAt),
    };
  }
}
