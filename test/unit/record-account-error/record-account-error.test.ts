import type { AccountRecord, RunInfo } from '../../../functions/lib/types';
import {
  causeMessage,
  iterationError,
  type RecordAccountErrorEvent,
  recordAccountError,
} from '../../../functions/record-account-error/record-account-error';
import { MemoryReportStore } from '../../support/unit-memory-store';

const TARGET = '111111111111';
const RUN: RunInfo = {
  id: 'ct-audit-run-9',
  mode: 'audit',
  checks: ['identity', 'cloudtrail-delivery'],
  role: 'readOnly',
  startedAt: '2030-01-02T06:00:00.000Z',
  maxConcurrency: 40,
  failOnIssues: true,
  reportLocation: 'memory://runs/2030-01-02/ct-audit-run-9/',
};
const NOW = new Date('2030-01-02T06:05:00.000Z');

const LAMBDA_CAUSE = JSON.stringify({
  errorType: 'Error',
  errorMessage: 'boom',
  trace: ['Error: boom', '    at auditAccount (/var/task/index.js:1:2)'],
});

function event(error: RecordAccountErrorEvent['error']): RecordAccountErrorEvent {
  return { accountId: TARGET, run: RUN, error };
}

async function record(error: RecordAccountErrorEvent['error']) {
  const store = new MemoryReportStore();
  const result = await recordAccountError(event(error), { store, now: () => NOW });
  return { result, store, written: store.read<AccountRecord>(RUN, `accounts/${TARGET}.json`) };
}

describe('causeMessage', () => {
  test('keeps the errorMessage of a Lambda JSON cause and drops the trace', () => {
    expect(causeMessage(LAMBDA_CAUSE)).toBe('boom');
  });

  test('keeps a plain text cause as it is', () => {
    expect(causeMessage('The task timed out after 330 seconds')).toBe('The task timed out after 330 seconds');
  });

  test('keeps JSON without an errorMessage as it is', () => {
    expect(causeMessage('{"other":1}')).toBe('{"other":1}');
  });

  test('no cause is no message', () => {
    expect(causeMessage(undefined)).toBeUndefined();
  });
});

describe('iterationError', () => {
  test('a Lambda error is named and keeps its message without the trace', () => {
    const info = iterationError({ Error: 'Error', Cause: LAMBDA_CAUSE });

    expect(info.message).toBe('Error: boom');
    expect(info.message).not.toContain('auditAccount');
  });

  test('a plain text cause follows the error name', () => {
    expect(iterationError({ Error: 'States.Timeout', Cause: 'timed out' }).message).toBe('States.Timeout: timed out');
  });

  test.each([
    ['States.Timeout', 'TIMEOUT'],
    ['Lambda.Unknown', 'LAMBDA_FAILURE'],
    ['ThrottlingException', 'THROTTLED'],
  ])('%s is classified as %s', (name, kind) => {
    expect(iterationError({ Error: name, Cause: 'x' }).kind).toBe(kind);
  });

  test('without an error name it is a failed task', () => {
    expect(iterationError(undefined)).toEqual({ kind: 'LAMBDA_FAILURE', message: 'States.TaskFailed' });
  });

  test('a long cause is cut to 1,000 characters ending with …', () => {
    const info = iterationError({ Error: 'Error', Cause: 'x'.repeat(5_000) });

    expect(info.message).toHaveLength(1_000);
    expect(info.message.endsWith('x…')).toBe(true);
  });

  test('control and bidi characters of a Lambda error message become spaces, runs of them one', () => {
    const cause = JSON.stringify({
      errorType: 'Runtime.ImportModuleError',
      errorMessage: "Error: Cannot find module 'x'\nRequire stack:\n- /var/task/index.js\u001b[31m\u202e",
      trace: [],
    });

    const info = iterationError({ Error: 'Runtime.ImportModuleError', Cause: cause });

    expect(info).toEqual({
      kind: 'LAMBDA_FAILURE',
      message: "Runtime.ImportModuleError: Error: Cannot find module 'x' Require stack: - /var/task/index.js",
    });
  });

  test('a cause that fits is not cut', () => {
    const cause = 'y'.repeat(1_000 - 'Error: '.length);

    expect(iterationError({ Error: 'Error', Cause: cause }).message).toBe(`Error: ${cause}`);
  });
});

