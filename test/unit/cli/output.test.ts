import { Writable } from 'node:stream';
import { Progress, renderSummary } from '../../../cli/output';
import { type RunSummary, SCHEMA_VERSION, type SummaryAccount } from '../../../functions/lib/types';

const PASS: SummaryAccount = {
  accountId: '111111111111',
  name: 'Prod',
  status: 'PASS',
  checks: { identity: { status: 'PASS' } },
};
const FAIL: SummaryAccount = {
  accountId: '222222222222',
  name: 'Dev',
  status: 'FAIL',
  checks: { identity: { status: 'FAIL', message: 'the session belongs to account 999999999999, not 222222222222' } },
};
const ERROR: SummaryAccount = {
  accountId: '333333333333',
  name: 'Sandbox',
  status: 'ERROR',
  checks: {
    identity: {
      status: 'ERROR',
      error: { kind: 'ACCESS_DENIED', message: 'cannot assume aws-controltower-ReadOnlyExecutionRole in 333333333333' },
    },
  },
};

function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    schemaVersion: SCHEMA_VERSION,
    runId: 'ct-audit-run-5',
    mode: 'audit',
    role: 'readOnly',
    checks: ['identity'],
    startedAt: '2030-01-02T06:00:00.000Z',
    finishedAt: '2030-01-02T06:01:00.000Z',
    reportLocation: '/tmp/audit-reports/ct-audit-run-5/',
    totals: { accounts: 3, pass: 1, fail: 1, error: 1, skipped: 1 },
    accounts: [PASS, FAIL, ERROR],
    skipped: [
      { accountId: '444444444444', name: 'Old', reason: 'account is SUSPENDED: only ACTIVE accounts are audited' },
    ],
    ...overrides,
  };
}

function lines(text: string): string[] {
  return text.split('\n');
}

function rowOf(text: string, accountId: string): string {
  return lines(text).find((line) => line.startsWith(accountId)) ?? '';
}

describe('renderSummary', () => {
  test('starts with the column headers', () => {
    expect(lines(renderSummary(summary()))[0]).toMatch(/^ACCOUNT\s+NAME\s+STATUS\s+FAILED CHECKS\s+REASON$/);
  });

  test('lists accounts with issues first: ERROR, then FAIL, then PASS', () => {
    const rows = lines(renderSummary(summary())).slice(1, 4);

    expect(rows.map((row) => row.slice(0, 12))).toEqual(['333333333333', '222222222222', '111111111111']);
  });

  test('accounts of the same status are in account order', () => {
    const other = { ...PASS, accountId: '000000000001', name: 'First' };

    const rows = lines(renderSummary(summary({ accounts: [PASS, other] }))).slice(1, 3);

    expect(rows.map((row) => row.slice(0, 12))).toEqual(['000000000001', '111111111111']);
  });

  test('an account with issues shows its failed checks and its reason', () => {
    const row = rowOf(renderSummary(summary()), '333333333333');

    expect(row).toMatch(/^333333333333\s+Sandbox\s+ERROR\s+identity\s+identity: ACCESS_DENIED: cannot assume/);
  });

  test('an account that passed shows no failed check and no reason', () => {
    expect(rowOf(renderSummary(summary()), '111111111111')).toMatch(/^111111111111\s+Prod\s+PASS\s+-$/);
  });

  test('a long reason is clipped to the width with an ellipsis', () => {
    const long: SummaryAccount = { ...FAIL, checks: { identity: { status: 'FAIL', message: 'x'.repeat(400) } } };

    const row = rowOf(renderSummary(summary({ accounts: [long] }), { width: 120 }), FAIL.accountId);

    expect(row.length).toBeLessThanOrEqual(120);
    expect(row.endsWith('…')).toBe(true);
  });

  test('lists the skipped accounts with their reasons after the accounts', () => {
    const text = renderSummary(summary());

    const at = lines(text).indexOf('Skipped (1):');
    expect(at).toBeGreaterThan(3);
    expect(lines(text)[at + 1]).toMatch(
      /^ {2}444444444444\s+Old\s+account is SUSPENDED: only ACTIVE accounts are audited$/,
    );
  });

  test('has no skipped section when nothing was skipped', () => {
    expect(renderSummary(summary({ skipped: [] }))).not.toContain('Skipped');
  });

  test('ends with the totals, the run and where the report is', () => {
    const text = renderSummary(summary());

    expect(lines(text).slice(-4)).toEqual([
      'Accounts: 3  PASS: 1  FAIL: 1  ERROR: 1  SKIPPED: 1',
      'Checks: identity  Role: readOnly  Run: ct-audit-run-5',
      'Report: /tmp/audit-reports/ct-audit-run-5/',
      '',
    ]);
  });
});

describe('Progress', () => {
  test('writes nothing when the stream is not a terminal', () => {
    const written: string[] = [];
    const stream = Object.assign(
      new Writable({
        write(chunk, _encoding, done) {
          written.push(String(chunk));
          done();
        },
      }),
      { isTTY: false },
    );
    const progress = new Progress(stream, true);

    progress.start(3);
    progress.account('ERROR');
    progress.stop();

    expect(written).toEqual([]);
  });
});
