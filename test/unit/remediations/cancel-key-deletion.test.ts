import {
  CancelKeyDeletionCommand,
  DescribeKeyCommand,
  EnableKeyCommand,
  KMSClient,
  ListAliasesCommand,
  ListResourceTagsCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { cancelKeyDeletion, pendingWindowDays } from '../../../functions/remediations/cancel-key-deletion';
import { actionContext, findings, NOW, settingsWith, targetOf } from '../../support/remediation-factories';

const kms = mockClient(KMSClient);
const target = targetOf(findings.keyPendingDeletion());

function givenKey(state: string, aliases: string[] = []) {
  kms.on(DescribeKeyCommand).resolves({
    KeyMetadata: {
      KeyId: target.resource.id,
      KeyState: state as never,
      Enabled: state === 'Enabled',
      KeyManager: 'CUSTOMER',
      ...(state === 'PendingDeletion' ? { DeletionDate: new Date('2030-01-20T00:00:00.000Z') } : {}),
    },
  });
  kms.on(ListResourceTagsCommand).resolves({ Tags: [] });
  kms.on(ListAliasesCommand).resolves({ Aliases: aliases.map((AliasName) => ({ AliasName })) });
}

describe('cancel-key-deletion', () => {
  beforeEach(() => kms.reset());

  it('sees a key that is not pending deletion as compliant', async () => {
    givenKey('Disabled');

    expect((await cancelKeyDeletion.inspect(target, actionContext())).compliant).toBe(true);
  });

  it('cancels the deletion and leaves the key disabled by default', async () => {
    givenKey('PendingDeletion');
    const context = actionContext();
    const before = await cancelKeyDeletion.inspect(target, context);

    const calls = await cancelKeyDeletion.apply(target, before, context);

    expect(calls.map((call) => call.call)).toEqual(['kms:CancelKeyDeletion']);
    expect(kms).not.toHaveReceivedCommand(EnableKeyCommand);
  });

  it('enables the key only with remediation.enableKeyAfterCancel', async () => {
    givenKey('PendingDeletion');
    const context = actionContext(settingsWith(['cancel-key-deletion'], { enableKeyAfterCancel: true }));
    const before = await cancelKeyDeletion.inspect(target, context);

    await cancelKeyDeletion.apply(target, before, context);

    expect(kms).toHaveReceivedCommand(CancelKeyDeletionCommand);
    expect(kms).toHaveReceivedCommandWith(EnableKeyCommand, { KeyId: target.resource.id });
  });

  it('with enableKeyAfterCancel, still sees a disabled key that is not pending deletion as compliant', async () => {
    // Its owner may have cancelled the deletion and left it disabled on purpose: disabled keys are notify only.
    givenKey('Disabled');
    const context = actionContext(settingsWith(['cancel-key-deletion'], { enableKeyAfterCancel: true }));

    expect((await cancelKeyDeletion.inspect(target, context)).compliant).toBe(true);
  });

  it('enables only a key whose deletion it cancelled itself', async () => {
    givenKey('Disabled');
    const context = actionContext(settingsWith(['cancel-key-deletion'], { enableKeyAfterCancel: true }));
    const before = await cancelKeyDeletion.inspect(target, context);

    const calls = await cancelKeyDeletion.apply(target, before, context);

    expect(calls).toEqual([]);
    expect(kms).not.toHaveReceivedCommand(EnableKeyCommand);
    expect(kms).not.toHaveReceivedCommand(CancelKeyDeletionCommand);
  });

  it('marks a Control Tower key by its alias', async () => {
    givenKey('PendingDeletion', ['alias/aws-controltower/landing-zone']);

    expect((await cancelKeyDeletion.inspect(target, actionContext())).controlTower).toBeDefined();
  });

  it('undo schedules the deletion again with the days that were left', async () => {
    givenKey('PendingDeletion');
    const context = actionContext();
    const before = await cancelKeyDeletion.inspect(target, context);

    await cancelKeyDeletion.undo(target, before.state, [{ call: 'kms:CancelKeyDeletion', params: {} }], context);

    expect(kms).toHaveReceivedCommandWith(ScheduleKeyDeletionCommand, {
      KeyId: target.resource.id,
      PendingWindowInDays: 18,
    });
  });

  it('keeps the waiting period within the 7 to 30 days KMS accepts', () => {
    expect(pendingWindowDays('2030-01-03T00:00:00.000Z', NOW)).toBe(7);
    expect(pendingWindowDays('2030-06-01T00:00:00.000Z', NOW)).toBe(30);
  });
});
