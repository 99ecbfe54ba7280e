import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { cleanJson, JSON_FINDINGS_PER_CHECK, summaryWithFindings } from '../../../cli/commands/outcome';
import { renderRecord } from '../../../cli/commands/show';
import { main } from '../../../cli/main';
import { LocalReportStore } from '../../../functions/lib/report-store';
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

/** What a crafted record carries: retitle the window (OSC … BEL), clear the screen, a C1 CSI, a bidi override. */
const EVIL = '\u001b]0;title\u0007\u001b[2J\u009b31m\u202epwned-by-mallory';
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/;

describe('every field of a crafted record is cleaned', () => {
  const craftedRecord = (): AccountRecord => ({
    ...record([finding(1, { severity: `CRITICAL${EVIL}` as never })]),
    accountId: `111111111111${EVIL}`,
    runId: `run${EVIL}`,
    status: `ERROR${EVIL}` as never,
    startedAt: `2030${EVIL}`,
    finishedAt: `2031${EVIL}`,
    error: { kind: `ACCESS_DENIED${EVIL}` as never, message: `denied${EVIL}` },
    checks: {
      [`identity${EVIL}`]: {
        status: `PASS${EVIL}` as never,
        message: `ok${EVIL}`,
        error: { kind: `THROTTLED${EVIL}` as never, message: `slow${EVIL}` },
      },
    },
  });

  test('show: account, status, run, times, check keys and statuses, error kinds, severities', () => {
    const text = renderRecord(craftedRecord(), { name: `Prod${EVIL}`, findings: 5, location: './r/' });

    for (const line of text.split('\n')) expect(line).not.toMatch(UNSAFE);
    expect(text.split('\n')[0]).toBe(
      'Account 111111111111 pwned-by-mallory (Prod pwned-by-mallory)  ERROR pwned…  run run pwned-by-mallory',
    );
    expect(text).toContain('  identity pwned-by-mallory PASS pwned-… ok pwned-by-mallory');
    expect(text).toContain('  audited 2030 pwned-by-mallory to 2031 pwned-by-mallory');
    expect(text).toContain('      THROTTLED pwned-by-mallory: slow pwned-by-mallory');
  });

  test('--json: every string and key, messages and error messages too, not only finding titles', async () => {
    const store = new MemoryReportStore();
    store.seed(RUN, 'accounts/111111111111.json', record([finding(1, { eventName: `Console${EVIL}` })]));
    const summary = {
      schemaVersion: SCHEMA_VERSION,
      runId: RUN.id,
      mode: 'audit',
      role: 'readOnly',
      checks: ['cloudtrail-events'],
      startedAt: RUN.startedAt,
      finishedAt: RUN.startedAt,
      reportLocation: './r/',
      totals: { accounts: 1, pass: 0, fail: 1, error: 0, skipped: 1 },
      accounts: [
        {
          accountId: '111111111111',
          name: `Prod${EVIL}`,
          status: 'FAIL',
          checks: {
            'cloudtrail-events': { status: 'FAIL', message: `1 finding${EVIL}`, findings: 1 },
            [`identity${EVIL}`]: { status: 'ERROR', error: { kind: 'UNKNOWN', message: `boom${EVIL}` } },
          },
        },
      ],
      skipped: [{ accountId: '222222222222', reason: `closed${EVIL}` }],
      mapError: { kind: 'UNKNOWN', message: `States.Runtime${EVIL}` },
    } as RunSummary;

    const printed = JSON.stringify(await summaryWithFindings(summary, store));

    expect(printed).not.toMatch(UNSAFE);
    expect(printed).not.toContain('\\u001b');
    expect(printed).toContain('"message":"1 finding pwned-by-mallory"');
    expect(printed).toContain('"identity pwned-by-mallory":');
    expect(printed).toContain('"eventName":"Console pwned-by-mallory"');
  });

  test('cleanJson bounds a long string and keeps numbers, booleans and null', () => {
    expect(cleanJson({ a: 'x'.repeat(5_000), n: 3, b: true, z: null })).toEqual({
      a: `${'x'.repeat(1_999)}…`,
      n: 3,
      b: true,
      z: null,
    });
  });
});

