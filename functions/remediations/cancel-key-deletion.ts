import {
  CancelKeyDeletionCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  KMSClient,
  ListAliasesCommand,
  ListResourceTagsCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { ACTION_INFO } from './catalog';
import type { AppliedCall, Inspection, RemediationAction } from './types';

const DAY_MS = 86_400_000;

/** KMS accepts a waiting period of 7 to 30 days. */
export function pendingWindowDays(deletionDate: string | null | undefined, now: Date): number {
  const days = deletionDate ? Math.ceil((Date.parse(deletionDate) - now.getTime()) / DAY_MS) : 30;
  return Math.min(30, Math.max(7, Number.isFinite(days) ? days : 30));
}

/**
 * Cancels a scheduled key deletion. The key comes back disabled; it is enabled again only with
 * `remediation.enableKeyAfterCancel`, and only when this apply cancelled its deletion: a key that is disabled but
 * not pending deletion is compliant (disabled keys are notify only), since its owner may have cancelled the deletion
 * and left it disabled on purpose.
 */
export const cancelKeyDeletion: RemediationAction = {
  ...ACTION_INFO['cancel-key-deletion'],

  async inspect(target, { session }): Promise<Inspection> {
    const kms = session.client(KMSClient, { region: target.resource.region });
    const { KeyMetadata: key } = await kms.send(new DescribeKeyCommand({ KeyId: target.resource.id }));
    const { Tags } = await kms.send(new ListResourceTagsCommand({ KeyId: target.resource.id }));
    const { Aliases } = await kms.send(new ListAliasesCommand({ KeyId: target.resource.id }));
    const aliases = (Aliases ?? []).map((alias) => alias.AliasName ?? '');
    const keyState = key?.KeyState ?? 'Unknown';
    const pending = keyState === 'PendingDeletion';
    const tags: Record<string, string> = {};
    for (const tag of Tags ?? []) if (tag.TagKey) tags[tag.TagKey] = tag.TagValue ?? '';
    const controlTower = aliases.find((alias) => /^alias\/(aws-controltower|AWSControlTower)/.test(alias));
    return {
      compliant: !pending,
      state: {
        keyState,
        deletionDate: key?.DeletionDate ? key.DeletionDate.toISOString() : null,
        enabled: key?.Enabled ?? false,
        keyManager: key?.KeyManager ?? null,
      },
      tags,
      ...(key?.KeyManager === 'AWS' ? { needsPerson: 'an AWS managed key: AWS manages its life cycle' } : {}),
      ...(controlTower ? { controlTower: `key ${controlTower} belongs to Control Tower` } : {}),
    };
  },

  async apply(target, before, { session, settings, callMade }) {
    const kms = session.client(KMSClient, { region: target.resource.region });
    const calls: AppliedCall[] = [];
    if (before.state.keyState !== 'PendingDeletion') return calls;
    const params = { KeyId: target.resource.id };
    await kms.send(new CancelKeyDeletionCommand(params));
    calls.push({ call: 'kms:CancelKeyDeletion', params });
    // Recorded before EnableKey is tried: if that fails, the cancelled deletion is still on the record for undo.
    await callMade?.({ call: 'kms:CancelKeyDeletion', params });
    // Enabled only after a cancel made here: a key its owner took out of deletion and left disabled stays theirs to
    // enable (disabled keys are notify only), and such a key never reaches apply, being compliant.
    if (settings.remediation.enableKeyAfterCancel) {
      await kms.send(new EnableKeyCommand(params));
      calls.push({ call: 'kms:EnableKey', params });
      await callMade?.({ call: 'kms:EnableKey', params });
    }
    return calls;
  },

  async undo(target, before, applied, { session, now }) {
    const kms = session.client(KMSClient, { region: target.resource.region });
    const calls = [];
    if (applied.some((call) => call.call === 'kms:EnableKey')) {
      const params = { KeyId: target.resource.id };
      await kms.send(new DisableKeyCommand(params));
      calls.push({ call: 'kms:DisableKey', params });
    }
    if (before.keyState === 'PendingDeletion') {
      const deletionDate = typeof before.deletionDate === 'string' ? before.deletionDate : null;
      const params = { KeyId: target.resource.id, PendingWindowInDays: pendingWindowDays(deletionDate, now()) };
      await kms.send(new ScheduleKeyDeletionCommand(params));
      calls.push({ call: 'kms:ScheduleKeyDeletion', params });
    }
    return calls;
  },
};
