import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { type AuditAccountEvent, auditAccount, RECORD_MARGIN_MS } from '../../../functions/audit-account/audit-account';
import type { Check } from '../../../functions/checks/types';
import { SessionCache, sessionName } from '../../../functions/lib/assume-role';
import { parseSettings, type SettingsInput } from '../../../functions/lib/settings';
import { type AccountRecord, type RunInfo, SCHEMA_VERSION } from '../../../functions/lib/types';
import { MemoryReportStore } from '../../support/unit-memory-store';

const sts = mockClient(STSClient);

const TARGET = '111111111111';
const OTHER = '222222222222';
const READ_ONLY_ROLE = 'aws-controltower-ReadOnlyExecutionRole';
const ADMIN_ROLE = 'aws-controltower-AdministratorExecutionRole';
const RUN: RunInfo = {
  id: 'ct-audit-run-7',
  mode: 'audit',
  checks: ['identity'],
  role: 'readOnly',
  startedAt: '2030-01-02T06:00:00.000Z',
  maxConcurrency: 40,
  failOnIssues: true,
  reportLocation: 'memory://runs/2030-01-02/ct-audit-run-7/',
};
const SESSION = sessionName(RUN.id);
const NOW = new Date('2030-01-02T06:01:00.000Z');

function stsError(name: string, message = `${name} from STS`): STSServiceException {
  return new STSServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode: 403 } });
}

function assumedArn(accountId: string, role = READ_ONLY_ROLE, session = SESSION): string {
  return `arn:aws:sts::${accountId}:assumed-role/${role}/${session}`;
}

function givenAssumable(): void {
  sts.on(AssumeRoleCommand).resolves({
    Credentials: {
      AccessKeyId: 'ASIAEXAMPLE',
      SecretAccessKey: 'secret',
      SessionToken: 'token',
      Expiration: new Date(NOW.getTime() + 15 * 60_000),
    },
  });
}

function givenCaller(accountId: string, arn: string): void {
  sts.on(GetCallerIdentityCommand).resolves({ Account: accountId, Arn: arn, UserId: 'AROAEXAMPLE:session' });
}

function setup(options: { settings?: SettingsInput; checks?: Readonly<Record<string, Check>> } = {}) {
  const store = new MemoryReportStore();
  const deps = {
    settings: parseSettings(options.settings ?? {}),
    sessions: new SessionCache(new STSClient({}), () => NOW.getTime()),
    store,
    partition: 'aws',
    now: () => NOW,
    ...(options.checks ? { checks: options.checks } : {}),
  };
  const run = (event: { accountId?: string; run?: Partial<RunInfo> } = {}) =>
    auditAccount({ accountId: TARGET, ...event, run: { ...RUN, ...event.run } } as AuditAccountEvent, deps);
  const record = (accountId = TARGET) => store.read<AccountRecord>(RUN, `accounts/${accountId}.json`);
  return { store, run, record };
}

function fixedCheck(id: string, status: 'PASS' | 'FAIL' | 'ERROR' | 'SKIPPED'): Check {
  return {
    id,
    title: id,
    role: 'readOnly',
    requires: [],
    run: async () => ({ status, message: `${id} said ${status}` }),
  };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('the promise resolved');
}

beforeEach(() => sts.reset());

