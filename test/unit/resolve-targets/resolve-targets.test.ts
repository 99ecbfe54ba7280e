import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListParentsCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { parseSettings, type SettingsInput } from '../../../functions/lib/settings';
import type { TargetsDocument } from '../../../functions/lib/types';
import { type ResolveTargetsEvent, resolveTargets } from '../../../functions/resolve-targets/resolve-targets';
import { MemoryReportStore } from '../../support/unit-memory-store';
import {
  ACCOUNT,
  defaultMembers,
  givenOrganization,
  MANAGEMENT,
  member,
  ORG_ID,
  OU,
} from '../../support/unit-organization';

const organizations = mockClient(OrganizationsClient);

const RUN_ID = 'ct-audit-20300102T060000Z';
const STARTED_AT = '2030-01-02T06:00:00.000Z';
const RUN_REF = { id: RUN_ID, startedAt: STARTED_AT };
const NOT_IN_ORG = '888888888888';

function event(input?: unknown): ResolveTargetsEvent {
  return { input, executionName: RUN_ID, startedAt: STARTED_AT };
}

function resolve(input: unknown, settings: SettingsInput = {}, store = new MemoryReportStore()) {
  return resolveTargets(event(input), {
    settings: parseSettings(settings),
    organizations: new OrganizationsClient({}),
    store,
  });
}

/** resolveTargets and the targets.json it wrote. */
async function resolveAndRead(input: unknown, settings: SettingsInput = {}) {
  const store = new MemoryReportStore();
  const result = await resolve(input, settings, store);
  return { result, document: store.read<TargetsDocument>(RUN_REF, 'targets.json') as TargetsDocument };
}

function skipReason(document: TargetsDocument, accountId: string): string | undefined {
  return document.skipped.find((skipped) => skipped.accountId === accountId)?.reason;
}

beforeEach(() => organizations.reset());

describe('resolveTargets: the whole organization', () => {
  test('every ACTIVE member but the management account is a target, as bare IDs', async () => {
    givenOrganization(organizations);

    const { result } = await resolveAndRead({});

    expect(result.targets).toEqual([ACCOUNT.prod, ACCOUNT.dev, ACCOUNT.sandbox, ACCOUNT.audit, ACCOUNT.logArchive]);
  });

  test('the management account is skipped with its reason', async () => {
    givenOrganization(organizations);

    const { document } = await resolveAndRead({});

    expect(document.skipped).toEqual([
      {
        accountId: MANAGEMENT,
        name: 'Management',
        reason: 'management account: Control Tower deploys no execution roles there',
      },
    ]);
  });

  test.each([['SUSPENDED'], ['PENDING_CLOSURE']] as const)('a %s account is skipped with its state', async (state) => {
    givenOrganization(organizations, [...defaultMembers(), member('666666666666', 'Closing', state)]);

    const { result, document } = await resolveAndRead({});

    expect(result.targets).not.toContain('666666666666');
    expect(skipReason(document, '666666666666')).toBe(`account is ${state}: only ACTIVE accounts are audited`);
  });

  test('an account SUSPENDED in the older Status field is skipped too', async () => {
    givenOrganization(organizations, [...defaultMembers(), { Id: '666666666666', Name: 'Old', Status: 'SUSPENDED' }]);

    const { document } = await resolveAndRead({});

    expect(skipReason(document, '666666666666')).toBe('account is SUSPENDED: only ACTIVE accounts are audited');
  });

  test('targets are sorted by account ID', async () => {
    givenOrganization(organizations, [
      member('300000000000', 'c'),
      member('100000000000', 'a'),
      member('200000000000', 'b'),
    ]);

    const { result } = await resolveAndRead({});

    expect(result.targets).toEqual(['100000000000', '200000000000', '300000000000']);
  });

  test('skippedCount counts the skipped accounts', async () => {
    givenOrganization(organizations, [...defaultMembers(), member('666666666666', 'Gone', 'SUSPENDED')]);

    const { result } = await resolveAndRead({});

    expect(result.skippedCount).toBe(2);
  });

  test('without OU settings the OU tree is not walked', async () => {
    givenOrganization(organizations);

    await resolve({});

    expect(organizations).not.toHaveReceivedCommand(ListRootsCommand);
  });
});

