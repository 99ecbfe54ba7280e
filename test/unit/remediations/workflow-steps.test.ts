import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SessionCache } from '../../../functions/lib/assume-role';
import { runPrefix } from '../../../functions/lib/report-store';
import type { Settings } from '../../../functions/lib/settings';
import type { AccountRecord } from '../../../functions/lib/types';
import { applyAccount } from '../../../functions/remediations/apply';
import {
  type AccountPlan,
  type AccountRemediationRecord,
  PATHS,
  type RemediationRun,
} from '../../../functions/remediations/documents';
import { planAccount } from '../../../functions/remediations/plan';
import { type PlanSummary, reviewPlan } from '../../../functions/remediations/review';
import { REMEDIATION_SESSION_POLICY } from '../../../functions/remediations/session-policy';
import { undoRun } from '../../../functions/remediations/undo';
import { REPORT_FILE } from '../../../functions/report/html';
import { rememberRemediationRun } from '../../../functions/report/remediation-results';
import {
  ACCOUNT,
  auditRecord,
  findings,
  NOW,
  remediationRun,
  reviewedDigest,
  settingsWith,
} from '../../support/remediation-factories';
import { runSummary, summaryAccount } from '../../support/report-factories';
import { MemoryReportStore } from '../../support/unit-memory-store';

const sts = mockClient(STSClient);
const ec2 = mockClient(EC2Client);
const APPROVAL = {
  approved: true,
  approvedBy: 'arn:aws:sts::999999999999:assumed-role/SecOps/alice',
  approvedAt: '2030-01-02T07:05:00.000Z',
};

/** Security group rules as the emulator holds them: a revoke removes one. */
let rules: Map<string, { cidr: string; port: number }>;
let groupName: string;
let groupTags: { Key: string; Value: string }[];

function givenEmulatedEc2() {
  ec2.on(DescribeSecurityGroupsCommand).callsFake(() => ({
    SecurityGroups: [{ GroupId: 'sg-0123456789abcdef0', GroupName: groupName, Tags: groupTags }],
  }));
  ec2.on(DescribeSecurityGroupRulesCommand).callsFake((input: { SecurityGroupRuleIds: string[] }) => ({
    SecurityGroupRules: input.SecurityGroupRuleIds.filter((id) => rules.has(id)).map((id) => ({
      SecurityGroupRuleId: id,
      GroupId: 'sg-0123456789abcdef0',
      IsEgress: false,
      IpProtocol: 'tcp',
      FromPort: rules.get(id)?.port,
      ToPort: rules.get(id)?.port,
      CidrIpv4: rules.get(id)?.cidr,
    })),
  }));
  ec2.on(RevokeSecurityGroupIngressCommand).callsFake((input: { SecurityGroupRuleIds: string[] }) => {
    for (const id of input.SecurityGroupRuleIds) rules.delete(id);
    return { Return: true };
  });
}

function deps(settings: Settings, store: MemoryReportStore, policy = false) {
  const client = new STSClient({ region: 'us-east-1' });
  return {
    settings,
    sessions: new SessionCache(client, undefined, policy ? REMEDIATION_SESSION_POLICY : undefined),
    store,
    partition: 'aws',
    now: () => NOW,
  };
}

function seedAudit(store: MemoryReportStore, run: RemediationRun, list = [findings.worldIngress({ ruleId: 'sgr-1' })]) {
  store.seed(run.auditRun, `accounts/${ACCOUNT}.json`, auditRecord(ACCOUNT, list));
}

const ON = settingsWith(['revoke-world-ingress']);

