import { DescribeKeyCommand, type KeyMetadata, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { mapLimit } from '../lib/concurrency';
import { isThrottle } from '../lib/errors';
import type { Finding } from '../lib/types';
import { CHECK_INFO } from './catalog';
import {
  callOptions,
  currentStateResult,
  type Gap,
  gapOf,
  isDeadline,
  RESOURCE_CONCURRENCY,
  readRegions,
  unreachable,
} from './current-state';
import type { Check, CheckContext } from './types';

/** Key states that mean the key is on its way out. */
const PENDING = new Set(['PendingDeletion', 'PendingReplicaDeletion']);

/** Keys whose DescribeKey failed, named one by one before "N more keys". */
const NAMED_KEY_GAPS = 5;

/** The customer-managed keys of one region, and the keys that could not be described there. */
interface RegionKeys {
  readonly keys: KeyMetadata[];
  readonly gaps: Gap[];
}

/**
 * Lists the region's keys and describes each. A key that cannot be described (a key policy that does not delegate
 * to IAM denies even the read-only role; a key deleted in between) is a gap of its own, and the other keys are still
 * described: one locked key must not hide another pending deletion. Only the listing failing fails the region.
 */
async function customerKeys(
  client: KMSClient,
  region: string,
  context: Pick<CheckContext, 'deadline'>,
): Promise<RegionKeys> {
  const ids: string[] = [];
  let marker: string | undefined;
  do {
    const page = await client.send(
      new ListKeysCommand({ Limit: 1000, ...(marker ? { Marker: marker } : {}) }),
      callOptions(context, 'every key was listed'),
    );
    for (const key of page.Keys ?? []) if (key.KeyId) ids.push(key.KeyId);
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker);
  let late = 0;
  const failed: { index: number; gap: Gap }[] = [];
  const described = await mapLimit(ids, RESOURCE_CONCURRENCY, async (KeyId, index) => {
    try {
      const { KeyMetadata: metadata } = await client.send(
        new DescribeKeyCommand({ KeyId }),
        callOptions(context, 'every key was described'),
      );
      return metadata;
    } catch (error) {
      if (isThrottle(error)) throw error;
      if (isDeadline(error, context)) late++;
      else failed.push({ index, gap: gapOf(context, region, `key ${KeyId} (${region})`, error) });
      return undefined;
    }
  });
  const gaps: Gap[] = [];
  if (late > 0) {
    const what = `${late} of ${ids.length} keys (${region})`;
    gaps.push({ region, what, key: `keys not described before the deadline (${region})`, reason: 'deadline' });
  }
  // In the order listed, whichever answered first: the same keys are named (and fingerprinted) run after run.
  const inOrder = failed.sort((a, b) => a.index - b.index).map((entry) => entry.gap);
  gaps.push(...inOrder.slice(0, NAMED_KEY_GAPS));
  const more = inOrder.length - NAMED_KEY_GAPS;
  if (more > 0) {
    const what = `${more} more keys (${region})`;
    gaps.push({ ...(inOrder[NAMED_KEY_GAPS] as Gap), what, key: `more keys not described (${region})` });
  }
  const keys = described.filter((key): key is KeyMetadata => key?.KeyManager === 'CUSTOMER');
  return { keys, gaps };
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
      customerKeys(context.target.client(KMSClient, { region }), region, context),
    );
    let keys = 0;
    const findings: Finding[] = done.flatMap(({ region, value }) => {
      keys += value.keys.length;
      return value.keys.flatMap((key): Finding[] => {
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
      [...gaps, ...done.flatMap(({ value }) => value.gaps)],
      `${where}: ${keys} customer-managed key${keys === 1 ? '' : 's'}, none pending deletion or disabled`,
    );
  },
};
