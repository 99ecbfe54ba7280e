import { currentStateResult, type Gap } from '../../../functions/checks/current-state';
import type { AccountFindings } from '../../../functions/lib/changes';
import { fingerprintOf, withFingerprints } from '../../../functions/lib/fingerprint';
import type { Mute } from '../../../functions/lib/outputs-settings';
import {
  type AccountRecord,
  type CheckResult,
  type Finding,
  type RunInfo,
  type RunSummary,
  SCHEMA_VERSION,
} from '../../../functions/lib/types';
import { muteExpiry } from '../../../functions/summarize/compare';
import { summarize } from '../../../functions/summarize/summarize';
import { MemoryReportStore } from '../../support/unit-memory-store';

const ACCOUNT = '111111111111';
const OTHER = '222222222222';

function runInfo(n: number, overrides: Partial<RunInfo> = {}): RunInfo {
  const startedAt = `2030-01-0${n}T06:00:00.000Z`;
  return {
    id: `run-${n}`,
    mode: 'audit',
    checks: ['identity', 'cloudtrail-events'],
    role: 'readOnly',
    startedAt,
    maxConcurrency: 40,
    failOnIssues: true,
    reportLocation: `memory://runs/${n}/`,
    ...overrides,
  };
}

function finding(id: string, overrides: Partial<Finding> = {}): Finding {
  const base: Finding = {
    rule: 'security-group-open-to-world',
    severity: 'HIGH',
    title: `sg ${id} open`,
    resource: { type: 'AwsEc2SecurityGroup', id, region: 'eu-west-1' },
    ...overrides,
  };
  return { ...base, fingerprint: fingerprintOf(ACCOUNT, base) };
}

function record(run: RunInfo, accountId: string, events: CheckResult, identity?: CheckResult): AccountRecord {
  const checks = { identity: identity ?? { status: 'PASS' }, 'cloudtrail-events': events };
  const statuses = Object.values(checks).map((check) => check.status);
  const status = statuses.includes('ERROR') ? 'ERROR' : statuses.includes('FAIL') ? 'FAIL' : 'PASS';
  return {
    schemaVersion: SCHEMA_VERSION,
    accountId,
    runId: run.id,
    status,
    checks,
    startedAt: run.startedAt,
    finishedAt: run.startedAt,
  };
}

const fail = (...findings: Finding[]): CheckResult => ({ status: 'FAIL', message: 'found', findings });
const PASS: CheckResult = { status: 'PASS' };
const ERROR: CheckResult = { status: 'ERROR', error: { kind: 'THROTTLED', message: 'Rate exceeded' } };

/** Runs Summarize for one run over the given records in a store shared between runs. */
async function summarizeRun(
  store: MemoryReportStore,
  run: RunInfo,
  records: AccountRecord[],
  options: { mutes?: Mute[]; targets?: string[]; now?: string } = {},
) {
  const targets = (options.targets ?? records.map((r) => r.accountId)).map((accountId) => ({ accountId }));
  store.seed(run, 'targets.json', { runId: run.id, targets, skipped: [] });
  for (const r of records) store.seed(run, `accounts/${r.accountId}.json`, r);
  const now = new Date(options.now ?? run.startedAt);
  const result = await summarize({ run }, { store, mutes: options.mutes ?? [], now: () => now });
  return { result, summary: store.read<RunSummary>(run, 'summary.json') as RunSummary };
}

const states = (store: MemoryReportStore, run: RunInfo, accountId = ACCOUNT) =>
  Object.fromEntries(
    (store.read<AccountFindings>(run, `findings/${accountId}.json`)?.findings ?? []).map((f) => [f.resource?.id, f]),
  );

