import {
  assertSchemaVersion,
  readableAccountRecord,
  UnknownSchemaVersionError,
} from '../../../functions/lib/schema-version';
import { type AccountRecord, SCHEMA_VERSION } from '../../../functions/lib/types';

function record(overrides: Record<string, unknown> = {}): AccountRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    accountId: '111111111111',
    runId: 'run-1',
    status: 'PASS',
    checks: { identity: { status: 'PASS' } },
    startedAt: '2030-01-02T06:00:00.000Z',
    finishedAt: '2030-01-02T06:00:01.000Z',
    ...overrides,
  } as AccountRecord;
}

describe('assertSchemaVersion', () => {
  test('a document of the current version is returned as it is', () => {
    const document = record();

    expect(assertSchemaVersion(document, 'accounts/111111111111.json')).toBe(document);
  });

  test('a newer version is UnknownSchemaVersion naming the document, both versions and what to do', () => {
    const act = () => assertSchemaVersion({ schemaVersion: 3 }, 'summary.json');

    expect(act).toThrow(UnknownSchemaVersionError);
    expect(act).toThrow(
      'summary.json has schemaVersion 3; this version of control-tower-audit reads schemaVersion 2: read it with ' +
        'the version that wrote it, or run the audit again',
    );
  });

  test('a document without schemaVersion (version 1) says it was written before version 2', () => {
    expect(() => assertSchemaVersion({ runId: 'old' }, 'summary.json')).toThrow(
      expect.objectContaining({
        name: 'UnknownSchemaVersion',
        message: expect.stringContaining('summary.json has no schemaVersion (written before version 2)'),
      }),
    );
  });
});

describe('readableAccountRecord', () => {
  test('a current record is read as it is; no record stays no record', () => {
    const current = record();

    expect(readableAccountRecord(current, 'accounts/111111111111.json')).toBe(current);
    expect(readableAccountRecord(undefined, 'accounts/111111111111.json')).toBeUndefined();
  });

  test("a record of an unknown version becomes the account's ERROR with the reason, its checks not read", () => {
    const odd = record({ schemaVersion: 9, status: 'PASS' });

    expect(readableAccountRecord(odd, 'accounts/111111111111.json')).toEqual({
      schemaVersion: SCHEMA_VERSION,
      accountId: '111111111111',
      runId: 'run-1',
      status: 'ERROR',
      checks: {},
      error: {
        kind: 'INVALID_INPUT',
        message: expect.stringMatching(/^accounts\/111111111111\.json has schemaVersion 9;/),
      },
      startedAt: '2030-01-02T06:00:00.000Z',
      finishedAt: '2030-01-02T06:00:01.000Z',
    });
  });
});
