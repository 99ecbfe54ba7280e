/**
 * `ct-audit start` against a fake of the deployed service's calls (aws-sdk-client-mock): StartExecution,
 * DescribeExecution, ListMapRuns / DescribeMapRun, and CloudFormation's DescribeStacks.
 *
 * Why a fake: the local engine is not the deployed service (it runs the Map inline and has no Map Runs), and moto
 * 5.2's Step Functions does not run a definition either: its executions stay RUNNING (or SUCCEED at once, by a
 * setting), ListMapRuns answers [] and DescribeMapRun {}. What is tested here is start's own part: the input and
 * validation it shares with `run`, finding the state machine, following the execution with the Map Run's counts,
 * reading summary.json from the report bucket and printing the same table and exit code as `run`.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  ListMapRunsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleLink, type StartDeps, type StartFlags, startCommand } from '../../../cli/commands/start';
import { EXIT } from '../../../cli/context';
import { type RunSummary, SCHEMA_VERSION } from '../../../functions/lib/types';
import { MemoryReportStore } from '../../support/unit-memory-store';

const sfn = mockClient(SFNClient);
const cloudformation = mockClient(CloudFormationClient);

const STATE_MACHINE = 'arn:aws:states:eu-west-1:222222222222:stateMachine:ControlTowerAuditWorkflow';
const NAME = 'ct-audit-test-1';
const EXECUTION = `arn:aws:states:eu-west-1:222222222222:execution:ControlTowerAuditWorkflow:${NAME}`;
const STARTED = new Date('2030-01-02T06:00:00.000Z');

function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    schemaVersion: SCHEMA_VERSION,
    runId: NAME,
    mode: 'audit',
    role: 'readOnly',
    checks: ['identity'],
    startedAt: STARTED.toISOString(),
    finishedAt: '2030-01-02T06:01:00.000Z',
    reportLocation: `s3://reports/runs/2030-01-02/${NAME}/`,
    totals: { accounts: 2, pass: 1, fail: 0, error: 1, skipped: 0 },
    accounts: [
      { accountId: '111111111111', name: 'Prod', status: 'PASS', checks: { identity: { status: 'PASS' } } },
      {
        accountId: '333333333333',
        name: 'Dev',
        status: 'ERROR',
        checks: {
          identity: { status: 'ERROR', error: { kind: 'ACCESS_DENIED', message: 'cannot assume the role' } },
        },
      },
    ],
    skipped: [],
    ...overrides,
  };
}

function buffer() {
  const chunks: string[] = [];
  return { chunks, write: (text: string) => chunks.push(text), text: () => chunks.join('') };
}

function setup(store = new MemoryReportStore()) {
  const stdout = buffer();
  const stderr = Object.assign(buffer(), { isTTY: false });
  const waits: number[] = [];
  const deps: StartDeps = {
    sfn: new SFNClient({ region: 'eu-west-1' }),
    cloudformation: new CloudFormationClient({ region: 'eu-west-1' }),
    store: () => store,
    wait: async (ms) => {
      waits.push(ms);
    },
    now: () => STARTED,
    requireCredentials: async () => undefined,
  };
  const io = { stdout, stderr: stderr as never };
  return { io, stdout, stderr, deps, waits, store };
}

const FLAGS: StartFlags = { stackName: 'ControlTowerAudit', name: NAME, wait: true, progress: false };

let cwd: string;
const savedCwd = process.cwd();

beforeEach(() => {
  sfn.reset();
  cloudformation.reset();
  cloudformation.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'ControlTowerAudit',
        CreationTime: STARTED,
        StackStatus: 'CREATE_COMPLETE',
        Outputs: [
          { OutputKey: 'StateMachineArn', OutputValue: STATE_MACHINE },
          { OutputKey: 'ReportBucketName', OutputValue: 'reports' },
        ],
      },
    ],
  });
  sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: STARTED });
  sfn.on(ListMapRunsCommand).resolves({
    mapRuns: [
      { mapRunArn: `${EXECUTION}/map`, executionArn: EXECUTION, stateMachineArn: STATE_MACHINE, startDate: STARTED },
    ],
  });
  sfn.on(DescribeMapRunCommand).resolves({
    itemCounts: {
      pending: 0,
      running: 1,
      succeeded: 1,
      failed: 0,
      timedOut: 0,
      aborted: 0,
      total: 2,
      resultsWritten: 0,
    },
  });
  // No cdk.json here: start validates the input alone, as a person starting from another folder would.
  cwd = mkdtempSync(join(tmpdir(), 'ct-audit-start-'));
  process.chdir(cwd);
});

afterEach(() => {
  process.chdir(savedCwd);
});

describe('ct-audit start', () => {
  test('starts the state machine from the stack outputs with the input the flags describe', async () => {
    const { io, deps, store } = setup();
    store.seed({ id: NAME, startedAt: STARTED.toISOString() }, 'summary.json', summary());
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', startDate: STARTED, executionArn: EXECUTION });

    await startCommand(io, { ...FLAGS, accounts: ['111111111111', '333333333333'], checks: ['identity'] }, deps);

    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: STATE_MACHINE,
      name: NAME,
      input: JSON.stringify({ accounts: ['111111111111', '333333333333'], checks: ['identity'] }),
    });
  });

  test('prints the console link, follows the execution and prints the same table and exit code as run', async () => {
    const { io, stdout, stderr, deps, waits, store } = setup();
    store.seed({ id: NAME, startedAt: STARTED.toISOString() }, 'summary.json', summary());
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'RUNNING', startDate: STARTED, executionArn: EXECUTION })
      .resolvesOnce({ status: 'RUNNING', startDate: STARTED, executionArn: EXECUTION })
      .resolves({
        status: 'FAILED',
        error: 'AuditFoundIssues',
        cause: '1 of 2 accounts have issues',
        startDate: STARTED,
        executionArn: EXECUTION,
      });

    const code = await startCommand(io, FLAGS, deps);

    expect(stderr.text()).toContain(`Console: ${consoleLink(EXECUTION)}`);
    expect(stdout.text()).toMatch(
      /^333333333333\s+Dev\s+ERROR\s+identity\s+cannot assume the role \[ACCESS_DENIED\]$/m,
    );
    expect(stdout.text()).toContain('Outcome: Audit Found Issues');
    expect(code).toBe(EXIT.issues);
    expect(sfn).toHaveReceivedCommandWith(DescribeMapRunCommand, { mapRunArn: `${EXECUTION}/map` });
    // Polling backs off and stays bounded.
    expect(waits).toEqual([1_000, 1_500]);
  });

  test("a run whose map failed, every account PASS, exits with issues: Summarize's verdict, not the counts", async () => {
    const { io, stdout, deps, store } = setup();
    const passed = summary({
      totals: { accounts: 1, pass: 1, fail: 0, error: 0, skipped: 0 },
      accounts: [summary().accounts[0] as RunSummary['accounts'][number]],
      mapError: { kind: 'UNKNOWN', message: 'States.Runtime: map broke' },
    });
    store.seed({ id: NAME, startedAt: STARTED.toISOString() }, 'summary.json', passed);
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', startDate: STARTED, executionArn: EXECUTION });

    const code = await startCommand(io, FLAGS, deps);

    expect(stdout.text()).toContain('Outcome: Issues Reported');
    expect(code).toBe(EXIT.issues);
  });

  test('the poll interval never exceeds 10 s however long the run', async () => {
    const { io, deps, waits, store } = setup();
    store.seed(
      { id: NAME, startedAt: STARTED.toISOString() },
      'summary.json',
      summary({ totals: { accounts: 2, pass: 2, fail: 0, error: 0, skipped: 0 }, accounts: [] }),
    );
    let calls = 0;
    sfn.on(DescribeExecutionCommand).callsFake(async () => {
      calls++;
      return { status: calls < 12 ? 'RUNNING' : 'SUCCEEDED', startDate: STARTED, executionArn: EXECUTION };
    });

    const code = await startCommand(io, FLAGS, deps);

    expect(Math.max(...waits)).toBe(10_000);
    expect(code).toBe(EXIT.passed);
  });

  test('a run whose Audit Accounts map failed is an issue even when every record passed (failOnIssues false)', async () => {
    const { io, stdout, deps, store } = setup();
    store.seed(
      { id: NAME, startedAt: STARTED.toISOString() },
      'summary.json',
      summary({
        totals: { accounts: 1, pass: 1, fail: 0, error: 0, skipped: 0 },
        accounts: [{ accountId: '111111111111', status: 'PASS', checks: { identity: { status: 'PASS' } } }],
        mapError: { kind: 'UNKNOWN', message: 'States.Runtime: the map failed' },
      }),
    );
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', startDate: STARTED, executionArn: EXECUTION });

    const code = await startCommand(io, FLAGS, deps);

    expect(stdout.text()).toContain('the Audit Accounts map failed: States.Runtime: the map failed [UNKNOWN]');
    expect(stdout.text()).toContain('Outcome: Issues Reported');
    expect(code).toBe(EXIT.issues);
  });

  test('--no-wait prints the execution ARN and returns', async () => {
    const { io, stdout, deps } = setup();

    const code = await startCommand(io, { ...FLAGS, wait: false }, deps);

    expect(stdout.text()).toBe(`${EXECUTION}\n`);
    expect(code).toBe(EXIT.passed);
    expect(sfn).not.toHaveReceivedCommand(DescribeExecutionCommand);
  });

  test('an execution that failed before any summary exits 2 with the Lambda error message unwrapped', async () => {
    const { io, stderr, deps } = setup();
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'FAILED',
      error: 'InvalidInput',
      cause: JSON.stringify({ errorType: 'InvalidInput', errorMessage: 'settings missing for the checks chosen' }),
      startDate: STARTED,
      executionArn: EXECUTION,
    });

    const code = await startCommand(io, FLAGS, deps);

    expect(stderr.text()).toContain('invalid input: settings missing for the checks chosen');
    expect(code).toBe(EXIT.invalid);
  });

  test('bad input is refused with the same validation as run, before anything is started', async () => {
    const { io, deps } = setup();

    await expect(startCommand(io, { ...FLAGS, accounts: ['12345'] }, deps)).rejects.toThrow(
      /accounts\[0\]: must be a 12-digit AWS account ID/,
    );
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  test.each([
    ['--role admin', { role: 'admin' }],
    ['--max-concurrency 60', { maxConcurrency: 60 }],
  ])(
    'without a settings file, %s is left to the deployed Resolve Targets, not refused by the defaults',
    async (_, flags) => {
      const { io, deps, store } = setup();
      store.seed({ id: NAME, startedAt: STARTED.toISOString() }, 'summary.json', summary());
      sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', startDate: STARTED, executionArn: EXECUTION });

      await startCommand(io, { ...FLAGS, ...flags }, deps);

      expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { input: JSON.stringify(flags) });
    },
  );

  test('with the settings file, what it does not allow is refused before anything is started', async () => {
    const { io, deps } = setup();
    writeFileSync(join(cwd, 'cdk.json'), JSON.stringify({ context: { ctAudit: {} } }));

    await expect(startCommand(io, { ...FLAGS, role: 'admin' }, deps)).rejects.toThrow(/set ctAudit\.adminEnabled/);
    await expect(startCommand(io, { ...FLAGS, maxConcurrency: 60 }, deps)).rejects.toThrow(/must be at most 50/);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  test('checks whose settings the deployed cdk.json lacks are refused, naming every setting', async () => {
    const { io, deps } = setup();
    writeFileSync(join(cwd, 'cdk.json'), JSON.stringify({ context: { ctAudit: {} } }));

    await expect(startCommand(io, { ...FLAGS, checks: ['cloudtrail-events'] }, deps)).rejects.toThrow(
      /ctAudit\.homeRegion, needed by cloudtrail-events; ctAudit\.logArchive\.accountId, needed by cloudtrail-events/,
    );
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  test('a missing stack is a clear message naming the stack and the flags that replace it', async () => {
    const { io, deps } = setup();
    cloudformation
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id X does not exist'), { name: 'ValidationError' }));

    await expect(startCommand(io, FLAGS, deps)).rejects.toThrow(
      /stack ControlTowerAudit .*--state-machine-arn and --report-bucket/,
    );
  });

  test('the console link is in the partition of the execution', () => {
    expect(consoleLink('arn:aws-us-gov:states:us-gov-west-1:1:execution:m:n')).toMatch(
      /^https:\/\/console\.amazonaws-us-gov\.com\/states\/home\?region=us-gov-west-1#/,
    );
  });
});