describe('ct-audit show: the cause the "Caused by" lines point to', () => {
  const exposed = (cause: Finding['cause']): Finding => ({
    rule: 'network-exposure/world-ingress',
    severity: 'HIGH',
    title: 'sg-0abc admits tcp/22 from 0.0.0.0/0 (us-east-1)',
    resource: { type: 'AwsEc2SecurityGroup', id: 'sg-0abc', region: 'us-east-1' },
    ...(cause ? { cause } : {}),
  });

  test('a finding with a cause names the call, who made it, from where and when', () => {
    const text = renderRecord(
      record([
        exposed({
          eventName: 'AuthorizeSecurityGroupIngress',
          eventTime: '2030-01-02T05:12:00Z',
          principalArn: 'arn:aws:sts::111111111111:assumed-role/dev/mallory',
          sourceIp: '198.51.100.7',
        }),
      ]),
      { findings: 5, location: './r/' },
    );

    expect(text.split('\n')).toContain(
      '          caused by AuthorizeSecurityGroupIngress by arn:aws:sts::111111111111:assumed-role/dev/mallory ' +
        'from 198.51.100.7 at 2030-01-02T05:12:00Z',
    );
  });

  test('a cause with only its event prints the event alone; a finding without one prints no cause line', () => {
    const text = renderRecord(record([exposed({ eventName: 'PutBucketPolicy' }), exposed(undefined)]), {
      findings: 5,
      location: './r/',
    });

    expect(text.split('\n')).toContain('          caused by PutBucketPolicy');
    expect(text.match(/caused by/g)).toHaveLength(1);
  });

  test("the cause's text is cleaned and bounded like the rest of the record", () => {
    const text = renderRecord(
      record([exposed({ eventName: `Authorize${EVIL}`, principalArn: `arn${'x'.repeat(5_000)}`, sourceIp: EVIL })]),
      { findings: 5, location: './r/' },
    );

    const line = text.split('\n').find((candidate) => candidate.includes('caused by')) ?? '';
    expect(line).not.toMatch(UNSAFE);
    expect(line).toContain('caused by Authorize pwned-by-mallory by arnxxx');
    expect(line.length).toBeLessThan(400);
  });
});

describe('ct-audit show: the command it prints works as printed', () => {
  async function ctAudit(argv: string[]) {
    let out = '';
    let err = '';
    const stdout = { write: (text: string) => (out += text) };
    const stderr = Object.assign(new PassThrough(), { write: (text: string) => (err += text) });
    const code = await main(argv, { stdout, stderr: stderr as never });
    return { code, out, err };
  }

  test('a run in another --report-dir (with a space and a quote): the hint carries the folder, quoted', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ct-audit-show-')), "team's reports");
    await new LocalReportStore(dir).putJson(RUN, 'summary.json', {
      schemaVersion: SCHEMA_VERSION,
      runId: RUN.id,
      mode: 'audit',
      role: 'readOnly',
      checks: ['identity'],
      startedAt: RUN.startedAt,
      finishedAt: RUN.startedAt,
      reportLocation: `${dir}/${RUN.id}/`,
      totals: { accounts: 1, pass: 0, fail: 0, error: 1, skipped: 0 },
      accounts: [{ accountId: '111111111111', status: 'ERROR', checks: { identity: { status: 'ERROR' } } }],
      skipped: [],
    } satisfies RunSummary);
    await new LocalReportStore(dir).putJson(RUN, 'accounts/111111111111.json', record([finding(1)]));

    const table = await ctAudit(['show', '--run', RUN.id, '--report-dir', dir]);
    const hint = /read one with ct-audit (show .*)$/m.exec(table.out)?.[1] ?? '';
    expect(hint).toContain(`--report-dir '${dir.replace("'", "'\\''")}'`);
    // The words a shell makes of the hint.
    const words = execFileSync('sh', ['-c', `printf '%s\\0' ${hint}`])
      .toString()
      .split('\0')
      .slice(0, -1);
    const shown = await ctAudit(words);

    expect(shown.err).toBe('');
    expect(shown.out).toMatch(/^Account 111111111111 {2}ERROR/);
    expect(shown.code).toBe(0);
  });
});
