import { PassThrough, Writable } from 'node:stream';
import { printOutcome } from '../../../cli/commands/outcome';
import { EXIT } from '../../../cli/context';
import {
  accessDeniedHint,
  actionableFirst,
  displayLocation,
  Progress,
  reasonText,
  recordsFlags,
  renderCauses,
  renderSummary,
  shellWord,
  summaryHasIssues,
  tableWidth,
} from '../../../cli/output';
import { type RunSummary, SCHEMA_VERSION, type SummaryAccount } from '../../../functions/lib/types';
import { terminal } from '../../support/cli-output';
import { MemoryReportStore } from '../../support/unit-memory-store';

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

    expect(row).toMatch(
      /^333333333333\s+Sandbox\s+ERROR\s+identity\s+cannot assume aws-controltower-ReadOnlyExecutionRole in 333333333333 \[ACCESS_DENIED\]$/,
    );
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

    expect(lines(text).slice(-5)).toEqual([
      'Accounts: 3  PASS: 1  FAIL: 1  ERROR: 1  SKIPPED: 1',
      'Checks: identity  Role: readOnly  Run: ct-audit-run-5',
      'Report: /tmp/audit-reports/ct-audit-run-5/report.html',
      'Records: /tmp/audit-reports/ct-audit-run-5/accounts/<account>.json (every check, message and finding); ' +
        'read one with ct-audit show --run ct-audit-run-5 --account 333333333333',
      '',
    ]);
  });
});

