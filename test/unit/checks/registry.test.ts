import { KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { CHECK_INFO } from '../../../functions/checks/catalog';
import { CURRENT_STATE_CHECK_BY_ID } from '../../../functions/checks/current-state-checks';
import { CHECKS } from '../../../functions/checks/registry';
import { CHECK_IDS } from '../../../functions/lib/ids';
import type { CheckResult } from '../../../functions/lib/types';
import { stateContext } from './current-state-helpers';

// The registry loads the current-state checks on first use (infra/bundling.ts, LOADED_ON_FIRST_USE): what it says of
// each before must be what the check says of itself, running it must run the check, and a module that cannot be
// loaded must say so.
const CURRENT_STATE_MODULE = '../../../functions/checks/current-state-checks';
const kms = mockClient(KMSClient);
afterEach(() => {
  kms.reset();
  jest.dontMock(CURRENT_STATE_MODULE);
});
afterAll(() => kms.restore());

/**
 * Loads a fresh registry, with `currentState` standing in for the current-state checks' module, and runs `use` on it,
 * all in a module registry of their own: the registry `require`s the module when a check's run starts.
 */
function withFreshRegistry<T>(
  currentState: () => unknown,
  use: (registry: typeof import('../../../functions/checks/registry')) => T,
): T {
  let result: { value: T } | undefined;
  jest.isolateModules(() => {
    jest.doMock(CURRENT_STATE_MODULE, currentState);
    result = { value: use(require('../../../functions/checks/registry')) };
  });
  return (result as { value: T }).value;
}

describe('the check registry', () => {
  test('has every check, each described as in the catalog', () => {
    expect(Object.keys(CHECKS).sort()).toEqual([...CHECK_IDS].sort());
    for (const [id, check] of Object.entries(CHECKS)) {
      const { run: _run, ...described } = check;
      expect(described).toEqual(CHECK_INFO[id as keyof typeof CHECK_INFO]);
    }
  });

  test.each(Object.entries(CURRENT_STATE_CHECK_BY_ID))(
    '%s, loaded on first use, is described as the check describes itself',
    (id, check) => {
      const { run: _lazy, ...before } = CHECKS[id as keyof typeof CHECKS];
      const { run: _run, ...loaded } = check;
      expect(before).toEqual(loaded);
    },
  );

  test('running a check loaded on first use runs the check', async () => {
    // Arrange
    kms.on(ListKeysCommand).resolves({ Keys: [], Truncated: false });

    // Act
    const result = await CHECKS['kms-key-deletion'].run(stateContext());

    // Assert
    expect(result).toEqual({
      status: 'PASS',
      message: 'us-east-1: 0 customer-managed keys, none pending deletion or disabled',
    });
    expect(kms.commandCalls(ListKeysCommand)).toHaveLength(1);
  });

  test('loads the module when a check first runs, not with the registry, and once', async () => {
    // Arrange: a stand-in module that counts its loads.
    let loads = 0;
    const standIn = () => {
      loads += 1;
      const run = async (): Promise<CheckResult> => ({ status: 'PASS', message: 'stand-in' });
      return { CURRENT_STATE_CHECK_BY_ID: { 'kms-key-deletion': { ...CHECK_INFO['kms-key-deletion'], run } } };
    };

    // Act
    const { withRegistry, results } = withFreshRegistry(standIn, (registry) => {
      const withRegistry = loads;
      const check = registry.CHECKS['kms-key-deletion'];
      return { withRegistry, results: [check.run(stateContext()), check.run(stateContext())] };
    });

    // Assert
    expect(withRegistry).toBe(0);
    expect(loads).toBe(1);
    expect(await Promise.all(results)).toEqual([
      { status: 'PASS', message: 'stand-in' },
      { status: 'PASS', message: 'stand-in' },
    ]);
  });

  test('a module that cannot be loaded fails the check with a named error that says what to do', async () => {
    // Arrange: the file missing from the asset, as Node.js says it.
    const missing = () => {
      throw new Error("Cannot find module './current-state-checks.js'\nRequire stack:\n- /var/task/index.js");
    };

    // Act
    const run = withFreshRegistry(missing, (registry) => registry.CHECKS['network-exposure'].run(stateContext()));

    // Assert
    await expect(run).rejects.toMatchObject({ name: 'CodeUnavailable' });
    await expect(run).rejects.toThrow(
      "cannot load the code of the current-state checks (Cannot find module './current-state-checks.js'): the " +
        "function's asset is incomplete; deploy the stack again",
    );
  });
});
