import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  OrganizationsClient,
  OrganizationsServiceException,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { OrganizationAccessError } from '../../../functions/lib/errors';
import { listOrganization, placeAccounts } from '../../../functions/resolve-targets/organization';
import { ACCOUNT, givenOrganization, MANAGEMENT, member, ORG_ID, OU, ROOT_ID } from '../../support/unit-organization';

const organizations = mockClient(OrganizationsClient);

function orgError(name: string, message = `${name} from Organizations`): OrganizationsServiceException {
  return new OrganizationsServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

beforeEach(() => organizations.reset());

describe('listOrganization', () => {
  test('returns the organization ID and its management account', async () => {
    givenOrganization(organizations);

    const listing = await listOrganization(new OrganizationsClient({}));

    expect(listing).toMatchObject({ organizationId: ORG_ID, managementAccountId: MANAGEMENT });
  });

  test('follows NextToken across pages, an empty page included, until there is none', async () => {
    givenOrganization(organizations);
    organizations
      .on(ListAccountsCommand)
      .resolvesOnce({ Accounts: [member(ACCOUNT.prod, 'Prod'), member(ACCOUNT.dev, 'Dev')], NextToken: 't1' })
      .resolvesOnce({ Accounts: [], NextToken: 't2' })
      .resolvesOnce({ Accounts: [member(ACCOUNT.sandbox, 'Sandbox')] })
      .resolves({ Accounts: [member('777777777777', 'never reached')] });

    const listing = await listOrganization(new OrganizationsClient({}));

    expect(listing.accounts.map((account) => account.id)).toEqual([ACCOUNT.prod, ACCOUNT.dev, ACCOUNT.sandbox]);
    expect(organizations).toHaveReceivedCommandTimes(ListAccountsCommand, 3);
  });

  test('sends each page token it received', async () => {
    givenOrganization(organizations);
    const pages = [
      { Accounts: [member(ACCOUNT.prod, 'Prod')], NextToken: 't1' },
      { Accounts: [], NextToken: 't2' },
      { Accounts: [member(ACCOUNT.dev, 'Dev')] },
    ];
    // The paginator reuses one input object, so the tokens are copied as each call is made.
    const tokensSent: (string | undefined)[] = [];
    organizations.on(ListAccountsCommand).callsFake((input: { NextToken?: string }) => {
      tokensSent.push(input.NextToken);
      return pages[tokensSent.length - 1];
    });

    await listOrganization(new OrganizationsClient({}));

    expect(tokensSent).toEqual([undefined, 't1', 't2']);
  });

  test('asks for pages of 20, the most ListAccounts gives', async () => {
    givenOrganization(organizations);

    await listOrganization(new OrganizationsClient({}));

    expect(organizations).toHaveReceivedCommandWith(ListAccountsCommand, { MaxResults: 20 });
  });

  test('reads the account state from State', async () => {
    givenOrganization(organizations, [member(ACCOUNT.prod, 'Prod', 'SUSPENDED')]);

    const listing = await listOrganization(new OrganizationsClient({}));

    expect(listing.accounts).toEqual([{ id: ACCOUNT.prod, name: 'Prod', status: 'SUSPENDED' }]);
  });

  test('falls back to the older Status field when State is absent', async () => {
    givenOrganization(organizations, [{ Id: ACCOUNT.prod, Name: 'Prod', Status: 'PENDING_CLOSURE' }]);

    const listing = await listOrganization(new OrganizationsClient({}));

    expect(listing.accounts[0]?.status).toBe('PENDING_CLOSURE');
  });

  test('AccessDenied on ListAccounts is an OrganizationAccessError with the delegated administrator hint', async () => {
    givenOrganization(organizations);
    organizations.on(ListAccountsCommand).rejects(orgError('AccessDeniedException', 'not authorized'));

    const listing = listOrganization(new OrganizationsClient({}));

    await expect(listing).rejects.toBeInstanceOf(OrganizationAccessError);
    await expect(listing).rejects.toMatchObject({
      name: 'OrganizationAccessError',
      message: expect.stringContaining('register the Audit account as a delegated administrator for Organizations'),
    });
  });

  test('the access error keeps what Organizations said', async () => {
    givenOrganization(organizations);
    organizations.on(ListAccountsCommand).rejects(orgError('AccessDeniedException', 'not authorized'));

    await expect(listOrganization(new OrganizationsClient({}))).rejects.toThrow(
      'cannot list the accounts of the organization: AccessDeniedException: not authorized',
    );
  });

  test('an account outside any organization is an OrganizationAccessError saying so', async () => {
    organizations.on(DescribeOrganizationCommand).rejects(orgError('AWSOrganizationsNotInUseException'));

    await expect(listOrganization(new OrganizationsClient({}))).rejects.toMatchObject({
      name: 'OrganizationAccessError',
      message: expect.stringContaining('not in an organization'),
    });
  });

  test('AccessDenied on DescribeOrganization is an OrganizationAccessError too', async () => {
    organizations.on(DescribeOrganizationCommand).rejects(orgError('AccessDeniedException'));

    await expect(listOrganization(new OrganizationsClient({}))).rejects.toMatchObject({
      name: 'OrganizationAccessError',
      message: expect.stringContaining('cannot describe the organization'),
    });
  });

  test('an empty listing is an OrganizationAccessError: an organization always has its management account', async () => {
    givenOrganization(organizations, []);

    await expect(listOrganization(new OrganizationsClient({}))).rejects.toMatchObject({
      name: 'OrganizationAccessError',
      message: expect.stringContaining(`Organizations listed no accounts in ${ORG_ID}`),
    });
  });

  test('throttling beyond the SDK retries reaches the caller under its own name, so that it can be retried', async () => {
    givenOrganization(organizations);
    organizations.on(ListAccountsCommand).rejects(orgError('TooManyRequestsException'));

    await expect(listOrganization(new OrganizationsClient({}))).rejects.toMatchObject({
      name: 'TooManyRequestsException',
    });
  });

  test('never asks for the parents of an account', async () => {
    givenOrganization(organizations);

    await listOrganization(new OrganizationsClient({}));

    expect(organizations).not.toHaveReceivedCommand(ListParentsCommand);
  });
});

describe('placeAccounts', () => {
  test('places an account of a nested OU with every OU above it', async () => {
    givenOrganization(organizations);

    const placements = await placeAccounts(new OrganizationsClient({}));

    expect(placements.get(ACCOUNT.prod)).toEqual({
      ouIds: [ROOT_ID, OU.workloads, OU.prod],
      path: 'Root/Workloads/Prod',
    });
  });

  test('places an account at the root with the root alone', async () => {
    givenOrganization(organizations);

    const placements = await placeAccounts(new OrganizationsClient({}));

    expect(placements.get(MANAGEMENT)).toEqual({ ouIds: [ROOT_ID], path: 'Root' });
  });

  test('places every account of the tree', async () => {
    givenOrganization(organizations);

    const placements = await placeAccounts(new OrganizationsClient({}));

    expect([...placements.keys()].sort()).toEqual(
      [MANAGEMENT, ACCOUNT.prod, ACCOUNT.dev, ACCOUNT.sandbox, ACCOUNT.audit, ACCOUNT.logArchive].sort(),
    );
  });

  test('lists each OU once, whatever the number of accounts', async () => {
    givenOrganization(organizations);

    await placeAccounts(new OrganizationsClient({}));

    expect(organizations).toHaveReceivedCommandTimes(ListOrganizationalUnitsForParentCommand, 6);
    expect(organizations).toHaveReceivedCommandTimes(ListAccountsForParentCommand, 6);
    expect(organizations).not.toHaveReceivedCommand(ListParentsCommand);
  });

  test('follows NextToken through the child OUs of a parent', async () => {
    givenOrganization(organizations);
    organizations
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: ROOT_ID })
      .resolvesOnce({ OrganizationalUnits: [], NextToken: 'more' })
      .resolvesOnce({ OrganizationalUnits: [{ Id: OU.sandbox, Name: 'Sandbox' }] });

    const placements = await placeAccounts(new OrganizationsClient({}));

    expect(placements.get(ACCOUNT.sandbox)?.path).toBe('Root/Sandbox');
  });

  test('AccessDenied while walking the tree is an OrganizationAccessError', async () => {
    givenOrganization(organizations);
    organizations.on(ListRootsCommand).rejects(orgError('AccessDeniedException'));

    await expect(placeAccounts(new OrganizationsClient({}))).rejects.toMatchObject({
      name: 'OrganizationAccessError',
      message: expect.stringContaining('delegated administrator'),
    });
  });
});
