import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskHandler } from '../../cli/engine';
import type { AuditAccountEvent } from '../../functions/audit-account/audit-account';
import type { SummaryAccount } from '../../functions/lib/types';
import { activeTargets, startSandbox, type TestSandbox } from '../support/sandbox';

/** Every error kind anywhere in an account's summary line. */
function errorKinds(account: SummaryAccount): string[] {
  return [account.error?.kind, ...Object.values(account.checks).map((check) => check.error?.kind)].filter(
    (kind): kind is NonNullable<typeof kind> => kind !== undefined,
  );
}

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('a 500-account run through 20% throttling and 2% HTTP 500s', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    // The workflow's fault tolerance at scale; the current-state checks' reading of throttles is a unit test of the
    // gateway's protocols (seeding their resources in 500 accounts would double this file's time).
    sandbox = await startSandbox({ members: 500, cloudTrailHours: 1, currentState: false });
  }, 180_000);
  afterAll(() => sandbox?.stop());

  it('accounts for every account, and marks none ERROR for a throttle that a retry recovered', async () => {
    sandbox.gateway.setFaults({ throttleRate: 0.2, serverErrorRate: 0.02, seed: 20261124 });

    const result = await sandbox.run({ checks: ['identity', 'cloudtrail-delivery', 'cloudtrail-events'] });

    sandbox.gateway.setFaults({});
    expect(sandbox.gateway.stats.throttled).toBeGreaterThan(500);
    expect(sandbox.gateway.stats.serverErrors).toBeGreaterThan(50);
    const audited = result.summary?.accounts ?? [];
    expect(audited.map((account) => account.accountId)).toEqual(activeTargets(sandbox.organization));
    expect(audited.flatMap(errorKinds)).not.toContain('THROTTLED');
    // The only accounts with issues are the planted ones: faults changed no outcome.
    const planted = sandbox.organization.members
      .filter((member) => member.planted && member.planted !== 'suspended')
      .map((member) => member.accountId)
      .sort();
    expect(audited.filter((account) => account.status !== 'PASS').map((account) => account.accountId)).toEqual(planted);
  }, 300_000);
});