describe('changes since the last run', () => {
  test('the first run of a scope: every finding is NEW, first seen now, and nothing is compared', async () => {
    const store = new MemoryReportStore();
    const run = runInfo(1);

    const { summary } = await summarizeRun(store, run, [record(run, ACCOUNT, fail(finding('sg-1')))]);

    expect(states(store, run)['sg-1']).toMatchObject({
      state: 'NEW',
      firstSeen: run.startedAt,
      check: 'cloudtrail-events',
    });
    expect(summary.changes).toMatchObject({ compared: false, counts: { new: 1, stillOpen: 0, resolved: 0 } });
  });

  test('NEW, STILL_OPEN with the first seen kept, and RESOLVED against the previous run', async () => {
    const store = new MemoryReportStore();
    const [first, second] = [runInfo(1), runInfo(2)];
    await summarizeRun(store, first, [record(first, ACCOUNT, fail(finding('sg-1'), finding('sg-2')))]);

    const { summary, result } = await summarizeRun(store, second, [
      record(second, ACCOUNT, fail(finding('sg-2'), finding('sg-3'))),
    ]);

    const now = states(store, second);
    expect(now['sg-1']).toMatchObject({ state: 'RESOLVED', resolvedAt: second.startedAt });
    expect(now['sg-2']).toMatchObject({ state: 'STILL_OPEN', firstSeen: first.startedAt, lastSeen: second.startedAt });
    expect(now['sg-3']).toMatchObject({ state: 'NEW', firstSeen: second.startedAt });
    expect(summary.changes?.counts).toEqual({
      new: 1,
      stillOpen: 1,
      resolved: 1,
      reopened: 0,
      notAssessed: 0,
      muted: 0,
    });
    expect(summary.changes?.previousRunIds).toEqual(['run-1']);
    expect(summary.changes?.new.map((line) => line.resource)).toEqual(['sg-3']);
    expect(summary.changes?.resolved.map((line) => line.resource)).toEqual(['sg-1']);
    expect(result.cause).toMatch(/Since the last run: 1 new, 0 reopened, 1 resolved/);
  });

  test('a finding made from a CloudTrail event is not resolved or carried when the next run does not see it again', async () => {
    const store = new MemoryReportStore();
    const [r1, r2] = [runInfo(1), runInfo(2)];
    const event = finding('sg-9', { eventId: 'e-1', eventTime: '2030-01-01T05:57:00Z' });
    await summarizeRun(store, r1, [record(r1, ACCOUNT, fail(event, finding('sg-1')))]);

    // The cursor never scans run 1's files again: the event is absent, the current-state-like finding too.
    const { summary } = await summarizeRun(store, r2, [record(r2, ACCOUNT, PASS)]);

    const now = states(store, r2);
    expect(now['sg-9']).toBeUndefined();
    expect(now['sg-1']).toMatchObject({ state: 'RESOLVED' });
    expect(summary.changes?.counts).toMatchObject({ resolved: 1, notAssessed: 0 });
  });

  test('a finding that comes back after it was resolved is REOPENED with its first first-seen', async () => {
    const store = new MemoryReportStore();
    const [r1, r2, r3] = [runInfo(1), runInfo(2), runInfo(3)];
    await summarizeRun(store, r1, [record(r1, ACCOUNT, fail(finding('sg-1')))]);
    await summarizeRun(store, r2, [record(r2, ACCOUNT, PASS)]);

    const { summary } = await summarizeRun(store, r3, [record(r3, ACCOUNT, fail(finding('sg-1')))]);

    expect(states(store, r3)['sg-1']).toMatchObject({ state: 'REOPENED', firstSeen: r1.startedAt });
    expect(summary.changes?.counts.reopened).toBe(1);
    expect(summary.changes?.reopened).toHaveLength(1);
  });

  test('a check that could not run is NOT_ASSESSED, carries the previous state and resolves nothing', async () => {
    const store = new MemoryReportStore();
    const [r1, r2, r3] = [runInfo(1), runInfo(2), runInfo(3)];
    await summarizeRun(store, r1, [record(r1, ACCOUNT, fail(finding('sg-1')))]);

    const { summary } = await summarizeRun(store, r2, [record(r2, ACCOUNT, ERROR)]);

    expect(states(store, r2)['sg-1']).toMatchObject({
      state: 'NOT_ASSESSED',
      previousState: 'NEW',
      firstSeen: r1.startedAt,
    });
    expect(summary.changes?.counts).toMatchObject({ resolved: 0, notAssessed: 1 });

    // The run after that compares with the carried finding: still open, first seen in run 1.
    await summarizeRun(store, r3, [record(r3, ACCOUNT, fail(finding('sg-1')))]);
    expect(states(store, r3)['sg-1']).toMatchObject({ state: 'STILL_OPEN', firstSeen: r1.startedAt });
  });

  test('an account with no record at all (ERROR) carries every finding forward and is newly unreachable', async () => {
    const store = new MemoryReportStore();
    const [r1, r2] = [runInfo(1), runInfo(2)];
    await summarizeRun(store, r1, [record(r1, ACCOUNT, fail(finding('sg-1'))), record(r1, OTHER, PASS)]);

    const { summary } = await summarizeRun(store, r2, [record(r2, OTHER, PASS)], { targets: [ACCOUNT, OTHER] });

    expect(states(store, r2)['sg-1']).toMatchObject({ state: 'NOT_ASSESSED', previousState: 'NEW' });
    expect(summary.changes?.newlyUnreachable).toEqual([ACCOUNT]);
    expect(summary.changes?.counts.resolved).toBe(0);
  });

  test('more newly unreachable accounts than the list holds: the list is capped, the count is complete', async () => {
    const store = new MemoryReportStore();
    const run = runInfo(1);
    const targets = Array.from({ length: 75 }, (_, i) => String(300000000000 + i));

    const { summary } = await summarizeRun(store, run, [], { targets });

    expect(summary.changes?.newlyUnreachable).toHaveLength(50);
    expect(summary.changes?.newlyUnreachableCount).toBe(75);
  });

  test('an account that was unreachable before and still is, is not newly unreachable', async () => {
    const store = new MemoryReportStore();
    const [r1, r2] = [runInfo(1), runInfo(2)];
    await summarizeRun(store, r1, [], { targets: [ACCOUNT] });

    const { summary } = await summarizeRun(store, r2, [], { targets: [ACCOUNT] });

    expect(summary.changes?.newlyUnreachable).toEqual([]);
  });

  test('a run with other checks is not comparable: its findings are NEW', async () => {
    const store = new MemoryReportStore();
    const r1 = runInfo(1);
    const r2 = runInfo(2, { checks: ['cloudtrail-events'] });
    await summarizeRun(store, r1, [record(r1, ACCOUNT, fail(finding('sg-1')))]);

    const { summary } = await summarizeRun(store, r2, [record(r2, ACCOUNT, fail(finding('sg-1')))]);

    expect(summary.changes).toMatchObject({ compared: false, counts: { new: 1, stillOpen: 0 } });
  });

  test('a run of one account leaves the other accounts compared with their own last run', async () => {
    const store = new MemoryReportStore();
    const [r1, r2, r3] = [runInfo(1), runInfo(2), runInfo(3)];
    await summarizeRun(store, r1, [
      record(r1, ACCOUNT, fail(finding('sg-1'))),
      record(r1, OTHER, fail(finding('sg-9'))),
    ]);
    await summarizeRun(store, r2, [record(r2, ACCOUNT, fail(finding('sg-1')))]);

    const { summary } = await summarizeRun(store, r3, [
      record(r3, ACCOUNT, fail(finding('sg-1'))),
      record(r3, OTHER, fail(finding('sg-9'))),
    ]);

    expect(summary.changes?.counts).toMatchObject({ new: 0, stillOpen: 2 });
    expect(summary.changes?.previousRunIds).toEqual(['run-1', 'run-2']);
  });

  test('lists are capped, counts are not', async () => {
    const store = new MemoryReportStore();
    const run = runInfo(1);
    const many = Array.from({ length: 60 }, (_, i) => finding(`sg-${i}`));

    const { summary } = await summarizeRun(store, run, [record(run, ACCOUNT, fail(...many))]);

    expect(summary.changes?.counts.new).toBe(60);
    expect(summary.changes?.new).toHaveLength(summary.changes?.listCap ?? -1);
  });
});