describe('auditAccount: the identity check', () => {
  test('PASS when the caller is the target account and the assumed execution role', async () => {
    givenAssumable();
    givenCaller(TARGET, assumedArn(TARGET));
    const { run } = setup();

    const result = await run();

    expect(result).toEqual({ accountId: TARGET, status: 'PASS' });
  });

  test('assumes the read-only execution role in the target account with the run session', async () => {
    givenAssumable();
    givenCaller(TARGET, assumedArn(TARGET));
    const { run } = setup();

    await run();

    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: `arn:aws:iam::${TARGET}:role/${READ_ONLY_ROLE}`,
      RoleSessionName: SESSION,
      DurationSeconds: 900,
    });
  });

  test('asks STS who the caller is with the assumed credentials', async () => {
    givenAssumable();
    givenCaller(TARGET, assumedArn(TARGET));
    const { run } = setup();

    await run();

    const call = sts.commandCalls(GetCallerIdentityCommand)[0];
    const credentials = await call?.thisValue.config.credentials();
    expect(credentials).toMatchObject({ accessKeyId: 'ASIAEXAMPLE', sessionToken: 'token' });
  });

  test('role admin assumes the admin execution role', async () => {
    givenAssumable();
    givenCaller(TARGET, assumedArn(TARGET, ADMIN_ROLE));
    const { run } = setup({ settings: { adminEnabled: true } });

    const result = await run({ run: { role: 'admin' } });

    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: `arn:aws:iam::${TARGET}:role/${ADMIN_ROLE}` });
    expect(result.status).toBe('PASS');
  });

  test('the role names come from the settings', async () => {
    givenAssumable();
    givenCaller(TARGET, assumedArn(TARGET, 'CustomAuditRole'));
    const { run } = setup({ settings: { roles: { readOnlyExecutionRoleName: 'CustomAuditRole' } } });

    await run();

    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: `arn:aws:iam::${TARGET}:role/CustomAuditRole`,
    });
  });

  test('AssumeRole denied is ERROR of kind ACCESS_DENIED with a message a person understands', async () => {
    sts.on(AssumeRoleCommand).rejects(stsError('AccessDenied', 'not authorized to perform: sts:AssumeRole'));
    const { run, record } = setup();

    const result = await run();

    expect(result.status).toBe('ERROR');
    const identity = record()?.checks.identity;
    expect(identity?.status).toBe('ERROR');
    expect(identity?.error?.kind).toBe('ACCESS_DENIED');
    expect(identity?.error?.message).toContain(`cannot assume ${READ_ONLY_ROLE} in ${TARGET}`);
    expect(identity?.error?.message).toContain('enrolled in Control Tower');
  });

  test('the denial message keeps what STS said', async () => {
    sts.on(AssumeRoleCommand).rejects(stsError('AccessDenied', 'not authorized to perform: sts:AssumeRole'));
    const { run, record } = setup();

    await run();

    expect(record()?.checks.identity?.error?.message).toContain(
      'AccessDenied: not authorized to perform: sts:AssumeRole',
    );
  });

  test('when AssumeRole is denied, GetCallerIdentity is not called', async () => {
    sts.on(AssumeRoleCommand).rejects(stsError('AccessDenied'));
    const { run } = setup();

    await run();

    expect(sts).not.toHaveReceivedCommand(GetCallerIdentityCommand);
  });

  test('FAIL when the session belongs to another account', async () => {
    givenAssumable();
    givenCaller(OTHER, assumedArn(OTHER));
    const { run, record } = setup();

    const result = await run();

    expect(result.status).toBe('FAIL');
    expect(record()?.checks.identity).toEqual({
      status: 'FAIL',
      message: `the session belongs to account ${OTHER}, not ${TARGET}`,
      findings: [
        {
          rule: 'identity/unexpected-caller',
          severity: 'HIGH',
          title: `${READ_ONLY_ROLE} in ${TARGET} answers as account ${OTHER}`,
          resource: {
            type: 'AwsIamRole',
            id: READ_ONLY_ROLE,
            region: 'global',
            arn: `arn:aws:iam::${TARGET}:role/${READ_ONLY_ROLE}`,
          },
          evidence: { expectedArn: assumedArn(TARGET), callerAccount: OTHER, callerArn: assumedArn(OTHER) },
          fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/),
        },
      ],
    });
  });

  test('FAIL when the caller is another role of the target account', async () => {
    givenAssumable();
    givenCaller(TARGET, assumedArn(TARGET, 'SomeOtherRole'));
    const { run, record } = setup();

    const result = await run();

    expect(result.status).toBe('FAIL');
    expect(record()?.checks.identity?.message).toContain(`not the assumed role ${READ_ONLY_ROLE}`);
    expect(record()?.checks.identity?.findings).toEqual([
      expect.objectContaining({
        rule: 'identity/unexpected-caller',
        severity: 'HIGH',
        title: `${READ_ONLY_ROLE} in ${TARGET} answers as another principal than the role assumed`,
        evidence: {
          expectedArn: assumedArn(TARGET),
          callerAccount: TARGET,
          callerArn: assumedArn(TARGET, 'SomeOtherRole'),
        },
      }),
    ]);
  });

  test('FAIL when the caller is the role under another session name', async () => {
    givenAssumable();
    givenCaller(TARGET, assumedArn(TARGET, READ_ONLY_ROLE, 'someone-else'));
    const { run, record } = setup();

    const result = await run();

    expect(result.status).toBe('FAIL');
    expect(record()?.checks.identity?.findings?.map((finding) => finding.rule)).toEqual(['identity/unexpected-caller']);
  });

  test('a wrong caller is the same finding in every run: the run (and its session name) is not in its identity', async () => {
    givenAssumable();
    const fingerprintOfRun = async (id: string) => {
      givenCaller(OTHER, assumedArn(OTHER, READ_ONLY_ROLE, sessionName(id)));
      const { run, store } = setup();
      await run({ run: { id } });
      const stored = store.read<AccountRecord>({ ...RUN, id }, `accounts/${TARGET}.json`);
      return stored?.checks.identity?.findings?.[0]?.fingerprint;
    };

    const [first, second] = [await fingerprintOfRun('ct-audit-run-7'), await fingerprintOfRun('ct-audit-run-8')];

    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(second).toBe(first);
  });

  test('the wrong caller of the admin role is a finding on the admin role', async () => {
    givenAssumable();
    givenCaller(OTHER, assumedArn(OTHER, ADMIN_ROLE));
    const { run, record } = setup();

    await run({ run: { role: 'admin' } });

    expect(record()?.checks.identity?.findings?.[0]?.resource).toEqual({
      type: 'AwsIamRole',
      id: ADMIN_ROLE,
      region: 'global',
      arn: `arn:aws:iam::${TARGET}:role/${ADMIN_ROLE}`,
    });
  });

  test('a failed GetCallerIdentity is ERROR with its classified error', async () => {
    givenAssumable();
    sts.on(GetCallerIdentityCommand).rejects(stsError('ExpiredToken', 'token expired'));
    const { run, record } = setup();

    await run();

    expect(record()?.checks.identity).toMatchObject({
      status: 'ERROR',
      error: { kind: 'ACCESS_DENIED', message: 'ExpiredToken: token expired' },
    });
  });

  test('throttling of AssumeRole rejects with ThrottlingException, so that the workflow retries the account', async () => {
    sts.on(AssumeRoleCommand).rejects(stsError('ThrottlingException', 'Rate exceeded'));
    const { run } = setup();

    const error = await rejection(run());

    expect(error.name).toBe('ThrottlingException');
  });

  test('throttling of AssumeRole writes no record', async () => {
    sts.on(AssumeRoleCommand).rejects(stsError('ThrottlingException', 'Rate exceeded'));
    const { run, store } = setup();

    await rejection(run());

    expect(store.writes).toEqual([]);
  });

  test('throttling of GetCallerIdentity rejects under its own name too', async () => {
    givenAssumable();
    sts.on(GetCallerIdentityCommand).rejects(stsError('Throttling', 'Rate exceeded'));
    const { run } = setup();

    const error = await rejection(run());

    expect(error.name).toBe('Throttling');
  });
});

