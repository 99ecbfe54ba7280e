import type { AccountFindings, ChangeSummary, TrackedFinding } from '../../functions/lib/changes';
import { type RunSummary, SCHEMA_VERSION, type SummaryAccount } from '../../functions/lib/types';
import type { PublishContext } from '../../functions/report/sink';

/** A tracked finding with overrides. */
export function trackedFinding(overrides: Partial<TrackedFinding> = {}): TrackedFinding {
  return {
    accountId: '111111111111',
    check: 'cloudtrail-events',
    rule: 'security-group-open-to-world',
    severity: 'HIGH',
    title: 'Security group opened to the world',
    resource: { type: 'AwsEc2SecurityGroup', id: 'sg-0123', region: 'eu-west-1' },
    fingerprint: '0123456789abcdef0123456789abcdef',
    state: 'NEW',
    firstSeen: '2030-01-01T06:00:00.000Z',
    lastSeen: '2030-01-02T06:00:00.000Z',
    ...overrides,
  };
}

/** A change summary with overrides. */
export function changeSummary(overrides: Partial<ChangeSummary> = {}): ChangeSummary {
  return {
    compared: true,
    previousRunIds: ['run-1'],
    counts: { new: 0, stillOpen: 0, resolved: 0, reopened: 0, notAssessed: 0, muted: 0 },
    newlyUnreachable: [],
    new: [],
    reopened: [],
    resolved: [],
    expiredMutes: [],
    listCap: 50,
    ...overrides,
  };
}

/** An account line of summary.json. */
export function summaryAccount(overrides: Partial<SummaryAccount> = {}): SummaryAccount {
  return {
    accountId: '111111111111',
    name: 'Prod',
    status: 'PASS',
    checks: { identity: { status: 'PASS' }, 'cloudtrail-events': { status: 'PASS' } },
    ...overrides,
  };
}

/** A run summary with overrides. */
export function runSummary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    schemaVersion: SCHEMA_VERSION,
    runId: 'run-2',
    mode: 'audit',
    role: 'readOnly',
    checks: ['identity', 'cloudtrail-events'],
    startedAt: '2030-01-02T06:00:00.000Z',
    finishedAt: '2030-01-02T06:03:20.000Z',
    reportLocation: 's3://reports/runs/2030-01-02/run-2/',
    totals: { accounts: 1, pass: 1, fail: 0, error: 0, skipped: 0 },
    accounts: [summaryAccount()],
    skipped: [],
    changes: changeSummary(),
    ...overrides,
  };
}

/** findings/<id>.json with overrides. */
export function accountFindings(findings: TrackedFinding[], accountId = '111111111111'): AccountFindings {
  return { schemaVersion: 2, accountId, runId: 'run-2', status: 'FAIL', findings, resolved: [] };
}

/** What Publish Report hands a sink: one account's tracked findings, as a sink test reads them. */
export function publishContext(findings: TrackedFinding[], now: Date): PublishContext {
  return {
    run: {
      id: 'run-2',
      mode: 'audit',
      checks: [],
      role: 'readOnly',
      startedAt: '2030-01-02T06:00:00.000Z',
      maxConcurrency: 1,
      failOnIssues: true,
      reportLocation: '',
    },
    summary: runSummary(),
    findings: new Map([['111111111111', accountFindings(findings)]]),
    reportLocation: 'report.html',
    now,
  };
}