describe('remediation steps', () => {
  beforeEach(() => {
    sts.reset();
    ec2.reset();
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'a',
        SecretAccessKey: 'b',
        SessionToken: 'c',
        Expiration: new Date('2030-01-02T08:00:00Z'),
      },
    });
    rules = new Map([
      ['sgr-1', { cidr: '0.0.0.0/0', port: 22 }],
      ['sgr-2', { cidr: '10.0.0.0/8', port: 22 }],
      ['sgr-3', { cidr: '0.0.0.0/0', port: 443 }],
    ]);
    groupName = 'app';
    groupTags = [];
    givenEmulatedEc2();
  });

  describe('Plan Account', () => {
    it('plans a non-compliant rule and changes nothing', async () => {
      const store = new MemoryReportStore();
      const run = remediationRun({ mode: 'plan' });
      seedAudit(store, run);

      const result = await planAccount({ accountId: ACCOUNT, run }, deps(ON, store));

      expect(result).toEqual({ accountId: ACCOUNT, planned: 1, error: false });
      expect(store.read<AccountPlan>(run, PATHS.plan(ACCOUNT))?.items[0]).toMatchObject({
        decision: 'PLANNED',
        change: expect.stringMatching(/revoke ingress rule sgr-1 \(tcp 22 from 0\.0\.0\.0\/0\)/),
      });
      expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
      expect(rules.size).toBe(3);
    });

    it.each([
      ['an action that is off', settingsWith([]), (): void => {}, 'NOT_ENABLED'],
      ['a compliant resource', ON, (): void => void rules.delete('sgr-1'), 'ALREADY_COMPLIANT'],
      ['the exempt tag', ON, (): void => void groupTags.push({ Key: 'ct-audit:exempt', Value: 'bastion' }), 'EXEMPT'],
      [
        'a Control Tower group',
        ON,
        (): void => {
          groupName = 'aws-controltower-VPC';
        },
        'CONTROL_TOWER',
      ],
      [
        'a settings exemption',
        settingsWith(['revoke-world-ingress'], {
          exemptions: [
            { account: ACCOUNT, resource: 'sgr-1', reason: 'vendor VPN', owner: 'net-team', expires: '2030-12-31' },
          ],
        }),
        (): void => {},
        'EXEMPT',
      ],
    ] as const)('does not plan %s', async (_, settings, arrange, decision) => {
      arrange();
      const store = new MemoryReportStore();
      const run = remediationRun({ mode: 'plan' });
      seedAudit(store, run);

      const result = await planAccount({ accountId: ACCOUNT, run }, deps(settings, store));

      expect(result.planned).toBe(0);
      expect(store.read<AccountPlan>(run, PATHS.plan(ACCOUNT))?.items[0]?.decision).toBe(decision);
    });

    it('ignores an expired settings exemption', async () => {
      const store = new MemoryReportStore();
      const run = remediationRun({ mode: 'plan' });
      seedAudit(store, run);
      const settings = settingsWith(['revoke-world-ingress'], {
        exemptions: [{ account: ACCOUNT, resource: 'sgr-1', reason: 'old', owner: 'x', expires: '2029-12-31' }],
      });

      expect((await planAccount({ accountId: ACCOUNT, run }, deps(settings, store))).planned).toBe(1);
    });

    it.each([
      [
        'a finding without a resource id',
        (record: AccountRecord) => ({
          ...record,
          checks: { x: { status: 'FAIL', findings: [{ rule: 'r', title: 't', severity: 'HIGH', resource: {} }] } },
        }),
        /not a valid account record: checks\.x\.findings\[0\]\.resource\.type is missing/,
      ],
      [
        'another account',
        (record: AccountRecord) => ({ ...record, accountId: '999999999999' }),
        /names another account or run/,
      ],
    ])('plans nothing from an audit record with %s, and says why', async (_, damage, why) => {
      const store = new MemoryReportStore();
      const run = remediationRun({ mode: 'plan' });
      store.seed(run.auditRun, `accounts/${ACCOUNT}.json`, damage(auditRecord(ACCOUNT, [findings.worldIngress()])));

      const result = await planAccount({ accountId: ACCOUNT, run }, deps(ON, store));

      expect(result).toEqual({ accountId: ACCOUNT, planned: 0, error: true });
      expect(store.read<AccountPlan>(run, PATHS.plan(ACCOUNT))).toMatchObject({
        items: [],
        error: expect.stringMatching(why),
      });
      expect(ec2).not.toHaveReceivedCommand(DescribeSecurityGroupRulesCommand);
    });

    it('fails closed when the state or the exempt tag cannot be read', async () => {
      ec2
        .on(DescribeSecurityGroupsCommand)
        .rejects(Object.assign(new Error('denied'), { name: 'UnauthorizedOperation' }));
      const store = new MemoryReportStore();
      const run = remediationRun({ mode: 'plan' });
      seedAudit(store, run);

      const result = await planAccount({ accountId: ACCOUNT, run }, deps(ON, store));

      expect(result.planned).toBe(0);
      expect(store.read<AccountPlan>(run, PATHS.plan(ACCOUNT))?.items[0]).toMatchObject({
        decision: 'ERROR',
        reason: 'nothing is applied: cannot read the current state or its exemption tag: denied',
      });
    });

    const bastionMute = (expires: string, more: Record<string, string> = {}) =>
      settingsWith(
        ['revoke-world-ingress'],
        {},
        {
          mutes: [
            {
              account: ACCOUNT,
              rule: 'network-exposure/world-ingress',
              resource: 'sg-0123456789abcdef0',
              reason: 'bastion, reviewed',
              owner: 'sec-team',
              expires,
              ...more,
            },
          ],
        },
      );

    it('does not plan a finding an unexpired mute accepts, and says which mute; the review counts it', async () => {
      const store = new MemoryReportStore();
      const run = remediationRun({ mode: 'plan' });
      seedAudit(store, run);

      const result = await planAccount({ accountId: ACCOUNT, run }, deps(bastionMute('2030-01-02'), store));

      expect(result.planned).toBe(0);
      expect(store.read<AccountPlan>(run, PATHS.plan(ACCOUNT))?.items).toEqual([
        expect.objectContaining({
          decision: 'MUTED',
          reason: 'muted until 2030-01-02 (owner sec-team): bastion, reviewed',
          resource: expect.objectContaining({ id: 'sg-0123456789abcdef0', part: 'sgr-1' }),
        }),
      ]);
      // Accepted: not even inspected.
      expect(ec2).not.toHaveReceivedCommand(DescribeSecurityGroupsCommand);
      await reviewPlan({ run, accounts: [ACCOUNT] }, store);
      expect(store.read<{ decisions: object; message: string }>(run, PATHS.planSummary)).toMatchObject({
        decisions: { MUTED: 1 },
        message: '0 actions planned in 0 accounts; 1 muted findings not planned (ctAudit.mutes)',
      });
    });

    it('a mute of the check mutes its findings too', async () => {
      const store = new MemoryReportStore();
      const run = remediationRun({ mode: 'plan' });
      seedAudit(store, run);
      const settings = settingsWith(
        ['revoke-world-ingress'],
        {},
        { mutes: [{ check: 'network-exposure', reason: 'lab account', owner: 'lab', expires: '2031-01-01' }] },
      );

      await planAccount({ accountId: ACCOUNT, run }, deps(settings, store));

      expect(store.read<AccountPlan>(run, PATHS.plan(ACCOUNT))?.items[0]?.decision).toBe('MUTED');
    });

    it.each([
      ['an expired mute', bastionMute('2030-01-01')],
      ['a mute of another resource', bastionMute('2031-01-01', { resource: 'sg-0fffffffffffffff0' })],
      ['a mute of another account', bastionMute('2031-01-01', { account: '222222222222' })],
    ])('plans a finding that only %s names', async (_, settings) => {
      const store = new MemoryReportStore();
      const run = remediationRun({ mode: 'plan' });
      seedAudit(store, run);

      const result = await planAccount({ accountId: ACCOUNT, run }, deps(settings, store));

      expect(result.planned).toBe(1);
      expect(store.read<AccountPlan>(run, PATHS.plan(ACCOUNT))?.items[0]?.decision).toBe('PLANNED');
    });

    it('never plans an allowed public port', async () => {
      const store = new MemoryReportStore();
      const run = remediationRun({ mode: 'plan' });
      seedAudit(store, run, [findings.worldIngress({ ruleId: 'sgr-3', port: 443, allowedPort: true })]);

      await planAccount({ accountId: ACCOUNT, run }, deps(ON, store));

      expect(store.read<AccountPlan>(run, PATHS.plan(ACCOUNT))?.items[0]?.decision).toBe('ALLOWED_PORT');
    });

    it('says in the plan what is never fixed from here', async () => {
      const store = new MemoryReportStore();
      const run = remediationRun({ mode: 'plan' });
      seedAudit(store, run, [findings.trailTampering(), findings.keyDisabled()]);

      await planAccount({ accountId: ACCOUNT, run }, deps(ON, store));

      const plan = store.read<AccountPlan>(run, PATHS.plan(ACCOUNT));
      expect(plan?.items).toEqual([]);
      expect(plan?.notes).toEqual([
        expect.objectContaining({
          rule: 'cloudtrail-tampering',
          note: expect.stringMatching(/^escalate: Control Tower drift/),
        }),
        expect.objectContaining({ rule: 'kms-key-deletion/disabled', note: expect.stringMatching(/^notify only/) }),
      ]);
    });

    it('says so of a stopped delivery (escalate) and of an execution role that answers as another caller', async () => {
      const store = new MemoryReportStore();
      const run = remediationRun({ mode: 'plan' });
      seedAudit(store, run, [
        {
          rule: 'cloudtrail-delivery/stale',
          severity: 'HIGH',
          title: 'CloudTrail logs stopped arriving from eu-west-1: newest file 2h 5m old',
          resource: {
            type: 'CloudTrailDelivery',
            id: 's3://logs/AWSLogs/111111111111/CloudTrail/eu-west-1/',
            region: 'eu-west-1',
          },
        },
        {
          rule: 'identity/unexpected-caller',
          severity: 'HIGH',
          title: 'aws-controltower-ReadOnlyExecutionRole in 111111111111 answers as account 222222222222',
          resource: { type: 'AwsIamRole', id: 'aws-controltower-ReadOnlyExecutionRole', region: 'global' },
        },
      ]);

      await planAccount({ accountId: ACCOUNT, run }, deps(ON, store));

      const plan = store.read<AccountPlan>(run, PATHS.plan(ACCOUNT));
      expect(plan?.items).toEqual([]);
      expect(plan?.notes.map((note) => [note.rule, note.note.split(':')[0]])).toEqual([
        ['cloudtrail-delivery/stale', 'escalate'],
        ['identity/unexpected-caller', 'notify only'],
      ]);
    });

    it('plans what an earlier run remediated and is open again as REOPENED, not as an action', async () => {
      const store = new MemoryReportStore();
      const run = remediationRun();
      seedAudit(store, run);
      await planAccount({ accountId: ACCOUNT, run }, deps(ON, store));
      await applyAccount(
        { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) },
        deps(ON, store),
      );
      rules.set('sgr-1', { cidr: '0.0.0.0/0', port: 22 });
      const next = remediationRun({ id: 'remediation-run-2' });

      const result = await planAccount({ accountId: ACCOUNT, run: next }, deps(ON, store));

      expect(result.planned).toBe(0);
      expect(store.read<AccountPlan>(next, PATHS.plan(ACCOUNT))?.items[0]).toMatchObject({
        decision: 'REOPENED',
        reason: expect.stringMatching(/^REOPENED: needs a person/),
      });
    });
  });

  describe('Review Plan', () => {
    it('does not apply a plan over remediation.maxActionsPerRun at all, and says why', async () => {
      const store = new MemoryReportStore();
      const run = remediationRun({ maxActionsPerRun: 1 });
      seedAudit(store, run, [
        findings.worldIngress({ ruleId: 'sgr-1' }),
        findings.worldIngress({ ruleId: 'sgr-4', port: 3389 }),
      ]);
      rules.set('sgr-4', { cidr: '0.0.0.0/0', port: 3389 });
      await planAccount({ accountId: ACCOUNT, run }, deps(ON, store));

      const review = await reviewPlan({ run, accounts: [ACCOUNT] }, store);

      expect(review).toMatchObject({ next: 'summarize', stop: 'OVER_CAP', totals: { planned: 2 } });
      expect(store.read<{ message: string }>(run, PATHS.planSummary)?.message).toMatch(
        /2 actions planned, more than remediation.maxActionsPerRun \(1\): nothing is applied/,
      );
    });

    it('asks for approval when the plan has actions, and stops in plan mode', async () => {
      const store = new MemoryReportStore();
      const apply = remediationRun();
      seedAudit(store, apply);
      await planAccount({ accountId: ACCOUNT, run: apply }, deps(ON, store));
      const planOnly = { ...apply, mode: 'plan' as const };

      expect((await reviewPlan({ run: apply, accounts: [ACCOUNT] }, store)).next).toBe('approve');
      expect((await reviewPlan({ run: planOnly, accounts: [ACCOUNT] }, store)).stop).toBe('PLAN_ONLY');
    });

    it('hands over the accounts to apply, with their plans’ digests, only to a run that applies', async () => {
      // A plan that stops keeps the state small whatever the organization's size (256 KiB); plan.json lists them.
      const store = new MemoryReportStore();
      const apply = remediationRun();
      seedAudit(store, apply);
      await planAccount({ accountId: ACCOUNT, run: apply }, deps(ON, store));

      const applying = await reviewPlan({ run: apply, accounts: [ACCOUNT] }, store);
      const stopping = await reviewPlan({ run: { ...apply, mode: 'plan' }, accounts: [ACCOUNT] }, store);

      expect(applying).toMatchObject({ accountsToApply: [ACCOUNT], planDigests: [expect.any(String)] });
      expect(stopping).toMatchObject({ stop: 'PLAN_ONLY', accountsToApply: [], planDigests: [] });
      expect(store.read<PlanSummary>(apply, PATHS.planSummary)?.accounts).toEqual([
        expect.objectContaining({ accountId: ACCOUNT, planned: 1 }),
      ]);
    });
  });

  describe('Apply Account', () => {
    it('revokes only the planned rule, verifies and records before, call, after and the approval', async () => {
      const store = new MemoryReportStore();
      const run = remediationRun();
      seedAudit(store, run);
      await planAccount({ accountId: ACCOUNT, run }, deps(ON, store));

      const result = await applyAccount(
        { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) },
        deps(ON, store, true),
      );

      expect(result).toEqual({ accountId: ACCOUNT, remediated: 1, failed: 0 });
      expect([...rules.keys()]).toEqual(['sgr-2', 'sgr-3']);
      const item = store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT))?.items[0];
      expect(item).toMatchObject({
        outcome: 'REMEDIATED',
        stateBefore: { present: true, ruleId: 'sgr-1', cidrIpv4: '0.0.0.0/0' },
        calls: [{ call: 'ec2:RevokeSecurityGroupIngress', params: { SecurityGroupRuleIds: ['sgr-1'] } }],
        stateAfter: { present: false },
        verification: { compliant: true },
        approvedBy: APPROVAL.approvedBy,
        approvedAt: APPROVAL.approvedAt,
      });
      expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/aws-controltower-AdministratorExecutionRole`,
        Policy: REMEDIATION_SESSION_POLICY,
      });
    });

    it('changes nothing without an approval', async () => {
      const store = new MemoryReportStore();
      const run = remediationRun();
      seedAudit(store, run);
      await planAccount({ accountId: ACCOUNT, run }, deps(ON, store));

      const result = await applyAccount({ accountId: ACCOUNT, run, approval: { approved: false } }, deps(ON, store));

      expect(result.failed).toBe(1);
      expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
    });

    it('records ALREADY_COMPLIANT when the resource was fixed between plan and apply', async () => {
      const store = new MemoryReportStore();
      const run = remediationRun();
      seedAudit(store, run);
      await planAccount({ accountId: ACCOUNT, run }, deps(ON, store));
      rules.delete('sgr-1');

      await applyAccount(
        { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) },
        deps(ON, store),
      );

      expect(store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT))?.items[0]?.outcome).toBe(
        'ALREADY_COMPLIANT',
      );
      expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
    });

    it('is FAILED, with the state seen, when verify does not see compliance', async () => {
      ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true });
      const store = new MemoryReportStore();
      const run = remediationRun();
      seedAudit(store, run);
      await planAccount({ accountId: ACCOUNT, run }, deps(ON, store));

      const result = await applyAccount(
        { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) },
        deps(ON, store),
      );

      expect(result).toEqual({ accountId: ACCOUNT, remediated: 0, failed: 1 });
      expect(store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT))?.items[0]).toMatchObject({
        outcome: 'FAILED',
        reason: expect.stringMatching(/verification failed/),
        stateAfter: { present: true, ruleId: 'sgr-1', cidrIpv4: '0.0.0.0/0' },
        verification: { compliant: false },
      });
    });
  });

  describe('undo', () => {
    it('restores the state before, records it, and renders the audit report again to show it', async () => {
      const store = new MemoryReportStore();
      const run = remediationRun();
      seedAudit(store, run);
      store.seed(
        run.auditRun,
        'summary.json',
        runSummary({
          runId: run.auditRun.id,
          checks: ['network-exposure'],
          accounts: [
            summaryAccount({ accountId: ACCOUNT, status: 'FAIL', checks: { 'network-exposure': { status: 'FAIL' } } }),
          ],
        }),
      );
      store.seed(run, PATHS.run, run);
      await rememberRemediationRun(store, run.auditRun.id, run);
      await planAccount({ accountId: ACCOUNT, run }, deps(ON, store));
      await applyAccount(
        { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) },
        deps(ON, store),
      );
      ec2.on(AuthorizeSecurityGroupIngressCommand).callsFake(() => {
        rules.set('sgr-9', { cidr: '0.0.0.0/0', port: 22 });
        return { SecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-9' }] };
      });

      const { results, report, reportProblem } = await undoRun({ run, by: 'test' }, deps(ON, store));

      expect(results).toEqual([expect.objectContaining({ status: 'UNDONE', action: 'revoke-world-ingress' })]);
      expect(rules.get('sgr-9')).toEqual({ cidr: '0.0.0.0/0', port: 22 });
      const item = store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT))?.items[0];
      expect(item?.undo?.[0]).toMatchObject({
        status: 'UNDONE',
        by: 'test',
        calls: [{ call: 'ec2:AuthorizeSecurityGroupIngress' }],
      });
      expect({ report, reportProblem }).toEqual({ report: expect.stringMatching(/report\.html$/) });
      expect(store.files.get(`${runPrefix(run.auditRun)}${REPORT_FILE}`)).toContain(
        '<tr><td>revoke-world-ingress</td><td>REMEDIATED, THEN UNDONE</td>',
      );
      expect(await undoRun({ run, by: 'test' }, deps(ON, store))).toEqual({ results: [] });
    });

    it('keeps what it undid when the audit report cannot be rendered again, and says why', async () => {
      const store = new MemoryReportStore();
      const run = remediationRun();
      seedAudit(store, run);
      await planAccount({ accountId: ACCOUNT, run }, deps(ON, store));
      await applyAccount(
        { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) },
        deps(ON, store),
      );
      ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ SecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-9' }] });

      // No run.json: the remediation run's folder does not say which audit run's report to render.
      const outcome = await undoRun({ run, by: 'test' }, deps(ON, store));

      expect(outcome.results.map(({ status }) => status)).toEqual(['UNDONE']);
      expect(outcome.report).toBeUndefined();
      expect(outcome.reportProblem).toMatch(/^remediation\/run\.json is missing from /);
      expect(store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT))?.items[0]?.undo?.[0]?.status).toBe(
        'UNDONE',
      );
    });
  });
});
