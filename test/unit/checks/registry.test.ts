import { KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { CHECK_INFO } from '../../../functions/checks/catalog';
import { CURRENT_STATE_CHECKS } from '../../../functions/checks/current-state-checks';
import { CHECKS } from '../../../functions/checks/registry';
import { CHECK_IDS } from '../../../functions/lib/ids';
import { stateContext } from './current-state-helpers';

// The registry loads the current-state checks on first use (infra/bundling.ts, LOADED_ON_FIRST_USE): what it says of
// each before must be what the check says of itself, and running it must run the check.
describe('the check registry', () => {
  test('has every check, each described as in the catalog', () => {
    expect(Object.keys(CHECKS).sort()).toEqual([...CHECK_IDS].sort());
    for (const [id, check] of Object.entries(CHECKS)) {
      const { run: _run, ...described } = check;
      expect(described).toEqual(CHECK_INFO[id as keyof typeof CHECK_INFO]);
    }
  });

  test.each(Object.entries(CURRENT_STATE_CHECKS))(
    '%s, loaded on first use, is described as the check describes itself',
    (id, check) => {
      const { run: _lazy, ...before } = CHECKS[id as keyof typeof CHECKS];
      const { run: _run, ...loaded } = check;
      expect(before).toEqual(loaded);
    },
  );

  test('running a check loaded on first use runs the check', async () => {
    // Arrange
    const kms = mockClient(KMSClient);
    kms.on(ListKeysCommand).resolves({ Keys: [], Truncated: false });

    // Act
    const result = await CHECKS['kms-key-deletion'].run(stateContext());

    // Assert
    expect(result).toEqual({
      status: 'PASS',
      message: 'us-east-1: 0 customer-managed keys, none pending deletion or disabled',
    });
    expect(kms.commandCalls(ListKeysCommand)).toHaveLength(1);
    kms.restore();
  });
});
