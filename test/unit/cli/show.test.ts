import { JSON_FINDINGS_PER_CHECK, summaryWithFindings } from '../../../cli/commands/outcome';
import { renderRecord } from '../../../cli/commands/show';
import { type AccountRecord, type Finding, type RunSummary, SCHEMA_VERSION } from '../../../functions/lib/types';
import { MemoryReportStore } from '../../support/unit-memory-store';

const RUN = { id: 'local-20300102T060000Z-abc123', startedAt: '2030-01-02T06:00:00.000Z' };

function finding(n: number, overrides: Partial<Finding> = {}): Finding {
  return {
    rule: 'root-activity',
    severity: 'CRITICAL',
    title: `Root user called ConsoleLogin #${n}`,
    region: 'us-east-1',
    eventTime: '2030-01-02T05:00:00Z',
    eventName: 'ConsoleLogin',
    principalArn: 'arn:aws:iam::111111111111:root',
    ...overrides,
  };
}

function record(findings: Finding[]): AccountRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    accountId: '111111111111',
    runId: RUN.id,
    status: 'ERROR',
    checks: {
      identity: {
        status: 'ERROR',
        message: 'cannot assume aws-controltower-ReadOnlyExecutionRole in 111111111111',
        error: {
          kind: 'ACCESS_DENIED',
          message: 'cannot assume the role in 111111111111: is the account enrolled in Control Tower?',
        },
      },
      'cloudtrail-events': { status: 'FAIL', message: `${findings.length} findings`, findings },
    },
    startedAt: RUN.startedAt,
    finishedAt: '2030-01-02T06:00:05.000Z',
  };
}

describe('ct-audit show: an account record, readably', () => {
  test('each check with its status and message, the error with its advice first, and the findings', () => {
    const text = renderRecord(record([finding(1)]), { name: 'Prod', findings: 50, location: './audit-reports/r/' });

    expect(text.split('\n')).toEqual([
      `Account 111111111111 (Prod)  ERROR  run ${RUN.id}`,
      `  audited ${RUN.startedAt} to 2030-01-02T06:00:05.000Z`,
      '  identity               ERROR   cannot assume aws-controltower-ReadOnlyExecutionRole in 111111111111',
      '      ACCESS_DENIED: is the account enrolled in Control Tower? — cannot assume the role in 111111111111',
      '  cloudtrail-events      FAIL    1 findings',
      '      CRITICAL root-activity  Root user called ConsoleLogin #1',
      '          us-east-1  2030-01-02T05:00:00Z  ConsoleLogin  arn:aws:iam::111111111111:root',
      '',
      'Record: ./audit-reports/r/accounts/111111111111.json',
      '',
    ]);
  });

  test('findings beyond --findings are counted, not printed', () => {
    const text = renderRecord(record(Array.from({ length: 7 }, (_, n) => finding(n))), {
      findings: 5,
      location: './r/',
    });

    expect(text.match(/Root user called/g)).toHaveLength(5);
    expect(text).toContain('... and 2 more findings (--findings N shows more)');
  });

  test('control characters from a record never reach the terminal', () => {
    const text = renderRecord(record([finding(1, { title: 'evil\u001b[2J\u202etitle' })]), {
      findings: 5,
      location: './r/',
    });

    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u202e');
  });
});

describe('--json: each check carries its findings, capped, with the count', () => {
  test(`at most ${JSON_FINDINGS_PER_CHECK} findings per check, and how many the record holds`, async () => {
    const store = new MemoryReportStore();
    const held = Array.from({ length: 25 }, (_, n) => finding(n));
    store.seed(RUN, 'accounts/111111111111.json', record(held));
    const summary: RunSummary = {
      schemaVersion: SCHEMA_VERSION,
      runId: RUN.id,
      mode: 'audit',
      role: 'readOnly',
      checks: ['identity', 'cloudtrail-events'],
      startedAt: RUN.startedAt,
      finishedAt: RUN.startedAt,
      reportLocation: './r/',
      totals: { accounts: 1, pass: 0, fail: 0, error: 1, skipped: 0 },
      accounts: [
        {
          accountId: '111111111111',
          status: 'ERROR',
          checks: {
            identity: { status: 'ERROR', message: 'cannot assume' },
            'cloudtrail-events': { status: 'FAIL', message: '25 findings', findings: 25 },
          },
        },
      ],
      skipped: [],
    };

    const full = await summaryWithFindings(summary, store);

    const check = full.accounts[0]?.checks['cloudtrail-events'] as Record<string, unknown>;
    expect(check).toMatchObject({ status: 'FAIL', message: '25 findings', findings: 25, findingsShown: 20 });
    expect(check.findingList).toHaveLength(JSON_FINDINGS_PER_CHECK);
    expect(full.accounts[0]?.checks.identity).toEqual({ status: 'ERROR', message: 'cannot assume' });
  });
});
