import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { CHECK_INFO } from '../checks/catalog';
import { missingSettingsFor } from '../checks/required';
import { InvalidInputError, InvalidSettingsError } from '../lib/errors';
import { logger } from '../lib/logger';
import type { ReportStore } from '../lib/report-store';
import { missingSettingsMessage } from '../lib/required-settings';
import type { Settings } from '../lib/settings';
import type { RunInfo, SkippedAccount, Target, TargetsDocument } from '../lib/types';
import { parseExecutionInput, type RunRequest } from './input';
import { listOrganization, type OrganizationListing, type Placement, placeAccounts } from './organization';

/** What the state machine passes: the raw execution input and the execution's identity. */
export interface ResolveTargetsEvent {
  readonly input?: unknown;
  readonly executionName: string;
  readonly startedAt: string;
}

/** The state output: bare IDs, so that 10,000 accounts still fit in 256 KiB. */
export interface ResolveTargetsResult {
  readonly run: RunInfo;
  readonly targets: string[];
  readonly skippedCount: number;
}

/** What Resolve Targets works with. */
export interface ResolveTargetsDeps {
  readonly settings: Settings;
  readonly organizations: OrganizationsClient;
  readonly store: ReportStore;
}

/**
 * Validates the input, lists the organization once, decides which accounts to audit and why the others are
 * skipped, and writes targets.json. Every account asked for ends up either a target or skipped with its reason.
 */
export async function resolveTargets(
  event: ResolveTargetsEvent,
  deps: ResolveTargetsDeps,
): Promise<ResolveTargetsResult> {
  const { settings, organizations, store } = deps;
  if (!event?.executionName || !event.startedAt) {
    throw new InvalidInputError('Resolve Targets needs executionName and startedAt from the state machine context');
  }
  const request = parseExecutionInput(event.input, settings);
  for (const id of request.checks) {
    if (CHECK_INFO[id].role === 'admin' && request.role !== 'admin') {
      throw new InvalidInputError(`invalid execution input: check '${id}' needs role "admin"`);
    }
  }
  // Every missing setting in one message, before any account is touched; the organization ID is read below.
  const missing = missingSettingsFor(request.checks, settings, { organizationDiscoverable: true });
  if (missing.length > 0) throw new InvalidInputError(missingSettingsMessage(missing));

  const organization = await listOrganization(organizations);
  const organizationId = runOrganizationId(settings, organization);
  const needsPlacement =
    settings.include.organizationalUnits.length > 0 || settings.exclude.organizationalUnits.length > 0;
  const placements = needsPlacement ? await placeAccounts(organizations) : new Map<string, Placement>();
  const { targets, skipped } = selectTargets(request, organization, placements, settings);

  const runRef = { id: event.executionName, startedAt: event.startedAt };
  const run: RunInfo = {
    id: event.executionName,
    mode: request.mode,
    checks: request.checks,
    role: request.role,
    startedAt: event.startedAt,
    maxConcurrency: request.maxConcurrency,
    failOnIssues: settings.failOnIssues,
    reportLocation: store.location(runRef),
    ...(organizationId ? { organizationId } : {}),
    ...(request.trigger ? { trigger: request.trigger } : {}),
  };
  const document: TargetsDocument = {
    runId: run.id,
    organizationId: organization.organizationId,
    targets,
    skipped,
  };
  await store.putJson(runRef, 'targets.json', document);
  logger.info('targets resolved', { runId: run.id, targets: targets.length, skipped: skipped.length });
  return { run, targets: targets.map((target) => target.accountId), skippedCount: skipped.length };
}

/**
 * The organization ID the run works with: `organizationId` from the settings (or `--organization-id`) when set,
 * else the one DescribeOrganization gave. A set ID that is not this organization's is a wrong setting, not a run
 * that quietly finds no CloudTrail files.
 */
export function runOrganizationId(settings: Settings, organization: OrganizationListing): string | undefined {
  const discovered = organization.organizationId || undefined;
  if (settings.organizationId && discovered && settings.organizationId !== discovered) {
    throw new InvalidSettingsError(
      `invalid settings: ctAudit.organizationId is ${settings.organizationId}, but the accounts are listed from ` +
        `organization ${discovered}; fix the setting (or --organization-id), or leave it unset to use the discovered ID`,
    );
  }
  return settings.organizationId ?? discovered;
}

/**
 * The selection rules. The management account and accounts that are not ACTIVE are skipped with a reason;
 * settings' exclusions apply to every run; settings' inclusions narrow a whole-organization run only (an explicit
 * list is what the person asked for). Accounts outside the inclusions are out of scope, not skipped.
 */
export function selectTargets(
  request: RunRequest,
  organization: OrganizationListing,
  placements: ReadonlyMap<string, Placement>,
  settings: Settings,
): { targets: Target[]; skipped: SkippedAccount[] } {
  const byId = new Map(organization.accounts.map((account) => [account.id, account]));
  const explicit = request.accounts !== undefined;
  const candidates = request.accounts ?? organization.accounts.map((account) => account.id);
  const { include, exclude } = settings;
  const underAny = (accountId: string, ous: readonly string[]) =>
    ous.find((ou) => placements.get(accountId)?.ouIds.includes(ou));

  const targets: Target[] = [];
  const skipped: SkippedAccount[] = [];
  for (const accountId of candidates) {
    const account = byId.get(accountId);
    const name = account?.name;
    const skip = (reason: string) =>
      skipped.push({ accountId, ...(name ? { name } : {}), reason, ...(explicit ? { requested: true } : {}) });
    if (!account) {
      skip(`not a member of organization ${organization.organizationId}`);
      continue;
    }
    if (!explicit && (include.accounts.length > 0 || include.organizationalUnits.length > 0)) {
      const included = include.accounts.includes(accountId) || underAny(accountId, include.organizationalUnits);
      if (!included) continue;
    }
    if (accountId === organization.managementAccountId) {
      skip('management account: Control Tower deploys no execution roles there');
      continue;
    }
    if (account.status !== 'ACTIVE') {
      skip(`account is ${account.status}: only ACTIVE accounts are audited`);
      continue;
    }
    if (exclude.accounts.includes(accountId)) {
      skip('excluded by settings (ctAudit.exclude.accounts)');
      continue;
    }
    const excludedOu = underAny(accountId, exclude.organizationalUnits);
    if (excludedOu) {
      skip(`excluded by settings (ctAudit.exclude.organizationalUnits: ${excludedOu})`);
      continue;
    }
    const ouPath = placements.get(accountId)?.path;
    targets.push({ accountId, name, ...(ouPath ? { ouPath } : {}) });
  }
  targets.sort((a, b) => a.accountId.localeCompare(b.accountId));
  return { targets, skipped };
}