describe('resolveTargets: a given list of accounts', () => {
  test('only the accounts asked for are targets', async () => {
    givenOrganization(organizations);

    const { result } = await resolveAndRead({ accounts: [ACCOUNT.dev, ACCOUNT.prod] });

    expect(result.targets).toEqual([ACCOUNT.prod, ACCOUNT.dev]);
  });

  test('an account that is not in the organization is skipped naming the organization', async () => {
    givenOrganization(organizations);

    const { result, document } = await resolveAndRead({ accounts: [ACCOUNT.prod, NOT_IN_ORG] });

    expect(result.targets).toEqual([ACCOUNT.prod]);
    expect(document.skipped).toEqual([
      { accountId: NOT_IN_ORG, reason: `not a member of organization ${ORG_ID}`, requested: true },
    ]);
  });

  test('the single-account form audits that account', async () => {
    givenOrganization(organizations);

    const { result } = await resolveAndRead({ TargetAccountId: ACCOUNT.sandbox });

    expect(result.targets).toEqual([ACCOUNT.sandbox]);
  });

  test('every account asked for is either a target or skipped, exactly once', async () => {
    givenOrganization(organizations, [...defaultMembers(), member('666666666666', 'Gone', 'SUSPENDED')]);
    const asked = [ACCOUNT.prod, MANAGEMENT, '666666666666', NOT_IN_ORG, ACCOUNT.dev, ACCOUNT.audit];

    const { document } = await resolveAndRead({ accounts: asked }, { exclude: { accounts: [ACCOUNT.audit] } });

    const accounted = [...document.targets.map((t) => t.accountId), ...document.skipped.map((s) => s.accountId)];
    expect(accounted.sort()).toEqual([...asked].sort());
  });

  test('the settings inclusions do not narrow a given list', async () => {
    givenOrganization(organizations);

    const { result } = await resolveAndRead({ accounts: [ACCOUNT.sandbox] }, { include: { accounts: [ACCOUNT.prod] } });

    expect(result.targets).toEqual([ACCOUNT.sandbox]);
  });

  test('the settings exclusions apply to a given list, with their reason', async () => {
    givenOrganization(organizations);

    const { result, document } = await resolveAndRead(
      { accounts: [ACCOUNT.sandbox] },
      { exclude: { accounts: [ACCOUNT.sandbox] } },
    );

    expect(result.targets).toEqual([]);
    expect(skipReason(document, ACCOUNT.sandbox)).toBe('excluded by settings (ctAudit.exclude.accounts)');
  });
});

describe('resolveTargets: include and exclude from settings', () => {
  test('include.accounts narrows a whole-organization run to those accounts', async () => {
    givenOrganization(organizations);

    const { result } = await resolveAndRead({}, { include: { accounts: [ACCOUNT.dev, ACCOUNT.audit] } });

    expect(result.targets).toEqual([ACCOUNT.dev, ACCOUNT.audit]);
  });

  test('accounts outside the inclusions are out of scope, not skipped', async () => {
    givenOrganization(organizations);

    const { document } = await resolveAndRead({}, { include: { accounts: [ACCOUNT.dev] } });

    expect(document.skipped.map((skipped) => skipped.accountId)).not.toContain(ACCOUNT.prod);
  });

  test('with inclusions, the management account and inactive accounts outside them are not listed as skipped', async () => {
    givenOrganization(organizations);

    const { document } = await resolveAndRead({}, { include: { accounts: [ACCOUNT.dev] } });

    expect(document.skipped).toEqual([]);
  });

  test('exclude.accounts skips the account with the setting as its reason', async () => {
    givenOrganization(organizations);

    const { result, document } = await resolveAndRead({}, { exclude: { accounts: [ACCOUNT.audit] } });

    expect(result.targets).not.toContain(ACCOUNT.audit);
    expect(skipReason(document, ACCOUNT.audit)).toBe('excluded by settings (ctAudit.exclude.accounts)');
  });

  test('including an OU includes the accounts of its child OUs', async () => {
    givenOrganization(organizations);

    const { result } = await resolveAndRead({}, { include: { organizationalUnits: [OU.workloads] } });

    expect(result.targets).toEqual([ACCOUNT.prod, ACCOUNT.dev]);
  });

  test('including a leaf OU includes its accounts only', async () => {
    givenOrganization(organizations);

    const { result } = await resolveAndRead({}, { include: { organizationalUnits: [OU.security] } });

    expect(result.targets).toEqual([ACCOUNT.audit, ACCOUNT.logArchive]);
  });

  test('excluding an OU skips the accounts of its child OUs, naming the OU', async () => {
    givenOrganization(organizations);

    const { result, document } = await resolveAndRead({}, { exclude: { organizationalUnits: [OU.workloads] } });

    expect(result.targets).toEqual([ACCOUNT.sandbox, ACCOUNT.audit, ACCOUNT.logArchive]);
    expect(skipReason(document, ACCOUNT.dev)).toBe(
      `excluded by settings (ctAudit.exclude.organizationalUnits: ${OU.workloads})`,
    );
  });

  test('an exclusion wins over an inclusion', async () => {
    givenOrganization(organizations);

    const { result } = await resolveAndRead(
      {},
      { include: { organizationalUnits: [OU.workloads] }, exclude: { organizationalUnits: [OU.dev] } },
    );

    expect(result.targets).toEqual([ACCOUNT.prod]);
  });

  test('targets carry their OU path when the tree was walked', async () => {
    givenOrganization(organizations);

    const { document } = await resolveAndRead({}, { include: { organizationalUnits: [OU.workloads] } });

    expect(document.targets).toEqual([
      { accountId: ACCOUNT.prod, name: 'Prod', ouPath: 'Root/Workloads/Prod' },
      { accountId: ACCOUNT.dev, name: 'Dev', ouPath: 'Root/Workloads/Dev' },
    ]);
  });

  test('OU filtering never asks for the parents of an account', async () => {
    givenOrganization(organizations);

    await resolve({}, { exclude: { organizationalUnits: [OU.sandbox] } });

    expect(organizations).not.toHaveReceivedCommand(ListParentsCommand);
  });
});

