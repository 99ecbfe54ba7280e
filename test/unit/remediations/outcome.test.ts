import {
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { runRemediationLocal } from '../../../cli/remediate-engine';
import type { RunRef } from '../../../functions/lib/report-store';
import type { RunSummary } from '../../../functions/lib/types';
import { PATHS, type RemediationRunDocument, type SkippedAccount } from '../../../functions/remediations/documents';
import { reviewPlan } from '../../../functions/remediations/review';
import { startRemediation } from '../../../functions/remediations/start';
import { type RemediationSummary, summarizeRemediation } from '../../../functions/remediations/summarize';
import { auditRecord, auditSummary, findings, remediationRun, settingsWith } from '../../support/remediation-factories';
import { MemoryReportStore } from '../../support/unit-memory-store';

/**
 * How a remediation run ends when not everything could be planned: every targeted account is in the result once,
 * the accounts asked for that were not planned are listed with why, and such a run never ends in a Succeed state.
 * The workflow runs here in the local engine (statemachine/remediate.asl.json, the real step code) over mocked AWS.
 */
const PLANNED = '111111111111';
const NO_RECORD = '222222222222';
const ITEM_ERROR = '333333333333';
const PLAN_THROWS = '444444444444';
const AUDIT: RunRef = { id: 'audit-run-1', startedAt: '2030-01-02T06:00:00.000Z' };
const settings = settingsWith(['revoke-world-ingress']);

const sts = mockClient(STSClient);
const ec2 = mockClient(EC2Client);

/** A report store whose read of one account's audit record fails: Plan Account throws and writes no plan. */
class FailingStore extends MemoryReportStore {
  constructor(private readonly failing: string) {
    super();
  }
  override async getJson<T>(run: RunRef, name: string): Promise<T | undefined> {
    if (name === `accounts/${this.failing}.json`) throw new Error('SlowDown: the store did not answer');
    return super.getJson<T>(run, name);
  }
}

/** One security group per account; the group `sg-denied` cannot be read (AccessDenied). */
let rules: Set<string>;
function givenEc2() {
  ec2.on(DescribeSecurityGroupsCommand).callsFake((input: { GroupIds: string[] }) => {
    if (input.GroupIds[0] === 'sg-denied') {
      throw Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation', $metadata: {} });
    }
    return { SecurityGroups: [{ GroupId: input.GroupIds[0], GroupName: 'app', Tags: [] }] };
  });
  ec2.on(DescribeSecurityGroupRulesCommand).callsFake((input: { SecurityGroupRuleIds: string[] }) => ({
    SecurityGroupRules: input.SecurityGroupRuleIds.filter((id) => rules.has(id)).map((id) => ({
      SecurityGroupRuleId: id,
      GroupId: 'sg-0123456789abcdef0',
      IsEgress: false,
      IpProtocol: 'tcp',
      FromPort: 22,
      ToPort: 22,
      CidrIpv4: '0.0.0.0/0',
    })),
  }));
  ec2.on(RevokeSecurityGroupIngressCommand).callsFake((input: { SecurityGroupRuleIds: string[] }) => {
    for (const id of input.SecurityGroupRuleIds) rules.delete(id);
    return { Return: true };
  });
}

/**
 * An audit run of four accounts with a world-open rule each: one plans, one has no audit record (its plan cannot be
 * made), one whose group cannot be read (only ERROR items), one whose Plan Account throws (no plan file).
 */
function auditRun(store: MemoryReportStore, accounts = [PLANNED, NO_RECORD, ITEM_ERROR, PLAN_THROWS]) {
  const records = accounts.map((accountId) =>
    auditRecord(accountId, [
      findings.worldIngress({ ruleId: 'sgr-1', groupId: accountId === ITEM_ERROR ? 'sg-denied' : undefined }),
    ]),
  );
  for (const record of records) {
    if (record.accountId !== NO_RECORD) store.seed(AUDIT, `accounts/${record.accountId}.json`, record);
  }
  store.seed(AUDIT, 'summary.json', auditSummary(records));
}

const run = (store: MemoryReportStore, input: Record<string, unknown>) =>
  runRemediationLocal({
    settings,
    input: { auditRunId: AUDIT.id, auditRunStartedAt: AUDIT.startedAt, ...input },
    store,
    executionName: 'remediate-1',
    approve: async () => ({ approved: true, approvedBy: 'test:approver', approvedAt: '2030-01-02T07:05:00.000Z' }),
  });

const ids = (summary: RemediationSummary | undefined) => summary?.accounts.map((account) => account.accountId).sort();

describe('the outcome of a remediation run', () => {
  beforeEach(() => {
    sts.reset();
    ec2.reset();
    sts.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: 'a', SecretAccessKey: 'b', SessionToken: 'c', Expiration: new Date('2099-01-01') },
    });
    rules = new Set(['sgr-1']);
    givenEc2();
  });

  it('a plan with accounts that could not be planned ends in Remediation Incomplete, each account listed once', async () => {
    const store = new FailingStore(PLAN_THROWS);
    auditRun(store);

    const result = await run(store, { mode: 'plan' });

    expect(result.status).toBe('FAILED');
    expect(result.endState).toBe('Remediation Incomplete');
    expect(result.error?.error).toBe('RemediationIncomplete');
    expect(result.summary?.outcome).toBe('INCOMPLETE');
    expect(ids(result.summary)).toEqual([PLANNED, NO_RECORD, ITEM_ERROR, PLAN_THROWS]);
    const byId = new Map(result.summary?.accounts.map((account) => [account.accountId, account]));
    expect(byId.get(PLANNED)).toEqual({ accountId: PLANNED, planned: 1, decisions: { PLANNED: 1 }, results: {} });
    expect(byId.get(NO_RECORD)?.error).toBe(
      'the plan could not be made: the audit run audit-run-1 has no record for this account',
    );
    expect(byId.get(ITEM_ERROR)).toMatchObject({
      planned: 0,
      decisions: { ERROR: 1 },
      error: expect.stringMatching(
        /^1 findings could not be planned, e\.g\. sg-denied: nothing is applied: cannot read/,
      ),
    });
    expect(byId.get(PLAN_THROWS)?.error).toBe('no plan recorded: Plan Account failed before writing one');
    expect(result.error?.cause).toMatch(
      /^incomplete: plan only: 1 actions planned in 1 accounts; 2 of 4 accounts could not be planned, 1 findings could not be planned \(ERROR\): nothing is applied to them; nothing was changed; 3 of 4 accounts in error \(222222222222, 333333333333, 444444444444\)\. Report: /,
    );
  });

  it('an apply with an account in error applies the others and still ends in Remediation Incomplete', async () => {
    const store = new FailingStore(PLAN_THROWS);
    auditRun(store);

    const result = await run(store, { mode: 'apply' });

    expect(result.endState).toBe('Remediation Incomplete');
    expect(result.summary?.results).toEqual({ REMEDIATED: 1 });
    expect(rules.size).toBe(0);
    expect(ids(result.summary)).toEqual([PLANNED, NO_RECORD, ITEM_ERROR, PLAN_THROWS]);
    expect(result.summary?.accounts.find((account) => account.accountId === PLANNED)).toEqual({
      accountId: PLANNED,
      planned: 1,
      decisions: { PLANNED: 1 },
      results: { REMEDIATED: 1 },
    });
  });

  it('an apply in which nothing could be planned is not "nothing to do"', async () => {
    const store = new FailingStore(PLAN_THROWS);
    auditRun(store, [NO_RECORD, ITEM_ERROR, PLAN_THROWS]);

    const result = await run(store, { mode: 'apply' });

    expect(result.endState).toBe('Remediation Incomplete');
    expect(result.summary?.message).toMatch(/^incomplete: nothing to remediate: no planned action; /);
    expect(ids(result.summary)).toEqual([NO_RECORD, ITEM_ERROR, PLAN_THROWS]);
  });

  it('a plan of accounts that all planned still ends in Plan Ready, each account listed', async () => {
    const store = new MemoryReportStore();
    auditRun(store, [PLANNED]);

    const result = await run(store, { mode: 'plan' });

    expect(result.endState).toBe('Plan Ready');
    expect(result.summary).toMatchObject({ outcome: 'PLANNED', skipped: [] });
    expect(ids(result.summary)).toEqual([PLANNED]);
  });

  it('a plan whose Plan Remediations Map failed is incomplete, says why, and lists each account once', async () => {
    const store = new MemoryReportStore();
    auditRun(store, [PLANNED, ITEM_ERROR]);
    const started = await startRemediation(
      {
        input: { auditRunId: AUDIT.id, auditRunStartedAt: AUDIT.startedAt, mode: 'plan' },
        executionName: 'remediate-1',
        startedAt: '2030-01-02T07:00:00.000Z',
      },
      { settings, store },
    );

    // The state the Map's Catch hands on: Start Remediation's output and the Map's error.
    const result = await summarizeRemediation(
      { ...started, planError: { Error: 'States.ItemReaderFailed', Cause: 'the Map Run failed' } },
      store,
    );

    expect(result.outcome).toBe('INCOMPLETE');
    expect(result.cause).toMatch(
      /^incomplete: the plan could not be made; nothing was changed; Plan Remediations failed \(States\.ItemReaderFailed: the Map Run failed\); 2 of 2 accounts in error \(111111111111, 333333333333\)\. Report: /,
    );
    const summary = store.read<RemediationSummary>(started.run, PATHS.summary);
    expect(summary?.outcome).toBe('INCOMPLETE');
    expect(summary?.accounts.map((account) => [account.accountId, account.error])).toEqual([
      [PLANNED, 'not planned: Plan Remediations failed before the plan was reviewed'],
      [ITEM_ERROR, 'not planned: Plan Remediations failed before the plan was reviewed'],
    ]);
  });

  it('an account whose plan was never written is in error even when review and summarize are called directly', async () => {
    const store = new MemoryReportStore();
    const remediation = remediationRun({ mode: 'apply' });

    const review = await reviewPlan({ run: remediation, accounts: [PLANNED, PLANNED] }, store);
    await summarizeRemediation(review, store);

    expect(review).toMatchObject({
      next: 'summarize',
      stop: 'NOTHING_TO_DO',
      totals: { accounts: 1, accountErrors: 1 },
    });
    const summary = store.read<RemediationSummary>(remediation, PATHS.summary);
    expect(summary?.outcome).toBe('INCOMPLETE');
    expect(summary?.accounts).toEqual([
      {
        accountId: PLANNED,
        planned: 0,
        decisions: {},
        results: {},
        error: 'no plan recorded: Plan Account failed before writing one',
      },
    ]);
  });
});

