import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { answerApproval } from '../../../cli/commands/approve';
import { terminalApprover } from '../../../cli/commands/remediate';
import { exitCodeOf, renderAccountProblems, renderPlan } from '../../../cli/commands/remediation-output';
import { SANDBOX_UNDO_NOTE } from '../../../cli/commands/sandbox-remediate';
import { main } from '../../../cli/main';
import { RejectedError } from '../../../cli/remediate-engine';
import { SANDBOX_AUDIT_STATE, SANDBOX_REMEDIATION_STATE } from '../../../cli/sandbox/marks';
import { LocalReportStore } from '../../../functions/lib/report-store';
import { type AccountPlan, PATHS, type RemediationRunDocument } from '../../../functions/remediations/documents';
import type { PlanSummary } from '../../../functions/remediations/review';
import { REMEDIATION_OUTCOMES, type RemediationSummary } from '../../../functions/remediations/summarize';
import { auditSummary, remediationRun } from '../../support/remediation-factories';
import { MemoryReportStore } from '../../support/unit-memory-store';

const sfn = mockClient(SFNClient);
const sts = mockClient(STSClient);
const REQUEST = { run: remediationRun(), totals: { planned: 3, accounts: 2, accountErrors: 0, itemErrors: 0 } };

function io() {
  let out = '';
  const writer = { write: (text: string) => (out += text) };
  return { io: { stdout: writer, stderr: Object.assign(new PassThrough(), writer) }, out: () => out };
}

function terminal(isTTY: boolean) {
  const input = Object.assign(new PassThrough(), { isTTY });
  return { input, output: new PassThrough() };
}

describe('the local Approve Remediations', () => {
  it('approves with --approve, naming who', async () => {
    const approval = await terminalApprover({ approve: true, terminal: terminal(false) })(REQUEST);

    expect(approval).toEqual({
      approved: true,
      approvedBy: expect.stringMatching(/^local:.+ \(--approve\)$/),
      approvedAt: expect.any(String),
    });
  });

  it('refuses when stdin is not a terminal and --approve is not given', async () => {
    await expect(terminalApprover({ approve: false, terminal: terminal(false) })(REQUEST)).rejects.toThrow(
      RejectedError,
    );
  });

  it.each([
    ['y\n', true],
    ['yes\n', true],
    ['\n', false],
    ['n\n', false],
  ])('asks y/N on a terminal: %j approves: %s', async (answer, approved) => {
    const tty = terminal(true);
    const asking = terminalApprover({ approve: false, terminal: tty })(REQUEST);
    tty.input.write(answer);

    if (approved) await expect(asking).resolves.toMatchObject({ approved: true });
    else await expect(asking).rejects.toThrow(/rejected on the terminal/);
  });
});

describe('ct-audit approve / reject', () => {
  const store = new MemoryReportStore();
  beforeAll(() => store.putState(PATHS.approvalToken('remediation-run-1'), { taskToken: 'token-abc' }));
  beforeEach(() => {
    sfn.reset();
    sts.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:sts::999999999999:assumed-role/SecOps/alice' });
  });
  const deps = () => ({
    store,
    sfn: new SFNClient({}),
    sts: new STSClient({}),
    now: () => new Date('2030-01-02T08:00:00Z'),
  });

  it('approve sends the token back with who approved and when', async () => {
    const { io: out } = io();

    const code = await answerApproval(out, { runId: 'remediation-run-1', approve: true }, deps());

    expect(code).toBe(0);
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: 'token-abc',
      output: JSON.stringify({
        approved: true,
        approvedBy: 'arn:aws:sts::999999999999:assumed-role/SecOps/alice',
        approvedAt: '2030-01-02T08:00:00.000Z',
      }),
    });
  });

  it('reject fails the task with RemediationRejected and the reason', async () => {
    const { io: out } = io();

    await answerApproval(out, { runId: 'remediation-run-1', approve: false, reason: 'change freeze' }, deps());

    expect(sfn).toHaveReceivedCommandWith(SendTaskFailureCommand, {
      taskToken: 'token-abc',
      error: 'RemediationRejected',
      cause: expect.stringMatching(/^change freeze \(by arn:aws:sts::999999999999:assumed-role\/SecOps\/alice/),
    });
  });

  it('names a run that is not waiting', async () => {
    await expect(answerApproval(io().io, { runId: 'other-run', approve: true }, deps())).rejects.toThrow(
      /other-run is not waiting for approval/,
    );
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });
});

