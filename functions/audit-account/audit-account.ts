import * as z from 'zod';
import { CHECKS } from '../checks/registry';
import type { AccountSession, Check, CheckContext } from '../checks/types';
import { accountSession } from '../lib/account-session';
import { type SessionCache, sessionName } from '../lib/assume-role';
import { InvalidInputError, InvalidSettingsError, isThrottle, toErrorInfo } from '../lib/errors';
import { logger } from '../lib/logger';
import type { ReportStore } from '../lib/report-store';
import type { Settings } from '../lib/settings';
import { worstStatus } from '../lib/status';
import type { AccountRecord, CheckResult, RunInfo, Status } from '../lib/types';
import { accountIdSchema, formatIssues } from '../lib/validation';

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
}

const eventSchema = z.object({
  accountId: accountIdSchema,
  run: z.object({
    id: z.string().min(1),
    startedAt: z.string().min(1),
    role: z.enum(['readOnly', 'admin']),
    checks: z.array(z.string()).min(1),
  }),
});

/**
 * Audits one account: runs the run's checks with the execution role assumed in it, writes
 * accounts/<id>.json and returns its status. A check that cannot run is ERROR in the record, not a crash;
 * throttling beyond the SDK's retries is thrown so that the workflow retries the account with backoff.
 */
export async function auditAccount(event: AuditAccountEvent, deps: AuditAccountDeps): Promise<AuditAccountResult> {
  const parsed = eventSchema.safeParse(event, { reportInput: true });
  if (!parsed.success) throw new InvalidInputError(`invalid Audit Account input: ${formatIssues(parsed.error.issues)}`);
  const { accountId, run } = event;
  const { settings, sessions, store, partition } = deps;
  const registry: Readonly<Record<string, Check | undefined>> = deps.checks ?? CHECKS;
  const now = deps.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const session = sessionName(run.id);
  const roleName =
    run.role === 'admin' ? settings.roles.adminExecutionRoleName : settings.roles.readOnlyExecutionRoleName;

  let logArchive: AccountSession | undefined;
  const context: CheckContext = {
    accountId,
    run,
    settings,
    now,
    target: accountSession(sessions, accountId, roleName, session, partition),
    logArchive: () => {
      const logArchiveAccountId = settings.logArchive.accountId;
      if (!logArchiveAccountId) {
        throw new InvalidSettingsError('ctAudit.logArchive.accountId is not set: the CloudTrail checks need it');
      }
      logArchive ??= accountSession(
        sessions,
        logArchiveAccountId,
        settings.roles.readOnlyExecutionRoleName,
        session,
        partition,
      );
      return logArchive;
    },
  };

  const entries = await Promise.all(
    run.checks.map(async (id): Promise<[string, CheckResult]> => {
      const check = registry[id];
      if (!check) {
        return [id, { status: 'ERROR', error: { kind: 'INVALID_INPUT', message: `unknown check '${id}'` } }];
      }
      try {
        return [id, await check.run(context)];
      } catch (error) {
        if (isThrottle(error)) throw error;
        return [id, { status: 'ERROR', message: `${id} could not run`, error: toErrorInfo(error) }];
      }
    }),
  );
  const checks = Object.fromEntries(entries);
  const status = worstStatus(entries.map(([, result]) => result.status));
  const record: AccountRecord = {
    accountId,
    runId: run.id,
    status,
    checks,
    startedAt,
    finishedAt: now().toISOString(),
  };
  await store.putJson(run, `accounts/${accountId}.json`, record);
  logger.info('account audited', { accountId, status });
  return { accountId, status };
}
