import {
  type AccountRecord,
  type CheckResult,
  type Finding,
  type RunInfo,
  type RunSummary,
  SCHEMA_VERSION,
  type SkippedAccount,
  type Status,
  type Target,
} from '../../../functions/lib/types';
import { scopeKeyOf } from '../../../functions/summarize/previous-run';
import { reasonOf, summarize } from '../../../functions/summarize/summarize';
import { MemoryReportStore } from '../../support/unit-memory-store';

const RUN: RunInfo = {
  id: 'ct-audit-run-3',
  mode: 'audit',
  checks: ['identity'],
  role: 'readOnly',
  startedAt: '2030-01-02T06:00:00.000Z',
  maxConcurrency: 40,
  failOnIssues: true,
  reportLocation: 's3://reports/runs/2030-01-02/ct-audit-run-3/',
};
const NOW = new Date('2030-01-02T06:10:00.000Z');

function id(n: number): string {
  return String(n).padStart(12, '0');
}

function accountRecord(accountId: string, status: Status, checks?: Record<string, CheckResult>): AccountRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    accountId,
    runId: RUN.id,
    status,
    checks: checks ?? { identity: { status, ...(status === 'PASS' ? {} : { message: `identity ${status}` }) } },
    startedAt: RUN.startedAt,
    finishedAt: RUN.startedAt,
  };
}

/** A store holding targets.json and the given account records, as the earlier states leave it. */
function storeWith(targets: Target[], records: AccountRecord[] = [], skipped: SkippedAccount[] = []) {
  const store = new MemoryReportStore();
  store.seed(RUN, 'targets.json', { runId: RUN.id, organizationId: 'o-a1b2c3d4e5', targets, skipped });
  for (const record of records) store.seed(RUN, `accounts/${record.accountId}.json`, record);
  return store;
}

function run(store: MemoryReportStore, overrides: Partial<RunInfo> = {}) {
  return summarize({ run: { ...RUN, ...overrides } }, { store, now: () => NOW });
}

function finding(rule: string): Finding {
  return { rule, severity: 'HIGH', title: `${rule} happened` };
}

describe('summarize: accounts', () => {
  test('every target appears exactly once, even when targets.json lists it twice', async () => {
    const store = storeWith(
      [{ accountId: id(1) }, { accountId: id(2) }, { accountId: id(1) }],
      [accountRecord(id(1), 'PASS'), accountRecord(id(2), 'PASS')],
    );

    const result = await run(store);

    const summary = store.read<RunSummary>(RUN, 'summary.json');
    expect(summary?.accounts.map((account) => account.accountId)).toEqual([id(1), id(2)]);
    expect(result.totals.accounts).toBe(2);
  });

  test('a target without a record is ERROR of kind NO_RESULT: no result recorded', async () => {
    const store = storeWith([{ accountId: id(1), name: 'Prod' }]);

    await run(store);

    expect(store.read<RunSummary>(RUN, 'summary.json')?.accounts).toEqual([
      {
        accountId: id(1),
        name: 'Prod',
        status: 'ERROR',
        checks: {},
        error: { kind: 'NO_RESULT', message: 'no result recorded' },
      },
    ]);
  });

  test('a record that is not a target is not reported', async () => {
    const store = storeWith([{ accountId: id(1) }], [accountRecord(id(1), 'PASS'), accountRecord(id(2), 'FAIL')]);

    await run(store);

    expect(store.read<RunSummary>(RUN, 'summary.json')?.accounts.map((a) => a.accountId)).toEqual([id(1)]);
  });

  test('findings are counted per check, not copied', async () => {
    const store = storeWith(
      [{ accountId: id(1) }],
      [
        accountRecord(id(1), 'FAIL', {
          identity: { status: 'PASS' },
          'cloudtrail-events': {
            status: 'FAIL',
            message: '2 findings',
            findings: [finding('root-activity'), finding('cloudtrail-tampering')],
          },
        }),
      ],
    );

    await run(store);

    expect(store.read<RunSummary>(RUN, 'summary.json')?.accounts[0]?.checks).toEqual({
      identity: { status: 'PASS' },
      'cloudtrail-events': { status: 'FAIL', message: '2 findings', findings: 2 },
    });
  });

  test('the error of a check and of the account are kept', async () => {
    const error = { kind: 'TIMEOUT', message: 'States.Timeout: timed out' } as const;
    const store = storeWith(
      [{ accountId: id(1) }],
      [{ ...accountRecord(id(1), 'ERROR', { identity: { status: 'ERROR', message: 'not completed', error } }), error }],
    );

    await run(store);

    expect(store.read<RunSummary>(RUN, 'summary.json')?.accounts[0]).toMatchObject({
      status: 'ERROR',
      error,
      checks: { identity: { status: 'ERROR', message: 'not completed', error } },
    });
  });
});

