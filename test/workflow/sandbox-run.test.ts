import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalRunResult } from '../../cli/engine';
import type { AccountRecord } from '../../functions/lib/types';
import { activeTargets, startSandbox, type TestSandbox } from '../support/sandbox';

describe('a whole-organization run on the sandbox', () => {
  let sandbox: TestSandbox;
  let result: LocalRunResult;

  beforeAll(async () => {
    sandbox = await startSandbox({ members: 12 });
    result = await sandbox.run({});
  });
  afterAll(() => sandbox?.stop());

  const member = (planted: 'suspended' | 'unenrolled') => {
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
      expect(account).toMatchObject({ status: 'PASS', checks: { identity: { status: 'PASS' } } });
    }
  });

  it('ends in Audit Found Issues with a cause a person can read', () => {
    expect(result.status).toBe('FAILED');
    expect(result.endState).toBe('Audit Found Issues');
    expect(result.error?.error).toBe('AuditFoundIssues');
    const targets = activeTargets(sandbox.organization).length;
    expect(result.error?.cause).toContain(`1 of ${targets} accounts have issues (0 FAIL, 1 ERROR)`);
    expect(result.error?.cause).toContain(`Report: ${result.summary?.reportLocation}`);
  });

  it('writes targets.json, one record per account and summary.json in the run folder', () => {
    const folder = join(sandbox.reportDir, result.executionName);
    expect(existsSync(join(folder, 'targets.json'))).toBe(true);
    expect(existsSync(join(folder, 'summary.json'))).toBe(true);
    for (const accountId of activeTargets(sandbox.organization)) {
      const record: AccountRecord = JSON.parse(readFileSync(join(folder, 'accounts', `${accountId}.json`), 'utf8'));
      expect(record).toMatchObject({ accountId, runId: result.executionName });
    }
  });

  it('keeps every state payload small', () => {
    expect(result.stats.largestPayload.bytes).toBeLessThan(256 * 1024);
  });
});
