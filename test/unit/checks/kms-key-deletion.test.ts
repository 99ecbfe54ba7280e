import { DescribeKeyCommand, type KeyMetadata, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { kmsKeyDeletionCheck } from '../../../functions/checks/kms-key-deletion';
import { withFingerprints } from '../../../functions/lib/fingerprint';
import { ACCOUNT, awsError, stateContext } from './current-state-helpers';

const kmsMock = mockClient(KMSClient);

function key(id: string, fields: Partial<KeyMetadata> = {}): KeyMetadata {
  return {
    KeyId: id,
    Arn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${id}`,
    KeyManager: 'CUSTOMER',
    KeyState: 'Enabled',
    Enabled: true,
    ...fields,
  };
}

function keys(...list: KeyMetadata[]) {
  kmsMock.on(ListKeysCommand).resolves({ Keys: list.map((k) => ({ KeyId: k.KeyId })), Truncated: false });
  for (const k of list) kmsMock.on(DescribeKeyCommand, { KeyId: k.KeyId }).resolves({ KeyMetadata: k });
}

beforeEach(() => kmsMock.reset());

describe('kms-key-deletion', () => {
  test('Compliance: enabled customer-managed keys', async () => {
    keys(key('k-1'), key('k-2'));

    const result = await kmsKeyDeletionCheck.run(stateContext());

    expect(result).toEqual({
      status: 'PASS',
      message: 'us-east-1: 2 customer-managed keys, none pending deletion or disabled',
    });
  });

  test('Noncompliance: a key pending deletion is HIGH, with its date', async () => {
    keys(key('k-1', { KeyState: 'PendingDeletion', Enabled: false, DeletionDate: new Date('2026-11-21T12:00:00Z') }));

    const result = await kmsKeyDeletionCheck.run(stateContext());

    expect(result).toEqual({
      status: 'FAIL',
      message: '1 HIGH: KMS key k-1 is deleted on 2026-11-21 (us-east-1)',
      findings: [
        {
          rule: 'kms-key-deletion/pending-deletion',
          severity: 'HIGH',
          title: 'KMS key k-1 is deleted on 2026-11-21 (us-east-1)',
          resource: {
            type: 'AwsKmsKey',
            id: 'k-1',
            region: 'us-east-1',
            arn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/k-1`,
          },
          evidence: { keyState: 'PendingDeletion', deletionDate: '2026-11-21T12:00:00.000Z' },
        },
      ],
    });
  });

  test('Noncompliance: a disabled key is MEDIUM', async () => {
    keys(key('k-1', { KeyState: 'Disabled', Enabled: false }));

    const result = await kmsKeyDeletionCheck.run(stateContext());

    expect(result.findings).toEqual([
      expect.objectContaining({
        rule: 'kms-key-deletion/disabled',
        severity: 'MEDIUM',
        evidence: { keyState: 'Disabled' },
      }),
    ]);
  });

  test('Near miss: AWS-managed keys pending deletion or disabled are not reported', async () => {
    keys(
      key('aws-1', { KeyManager: 'AWS', KeyState: 'PendingDeletion', DeletionDate: new Date('2026-11-21T00:00:00Z') }),
      key('aws-2', { KeyManager: 'AWS', KeyState: 'Disabled' }),
      key('k-1'),
    );

    const result = await kmsKeyDeletionCheck.run(stateContext());

    expect(result).toEqual({
      status: 'PASS',
      message: 'us-east-1: 1 customer-managed key, none pending deletion or disabled',
    });
  });

  test('Every page of keys in every governed region is read', async () => {
    kmsMock
      .on(ListKeysCommand)
      .resolvesOnce({ Keys: [{ KeyId: 'k-1' }], Truncated: true, NextMarker: 'm' })
      .resolvesOnce({ Keys: [{ KeyId: 'k-2' }], Truncated: false })
      .resolves({ Keys: [], Truncated: false });
    kmsMock.on(DescribeKeyCommand).callsFake(async (input: { KeyId: string }) => ({
      KeyMetadata: key(input.KeyId, input.KeyId === 'k-2' ? { KeyState: 'Disabled' } : {}),
    }));

    const result = await kmsKeyDeletionCheck.run(stateContext({ regions: ['us-east-1', 'eu-west-1'] }));

    expect(kmsMock).toHaveReceivedCommandWith(ListKeysCommand, { Marker: 'm' });
    expect(kmsMock).toHaveReceivedCommandTimes(ListKeysCommand, 3);
    expect(result.findings?.map((finding) => finding.resource?.id)).toEqual(['k-2']);
  });

  test('Access denied: ERROR naming the kind, never PASS', async () => {
    kmsMock.on(ListKeysCommand).rejects(awsError('AccessDeniedException', 'not allowed'));

    const result = await kmsKeyDeletionCheck.run(stateContext());

    expect(result.status).toBe('ERROR');
    expect(result.error).toEqual({ kind: 'ACCESS_DENIED', message: 'AccessDeniedException: not allowed' });
  });

  describe('a key that cannot be described is a gap of its own, and the other keys still count', () => {
    const locked = awsError('AccessDeniedException', 'key policy does not allow kms:DescribeKey');

    test('a key pending deletion beside a key whose policy denies DescribeKey: FAIL, and the gap is said', async () => {
      keys(
        key('k-locked'),
        key('k-1', { KeyState: 'PendingDeletion', Enabled: false, DeletionDate: new Date('2026-11-21T12:00:00Z') }),
      );
      kmsMock.on(DescribeKeyCommand, { KeyId: 'k-locked' }).rejects(locked);

      const result = await kmsKeyDeletionCheck.run(stateContext());

      expect(result.status).toBe('FAIL');
      expect(result.message).toBe(
        '1 HIGH: KMS key k-1 is deleted on 2026-11-21 (us-east-1); partial: key k-locked (us-east-1): ACCESS_DENIED',
      );
      expect(result.findings).toEqual([
        expect.objectContaining({
          rule: 'kms-key-deletion/pending-deletion',
          resource: expect.objectContaining({ id: 'k-1' }),
        }),
        expect.objectContaining({
          rule: 'kms-key-deletion/incomplete',
          severity: 'INFO',
          resource: {
            type: 'AwsAccount',
            id: ACCOUNT,
            region: 'us-east-1',
            part: 'kms-key-deletion: key k-locked (us-east-1)',
          },
          detail: 'AccessDeniedException: key policy does not allow kms:DescribeKey',
        }),
      ]);
    });

    test('nothing else found: ERROR naming the key, never PASS', async () => {
      keys(key('k-locked'), key('k-1'));
      kmsMock.on(DescribeKeyCommand, { KeyId: 'k-locked' }).rejects(locked);

      const result = await kmsKeyDeletionCheck.run(stateContext());

      expect(result).toMatchObject({
        status: 'ERROR',
        message: 'partial: key k-locked (us-east-1): ACCESS_DENIED',
        error: { kind: 'ACCESS_DENIED', message: 'AccessDeniedException: key policy does not allow kms:DescribeKey' },
      });
    });

    test('five keys are named in the order listed, the rest counted', async () => {
      const ids = Array.from({ length: 8 }, (_, i) => `k-${i}`);
      keys(...ids.map((id) => key(id)));
      kmsMock.on(DescribeKeyCommand).rejects(locked);

      const result = await kmsKeyDeletionCheck.run(stateContext());

      expect(result.message).toBe(
        'partial: key k-0 (us-east-1): ACCESS_DENIED, key k-1 (us-east-1): ACCESS_DENIED, key k-2 (us-east-1): ' +
          'ACCESS_DENIED, key k-3 (us-east-1): ACCESS_DENIED, key k-4 (us-east-1): ACCESS_DENIED, 3 more keys ' +
          '(us-east-1): ACCESS_DENIED',
      );
    });

    test('the counted gap is the same finding from run to run, whatever the count: no NEW finding each run', async () => {
      const run = async (count: number) => {
        kmsMock.reset();
        keys(...Array.from({ length: count }, (_, i) => key(`k-${i}`)));
        kmsMock.on(DescribeKeyCommand).rejects(locked);
        const result = await kmsKeyDeletionCheck.run(stateContext());
        return withFingerprints(ACCOUNT, result.findings ?? []).find((finding) => finding.title.includes('more keys'));
      };

      const [seven, nine] = [await run(7), await run(9)];

      expect(seven?.title).toContain('2 more keys (us-east-1)');
      expect(nine?.title).toContain('4 more keys (us-east-1)');
      expect(nine?.fingerprint).toBe(seven?.fingerprint);
    });

    test('throttling of one key is not a gap: it is thrown, so that the workflow retries the account', async () => {
      keys(key('k-1'), key('k-2'));
      kmsMock.on(DescribeKeyCommand, { KeyId: 'k-2' }).rejects(awsError('ThrottlingException', 'Rate exceeded'));

      await expect(kmsKeyDeletionCheck.run(stateContext())).rejects.toMatchObject({ name: 'ThrottlingException' });
    });
  });
});