describe('ct-audit remediate: invalid requests exit 2 with a message that says what is wrong', () => {
  const run = async (...argv: string[]) => {
    let out = '';
    let err = '';
    const stdout = {
      write: (text: string) => {
        out += text;
        return true;
      },
    };
    const stderr = Object.assign(new PassThrough(), {
      write: (text: string) => {
        err += text;
        return true;
      },
    });
    const code = await main(argv, { stdout, stderr: stderr as never });
    return { code, out, err };
  };
  const dir = mkdtempSync(join(tmpdir(), 'ct-audit-remediate-'));
  const settings = join(dir, 'settings.json');
  writeFileSync(settings, '{}');

  it('needs exactly one of --plan and --apply', async () => {
    const result = await run('remediate', '--run', 'audit-run-1', '--report-dir', dir, '--settings', settings);

    expect(result.code).toBe(2);
    expect(result.err).toMatch(/give exactly one of --plan \(change nothing\) or --apply/);
  });

  it('names an audit run that does not exist', async () => {
    const result = await run(
      'remediate',
      '--run',
      'no-such-run',
      '--plan',
      '--report-dir',
      dir,
      '--settings',
      settings,
    );

    expect(result.code).toBe(2);
    expect(result.err).toMatch(/InvalidInput: no finished audit run no-such-run/);
  });

  // `..` passed the old patterns ([\w.:-]{1,80}): a local report store joined it into a path and read the folder
  // above the reports. Every command that takes a run ID refuses it before any store is read.
  it.each([
    ['remediate', '--plan', /auditRunId: must be the ID of a finished audit run/],
    ['approve', '', /--run must be a remediation run ID \(got "\.\."\)/],
    ['reject', '', /--run must be a remediation run ID \(got "\.\."\)/],
    ['undo', '', /--run must be a remediation run ID \(got "\.\."\)/],
    ['show', '', /--run must be a run ID \(got "\.\."\)/],
    ['report', '', /--run must be a run ID/],
  ])('%s refuses the run ID ".." (it would name the folder above the reports)', async (command, flag, message) => {
    const result = await run(
      command,
      '--run',
      '..',
      ...(flag ? [flag] : []),
      '--report-dir',
      dir,
      '--settings',
      settings,
    );

    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });
});

describe('ct-audit remediate of a sandbox audit run', () => {
  // A sandbox's findings describe its emulator, which stopped with it: planned and applied here, the fixes would go
  // to whatever the shell points at, real AWS included.
  it.each(['--plan', '--apply'])(
    'refuses it (%s) with exit 2 before any AWS call, and writes nothing',
    async (mode) => {
      sts.reset();
      const dir = mkdtempSync(join(tmpdir(), 'ct-audit-remediate-sandbox-'));
      const store = new LocalReportStore(dir);
      const runId = 'local-20300102T055900Z-abc123';
      await store.putState(SANDBOX_AUDIT_STATE(runId), { sandbox: true });
      const settings = join(dir, 'settings.json');
      writeFileSync(settings, '{}');
      const before = readdirSync(dir, { recursive: true }).sort();
      let err = '';
      const stderr = Object.assign(new PassThrough(), { write: (text: string) => (err += text) });

      const code = await main(
        ['remediate', '--run', runId, mode, '--approve', '--report-dir', dir, '--settings', settings],
        { stdout: { write: () => true }, stderr: stderr as never },
      );

      expect(code).toBe(2);
      expect(err).toMatch(
        /audit run local-20300102T055900Z-abc123 was made by ct-audit sandbox: .* will not plan or apply/,
      );
      expect(err).toMatch(/run ct-audit sandbox --remediate/);
      expect(sts.calls()).toHaveLength(0);
      expect(readdirSync(dir, { recursive: true }).sort()).toEqual(before);
    },
  );
});

