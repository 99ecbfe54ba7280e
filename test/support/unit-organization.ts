import {
  type Account,
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import type { AwsClientStub } from 'aws-sdk-client-mock';

/** The organization's ID in every unit test. */
export const ORG_ID = 'o-a1b2c3d4e5';
export const MANAGEMENT = '999999999999';
export const ROOT_ID = 'r-ab12';

/** OUs of the test organization: Workloads holds Prod and Dev; Sandbox and Security sit under the root. */
export const OU = {
  workloads: 'ou-ab12-11111111',
  prod: 'ou-ab12-22222222',
  dev: 'ou-ab12-33333333',
  sandbox: 'ou-ab12-44444444',
  security: 'ou-ab12-55555555',
} as const;

/** Accounts of the test organization by role. */
export const ACCOUNT = {
  prod: '111111111111',
  dev: '222222222222',
  sandbox: '333333333333',
  audit: '444444444444',
  logArchive: '555555555555',
} as const;

/** An organization member as ListAccounts returns it. */
export function member(id: string, name: string, state: Account['State'] = 'ACTIVE'): Account {
  return { Id: id, Name: name, State: state };
}

/** The default members: the management account and five ACTIVE accounts. */
export function defaultMembers(): Account[] {
  return [
    member(MANAGEMENT, 'Management'),
    member(ACCOUNT.prod, 'Prod'),
    member(ACCOUNT.dev, 'Dev'),
    member(ACCOUNT.sandbox, 'Sandbox'),
    member(ACCOUNT.audit, 'Audit'),
    member(ACCOUNT.logArchive, 'Log Archive'),
  ];
}

/** Where each account sits in the OU tree (the management account sits at the root). */
const ACCOUNTS_BY_PARENT: Readonly<Record<string, readonly string[]>> = {
  [ROOT_ID]: [MANAGEMENT],
  [OU.workloads]: [],
  [OU.prod]: [ACCOUNT.prod],
  [OU.dev]: [ACCOUNT.dev],
  [OU.sandbox]: [ACCOUNT.sandbox],
  [OU.security]: [ACCOUNT.audit, ACCOUNT.logArchive],
};

const CHILD_OUS: Readonly<Record<string, readonly { Id: string; Name: string }[]>> = {
  [ROOT_ID]: [
    { Id: OU.workloads, Name: 'Workloads' },
    { Id: OU.sandbox, Name: 'Sandbox' },
    { Id: OU.security, Name: 'Security' },
  ],
  [OU.workloads]: [
    { Id: OU.prod, Name: 'Prod' },
    { Id: OU.dev, Name: 'Dev' },
  ],
};

/**
 * Answers DescribeOrganization, ListAccounts (one page holding `members`), ListRoots and the per-parent listings of
 * the OU tree above. Tests override single commands after calling it.
 */
export function givenOrganization(
  mock: AwsClientStub<OrganizationsClient>,
  members: Account[] = defaultMembers(),
): void {
  mock.on(DescribeOrganizationCommand).resolves({ Organization: { Id: ORG_ID, MasterAccountId: MANAGEMENT } });
  mock.on(ListAccountsCommand).resolves({ Accounts: members });
  mock.on(ListRootsCommand).resolves({ Roots: [{ Id: ROOT_ID, Name: 'Root' }] });
  for (const parent of [ROOT_ID, ...Object.values(OU)]) {
    const ids = ACCOUNTS_BY_PARENT[parent] ?? [];
    mock
      .on(ListAccountsForParentCommand, { ParentId: parent })
      .resolves({ Accounts: members.filter((account) => account.Id && ids.includes(account.Id)) });
    mock
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: parent })
      .resolves({ OrganizationalUnits: [...(CHILD_OUS[parent] ?? [])] });
  }
}