describe('summarize: reading records', () => {
  test('lists the accounts folder and reads only the records that are there', async () => {
    const store = storeWith([{ accountId: id(1) }, { accountId: id(2) }], [accountRecord(id(1), 'PASS')]);
    const read = jest.spyOn(store, 'getJson');

    await run(store);

    const names = read.mock.calls.map(([, name]) => name);
    expect(names).toContain(`accounts/${id(1)}.json`);
    expect(names).not.toContain(`accounts/${id(2)}.json`);
  });

  test('lists accounts sorted by account ID whatever the order of targets.json', async () => {
    const store = storeWith(
      [{ accountId: id(3) }, { accountId: id(1) }, { accountId: id(2) }],
      [accountRecord(id(1), 'PASS'), accountRecord(id(2), 'PASS'), accountRecord(id(3), 'PASS')],
    );

    await run(store);

    const summary = store.read<RunSummary>(RUN, 'summary.json');
    expect(summary?.accounts.map((account) => account.accountId)).toEqual([id(1), id(2), id(3)]);
  });
});

describe('summarize: totals and issues', () => {
  test('totals count targets by status, and the skipped accounts apart', async () => {
    const store = storeWith(
      [{ accountId: id(1) }, { accountId: id(2) }, { accountId: id(3) }, { accountId: id(4) }],
      [accountRecord(id(1), 'PASS'), accountRecord(id(2), 'PASS'), accountRecord(id(3), 'FAIL')],
      [
        { accountId: id(8), reason: 'account is SUSPENDED: only ACTIVE accounts are audited' },
        { accountId: id(9), reason: 'management account: Control Tower deploys no execution roles there' },
      ],
    );

    const result = await run(store);

    expect(result.totals).toEqual({ accounts: 4, pass: 2, fail: 1, error: 1, skipped: 2 });
  });

  test('no FAIL and no ERROR has no issues', async () => {
    const store = storeWith([{ accountId: id(1) }], [accountRecord(id(1), 'PASS')]);

    const result = await run(store);

    expect(result.hasIssues).toBe(false);
  });

  test('a FAIL is an issue', async () => {
    const store = storeWith([{ accountId: id(1) }], [accountRecord(id(1), 'FAIL')]);

    const result = await run(store);

    expect(result.hasIssues).toBe(true);
  });

  test('an ERROR is an issue', async () => {
    const store = storeWith([{ accountId: id(1) }]);

    const result = await run(store);

    expect(result.hasIssues).toBe(true);
  });

  test.each([[true], [false]])('failOnIssues %s is passed through from the run', async (failOnIssues) => {
    const store = storeWith([{ accountId: id(1) }], [accountRecord(id(1), 'FAIL')]);

    const result = await run(store, { failOnIssues });

    expect(result.failOnIssues).toBe(failOnIssues);
  });

  test('issues list the accounts with FAIL or ERROR and their reason', async () => {
    const store = storeWith(
      [{ accountId: id(1) }, { accountId: id(2) }, { accountId: id(3) }],
      [accountRecord(id(1), 'PASS'), accountRecord(id(2), 'FAIL')],
    );

    const result = await run(store);

    expect(result.issues).toEqual([
      { accountId: id(2), status: 'FAIL', reason: 'identity: identity FAIL' },
      { accountId: id(3), status: 'ERROR', reason: 'NO_RESULT: no result recorded' },
    ]);
  });

  test('issues stop at 10 and the cause says how many more', async () => {
    const targets = Array.from({ length: 13 }, (_, i) => ({ accountId: id(i + 1) }));
    const store = storeWith(targets);

    const result = await run(store);

    expect(result.issues).toHaveLength(10);
    expect(result.cause).toContain('... and 3 more.');
  });

  test('with 10 issues or fewer the cause says no more', async () => {
    const store = storeWith(Array.from({ length: 10 }, (_, i) => ({ accountId: id(i + 1) })));

    const result = await run(store);

    expect(result.cause).not.toContain('more.');
  });

  test('the cause names the counts, each issue and where the report is', async () => {
    const store = storeWith(
      [{ accountId: id(1) }, { accountId: id(2) }, { accountId: id(3) }],
      [accountRecord(id(1), 'PASS'), accountRecord(id(2), 'FAIL')],
      [{ accountId: id(9), reason: 'account is SUSPENDED: only ACTIVE accounts are audited' }],
    );

    const result = await run(store);

    expect(result.cause.split('\n')).toEqual([
      '2 of 3 accounts have issues (1 FAIL, 1 ERROR), 1 passed, 1 skipped.',
      `${id(2)} FAIL identity: identity FAIL`,
      `${id(3)} ERROR NO_RESULT: no result recorded`,
      `Report: ${RUN.reportLocation}`,
    ]);
  });

  test('a long reason is cut in the cause', async () => {
    const long = 'z'.repeat(500);
    const store = storeWith(
      [{ accountId: id(1) }],
      [accountRecord(id(1), 'FAIL', { identity: { status: 'FAIL', message: long } })],
    );

    const result = await run(store);

    const line = result.cause.split('\n')[1] ?? '';
    expect(line.length).toBeLessThan(250);
    expect(line.endsWith('...')).toBe(true);
  });

  test('the result carries the run ID and the report location', async () => {
    const store = storeWith([{ accountId: id(1) }], [accountRecord(id(1), 'PASS')]);

    const result = await run(store);

    expect(result).toMatchObject({ runId: RUN.id, reportLocation: RUN.reportLocation });
  });
});