describe('renderSummary: why, not only what', () => {
  const denied: SummaryAccount = {
    ...ERROR,
    checks: {
      identity: {
        status: 'ERROR',
        error: {
          kind: 'ACCESS_DENIED',
          message:
            'cannot assume aws-controltower-ReadOnlyExecutionRole in 333333333333: is the account enrolled in ' +
            'Control Tower, and does the role trust the Audit account? (AccessDenied: User: arn:aws:sts::1:x is ' +
            'not authorized to perform: sts:AssumeRole)',
        },
      },
    },
  };

  test('the reason puts the advice first, then what happened, the SDK detail and the kind last', () => {
    expect(reasonText(denied)).toBe(
      'is the account enrolled in Control Tower, and does the role trust the Audit account? — cannot assume ' +
        'aws-controltower-ReadOnlyExecutionRole in 333333333333 (AccessDenied: User: arn:aws:sts::1:x is not ' +
        'authorized to perform: sts:AssumeRole) [ACCESS_DENIED]',
    );
  });

  test('a message with no advice in it is kept as it is', () => {
    expect(actionableFirst('us-east-1: newest file 2h 3m old')).toBe('us-east-1: newest file 2h 3m old');
  });

  test('output that is not a terminal (no width) is not cut', () => {
    const text = renderSummary(summary({ accounts: [denied] }));

    expect(rowOf(text, '333333333333')).toContain('sts:AssumeRole) [ACCESS_DENIED]');
    expect(text).not.toContain('…');
  });

  test('on a narrow terminal the advice survives the cut', () => {
    const row = rowOf(renderSummary(summary({ accounts: [denied] }), { width: 120 }), '333333333333');

    expect(row).toMatch(/is the account enrolled/);
    expect(row.endsWith('…')).toBe(true);
  });

  test('--only-issues leaves out the accounts that passed and says so', () => {
    const text = renderSummary(summary(), { onlyIssues: true });

    expect(rowOf(text, '111111111111')).toBe('');
    expect(rowOf(text, '222222222222')).not.toBe('');
    expect(text).toContain('(1 accounts that passed are not shown: --only-issues)');
  });

  test('a report folder under the working directory is shown relative to it, not as a machine path', () => {
    const text = renderSummary(summary({ reportLocation: '/home/me/project/audit-reports/run-5/' }), {
      cwd: '/home/me/project',
    });

    expect(text).toContain('Report: ./audit-reports/run-5/report.html');
    expect(text).not.toContain('/home/me');
  });

  test('a run with --report-bucket names report.html and the records in each place, the bucket as it is', () => {
    const text = renderSummary(
      summary({
        reportLocation: '/home/me/project/audit-reports/local-1/ and s3://my-bucket/runs/2030-01-02/local-1/',
      }),
      { cwd: '/home/me/project' },
    );

    expect(text).toContain(
      'Report: ./audit-reports/local-1/report.html and s3://my-bucket/runs/2030-01-02/local-1/report.html\n',
    );
    expect(text).toContain(
      'Records: ./audit-reports/local-1/accounts/<account>.json and ' +
        's3://my-bucket/runs/2030-01-02/local-1/accounts/<account>.json (every check',
    );
  });

  test('displayLocation makes only local folders under the working directory relative', () => {
    expect(displayLocation('/home/me/project/r/run/ and s3://b/runs/d/run/', '/home/me/project', 'report.html')).toBe(
      './r/run/report.html and s3://b/runs/d/run/report.html',
    );
    expect(displayLocation('/elsewhere/run/', '/home/me/project')).toBe('/elsewhere/run/');
  });

  describe('names with emoji and wide characters', () => {
    // Columns as a terminal draws them, for this test's characters: CJK and emoji take two.
    const columnsOf = (text: string) =>
      [...text].reduce((n, c) => n + (/[\u3040-\u9fff]|\p{Extended_Pictographic}/u.test(c) ? 2 : 1), 0);
    const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

    test('a name cut at the column width keeps an emoji whole or leaves it out, never half of it', () => {
      const text = renderSummary(summary({ accounts: [{ ...FAIL, name: `${'a'.repeat(22)}😀xyz` }] }), { width: 100 });

      expect(text).not.toMatch(loneSurrogate);
      expect(rowOf(text, '222222222222')).toContain(`${'a'.repeat(22)}…`);
    });

    test('columns line up after names of CJK characters, which take two columns each', () => {
      const text = renderSummary(
        summary({
          accounts: [
            { ...FAIL, name: '日本語の名前' },
            { ...ERROR, name: 'Sandbox' },
          ],
        }),
      );

      const [header = '', ...rows] = lines(text);
      const statusAt = header.indexOf('STATUS');
      for (const id of ['222222222222', '333333333333']) {
        const row = rowOf(text, id);
        expect(columnsOf(row.slice(0, row.search(/ (FAIL|ERROR) /) + 1))).toBe(statusAt);
      }
      expect(rows.length).toBeGreaterThan(0);
    });

    test('a wide name is cut to its columns, not its characters', () => {
      const text = renderSummary(summary({ accounts: [{ ...FAIL, name: '名'.repeat(30) }] }), { width: 100 });

      const row = rowOf(text, '222222222222');
      const name = row.slice(14, row.indexOf('…') + 1);
      expect(name).toBe(`${'名'.repeat(11)}…`);
      expect(columnsOf(name)).toBeLessThanOrEqual(24);
    });
  });

  test('control characters in names and reasons from records never reach the terminal', () => {
    const hostile: SummaryAccount = {
      ...FAIL,
      name: 'evil\u001b[2Jname',
      checks: { x: { status: 'FAIL', message: 'a\u202eb' } },
    };

    const text = renderSummary(summary({ accounts: [hostile] }));

    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u202e');
  });

  test('a skipped-only run of an account that was asked for says it is not a pass', () => {
    const text = renderSummary(
      summary({
        accounts: [],
        totals: { accounts: 0, pass: 0, fail: 0, error: 0, skipped: 1 },
        skipped: [{ accountId: '999999999999', reason: 'not a member of organization o-a1b2c3d4e5', requested: true }],
      }),
    );

    expect(text).toContain('Not a pass:');
    expect(text).toContain('999999999999 was asked for and not audited: not a member of organization o-a1b2c3d4e5');
    expect(text).toContain('no account was audited');
  });

  test('when every account is ACCESS_DENIED the hint says which credentials work', () => {
    const hint = accessDeniedHint(summary({ accounts: [denied] }));

    expect(hint).toMatch(/trust only the Audit account's Lambda roles/);
    expect(hint).toMatch(/ct-audit start/);
    expect(hint).toMatch(/roles\.createDedicatedRoles/);
    expect(accessDeniedHint(summary())).toBeUndefined();
  });
});

describe('renderCauses', () => {
  const exposed = (cause?: object) => ({
    rule: 'network-exposure/world-ingress',
    severity: 'HIGH',
    title: 'sg-0abc admits tcp/22 from 0.0.0.0/0 (us-east-1)',
    resource: { type: 'AwsEc2SecurityGroup', id: 'sg-0abc', region: 'us-east-1' },
    ...(cause ? { cause } : {}),
  });
  const withFindings = (...findingList: object[]): RunSummary =>
    summary({
      accounts: [
        {
          accountId: '222222222222',
          status: 'FAIL',
          checks: { 'network-exposure': { status: 'FAIL', findings: findingList.length, findingList } as never },
        },
      ],
    });

  test('names the call, the principal, the source IP and the time behind a current-state finding', () => {
    const text = renderCauses(
      withFindings(
        exposed({
          eventName: 'AuthorizeSecurityGroupIngress',
          eventTime: '2030-01-02T05:12:00Z',
          principalArn: 'arn:aws:sts::222222222222:assumed-role/dev/\u001b[31mmallory',
          sourceIp: '198.51.100.7',
        }),
      ),
    );

    expect(text).toContain(
      '222222222222  HIGH  sg-0abc admits tcp/22 from 0.0.0.0/0 (us-east-1) <- AuthorizeSecurityGroupIngress by ' +
        'arn:aws:sts::222222222222:assumed-role/dev/ mallory from 198.51.100.7 at 2030-01-02T05:12:00Z',
    );
    expect(text).not.toContain('\u001b');
  });

  test('says nothing when no finding has a cause', () => {
    expect(renderCauses(withFindings(exposed()))).toBe('');
  });

  test('shows at most ten lines and says how to see the rest', () => {
    const many = Array.from({ length: 12 }, () => exposed({ eventName: 'AuthorizeSecurityGroupIngress' }));

    const text = renderCauses(withFindings(...many));

    expect(text.split('\n').filter((line) => line.includes('<- '))).toHaveLength(10);
    expect(text).toContain('... and 2 more: ct-audit show --run ct-audit-run-5');
  });
});

describe('the commands the table names find the records again', () => {
  const CWD = '/home/me/project';

  test.each([
    [{ reportDir: 'audit-reports' }, ''],
    [{ reportDir: './audit-reports/' }, ''],
    [{ reportDir: '/home/me/project/audit-reports' }, ''],
    [{ reportDir: 'out/reports' }, ' --report-dir out/reports'],
    [{ reportDir: 'my reports' }, " --report-dir 'my reports'"],
    [{ reportDir: "it's; rm -rf ~" }, " --report-dir 'it'\\''s; rm -rf ~'"],
    [{ reportDir: '$HOME/`x`' }, " --report-dir '$HOME/`x`'"],
    [{ reportDir: 'out\u001b[2Jx' }, ' --report-dir <the folder given>'],
    [{ reportDir: 'out', reportBucket: 'b' }, ' --report-dir out'],
    [{ reportBucket: 'audit-bucket-1' }, ' --report-bucket audit-bucket-1'],
    [{}, ''],
  ])('%j: %j', (at, flags) => {
    expect(recordsFlags(at, CWD)).toBe(flags);
  });

  test('a quoted word is read back by a shell as it was', () => {
    expect(shellWord("a b'c")).toBe("'a b'\\''c'");
    expect(shellWord('plain/path-1.2')).toBe('plain/path-1.2');
  });

  test('the Records line and the Caused-by overflow carry --report-dir when it is not the default', () => {
    const many = Array.from({ length: 11 }, () => ({
      rule: 'network-exposure/world-ingress',
      severity: 'HIGH',
      title: 'sg-0abc admits tcp/22 from 0.0.0.0/0 (us-east-1)',
      cause: { eventName: 'AuthorizeSecurityGroupIngress' },
    }));
    const run = summary({
      accounts: [
        {
          ...FAIL,
          checks: { 'network-exposure': { status: 'FAIL', findings: 11, findingList: many } as never },
        },
      ],
    });
    const records = { reportDir: 'my reports' };

    expect(renderSummary(run, { records })).toMatch(
      /read one with ct-audit show --run ct-audit-run-5 --account 222222222222 --report-dir 'my reports'$/m,
    );
    expect(renderCauses(run, { records })).toContain(
      "... and 1 more: ct-audit show --run ct-audit-run-5 --account <account> --report-dir 'my reports'",
    );
    expect(renderSummary(run)).toMatch(/ct-audit show --run ct-audit-run-5 --account 222222222222$/m);
  });

  test.each([
    [{ reportDir: 'elsewhere' }, / --report-dir elsewhere$/m],
    [{ reportDir: 'audit-reports', reportBucket: 'b' }, /--account 333333333333$/m],
    // `start`: the records are only in the stack's bucket.
    [{ reportBucket: 'stack-bucket' }, / --report-bucket stack-bucket$/m],
  ])('printOutcome with %j names where to read them', async (flags, hint) => {
    let stdout = '';
    const io = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: Object.assign(new PassThrough(), { write: () => true }),
    };

    await printOutcome(io, flags, { summary: summary(), store: new MemoryReportStore() });

    expect(lines(stdout).find((line) => line.startsWith('Records: '))).toMatch(hint);
  });
});