describe('recordAccountError', () => {
  test('returns the account as ERROR', async () => {
    const { result } = await record({ Error: 'States.Timeout', Cause: 'timed out' });

    expect(result).toEqual({ accountId: TARGET, status: 'ERROR' });
  });

  test('writes the record to accounts/<id>.json of the run', async () => {
    const { store } = await record({ Error: 'States.Timeout', Cause: 'timed out' });

    expect(store.writes).toEqual([`runs/2030-01-02/${RUN.id}/accounts/${TARGET}.json`]);
  });

  test('the record is ERROR with the classified error and the time', async () => {
    const { written } = await record({ Error: 'States.Timeout', Cause: 'timed out' });

    expect(written).toMatchObject({
      accountId: TARGET,
      runId: RUN.id,
      status: 'ERROR',
      error: { kind: 'TIMEOUT', message: 'States.Timeout: timed out' },
      startedAt: NOW.toISOString(),
      finishedAt: NOW.toISOString(),
    });
  });

  test('every check of the run is ERROR with the same error', async () => {
    const { written } = await record({ Error: 'Lambda.Unknown', Cause: LAMBDA_CAUSE });

    const error = { kind: 'LAMBDA_FAILURE', message: 'Lambda.Unknown: boom' };
    expect(written?.checks).toEqual({
      identity: { status: 'ERROR', message: 'not completed', error },
      'cloudtrail-delivery': { status: 'ERROR', message: 'not completed', error },
    });
  });

  test('throttled beyond every retry is recorded as THROTTLED', async () => {
    const { written } = await record({ Error: 'ThrottlingException', Cause: 'Rate exceeded' });

    expect(written?.error?.kind).toBe('THROTTLED');
  });
});

describe('an account whose record this run already wrote', () => {
  // The audit finished and wrote its record, then its result was lost on the way back to Step Functions and the
  // later attempts failed: the record is the only place its CloudTrail findings are (the cursor moved past them).
  const audited = (overrides: Partial<AccountRecord> = {}): AccountRecord => ({
    schemaVersion: 2,
    accountId: TARGET,
    runId: RUN.id,
    status: 'FAIL',
    checks: {
      'cloudtrail-events': {
        status: 'FAIL',
        findings: [
          {
            rule: 'root-activity',
            severity: 'CRITICAL',
            title: 'Root used',
            resource: { type: 'AwsAccount', id: TARGET, region: 'us-east-1' },
          },
        ],
      },
    },
    startedAt: '2030-01-02T06:01:00.000Z',
    finishedAt: '2030-01-02T06:02:00.000Z',
    ...overrides,
  });

  test('keeps it, and returns its status', async () => {
    const store = new MemoryReportStore();
    store.seed(RUN, `accounts/${TARGET}.json`, audited());

    const result = await recordAccountError(event({ Error: 'Lambda.ServiceException' }), { store, now: () => NOW });

    expect(result).toEqual({ accountId: TARGET, status: 'FAIL' });
    expect(store.read(RUN, `accounts/${TARGET}.json`)).toEqual(audited());
    expect(store.writes).toEqual([]);
  });

  test.each([
    ['of another run', audited({ runId: 'ct-audit-run-8' })],
    ['of another account', audited({ accountId: '222222222222' })],
    ['that is not a valid record', { ...audited(), checks: 'x' }],
  ])('writes the ERROR record over one %s', async (_, found) => {
    const store = new MemoryReportStore();
    store.seed(RUN, `accounts/${TARGET}.json`, found);

    const result = await recordAccountError(event({ Error: 'Lambda.ServiceException' }), { store, now: () => NOW });

    expect(result).toEqual({ accountId: TARGET, status: 'ERROR' });
    expect(store.read<AccountRecord>(RUN, `accounts/${TARGET}.json`)).toMatchObject({ status: 'ERROR', runId: RUN.id });
  });

  test('a record there that cannot be read is never taken for none: it throws, and writes nothing over it', async () => {
    // A transient S3 error must not make it write ERROR over the record an attempt wrote; the step retries, and
    // Summarize reads whatever record is there.
    const store = new MemoryReportStore();
    store.seed(RUN, `accounts/${TARGET}.json`, audited());
    store.getJson = async () => {
      throw Object.assign(new Error('We encountered an internal error.'), { name: 'InternalError' });
    };

    await expect(
      recordAccountError(event({ Error: 'States.Timeout' }), { store, now: () => NOW }),
    ).rejects.toMatchObject({ name: 'InternalError' });
    expect(store.writes).toEqual([]);
  });

  test('no record listed: it writes the ERROR record without reading one', async () => {
    const store = new MemoryReportStore();
    store.getJson = async () => {
      throw new Error('not read: the listing says there is none');
    };

    const result = await recordAccountError(event({ Error: 'States.Timeout' }), { store, now: () => NOW });

    expect(result).toEqual({ accountId: TARGET, status: 'ERROR' });
    expect(store.writes).toEqual([`runs/2030-01-02/${RUN.id}/accounts/${TARGET}.json`]);
  });

  test('its own ERROR record of an earlier attempt is written again, with this error', async () => {
    const store = new MemoryReportStore();
    await recordAccountError(event({ Error: 'States.Timeout' }), { store, now: () => NOW });

    await recordAccountError(event({ Error: 'Lambda.ServiceException' }), { store, now: () => NOW });

    expect(store.read<AccountRecord>(RUN, `accounts/${TARGET}.json`)?.error?.message).toMatch(
      /^Lambda\.ServiceException/,
    );
  });
});
