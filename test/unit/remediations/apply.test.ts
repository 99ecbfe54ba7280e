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
import { applyAccount } from '../../../functions/remediations/apply';
import { type AccountRemediationRecord, PATHS, type RemediationRun } from '../../../functions/remediations/documents';
import { planAccount } from '../../../functions/remediations/plan';
import { undoRun } from '../../../functions/remediations/undo';
import { ACCOUNT, auditRecord, findings, NOW, remediationRun, settingsWith } from '../../support/remediation-factories';
import { MemoryReportStore } from '../../support/unit-memory-store';

const sts = mockClient(STSClient);
const kms = mockClient(KMSClient);
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
    keyState = 'PendingDeletion';
    givenEmulatedKms();
  });

  describe('an action that fails part-way', () => {
    const ENABLE = settingsWith(['cancel-key-deletion'], { enableKeyAfterCancel: true });

    it('records the calls made before the failure, and undo reverses them', async () => {
      kms.on(EnableKeyCommand).rejects(new KMSInternalException({ message: 'internal error', $metadata: {} }));
      const { store, run } = await planned(ENABLE);

      const result = await applyAccount({ accountId: ACCOUNT, run, approval: APPROVAL }, deps(ENABLE, store));

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
      await applyAccount({ accountId: ACCOUNT, run, approval: APPROVAL }, deps(ENABLE, store));

      const item = store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT))?.items[0];
      expect(item).toMatchObject({ outcome: 'FAILED', reason: 'the call failed: internal error', calls: [] });
      expect((await undoRun({ run, by: 'test' }, deps(ENABLE, store))).results).toEqual([]);
      expect(kms).not.toHaveReceivedCommand(ScheduleKeyDeletionCommand);
    });
  });
});