describe('auditAccount: the record', () => {
  test('is written to accounts/<id>.json in the run folder', async () => {
    givenAssumable();
    givenCaller(TARGET, assumedArn(TARGET));
    const { run, store } = setup();

    await run();

    expect(store.writes).toEqual([`runs/2030-01-02/${RUN.id}/accounts/${TARGET}.json`]);
  });

  test('holds the account, the run, the status, each check and the times', async () => {
    givenAssumable();
    givenCaller(TARGET, assumedArn(TARGET));
    const { run, record } = setup();

    await run();

    expect(record()).toEqual({
      schemaVersion: SCHEMA_VERSION,
      accountId: TARGET,
      runId: RUN.id,
      status: 'PASS',
      checks: { identity: { status: 'PASS', message: `reached as ${READ_ONLY_ROLE}` } },
      startedAt: NOW.toISOString(),
      finishedAt: NOW.toISOString(),
    });
  });

  test.each([
    [['PASS', 'FAIL'], 'FAIL'],
    [['PASS', 'ERROR', 'FAIL'], 'ERROR'],
    [['PASS', 'SKIPPED'], 'SKIPPED'],
    [['PASS', 'PASS'], 'PASS'],
  ] as const)('the status of checks %j is %s, the worst of them', async (statuses, expected) => {
    const checks = Object.fromEntries(statuses.map((status, i) => [`c${i}`, fixedCheck(`c${i}`, status)]));
    const { run, record } = setup({ checks });

    const result = await run({ run: { checks: Object.keys(checks) } });

    expect(result.status).toBe(expected);
    expect(record()?.status).toBe(expected);
  });

  test('an unknown check is ERROR for that check, and the others still run', async () => {
    const { run, record } = setup({ checks: { good: fixedCheck('good', 'PASS') } });

    await run({ run: { checks: ['good', 'no-such-check'] } });

    expect(record()?.checks).toEqual({
      good: { status: 'PASS', message: 'good said PASS' },
      'no-such-check': { status: 'ERROR', error: { kind: 'INVALID_INPUT', message: "unknown check 'no-such-check'" } },
    });
  });

  test('a check that throws is ERROR for that check with its error, not a crash', async () => {
    const broken: Check = {
      id: 'broken',
      title: 'broken',
      role: 'readOnly',
      requires: [],
      run: async () => {
        throw new TypeError('cannot read x of undefined');
      },
    };
    const { run, record } = setup({ checks: { broken } });

    const result = await run({ run: { checks: ['broken'] } });

    expect(result.status).toBe('ERROR');
    expect(record()?.checks.broken).toEqual({
      status: 'ERROR',
      message: 'broken could not run',
      error: { kind: 'UNKNOWN', message: 'TypeError: cannot read x of undefined' },
    });
  });

  test('a check that asks for the Log Archive account without it configured is ERROR naming the setting', async () => {
    const needsLogArchive: Check = {
      id: 'logs',
      title: 'logs',
      role: 'readOnly',
      requires: [],
      run: async (context) => {
        context.logArchive();
        return { status: 'PASS' };
      },
    };
    const { run, record } = setup({ checks: { logs: needsLogArchive } });

    await run({ run: { checks: ['logs'] } });

    expect(record()?.checks.logs?.error).toEqual({
      kind: 'INVALID_INPUT',
      message: expect.stringContaining('ctAudit.logArchive.accountId is not set'),
    });
  });

  test.each([
    ['readOnly', READ_ONLY_ROLE],
    // Only the administrator execution role trusts the Audit admin role; Control Tower deploys it in every enrolled
    // account, the Log Archive included.
    ['admin', ADMIN_ROLE],
  ] as const)('a %s run reads the Log Archive with the %s in the Log Archive account', async (role, roleName) => {
    givenAssumable();
    const logArchiveAccount = '555555555555';
    const needsLogArchive: Check = {
      id: 'logs',
      title: 'logs',
      role: 'readOnly',
      requires: [],
      run: async (context) => {
        await context.logArchive().ensure();
        return { status: 'PASS' };
      },
    };
    const { run } = setup({
      settings: { logArchive: { accountId: logArchiveAccount } },
      checks: { logs: needsLogArchive },
    });

    await run({ run: { checks: ['logs'], role } });

    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: `arn:aws:iam::${logArchiveAccount}:role/${roleName}`,
      RoleSessionName: SESSION,
    });
  });
});

