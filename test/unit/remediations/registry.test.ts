import { STSClient } from '@aws-sdk/client-sts';
import { SessionCache } from '../../../functions/lib/assume-role';
import { REMEDIATION_IDS, type RemediationId } from '../../../functions/lib/ids';
import { blockBucketPublicAccess } from '../../../functions/remediations/block-bucket-public-access';
import { cancelKeyDeletion } from '../../../functions/remediations/cancel-key-deletion';
import { ACTION_INFO } from '../../../functions/remediations/catalog';
import { type AccountPlan, type AccountRemediationRecord, PATHS } from '../../../functions/remediations/documents';
import { enableGuardDuty } from '../../../functions/remediations/enable-guardduty';
import { actionForRule, REMEDIATIONS } from '../../../functions/remediations/registry';
import { revokeWorldIngress } from '../../../functions/remediations/revoke-world-ingress';
import { startConfigRecorder } from '../../../functions/remediations/start-config-recorder';
import type { Inspection, RemediationAction } from '../../../functions/remediations/types';
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

// The registry describes every action from the catalog and loads an action's code, with its SDK client, the first time
// the action inspects, applies or undoes (infra/bundling.ts, LOADED_ON_FIRST_USE). What it says of each before must be
// what the action says of itself, only the actions a plan inspects may load, and a file that cannot be loaded must
// fail that item closed.
const MODULES: Readonly<Record<RemediationId, string>> = Object.fromEntries(
  REMEDIATION_IDS.map((id) => [id, `../../../functions/remediations/${id}`]),
) as Record<RemediationId, string>;
const LOADED: Readonly<Record<RemediationId, RemediationAction>> = {
  'revoke-world-ingress': revokeWorldIngress,
  'block-bucket-public-access': blockBucketPublicAccess,
  'cancel-key-deletion': cancelKeyDeletion,
  'start-config-recorder': startConfigRecorder,
  'enable-guardduty': enableGuardDuty,
};
afterEach(() => {
  for (const path of Object.values(MODULES)) jest.dontMock(path);
});

/** What an action is without its code. */
const described = ({ inspect: _i, apply: _a, undo: _u, ...rest }: RemediationAction) => rest;

/**
 * Runs `use` in a module registry of its own, awaits included, with `modules` standing in for the actions' files: the
 * registry `require`s an action's file when the action is first used, which in a plan or an apply is after it has read
 * its documents.
 */
async function withFreshModules<T>(
  modules: Partial<Record<RemediationId, () => unknown>>,
  use: () => Promise<T>,
): Promise<T> {
  let result: { value: T } | undefined;
  await jest.isolateModulesAsync(async () => {
    for (const [id, factory] of Object.entries(modules)) jest.doMock(MODULES[id as RemediationId], factory);
    result = { value: await use() };
  });
  return (result as { value: T }).value;
}

/** A fresh plan step (and registry), as {@link withFreshModules} loads it. */
function withFreshPlan<T>(
  modules: Partial<Record<RemediationId, () => unknown>>,
  use: (plan: typeof import('../../../functions/remediations/plan')) => Promise<T>,
): Promise<T> {
  return withFreshModules(modules, () => use(require('../../../functions/remediations/plan')));
}

/** An action's file missing from the asset, as Node.js says it. */
const missing = () => {
  throw new Error("Cannot find module './remediation-revoke-world-ingress.js'\nRequire stack:\n- /var/task/index.js");
};
const MISSING_MESSAGE =
  "cannot load the code of the remediation revoke-world-ingress (Cannot find module './remediation-revoke-world-" +
  "ingress.js'): the function's asset is incomplete; deploy the stack again";

/** Plans ACCOUNT of `run` from its audit record with `list` as its findings, with `ids` switched on. */
async function plan(
  planStep: typeof import('../../../functions/remediations/plan'),
  ids: RemediationId[],
  list: ReturnType<typeof findings.worldIngress>[],
): Promise<AccountPlan | undefined> {
  const store = new MemoryReportStore();
  const run = remediationRun({ mode: 'plan' });
  store.seed(run.auditRun, `accounts/${ACCOUNT}.json`, auditRecord(ACCOUNT, list));
  const deps = {
    settings: settingsWith(ids),
    // Never called: the stand-ins read nothing.
    sessions: new SessionCache(new STSClient({ region: 'us-east-1' })),
    store,
    partition: 'aws',
    now: () => NOW,
  };
  await planStep.planAccount({ accountId: ACCOUNT, run }, deps);
  return store.read<AccountPlan>(run, PATHS.plan(ACCOUNT));
}