describe('ct-audit undo of a sandbox remediation run', () => {
  // `sandbox --remediate` changed an emulator that stopped with it: an undo would reach whatever the shell points
  // at, real AWS included (it tried the sandbox's account IDs there and recorded the failures).
  it('refuses it with exit 2 before any AWS call, and writes nothing', async () => {
    sts.reset();
    const dir = mkdtempSync(join(tmpdir(), 'ct-audit-undo-'));
    const store = new LocalReportStore(dir);
    const runId = 'local-remediate-20300102T060000Z-abc123';
    await store.putState(PATHS.runPointer(runId), { id: runId, startedAt: '2030-01-02T06:00:00.000Z' });
    await store.putState(SANDBOX_REMEDIATION_STATE(runId), { sandbox: true, auditRunId: 'local-20300102T055900Z-x' });
    const settings = join(dir, 'settings.json');
    writeFileSync(settings, '{}');
    let err = '';
    const stderr = Object.assign(new PassThrough(), { write: (text: string) => (err += text) });

    const code = await main(['undo', '--run', runId, '--report-dir', dir, '--settings', settings], {
      stdout: { write: () => true },
      stderr: stderr as never,
    });

    expect(code).toBe(2);
    expect(err).toMatch(/was made by ct-audit sandbox --remediate: .* nothing to undo/);
    expect(sts.calls()).toHaveLength(0);
    expect(readdirSync(dir).filter((entry) => !entry.startsWith('.') && entry !== 'settings.json')).toEqual([]);
  });

  it('the sandbox prints no undo command, only why there is none', () => {
    expect(SANDBOX_UNDO_NOTE).not.toMatch(/ct-audit undo --run/);
    expect(SANDBOX_UNDO_NOTE).toMatch(/nothing to undo/);
  });
});

describe('ct-audit remediate: what it prints of a run that could not plan everything', () => {
  const run = remediationRun({ mode: 'plan' });
  const A = '111111111111';
  const B = '222222222222';
  const C = '333333333333';

  it.each([
    ['PLANNED', 0],
    ['NOTHING_TO_DO', 0],
    ['APPLIED', 0],
    ['INCOMPLETE', 1],
    ['OVER_CAP', 1],
    ['REJECTED', 1],
    ['FAILED', 1],
  ] as const)('%s exits %i', (outcome, code) => {
    expect(exitCodeOf(outcome)).toBe(code);
  });

  it('every outcome has its exit code here', () => {
    expect([...REMEDIATION_OUTCOMES].sort()).toEqual(
      ['PLANNED', 'NOTHING_TO_DO', 'APPLIED', 'INCOMPLETE', 'OVER_CAP', 'REJECTED', 'FAILED'].sort(),
    );
  });

  it('the plan shows every account Review Plan joined, the one without a plan file too, and those not planned', async () => {
    const store = new MemoryReportStore();
    const muted = {
      action: 'revoke-world-ingress',
      rule: 'network-exposure/world-ingress',
      resource: { type: 'AwsEc2SecurityGroup', id: 'sg-1', region: 'us-east-1', part: 'sgr-1' },
      evidence: {},
      severity: 'HIGH',
      key: 'sgr-1',
      decision: 'MUTED',
      reason: 'muted until 2030-06-30 (owner sec-team): bastion, reviewed',
      change: 'revoke sgr-1',
      risk: 'traffic stops',
    } as const;
    store.seed(run, PATHS.plan(A), {
      schemaVersion: 1,
      remediationRunId: run.id,
      auditRunId: run.auditRun.id,
      accountId: A,
      plannedAt: '2030-01-02T07:00:00.000Z',
      items: [muted],
      notes: [],
    } satisfies AccountPlan);
    store.seed(run, PATHS.planSummary, {
      accounts: [
        { accountId: A, planned: 0, decisions: { MUTED: 1 } },
        { accountId: B, planned: 0, decisions: {}, error: 'no plan recorded' },
      ],
    } as Partial<PlanSummary>);
    store.seed(run, PATHS.run, {
      skipped: [
        { accountId: C, kind: 'NOT_IN_AUDIT_RUN', reason: 'not in the audit run audit-run-1: nothing to plan' },
      ],
    } as Partial<RemediationRunDocument>);

    const text = await renderPlan(store, run, [A]);

    expect(text.split('\n')).toEqual([
      'Remediation plan remediation-run-1 for audit run audit-run-1 (mode plan)',
      `  ${A}  MUTED             revoke-world-ingress sg-1`,
      `${' '.repeat(34)}muted until 2030-06-30 (owner sec-team): bastion, reviewed`,
      `  ${B}: no plan recorded: nothing is applied here`,
      `  ${C}  NOT PLANNED       not in the audit run audit-run-1: nothing to plan`,
      '',
    ]);
  });

  it('after the outcome, it lists the accounts in error and those asked for that were not planned', () => {
    const summary = {
      accounts: [
        { accountId: A, planned: 1, decisions: { PLANNED: 1 }, results: {} },
        { accountId: B, planned: 0, decisions: {}, results: {}, error: 'the plan could not be made: denied' },
      ],
      skipped: [{ accountId: C, kind: 'NOT_ASSESSED', reason: 'the audit run audit-run-1 skipped it (SUSPENDED)' }],
    } as Partial<RemediationSummary> as RemediationSummary;

    expect(renderAccountProblems(summary)).toBe(
      'Accounts in error (nothing was applied to what could not be planned):\n' +
        `  ${B}  the plan could not be made: denied\n` +
        'Accounts asked for and not planned:\n' +
        `  ${C}  the audit run audit-run-1 skipped it (SUSPENDED)\n`,
    );
    expect(renderAccountProblems({ ...summary, accounts: [], skipped: [] })).toBe('');
  });

  it('lists an account the audit run could not assess apart: without --accounts, nobody asked for it', () => {
    const D = '444444444444';
    const summary = {
      accounts: [],
      skipped: [{ accountId: D, kind: 'AUDIT_ERROR', reason: 'the audit run audit-run-1 could not assess it (ERROR)' }],
    } as Partial<RemediationSummary> as RemediationSummary;

    expect(renderAccountProblems(summary)).toBe(
      `Not assessed by the audit run (not planned):\n  ${D}  the audit run audit-run-1 could not assess it (ERROR)\n`,
    );
  });
});