describe('auditAccount: state kept across runs (the CloudTrail cursors)', () => {
  const stateful = (seen: unknown[]): Check => ({
    id: 'stateful',
    title: 'stateful',
    role: 'readOnly',
    requires: [],
    run: async (context) => {
      seen.push(await context.state?.get('cursors/x.json'));
      context.state?.put('cursors/x.json', { at: 2 });
      return { status: 'PASS' };
    },
  });

  test('a check reads the state from the store, and what it puts is written after the account record', async () => {
    // Arrange
    const seen: unknown[] = [];
    const { store, run } = setup({ checks: { stateful: stateful(seen) } });
    await store.putState('cursors/x.json', { at: 1 });
    store.writes.length = 0;

    // Act
    await run({ run: { checks: ['stateful'] } });

    // Assert
    expect(seen).toEqual([{ at: 1 }]);
    expect(store.writes).toEqual([`runs/2030-01-02/${RUN.id}/accounts/${TARGET}.json`, 'state/cursors/x.json']);
    expect(await store.getState('cursors/x.json')).toEqual({ at: 2 });
  });

  test('when the record cannot be written, the state is not written either', async () => {
    const { store, run } = setup({ checks: { stateful: stateful([]) } });
    store.putJson = async () => {
      throw Object.assign(new Error('Internal error'), { name: 'InternalError' });
    };

    await expect(run({ run: { checks: ['stateful'] } })).rejects.toThrow('Internal error');

    expect(await store.getState('cursors/x.json')).toBeUndefined();
  });

  test('a state that cannot be written leaves the record written and the account audited', async () => {
    const { store, run, record } = setup({ checks: { stateful: stateful([]) } });
    store.putState = async () => {
      throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
    };

    await expect(run({ run: { checks: ['stateful'] } })).resolves.toEqual({ accountId: TARGET, status: 'PASS' });

    expect(record()?.status).toBe('PASS');
  });
});