describe('iterations that crash, time out or stay throttled', () => {
  let sandbox: TestSandbox;
  let healthy: string[];
  beforeAll(async () => {
    sandbox = await startSandbox({ members: 8, cloudTrailHours: 1, plant: false });
    healthy = sandbox.organization.members.map((member) => member.accountId).sort();
  });
  afterAll(() => sandbox?.stop());

  /** Makes Audit Account fail for some accounts: `failures(accountId, attempt)` returns the error to throw. */
  function failing(failures: (accountId: string, attempt: number) => Error | undefined) {
    const attempts = new Map<string, number>();
    return (state: string, handler: TaskHandler): TaskHandler => {
      if (state !== 'Audit Account') return handler;
      return async (input) => {
        const { accountId } = input as AuditAccountEvent;
        const attempt = (attempts.get(accountId) ?? 0) + 1;
        attempts.set(accountId, attempt);
        const error = failures(accountId, attempt);
        if (error) throw error;
        return handler(input);
      };
    };
  }

  it('records a Lambda timeout and a crash as ERROR with their kinds, and audits every other account', async () => {
    const [timedOut, crashed] = healthy;

    const result = await sandbox.run(
      { checks: ['identity'] },
      {
        wrap: failing((accountId) => {
          if (accountId === timedOut) return named('Sandbox.Timedout', 'Task timed out after 300.00 seconds');
          if (accountId === crashed) return named('Runtime.ExitError', 'Runtime exited with error: signal: killed');
          return undefined;
        }),
      },
    );

    const byId = new Map(result.summary?.accounts.map((account) => [account.accountId, account]));
    expect(byId.get(timedOut ?? '')?.error).toEqual({
      kind: 'TIMEOUT',
      message: 'Sandbox.Timedout: Task timed out after 300.00 seconds',
    });
    expect(byId.get(crashed ?? '')?.error).toEqual({
      kind: 'LAMBDA_FAILURE',
      message: 'Runtime.ExitError: Runtime exited with error: signal: killed',
    });
    expect(result.summary?.accounts.map((account) => account.accountId)).toEqual(activeTargets(sandbox.organization));
    expect(result.summary?.totals).toMatchObject({ error: 2, pass: (result.summary?.totals.accounts ?? 0) - 2 });
  });

  it('a Summarize that fails after its retries ends in Audit Not Summarized, naming the error and where the records are', async () => {
    const wrap = (state: string, handler: TaskHandler): TaskHandler =>
      state === 'Summarize'
        ? async () => {
            throw named('AccessDenied', 'Access Denied');
          }
        : handler;

    const result = await sandbox.run({ checks: ['identity'] }, { wrap });

    expect(result.status).toBe('FAILED');
    expect(result.endState).toBe('Audit Not Summarized');
    expect(result.summary).toBeUndefined();
    const folder = join(sandbox.reportDir, result.executionName);
    expect(result.error).toEqual({
      error: 'SummarizeFailed',
      cause:
        'Summarize failed (AccessDenied): Access Denied. No summary.json was written; targets.json and the record ' +
        `of each audited account are in ${folder}/`,
    });
    // What the cause points at is there: every account was audited and recorded before Summarize failed.
    expect(existsSync(join(folder, 'targets.json'))).toBe(true);
    expect(healthy.filter((accountId) => !existsSync(join(folder, 'accounts', `${accountId}.json`)))).toEqual([]);
  });

  it('retries a throttled account in the workflow: PASS when a retry recovers, ERROR THROTTLED when none does', async () => {
    const [recovers, neverRecovers] = healthy;

    const result = await sandbox.run(
      { checks: ['identity'] },
      {
        wrap: failing((accountId, attempt) => {
          if (accountId === recovers && attempt <= 2) return named('ThrottlingException', 'Rate exceeded');
          if (accountId === neverRecovers) return named('ThrottlingException', 'Rate exceeded');
          return undefined;
        }),
      },
    );

    const byId = new Map(result.summary?.accounts.map((account) => [account.accountId, account]));
    expect(byId.get(recovers ?? '')?.status).toBe('PASS');
    expect(byId.get(neverRecovers ?? '')?.error).toEqual({
      kind: 'THROTTLED',
      message: 'ThrottlingException: Rate exceeded',
    });
    // Two retries for the one that recovered; for the one that did not, the two the Express time budget allows
    // (MaxAttempts: 2).
    expect(result.stats.retries).toBe(2 + 2);
  });

  it('reports a target whose record is missing as ERROR "no result recorded", and still ends with a summary', async () => {
    const lost = activeTargets(sandbox.organization).at(-1) ?? '';
    const wrap = (state: string, handler: TaskHandler): TaskHandler => {
      if (state === 'Audit Account' || state === 'Record Account Error') {
        return async (input) => {
          if ((input as AuditAccountEvent).accountId === lost) throw named('Runtime.ExitError', 'killed');
          return handler(input);
        };
      }
      return handler;
    };

    // One account at a time, the lost one last: the others are all recorded before the Map fails.
    const result = await sandbox.run({ checks: ['identity'], maxConcurrency: 1 }, { wrap });

    expect(result.endState).toBe('Audit Found Issues');
    const accounts = result.summary?.accounts ?? [];
    expect(accounts.map((account) => account.accountId)).toEqual(activeTargets(sandbox.organization));
    expect(accounts.find((account) => account.accountId === lost)).toMatchObject({
      status: 'ERROR',
      // The local engine runs the Map inline and lets a failed iteration fail it (it ignores
      // ToleratedFailurePercentage), so the message also names the Map's error.
      error: { kind: 'NO_RESULT', message: expect.stringMatching(/^no result recorded/) },
    });
    expect(accounts.filter((account) => account.status === 'PASS')).toHaveLength(accounts.length - 1);
  });
});
