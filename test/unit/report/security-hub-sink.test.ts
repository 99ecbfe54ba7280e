import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { TrackedFinding } from '../../../functions/lib/changes';
import { logger } from '../../../functions/lib/logger';
import { ARCHIVE_QUEUE_CAP, SecurityHubSink } from '../../../functions/report/security-hub-sink';
import type { PublishContext } from '../../../functions/report/sink';
import { publishContext, trackedFinding } from '../../support/report-factories';
import { MemoryReportStore } from '../../support/unit-memory-store';

const TARGET = { auditAccountId: '999999999999', region: 'eu-west-1', partition: 'aws' };
const NOW = new Date('2030-01-02T06:05:00.000Z');

const securityHub = mockClient(SecurityHubClient);

function context(findings: TrackedFinding[], now = NOW): PublishContext {
  return publishContext(findings, now);
}

const many = (count: number, prefix = 'f') =>
  Array.from({ length: count }, (_, i) => trackedFinding({ fingerprint: `${prefix}${i}` }));

function throttled(): Error {
  return Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
}

function sentIds(): string[] {
  return securityHub
    .commandCalls(BatchImportFindingsCommand)
    .flatMap((call) => call.args[0].input.Findings ?? [])
    .map((finding) => finding.Id as string);
}

/** The attributes of the warning whose message matches. */
function loggedWith(pattern: RegExp): unknown {
  const call = warn.mock.calls.find(([message]) => pattern.test(String(message)));
  if (!call) throw new Error(`no warning matching ${pattern}`);
  return call[1];
}

let store: MemoryReportStore;
const sink = () => new SecurityHubSink(new SecurityHubClient({}), TARGET, store);

let warn: jest.SpyInstance;
beforeEach(() => {
  store = new MemoryReportStore();
  securityHub.reset();
  securityHub.on(BatchImportFindingsCommand).callsFake((input: { Findings?: unknown[] }) => ({
    FailedCount: 0,
    SuccessCount: input.Findings?.length ?? 0,
    FailedFindings: [],
  }));
  warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
});
afterEach(() => warn.mockRestore());

describe('SecurityHubSink, a partial failure', () => {
  test('a batch that throws after the SDK’s retries does not stop the others, and the outcome says what failed', async () => {
    securityHub
      .on(BatchImportFindingsCommand)
      .resolvesOnce({ FailedCount: 0, SuccessCount: 100, FailedFindings: [] })
      .rejectsOnce(throttled())
      .resolves({ FailedCount: 0, SuccessCount: 50, FailedFindings: [] });

    const outcome = sink().publish(context(many(250)));

    await expect(outcome).rejects.toThrow(
      /^Security Hub: 150 imported, 0 refused, 0 invalid, 1 of 3 batches failed \(100 findings not sent\).*batch 2: ThrottlingException: Rate exceeded/,
    );
    expect(securityHub).toHaveReceivedCommandTimes(BatchImportFindingsCommand, 3);
    expect(sentIds()).toContain('ct-audit/f249');
  });

  test('each refused finding is logged with its code and message, cleaned; the outcome names the first ones', async () => {
    securityHub.on(BatchImportFindingsCommand).resolves({
      FailedCount: 2,
      SuccessCount: 1,
      FailedFindings: [
        { Id: 'ct-audit/f0', ErrorCode: 'InvalidInput', ErrorMessage: 'Finding\u001b[31m is malformed\nsecond line' },
        { Id: 'ct-audit/f1', ErrorCode: 'LimitExceeded', ErrorMessage: 'x'.repeat(5000) },
      ],
    });

    const outcome = sink().publish(context(many(3)));

    await expect(outcome).rejects.toThrow(
      /^Security Hub: 1 imported, 2 refused, 0 invalid.*refused: ct-audit\/f0 InvalidInput: Finding is malformed second line/,
    );
    const refused = (loggedWith(/refused/) as { refused: { id: string; code: string; message: string }[] }).refused;
    expect(refused).toEqual([
      { id: 'ct-audit/f0', code: 'InvalidInput', message: 'Finding is malformed second line' },
      { id: 'ct-audit/f1', code: 'LimitExceeded', message: expect.stringMatching(/…$/) },
    ]);
    expect(refused[1]?.message.length).toBeLessThanOrEqual(200);
  });

  test('each invalid finding is logged with its problems, and the outcome names the first ones', async () => {
    const bad = trackedFinding({ fingerprint: 'bad', accountId: 'not-an-id' });

    const outcome = sink().publish(context([trackedFinding(), bad]));

    await expect(outcome).rejects.toThrow(
      /^Security Hub: 1 imported, 0 refused, 1 invalid.*invalid: ct-audit\/bad: Resources must name the member account/,
    );
    expect(loggedWith(/invalid/)).toMatchObject({
      invalid: [{ id: 'ct-audit/bad', problems: [expect.stringMatching(/member account/)] }],
    });
  });

  test('the log is bounded: the first 20 refused findings, and the total', async () => {
    securityHub.on(BatchImportFindingsCommand).callsFake((input: { Findings?: { Id?: string }[] }) => ({
      FailedCount: input.Findings?.length ?? 0,
      SuccessCount: 0,
      FailedFindings: (input.Findings ?? []).map((f) => ({ Id: f.Id, ErrorCode: 'E', ErrorMessage: 'no' })),
    }));

    await expect(sink().publish(context(many(150)))).rejects.toThrow(/0 imported, 150 refused/);
    expect(loggedWith(/refused/)).toMatchObject({ total: 150 });
    expect((loggedWith(/refused/) as { refused: unknown[] }).refused).toHaveLength(20);
  });

  test('a batch that fails and a refused finding are both in the outcome, counts first', async () => {
    securityHub
      .on(BatchImportFindingsCommand)
      .rejectsOnce(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }))
      .resolves({
        FailedCount: 1,
        SuccessCount: 0,
        FailedFindings: [{ Id: 'ct-audit/f100', ErrorCode: 'InvalidInput', ErrorMessage: 'bad' }],
      });

    const outcome = sink().publish(context(many(101)));

    await expect(outcome).rejects.toThrow(
      /^Security Hub: 0 imported, 1 refused, 0 invalid, 1 of 2 batches failed \(100 findings not sent\)/,
    );
  });
});