describe('summarize: summary.json', () => {
  test('is written in the run folder', async () => {
    const store = storeWith([{ accountId: id(1) }], [accountRecord(id(1), 'PASS')]);

    await run(store);

    expect(store.writes).toEqual([
      `runs/2030-01-02/${RUN.id}/summary.json`,
      `state/last-run/${scopeKeyOf('audit', ['identity'])}.json`,
    ]);
  });

  test('follows the schema of DESIGN.md', async () => {
    const skipped = [
      { accountId: id(9), name: 'Old', reason: 'account is SUSPENDED: only ACTIVE accounts are audited' },
    ];
    const store = storeWith([{ accountId: id(1), name: 'Prod' }], [accountRecord(id(1), 'PASS')], skipped);

    await run(store);

    expect(store.read<RunSummary>(RUN, 'summary.json')).toEqual({
      schemaVersion: SCHEMA_VERSION,
      runId: RUN.id,
      mode: 'audit',
      role: 'readOnly',
      checks: ['identity'],
      startedAt: RUN.startedAt,
      finishedAt: NOW.toISOString(),
      reportLocation: RUN.reportLocation,
      totals: { accounts: 1, pass: 1, fail: 0, error: 0, skipped: 1 },
      accounts: [{ accountId: id(1), name: 'Prod', status: 'PASS', checks: { identity: { status: 'PASS' } } }],
      skipped,
      changes: {
        compared: false,
        previousRunIds: [],
        counts: { new: 0, stillOpen: 0, resolved: 0, reopened: 0, notAssessed: 0, muted: 0 },
        newlyUnreachable: [],
        newlyUnreachableCount: 0,
        new: [],
        reopened: [],
        resolved: [],
        expiredMutes: [],
        expiredMuteCount: 0,
        expiredMuteFindings: 0,
        listCap: 50,
      },
      hasIssues: false,
    });
  });

  test('a missing targets.json is an error saying Resolve Targets did not finish', async () => {
    const store = new MemoryReportStore();

    await expect(run(store)).rejects.toThrow(/targets\.json is missing at .*: Resolve Targets did not finish/);
  });

  test('a missing targets.json writes no summary', async () => {
    const store = new MemoryReportStore();

    await run(store).catch(() => undefined);

    expect(store.writes).toEqual([]);
  });
});

