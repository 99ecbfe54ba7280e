import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import type { RunInfo } from '../../../functions/lib/types';
import { EventBridgeSink, RUN_COMPLETED } from '../../../functions/report/sinks';
import { changeSummary, runSummary } from '../../support/report-factories';

const events = mockClient(EventBridgeClient);

const RUN: RunInfo = {
  id: 'run-2',
  mode: 'audit',
  checks: ['identity', 'cloudtrail-events'],
  role: 'readOnly',
  startedAt: '2030-01-02T06:00:00.000Z',
  maxConcurrency: 40,
  failOnIssues: true,
  reportLocation: 's3://reports/runs/2030-01-02/run-2/',
};

/** The detail of the one event the sink put for this summary. */
async function detailOf(overrides: Parameters<typeof runSummary>[0]): Promise<Record<string, unknown>> {
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  await new EventBridgeSink(new EventBridgeClient({ region: 'eu-west-1' })).publish({
    run: RUN,
    summary: runSummary(overrides),
    findings: new Map(),
    reportLocation: 's3://reports/runs/2030-01-02/run-2/report.html',
    now: new Date('2030-01-02T06:05:00.000Z'),
  });
  const call = events.commandCalls(PutEventsCommand).at(-1);
  const entry = call?.args[0].input.Entries?.[0];
  expect(entry).toMatchObject({ Source: 'ct-audit', DetailType: RUN_COMPLETED });
  return JSON.parse(entry?.Detail ?? '{}');
}

beforeEach(() => events.reset());

describe("the run-completed event says Summarize's verdict", () => {
  test('a failed map with every account PASS: hasIssues, with the map error', async () => {
    const mapError = { kind: 'UNKNOWN' as const, message: 'States.Runtime: map broke' };

    const detail = await detailOf({ mapError, hasIssues: true });

    expect(detail).toMatchObject({ hasIssues: true, mapError, totals: { fail: 0, error: 0 } });
  });

  test('an account asked for and skipped: hasIssues', async () => {
    const skipped = [{ accountId: '222222222222', reason: 'account is SUSPENDED', requested: true }];

    expect((await detailOf({ skipped, hasIssues: true })).hasIssues).toBe(true);
  });

  test('a run that audited nothing: hasIssues', async () => {
    const totals = { accounts: 0, pass: 0, fail: 0, error: 0, skipped: 0 };

    expect((await detailOf({ totals, accounts: [], hasIssues: true })).hasIssues).toBe(true);
  });

  test('a summary written before hasIssues was kept is judged as Summarize judges it', async () => {
    const totals = { accounts: 0, pass: 0, fail: 0, error: 0, skipped: 0 };

    expect((await detailOf({ totals, accounts: [] })).hasIssues).toBe(true);
    expect((await detailOf({ mapError: { kind: 'TIMEOUT', message: 'States.Timeout' } })).hasIssues).toBe(true);
  });

  test('a run that passed: no issues and no map error', async () => {
    const detail = await detailOf({ hasIssues: false });

    expect(detail.hasIssues).toBe(false);
    expect(detail).not.toHaveProperty('mapError');
  });
});

describe('the run-completed event counts', () => {
  test('newlyUnreachable is the full count, not the length of the capped list', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => String(100000000000 + i));

    const detail = await detailOf({ changes: changeSummary({ newlyUnreachable: ids, newlyUnreachableCount: 5000 }) });

    expect(detail.newlyUnreachable).toBe(5000);
  });

  test('a summary written before the count was kept: the list length', async () => {
    const detail = await detailOf({ changes: changeSummary({ newlyUnreachable: ['111111111111', '222222222222'] }) });

    expect(detail.newlyUnreachable).toBe(2);
  });
});

describe('an event EventBridge refuses', () => {
  test('fails the sink with the entry’s error code: PutEvents answers 200 and says so only in the entry', async () => {
    events
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });

    const publishing = new EventBridgeSink(new EventBridgeClient({ region: 'eu-west-1' })).publish({
      run: RUN,
      summary: runSummary({}),
      findings: new Map(),
      reportLocation: 's3://reports/runs/2030-01-02/run-2/report.html',
      now: new Date('2030-01-02T06:05:00.000Z'),
    });

    await expect(publishing).rejects.toThrow('PutEvents refused the event: InternalFailure');
  });
});