describe('auditAccount: the deadline', () => {
  test(`the checks must finish ${RECORD_MARGIN_MS / 1000} s before the invocation ends, to write the record`, async () => {
    // Arrange
    const deadlines: number[] = [];
    const timed: Check = {
      id: 'timed',
      title: 'timed',
      role: 'readOnly',
      requires: [],
      run: async (context) => {
        deadlines.push(context.deadline);
        return { status: 'PASS' };
      },
    };
    const { store } = setup();
    const before = Date.now();

    // Act
    await auditAccount(
      { accountId: TARGET, run: { ...RUN, checks: ['timed'] } },
      {
        settings: parseSettings({}),
        sessions: new SessionCache(new STSClient({})),
        store,
        partition: 'aws',
        checks: { timed },
      },
      { getRemainingTimeInMillis: () => 90_000 },
    );

    // Assert
    expect(RECORD_MARGIN_MS).toBe(15_000);
    expect(deadlines[0]).toBeGreaterThanOrEqual(before + 75_000);
    expect(deadlines[0]).toBeLessThanOrEqual(Date.now() + 75_000);
  });
});

describe('auditAccount: sessions across invocations', () => {
  test('a warm function reuses the Log Archive session for every account it audits, and assumes each target once', async () => {
    givenAssumable();
    const logArchiveAccount = '555555555555';
    const needsBoth: Check = {
      id: 'both',
      title: 'both',
      role: 'readOnly',
      requires: [],
      run: async (context) => {
        await context.target.ensure();
        await context.logArchive().ensure();
        return { status: 'PASS' };
      },
    };
    const { run } = setup({ settings: { logArchive: { accountId: logArchiveAccount } }, checks: { both: needsBoth } });

    for (const accountId of [TARGET, OTHER, '333333333333']) await run({ accountId, run: { checks: ['both'] } });

    const roles = sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input.RoleArn);
    expect(roles.filter((arn) => arn?.includes(logArchiveAccount))).toHaveLength(1);
    expect(roles.filter((arn) => !arn?.includes(logArchiveAccount)).sort()).toEqual(
      [TARGET, OTHER, '333333333333'].map((id) => `arn:aws:iam::${id}:role/${READ_ONLY_ROLE}`).sort(),
    );
  });
});

describe('auditAccount: invalid events', () => {
  test.each([
    ['a bad account ID', { accountId: '12345' }, 'accountId'],
    ['no checks', { run: { checks: [] } }, 'run.checks'],
    ['an unknown role', { run: { role: 'root' } }, 'run.role'],
    ['no run ID', { run: { id: '' } }, 'run.id'],
  ])('%s is InvalidInput naming the field', async (_case, event, field) => {
    const { run } = setup();

    const error = await rejection(run(event as { accountId?: string; run?: Partial<RunInfo> }));

    expect(error.name).toBe('InvalidInput');
    expect(error.message).toContain(field);
  });

  test('an invalid event assumes no role and writes no record', async () => {
    const { run, store } = setup();

    await rejection(run({ accountId: '12345' }));

    expect(sts).not.toHaveReceivedCommand(AssumeRoleCommand);
    expect(store.writes).toEqual([]);
  });
});

describe('auditAccount: the organization ID Resolve Targets discovered', () => {
  function organizationCheck(seen: (string | undefined)[]): Check {
    return {
      id: 'org',
      title: 'org',
      role: 'readOnly',
      requires: ['organizationId'],
      run: async (context) => {
        seen.push(context.settings.organizationId);
        return { status: 'PASS' };
      },
    };
  }

  test('stands in for an unset ctAudit.organizationId', async () => {
    const seen: (string | undefined)[] = [];
    const { run } = setup({ checks: { org: organizationCheck(seen) } });

    await run({ run: { checks: ['org'], organizationId: 'o-discovered01' } });

    expect(seen).toEqual(['o-discovered01']);
  });

  test('never overrides the setting', async () => {
    const seen: (string | undefined)[] = [];
    const { run } = setup({ settings: { organizationId: 'o-configured01' }, checks: { org: organizationCheck(seen) } });

    await run({ run: { checks: ['org'], organizationId: 'o-discovered01' } });

    expect(seen).toEqual(['o-configured01']);
  });
});
