import {
  type Account,
  DescribeOrganizationCommand,
  ListRootsCommand,
  type OrganizationsClient,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
} from '@aws-sdk/client-organizations';
import { errorKind, errorMessage, errorName, OrganizationAccessError } from '../lib/errors';

/** An account of the organization, as the run needs it. */
export interface OrgAccount {
  readonly id: string;
  readonly name: string;
  readonly status: string;
}

/** The organization as listed once per run. */
export interface OrganizationListing {
  readonly organizationId: string;
  readonly managementAccountId: string;
  readonly accounts: readonly OrgAccount[];
}

/** ListAccounts returns at most 20 accounts a page. */
const PAGE_SIZE = 20;

const DELEGATION_HINT =
  'run from the management account, or register the Audit account as a delegated administrator for Organizations';

function accessError(action: string, error: unknown): Error {
  if (errorKind(errorName(error)) === 'ACCESS_DENIED') {
    return new OrganizationAccessError(
      `cannot ${action}: ${errorName(error)}: ${errorMessage(error)}; ${DELEGATION_HINT}`,
    );
  }
  return error instanceof Error ? error : new Error(errorMessage(error));
}

/**
 * Lists every account of the organization, page by page. A page may be empty while NextToken is set: the
 * paginator goes on until NextToken is absent. Throttling is retried by the client with backoff and jitter.
 */
export async function listOrganization(organizations: OrganizationsClient): Promise<OrganizationListing> {
  let organizationId: string;
  let managementAccountId: string;
  try {
    const { Organization } = await organizations.send(new DescribeOrganizationCommand({}));
    organizationId = Organization?.Id ?? '';
    managementAccountId = Organization?.MasterAccountId ?? '';
  } catch (error) {
    if (errorName(error) === 'AWSOrganizationsNotInUseException') {
      throw new OrganizationAccessError('this account is not in an organization: Control Tower needs one');
    }
    throw accessError('describe the organization', error);
  }

  const accounts: OrgAccount[] = [];
  try {
    for await (const page of paginateListAccounts({ client: organizations, pageSize: PAGE_SIZE }, {})) {
      for (const account of page.Accounts ?? []) accounts.push(toOrgAccount(account));
    }
  } catch (error) {
    throw accessError('list the accounts of the organization', error);
  }
  // An organization always has its management account; an empty list means we are not allowed to see it.
  if (accounts.length === 0) {
    throw new OrganizationAccessError(`Organizations listed no accounts in ${organizationId}; ${DELEGATION_HINT}`);
  }
  return { organizationId, managementAccountId, accounts };
}

function toOrgAccount(account: Account): OrgAccount {
  return { id: account.Id ?? '', name: account.Name ?? '', status: account.State ?? account.Status ?? 'UNKNOWN' };
}

/** Where an account sits: the OU IDs from the root down, and a readable path like `Root/Workloads/Prod`. */
export interface Placement {
  readonly ouIds: readonly string[];
  readonly path: string;
}

/**
 * Walks the OU tree from the root: one ListOrganizationalUnitsForParent and one ListAccountsForParent per OU,
 * never a call per account (ListParents throttles at a few hundred accounts).
 */
export async function placeAccounts(organizations: OrganizationsClient): Promise<Map<string, Placement>> {
  const placements = new Map<string, Placement>();
  let roots: { Id?: string; Name?: string }[];
  try {
    roots = (await organizations.send(new ListRootsCommand({}))).Roots ?? [];
  } catch (error) {
    throw accessError('list the organization root', error);
  }
  const queue: { id: string; placement: Placement }[] = roots
    .filter((root) => root.Id)
    .map((root) => ({ id: root.Id as string, placement: { ouIds: [root.Id as string], path: root.Name ?? 'Root' } }));

  try {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const { id, placement } = item;
      for await (const page of paginateListAccountsForParent({ client: organizations }, { ParentId: id })) {
        for (const account of page.Accounts ?? []) {
          if (account.Id) placements.set(account.Id, placement);
        }
      }
      for await (const page of paginateListOrganizationalUnitsForParent({ client: organizations }, { ParentId: id })) {
        for (const ou of page.OrganizationalUnits ?? []) {
          if (!ou.Id) continue;
          queue.push({
            id: ou.Id,
            placement: { ouIds: [...placement.ouIds, ou.Id], path: `${placement.path}/${ou.Name ?? ou.Id}` },
          });
        }
      }
    }
  } catch (error) {
    throw accessError('walk the organizational units', error);
  }
  return placements;
}