test('a FailedCount that names no finding still counts as refused', async () => {
  securityHub.on(BatchImportFindingsCommand).resolves({ FailedCount: 1, SuccessCount: 2, FailedFindings: [] });

  await expect(sink().publish(context(many(3)))).rejects.toThrow(/^Security Hub: 2 imported, 1 refused, 0 invalid/);
});

describe('SecurityHubSink, ARCHIVED updates are sent until Security Hub has them', () => {
  const LATER = new Date('2030-01-03T06:05:00.000Z');
  const resolved = trackedFinding({ fingerprint: 'gone', state: 'RESOLVED', resolvedAt: '2030-01-02T06:00:00.000Z' });
  const event = trackedFinding({
    fingerprint: 'root-login',
    rule: 'root-activity',
    eventId: 'e-1',
    eventTime: '2030-01-02T05:00:00.000Z',
  });
  const sentFindings = () =>
    securityHub.commandCalls(BatchImportFindingsCommand).flatMap((call) => call.args[0].input.Findings ?? []);

  test('a resolved finding whose update failed is sent ARCHIVED again by the next run, which has dropped it', async () => {
    securityHub.on(BatchImportFindingsCommand).rejects(throttled());
    await expect(sink().publish(context([resolved]))).rejects.toThrow(/1 kept for the next run/);

    securityHub.reset();
    securityHub.on(BatchImportFindingsCommand).resolves({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] });
    // The next run no longer has it (a RESOLVED finding is not carried forward).
    const line = await sink().publish(context([], LATER));

    expect(sentFindings()).toEqual([
      expect.objectContaining({ Id: 'ct-audit/gone', RecordState: 'ARCHIVED', UpdatedAt: LATER.toISOString() }),
    ]);
    expect(line).toMatch(/archive queue: 1 sent again, 0 kept/);

    // Confirmed: the run after sends nothing more.
    securityHub.reset();
    securityHub.on(BatchImportFindingsCommand).resolves({ FailedCount: 0, SuccessCount: 0, FailedFindings: [] });
    await sink().publish(context([], new Date('2030-01-04T06:05:00.000Z')));
    expect(sentFindings()).toEqual([]);
  });

  test('a refused ARCHIVED update is kept too; a confirmed one is not', async () => {
    const other = trackedFinding({ fingerprint: 'gone-too', state: 'RESOLVED' });
    securityHub.on(BatchImportFindingsCommand).resolves({
      FailedCount: 1,
      SuccessCount: 1,
      FailedFindings: [{ Id: 'ct-audit/gone', ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });
    await expect(sink().publish(context([resolved, other]))).rejects.toThrow(/1 refused/);

    securityHub.reset();
    securityHub.on(BatchImportFindingsCommand).resolves({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] });
    await sink().publish(context([], LATER));
    expect(sentFindings().map((f) => f.Id)).toEqual(['ct-audit/gone']);
  });

  test('an event finding stays ACTIVE: the next run does not archive what happened (a person does, as with GuardDuty)', async () => {
    await sink().publish(context([event]));
    expect(sentFindings()).toEqual([expect.objectContaining({ Id: 'ct-audit/root-login', RecordState: 'ACTIVE' })]);

    securityHub.resetHistory();
    const line = await sink().publish(context([], LATER));

    expect(sentFindings()).toEqual([]);
    expect(line).toMatch(/0 sent again, 0 kept/);
  });

  test('a queued finding this run reports again is sent as this run has it, not archived', async () => {
    securityHub.on(BatchImportFindingsCommand).rejects(throttled());
    await expect(sink().publish(context([resolved]))).rejects.toThrow();

    securityHub.reset();
    securityHub.on(BatchImportFindingsCommand).resolves({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] });
    await sink().publish(context([{ ...resolved, state: 'REOPENED', resolvedAt: undefined }], LATER));

    expect(sentFindings()).toEqual([expect.objectContaining({ Id: 'ct-audit/gone', RecordState: 'ACTIVE' })]);
  });

  test('the queue is written before sending, so a Publish Report that stops half way loses nothing', async () => {
    securityHub.on(BatchImportFindingsCommand).callsFake(() => {
      const queued = JSON.parse(store.files.get('state/securityhub/archive-queue.json') ?? '{}') as {
        entries?: { finding: { Id: string } }[];
      };
      // The resolved finding's update; the event finding is not queued (it stays ACTIVE).
      expect(queued.entries?.map((entry) => entry.finding.Id)).toEqual(['ct-audit/gone']);
      return { FailedCount: 0, SuccessCount: 2, FailedFindings: [] };
    });

    await sink().publish(context([resolved, event]));
    expect(securityHub).toHaveReceivedCommandTimes(BatchImportFindingsCommand, 1);
  });

  test('the queue is bounded: updates queued over 30 days ago and beyond the cap are dropped, and the outcome says so', async () => {
    const old = (id: string, queuedAt: string) => ({
      queuedAt,
      finding: { Id: `ct-audit/${id}`, Title: 't' } as Record<string, unknown>,
    });
    await store.putState('securityhub/archive-queue.json', {
      schemaVersion: 1,
      entries: [old('stale', '2029-11-01T00:00:00.000Z')],
    });

    await expect(sink().publish(context([]))).rejects.toThrow(/1 queued ARCHIVED updates older than 30 days dropped/);
    expect(securityHub).toHaveReceivedCommandTimes(BatchImportFindingsCommand, 0);

    // Resolved findings whose updates do not get in (every batch throttled) stay queued, up to the cap.
    securityHub.on(BatchImportFindingsCommand).rejects(throttled());
    const queued = Array.from({ length: ARCHIVE_QUEUE_CAP + 2 }, (_, i) =>
      trackedFinding({ fingerprint: `r${i}`, state: 'RESOLVED', resolvedAt: '2030-01-02T06:00:00.000Z' }),
    );
    await expect(sink().publish(context(queued))).rejects.toThrow(/2 queued ARCHIVED updates over 5000 dropped/);
  });

  test('a queue that cannot be read is not overwritten, and the outcome says so', async () => {
    const failing = Object.assign(new MemoryReportStore(), {
      getState: async () => {
        throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
      },
    });
    const put = jest.spyOn(failing, 'putState');

    await expect(
      new SecurityHubSink(new SecurityHubClient({}), TARGET, failing).publish(context([resolved])),
    ).rejects.toThrow(/^Security Hub: 1 imported.*archive queue not read, so not written: AccessDenied: Access Denied/);
    expect(put).not.toHaveBeenCalled();
  });
});
