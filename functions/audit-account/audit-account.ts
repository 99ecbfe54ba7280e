import { linkCauses } from '../checks/causes';
import { CHECKS } from '../checks/registry';
import type { Check, CheckContext, CheckState } from '../checks/types';
import { type AccountSession, accountSession } from '../lib/account-session';
import { type SessionCache, sessionName } from '../lib/assume-role';
import { errorMessage, InvalidInputError, InvalidSettingsError, isThrottle, toErrorInfo } from '../lib/errors';
import { withFingerprints } from '../lib/fingerprint';
import { logger } from '../lib/logger';
import type { ReportStore } from '../lib/report-store';
import type { Settings } from '../lib/settings';
import { worstStatus } from '../lib/status';
import { cleanText } from '../lib/text';
import { type AccountRecord, type CheckResult, type RunInfo, SCHEMA_VERSION, type Status } from '../lib/types';
import { accountIdSchema, formatIssues } from '../lib/validation';
import * as z from '../lib/zod';

/** One Map item: the account and the run. */
export interface AuditAccountEvent {
  readonly accountId: string;
  readonly run: RunInfo;
}

/** What the iteration returns: almost nothing, so that the Map's output stays small at any size. */
export interface AuditAccountResult {
  readonly accountId: string;
  readonly status: Status;
}

/** What Audit Account works with. */
export interface AuditAccountDeps {
  readonly settings: Settings;
  /** Lives at module scope: the Log Archive session is reused across the accounts a warm function audits. */
  readonly sessions: SessionCache;
  readonly store: ReportStore;
  readonly partition: string;
  readonly checks?: Readonly<Record<string, Check>>;
  readonly now?: () => Date;
  /** How long the checks may take at most (milliseconds). @default CHECKS_BUDGET_MS */
  readonly budgetMs?: number;
}

/** What the invocation can say of its own time: the Lambda context's method. */
export interface Invocation {
  getRemainingTimeInMillis(): number;
}

/** The checks' budget when the invocation says nothing of its time (the local engine). */
export const CHECKS_BUDGET_MS = 240_000;

/** Time kept back from the Lambda timeout to write the record (and the checks' state) after the checks stop. */
export const RECORD_MARGIN_MS = 15_000;

/** The governed regions: the configured ones, else the home region, else the region the code runs in. */
export function governedRegions(settings: Settings, env: NodeJS.ProcessEnv = process.env): string[] {
  if (settings.regions.length > 0) return [...settings.regions];
  if (settings.homeRegion) return [settings.homeRegion];
  return [env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1'];
}

const eventSchema = z.object({
  accountId: accountIdSchema,
  run: z.object({
    id: z.string().check(z.minLength(1)),
    startedAt: z.string().check(z.minLength(1)),
    role: z.enum(['readOnly', 'admin']),
    checks: z.array(z.string()).check(z.minLength(1)),
  }),
});

/**
 * Audits one account: runs the run's checks with the execution role assumed in it, writes
 * accounts/<id>.json and returns its status. A check that cannot run is ERROR in the record, not a crash;
 * throttling beyond the SDK's retries is thrown so that the workflow retries the account with backoff.
 */
export async function auditAccount(
  event: AuditAccountEvent,
  deps: AuditAccountDeps,
  invocation?: Invocation,
): Promise<AuditAccountResult> {
  const parsed = eventSchema.safeParse(event, { reportInput: true });
  if (!parsed.success) throw new InvalidInputError(`invalid Audit Account input: ${formatIssues(parsed.error.issues)}`);
  const { accountId, run } = event;
  const { sessions, store, partition } = deps;
  // The organization ID Resolve Targets discovered stands in for an unset ctAudit.organizationId.
  const settings =
    !deps.settings.organizationId && event.run.organizationId
      ? { ...deps.settings, organizationId: event.run.organizationId }
      : deps.settings;
  const registry: Readonly<Record<string, Check | undefined>> = deps.checks ?? CHECKS;
  const now = deps.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const budget = Math.min(
    deps.budgetMs ?? CHECKS_BUDGET_MS,
    invocation ? invocation.getRemainingTimeInMillis() - RECORD_MARGIN_MS : Number.POSITIVE_INFINITY,
  );
  const deadline = Date.now() + Math.max(0, budget);
  const session = sessionName(run.id);
  const roleName =
    run.role === 'admin' ? settings.roles.adminExecutionRoleName : settings.roles.readOnlyExecutionRoleName;
  // State documents the checks put are written after the record, never before: a crash in between costs a rescan,
  // never a finding.
  const pendingState = new Map<string, unknown>();
  const state: CheckState = {
    get: (name) => store.getState(name),
    put: (name, value) => {
      pendingState.set(name, value);
    },
  };

  let logArchive: AccountSession | undefined;
  const context: CheckContext = {
    accountId,
    run,
    settings,
    now,
    regions: governedRegions(settings),
    deadline,
    target: accountSession(sessions, accountId, roleName, session, partition),
    logArchive: () => {
      const logArchiveAccountId = settings.logArchive.accountId;
      if (!logArchiveAccountId) {
        throw new InvalidSettingsError('ctAudit.logArchive.accountId is not set: the CloudTrail checks need it');
      }
      // The run's role kind there too: the read-only execution role trusts only the read-only Audit role, and the
      // administrator execution role (in every enrolled account, the Log Archive included) only the admin one.
      logArchive ??= accountSession(sessions, logArchiveAccountId, roleName, session, partition);
      return logArchive;
    },
    state,
  };

  const entries = await Promise.all(
    run.checks.map(async (id): Promise<[string, CheckResult]> => {
      const check = registry[id];
      if (!check) {
        return [
          id,
          { status: 'ERROR', error: { kind: 'INVALID_INPUT', message: `unknown check '${cleanText(id, 64)}'` } },
        ];
      }
      try {
        return [id, await check.run(context)];
      } catch (error) {
        if (isThrottle(error)) throw error;
        return [id, { status: 'ERROR', message: `${cleanText(id, 64)} could not run`, error: toErrorInfo(error) }];
      }
    }),
  );
  // Every stored finding has its fingerprint, whichever check made it; current-state findings get their cause.
  const checks = Object.fromEntries(
    Object.entries(linkCauses(Object.fromEntries(entries))).map(([id, result]) => [
      id,
      result.findings ? { ...result, findings: withFingerprints(accountId, result.findings) } : result,
    ]),
  );
  const status = worstStatus(entries.map(([, result]) => result.status));
  const record: AccountRecord = {
    schemaVersion: SCHEMA_VERSION,
    accountId,
    runId: run.id,
    status,
    checks,
    startedAt,
    finishedAt: now().toISOString(),
  };
  await store.putJson(run, `accounts/${accountId}.json`, record);
  for (const [name, value] of pendingState) {
    try {
      await store.putState(name, value);
    } catch (error) {
      // The record is written; a cursor not saved only means the next run reads those files again.
      logger.warn('cannot save a state document', { accountId, name, error: errorMessage(error) });
    }
  }
  logger.info('account audited', { accountId, status });
  return { accountId, status };
}
