import { bodyOf, MAX_BODY, MAX_SUBJECT, shouldNotify, subjectOf } from '../../../functions/report/message';
import { changeSummary, runSummary } from '../../support/report-factories';

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