describe('reasonOf', () => {
  test('the account error comes first', () => {
    expect(
      reasonOf({
        accountId: id(1),
        status: 'ERROR',
        checks: { identity: { status: 'FAIL', message: 'other' } },
        error: { kind: 'TIMEOUT', message: 'timed out' },
      }),
    ).toBe('TIMEOUT: timed out');
  });

  test('then the first failing check, with its error when it has one', () => {
    expect(
      reasonOf({
        accountId: id(1),
        status: 'ERROR',
        checks: {
          identity: { status: 'PASS' },
          'cloudtrail-delivery': { status: 'ERROR', error: { kind: 'ACCESS_DENIED', message: 'denied' } },
        },
      }),
    ).toBe('cloudtrail-delivery: ACCESS_DENIED: denied');
  });

  test('record text is stripped of control and bidi characters and bounded', () => {
    const reason = reasonOf({
      accountId: id(1),
      status: 'FAIL',
      checks: { identity: { status: 'FAIL', message: `line one\nline two\u001b[31m\u202e${'x'.repeat(2_000)}` } },
    });

    expect(reason).toMatch(/^identity: line one line two x+…$/);
    expect(reason.length).toBeLessThanOrEqual(512);
    expect(
      reasonOf({ accountId: id(1), status: 'ERROR', checks: {}, error: { kind: 'UNKNOWN', message: 'a\r\nb\u0007' } }),
    ).toBe('UNKNOWN: a b');
  });

  test('a failing check without message or error gives its status', () => {
    expect(reasonOf({ accountId: id(1), status: 'FAIL', checks: { identity: { status: 'FAIL' } } })).toBe(
      'identity: FAIL',
    );
  });
});

describe('summarize: the Map error and records that do not match', () => {
  test('an empty $.mapError ({} from the Map ResultSelector) is a successful fan-out', async () => {
    const store = storeWith([{ accountId: id(1) }], [accountRecord(id(1), 'PASS')]);

    const result = await summarize({ run: RUN, mapError: {} }, { store, now: () => NOW });

    expect(result.hasIssues).toBe(false);
    expect(store.read<RunSummary>(RUN, 'summary.json')?.mapError).toBeUndefined();
  });

  test("the Map's error is kept in the summary, named in the cause and on every target without a record", async () => {
    const store = storeWith([{ accountId: id(1) }, { accountId: id(2) }], [accountRecord(id(1), 'PASS')]);
    const mapError = { Error: 'States.ExceedToleratedFailureThreshold', Cause: 'too many\nchildren failed' };

    const result = await summarize({ run: RUN, mapError }, { store, now: () => NOW });

    const summary = store.read<RunSummary>(RUN, 'summary.json');
    expect(summary?.mapError).toEqual({
      kind: 'UNKNOWN',
      message: 'States.ExceedToleratedFailureThreshold: too many children failed',
    });
    expect(summary?.accounts[1]?.error?.message).toBe(
      'no result recorded (the map failed: States.ExceedToleratedFailureThreshold: too many children failed)',
    );
    expect(result.cause).toContain('The Audit Accounts map failed: States.ExceedToleratedFailureThreshold');
    expect(result.hasIssues).toBe(true);
  });

  test('a failed Map is an issue even when every target has a record', async () => {
    const store = storeWith([{ accountId: id(1) }], [accountRecord(id(1), 'PASS')]);

    const result = await summarize({ run: RUN, mapError: { Error: 'States.Timeout' } }, { store, now: () => NOW });

    expect(result.totals.pass).toBe(1);
    expect(result.hasIssues).toBe(true);
    expect(store.read<RunSummary>(RUN, 'summary.json')).toMatchObject({
      mapError: { kind: 'TIMEOUT' },
      hasIssues: true,
    });
  });

  test('a record of another run is treated as no record', async () => {
    const stale = { ...accountRecord(id(1), 'PASS'), runId: 'ct-audit-run-2' };
    const store = storeWith([{ accountId: id(1) }], [stale]);

    const result = await run(store);

    expect(store.read<RunSummary>(RUN, 'summary.json')?.accounts[0]).toMatchObject({
      accountId: id(1),
      status: 'ERROR',
      error: { kind: 'NO_RESULT', message: 'no result recorded' },
    });
    expect(result.totals).toMatchObject({ pass: 0, error: 1 });
  });

  test('a record that names another account is treated as no record', async () => {
    const store = storeWith([{ accountId: id(1) }]);
    store.seed(RUN, `accounts/${id(1)}.json`, accountRecord(id(2), 'PASS'));

    const result = await run(store);

    expect(store.read<RunSummary>(RUN, 'summary.json')?.accounts[0]?.status).toBe('ERROR');
    expect(result.totals.pass).toBe(0);
  });
});

