import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  EC2ServiceException,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import {
  CancelKeyDeletionCommand,
  DescribeKeyCommand,
  EnableKeyCommand,
  KMSClient,
  KMSInternalException,
  ListAliasesCommand,
  ListResourceTagsCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SessionCache } from '../../../functions/lib/assume-role';
import type { Settings } from '../../../functions/lib/settings';
import { applyAccount, UNFINISHED, UNFINISHED_ITEM } from '../../../functions/remediations/apply';
import {
  type AccountPlan,
  type AccountRemediationRecord,
  PATHS,
  type RemediatedState,
  type RemediationRun,
} from '../../../functions/remediations/documents';
import { planAccount } from '../../../functions/remediations/plan';
import { reviewPlan } from '../../../functions/remediations/review';
import { undoRun } from '../../../functions/remediations/undo';
import {
  ACCOUNT,
  auditRecord,
  findings,
  NOW,
  remediationRun,
  reviewedDigest,
  settingsWith,
} from '../../support/remediation-factories';
import { MemoryReportStore } from '../../support/unit-memory-store';

const sts = mockClient(STSClient);
const kms = mockClient(KMSClient);
const ec2 = mockClient(EC2Client);
const APPROVAL = { approved: true, approvedBy: 'alice', approvedAt: '2030-01-02T07:05:00.000Z' };
const KEY = findings.keyPendingDeletion();
const KEY_ID = KEY.resource?.id as string;

/** The key as KMS holds it: CancelKeyDeletion takes it out of deletion, disabled; EnableKey enables it. */
let keyState: string;

function givenEmulatedKms() {
  kms.on(DescribeKeyCommand).callsFake(() => ({
    KeyMetadata: {
      KeyId: KEY_ID,
      KeyState: keyState,
      Enabled: keyState === 'Enabled',
      KeyManager: 'CUSTOMER',
      ...(keyState === 'PendingDeletion' ? { DeletionDate: new Date('2030-01-20T00:00:00.000Z') } : {}),
    },
  }));
  kms.on(ListResourceTagsCommand).resolves({ Tags: [] });
  kms.on(ListAliasesCommand).resolves({ Aliases: [] });
  kms.on(CancelKeyDeletionCommand).callsFake(() => {
    keyState = 'Disabled';
    return {};
  });
  kms.on(ScheduleKeyDeletionCommand).callsFake(() => {
    keyState = 'PendingDeletion';
    return {};
  });
}

/**
 * Security group rules as EC2 holds them (a revoke removes one); reading `throttled` throws EC2's throttle. A rule in
 * `throughList` admits that managed prefix list instead of 0.0.0.0/0.
 */
let rules: Map<string, number>;
let throttled: string | undefined;
let throughList: Map<string, string>;

function givenEmulatedEc2() {
  ec2.on(DescribeSecurityGroupsCommand).resolves({
    SecurityGroups: [{ GroupId: 'sg-0123456789abcdef0', GroupName: 'app', Tags: [] }],
  });
  ec2.on(DescribeSecurityGroupRulesCommand).callsFake((input: { SecurityGroupRuleIds: string[] }) => {
    if (throttled && input.SecurityGroupRuleIds.includes(throttled)) {
      throw new EC2ServiceException({
        name: 'RequestLimitExceeded',
        message: 'Request limit exceeded.',
        $fault: 'client',
        $metadata: {},
      });
    }
    return {
      SecurityGroupRules: input.SecurityGroupRuleIds.filter((id) => rules.has(id)).map((id) => ({
        SecurityGroupRuleId: id,
        GroupId: 'sg-0123456789abcdef0',
        IsEgress: false,
        IpProtocol: 'tcp',
        FromPort: rules.get(id),
        ToPort: rules.get(id),
        ...(throughList.has(id) ? { PrefixListId: throughList.get(id) } : { CidrIpv4: '0.0.0.0/0' }),
      })),
    };
  });
  ec2.on(RevokeSecurityGroupIngressCommand).callsFake((input: { SecurityGroupRuleIds: string[] }) => {
    for (const id of input.SecurityGroupRuleIds) rules.delete(id);
    return { Return: true };
  });
  ec2.on(AuthorizeSecurityGroupIngressCommand).callsFake((input) => {
    const port = input.IpPermissions[0].FromPort;
    rules.set(`sgr-back-${port}`, port);
    return { SecurityGroupRules: [{ SecurityGroupRuleId: `sgr-back-${port}` }] };
  });
}

