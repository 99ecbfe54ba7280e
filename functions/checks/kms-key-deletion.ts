import { DescribeKeyCommand, type KeyMetadata, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { mapLimit } from '../lib/concurrency';
import type { Finding } from '../lib/types';
import { CHECK_INFO } from './catalog';
import { callOptions, currentStateResult, RESOURCE_CONCURRENCY, readRegions, unreachable } from './current-state';
import type { Check } from './types';

/** Key states that mean the key is on its way out. */
const PENDING = new Set(['PendingDeletion', 'PendingReplicaDeletion']);

async function customerKeys(client: KMSClient, deadline: number): Promise<KeyMetadata[]> {
  const ids: string[] = [];
  let marker: string | undefined;
  do {
    const page = await client.send(
      new ListKeysCommand({ Limit: 1000, ...(marker ? { Marker: marker } : {}) }),
      callOptions({ deadline }, 'every key was listed'),
    );
    for (const key of page.Keys ?? []) if (key.KeyId) ids.push(key.KeyId);
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker);
  const described = await mapLimit(ids, RESOURCE_CONCURRENCY, async (KeyId) => {
    const { KeyMetadata: metadata } = await client.send(
      new DescribeKeyCommand({ KeyId }),
      callOptions({ deadline }, 'every key was described'),
    );
    return metadata;
  });
  return described.filter((key): key is KeyMetadata => key?.KeyManager === 'CUSTOMER');
}

/**
 * `kms-key-deletion`: in every governed region, no customer-managed KMS key is pending deletion (HIGH, with the
 * date) or disabled (MEDIUM). AWS-managed keys are not reported: AWS looks after them.
 */
export const kmsKeyDeletionCheck: Check = {
  ...CHECK_INFO['kms-key-deletion'],
  async run(context) {
    const cannot = await unreachable(context);
    if (cannot) return cannot;
    const { done, gaps } = await readRegions(context, (region) =>
      customerKeys(context.target.client(KMSClient, { region }), context.deadline),
    );
    let keys = 0;
    const findings: Finding[] = done.flatMap(({ region, value }) => {
      keys += value.length;
      return value.flatMap((key): Finding[] => {
        const keyId = key.KeyId ?? 'unknown';
        const resource = { type: 'AwsKmsKey' as const, id: keyId, region, ...(key.Arn ? { arn: key.Arn } : {}) };
        const keyState = key.KeyState ?? 'Unknown';
        if (PENDING.has(keyState)) {
          const deletionDate = key.DeletionDate ? key.DeletionDate.toISOString() : null;
          return [
            {
              rule: 'kms-key-deletion/pending-deletion',
              severity: 'HIGH',
              title: `KMS key ${keyId} is deleted ${deletionDate ? `on ${deletionDate.slice(0, 10)}` : 'soon'} (${region})`,
              resource,
              evidence: { keyState, deletionDate },
            },
          ];
        }
        if (keyState === 'Disabled') {
          return [
            {
              rule: 'kms-key-deletion/disabled',
              severity: 'MEDIUM',
              title: `KMS key ${keyId} is disabled (${region})`,
              resource,
              evidence: { keyState },
            },
          ];
        }
        return [];
      });
    });
    const where = done.length === 1 ? (done[0]?.region ?? '') : `${done.length} regions`;
    return currentStateResult(
      'kms-key-deletion',
      context,
      findings,
      gaps,
      `${where}: ${keys} customer-managed key${keys === 1 ? '' : 's'}, none pending deletion or disabled`,
    );
  },
};
