import type { TrackedFinding } from '../../../functions/lib/changes';
import type { RunInfo } from '../../../functions/lib/types';
import { publishReport } from '../../../functions/publish-report/publish-report';
import {
  type AccountPlan,
  type AccountRemediationRecord,
  PATHS,
  type PlanItem,
  type RecordItem,
  type RemediationRun,
} from '../../../functions/remediations/documents';
import { summarizeRemediation } from '../../../functions/remediations/summarize';
import { renderReportHtml } from '../../../functions/report/html';
import { remediationLines, rememberRemediationRun } from '../../../functions/report/remediation-results';
import { ReportFileSink } from '../../../functions/report/sinks';
import { remediationRun } from '../../support/remediation-factories';
import { accountFindings, runSummary, summaryAccount, trackedFinding } from '../../support/report-factories';
import { MemoryReportStore } from '../../support/unit-memory-store';

const ACCOUNT = '111111111111';
const AUDIT = { id: 'audit-run-1', startedAt: '2030-01-02T06:00:00.000Z' };
const NOW = new Date('2030-01-02T08:00:00.000Z');
const HOSTILE = '<img src=x onerror=alert(1)>';

const fixedRule = trackedFinding({
  check: 'network-exposure',
  rule: 'network-exposure/world-ingress',
  title: 'Security group sg-1 allows tcp 22 from 0.0.0.0/0',
  resource: { type: 'AwsEc2SecurityGroup', id: 'sg-1', region: 'us-east-1', part: 'sgr-1' },
  fingerprint: 'f'.repeat(32),
});
const otherRule = trackedFinding({
  check: 'network-exposure',
  rule: 'network-exposure/world-ingress',
  title: 'Security group sg-2 allows tcp 3389 from 0.0.0.0/0',
  resource: { type: 'AwsEc2SecurityGroup', id: 'sg-2', region: 'us-east-1', part: 'sgr-2' },
  fingerprint: 'e'.repeat(32),
});

function recordItem(overrides: Partial<RecordItem> = {}): RecordItem {
  return {
    action: 'revoke-world-ingress',
    rule: 'network-exposure/world-ingress',
    fingerprint: fixedRule.fingerprint,
    resource: { type: 'AwsEc2SecurityGroup', id: 'sg-1', region: 'us-east-1', part: 'sgr-1' },
    evidence: {},
    severity: 'HIGH',
    key: 'sgr-1',
    outcome: 'REMEDIATED',
    reason: 'revoked and verified',
    calls: [],
    approvedBy: HOSTILE,
    approvedAt: '2030-01-02T07:30:00.000Z',
    appliedAt: '2030-01-02T07:31:00.000Z',
    ...overrides,
  };
}

function planItem(overrides: Partial<PlanItem> = {}): PlanItem {
  return {
    action: 'revoke-world-ingress',
    rule: 'network-exposure/world-ingress',
    fingerprint: otherRule.fingerprint,
    resource: { type: 'AwsEc2SecurityGroup', id: 'sg-2', region: 'us-east-1', part: 'sgr-2' },
    evidence: {},
    severity: 'HIGH',
    key: 'sgr-2',
    decision: 'NEEDS_PERSON',
    reason: 'needs a person: the group is used by a load balancer',
    change: 'revoke sgr-2',
    risk: 'traffic from the internet stops',
    ...overrides,
  };
}

/** An audit run with two open findings, and (optionally) what a remediation run planned and did. */
function seeded(run: RemediationRun, plan: PlanItem[], record: RecordItem[]) {
  const store = new MemoryReportStore();
  store.seed(
    AUDIT,
    'summary.json',
    runSummary({
      runId: AUDIT.id,
      startedAt: AUDIT.startedAt,
      checks: ['network-exposure'],
      totals: { accounts: 1, pass: 0, fail: 1, error: 0, skipped: 0 },
      accounts: [summaryAccount({ status: 'FAIL', checks: { 'network-exposure': { status: 'FAIL' } } })],
    }),
  );
  store.seed(AUDIT, `findings/${ACCOUNT}.json`, accountFindings([fixedRule, otherRule]));
  store.seed(run, PATHS.plan(ACCOUNT), {
    schemaVersion: 1,
    remediationRunId: run.id,
    auditRunId: AUDIT.id,
    accountId: ACCOUNT,
    plannedAt: '2030-01-02T07:10:00.000Z',
    items: plan,
    notes: [],
  } satisfies AccountPlan);
  if (record.length > 0) {
    store.seed(run, PATHS.record(ACCOUNT), {
      schemaVersion: 1,
      remediationRunId: run.id,
      auditRunId: AUDIT.id,
      accountId: ACCOUNT,
      startedAt: '2030-01-02T07:30:00.000Z',
      finishedAt: '2030-01-02T07:32:00.000Z',
      items: record,
    } satisfies AccountRemediationRecord);
  }
  return store;
}