/** A promise and the function that resolves it: a test waits for a call to be made. */
function signal(): { reached: Promise<void>; reach: () => void } {
  let reach = () => {};
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  return { reached, reach };
}

function deps(settings: Settings, store: MemoryReportStore) {
  return {
    settings,
    sessions: new SessionCache(new STSClient({ region: 'us-east-1' })),
    store,
    partition: 'aws',
    now: () => NOW,
  };
}

async function planned(settings: Settings, list = [KEY]): Promise<{ store: MemoryReportStore; run: RemediationRun }> {
  const store = new MemoryReportStore();
  const run = remediationRun();
  store.seed(run.auditRun, `accounts/${ACCOUNT}.json`, auditRecord(ACCOUNT, list));
  await planAccount({ accountId: ACCOUNT, run }, deps(settings, store));
  return { store, run };
}

describe('Apply Account', () => {
  beforeEach(() => {
    sts.reset();
    kms.reset();
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'a',
        SecretAccessKey: 'b',
        SessionToken: 'c',
        Expiration: new Date('2030-01-02T08:00:00Z'),
      },
    });
    ec2.reset();
    keyState = 'PendingDeletion';
    givenEmulatedKms();
    rules = new Map([
      ['sgr-1', 22],
      ['sgr-2', 3389],
    ]);
    throttled = undefined;
    throughList = new Map();
    givenEmulatedEc2();
  });

  describe('a record that lasts through a failed attempt', () => {
    const ON = settingsWith(['revoke-world-ingress']);
    const TWO_RULES = [
      findings.worldIngress({ ruleId: 'sgr-1', port: 22 }),
      findings.worldIngress({ ruleId: 'sgr-2', port: 3389 }),
    ];

    it('keeps what was changed when a later re-check throws, and the retry neither loses it nor applies it again', async () => {
      const { store, run } = await planned(ON, TWO_RULES);
      throttled = 'sgr-2';

      await expect(
        applyAccount(
          { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) },
          deps(ON, store),
        ),
      ).rejects.toMatchObject({ name: 'RequestLimitExceeded' });

      // Thrown for the workflow to retry; what was changed before it is on the record, and remembered.
      expect([...rules.keys()]).toEqual(['sgr-2']);
      const stopped = store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT));
      expect(stopped?.error).toBe(`${UNFINISHED} (Request limit exceeded.)`);
      expect(stopped?.items).toEqual([
        expect.objectContaining({
          outcome: 'REMEDIATED',
          stateBefore: expect.objectContaining({ present: true, ruleId: 'sgr-1' }),
          calls: [expect.objectContaining({ call: 'ec2:RevokeSecurityGroupIngress' })],
        }),
      ]);
      const key = 'revoke-world-ingress|sg-0123456789abcdef0:tcp:22:22:0.0.0.0/0';
      expect(Object.keys((await store.getState<RemediatedState>(PATHS.remediated(ACCOUNT)))?.items ?? {})).toEqual([
        key,
      ]);

      throttled = undefined;
      const retry = await applyAccount(
        { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) },
        deps(ON, store),
      );

      expect(retry).toEqual({ accountId: ACCOUNT, remediated: 2, failed: 0 });
      const record = store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT));
      expect(record?.error).toBeUndefined();
      expect(record?.items[0]).toEqual(stopped?.items[0]);
      expect(record?.items[1]).toMatchObject({ outcome: 'REMEDIATED', evidence: { ruleId: 'sgr-2' } });
      expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 2);
      expect(Object.keys((await store.getState<RemediatedState>(PATHS.remediated(ACCOUNT)))?.items ?? {})).toHaveLength(
        2,
      );

      // Both changes can be undone: the one of the attempt that threw too.
      const { results } = await undoRun({ run, by: 'test' }, deps(ON, store));

      expect(results.map(({ status }) => status)).toEqual(['UNDONE', 'UNDONE']);
      expect([...rules.values()].sort()).toEqual([22, 3389]);
    });

    it('never replaces a remembered-remediations document it cannot read with one entry', async () => {
      const { store, run } = await planned(ON, [findings.worldIngress({ ruleId: 'sgr-1', port: 22 })]);
      const earlier = {
        items: { 'revoke-world-ingress|an-earlier-fix': { runId: 'run-0', at: '2029-12-01T00:00:00Z' } },
      };
      await store.putState(PATHS.remediated(ACCOUNT), earlier);
      // Read once at the start of the apply; the read after the revoke fails.
      const getState = store.getState.bind(store);
      let reads = 0;
      store.getState = async <T>(name: string) => {
        reads++;
        if (reads > 1) throw new Error('S3 is unavailable');
        return getState<T>(name);
      };

      await expect(
        applyAccount(
          { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) },
          deps(ON, store),
        ),
      ).rejects.toThrow('S3 is unavailable');

      expect(await getState(PATHS.remediated(ACCOUNT))).toEqual(earlier);
      expect(store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT))?.items[0]?.outcome).toBe('REMEDIATED');
    });

    it('is on the record before its first call, so a function stopped during it leaves the item for a person', async () => {
      const { store, run } = await planned(ON, [findings.worldIngress({ ruleId: 'sgr-1', port: 22 })]);
      const revoking = signal();
      // The call never answers: the function would run out of time here.
      ec2.on(RevokeSecurityGroupIngressCommand).callsFake(() => {
        revoking.reach();
        return new Promise(() => {});
      });

      void applyAccount(
        { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) },
        deps(ON, store),
      );
      await revoking.reached;

      const stopped = store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT));
      expect(stopped?.error).toBe(UNFINISHED);
      expect(stopped?.items).toEqual([
        expect.objectContaining({
          outcome: 'FAILED',
          reason: UNFINISHED_ITEM,
          unfinished: true,
          stateBefore: expect.objectContaining({ present: true, ruleId: 'sgr-1' }),
          calls: [],
        }),
      ]);

      // The retry cannot tell whether the revoke was made: it keeps the item and applies nothing again.
      givenEmulatedEc2();
      const retry = await applyAccount(
        { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) },
        deps(ON, store),
      );

      expect(retry).toEqual({ accountId: ACCOUNT, remediated: 0, failed: 1 });
      expect(store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT))?.items).toEqual(stopped?.items);
      expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 1);
    });

    it('records each call as it is made, so a function stopped before the next one can still be undone', async () => {
      const ENABLE = settingsWith(['cancel-key-deletion'], { enableKeyAfterCancel: true });
      const { store, run } = await planned(ENABLE);
      const enabling = signal();
      kms.on(EnableKeyCommand).callsFake(() => {
        enabling.reach();
        return new Promise(() => {});
      });

      void applyAccount(
        { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) },
        deps(ENABLE, store),
      );
      await enabling.reached;

      expect(store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT))?.items).toEqual([
        expect.objectContaining({
          outcome: 'FAILED',
          unfinished: true,
          calls: [{ call: 'kms:CancelKeyDeletion', params: { KeyId: KEY_ID } }],
        }),
      ]);
      const { results } = await undoRun({ run, by: 'test' }, deps(ENABLE, store));
      expect(results.map(({ status }) => status)).toEqual(['UNDONE']);
      expect(keyState).toBe('PendingDeletion');
    });
  });

  describe('a resource changed between plan and apply', () => {
    const ON = settingsWith(['revoke-world-ingress']);

    it.each([
      [
        'to a port that is not allowed',
        3389,
        'changed since the plan (fromPort 22 → 3389, toPort 22 → 3389): not what was approved, so nothing is ' +
          'applied; plan again',
      ],
      [
        'to an allowed port, rated as it is now',
        443,
        "the rule's ports (tcp/443) are in exposure.allowedPublicPorts: never revoked",
      ],
    ])('is not applied when the rule was edited in place (same ID) %s', async (_, port, reason) => {
      const { store, run } = await planned(ON, [findings.worldIngress({ ruleId: 'sgr-1', port: 22 })]);
      // ModifySecurityGroupRules keeps the rule's ID.
      rules.set('sgr-1', port);

      const result = await applyAccount(
        { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) },
        deps(ON, store),
      );

      expect(result).toEqual({ accountId: ACCOUNT, remediated: 0, failed: 0 });
      expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
      expect(rules.get('sgr-1')).toBe(port);
      expect(store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT))?.items).toEqual([
        expect.objectContaining({
          outcome: 'NOT_APPLIED',
          reason,
          stateBefore: expect.objectContaining({ ruleId: 'sgr-1', fromPort: port }),
          calls: [],
        }),
      ]);
    });

    it('is not applied when the rule was edited in place (same ID) to admit a prefix list: a person decides', async () => {
      const { store, run } = await planned(ON, [findings.worldIngress({ ruleId: 'sgr-1', port: 22 })]);
      throughList.set('sgr-1', 'pl-0partners');

      const result = await applyAccount(
        { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) },
        deps(ON, store),
      );

      expect(result).toEqual({ accountId: ACCOUNT, remediated: 0, failed: 0 });
      expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
      expect(rules.has('sgr-1')).toBe(true);
      expect(store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT))?.items).toEqual([
        expect.objectContaining({
          outcome: 'NOT_APPLIED',
          reason: expect.stringMatching(/^needs a person: the rule admits prefix list pl-0partners, not a CIDR: /),
          stateBefore: expect.objectContaining({ ruleId: 'sgr-1', prefixListId: 'pl-0partners', cidrIpv4: null }),
          calls: [],
        }),
      ]);
    });

    it('plans a rule open to the world through a prefix list as NEEDS_PERSON, and an approved apply leaves it', async () => {
      throughList.set('sgr-1', 'pl-0partners');
      const { store, run } = await planned(ON, [
        findings.worldIngress({ ruleId: 'sgr-1', port: 22, prefixListId: 'pl-0partners' }),
        findings.worldIngress({ ruleId: 'sgr-2', port: 3389 }),
      ]);
      const plan = store.read<AccountPlan>(run, PATHS.plan(ACCOUNT));
      expect(plan?.items.map(({ evidence, decision }) => [evidence.ruleId, decision])).toEqual([
        ['sgr-1', 'NEEDS_PERSON'],
        ['sgr-2', 'PLANNED'],
      ]);

      const result = await applyAccount(
        { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) },
        deps(ON, store),
      );

      expect(result).toEqual({ accountId: ACCOUNT, remediated: 1, failed: 0 });
      expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 1);
      expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, { SecurityGroupRuleIds: ['sgr-2'] });
      expect([...rules.keys()]).toEqual(['sgr-1']);
    });

    it('is not applied when the plan item does not say what state it saw', async () => {
      const { store, run } = await planned(ON, [findings.worldIngress({ ruleId: 'sgr-1', port: 22 })]);
      const plan = store.read<AccountPlan>(run, PATHS.plan(ACCOUNT)) as AccountPlan;
      store.seed(run, PATHS.plan(ACCOUNT), {
        ...plan,
        items: plan.items.map(({ stateSeen: _, ...item }) => item),
      });

      await applyAccount(
        { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) },
        deps(ON, store),
      );

      expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
      expect(store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT))?.items[0]).toMatchObject({
        outcome: 'NOT_APPLIED',
        reason: expect.stringMatching(/^the plan did not record the state it saw/),
      });
    });

    it('is applied when only what does not matter changed (the description)', async () => {
      const { store, run } = await planned(ON, [findings.worldIngress({ ruleId: 'sgr-1', port: 22 })]);
      const plan = store.read<AccountPlan>(run, PATHS.plan(ACCOUNT)) as AccountPlan;
      store.seed(run, PATHS.plan(ACCOUNT), {
        ...plan,
        items: plan.items.map((item) => ({ ...item, stateSeen: { ...item.stateSeen, description: 'was other' } })),
      });

      const result = await applyAccount(
        { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) },
        deps(ON, store),
      );

      expect(result).toEqual({ accountId: ACCOUNT, remediated: 1, failed: 0 });
      expect(rules.has('sgr-1')).toBe(false);
    });
  });

  describe('an action that fails part-way', () => {
    const ENABLE = settingsWith(['cancel-key-deletion'], { enableKeyAfterCancel: true });

    it('records the calls made before the failure, and undo reverses them', async () => {
      kms.on(EnableKeyCommand).rejects(new KMSInternalException({ message: 'internal error', $metadata: {} }));
      const { store, run } = await planned(ENABLE);

      const result = await applyAccount(
        { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) },
        deps(ENABLE, store),
      );

      expect(result).toEqual({ accountId: ACCOUNT, remediated: 0, failed: 1 });
      expect(keyState).toBe('Disabled');
      const item = store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT))?.items[0];
      expect(item).toMatchObject({
        outcome: 'FAILED',
        reason: expect.stringMatching(/^a call failed part-way, .*: internal error$/),
        stateBefore: { keyState: 'PendingDeletion' },
        calls: [{ call: 'kms:CancelKeyDeletion', params: { KeyId: KEY_ID } }],
      });

      const { results } = await undoRun({ run, by: 'test' }, deps(ENABLE, store));

      expect(results).toEqual([expect.objectContaining({ action: 'cancel-key-deletion', status: 'UNDONE' })]);
      expect(kms).toHaveReceivedCommandWith(ScheduleKeyDeletionCommand, { KeyId: KEY_ID, PendingWindowInDays: 18 });
      expect(keyState).toBe('PendingDeletion');
    });

    it('undo leaves alone an item that failed before it changed anything', async () => {
      kms.on(CancelKeyDeletionCommand).rejects(new KMSInternalException({ message: 'internal error', $metadata: {} }));
      const { store, run } = await planned(ENABLE);
      await applyAccount(
        { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) },
        deps(ENABLE, store),
      );

      const item = store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT))?.items[0];
      expect(item).toMatchObject({ outcome: 'FAILED', reason: 'the call failed: internal error', calls: [] });
      expect((await undoRun({ run, by: 'test' }, deps(ENABLE, store))).results).toEqual([]);
      expect(kms).not.toHaveReceivedCommand(ScheduleKeyDeletionCommand);
    });
  });

  describe('a record write that fails once', () => {
    const ON = settingsWith(['revoke-world-ingress']);

    it('never takes a change made off the record: the item stays unfinished with its call, and undo reverses it', async () => {
      // Arrange: the record's second write, the one right after the revoke returned, meets S3's SlowDown once.
      const { store, run } = await planned(ON, [findings.worldIngress({ ruleId: 'sgr-1', port: 22 })]);
      const put = store.putJson.bind(store);
      let recordWrites = 0;
      store.putJson = async (at, name, value) => {
        if (name === PATHS.record(ACCOUNT) && ++recordWrites === 2) {
          throw Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown' });
        }
        return put(at, name, value);
      };

      // Act
      await expect(
        applyAccount(
          { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) },
          deps(ON, store),
        ),
      ).rejects.toMatchObject({ name: 'SlowDown' });

      // Assert: the outer catch's write has the revoke; a retry keeps it and undo puts the rule back.
      expect(rules.has('sgr-1')).toBe(false);
      expect(store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT))?.items).toEqual([
        expect.objectContaining({
          outcome: 'FAILED',
          unfinished: true,
          calls: [expect.objectContaining({ call: 'ec2:RevokeSecurityGroupIngress' })],
        }),
      ]);
      await applyAccount(
        { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) },
        deps(ON, store),
      );
      expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 1);
      const { results } = await undoRun({ run, by: 'test' }, deps(ON, store));
      expect(results).toEqual([expect.objectContaining({ action: 'revoke-world-ingress', status: 'UNDONE' })]);
      expect(rules.get('sgr-back-22')).toBe(22);
    });
  });

  describe('a record write that fails before the first call', () => {
    const ON = settingsWith(['revoke-world-ingress']);

    it('leaves nothing in flight: the retry applies the item as planned', async () => {
      // Arrange: the record's first write, before the revoke, meets S3's SlowDown once.
      const { store, run } = await planned(ON, [findings.worldIngress({ ruleId: 'sgr-1', port: 22 })]);
      const put = store.putJson.bind(store);
      let recordWrites = 0;
      store.putJson = async (at, name, value) => {
        if (name === PATHS.record(ACCOUNT) && ++recordWrites === 1) {
          throw Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown' });
        }
        return put(at, name, value);
      };
      const event = { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: await reviewedDigest(store, run) };

      // Act
      await expect(applyAccount(event, deps(ON, store))).rejects.toMatchObject({ name: 'SlowDown' });
      const stopped = store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT));
      const retry = await applyAccount(event, deps(ON, store));

      // Assert: nothing was called the first time, nothing was left in flight, and the retry did the work.
      expect(stopped?.items).toEqual([]);
      expect(retry).toEqual({ accountId: ACCOUNT, remediated: 1, failed: 0 });
      expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 1);
      expect(rules.has('sgr-1')).toBe(false);
    });
  });

  describe('only the plan that was reviewed and approved', () => {
    const ON = settingsWith(['revoke-world-ingress']);

    it('applies the plan with the digest Review Plan handed over', async () => {
      const { store, run } = await planned(ON, [findings.worldIngress({ ruleId: 'sgr-1', port: 22 })]);
      const review = await reviewPlan({ run, accounts: [ACCOUNT] }, store);

      const result = await applyAccount(
        { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: review.planDigests[0] },
        deps(ON, store),
      );

      expect(review).toMatchObject({
        accountsToApply: [ACCOUNT],
        planDigests: [expect.stringMatching(/^[0-9a-f]{64}$/)],
      });
      expect(result).toEqual({ accountId: ACCOUNT, remediated: 1, failed: 0 });
    });

    it.each([
      [
        'a plan file replaced after the review',
        (plan: AccountPlan) => ({ ...plan, items: [...plan.items, { ...plan.items[0], key: 'another' }] }),
        'the plan file changed after Review Plan read it',
      ],
      [
        "another run's plan copied in",
        (plan: AccountPlan) => ({ ...plan, remediationRunId: 'remediation-run-0' }),
        'the plan file names another account or run',
      ],
    ])('refuses %s and changes nothing', async (_, replace, why) => {
      // Arrange: reviewed and approved, then the file in the run folder is written again.
      const { store, run } = await planned(ON, [findings.worldIngress({ ruleId: 'sgr-1', port: 22 })]);
      const { planDigests } = await reviewPlan({ run, accounts: [ACCOUNT] }, store);
      store.seed(run, PATHS.plan(ACCOUNT), replace(store.read<AccountPlan>(run, PATHS.plan(ACCOUNT)) as AccountPlan));

      // Act
      const result = await applyAccount(
        { accountId: ACCOUNT, run, approval: APPROVAL, planSha256: planDigests[0] },
        deps(ON, store),
      );

      // Assert
      expect(result).toEqual({ accountId: ACCOUNT, remediated: 0, failed: 1 });
      expect(store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT))).toMatchObject({
        items: [],
        error: expect.stringContaining(`not applied: ${why}`),
      });
      expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
      expect(sts).not.toHaveReceivedCommand(AssumeRoleCommand);
    });

    it('refuses a plan without the digest of the review (an iteration from another definition)', async () => {
      const { store, run } = await planned(ON, [findings.worldIngress({ ruleId: 'sgr-1', port: 22 })]);

      const result = await applyAccount({ accountId: ACCOUNT, run, approval: APPROVAL }, deps(ON, store));

      expect(result.failed).toBe(1);
      expect(store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT))?.error).toMatch(/no digest of the plan/);
      expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
    });
  });
});
