import { S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { cloudTrailDeliveryCheck } from '../../../functions/checks/cloudtrail-delivery';
import { identityCheck } from '../../../functions/checks/identity';
import { logFileKey } from '../../../functions/cloudtrail/key-layout';
import { withFingerprints } from '../../../functions/lib/fingerprint';
import type { Mute } from '../../../functions/lib/outputs-settings';
import { type AccountRecord, type RunInfo, type RunSummary, SCHEMA_VERSION } from '../../../functions/lib/types';
import { bodyOf, MAX_BODY, MAX_SUBJECT, shouldNotify, subjectOf } from '../../../functions/report/message';
import { summarize } from '../../../functions/summarize/summarize';
import { changeSummary, runSummary } from '../../support/report-factories';
import { MemoryReportStore } from '../../support/unit-memory-store';
import { checkContext, serveBucket } from '../cloudtrail/helpers';

const line = (n: number) => ({
  accountId: String(n).padStart(12, '0'),
  accountName: `Account ${'x'.repeat(200)}`,
  check: 'cloudtrail-events',
  rule: 'root-activity',
  severity: 'CRITICAL' as const,
  title: `Root used ${'y'.repeat(500)}`,
  resource: `arn:aws:iam::${'z'.repeat(300)}`,
  fingerprint: 'f'.repeat(32),
  firstSeen: '2030-01-02T06:00:00.000Z',
});

describe('SNS message', () => {
  test('a run with nothing new sends nothing, unless notify.always', () => {
    const summary = runSummary({
      changes: changeSummary({ counts: { ...changeSummary().counts, stillOpen: 3, resolved: 2 } }),
    });
    expect(shouldNotify(summary, false)).toBe(false);
    expect(shouldNotify(summary, true)).toBe(true);
  });

  test.each([
    ['a new finding', changeSummary({ counts: { ...changeSummary().counts, new: 1 } })],
    ['a reopened finding', changeSummary({ counts: { ...changeSummary().counts, reopened: 1 } })],
    ['an account newly unreachable', changeSummary({ newlyUnreachable: ['111111111111'] })],
  ])('%s is a change worth a message', (_, changes) => {
    expect(shouldNotify(runSummary({ changes }), false)).toBe(true);
  });

  test('a run that is not a pass although every account passed is worth a message that says so', () => {
    // Arrange: every recorded account passed, nothing changed, but the fan-out failed.
    const summary = runSummary({
      mapError: { kind: 'UNKNOWN', message: 'States.ExceedToleratedFailureThreshold\nx' },
      hasIssues: true,
    });

    // Act
    const [notify, subject, body] = [shouldNotify(summary, false), subjectOf(summary), bodyOf(summary, 'r.html')];

    // Assert
    expect(notify).toBe(true);
    expect(subject).toBe('ct-audit: 0 new, 0 reopened, 0 unreachable: run has issues, 1 accounts audited');
    expect(body).toContain('Not a pass: The Audit Accounts map failed: States.ExceedToleratedFailureThreshold x');
    expect(subjectOf(runSummary())).toMatch(/: 0\/1 accounts with issues$/);
    expect(shouldNotify(runSummary(), false)).toBe(false);
  });

  test('the subject is printable ASCII on one line, under 100 characters, even for a huge run ID and counts', () => {
    const summary = runSummary({
      runId: `run-${'é'.repeat(300)}\n`,
      totals: { accounts: 123456789, pass: 0, fail: 123456789, error: 0, skipped: 0 },
      changes: changeSummary({ counts: { ...changeSummary().counts, new: 987654321, reopened: 123456789 } }),
    });

    const subject = subjectOf(summary);

    expect(subject.length).toBeLessThan(100);
    expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject).toMatch(/^ct-audit: 987654321 new, 123456789 reopened/);
  });

  test('the body has the counts, at most ten changes, and ends with where the report is, within the bound', () => {
    const lines = Array.from({ length: 50 }, (_, i) => line(i));
    const summary = runSummary({
      changes: changeSummary({
        counts: { ...changeSummary().counts, new: 5000 },
        new: lines,
        newlyUnreachable: lines.map((l) => l.accountId),
      }),
    });

    const body = bodyOf(summary, 's3://reports/runs/2030-01-02/run-2/report.html');

    expect(body.length).toBeLessThanOrEqual(MAX_BODY);
    expect(body).toMatch(/Findings since the last run: 5000 new/);
    expect(body.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(10);
    expect(body).toMatch(/and 4990 more in the report/);
    expect(body.endsWith('Report: s3://reports/runs/2030-01-02/run-2/report.html')).toBe(true);
  });

  describe('a capped list is never taken for a count', () => {
    const ids = Array.from({ length: 50 }, (_, i) => String(100000000000 + i));
    const expiredMutes = ids.map((accountId) => ({
      accountId,
      rule: 'root-activity',
      reason: 'accepted',
      owner: 'ops',
      expires: '2030-01-01',
    }));

    test('5,000 accounts newly unreachable, 50 listed: the subject and body say 5000', () => {
      const summary = runSummary({
        changes: changeSummary({ newlyUnreachable: ids, newlyUnreachableCount: 5000 }),
      });

      expect(subjectOf(summary)).toMatch(/, 5000 unreachable:/);
      expect(bodyOf(summary, 'r.html')).toMatch(/^Newly unreachable: 100000000000, .* and 4990 more$/m);
    });

    test('one mute that expired over 120 accounts: one mute, 120 findings', () => {
      const summary = runSummary({
        changes: changeSummary({ expiredMutes, expiredMuteCount: 1, expiredMuteFindings: 120 }),
      });

      expect(bodyOf(summary, 'r.html')).toContain('1 mute(s) expired: 120 finding(s) they matched count again.');
    });

    test('a summary written before the counts were kept reads its lists: their length, their distinct mutes', () => {
      const summary = runSummary({ changes: changeSummary({ newlyUnreachable: ids.slice(0, 3), expiredMutes }) });

      expect(shouldNotify(summary, false)).toBe(true);
      expect(subjectOf(summary)).toMatch(/, 3 unreachable:/);
      expect(bodyOf(summary, 'r.html')).toContain('1 mute(s) expired: 50 finding(s) they matched count again.');
    });
  });

  test('text from records reaches the body without control characters', () => {
    const summary = runSummary({
      changes: changeSummary({
        counts: { ...changeSummary().counts, new: 1 },
        new: [{ ...line(1), title: 'evil\u202etitle\nSubject: spoof' }],
      }),
    });

    const body = bodyOf(summary, 'report.html');

    expect(body).not.toMatch(/\u202e/);
    expect(body.split('\n').some((l) => l.startsWith('Subject:'))).toBe(false);
  });
});

/**
 * A stopped delivery and a wrong caller, from the check's result through Summarize to the message: the product's
 * promise is a message when something changed, and a trail that stops delivering is such a change.
 */
describe('a FAIL of cloudtrail-delivery or identity notifies like any finding', () => {
  const s3 = mockClient(S3Client);
  const sts = mockClient(STSClient);
  afterAll(() => {
    s3.restore();
    sts.restore();
  });
  const ACCOUNT = '111122223333';
  const BUCKET = 'aws-controltower-logs-222233334444-eu-west-1';
  const CT = { layout: 'organization', keyPrefix: 'o-abcdefghij', organizationId: 'o-abcdefghij' } as const;

  /** The Log Archive bucket with the account's files of eu-west-1 delivered at these times. */
  const delivered = (...times: string[]) =>
    serveBucket(
      s3,
      BUCKET,
      new Map(
        times.map((iso, i) => [
          logFileKey(CT, ACCOUNT, 'eu-west-1', new Date(iso), `suffix${String(i).padStart(10, '0')}`),
          Buffer.alloc(1),
        ]),
      ),
    );

  const run = (n: number, at: string): RunInfo => ({
    id: `run-${n}`,
    mode: 'audit',
    checks: ['identity', 'cloudtrail-delivery'],
    role: 'readOnly',
    startedAt: at,
    maxConcurrency: 40,
    failOnIssues: true,
    reportLocation: `memory://runs/${n}/`,
  });

  const ROLE = 'aws-controltower-ReadOnlyExecutionRole';
  /** STS answers GetCallerIdentity as this account (the target account, or another one). */
  const callerIs = (accountId: string) =>
    sts.on(GetCallerIdentityCommand).resolves({
      Account: accountId,
      Arn: `arn:aws:sts::${accountId}:assumed-role/${ROLE}/ct-audit-run-1`,
    });

  /** One run: the real checks at the run's time, the record as Audit Account writes it, then Summarize. */
  async function audit(store: MemoryReportStore, info: RunInfo, options: { mutes?: Mute[] } = {}): Promise<RunSummary> {
    const { context } = checkContext({ now: new Date(info.startedAt), accountId: ACCOUNT, run: info });
    const delivery = await cloudTrailDeliveryCheck.run(context);
    const client = new STSClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const identity = await identityCheck.run({
      ...context,
      target: {
        ...context.target,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/${ROLE}`,
        sts: () => client,
      },
    });
    const checks = Object.fromEntries(
      Object.entries({ identity, 'cloudtrail-delivery': delivery }).map(([id, result]) => [
        id,
        result.findings ? { ...result, findings: withFingerprints(ACCOUNT, result.findings) } : result,
      ]),
    );
    const failed = Object.values(checks).some((result) => result.status === 'FAIL');
    const record: AccountRecord = {
      schemaVersion: SCHEMA_VERSION,
      accountId: ACCOUNT,
      runId: info.id,
      status: failed ? 'FAIL' : 'PASS',
      checks,
      startedAt: info.startedAt,
      finishedAt: info.startedAt,
    };
    store.seed(info, 'targets.json', { runId: info.id, targets: [{ accountId: ACCOUNT }], skipped: [] });
    store.seed(info, `accounts/${ACCOUNT}.json`, record);
    const now = new Date(info.startedAt);
    await summarize({ run: info }, { store, mutes: options.mutes ?? [], now: () => now });
    return store.read<RunSummary>(info, 'summary.json') as RunSummary;
  }

  beforeEach(() => {
    s3.reset();
    sts.reset();
    callerIs(ACCOUNT);
  });

  test('a delivery that stops: a message the first run, none while it stays stopped, REOPENED if it stops again', async () => {
    const store = new MemoryReportStore();

    // Run 1: the last file two hours ago. The check's FAIL and message are what they always were.
    delivered('2026-11-14T09:55:00Z');
    const first = await audit(store, run(1, '2026-11-14T12:00:00.000Z'));
    expect(first.accounts[0]?.checks['cloudtrail-delivery']).toEqual({
      status: 'FAIL',
      message: 'eu-west-1: newest file 2h 5m old',
      findings: 1,
    });
    expect(first.changes?.new).toEqual([
      expect.objectContaining({
        accountId: ACCOUNT,
        check: 'cloudtrail-delivery',
        rule: 'cloudtrail-delivery/stale',
        severity: 'HIGH',
        title: 'CloudTrail logs stopped arriving from eu-west-1: newest file 2h 5m old',
      }),
    ]);
    expect(shouldNotify(first, false)).toBe(true);
    expect(subjectOf(first)).toBe('ct-audit: 1 new, 0 reopened, 0 unreachable: 1/1 accounts with issues');
    expect(bodyOf(first, 'r.html')).toContain(
      `- ${ACCOUNT} HIGH CloudTrail logs stopped arriving from eu-west-1: newest file 2h 5m old`,
    );

    // Run 2, the next day: still nothing delivered; the same finding, older. Nothing changed: no message.
    const second = await audit(store, run(2, '2026-11-15T06:00:00.000Z'));
    expect(second.changes?.counts).toMatchObject({ new: 0, stillOpen: 1, resolved: 0 });
    expect(shouldNotify(second, false)).toBe(false);

    // Run 3: delivery resumed. The finding is RESOLVED.
    delivered('2026-11-14T09:55:00Z', '2026-11-16T05:55:00Z');
    const third = await audit(store, run(3, '2026-11-16T06:00:00.000Z'));
    expect(third.accounts[0]?.checks['cloudtrail-delivery']?.status).toBe('PASS');
    expect(third.changes?.resolved.map((line) => line.rule)).toEqual(['cloudtrail-delivery/stale']);

    // Run 4: it stops again: REOPENED, and a message.
    const fourth = await audit(store, run(4, '2026-11-16T09:00:00.000Z'));
    expect(fourth.changes?.counts).toMatchObject({ new: 0, reopened: 1 });
    expect(shouldNotify(fourth, false)).toBe(true);
  });

  test('a mute accepts a stopped delivery like any finding: MUTED, the check PASS, no message', async () => {
    delivered('2026-11-14T09:55:00Z');
    const mutes: Mute[] = [
      {
        account: ACCOUNT,
        rule: 'cloudtrail-delivery/stale',
        reason: 'region being decommissioned',
        owner: 'platform-team',
        expires: '2026-12-31',
      },
    ];

    const summary = await audit(new MemoryReportStore(), run(1, '2026-11-14T12:00:00.000Z'), { mutes });

    expect(summary.changes?.counts).toMatchObject({ new: 0, muted: 1 });
    expect(summary.accounts[0]?.checks['cloudtrail-delivery']).toMatchObject({ status: 'PASS', muted: 1 });
    expect(shouldNotify(summary, false)).toBe(false);
  });

  test('an identity FAIL (the role answers as another account) is a NEW finding and a message', async () => {
    delivered('2026-11-14T11:55:00Z');
    callerIs('999988887777');

    const summary = await audit(new MemoryReportStore(), run(1, '2026-11-14T12:00:00.000Z'));

    expect(summary.accounts[0]?.checks.identity).toEqual({
      status: 'FAIL',
      message: `the session belongs to account 999988887777, not ${ACCOUNT}`,
      findings: 1,
    });
    expect(summary.changes?.new.map((line) => line.rule)).toEqual(['identity/unexpected-caller']);
    expect(shouldNotify(summary, false)).toBe(true);
    expect(bodyOf(summary, 'r.html')).toContain(
      `- ${ACCOUNT} HIGH ${ROLE} in ${ACCOUNT} answers as account 999988887777`,
    );
  });
});