/** The table row of the finding whose title is given. */
function rowOf(html: string, title: string): string {
  const row = html.split('<tr>').find((candidate) => candidate.includes(title));
  if (!row) throw new Error(`no row for ${title}`);
  return row;
}

const APPLIED = remediationRun({ auditRun: { ...AUDIT, location: 'memory://audit' } });
const appliedStore = () =>
  seeded(
    APPLIED,
    [planItem({ fingerprint: fixedRule.fingerprint, key: 'sgr-1', decision: 'PLANNED' }), planItem()],
    [recordItem()],
  );

describe('remediation results in the audit report', () => {
  test('Summarize Remediation renders the audit run’s report.html again, each result on its own finding', async () => {
    const store = appliedStore();
    const auditSummary = store.files.get('runs/2030-01-02/audit-run-1/summary.json');

    await summarizeRemediation({ run: APPLIED, accountsToApply: [ACCOUNT] }, store, () => NOW);

    const html = store.files.get('runs/2030-01-02/audit-run-1/report.html') ?? '';
    expect(html).toMatch(/^<!doctype html>/);
    const fixed = rowOf(html, 'sg-1 allows tcp 22');
    expect(fixed).toContain(
      'remediation revoke-world-ingress: <strong>REMEDIATED</strong> at 2030-01-02T07:31:00.000Z',
    );
    expect(fixed).toContain('(run remediation-run-1)');
    expect(fixed).not.toContain('NEEDS A PERSON');
    const other = rowOf(html, 'sg-2 allows tcp 3389');
    expect(other).toContain('<strong>NEEDS A PERSON</strong>');
    expect(other).toContain('the group is used by a load balancer');
    expect(other).not.toContain('REMEDIATED');
    // The audit run's own summary is read, never written: the report is rendered from it as it stands.
    expect(store.files.get('runs/2030-01-02/audit-run-1/summary.json')).toBe(auditSummary);
    expect(store.writes).not.toContain('runs/2030-01-02/audit-run-1/summary.json');
    expect(await store.getState(PATHS.byAuditRun(AUDIT.id))).toEqual({
      runs: [{ id: APPLIED.id, startedAt: APPLIED.startedAt }],
    });
  });

  test('text from the records is escaped: who approved shows as text, never as markup', async () => {
    const store = appliedStore();

    await summarizeRemediation({ run: APPLIED, accountsToApply: [ACCOUNT] }, store, () => NOW);

    const html = store.files.get('runs/2030-01-02/audit-run-1/report.html') ?? '';
    expect(html).not.toContain(HOSTILE);
    expect(rowOf(html, 'sg-1 allows tcp 22')).toContain(
      'approved by &lt;img src=x onerror=alert(1)&gt; at 2030-01-02T07:30:00.000Z',
    );
  });

  test('ct-audit report --run finds the remediation runs through the state document and shows them too', async () => {
    const store = appliedStore();
    await summarizeRemediation({ run: APPLIED, accountsToApply: [ACCOUNT] }, store, () => NOW);
    store.files.delete('runs/2030-01-02/audit-run-1/report.html');
    const run = { ...AUDIT, mode: 'audit', checks: ['network-exposure'], role: 'readOnly' } as const;
    const info: RunInfo = { ...run, maxConcurrency: 1, failOnIssues: false, reportLocation: '' };

    await publishReport({ run: info }, { store, sinks: [new ReportFileSink(store, { withRemediations: true })] });

    expect(rowOf(store.files.get('runs/2030-01-02/audit-run-1/report.html') ?? '', 'sg-1 allows')).toContain(
      '<strong>REMEDIATED</strong>',
    );
  });

  test('a later remediation run’s result replaces an earlier one’s for the same finding', async () => {
    const store = appliedStore();
    await summarizeRemediation({ run: APPLIED, accountsToApply: [ACCOUNT] }, store, () => NOW);
    const second = remediationRun({
      id: 'remediation-run-2',
      startedAt: '2030-01-02T09:00:00.000Z',
      auditRun: { ...AUDIT, location: 'memory://audit' },
    });
    store.seed(second, PATHS.record(ACCOUNT), {
      schemaVersion: 1,
      remediationRunId: second.id,
      auditRunId: AUDIT.id,
      accountId: ACCOUNT,
      startedAt: second.startedAt,
      finishedAt: second.startedAt,
      items: [recordItem({ outcome: 'FAILED', reason: 'verify saw the rule still there', approvedBy: 'alice' })],
    } satisfies AccountRemediationRecord);

    await summarizeRemediation({ run: second, accountsToApply: [ACCOUNT] }, store, () => NOW);

    const fixed = rowOf(store.files.get('runs/2030-01-02/audit-run-1/report.html') ?? '', 'sg-1 allows tcp 22');
    expect(fixed).toContain('<strong>FAILED</strong>');
    expect(fixed).toContain('approved by alice');
    expect(fixed).not.toContain('REMEDIATED');
  });

  test('an undo is the latest word until a plan made after it, whichever run each came from', async () => {
    // Arrange: run 1 remediated the finding; run 2, planned later, saw it compliant; then run 1 was undone.
    const store = appliedStore();
    await summarizeRemediation({ run: APPLIED, accountsToApply: [ACCOUNT] }, store, () => NOW);
    const planLater = (id: string, plannedAt: string) => {
      const run = remediationRun({ id, startedAt: plannedAt, auditRun: { ...AUDIT, location: 'memory://audit' } });
      store.seed(run, PATHS.plan(ACCOUNT), {
        schemaVersion: 1,
        remediationRunId: run.id,
        auditRunId: AUDIT.id,
        accountId: ACCOUNT,
        plannedAt,
        items: [planItem({ fingerprint: fixedRule.fingerprint, key: 'sgr-1', decision: 'ALREADY_COMPLIANT' })],
        notes: [],
      } satisfies AccountPlan);
      return rememberRemediationRun(store, AUDIT.id, run);
    };
    await planLater('remediation-run-2', '2030-01-02T09:00:00.000Z');
    const record = store.read<AccountRemediationRecord>(APPLIED, PATHS.record(ACCOUNT)) as AccountRemediationRecord;
    const undo = { at: '2030-01-02T10:00:00.000Z', by: 'bob', status: 'UNDONE', calls: [] } as const;
    store.seed(APPLIED, PATHS.record(ACCOUNT), {
      ...record,
      items: [{ ...(record.items[0] as RecordItem), undo: [undo] }],
    });
    const fixedLine = async () =>
      (await remediationLines(store, AUDIT.id)).find((line) => line.fingerprint === fixedRule.fingerprint);

    // Act and assert: the undo, at 10:00, is later than run 2's plan at 09:00.
    expect(await fixedLine()).toMatchObject({
      status: 'REMEDIATED, THEN UNDONE',
      at: '2030-01-02T10:00:00.000Z',
      message: 'revoked and verified (applied at 2030-01-02T07:31:00.000Z; undone by bob)',
      runId: APPLIED.id,
    });

    // A plan at 11:00 is later than the undo.
    await planLater('remediation-run-3', '2030-01-02T11:00:00.000Z');
    expect(await fixedLine()).toMatchObject({ status: 'PLAN: ALREADY_COMPLIANT', runId: 'remediation-run-3' });
  });

  test('a result without a fingerprint goes to the finding with its rule and resource', async () => {
    const store = seeded(APPLIED, [], [recordItem({ fingerprint: undefined, outcome: 'ALREADY_COMPLIANT' })]);
    await summarizeRemediation({ run: APPLIED, accountsToApply: [ACCOUNT] }, store, () => NOW);
    const findings: TrackedFinding[] = [fixedRule, otherRule];

    const html = renderReportHtml({
      summary: runSummary({
        runId: AUDIT.id,
        checks: ['network-exposure'],
        accounts: [summaryAccount({ status: 'FAIL', checks: { 'network-exposure': { status: 'FAIL' } } })],
      }),
      findings: new Map([[ACCOUNT, accountFindings(findings)]]),
      remediations: await remediationLines(store, AUDIT.id),
      now: NOW,
    });

    expect(rowOf(html, 'sg-1 allows tcp 22')).toContain('<strong>ALREADY_COMPLIANT</strong>');
    expect(rowOf(html, 'sg-2 allows tcp 3389')).not.toContain('remediation revoke-world-ingress');
  });

  test('a finding a mute kept out of the plan says so on its row, with the mute', async () => {
    const muted = planItem({ decision: 'MUTED', reason: 'muted until 2030-06-30 (owner sec-team): bastion, reviewed' });
    const store = seeded(APPLIED, [muted], []);
    await summarizeRemediation({ run: APPLIED, accountsToApply: [] }, store, () => NOW);

    const other = rowOf(store.files.get('runs/2030-01-02/audit-run-1/report.html') ?? '', 'sg-2 allows tcp 3389');
    expect(other).toContain('<strong>PLAN: MUTED</strong>');
    expect(other).toContain('muted until 2030-06-30 (owner sec-team): bastion, reviewed');
  });

  test('an audit run that was never remediated has no remediation results', async () => {
    expect(await remediationLines(new MemoryReportStore(), AUDIT.id)).toEqual([]);
  });
});