describe('resolveTargets: targets.json and the state output', () => {
  test('writes targets.json with the run, the organization, the targets and the skipped accounts', async () => {
    givenOrganization(organizations);

    const { document } = await resolveAndRead({ accounts: [ACCOUNT.prod, NOT_IN_ORG] });

    expect(document).toEqual({
      runId: RUN_ID,
      organizationId: ORG_ID,
      targets: [{ accountId: ACCOUNT.prod, name: 'Prod' }],
      skipped: [{ accountId: NOT_IN_ORG, reason: `not a member of organization ${ORG_ID}`, requested: true }],
    });
  });

  test('writes targets.json in the run folder of the day the run started', async () => {
    givenOrganization(organizations);
    const store = new MemoryReportStore();

    await resolve({}, {}, store);

    expect(store.writes).toEqual([`runs/2030-01-02/${RUN_ID}/targets.json`]);
  });

  test('the run carries the execution name, start, role, default checks, the settings and the organization ID', async () => {
    givenOrganization(organizations);

    const { result } = await resolveAndRead({}, { maxConcurrency: 12, failOnIssues: false });

    expect(result.run).toEqual({
      id: RUN_ID,
      mode: 'audit',
      checks: ['identity'],
      role: 'readOnly',
      startedAt: STARTED_AT,
      maxConcurrency: 12,
      failOnIssues: false,
      reportLocation: `memory://runs/2030-01-02/${RUN_ID}/`,
      organizationId: ORG_ID,
    });
  });

  test('maxConcurrency of the input overrides the settings', async () => {
    givenOrganization(organizations);

    const { result } = await resolveAndRead({ maxConcurrency: 3 }, { maxConcurrency: 12 });

    expect(result.run.maxConcurrency).toBe(3);
  });

  test('role admin is carried in the run when the admin path is enabled', async () => {
    givenOrganization(organizations);

    const { result } = await resolveAndRead({ role: 'admin' }, { adminEnabled: true });

    expect(result.run.role).toBe('admin');
  });
});

describe('resolveTargets: failures', () => {
  test('invalid input is InvalidInput and the organization is not listed', async () => {
    givenOrganization(organizations);

    await expect(resolve({ accounts: ['12345'] })).rejects.toMatchObject({ name: 'InvalidInput' });
    expect(organizations).not.toHaveReceivedCommand(ListAccountsCommand);
  });

  test('checks whose settings are missing are refused in one InvalidInput naming every setting and flag', async () => {
    givenOrganization(organizations);

    const act = resolve({ checks: ['identity', 'cloudtrail-delivery'] });

    await expect(act).rejects.toMatchObject({ name: 'InvalidInput' });
    await expect(act).rejects.toThrow(
      /--home-region \(ctAudit\.homeRegion\), needed by cloudtrail-delivery; --log-archive-account/,
    );
    expect(organizations).not.toHaveReceivedCommand(ListAccountsCommand);
  });

  test('an event without the execution name is InvalidInput naming what is missing', async () => {
    const act = resolveTargets({ input: {}, executionName: '', startedAt: STARTED_AT } as ResolveTargetsEvent, {
      settings: parseSettings({}),
      organizations: new OrganizationsClient({}),
      store: new MemoryReportStore(),
    });

    await expect(act).rejects.toMatchObject({
      name: 'InvalidInput',
      message: expect.stringContaining('executionName'),
    });
  });

  test('an organization that cannot be listed writes no targets.json', async () => {
    givenOrganization(organizations, []);
    const store = new MemoryReportStore();

    await expect(resolve({}, {}, store)).rejects.toMatchObject({ name: 'OrganizationAccessError' });
    expect(store.writes).toEqual([]);
  });
});

describe('resolveTargets: the organization ID travels with the run', () => {
  test('without organizationId in the settings, the run carries the ID DescribeOrganization gave', async () => {
    givenOrganization(organizations);

    const { result } = await resolveAndRead({});

    expect(result.run.organizationId).toBe(ORG_ID);
    expect(organizations).toHaveReceivedCommandTimes(DescribeOrganizationCommand, 1);
  });

  test('organizationId set to this organization is what the run carries', async () => {
    givenOrganization(organizations);

    const { result } = await resolveAndRead({}, { organizationId: ORG_ID });

    expect(result.run.organizationId).toBe(ORG_ID);
  });

  test('organizationId set to another organization is InvalidSettings naming both, and no targets.json is written', async () => {
    givenOrganization(organizations);
    const store = new MemoryReportStore();

    const act = resolve({}, { organizationId: 'o-zzzzzzzzzz' }, store);

    await expect(act).rejects.toMatchObject({
      name: 'InvalidSettings',
      message: expect.stringMatching(/ctAudit\.organizationId is o-zzzzzzzzzz, .* organization o-a1b2c3d4e5/),
    });
    expect(store.writes).toEqual([]);
  });
});