describe('the remediation registry', () => {
  test('has every action, each described as in the catalog and as the action describes itself', () => {
    expect(Object.keys(REMEDIATIONS).sort()).toEqual([...REMEDIATION_IDS].sort());
    for (const id of REMEDIATION_IDS) {
      expect(described(REMEDIATIONS[id])).toEqual(ACTION_INFO[id]);
      expect(described(LOADED[id])).toEqual(ACTION_INFO[id]);
      for (const rule of ACTION_INFO[id].fixes.rules) expect(actionForRule(rule)?.id).toBe(id);
    }
  });

  test('a plan loads the code of the actions it inspects, once each, and no other', async () => {
    // Arrange: every action's file a stand-in that counts its loads; the one for world ingress inspects.
    const loads: Partial<Record<RemediationId, number>> = {};
    const inspection: Inspection = { compliant: false, state: { present: true }, tags: {} };
    const standIn = (id: RemediationId) => () => {
      loads[id] = (loads[id] ?? 0) + 1;
      return exportsOf(id, inspection);
    };
    const modules = Object.fromEntries(REMEDIATION_IDS.map((id) => [id, standIn(id)]));

    // Act: two open rules, a bucket whose action is off, and a key whose action is on but with no finding here.
    const { atLoad, written } = await withFreshPlan(modules, async (planStep) => {
      const atLoad = { ...loads };
      const written = await plan(
        planStep,
        ['revoke-world-ingress', 'cancel-key-deletion'],
        [
          findings.worldIngress({ ruleId: 'sgr-1' }),
          findings.worldIngress({ ruleId: 'sgr-3', port: 443 }),
          findings.bucketPublic(),
        ],
      );
      return { atLoad, written };
    });

    // Assert
    expect(atLoad).toEqual({});
    expect(loads).toEqual({ 'revoke-world-ingress': 1 });
    expect(written?.items.map(({ action, decision }) => `${action} ${decision}`)).toEqual([
      'revoke-world-ingress PLANNED',
      'revoke-world-ingress PLANNED',
      'block-bucket-public-access NOT_ENABLED',
    ]);
  });

  test('an action whose code cannot be loaded fails its items closed, with a named error that says what to do', async () => {
    // Act
    const { written, rejected } = await withFreshPlan({ 'revoke-world-ingress': missing }, async (planStep) => {
      // The registry the plan step loaded.
      const { REMEDIATIONS: fresh } =
        require('../../../functions/remediations/registry') as typeof import('../../../functions/remediations/registry');
      // What the call rejects with, taken at once: the plan is awaited first.
      const rejected = fresh['revoke-world-ingress'].apply({} as never, inspectionOf(), {} as never).then(
        () => 'resolved',
        (error: unknown) => error,
      );
      const written = await plan(planStep, ['revoke-world-ingress'], [findings.worldIngress({ ruleId: 'sgr-1' })]);
      return { written, rejected };
    });

    // Assert
    const message = MISSING_MESSAGE;
    expect(written?.items).toMatchObject([{ action: 'revoke-world-ingress', decision: 'ERROR' }]);
    // The code, not the account's state, is what failed: the reason says so alone.
    expect(written?.items[0]?.reason).toBe(`nothing is applied: ${message}`);
    expect(await rejected).toMatchObject({ name: 'CodeUnavailable', message });
  });

  test('an apply whose action cannot be loaded records the item FAILED and calls nothing', async () => {
    // Arrange: planned with the action's code at hand (a stand-in that finds the rule open).
    const store = new MemoryReportStore();
    const run = remediationRun();
    store.seed(run.auditRun, `accounts/${ACCOUNT}.json`, auditRecord(ACCOUNT, [findings.worldIngress()]));
    const deps = {
      settings: settingsWith(['revoke-world-ingress']),
      // Apply assumes the role before it applies anything: the one call a session makes here.
      sessions: { credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }) } as unknown as SessionCache,
      store,
      partition: 'aws',
      now: () => NOW,
    };
    const approval = { approved: true, approvedBy: 'alice', approvedAt: '2030-01-02T07:05:00.000Z' };
    await withFreshModules({ 'revoke-world-ingress': () => exportsOf('revoke-world-ingress', inspectionOf()) }, () =>
      (
        require('../../../functions/remediations/plan') as typeof import('../../../functions/remediations/plan')
      ).planAccount({ accountId: ACCOUNT, run }, deps),
    );

    const planSha256 = await reviewedDigest(store, run);

    // Act: applied where the file cannot be loaded.
    const result = await withFreshModules({ 'revoke-world-ingress': missing }, () =>
      (
        require('../../../functions/remediations/apply') as typeof import('../../../functions/remediations/apply')
      ).applyAccount({ accountId: ACCOUNT, run, approval, planSha256 }, deps),
    );

    // Assert
    expect(store.read<AccountPlan>(run, PATHS.plan(ACCOUNT))?.items.map(({ decision }) => decision)).toEqual([
      'PLANNED',
    ]);
    expect(result).toEqual({ accountId: ACCOUNT, remediated: 0, failed: 1 });
    const record = store.read<AccountRemediationRecord>(run, PATHS.record(ACCOUNT));
    expect(record?.items).toMatchObject([{ action: 'revoke-world-ingress', outcome: 'FAILED', calls: [] }]);
    expect(record?.items[0]?.reason).toContain(MISSING_MESSAGE);
  });
});

function inspectionOf(): Inspection {
  return { compliant: false, state: {}, tags: {} };
}

/** The named export of an action's module, as the registry reads it. */
function exportsOf(id: RemediationId, inspection: Inspection): Record<string, RemediationAction> {
  const names: Record<RemediationId, string> = {
    'revoke-world-ingress': 'revokeWorldIngress',
    'block-bucket-public-access': 'blockBucketPublicAccess',
    'cancel-key-deletion': 'cancelKeyDeletion',
    'start-config-recorder': 'startConfigRecorder',
    'enable-guardduty': 'enableGuardDuty',
  };
  return { [names[id]]: { ...LOADED[id], inspect: async () => inspection } };
}