describe('accounts asked for that are not planned', () => {
  const NOT_IN_RUN = '555555555555';
  const CLEAN = '666666666666';
  const UNREACHABLE = '777777777777';
  const SUSPENDED = '888888888888';

  /** An audit run with one account with findings, one clean, one it could not assess and one it skipped. */
  function seedAudit(store: MemoryReportStore) {
    const withFindings = auditRecord(PLANNED, [findings.worldIngress({ ruleId: 'sgr-1' })]);
    store.seed(AUDIT, `accounts/${PLANNED}.json`, withFindings);
    const base = auditSummary([withFindings]);
    const summary: RunSummary = {
      ...base,
      accounts: [
        ...base.accounts,
        { accountId: CLEAN, status: 'PASS', checks: { 'network-exposure': { status: 'PASS', findings: 0 } } },
        {
          accountId: UNREACHABLE,
          status: 'ERROR',
          checks: { identity: { status: 'ERROR' } },
          error: { kind: 'ACCESS_DENIED', message: 'cannot assume the execution role' },
        },
      ],
      skipped: [{ accountId: SUSPENDED, reason: 'SUSPENDED' }],
    };
    store.seed(AUDIT, 'summary.json', summary);
  }

  const start = (store: MemoryReportStore, input: Record<string, unknown>) =>
    startRemediation(
      {
        input: { auditRunId: AUDIT.id, auditRunStartedAt: AUDIT.startedAt, mode: 'plan', ...input },
        executionName: 'remediate-1',
        startedAt: '2030-01-02T07:00:00.000Z',
      },
      { settings, store },
    );

  it('Start Remediation says why of each, in run.json', async () => {
    const store = new MemoryReportStore();
    seedAudit(store);

    const { run, accounts } = await start(store, {
      accounts: [PLANNED, NOT_IN_RUN, CLEAN, UNREACHABLE, SUSPENDED],
    });

    expect(accounts).toEqual([PLANNED]);
    expect(store.read<RemediationRunDocument>(run, PATHS.run)?.skipped).toEqual([
      { accountId: NOT_IN_RUN, kind: 'NOT_IN_AUDIT_RUN', reason: 'not in the audit run audit-run-1: nothing to plan' },
      {
        accountId: CLEAN,
        kind: 'NO_FINDINGS',
        reason: 'no findings in the audit run audit-run-1 (PASS): nothing to remediate',
      },
      {
        accountId: UNREACHABLE,
        kind: 'NOT_ASSESSED',
        reason:
          'the audit run audit-run-1 could not assess it (ERROR: cannot assume the execution role): nothing to plan',
      },
      {
        accountId: SUSPENDED,
        kind: 'NOT_ASSESSED',
        reason: 'the audit run audit-run-1 skipped it (SUSPENDED): nothing to plan',
      },
    ] satisfies SkippedAccount[]);
  });

  it('without accounts, an audited account the audit could not assess is listed; a clean one is not', async () => {
    const store = new MemoryReportStore();
    seedAudit(store);

    const { run } = await start(store, {});

    expect(store.read<RemediationRunDocument>(run, PATHS.run)?.skipped).toEqual([
      expect.objectContaining({ accountId: UNREACHABLE, kind: 'AUDIT_ERROR' }),
    ]);
  });

  it('without accounts, an account the audit could not assess is said, but the plan of the others is ready', async () => {
    // The audit run already failed on the unreachable account and says why; failing every remediation run of the
    // organization for it too would only repeat that.
    const store = new MemoryReportStore();
    seedAudit(store);

    const result = await run(store, { mode: 'plan' });

    expect(result.endState).toBe('Plan Ready');
    expect(result.summary?.skipped).toEqual([expect.objectContaining({ accountId: UNREACHABLE, kind: 'AUDIT_ERROR' })]);
    expect(result.summary?.message).toMatch(/1 accounts could not be assessed by the audit run, which says why/);
  });

  it('an account asked for that is not in the audit run makes the run incomplete, and the result says so', async () => {
    const store = new MemoryReportStore();
    seedAudit(store);

    const result = await run(store, { mode: 'plan', accounts: [PLANNED, NOT_IN_RUN] });

    expect(result.endState).toBe('Remediation Incomplete');
    expect(ids(result.summary)).toEqual([PLANNED]);
    expect(result.summary?.skipped).toEqual([
      expect.objectContaining({ accountId: NOT_IN_RUN, kind: 'NOT_IN_AUDIT_RUN' }),
    ]);
    expect(result.summary?.message).toMatch(
      /; 1 accounts were not assessed by the audit run or are not in it \(555555555555\)$/,
    );
  });

  it('an account asked for with no findings is listed, and the plan of the others is still ready', async () => {
    const store = new MemoryReportStore();
    seedAudit(store);

    const result = await run(store, { mode: 'plan', accounts: [PLANNED, CLEAN] });

    expect(result.endState).toBe('Plan Ready');
    expect(result.summary?.skipped).toEqual([expect.objectContaining({ accountId: CLEAN, kind: 'NO_FINDINGS' })]);
    expect(result.summary?.message).toMatch(/; 1 accounts asked for have no findings \(666666666666\)$/);
  });

  it('a run of accounts none of which the audit assessed does not end as a success', async () => {
    const store = new MemoryReportStore();
    seedAudit(store);

    const result = await run(store, { mode: 'apply', accounts: [UNREACHABLE, NOT_IN_RUN] });

    expect(result.endState).toBe('Remediation Incomplete');
    expect(result.summary?.accounts).toEqual([]);
    expect(result.summary?.skipped.map((account) => account.accountId)).toEqual([UNREACHABLE, NOT_IN_RUN]);
  });
});
