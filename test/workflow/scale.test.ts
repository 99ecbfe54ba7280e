import type { LocalRunResult } from '../../cli/engine';
import { activeTargets, startSandbox, type TestSandbox } from '../support/sandbox';

/** Step Functions' limit on a state's input or output. */
const STATE_LIMIT = 256 * 1024;

describe('a 5,000-account organization', () => {
  let sandbox: TestSandbox;
  let result: LocalRunResult;

  beforeAll(async () => {
    // The identity check only, no CloudTrail files and no current state: the payloads depend on the number of
    // accounts, not on the checks, and this keeps the test to a few minutes on two cores.
    sandbox = await startSandbox({ members: 5000, cloudTrailHours: 0, currentState: false });
    result = await sandbox.run({ checks: ['identity'] });
  }, 900_000);
  afterAll(() => sandbox?.stop());

  it('keeps every state input and output under 256 KiB', () => {
    const sizes = Object.entries(result.stats.payloadByState);
    expect(sizes.map(([state]) => state)).toEqual(
      expect.arrayContaining(['Resolve Targets', 'Audit Accounts', 'Audit Account', 'Summarize', 'Any Issues?']),
    );
    for (const [state, bytes] of sizes) {
      expect({ state, fits: bytes < STATE_LIMIT }).toEqual({ state, fits: true });
    }
    expect(result.stats.largestPayload.bytes).toBeLessThan(STATE_LIMIT);
  });

  it('keeps the Map result that ResultPath drops under 256 KiB too', () => {
    expect(result.stats.mapResultBytes).toBeLessThan(STATE_LIMIT);
  });

  it('still audits every ACTIVE account exactly once', () => {
    expect(result.summary?.accounts.map((account) => account.accountId)).toEqual(activeTargets(sandbox.organization));
    expect(result.summary?.totals.accounts).toBe(5001);
  });
});
