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

  describe("a record whose shape is not a record is the account's ERROR naming what is wrong", () => {
    const invalid = (document: unknown) =>
      readableAccountRecord(document as AccountRecord, 'accounts/111111111111.json');

    test.each([
      [
        'an unknown account status',
        { status: 'x"><meta http-equiv=refresh>' },
        /status is "x\\"><meta http-equiv=refresh>", not one of PASS, FAIL, ERROR, SKIPPED/,
      ],
      [
        'an unknown check status',
        { checks: { identity: { status: 'BOGUS' } } },
        /checks\.identity\.status is "BOGUS", not one of PASS, FAIL, ERROR, SKIPPED/,
      ],
      ['no checks', { checks: undefined }, /checks is missing, not an object/],
      ['checks as a list', { checks: [] }, /checks is a list, not an object/],
      ['a check that is not an object', { checks: { identity: 'PASS' } }, /checks\.identity is "PASS", not an object/],
      [
        'an unknown error kind',
        { error: { kind: 'OOPS', message: 'm' } },
        /error\.kind is "OOPS", not one of ACCESS_DENIED,/,
      ],
      [
        'a finding without a rule',
        { checks: { identity: { status: 'FAIL', findings: [{ severity: 'HIGH', title: 't' }] } } },
        /checks\.identity\.findings\[0\]\.rule is missing, not a string/,
      ],
      [
        'a finding of an unknown severity',
        { checks: { identity: { status: 'FAIL', findings: [{ rule: 'r', severity: 'URGENT', title: 't' }] } } },
        /findings\[0\]\.severity is "URGENT", not one of CRITICAL, HIGH, MEDIUM, LOW, INFO/,
      ],
      [
        'a resource without an ID',
        {
          checks: {
            identity: {
              status: 'FAIL',
              findings: [
                { rule: 'r', severity: 'HIGH', title: 't', resource: { type: 'AwsAccount', region: 'global' } },
              ],
            },
          },
        },
        /findings\[0\]\.resource\.id is missing, not a string/,
      ],
    ])('%s', (_what, overrides, problem) => {
      expect(invalid(record(overrides))).toEqual({
        schemaVersion: SCHEMA_VERSION,
        accountId: '111111111111',
        runId: 'run-1',
        status: 'ERROR',
        checks: {},
        error: { kind: 'INVALID_INPUT', message: expect.stringMatching(problem) },
        startedAt: '2030-01-02T06:00:00.000Z',
        finishedAt: '2030-01-02T06:00:01.000Z',
      });
      expect(invalid(record(overrides))?.error?.message).toMatch(
        /^accounts\/111111111111\.json is not a valid account record: .*; run the audit of this account again$/,
      );
    });

    test('the problem is bounded and stripped of control characters', () => {
      const message = invalid(record({ status: `\u001b[31m${'x'.repeat(5000)}\u202e` }))?.error?.message ?? '';

      // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
      expect(message).not.toMatch(/[\u0000-\u001f\u202e]/);
      expect(message.length).toBeLessThan(300);
    });

    test('a document that is not an object at all (null, a list) is an ERROR record, not a crash', () => {
      expect(invalid(null)).toMatchObject({
        accountId: '',
        status: 'ERROR',
        error: { message: expect.stringContaining('the document is null, not an object') },
      });
      expect(invalid([])).toMatchObject({ status: 'ERROR' });
    });

    test('a record with every optional field well formed is read as it is', () => {
      const full = record({
        status: 'FAIL',
        error: { kind: 'THROTTLED', message: 'Rate exceeded' },
        checks: {
          identity: {
            status: 'FAIL',
            message: 'found',
            error: { kind: 'ACCESS_DENIED', message: 'no' },
            findings: [
              {
                rule: 'r',
                severity: 'INFO',
                title: 't',
                fingerprint: 'f',
                evidence: { port: 22 },
                resource: { type: 'AwsAccount', id: '111111111111', region: 'global' },
              },
            ],
          },
        },
      });

      expect(invalid(full)).toBe(full);
    });
  });
});