describe('summarize: the Fail cause', () => {
  test('holds no control character from a record or a skipped reason: one line per issue', async () => {
    const store = storeWith(
      [{ accountId: id(1) }],
      [
        accountRecord(id(1), 'ERROR', {
          identity: {
            status: 'ERROR',
            error: { kind: 'LAMBDA_FAILURE', message: 'Require stack:\n- /var/task\u001b[31m\u202e' },
          },
        }),
      ],
      [{ accountId: '999999999999', reason: 'not a member\nof o-a1b2c3d4e5\u0007', requested: true }],
    );

    const result = await run(store);

    const lines = result.cause.split('\n');
    expect(lines).toContain(`${id(1)} ERROR identity: LAMBDA_FAILURE: Require stack: - /var/task`);
    expect(lines).toContain('999999999999 was asked for and not audited: not a member of o-a1b2c3d4e5');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    for (const line of lines) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
  });
});

describe('summarize: a record that is not valid', () => {
  test("an unknown status is the account's ERROR with what is wrong, never a status of its own", async () => {
    const odd = { ...accountRecord(id(2), 'PASS'), status: 'x"><meta http-equiv=refresh>' as Status };
    const bogusCheck = accountRecord(id(3), 'PASS', { identity: { status: 'BOGUS' as Status } });
    const store = storeWith(
      [{ accountId: id(1) }, { accountId: id(2) }, { accountId: id(3) }],
      [accountRecord(id(1), 'PASS'), odd, bogusCheck],
    );

    const result = await run(store);

    expect(result.totals).toEqual({ accounts: 3, pass: 1, fail: 0, error: 2, skipped: 0 });
    expect(result.hasIssues).toBe(true);
    const accounts = store.read<RunSummary>(RUN, 'summary.json')?.accounts ?? [];
    expect(accounts[1]).toEqual({
      accountId: id(2),
      status: 'ERROR',
      checks: {},
      error: {
        kind: 'INVALID_INPUT',
        message: expect.stringContaining(`accounts/${id(2)}.json is not a valid account record: status is`),
      },
    });
    expect(accounts[2]?.error?.message).toContain('checks.identity.status is "BOGUS"');
  });

  test("a record without checks is its account's ERROR; the run goes on", async () => {
    const { checks: _checks, ...noChecks } = accountRecord(id(2), 'PASS');
    const store = storeWith([{ accountId: id(1) }, { accountId: id(2) }], [accountRecord(id(1), 'PASS')]);
    store.seed(RUN, `accounts/${id(2)}.json`, noChecks);

    const result = await run(store);

    expect(result.totals).toMatchObject({ pass: 1, error: 1 });
    expect(result.issues).toEqual([
      {
        accountId: id(2),
        status: 'ERROR',
        reason: expect.stringContaining('INVALID_INPUT: accounts/000000000002.json is not a valid account record'),
      },
    ]);
  });
});

describe('summarize: nothing audited is not a pass', () => {
  test('an account asked for and skipped makes the run an issue, with the reason in the cause', async () => {
    const store = storeWith(
      [{ accountId: id(1) }],
      [accountRecord(id(1), 'PASS')],
      [{ accountId: '999999999999', reason: 'not a member of organization o-a1b2c3d4e5', requested: true }],
    );

    const result = await run(store);

    expect(result.hasIssues).toBe(true);
    expect(store.read<RunSummary>(RUN, 'summary.json')?.hasIssues).toBe(true);
    expect(result.cause).toContain(
      '999999999999 was asked for and not audited: not a member of organization o-a1b2c3d4e5',
    );
  });

  test('a run with only skipped accounts, none audited, is an issue', async () => {
    const store = storeWith([], [], [{ accountId: '999999999999', reason: 'not a member', requested: true }]);

    const result = await run(store);

    expect(result).toMatchObject({ hasIssues: true, totals: { accounts: 0, pass: 0, skipped: 1 } });
    expect(result.cause).toContain('no account was audited');
  });

  test('a whole-organization run with zero targets is an issue', async () => {
    const store = storeWith([]);

    const result = await run(store);

    expect(result.hasIssues).toBe(true);
    expect(store.read<RunSummary>(RUN, 'summary.json')?.hasIssues).toBe(true);
  });

  test('accounts skipped in a whole-organization run (management, suspended) do not make an issue', async () => {
    const store = storeWith(
      [{ accountId: id(1) }],
      [accountRecord(id(1), 'PASS')],
      [{ accountId: id(9), reason: 'account is SUSPENDED: only ACTIVE accounts are audited' }],
    );

    expect((await run(store)).hasIssues).toBe(false);
  });
});
