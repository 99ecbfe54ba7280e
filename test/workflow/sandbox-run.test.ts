import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalRunResult } from '../../cli/engine';
import type { Plant } from '../../cli/sandbox/seed';
import { RULE_IDS } from '../../functions/cloudtrail/rules/ids';
import type { AccountRecord, RunSummary } from '../../functions/lib/types';
import { shouldNotify } from '../../functions/report/message';
import { activeTargets, startSandbox, type TestSandbox } from '../support/sandbox';

describe('a whole-organization run on the sandbox', () => {
  let sandbox: TestSandbox;
  let result: LocalRunResult;

  // Seeding (CloudTrail files and the current state) and a run of every check take minutes on a busy machine.
  beforeAll(async () => {
    sandbox = await startSandbox({ members: 12 });
    result = await sandbox.run({});
  }, 240_000);
  afterAll(() => sandbox?.stop());

  const record = (accountId: string): AccountRecord =>
    JSON.parse(readFileSync(join(sandbox.reportDir, result.executionName, 'accounts', `${accountId}.json`), 'utf8'));
  const member = (planted: Plant) => {
    const found = sandbox.organization.members.find((account) => account.planted === planted);
    if (!found) throw new Error(`the sandbox planted no ${planted} account`);
    return found;
  };

  it('audits every ACTIVE account exactly once', () => {
    const audited = result.summary?.accounts.map((account) => account.accountId) ?? [];
    expect(audited).toEqual(activeTargets(sandbox.organization));
    expect(result.summary?.totals.accounts).toBe(audited.length);
  });

  it('skips the suspended account with its reason', () => {
    const suspended = member('suspended');
    expect(result.summary?.skipped).toContainEqual(
      expect.objectContaining({ accountId: suspended.accountId, reason: expect.stringMatching(/SUSPENDED/) }),
    );
    expect(result.summary?.accounts.map((account) => account.accountId)).not.toContain(suspended.accountId);
  });

  it('skips the management account with its reason', () => {
    expect(result.summary?.skipped).toContainEqual(
      expect.objectContaining({
        accountId: sandbox.organization.managementAccountId,
        reason: expect.stringMatching(/management account/),
      }),
    );
  });

  it('reports the account whose execution role cannot be assumed as ERROR / ACCESS_DENIED', () => {
    const denied = result.summary?.accounts.find((account) => account.accountId === member('unenrolled').accountId);
    expect(denied?.status).toBe('ERROR');
    expect(denied?.checks.identity?.error).toEqual({
      kind: 'ACCESS_DENIED',
      message: expect.stringMatching(/cannot assume aws-controltower-ReadOnlyExecutionRole in \d{12}.*AccessDenied/),
    });
  });

  it('completes the rest of the run: every other account passes the identity check', () => {
    const others = result.summary?.accounts.filter((account) => account.accountId !== member('unenrolled').accountId);
    expect(others?.length).toBeGreaterThan(0);
    for (const account of others ?? []) {
      expect(account.checks.identity?.status).toBe('PASS');
    }
  });

  it('fails CloudTrail delivery for the account whose logs stopped two hours ago, naming region and age', () => {
    const stale = result.summary?.accounts.find(
      (account) => account.accountId === member('delivery-stopped').accountId,
    );
    expect(stale?.status).toBe('FAIL');
    expect(stale?.checks['cloudtrail-delivery']).toEqual({
      status: 'FAIL',
      message: expect.stringMatching(/^us-east-1: newest file 2h \d+m old; eu-west-1: newest file 2h \d+m old$/),
      findings: 2,
    });
  });

  it('makes each region of the stopped delivery a NEW HIGH finding: a change, so a notification', () => {
    const accountId = member('delivery-stopped').accountId;
    const lines = result.summary?.changes?.new.filter((line) => line.check === 'cloudtrail-delivery');
    expect(lines).toEqual(
      ['us-east-1', 'eu-west-1'].map((region) =>
        expect.objectContaining({
          accountId,
          rule: 'cloudtrail-delivery/stale',
          severity: 'HIGH',
          title: expect.stringMatching(
            new RegExp(`^CloudTrail logs stopped arriving from ${region}: newest file 2h \\d+m old$`),
          ),
        }),
      ),
    );
    expect(shouldNotify(result.summary as RunSummary, false)).toBe(true);
  });

  it('finds the planted event of every rule, and the unreadable file, in the account records', () => {
    const alarming = sandbox.organization.members.filter((account) => account.planted === 'alarming-events');
    const found = new Set<string>();
    for (const account of alarming) {
      const events = record(account.accountId).checks['cloudtrail-events'];
      expect(events?.status).toBe('FAIL');
      for (const finding of events?.findings ?? []) found.add(finding.rule);
      for (const rule of account.rules ?? []) expect(found).toContain(rule);
    }
    expect([...found].sort()).toEqual([...RULE_IDS, 'LogFileUnreadable'].sort());
  });

  it('reports no finding for the near misses and ordinary noise in healthy accounts', () => {
    const healthy = sandbox.organization.members.filter((account) => !account.planted);
    expect(healthy.length).toBeGreaterThan(0);
    for (const account of healthy) {
      expect(record(account.accountId)).toMatchObject({
        status: 'PASS',
        checks: { 'cloudtrail-delivery': { status: 'PASS' }, 'cloudtrail-events': { status: 'PASS' } },
      });
    }
  });

  it('keeps findings in the account records and only their counts in the summary', () => {
    const [alarming] = sandbox.organization.members.filter((account) => account.planted === 'alarming-events');
    const summarized = result.summary?.accounts.find((account) => account.accountId === alarming?.accountId);
    const kept = record(alarming?.accountId ?? '').checks['cloudtrail-events']?.findings ?? [];
    expect(kept.length).toBeGreaterThan(0);
    expect(summarized?.checks['cloudtrail-events']?.findings).toBe(kept.length);
    expect(kept[0]).toEqual(
      expect.objectContaining({ rule: expect.any(String), severity: expect.any(String), s3Key: expect.any(String) }),
    );
  });

  it('ends in Audit Found Issues with a cause a person can read', () => {
    expect(result.status).toBe('FAILED');
    expect(result.endState).toBe('Audit Found Issues');
    expect(result.error?.error).toBe('AuditFoundIssues');
    const totals = result.summary?.totals;
    const withIssues = (totals?.fail ?? 0) + (totals?.error ?? 0);
    expect(withIssues).toBe(5);
    expect(result.error?.cause).toContain(
      `${withIssues} of ${totals?.accounts} accounts have issues (${totals?.fail} FAIL, ${totals?.error} ERROR)`,
    );
    expect(result.error?.cause).toContain(`Report: ${result.summary?.reportLocation}`);
  });

  it('writes targets.json, one record per account and summary.json in the run folder', () => {
    const folder = join(sandbox.reportDir, result.executionName);
    expect(existsSync(join(folder, 'targets.json'))).toBe(true);
    expect(existsSync(join(folder, 'summary.json'))).toBe(true);
    for (const accountId of activeTargets(sandbox.organization)) {
      expect(record(accountId)).toMatchObject({ accountId, runId: result.executionName });
    }
  });

  it('keeps every state payload small', () => {
    expect(result.stats.largestPayload.bytes).toBeLessThan(256 * 1024);
  });
});