describe('the width the table is cut to', () => {
  test("a terminal's columns; nothing when piped or redirected, whatever COLUMNS says", () => {
    expect(tableWidth({ write: () => true, isTTY: true, columns: 90 })).toBe(90);
    expect(tableWidth({ write: () => true, isTTY: true })).toBe(140);
    expect(tableWidth({ write: () => true, columns: 90 })).toBeUndefined();
    expect(tableWidth({ write: () => true, isTTY: false, columns: 90 })).toBeUndefined();
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

describe('Progress on a terminal', () => {
  test('advances as each account finishes and counts FAIL and ERROR apart', () => {
    const { written, stream } = terminal();
    const progress = new Progress(stream as never, true);

    progress.start(40);
    for (let i = 0; i < 40; i++) progress.started();
    progress.finished();
    progress.account('FAIL');
    const afterOne = written.join('');
    progress.finished();
    progress.account('ERROR');
    const afterTwo = written.join('');
    progress.stop();

    expect(afterOne).toMatch(/1\/40 \| 39 running \| 1 FAIL \| 0 ERROR/);
    expect(afterTwo).toMatch(/2\/40 \| 38 running \| 1 FAIL \| 1 ERROR/);
  });
});

describe('the verdict agrees with Summarize', () => {
  const allPass = (overrides: Partial<RunSummary> = {}) =>
    summary({
      totals: { accounts: 1, pass: 1, fail: 0, error: 0, skipped: 0 },
      accounts: [PASS],
      skipped: [],
      ...overrides,
    });
  const mapError = { kind: 'UNKNOWN' as const, message: 'States.ItemReaderFailed: the map failed' };

  async function printed(run: RunSummary, endState = 'Audit Found Issues') {
    let stdout = '';
    const io = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: Object.assign(new PassThrough(), { write: () => true }),
    };
    const code = await printOutcome(io, {}, { summary: run, endState, store: new MemoryReportStore() });
    return { code, stdout };
  }

  test('a failed Audit Accounts map is never a pass, even when every record says PASS: exit 1', async () => {
    const { code, stdout } = await printed(allPass({ mapError }));

    expect(stdout).toContain('Outcome: Audit Found Issues');
    expect(code).toBe(EXIT.issues);
  });

  test('the map error is printed under what was not a pass', () => {
    const text = renderSummary(allPass({ mapError }));

    const at = lines(text).indexOf('Not a pass:');
    expect(at).toBeGreaterThan(0);
    expect(lines(text)[at + 1]).toBe(
      '  the Audit Accounts map failed: States.ItemReaderFailed: the map failed [UNKNOWN]',
    );
  });

  test('all PASS and no map error is a pass: exit 0, and no such section', async () => {
    const { code, stdout } = await printed(allPass(), 'Audit Passed');

    expect(stdout).not.toContain('Not a pass');
    expect(code).toBe(EXIT.passed);
  });

  test("the summary's own hasIssues, when it carries one, is the verdict", () => {
    expect(summaryHasIssues({ ...allPass(), hasIssues: true } as RunSummary)).toBe(true);
    expect(summaryHasIssues({ ...summary(), hasIssues: false } as RunSummary)).toBe(false);
    expect(summaryHasIssues(summary())).toBe(true);
  });
});

/** What a crafted record carries: retitle the window (OSC … BEL), clear the screen, a C1 CSI, a bidi override. */
const EVIL = '\u001b]0;title\u0007\u001b[2J\u009b31m\u202epwned-by-mallory';
// Control characters (newline aside: the output's own lines), DEL, C1 controls, and the format characters cleanText strips.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/;

/** A summary.json whose every field a person could craft carries {@link EVIL}. */
function crafted(): RunSummary {
  return {
    ...summary(),
    runId: `run${EVIL}`,
    role: `readOnly${EVIL}` as never,
    checks: [`identity${EVIL}`],
    reportLocation: `/tmp/r${EVIL}/`,
    totals: { accounts: `3${EVIL}`, pass: 1, fail: 1, error: 1, skipped: 1 } as never,
    accounts: [
      { ...PASS, accountId: `111111111111${EVIL}` },
      {
        accountId: `222222222222${EVIL}`,
        name: `Dev${EVIL}`,
        status: `FAIL${EVIL}` as never,
        checks: {
          [`identity${EVIL}`]: {
            status: 'ERROR',
            error: { kind: `ACCESS_DENIED${EVIL}` as never, message: `denied${EVIL}` },
            findings: 1,
            findingList: [
              {
                rule: 'network-exposure/open',
                severity: `HIGH${EVIL}`,
                title: `open${EVIL}`,
                cause: { eventName: `Authorize${EVIL}`, principalArn: `arn${EVIL}` },
              },
            ],
          } as never,
        },
      },
    ],
    skipped: [{ accountId: `444444444444${EVIL}`, reason: `gone${EVIL}`, requested: true }],
    mapError: { kind: `UNKNOWN${EVIL}` as never, message: `States.Runtime${EVIL}` },
  };
}

describe('text from records never reaches the terminal raw', () => {
  test('the table: IDs, statuses, check keys, error kinds, totals, checks, role, run, location, map error', () => {
    const text = renderSummary(crafted()) + renderCauses(crafted());

    for (const line of lines(text)) expect(line).not.toMatch(UNSAFE);
    expect(text).toMatch(/^222222222222 pwned-by-mallory\s+Dev/m);
    expect(text).toContain(
      'Checks: identity pwned-by-mallory  Role: readOnly pwned-by-mallory  Run: run pwned-by-mallory',
    );
    expect(text).toContain('  222222222222 pwned-by-mallory  HIGH pwned-…  open pwned-by-mallory <- Authorize');
  });

  test("a field that is not a status is cut to a status's length", () => {
    const long = { ...FAIL, status: 'X'.repeat(500) as never };

    expect(rowOf(renderSummary(summary({ accounts: [long] })), FAIL.accountId)).not.toContain('X'.repeat(13));
  });
});