describe('ct-audit remediate --summary-file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ct-audit-remediate-file-'));
  const settings = join(dir, 'settings.json');
  writeFileSync(settings, '{}');
  // An audit run with no findings: the remediation runs to its end (nothing to do) without an AWS call.
  mkdirSync(join(dir, 'audit-run-1'));
  writeFileSync(join(dir, 'audit-run-1', 'summary.json'), JSON.stringify(auditSummary([])));
  // A file where the summary file's folder should be.
  writeFileSync(join(dir, 'blocker'), 'not a folder');
  const remediate = async (file: string) => {
    const { io: out, out: text } = io();
    let err = '';
    out.stderr.write = ((chunk: string) => {
      err += chunk;
      return true;
    }) as never;
    const argv = ['remediate', '--run', 'audit-run-1', '--apply', '--approve', '--report-dir', dir];
    const code = await main([...argv, '--settings', settings, '--summary-file', file], out);
    return { code, out: text(), err };
  };

  it('writes the remediation summary after printing the outcome', async () => {
    const result = await remediate(join(dir, 'out', 'remediation.json'));

    expect(result.out).toMatch(/^Remediation run \S+: Nothing To Remediate$/m);
    expect(JSON.parse(readFileSync(join(dir, 'out', 'remediation.json'), 'utf8'))).toMatchObject({
      outcome: 'NOTHING_TO_DO',
    });
    expect(result.code).toBe(0);
  });

  it('that cannot be written still prints the outcome, then says so, and exits 1 (not 2: the input was fine)', async () => {
    const result = await remediate(join(dir, 'blocker', 'remediation.json'));

    expect(result.out).toMatch(/^Remediation run \S+: Nothing To Remediate$/m);
    expect(result.out).toMatch(/^Records: /m);
    expect(result.err).toMatch(
      /^ct-audit: cannot write --summary-file .*blocker\/remediation\.json: .*; the outcome above stands, and the remediation's records are in /,
    );
    expect(result.code).toBe(1);
  });
});