describe('mutes', () => {
  const mute = (overrides: Partial<Mute> = {}): Mute => ({
    rule: 'security-group-open-to-world',
    resource: 'sg-1',
    reason: 'public web tier, reviewed',
    owner: 'platform-team',
    expires: '2030-01-31',
    ...overrides,
  });

  test('a muted finding stays in the record as MUTED and is not an issue', async () => {
    const store = new MemoryReportStore();
    const run = runInfo(1);

    const { result, summary } = await summarizeRun(store, run, [record(run, ACCOUNT, fail(finding('sg-1')))], {
      mutes: [mute()],
    });

    expect(states(store, run)['sg-1']).toMatchObject({
      state: 'MUTED',
      previousState: 'NEW',
      mute: { reason: 'public web tier, reviewed', owner: 'platform-team', expires: '2030-01-31' },
    });
    expect(summary.accounts[0]).toMatchObject({
      status: 'PASS',
      checks: { 'cloudtrail-events': { status: 'PASS', muted: 1 } },
    });
    expect(result.hasIssues).toBe(false);
    expect(summary.changes?.counts).toMatchObject({ new: 0, muted: 1 });
  });

  test('a mute that matches one finding of two leaves the check FAIL', async () => {
    const store = new MemoryReportStore();
    const run = runInfo(1);

    const { result } = await summarizeRun(store, run, [record(run, ACCOUNT, fail(finding('sg-1'), finding('sg-2')))], {
      mutes: [mute()],
    });

    expect(result.hasIssues).toBe(true);
    expect(states(store, run)['sg-2']?.state).toBe('NEW');
  });

  test('a mute for another account does not apply', async () => {
    const store = new MemoryReportStore();
    const run = runInfo(1);

    await summarizeRun(store, run, [record(run, ACCOUNT, fail(finding('sg-1')))], {
      mutes: [mute({ account: OTHER })],
    });

    expect(states(store, run)['sg-1']?.state).toBe('NEW');
  });

  test('an expired mute stops applying, and the summary says which mute expired', async () => {
    const store = new MemoryReportStore();
    const run = runInfo(1);

    const { result, summary } = await summarizeRun(store, run, [record(run, ACCOUNT, fail(finding('sg-1')))], {
      mutes: [mute({ expires: '2029-12-31' })],
    });

    expect(states(store, run)['sg-1']).toMatchObject({ state: 'NEW', expiredMute: { expires: '2029-12-31' } });
    expect(result.hasIssues).toBe(true);
    expect(summary.changes?.expiredMutes).toEqual([
      expect.objectContaining({ accountId: ACCOUNT, rule: 'security-group-open-to-world', owner: 'platform-team' }),
    ]);
  });

  test('one rule-wide mute that expired over 60 accounts is one mute matching 60 findings, the list capped', async () => {
    const store = new MemoryReportStore();
    const run = runInfo(1);
    const accounts = Array.from({ length: 60 }, (_, i) => String(300000000000 + i));

    const { summary } = await summarizeRun(
      store,
      run,
      accounts.map((accountId) => record(run, accountId, fail(finding('sg-1')))),
      { mutes: [mute({ resource: undefined, expires: '2029-12-31' })] },
    );

    expect(summary.changes).toMatchObject({ expiredMuteCount: 1, expiredMuteFindings: 60 });
    expect(summary.changes?.expiredMutes).toHaveLength(50);
  });

  test('two expired mutes with the same reason, owner and expiry are still two mutes', async () => {
    const store = new MemoryReportStore();
    const run = runInfo(1);

    const { summary } = await summarizeRun(store, run, [record(run, ACCOUNT, fail(finding('sg-1'), finding('sg-2')))], {
      mutes: [mute({ resource: 'sg-1', expires: '2029-12-31' }), mute({ resource: 'sg-2', expires: '2029-12-31' })],
    });

    expect(summary.changes).toMatchObject({ expiredMuteCount: 2, expiredMuteFindings: 2 });
  });

  describe('a current-state check that also could not read a region', () => {
    const worldOpen = (id: string): Finding => ({
      rule: 'network-exposure/world-ingress',
      severity: 'HIGH',
      title: `${id} admits tcp/22 from 0.0.0.0/0 (us-east-1)`,
      resource: { type: 'AwsEc2SecurityGroup', id, region: 'us-east-1' },
    });
    const allowedPort: Finding = {
      rule: 'network-exposure/world-ingress',
      severity: 'INFO',
      title: 'sg-web admits tcp/443 from 0.0.0.0/0 (us-east-1)',
      resource: { type: 'AwsEc2SecurityGroup', id: 'sg-web', region: 'us-east-1' },
    };
    const denied: Gap = {
      region: 'eu-west-1',
      what: 'eu-west-1',
      reason: 'error',
      error: { kind: 'ACCESS_DENIED', message: 'UnauthorizedOperation: denied' },
    };
    const worldMute = mute({ rule: 'network-exposure/world-ingress', resource: 'sg-1' });

    /** An account whose one check is network-exposure, as Audit Account writes it. */
    function exposureRecord(run: RunInfo, found: Finding[], gaps: Gap[]): AccountRecord {
      const result = currentStateResult('network-exposure', { accountId: ACCOUNT }, found, gaps, 'no open rule');
      return {
        schemaVersion: SCHEMA_VERSION,
        accountId: ACCOUNT,
        runId: run.id,
        status: result.status,
        checks: {
          'network-exposure': { ...result, findings: withFingerprints(ACCOUNT, result.findings ?? []) },
        },
        startedAt: run.startedAt,
        finishedAt: run.startedAt,
      };
    }

    test('its one finding muted: ERROR with the gap, as the check says with no finding, never PASS', async () => {
      const store = new MemoryReportStore();
      const run = runInfo(1, { checks: ['network-exposure'] });
      const withoutTheFinding = currentStateResult('network-exposure', { accountId: ACCOUNT }, [], [denied], '');

      const { result, summary } = await summarizeRun(store, run, [exposureRecord(run, [worldOpen('sg-1')], [denied])], {
        mutes: [worldMute],
      });

      expect(summary.accounts[0]).toEqual({
        accountId: ACCOUNT,
        status: 'ERROR',
        checks: {
          'network-exposure': {
            status: 'ERROR',
            message: 'partial: eu-west-1: ACCESS_DENIED',
            findings: 2,
            muted: 1,
            error: { kind: 'ACCESS_DENIED', message: 'UnauthorizedOperation: denied' },
          },
        },
      });
      expect(withoutTheFinding).toMatchObject({
        status: 'ERROR',
        message: 'partial: eu-west-1: ACCESS_DENIED',
        error: { kind: 'ACCESS_DENIED', message: 'UnauthorizedOperation: denied' },
      });
      expect(result.totals).toMatchObject({ pass: 0, error: 1 });
      expect(result.hasIssues).toBe(true);
      expect(result.issues).toEqual([
        {
          accountId: ACCOUNT,
          status: 'ERROR',
          reason: 'network-exposure: ACCESS_DENIED: UnauthorizedOperation: denied',
        },
      ]);
    });

    test('a region not read before the deadline: ERROR TIMEOUT', async () => {
      const store = new MemoryReportStore();
      const run = runInfo(1, { checks: ['network-exposure'] });
      const late: Gap = { region: 'eu-west-1', what: 'eu-west-1', reason: 'deadline' };

      const { summary } = await summarizeRun(store, run, [exposureRecord(run, [worldOpen('sg-1')], [late])], {
        mutes: [worldMute],
      });

      expect(summary.accounts[0]?.checks['network-exposure']).toMatchObject({
        status: 'ERROR',
        message: 'partial: eu-west-1 not checked (deadline)',
        error: { kind: 'TIMEOUT', message: 'deadline reached; partial: eu-west-1 not checked (deadline)' },
      });
    });

    test('a mute of the whole check mutes the gap too, and the gap still counts: ERROR', async () => {
      const store = new MemoryReportStore();
      const run = runInfo(1, { checks: ['network-exposure'] });

      const { summary } = await summarizeRun(store, run, [exposureRecord(run, [worldOpen('sg-1')], [denied])], {
        mutes: [mute({ rule: undefined, resource: undefined, check: 'network-exposure' })],
      });

      expect(summary.accounts[0]).toMatchObject({
        status: 'ERROR',
        checks: { 'network-exposure': { status: 'ERROR', muted: 2 } },
      });
    });

    test('nothing left but muted and informational findings, every region read: PASS', async () => {
      const store = new MemoryReportStore();
      const run = runInfo(1, { checks: ['network-exposure'] });

      const { result, summary } = await summarizeRun(
        store,
        run,
        [exposureRecord(run, [worldOpen('sg-1'), allowedPort], [])],
        { mutes: [worldMute] },
      );

      expect(summary.accounts[0]).toMatchObject({
        status: 'PASS',
        checks: { 'network-exposure': { status: 'PASS', findings: 2, muted: 1 } },
      });
      expect(result.hasIssues).toBe(false);
    });

    test('a finding in the region it could not read is NOT_ASSESSED, never RESOLVED; one in a region read is', async () => {
      // Arrange: run 1 saw sg-1 in us-east-1 and sg-2 in eu-west-1; run 2 read us-east-1 (sg-1 gone, sg-3 new
      // there, so the check FAILs) and was denied eu-west-1.
      const store = new MemoryReportStore();
      const checks = ['network-exposure'];
      const [r1, r2] = [runInfo(1, { checks }), runInfo(2, { checks })];
      const inIreland = (id: string): Finding => {
        const open = worldOpen(id);
        return { ...open, resource: { ...open.resource, region: 'eu-west-1' } as Finding['resource'] };
      };
      await summarizeRun(store, r1, [exposureRecord(r1, [worldOpen('sg-1'), inIreland('sg-2')], [])]);

      // Act
      const { summary } = await summarizeRun(store, r2, [exposureRecord(r2, [worldOpen('sg-3')], [denied])]);

      // Assert
      const now = states(store, r2);
      expect(summary.accounts[0]?.checks['network-exposure']?.status).toBe('FAIL');
      expect(now['sg-1']).toMatchObject({ state: 'RESOLVED' });
      expect(now['sg-2']).toMatchObject({ state: 'NOT_ASSESSED', previousState: 'NEW' });
      expect(now['sg-3']).toMatchObject({ state: 'NEW' });
      expect(summary.changes?.counts).toMatchObject({ resolved: 1, notAssessed: 1 });
    });

    test('a gap that is gone is RESOLVED, even beside another gap in the same region', async () => {
      // The check states its gaps afresh every run: a gap finding's absence means that part was read this time.
      const store = new MemoryReportStore();
      const checks = ['network-exposure'];
      const [r1, r2] = [runInfo(1, { checks }), runInfo(2, { checks })];
      const part = (what: string): Gap => ({ ...denied, what });
      await summarizeRun(store, r1, [exposureRecord(r1, [worldOpen('sg-1')], [part('vpc-a (eu-west-1)')])]);

      await summarizeRun(store, r2, [exposureRecord(r2, [worldOpen('sg-1')], [part('vpc-b (eu-west-1)')])]);

      const gaps = (store.read<AccountFindings>(r2, `findings/${ACCOUNT}.json`)?.findings ?? []).filter((f) =>
        f.rule.endsWith('/incomplete'),
      );
      expect(gaps.map((f) => [f.resource?.part, f.state])).toEqual([
        ['network-exposure: vpc-b (eu-west-1)', 'NEW'],
        ['network-exposure: vpc-a (eu-west-1)', 'RESOLVED'],
      ]);
    });
  });

  test('a date expires at the end of that day UTC; a time at that time', () => {
    expect(muteExpiry({ expires: '2030-01-31' })).toBe(Date.parse('2030-01-31T23:59:59.999Z'));
    expect(muteExpiry({ expires: '2030-01-31T12:00:00+02:00' })).toBe(Date.parse('2030-01-31T10:00:00Z'));
  });

  test('when a mute expires, the finding is STILL_OPEN (not NEW) with its first seen', async () => {
    const store = new MemoryReportStore();
    const [r1, r2] = [runInfo(1), runInfo(2)];
    await summarizeRun(store, r1, [record(r1, ACCOUNT, fail(finding('sg-1')))], {
      mutes: [mute({ expires: '2030-01-01T12:00:00Z' })],
    });

    await summarizeRun(store, r2, [record(r2, ACCOUNT, fail(finding('sg-1')))], {
      mutes: [mute({ expires: '2030-01-01T12:00:00Z' })],
    });

    expect(states(store, r2)['sg-1']).toMatchObject({ state: 'STILL_OPEN', firstSeen: r1.startedAt });
  });
});
